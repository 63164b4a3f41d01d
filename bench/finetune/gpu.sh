#!/usr/bin/env bash
# Finetune benchmark on an NVIDIA GPU: `sluice pretrain --device cuda --precision bf16` against
# nanogpt_loop.py on the same CUDA PyTorch, same data (make_tokens.py), alternating, REPEATS
# times each; tokens/s, peak GPU memory (both sides: the caching allocator's peak of allocated
# bytes) and MFU against a bf16 matmul peak measured in the same run.
#
# The GPU machine this was written for has python3 with a CUDA PyTorch, g++ and no network, but
# none of the Debian packages sluice builds against. So the work is split in three steps:
#   bench/finetune/gpu.sh pack DIR   here, after `scripts/build release`: copies into DIR the
#       sources of the LibTorch module (finetune/, cli/command.*, the headers it includes), the
#       prebuilt `sluice` binary and static libraries, the Debian headers and shared libraries
#       they need (simdjson, CLI11, xxhash, yaml-cpp), this script and the benchmark's tokens.
#   DIR/bench/finetune/gpu.sh build  there: compiles libsluice_torch.so against python3's torch
#       (its LibTorch, CUDA included) and links it with the prebuilt pieces, beside `sluice`.
#   DIR/bench/finetune/gpu.sh bench  there: the benchmark (env: CONFIGS="tiny gpt2" REPEATS=3
#       STEPS=20 LOG=file); tiny is 4 layers x 256 wide, gpt2 is GPT-2 124M, both at T=1024.
set -euo pipefail

pack() {
  local dest="$1" root build
  root="$(cd "$(dirname "$0")/../.." && pwd)"
  build="$root/build/release"
  [ -x "$build/cli/sluice" ] || { echo "gpu.sh pack: run scripts/build release first" >&2; exit 1; }
  rm -rf "$dest"
  mkdir -p "$dest/prebuilt" "$dest/sys/include" "$dest/sys/lib" "$dest/data"
  (cd "$root" && git ls-files -co --exclude-standard finetune cli/command.h cli/command.cpp core/include tokenize/include \
      evalcode/include bench/finetune | tar -cf - -T -) | tar -xf - -C "$dest"
  cp "$build/cli/sluice" "$dest/prebuilt/"
  cp "$build/core/libsluice_core.a" "$build/tokenize/libsluice_tokenize.a" "$build/evalcode/libsluice_evalcode.a" \
     "$build"/libsluice_lazy_{bind,zstd,pcre2,utf8proc}.a "$dest/prebuilt/"
  cp -r /usr/include/simdjson.h /usr/include/CLI "$dest/sys/include/"
  local lib
  for lib in libsimdjson.so.14 libxxhash.so.0 libyaml-cpp.so.0.7; do
    cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$dest/sys/lib/$lib"
  done
  python3 "$root/bench/finetune/make_tokens.py" "$dest/data/train.bin"
  du -sh "$dest"
}

torch_dir() { python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))'; }

