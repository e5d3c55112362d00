#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan, and runs each one for
# SECONDS (default 60) from its committed seed corpus. New inputs go to a scratch corpus, not
# into the repository; a crash leaves its input in build-fuzz/crashes/ and fails the script.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (Debian: clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
cxx=$(command -v clang++-14 || command -v clang++)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DACTIV_BUILD_FUZZERS=ON -DACTIV_BUILD_TESTS=OFF -DACTIV_BUILD_TOOLS=OFF \
  -DACTIV_SANITIZE=address,undefined >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzzer.cc; do targets+=("$(basename "$f" .cc)"); done
fi
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"
mkdir -p build-fuzz/crashes
for t in "${targets[@]}"; do
  name=${t%_fuzzer}
  scratch=build-fuzz/corpus/$name
  mkdir -p "$scratch"
  echo "fuzz: $t for ${seconds}s"
  build-fuzz/fuzz/"$t" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/crashes/"$name"- "$scratch" fuzz/corpus/"$name" 2>&1 |
    grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY)" || true
  if ls build-fuzz/crashes/"$name"-* >/dev/null 2>&1; then
    echo "fuzz: $t found a failing input: $(ls build-fuzz/crashes/"$name"-*)" >&2
    exit 1
  fi
done
