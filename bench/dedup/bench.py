#!/usr/bin/env python3
"""Dedup benchmark: sluice beside a Python + numpy MinHash (minhash_reference.py) for near
duplicates and beside jdupes for exact duplicates, on a corpus made from this machine's sources.
Each side runs --reps times, alternately; medians and ratios are printed. See run.sh."""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, **kwargs):
    """Runs a command; returns (CPU seconds, max RSS bytes, stdout). CPU time (user + system) is
    what the figures use: the machine is shared, so wall time mostly measures the other load."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{err.decode(errors='replace')}")
    timed.wall = seconds
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out.decode()


def read_band_keys(path):
    with open(path, "rb") as f:
        data = f.read()
    body = data[16:-16]
    return {(ref & 0xFFFFFFFF, key) for key, ref in struct.iter_unpack("<QQ", body)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--subset-shards", type=int, default=1)
    parser.add_argument("--python-full", action="store_true", help="also run the Python reference end to end on the whole corpus")
    args = parser.parse_args()
    corpus = os.path.join(args.work, "corpus")
    files = os.path.join(args.work, "files")
    shards = sorted(os.path.join(corpus, n) for n in os.listdir(corpus) if n.endswith(".jsonl"))
    subset = os.path.join(args.work, "subset")
    shutil.rmtree(subset, ignore_errors=True)
    os.makedirs(subset)
    for shard in shards[:args.subset_shards]:
        os.symlink(shard, os.path.join(subset, os.path.basename(shard)))
    subset_bytes = 0
    subset_docs = 0
    for shard in shards[:args.subset_shards]:
        with open(shard) as f:
            for line in f:
                subset_docs += 1
                subset_bytes += len(json.loads(line)["text"].encode())
    results = {"subset_docs": subset_docs, "subset_text_bytes": subset_bytes}
    reference = [sys.executable, os.path.join(HERE, "minhash_reference.py")]

    # 1. Signatures on one core: sluice phase 1 (-j 1) against the Python reference, same shards.
    sl_sig, py_sig, py_hash = [], [], []
    for rep in range(args.reps):
        out = os.path.join(args.work, "out-sig")
        shutil.rmtree(out, ignore_errors=True)
        seconds, _, _ = timed([args.sluice, "dedup", "--in", subset, "--out", out, "--mode", "near", "--phase", "1", "-j", "1"],
                              env=dict(os.environ, SLUICE_PROGRESS="0"))
        sl_sig.append(seconds)
        command = reference + shards[:args.subset_shards]
        if rep == 0:
            command += ["--dump", os.path.join(args.work, "reference-keys.txt")]
        seconds, _, text = timed(command)
        info = json.loads(text)
        py_sig.append(info["total_seconds"])
        py_hash.append(info["signature_seconds"])
        if rep == 0:
            # Same signatures: every band key of the first shard must match sluice's key files.
            mine = {}
            for band in range(25):
                for index, key in read_band_keys(os.path.join(out, "dedup-work", "keys", f"band{band:03d}-00000.keys")):
                    mine[(index, band)] = key
            theirs = {}
            with open(os.path.join(args.work, "reference-keys.txt")) as f:
                for line in f:
                    shard, index, band, key = map(int, line.split())
                    if shard == 0:
                        theirs[(index, band)] = key
            results["band_keys_compared"] = len(theirs)
            results["band_keys_equal"] = mine == theirs
    results["sluice_signature_s"] = statistics.median(sl_sig)
    results["python_signature_s"] = statistics.median(py_sig)
    results["python_hash_only_s"] = statistics.median(py_hash)

    # 2. End to end on the whole corpus (exact + near), all cores.
    sl_e2e, rss = [], []
    report = None
    for rep in range(args.reps):
        out = os.path.join(args.work, "out-e2e")
        shutil.rmtree(out, ignore_errors=True)
        seconds, peak, text = timed([args.sluice, "dedup", "--in", corpus, "--out", out, "--json"],
                                    env=dict(os.environ, SLUICE_PROGRESS="0"))
        sl_e2e.append(seconds)
        results.setdefault("sluice_e2e_wall", []).append(timed.wall)
        rss.append(peak)
        report = json.loads(text)
    results["sluice_e2e_s"] = statistics.median(sl_e2e)
    results["sluice_e2e_max_rss"] = max(rss)
    results["sluice_e2e_report"] = report
    if args.python_full:
        seconds, peak, text = timed(reference + ["--cluster"] + shards)
        results["python_e2e_s"] = seconds
        results["python_e2e_max_rss"] = peak
        results["python_e2e"] = json.loads(text)

    # 3. Exact duplicates: sluice --mode exact against jdupes on the same files.
    sl_exact, jd = [], []
    jd_summary = ""
    for rep in range(args.reps):
        out = os.path.join(args.work, "out-exact")
        shutil.rmtree(out, ignore_errors=True)
        seconds, _, text = timed([args.sluice, "dedup", "--in", corpus, "--out", out, "--mode", "exact", "--json"],
                                 env=dict(os.environ, SLUICE_PROGRESS="0"))
        sl_exact.append(seconds)
        results["sluice_exact_removed"] = json.loads(text)["removed_exact"]
        seconds, _, jd_summary = timed(["jdupes", "-r", "-q", "-m", files])
        jd.append(seconds)
    results["sluice_exact_s"] = statistics.median(sl_exact)
    results["jdupes_s"] = statistics.median(jd)
    results["jdupes_summary"] = jd_summary.strip()

    mb = subset_bytes / 1e6
    total_mb = report["text_bytes_in"] / 1e6
    print(json.dumps(results, indent=2))
    print("(seconds are CPU seconds, user + system, of the process)")
    print(f"\nsignatures, 1 core, {subset_docs} docs / {mb:.1f} MB:")
    print(f"  sluice phase 1  {results['sluice_signature_s']:.2f} s  {mb / results['sluice_signature_s']:.1f} MB/s  "
          f"{subset_docs / results['sluice_signature_s']:.0f} docs/s")
    print(f"  python+numpy    {results['python_signature_s']:.2f} s  {mb / results['python_signature_s']:.2f} MB/s  "
          f"{subset_docs / results['python_signature_s']:.0f} docs/s")
    print(f"  ratio {results['python_signature_s'] / results['sluice_signature_s']:.1f}x; band keys equal: "
          f"{results.get('band_keys_equal')} ({results.get('band_keys_compared')} keys)")
    print(f"end to end (exact + near), {report['documents_in']} docs / {total_mb:.1f} MB: sluice {results['sluice_e2e_s']:.2f} s, "
          f"max RSS {results['sluice_e2e_max_rss'] / 1e6:.0f} MB; phases {report['phase_seconds']}")
    if args.python_full:
        print(f"  python+numpy end to end {results['python_e2e_s']:.1f} s ({results['python_e2e_s'] / results['sluice_e2e_s']:.1f}x)")
    print(f"exact: sluice {results['sluice_exact_s']:.2f} s ({results['sluice_exact_removed']} removed), jdupes "
          f"{results['jdupes_s']:.2f} s ({results['jdupes_summary']}), ratio {results['jdupes_s'] / results['sluice_exact_s']:.2f}x")


if __name__ == "__main__":
    main()
