#!/usr/bin/env bash
# Finetune benchmark: training tokens/s and peak memory of `sluice pretrain` against a
# nanoGPT-style loop on Debian's python3-torch (same LibTorch 1.13.1, same OpenBLAS), side by
# side, alternating, REPEATS times each. Configs: tiny (4 layers, 4 heads, 256 wide, T=256,
# B=8, GPT-2 vocab) and, with CONFIGS="tiny gpt2", GPT-2 124M (T=256, B=4).
#
# usage: bench/finetune/run.sh            (env: REPEATS=3 STEPS=8 CONFIGS="tiny" PRECISION=fp32)
# Input: tokens made from the text files under /usr/share (words hashed into the GPT-2 id range),
# written as an llm.c .bin shard, which sluice and the peer both read.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEATS="${REPEATS:-3}"
STEPS="${STEPS:-8}"
CONFIGS="${CONFIGS:-tiny}"
PRECISION="${PRECISION:-fp32}"
SLUICE="${SLUICE:-build/release/cli/sluice}"
PY=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
threads=$(nproc)

mkdir -p "$work/data"
"$PY" bench/finetune/make_tokens.py "$work/data/train.bin"

# Measured fp32 matmul peak of this machine (same OpenBLAS), for model FLOPs utilisation.
peak=$(OMP_WAIT_POLICY=PASSIVE "$PY" -c "
import time, torch
torch.set_num_threads($threads)
a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
for _ in range(3): a @ b
best = 0
for _ in range(5):
    t = time.perf_counter(); [a @ b for _ in range(8)]; best = max(best, 8 * 2 * 1024**3 / (time.perf_counter() - t))
print(best)")
echo "fp32 matmul peak (1024^3 sgemm, $threads threads): $(awk -v p="$peak" 'BEGIN {printf "%.0f", p / 1e9}') GFLOP/s"

median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1048576}'; }

for config in $CONFIGS; do
  case "$config" in
    tiny) L=4 H=4 C=256 T=256 B=8 ;;
    gpt2) L=12 H=12 C=768 T=256 B=4 ;;
  esac
  printf '{"n_layer":%d,"n_head":%d,"n_embd":%d,"n_positions":1024,"vocab_size":50257}\n' $L $H $C > "$work/model.json"
  : > "$work/sluice.rates"; : > "$work/sluice.rss"; : > "$work/py.rates"; : > "$work/py.rss"
  for i in $(seq "$REPEATS"); do
    rm -rf "$work/out"
    "$SLUICE" pretrain --config "$work/model.json" --data "$work/data" --out "$work/out" --steps "$STEPS" \
      --batch-size $B --seq-len $T --eval-every 100000 --eval-batches 1 --precision "$PRECISION" --json > "$work/summary.json"
    # per-step tokens/s after the first two steps (warm-up), as the peer measures it
    grep '"tokens_per_s"' "$work/out/metrics.jsonl" | tail -n +3 | sed 's/.*"tokens_per_s":\([0-9.e+]*\).*/\1/' | median >> "$work/sluice.rates"
    sed -n 's/.*"peak_rss_bytes": *\([0-9]*\).*/\1/p' "$work/summary.json" >> "$work/sluice.rss"
    OMP_WAIT_POLICY=PASSIVE "$PY" bench/finetune/nanogpt_loop.py "$work/data/train.bin" $L $H $C $T $B "$STEPS" "$threads" "$PRECISION" > "$work/py.json"
    sed 's/.*"tokens_per_s": \([0-9.e+]*\).*/\1/' "$work/py.json" >> "$work/py.rates"
    sed 's/.*"peak_rss_bytes": \([0-9]*\).*/\1/' "$work/py.json" >> "$work/py.rss"
  done
  s=$(median < "$work/sluice.rates"); p=$(median < "$work/py.rates")
  sm=$(median < "$work/sluice.rss"); pm=$(median < "$work/py.rss")
  echo "config=$config precision=$PRECISION threads=$threads steps=$STEPS repeats=$REPEATS"
  echo "  sluice : $s tok/s (runs: $(tr '\n' ' ' < "$work/sluice.rates")) peak RSS $(mib "$sm") MiB"
  echo "  python : $p tok/s (runs: $(tr '\n' ' ' < "$work/py.rates")) peak RSS $(mib "$pm") MiB"
  awk -v s="$s" -v p="$p" -v sm="$sm" -v pm="$pm" 'BEGIN {printf "  ratio  : %.2fx tokens/s, %.2fx peak memory (sluice / python)\n", s / p, sm / pm}'
  # Training FLOPs per token: 6 x parameters (head included) + attention 12 x L x C x T.
  awk -v L=$L -v C=$C -v T=$T -v s="$s" -v p="$p" -v peak="$peak" 'BEGIN {
    n = 50257 * C + 1024 * C + L * 12 * C * C; f = 6 * n + 12 * L * C * T;
    printf "  MFU    : sluice %.1f%%, python %.1f%% of the measured matmul peak (%.2f GFLOP/token)\n", 100 * s * f / peak, 100 * p * f / peak, f / 1e9 }'
done
