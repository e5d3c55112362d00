#!/usr/bin/env bash
# Installs the Python component of a built activ into a scratch prefix and imports the package
# from there, outside the build tree, the way a user would after `cmake --install`.
#
# Usage: python/tests/install_test.sh BUILD_DIR WORK_DIR INSTALL_DIR PYTHON
#   INSTALL_DIR  the package's directory relative to the prefix (ACTIV_PYTHON_INSTALL_DIR)
set -euo pipefail
if [[ $# -ne 4 ]]; then
  echo "usage: $0 BUILD_DIR WORK_DIR INSTALL_DIR PYTHON" >&2
  exit 2
fi
build=$1 work=$2 site_rel=$3 python=$4
prefix="$work/prefix"
rm -rf "$prefix"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" --component python > "$work/install.log" ||
  { cat "$work/install.log" >&2; echo "python install test FAILED: cmake --install" >&2; exit 1; }
site="$prefix/$site_rel"
[[ -f "$site/activ/__init__.py" && -f "$site/activ/torch.py" ]] ||
  { echo "python install test FAILED: no package activ under $site" >&2; exit 1; }
cd "$work"
PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 "$python" - "$site" <<'PY'
import sys
import numpy as np
import activ
site = sys.argv[1]
assert activ.__file__.startswith(site), f"imported {activ.__file__}, not the installed package"
y = activ.gelu(np.array([-1.0, 0.0, 1.0]))
assert abs(y[2] - 0.8413447460685429) < 1e-15, y
print(f"python install test: activ {activ.__version__} from {activ.__file__}: passed")
PY
