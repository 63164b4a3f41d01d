#!/usr/bin/env python3
"""Benchmark of `sluice ingest` against stock git reading the same blobs.

Builds three repositories under bench/work/ from source trees that ship with the machine
(/usr/share/perl5, /usr/lib/python3.11, /usr/include), each committed in two commits, then reads
the tree of HEAD with:
  sluice      sluice ingest PATH (read in place from the object database, -j THREADS, --max-bytes high;
              blobs whose name says binary (.so, .a, .pyc, .png, ...) are counted unread, every other
              blob is read, tested (binary, UTF-8, generated, language) and written as zstd JSONL)
  cat-file    git ls-tree -r + git cat-file --batch > /dev/null (one process, one core)
  clone+read  git clone (file://, checkout) + reading every checked-out file
Each side runs ROUNDS times, alternating, and the medians and ratios are printed: wall time, and
CPU time (user + sys of the child processes), which a loaded machine disturbs less.
Usage: bench/ingest/run.py [--sluice build/release/cli/sluice] [--rounds 5] [--threads 2] [--no-clone] [--level N]
The release binary links LibTorch, whose loading costs ~1 s of CPU per start; for the ingest
figures themselves use a binary configured with -DSLUICE_WITH_TORCH=OFF (see BENCHMARKS.md).
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "bench", "work", "ingest")
SOURCES = [("small-perl5", "/usr/share/perl5"), ("medium-python3.11", "/usr/lib/python3.11"), ("large-include", "/usr/include")]
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="bench@example.com")


def git(repo, *args, **kwargs):
    return subprocess.run(["git", "-C", repo, *args], check=True, env=GIT_ENV, **kwargs)


def build_repo(name, source):
    repo = os.path.join(WORK, name)
    ready = os.path.join(repo, ".git", "sluice-bench-ready")
    if os.path.exists(ready):
        return repo
    if not os.path.exists(os.path.join(repo, ".git", "refs", "heads", "main")):
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(repo)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "gc.auto", "0")  # no background gc racing the one below
        # History: the first half of the top-level entries, then everything.
        entries = sorted(os.listdir(source))
        subprocess.run(["cp", "-a", *[os.path.join(source, e) for e in entries[: len(entries) // 2]], repo], check=True)
        git(repo, "add", "-A", "-f")
        git(repo, "commit", "-q", "-m", "first half")
        subprocess.run(["cp", "-a", *[os.path.join(source, e) for e in entries[len(entries) // 2 :]], repo], check=True)
        git(repo, "add", "-A", "-f")
        git(repo, "commit", "-q", "-m", "second half")
    git(repo, "gc", "-q", "--force")  # packed, as a clone would be
    open(ready, "w").close()
    return repo


def head_blobs(repo):
    out = git(repo, "ls-tree", "-r", "-l", "HEAD", capture_output=True, text=True).stdout
    files, size = 0, 0
    for line in out.splitlines():
        meta = line.split("\t", 1)[0].split()
        if meta[1] == "blob":
            files += 1
            size += int(meta[3])
    return files, size


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    """Wall seconds and CPU seconds (user + sys of the processes it ran)."""
    cpu = child_cpu()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start, child_cpu() - cpu


def run_sluice(binary, repo, threads, out, level):
    shutil.rmtree(out, ignore_errors=True)
    # --max-bytes high: sluice reads every blob, as cat-file does (by default it skips > 1 MB unread).
    level_args = [] if level is None else ["--level", str(level)]
    subprocess.run([binary, "ingest", "--out", out, "-j", str(threads), "--max-bytes", "4000000000", *level_args, repo],
                   check=True, stderr=subprocess.DEVNULL)


def run_cat_file(repo):
    ls = subprocess.Popen(["git", "-C", repo, "ls-tree", "-r", "--format=%(objectname)", "HEAD"], stdout=subprocess.PIPE)
    subprocess.run(["git", "-C", repo, "cat-file", "--batch"], stdin=ls.stdout, stdout=subprocess.DEVNULL, check=True)
    ls.wait()


def run_clone_read(repo, target):
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "file://" + repo, target], check=True)
    for directory, dirs, names in os.walk(target):
        if ".git" in dirs:
            dirs.remove(".git")
        for name in names:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                with open(path, "rb") as f:
                    f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", default=os.path.join(ROOT, "build", "release", "cli", "sluice"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-clone", action="store_true", help="skip the clone+read side (slow on a loaded machine)")
    parser.add_argument("--level", type=int, help="sluice's --level (default: its own, 1; 0 stores uncompressed)")
    args = parser.parse_args()
    if not os.access(args.sluice, os.X_OK):
        sys.exit(f"{args.sluice}: not built (scripts/build release)")
    os.makedirs(WORK, exist_ok=True)
    startup = statistics.median(timed(lambda: subprocess.run([args.sluice, "version"], check=True, stdout=subprocess.DEVNULL))[0]
                                for _ in range(args.rounds))
    print(f"# {args.sluice}: start-up (sluice version) {startup:.3f} s")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"sluice -j {args.threads} --level {'default' if args.level is None else args.level}, {args.rounds} rounds alternating, medians")
    print("| repository | files | MB | sluice s | cat-file s | clone+read s | sluice files/s | sluice MB/s | cat-file MB/s "
          "| sluice vs cat-file | sluice vs clone+read | sluice CPU s | cat-file CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, source in SOURCES:
        repo = build_repo(name, source)
        files, size = head_blobs(repo)
        times = {"sluice": [], "cat": [], "clone": []}
        for _ in range(args.rounds):
            times["sluice"].append(timed(lambda: run_sluice(args.sluice, repo, args.threads, os.path.join(WORK, "out"), args.level)))
            times["cat"].append(timed(lambda: run_cat_file(repo)))
            if not args.no_clone:
                times["clone"].append(timed(lambda: run_clone_read(repo, os.path.join(WORK, "clone"))))
        s, c = (statistics.median(t[0] for t in times[key]) for key in ("sluice", "cat"))
        s_cpu, c_cpu = (statistics.median(t[1] for t in times[key]) for key in ("sluice", "cat"))
        k = statistics.median(t[0] for t in times["clone"]) if times["clone"] else float("nan")
        mb = size / 1e6
        print(f"| {name} | {files} | {mb:.1f} | {s:.3f} | {c:.3f} | {k:.3f} | {files / s:.0f} | {mb / s:.0f} | {mb / c:.0f} "
              f"| {c / s:.2f}x | {k / s:.2f}x | {s_cpu:.2f} | {c_cpu:.2f} |", flush=True)
    shutil.rmtree(os.path.join(WORK, "out"), ignore_errors=True)
    shutil.rmtree(os.path.join(WORK, "clone"), ignore_errors=True)


if __name__ == "__main__":
    main()
