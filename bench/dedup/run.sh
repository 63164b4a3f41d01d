#!/usr/bin/env bash
# Dedup benchmark: builds sluice (release, no LibTorch), makes a >= 150 MB corpus from this
# machine's C/C++ headers and Python files, then runs sluice beside the Python + numpy MinHash
# reference and jdupes (bench.py). Usage: bench/dedup/run.sh [--reps N] [--python-full]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build/bench-dedup
WORK="${SLUICE_BENCH_DIR:-/tmp/sluice-bench-dedup}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_WITH_TORCH=OFF -DSLUICE_BUILD_TESTS=OFF >/dev/null
fi
ninja -C "$BUILD" sluice >&2
mkdir -p "$WORK"
PY=/usr/bin/python3  # Debian's, which has python3-numpy and python3-xxhash
"$PY" bench/dedup/make_corpus.py --out "$WORK/corpus" --files "$WORK/files" --mb 160 \
  /usr/include /usr/lib/python3 /usr/lib/python3.11
echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" bench/dedup/bench.py --sluice "$BUILD/cli/sluice" --work "$WORK" "$@"
