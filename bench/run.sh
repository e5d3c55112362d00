#!/usr/bin/env bash
# Installs what is missing (scripts/deps.sh, scripts/bench-deps.sh: the peers), builds activ-bench
# (in build-bench/, Release, with every peer), runs it on one thread (every function, float32
# and float64, three sizes), on two (float32, the two large sizes), the row-wise suite (softmax,
# log_softmax, swiglu) and the 16-bit types on one thread, and on an AVX-512 host float32 on one
# thread again with activ's dispatch restricted to AVX2, and writes docs/PERFORMANCE.md, a
# section per target. About 40 minutes on two busy cores.
#
#   bash bench/run.sh [extra activ-bench flags, e.g. --benchmark_filter='^(gelu|silu)/']
#
# BENCH_REPETITIONS (default 5) and BENCH_MIN_TIME (seconds per repetition, default 0.05)
# trade time for steadier medians.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/bench-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DACTIV_BUILD_BENCH=ON \
  -DACTIV_BUILD_TESTS=OFF -DACTIV_BUILD_TOOLS=ON >/dev/null
cmake --build build-bench --target activ-bench -j 2
# The JSON of each pass stays in build-bench/results; BENCH_PASSES="two" (or any subset of
# "one two rows half") reruns those passes and reports them with the figures already there.
results=build-bench/results
mkdir -p "$results"
passes=${BENCH_PASSES:-one two rows half avx2}
common=(--benchmark_repetitions="${BENCH_REPETITIONS:-5}" --benchmark_min_time="${BENCH_MIN_TIME:-0.05}"
        --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true
        --benchmark_out_format=json)
if [[ " $passes " == *" one "* ]]; then
  echo "activ-bench: one thread" >&2
  build-bench/bench/activ-bench --threads=1 "${common[@]}" --benchmark_out="$results/one.json.tmp" \
    "$@" >/dev/null
  mv "$results/one.json.tmp" "$results/one.json"
fi
if [[ " $passes " == *" two "* ]]; then
  echo "activ-bench: two threads" >&2
  build-bench/bench/activ-bench --threads=2 --types=f32 --sizes=262144,16777216 "${common[@]}" \
    --benchmark_out="$results/two.json.tmp" "$@" >/dev/null
  mv "$results/two.json.tmp" "$results/two.json"
fi
if [[ " $passes " == *" rows "* ]]; then
  echo "activ-bench: row-wise and gated" >&2
  build-bench/bench/activ-bench --threads=1 --suite=rows "${common[@]}" \
    --benchmark_out="$results/rows.json.tmp" "$@" >/dev/null
  mv "$results/rows.json.tmp" "$results/rows.json"
fi
if [[ " $passes " == *" half "* ]]; then
  echo "activ-bench: bfloat16 and float16" >&2
  build-bench/bench/activ-bench --threads=1 --types=bf16,f16 "${common[@]}" \
    --benchmark_out="$results/half.json.tmp" "$@" >/dev/null
  mv "$results/half.json.tmp" "$results/half.json"
fi
# AVX2 on an AVX-512 host: the code AVX2-only hosts run. The peers that have a switch for it are
# held to AVX2 too.
if [[ " $passes " == *" avx2 "* ]] && grep -qw avx512f /proc/cpuinfo; then
  echo "activ-bench: float32 on AVX2" >&2
  ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \
    build-bench/bench/activ-bench --threads=1 --types=f32 --target=avx2 "${common[@]}" \
    --benchmark_out="$results/avx2.json.tmp" "$@" >/dev/null
  mv "$results/avx2.json.tmp" "$results/avx2.json"
elif ! grep -qw avx512f /proc/cpuinfo; then
  rm -f "$results/avx2.json"  # from another host: its one-thread pass is AVX2 already
fi
/usr/bin/python3 bench/report.py "$results/one.json" "$results/two.json" "$results/rows.json" \
  "$results/half.json" "$results/avx2.json" docs/PERFORMANCE.md
echo "activ-bench: wrote docs/PERFORMANCE.md" >&2
