#!/usr/bin/env bash
# Installs what the benchmark (bench/, bench/run.sh) needs and only what is missing: Google
# Benchmark and the peer libraries it compares against. Optional: the library, its tests and CI
# need none of these (scripts/deps.sh installs those).
set -euo pipefail

packages=(
  libbenchmark-dev                       # Google Benchmark
  libdnnl-dev                            # oneDNN eltwise primitives
  libxnnpack-dev libpthreadpool-dev      # XNNPACK operators and their thread pool
  libtorch-dev                           # PyTorch's C++ library (ATen)
  libeigen3-dev                          # Eigen array expressions
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "activ: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
