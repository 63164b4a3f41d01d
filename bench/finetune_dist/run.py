#!/usr/bin/env python3
"""Data-parallel scaling of `sluice pretrain` on this machine: one process against `--nproc 2`
(one intra-op thread per process, --batch-size per process, so 2 processes train a 2x global
batch), plus one process with 2 threads at the same global batch as the alternative use of the
same cores. Reports global training tokens/s (median over steps after the first two, then over
runs) and the all-reduce share of step time that rank 0 records in metrics.jsonl (`allreduce_s`
/ `step_s`: packing the gradient buckets, Gloo's all-reduce over localhost and the wait for the
slower rank). Runs alternate between the modes.

usage: bench/finetune_dist/run.py   (env: REPEATS=2 STEPS=8 BATCH=4 SEQ=256; SLUICE=path/to/sluice)
Input: tokens hashed from /usr/share text into the GPT-2 id range, one llm.c .bin shard.
Model: the finetune benchmark's tiny config (4 layers, 4 heads, 256 wide, vocab 50257; 16.3M
parameters, a 65 MB fp32 gradient to all-reduce each step)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "2"))
STEPS = int(os.environ.get("STEPS", "8"))
BATCH = int(os.environ.get("BATCH", "4"))
SEQ = int(os.environ.get("SEQ", "256"))


def make_input(path):
    """The same tokens as the single-process benchmark (bench/finetune/make_tokens.py)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "finetune", "make_tokens.py")
    subprocess.run([sys.executable, script, path], check=True)
    return (os.path.getsize(path) - 1024) // 2  # after the 256-int header, one uint16 per token


def run(work, mode):
    out = os.path.join(work, "out")
    subprocess.run(["rm", "-rf", out], check=True)
    nproc, threads, batch = {"1 process, 1 thread": (1, 1, BATCH), "2 processes, 1 thread each": (2, 1, BATCH),
                             "1 process, 2 threads, 2x batch": (1, 2, 2 * BATCH)}[mode]
    command = [benchlib.sluice_binary(), "pretrain", "--config", os.path.join(work, "model.json"), "--data",
               os.path.join(work, "data"), "--out", out, "--steps", str(STEPS), "--batch-size", str(batch), "--seq-len",
               str(SEQ), "--eval-every", "100000", "--eval-batches", "1", "--json"]
    if nproc > 1:
        command += ["--nproc", str(nproc)]  # each worker picks cpus / nproc = 1 thread
    else:
        command += ["--threads", str(threads)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    steps = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl")) if '"tokens_per_s"' in line][2:]
    rate = statistics.median(s["tokens_per_s"] for s in steps)
    share = sum(s.get("allreduce_s", 0) for s in steps) / sum(s["step_s"] for s in steps)
    return rate, share


def main():
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "data"))
        tokens = make_input(os.path.join(work, "data", "train.bin"))
        with open(os.path.join(work, "model.json"), "w") as f:
            json.dump({"n_layer": 4, "n_head": 4, "n_embd": 256, "n_positions": 1024, "vocab_size": 50257}, f)
        modes = ["1 process, 1 thread", "2 processes, 1 thread each", "1 process, 2 threads, 2x batch"]
        rates = {m: [] for m in modes}
        shares = {m: [] for m in modes}
        for _ in range(REPEATS):
            for m in modes:
                rate, share = run(work, m)
                rates[m].append(rate)
                shares[m].append(share)
        print(f"input {tokens} tokens; tiny model, seq {SEQ}, batch {BATCH} per process, {STEPS} steps, {REPEATS} runs per mode;"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        base = statistics.median(rates[modes[0]])
        for m in modes:
            r = statistics.median(rates[m])
            print(f"  {m:32s}: {r:7.1f} tok/s (runs: {' '.join(f'{x:.1f}' for x in rates[m])})  "
                  f"{r / base:.2f}x  all-reduce {100 * statistics.median(shares[m]):.1f}% of step time")


if __name__ == "__main__":
    main()