build() {
  local T abi defs jobs
  # TORCH_DIR / TORCH_CUDA_LIBS: another LibTorch (e.g. TORCH_DIR=/usr TORCH_CUDA_LIBS= on Debian, CPU only).
  T="${TORCH_DIR:-$(torch_dir)}"
  abi="$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
  if [ "$abi" != 1 ]; then
    echo "gpu.sh build: this torch uses the pre-C++11 string ABI; the prebuilt static libraries use the C++11 one" >&2
    exit 1
  fi
  defs="-DSIMDJSON_THREADS_ENABLED=1 -DUSE_DISTRIBUTED -DUSE_C10D"
  # Gloo's headers are in Debian's libtorch; PyTorch's wheels may not ship them (then one process only).
  [ -d "$T/include/gloo" ] && defs="$defs -DUSE_C10D_GLOO"
  jobs="$(nproc)"
  mkdir -p obj
  local flags="-std=c++20 -O3 -DNDEBUG -fPIC -march=x86-64-v3 -mpclmul -D_GLIBCXX_USE_CXX11_ABI=1 $defs
    -Ifinetune/include -Ifinetune/src -Icore/include -Itokenize/include -Ievalcode/include -Icli
    -isystem sys/include -isystem $T/include -isystem $T/include/torch/csrc/api/include"
  export flags
  ls finetune/src/*.cpp finetune/module/*.cpp finetune/commands/*.cpp cli/command.cpp |
    xargs -P "$jobs" -I{} sh -c 'o=obj/$(echo {} | tr / _).o; g++ $flags -c {} -o $o || { echo "FAILED: {}"; exit 255; }'
  # --no-as-needed: nothing calls into libtorch_cuda directly, but loading it registers CUDA.
  g++ -shared -o prebuilt/libsluice_torch.so obj/*.o -Wl,--start-group prebuilt/*.a -Wl,--end-group \
    sys/lib/libsimdjson.so.14 sys/lib/libxxhash.so.0 -l:libz.so.1 -ldl -lpthread \
    -L"$T/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu ${TORCH_CUDA_LIBS--ltorch_cuda -lc10_cuda} -lc10 -Wl,--as-needed -Wl,-rpath,"$T/lib"
  # the module loads (with CUDA registered): `sluice version` would also need libgit2, not carried
  LD_LIBRARY_PATH="$PWD/sys/lib" prebuilt/sluice pretrain --help | head -1
}

median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1048576}'; }

bench() {
  local REPEATS="${REPEATS:-3}" STEPS="${STEPS:-20}" CONFIGS="${CONFIGS:-tiny gpt2}" work peak
  export LD_LIBRARY_PATH="$PWD/sys/lib"
  work="$(mktemp -d)"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  # Measured bf16 matmul peak (8192^3 on random data, mean of 10 after 3 warm-ups), for MFU.
  peak=$(python3 -c "
import time, torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16); b = torch.randn_like(a)
for _ in range(3): a @ b
torch.cuda.synchronize(); t = time.perf_counter()
for _ in range(10): a @ b
torch.cuda.synchronize(); print(10 * 2 * 8192**3 / (time.perf_counter() - t))")
  echo "bf16 matmul peak (8192^3): $(awk -v p="$peak" 'BEGIN {printf "%.0f", p / 1e12}') TFLOP/s"
  for config in $CONFIGS; do
    case "$config" in
      tiny) L=4 H=4 C=256 T=1024 B=32 ;;
      gpt2) L=12 H=12 C=768 T=1024 B=16 ;;
    esac
    printf '{"n_layer":%d,"n_head":%d,"n_embd":%d,"n_positions":1024,"vocab_size":50257}\n' $L $H $C > "$work/model.json"
    : > "$work/s.rates"; : > "$work/s.mem"; : > "$work/p.rates"; : > "$work/p.mem"; : > "$work/losses"
    for i in $(seq "$REPEATS"); do
      rm -rf "$work/out"
      prebuilt/sluice pretrain --config "$work/model.json" --data data --out "$work/out" --steps "$STEPS" --batch-size $B \
        --seq-len $T --eval-every 100000 --eval-batches 1 --precision bf16 --device cuda --json > "$work/summary.json"
      # per-step tokens/s after the first three steps (warm-up: cuBLAS handles, allocator), as the peer does
      grep '"tokens_per_s"' "$work/out/metrics.jsonl" | tail -n +4 | sed 's/.*"tokens_per_s":\([0-9.e+]*\).*/\1/' | median >> "$work/s.rates"
      sed -n 's/.*"peak_device_bytes": *\([0-9]*\).*/\1/p' "$work/summary.json" >> "$work/s.mem"
      python3 bench/finetune/nanogpt_loop.py data/train.bin $L $H $C $T $B "$STEPS" "$(nproc)" bf16 cuda > "$work/py.json"
      sed 's/.*"tokens_per_s": \([0-9.e+]*\).*/\1/' "$work/py.json" >> "$work/p.rates"
      sed 's/.*"peak_device_bytes": \([0-9]*\).*/\1/' "$work/py.json" >> "$work/p.mem"
      # the last step's loss on each side: both models start near ln(50257) = 10.8 and must fall alike
      echo "$(sed -n 's/.*"loss": *\([0-9.e+-]*\).*/\1/p' "$work/summary.json" | head -1) $(sed 's/.*"loss": \([0-9.e+-]*\).*/\1/' "$work/py.json")" >> "$work/losses"
    done
    local s p sm pm
    s=$(median < "$work/s.rates"); p=$(median < "$work/p.rates"); sm=$(median < "$work/s.mem"); pm=$(median < "$work/p.mem")
    echo "config=$config L=$L H=$H C=$C T=$T B=$B precision=bf16 steps=$STEPS repeats=$REPEATS"
    echo "  sluice : $s tok/s (runs: $(tr '\n' ' ' < "$work/s.rates")) peak GPU memory $(mib "$sm") MiB"
    echo "  python : $p tok/s (runs: $(tr '\n' ' ' < "$work/p.rates")) peak GPU memory $(mib "$pm") MiB"
    echo "  loss at step $STEPS, sluice / python, per run: $(tr '\n' ',' < "$work/losses")"
    awk -v s="$s" -v p="$p" -v sm="$sm" -v pm="$pm" 'BEGIN {printf "  ratio  : %.2fx tokens/s, %.2fx peak GPU memory (sluice / python)\n", s / p, sm / pm}'
    awk -v L=$L -v C=$C -v T=$T -v s="$s" -v p="$p" -v peak="$peak" 'BEGIN {
      n = 50257 * C + 1024 * C + L * 12 * C * C; f = 6 * n + 12 * L * C * T;
      printf "  MFU    : sluice %.1f%%, python %.1f%% of the measured bf16 matmul peak (%.2f GFLOP/token)\n", 100 * s * f / peak, 100 * p * f / peak, f / 1e9 }'
  done
  rm -rf "$work"
}

case "${1:-}" in
  pack) pack "${2:?usage: gpu.sh pack DIR}" ;;
  build) cd "$(dirname "$0")/../.." && build ;;
  bench) cd "$(dirname "$0")/../.." && bench ;;
  *) echo "usage: bench/finetune/gpu.sh pack DIR | build | bench (see the comment at the top)" >&2; exit 1 ;;
esac
