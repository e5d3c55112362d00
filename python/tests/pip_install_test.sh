#!/usr/bin/env bash
# `pip install .` from the repository root into a fresh target folder, then `import activ,
# activ.torch` from there, outside the source and build trees, the way a Python user installs it.
# pip runs setup.py, which builds the CMake target _activ; ACTIV_CMAKE_BUILD_DIR points it at an
# existing build (this test's), so that only what is out of date is rebuilt.
#
# Usage: python/tests/pip_install_test.sh SOURCE_DIR BUILD_DIR WORK_DIR PYTHON
set -euo pipefail
if [[ $# -ne 4 ]]; then
  echo "usage: $0 SOURCE_DIR BUILD_DIR WORK_DIR PYTHON" >&2
  exit 2
fi
src=$1 build=$2 work=$3 python=$4
target="$work/target"
rm -rf "$target"
mkdir -p "$work"
fail() { echo "pip install test FAILED: $*" >&2; exit 1; }

# --no-build-isolation: offline, with the system's setuptools; --no-deps: numpy is the system's.
ACTIV_CMAKE_BUILD_DIR="$build" PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$python" -m pip install --no-build-isolation --no-deps --no-cache-dir --target "$target" \
  "$src" > "$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; fail "pip install"; }

pkg="$target/activ"
for f in __init__.py torch.py __init__.pyi torch.pyi py.typed; do
  [[ -f "$pkg/$f" ]] || fail "no $f in $pkg"
done
shopt -s nullglob
modules=("$pkg"/_activ*.so)
[[ ${#modules[@]} -eq 1 ]] || fail "expected one extension in $pkg, found ${modules[*]:-none}"
# The libraries beyond the C and C++ runtimes come with the package and are found there.
ldd "${modules[0]}" > "$work/ldd.txt"
if grep -E '=> /' "$work/ldd.txt" | grep -vE '/(libc|libm|libstdc\+\+|libgcc_s|ld-linux[-a-z0-9_]*)\.so' |
  grep -v "=> $pkg/_libs/"; then
  fail "a library outside the package and the C/C++ runtimes (above)"
fi
grep -q "not found" "$work/ldd.txt" && { cat "$work/ldd.txt" >&2; fail "a library not found"; }

cd "$work"
PYTHONPATH="$target" PYTHONDONTWRITEBYTECODE=1 "$python" -s - "$target" <<'PY'
import sys
import numpy as np
import torch
import activ, activ.torch
target = sys.argv[1]
for m in (activ, activ.torch, activ._activ):
    assert m.__file__.startswith(target), f"imported {m.__file__}, not the installed package"
y = activ.gelu(np.array([-1.0, 0.0, 1.0]))
assert abs(y[2] - 0.8413447460685429) < 1e-15, y
x, t = (torch.linspace(-3, 3, 7, requires_grad=True) for _ in range(2))
activ.torch.SwiGLU()(x, x).sum().backward()
(torch.nn.functional.silu(t) * t).sum().backward()
assert torch.allclose(x.grad, t.grad, rtol=1e-6, atol=1e-6), (x.grad, t.grad)
print(f"pip install test: activ {activ.__version__} from {activ.__file__}: passed")
PY
