#!/usr/bin/env python3
"""Builds a document shard set (JSONL.zst) from source files that ship with a Debian machine.

Used by the benchmarks so every stage measures the same kind of input: real code and docs, no
downloads. Files are read from the given roots (default: C headers, Python and Perl libraries),
decoded as UTF-8 (others skipped), and written as documents in shards of about --shard-mb MB of
uncompressed JSON, compressed with `zstd -3`. When the roots hold less than --total-mb, they are
read again with new ids until the target is reached.
"""
import argparse
import json
import os
import subprocess
import sys

DEFAULT_ROOTS = ["/usr/include", "/usr/lib/python3.11", "/usr/lib/python3/dist-packages", "/usr/share/perl"]


def source_files(roots, max_bytes):
    for root in roots:
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(directory, name)
                if os.path.islink(path) or name.endswith((".pyc", ".so")):
                    continue
                try:
                    if os.path.getsize(path) > max_bytes:
                        continue
                    with open(path, "rb") as f:
                        data = f.read()
                    if b"\0" in data:
                        continue
                    yield path, data.decode("utf-8")
                except (OSError, UnicodeDecodeError):
                    continue


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--total-mb", type=float, default=1100)
    parser.add_argument("--shard-mb", type=float, default=64)
    parser.add_argument("--roots", nargs="*", default=DEFAULT_ROOTS)
    parser.add_argument("--max-file-bytes", type=int, default=1 << 20)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    total, shard, shard_bytes, written_docs = 0, 0, 0, 0
    target, shard_target = args.total_mb * 1e6, args.shard_mb * 1e6
    writer = None

    def open_shard(index):
        out = open(os.path.join(args.out, "part-%05d.jsonl.zst" % index), "wb")
        return subprocess.Popen(["zstd", "-3", "-q", "-c"], stdin=subprocess.PIPE, stdout=out)

    passes = 0
    while total < target:
        for path, text in source_files(args.roots, args.max_file_bytes):
            if writer is None:
                writer = open_shard(shard)
            ext = os.path.splitext(path)[1].lstrip(".") or "none"
            line = json.dumps({"id": "%d:%s" % (passes, path), "text": text, "source": "git",
                               "metadata": {"path": path, "lang": ext, "bytes": len(text.encode())}},
                              ensure_ascii=False).encode() + b"\n"
            writer.stdin.write(line)
            total += len(line)
            shard_bytes += len(line)
            written_docs += 1
            if shard_bytes >= shard_target:
                writer.stdin.close()
                writer.wait()
                writer, shard, shard_bytes = None, shard + 1, 0
            if total >= target:
                break
        passes += 1
    if writer is not None:
        writer.stdin.close()
        writer.wait()
    print("%s: %d documents, %.1f MB of JSON in %d shards" % (args.out, written_docs, total / 1e6,
          shard + (1 if shard_bytes else 0)), file=sys.stderr)


if __name__ == "__main__":
    main()
