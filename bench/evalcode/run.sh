#!/usr/bin/env bash
# Samples executed per second: `sluice eval-code --workers 2` (fresh sandbox process tree per
# sample) beside peer_execution.py (human-eval's execution.py approach: one multiprocessing.Process
# per sample, 2 workers) on the same 200 completions. Each side runs RUNS times, alternately;
# prints the medians and the ratio. Usage: bench/evalcode/run.sh [RUNS] [build dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
sluice="${2:-build/release}/cli/sluice"
[ -x "$sluice" ] || sluice="build/asan/cli/sluice"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/evalcode/make_inputs.py "$work" 10 20
samples=$(wc -l < "$work/completions.jsonl")
ours=() peer=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$sluice" eval-code --tasks "$work/tasks.jsonl" --completions "$work/completions.jsonl" --workers 2 --timeout 3 \
    --k 1 --json > "$work/ours.json" 2>/dev/null || true
  ours+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
  peer+=("$(/usr/bin/python3 bench/evalcode/peer_execution.py "$work/tasks.jsonl" "$work/completions.jsonl" 2 3 \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_ours=$(median "${ours[@]}")
m_peer=$(median "${peer[@]}")
grep -o -m1 '"pass@1": [0-9.]*' "$work/ours.json"
echo "samples: $samples; runs: $runs; machine: $(nproc) cores, $(uname -r)"
echo "sluice eval-code (2 workers): median ${m_ours} s = $(echo "$samples / $m_ours" | bc -l | cut -c1-6) samples/s  runs: ${ours[*]}"
echo "human-eval style (2 workers): median ${m_peer} s = $(echo "$samples / $m_peer" | bc -l | cut -c1-6) samples/s  runs: ${peer[*]}"
echo "ratio (peer time / sluice time): $(echo "$m_peer / $m_ours" | bc -l | cut -c1-5)"
