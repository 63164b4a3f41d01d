#!/usr/bin/env python3
"""Builds the dedup benchmark corpus from this machine's own source files: the first --mb MB of
C/C++ headers and Python files under the given roots (sorted paths, files under 1 MiB), written
as plain JSONL shards of about --shard-mb MB (sluice documents: id, text, source, metadata) and,
for jdupes, as a copy of the same files under --files."""
import argparse
import json
import os
import shutil

EXTENSIONS = (".h", ".hpp", ".hxx", ".inl", ".c", ".cc", ".cpp", ".py")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--mb", type=float, default=160)
    parser.add_argument("--shard-mb", type=float, default=16)
    args = parser.parse_args()
    stamp = os.path.join(args.out, "DONE")
    if os.path.exists(stamp):
        print(open(stamp).read().strip())
        return
    shutil.rmtree(args.out, ignore_errors=True)
    shutil.rmtree(args.files, ignore_errors=True)
    os.makedirs(args.out)
    os.makedirs(args.files)
    paths = []
    for root in args.roots:
        for directory, _, names in os.walk(root, followlinks=True):
            for name in names:
                if name.endswith(EXTENSIONS):
                    path = os.path.join(directory, name)
                    try:
                        if os.path.isfile(path) and 0 < os.path.getsize(path) < (1 << 20):
                            paths.append(path)
                    except OSError:
                        pass
    paths.sort()
    limit = int(args.mb * 1e6)
    total = 0
    shard = None
    shard_bytes = 0
    shard_index = 0
    documents = 0
    for path in paths:
        if total >= limit:
            break
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8", errors="replace")
        if shard is None or shard_bytes >= args.shard_mb * 1e6:
            if shard:
                shard.close()
            shard = open(os.path.join(args.out, f"part-{shard_index:05d}.jsonl"), "w")
            shard_index += 1
            shard_bytes = 0
        record = {"id": path, "text": text, "source": "files", "metadata": {"path": path, "bytes": len(raw)}}
        shard.write(json.dumps(record, ensure_ascii=False) + "\n")
        copy = os.path.join(args.files, f"{documents:06d}" + os.path.splitext(path)[1])
        with open(copy, "wb") as f:
            f.write(raw)
        total += len(raw)
        shard_bytes += len(raw)
        documents += 1
    if shard:
        shard.close()
    summary = f"corpus: {documents} files, {total / 1e6:.1f} MB, {shard_index} shards"
    with open(stamp, "w") as f:
        f.write(summary + "\n")
    print(summary)


if __name__ == "__main__":
    main()
