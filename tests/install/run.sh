#!/usr/bin/env bash
# Installation test: installs a built activ into a scratch prefix, then builds and runs a small
# consumer against it twice, once through find_package(activ) and once through pkg-config
# (static link, so Libs.private must bring Highway).
#
# Usage: tests/install/run.sh SRC_DIR BUILD_DIR WORK_DIR
#   SRC_DIR    the activ source tree (for tests/install/)
#   BUILD_DIR  a configured and built activ build tree
#   WORK_DIR   scratch directory; its prefix/, consumer-build/ and consumer-pkgconfig are replaced
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 SRC_DIR BUILD_DIR WORK_DIR" >&2
  exit 2
fi
[[ -f "$1/tests/install/consumer.cc" ]] || { echo "$0: $1 is not the activ source tree" >&2; exit 2; }
[[ -f "$2/cmake_install.cmake" ]] || { echo "$0: $2 is not a configured build tree" >&2; exit 2; }
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
mkdir -p "$3"
work=$(cd "$3" && pwd)
here="$src/tests/install"
prefix="$work/prefix"
# The consumer must use the library's compiler (a static library carries its C++ runtime needs);
# CMakeLists-include.cmake passes it, with the sanitizer flags, through CXX, CXXFLAGS, LDFLAGS.
cxx=${CXX:-c++}

step() { echo "== install test: $*"; }
fail() {
  echo "install test FAILED: $*" >&2
  exit 1
}

rm -rf "$prefix" "$work/consumer-build" "$work/consumer-pkgconfig"

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }

step "find_package(activ 0.1) in a consumer project"
cmake -S "$here" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" ||
  fail "configuring the consumer with find_package(activ) failed"
cmake --build "$work/consumer-build" || fail "building the consumer against activ::activ failed"
"$work/consumer-build/consumer" || fail "the consumer linked through find_package gave wrong results"

step "pkg-config --static activ"
command -v pkg-config > /dev/null || fail "pkg-config is not installed"
pc=$(find "$prefix" -name activ.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n "$pc" ]] || fail "no pkgconfig/activ.pc was installed under $prefix"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")  # $prefix/lib/pkgconfig with the default libdir
flags=$(pkg-config --cflags --libs --static activ) || fail "pkg-config cannot read activ.pc"
echo "pkg-config flags: $flags"
# shellcheck disable=SC2086  # the flags are word lists
"$cxx" ${CXXFLAGS:-} -O2 "$here/consumer.cc" -o "$work/consumer-pkgconfig" $flags ${LDFLAGS:-} ||
  fail "compiling the consumer with the pkg-config flags failed"
# A shared libactiv (BUILD_SHARED_LIBS=ON) is found at run time through the library path.
libdir=$(pkg-config --variable=libdir activ)
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/consumer-pkgconfig" ||
  fail "the consumer linked through pkg-config gave wrong results"

# `activ bench` from the prefix: activ-bench is installed beside activ when it was built, and
# `activ bench` finds it there; without it, the command says how to get it.
if [[ -x "$prefix/bin/activ" ]]; then
  step "activ bench from $prefix/bin"
  if [[ -x "$build/bench/activ-bench" ]]; then
    [[ -x "$prefix/bin/activ-bench" ]] || fail "activ-bench was built but not installed beside activ"
    env -u ACTIV_BENCH "$prefix/bin/activ" bench --sizes=4096 --types=f32 \
      --benchmark_list_tests=true --benchmark_filter=relu > "$work/bench.log" 2>&1 ||
      { cat "$work/bench.log" >&2; fail "the installed activ bench failed"; }
    grep -q relu "$work/bench.log" || fail "the installed activ bench listed no relu benchmark"
  else
    if env -u ACTIV_BENCH "$prefix/bin/activ" bench > "$work/bench.log" 2>&1; then
      fail "activ bench succeeded without activ-bench"
    fi
    grep -q "activ-bench is not installed" "$work/bench.log" ||
      { cat "$work/bench.log" >&2; fail "activ bench without activ-bench: no clear message"; }
  fi
fi

step "passed"
