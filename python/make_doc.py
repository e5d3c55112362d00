#!/usr/bin/env python3
"""Measures activ against PyTorch and writes docs/PYTHON.md: the accuracy comparison of every
function PyTorch has (python/tests/torch_cases.py, the cases the tests assert) and the timings
of python/bench_vs_torch.py.

    /usr/bin/python3 python/make_doc.py [--build build] [--out docs/PYTHON.md] [--quick]
                                        [--keep-speed] [--data docs/python.json]
    /usr/bin/python3 python/make_doc.py --render [--check]

--keep-speed re-measures the accuracy and keeps the speed section of the existing file (timings
from a quiet machine are not worth replacing with a busy one's). The accuracy measurements are
stored in --data; --render writes the file from them without measuring (seconds), and --check
with it compares instead of writing (scripts/docs.sh --check).
"""

import argparse
import collections
import difflib
import json
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _setup_path(build):
    # The source package python/activ/ has no compiled extension: take the build tree's.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    build = os.path.abspath(build)
    sys.path[:0] = [os.path.join(build, "python"), os.path.join(build, "python", "testing"),
                    os.path.join(HERE, "tests"), HERE]


def _fmt(v):
    if v == 0:
        return "0"
    if v == float("inf"):
        return "inf"
    return f"{v:.3g}" if v < 1e4 else f"{v:.1e}"


def measure(tc, np):
    """{(label, dtype, direction): summary} over the test's input sets, larger random ones."""
    out = {}
    for case in tc.CASES:
        for dtype in tc.DTYPES:
            sets = ([tc.special_set(case, dtype)] + tc.shaped_inputs(dtype)
                    + [tc.random_inputs(dtype, 200000, 21)])
            parts = collections.defaultdict(list)
            for x, dy in sets:
                for direction, m in tc.run(case, x, dy).items():
                    parts[direction].append(m)
            for direction, ms in parts.items():
                cat = np.concatenate([m.category for m in ms])
                diff = np.concatenate([m.diff for m in ms])
                x = np.concatenate([m.x for m in ms])
                finite = ~np.isin(cat, ["nan_in", "inf_nan"])
                i = int(np.argmax(np.where(finite, diff, -1)))
                examples = {}
                for m in ms:
                    for c in set(m.category) - {""}:
                        j = int(np.nonzero(m.category == c)[0][np.argmax(
                            m.torch_err[m.category == c])])
                        if c not in examples or m.torch_err[j] > examples[c][4]:
                            examples[c] = (m.x[j], m.activ[j], m.torch[j], m.exact[j],
                                           m.torch_err[j])
                out[(case.label, dtype.__name__, direction)] = dict(
                    case=case, diff=float(diff[i]), at=x[i], at_cat=cat[i] or "both accurate",
                    activ_err=max(float(m.activ_err.max()) for m in ms),
                    torch_err=max(float(np.nanmax(np.where(np.isin(m.category, ["nan_in"]), 0,
                                                           m.torch_err))) for m in ms),
                    counts=collections.Counter(c for c in cat if c), examples=examples,
                    n=int(x.size))
    return out


def measure16(tc, np):
    """{(label, format, direction): summary} of the 16-bit comparison (torch_cases.run16)."""
    out = {}
    for case in tc.CASES:
        for fmt in tc.FORMATS16:
            parts = collections.defaultdict(list)
            activ_err = collections.defaultdict(float)
            for _, x, dy in tc.inputs16(case, fmt):
                r = tc.run16(case, x, dy, fmt)
                for direction in ("forward", "backward"):
                    activ_err[direction] = max(activ_err[direction],
                                               float(r["activ"][direction][3].max()))
                    if r[direction] is not None:
                        parts[direction].append(r[direction])
            for direction in ("forward", "backward"):
                ms = parts[direction]
                summary = dict(case=case, activ_err=activ_err[direction], torch=bool(ms))
                if ms:
                    cat = np.concatenate([m.category for m in ms])
                    diff = np.concatenate([m.diff for m in ms])
                    x = np.concatenate([m.x for m in ms])
                    finite = ~np.isin(cat, ["nan_in", "inf_nan"])
                    i = int(np.argmax(np.where(finite, diff, -1)))
                    summary.update(diff=float(diff[i]), at=x[i], at_cat=cat[i] or "both accurate",
                                   torch_err=max(float(np.nanmax(np.where(
                                       m.category == "nan_in", 0, m.torch_err))) for m in ms),
                                   counts=collections.Counter(c for c in cat if c))
                out[(case.label, fmt, direction)] = summary
    return out


def render16(tc, results16):
    L = []
    add = L.append
    add("## 16-bit arrays\n")
    add("""`activ.<name>`, `_backward` and `_backward_from_y` take NumPy float16 arrays (and
`out=` of float16); `activ.torch` takes `torch.float16` and `torch.bfloat16` CPU tensors. NumPy has no
bfloat16, so a 16-bit tensor reaches the kernels as its raw bits (`t.view(torch.int16).numpy()`)
with its type named: `activ.forward(name, bits, storage="bfloat16")` (also `backward` and
`backward_from_y`; a new bfloat16 result comes back as uint16 bits). The mixed forms of the C++
library are there too: a float16 `out` for float32 x (a GEMM's output rounded straight to 16
bits), and float32 dy for float16 x (dx in float32). The softmax family (`softmax`, `log_softmax`,
`softmin`, their `_backward`, `argmax`, `hardmax`) and the gated units (`glu`, `swiglu`, `gated`
and their `_backward`) take float16 arrays and `storage=` too, every input of a call of one type
(the C++ library has no mixed forms of them). prelu with one slope per channel has no 16-bit
kernel and refuses 16-bit arrays with `activ.Error`.

What the results are: activ computes a 16-bit call like the float32 one (the inputs widened
exactly, the kernel in double) and rounds the float32 result once more to nearest even, as
`include/activ/activ.h` specifies. `python/tests/test_16bit.py` checks, for every function and
direction on special and random inputs, that the 16-bit bits are exactly the float32 result
rounded (NumPy's and PyTorch's float32 -> 16-bit conversions), and that `activ.torch` gives the
bits of the library's 16-bit entry points; for the softmax family, argmax, hardmax and the gated
units, forward and backward along several dims, that the 16-bit bits are the float32 call's on
the widened inputs rounded to nearest even. Against the long double reference activ is then within
half a 16-bit ULP plus a float32 ULP or two (the tests assert 0.5 + 2^-10). PyTorch 1.13 on CPU
computes a bfloat16 function in float32 and rounds that, with its float32 error (or, for a
function it composes from other operations, rounds every step to bfloat16), so near a rounding
midpoint it can land one ULP away, and where its float32 formula loses precision, further.
PyTorch counts as agreeing within one 16-bit ULP of the reference; beyond that every element is
put in a category, as above. float16 on CPU: PyTorch 1.13 has no kernel for almost any of these
functions ("not implemented for 'Half'"); only the composite softsign and identity run. No CPU
bfloat16 mish at all, nor hardtanh and relu6 gradients.
""")
    add("| function | PyTorch | bf16 fwd max diff | bf16 grad max diff | f16 fwd max diff | "
        "f16 grad max diff | activ error bf16 fwd / grad | activ error f16 fwd / grad |")
    add("|---|---|---|---|---|---|---|---|")
    for label in dict.fromkeys(c.label for c in tc.CASES):
        cells = []
        for fmt in ("bfloat16", "float16"):
            for d in ("forward", "backward"):
                r = results16[(label, fmt, d)]
                if not r["torch"]:
                    cells.append("no CPU kernel")
                elif r["diff"] > 0:
                    cells.append(f"{_fmt(r['diff'])} ({r['at_cat']}, x={r['at']:.4g})")
                else:
                    cells.append("0")
        for fmt in ("bfloat16", "float16"):
            cells.append(" / ".join(f"{results16[(label, fmt, d)]['activ_err']:.3g}"
                                    for d in ("forward", "backward")))
        case = results16[(label, "bfloat16", "forward")]["case"]
        add(f"| {label} | `{case.torch_text}` | " + " | ".join(cells) + " |")
    add("\nDifferences and errors in ULP of the 16-bit format (gradients with the mixed measure: "
        "within 2^-p |dy| counts 0).\n")
    add("| function | category | elements (16-bit, all sets) | reason |")
    add("|---|---|---|---|")
    for name in dict.fromkeys(c.name for c in tc.CASES):
        per = collections.Counter()
        for (label, fmt, d), r in results16.items():
            if r["case"].name == name and r["torch"]:
                per.update(r["counts"])
        for c in sorted(per):
            reason = tc.REASONS16.get(name, {}).get(c) or tc.REASONS[name][c]
            add(f"| {name} | {c} | {per[c]} | {reason} |")
    add("")
    return "\n".join(L)


def _plain(v):
    """v as JSON can hold it: NumPy scalars as Python numbers, infinities and NaN as text."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return repr(v)
    return v


def _unplain(v):
    if isinstance(v, dict):
        return {k: _unplain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unplain(x) for x in v]
    if v in ("inf", "-inf", "nan"):
        return float(v)
    return v


def save_data(path, versions, results, results16):
    """The measurements, each case by its label; dtype of examples kept by the key."""
    def entries(res):
        out = []
        for (label, kind, direction), r in res.items():
            e = {k: x for k, x in r.items() if k != "case"}
            out.append({"label": label, "type": kind, "direction": direction,
                        "case": r["case"].name, **_plain(e)})
        return out
    data = {"versions": versions, "results": entries(results), "results16": entries(results16)}
    write(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_data(path, tc):
    with open(path) as f:
        data = json.load(f)
    cases = {}
    for c in tc.CASES:
        cases.setdefault((c.label, c.name), c)

    def restore(entries):
        res = {}
        for e in entries:
            r = _unplain({k: x for k, x in e.items()
                          if k not in ("label", "type", "direction", "case")})
            r["case"] = cases[(e["label"], e["case"])]
            if "counts" in r:
                r["counts"] = collections.Counter(r["counts"])
            if "examples" in r:
                r["examples"] = {c: tuple(x) for c, x in r["examples"].items()}
            res[(e["label"], e["type"], e["direction"])] = r
        return res
    return data["versions"], restore(data["results"]), restore(data["results16"])


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def render(tc, results, bench_rows, out_rows, bench, v):
    L = []
    add = L.append
    add("# Python bindings: activ next to PyTorch\n")
    add("Generated by `python/make_doc.py` (measures, stores the accuracy figures in "
        "`docs/python.json`, then writes this file); do not edit by hand. activ "
        f"{v['activ']}, SIMD target {v['simd_target']}; PyTorch {v['torch']}; NumPy "
        f"{v['numpy']}.\n")
    add("""## Use

```sh
/usr/bin/python3 -m pip install --no-build-isolation --break-system-packages .   # pip, from the repository root
/usr/bin/python3 -m pip wheel --no-build-isolation --no-deps -w dist .          # or a wheel, for another machine
bash scripts/build.sh                       # or the CMake build: build/python/activ/ (CMake option ACTIV_BUILD_PYTHON)
PYTHONPATH=build/python /usr/bin/python3 -c 'import activ, numpy; print(activ.gelu(numpy.ones(3)))'
cmake --install build                       # -> <prefix>/lib/python3.11/dist-packages/activ
```

`pip install .` builds the module through the project's CMake (`setup.py`: only the target
`_activ`, libactiv linked in statically) and installs `activ` and `activ.torch` with their type
stubs (`__init__.pyi`, `torch.pyi`, generated from `include/activ/ops.def` at build time) and
`py.typed`. It works offline with Debian's python3-pip, python3-setuptools and python3-wheel
(`--no-build-isolation`: pip uses them instead of fetching its own). Debian's Python refuses
installs into its own folders from pip (PEP 668): `--break-system-packages` installs into
`/usr/local/lib/python3.11/dist-packages` anyway, or `--no-deps --target DIR` into a folder of
your own, then `PYTHONPATH=DIR` (with `--target`, pip would fetch NumPy into DIR rather than use
the system's; `--no-deps` keeps it offline). A wheel carries Highway's
`libhwy.so.1` in `activ/_libs/` (the module's RUNPATH is `$ORIGIN/_libs`) and no path of the
machine that built it, so it installs on another x86-64 Debian 12 with Python 3.11 and NumPy
(`pip install --no-deps activ-*.whl`); PyTorch only for `activ.torch`.
`ACTIV_CMAKE_BUILD_DIR=build` makes pip build in an existing CMake build instead of its own.

The module is built for Debian's `/usr/bin/python3` (which has NumPy, PyTorch and pybind11),
found explicitly (`ACTIV_PYTHON_EXECUTABLE`), never another `python3` on `PATH`.
`ACTIV_BUILD_PYTHON` is on by default when that interpreter, its headers and pybind11 are found
(off with `ACTIV_SANITIZE`). `cmake --install` puts the package in
`<prefix>/${ACTIV_PYTHON_INSTALL_DIR}/activ`, by default `lib/python3.11/dist-packages`: on
`/usr/bin/python3`'s path for the prefix `/usr/local`; for another prefix, set `PYTHONPATH` or
`-DACTIV_PYTHON_INSTALL_DIR=...` (`--component python` installs only the package).

```python
import numpy as np, activ
x = np.linspace(-4, 4, 9, dtype=np.float32)
y = activ.gelu(x)                              # any shape, float32, float64 or float16
activ.elu(x, alpha=0.5, out=y)                 # PyTorch's parameter names and defaults
dx = activ.gelu_backward(x, np.ones_like(x))   # dx = dy * f'(x)
dx = activ.sigmoid_backward_from_y(activ.sigmoid(x), np.ones_like(x))
dx, dbeta = activ.silu_backward(x, np.ones_like(x), beta=1.5, param_grad=True)
y = activ.forward("swish", x)                  # by name or alias
activ.gelu(x, alpha=1.0)                       # activ.Error (a ValueError): gelu: unknown parameter 'alpha'; it takes none
y = activ.sigmoid(x, accuracy="fast")          # within 4 ULP, faster (docs/SPEC.md, Accuracy modes)

import torch, activ.torch as at
model = torch.nn.Sequential(torch.nn.Linear(8, 8), at.GELU(), torch.nn.Linear(8, 8), at.SiLU(beta=1.5, trainable=True))
```

- One Python function per registry line and direction, made at import from `activ`'s own list
  (`activ.OPS`): `activ.<name>(x, *, out=None, **params)`, `activ.<name>_backward(x, dy, ...)`,
  `activ.<name>_backward_from_y(y, dy, ...)` where the registry flags it; `param_grad=True` on
  prelu and silu returns the parameter's gradient; `activ.prelu(x, weight=array)` takes one slope
  per channel (dimension 1, as `F.prelu`). Parameter names and values are checked by activ itself.
- Arrays: NumPy float32, float64 or float16 (see "16-bit arrays"), any shape. A non-contiguous
  input is copied first; `out` must be contiguous (C or Fortran order) with the input's shape
  and dtype, else `activ.Error` — a strided `out` is refused, never written through a hidden
  copy. `out=x` runs in place; an `out`
  that partly overlaps an input gets a copy of that input first. A Fortran-ordered input gives a
  Fortran-ordered result. The GIL is released while the kernels run.
- Errors: `activ.Error`, a subclass of `ValueError`, with activ's message (wrong dtype, shape,
  unknown function or parameter, value outside its domain), raised before anything is written.
- `activ.torch`: for every registry function an `nn.Module` with PyTorch's class name and
  arguments (`GELU()`, `GELU(approximate='tanh')`, `SiLU(beta=...)`, `PReLU(num_parameters, init)`,
  `RReLU(lower, upper)`, `Threshold(threshold, value)`, ...; `MODULES`), an autograd Function
  (`FUNCTIONS`) and a functional form (`activ.torch.gelu(x)`). CPU tensors of float32, float64,
  float16 and bfloat16, through NumPy views (no copy of a contiguous tensor). PReLU's weight and
  a trainable SiLU beta get their gradients from activ's kernels. `inplace=True` is accepted and
  changes nothing.
- The softmax family (`softmax(x, dim=-1)`, `log_softmax`, `softmin`, their `_backward` from y,
  `argmax(x, dim=-1)`: int64 with dim removed, `hardmax`) and the gated units (`glu(x, dim=-1)`,
  `glu_backward`, `swiglu(gate, up)`, `gated(act, gate, up)` and `gated_backward`) are in
  `python/rowwise_bindings.cc` (compiled with ACTIV_PYTHON_ROWWISE; `python/tests/test_rowwise.py`
  skips without them). They take the element-wise functions' types, 16-bit included (see "16-bit
  arrays"): float16 arrays, and bfloat16 or float16 bits in int16/uint16 arrays with `storage=`.
- In `activ.torch` they are modules and functionals too, their backward on activ's kernels:
  `Softmax(dim)`, `LogSoftmax(dim)`, `Softmin(dim)` (dim required: PyTorch's implicit choice
  for `dim=None` is deprecated there and not reproduced), `GLU(dim=-1)`, and `SwiGLU(beta=1.0)`,
  whose `forward(gate, up)` is `silu(gate) * up` in one kernel each way (torch.nn has none);
  `activ.torch.softmax(x, dim)`, `log_softmax`, `softmin`, `glu(x, dim)`, `swiglu(gate, up)`
  (`ROW_MODULES`, `ROW_FUNCTIONS`).
- Accuracy modes (docs/SPEC.md): every function, row-wise and gated one, module and functional
  takes `accuracy="faithful"` (the default: within 1 ULP) or `accuracy="fast"` (float32 and the
  16-bit types within 4 ULP forward on every input, tails included, and 8 ULP beyond the
  backward bound; the same NaN, infinity and limit rules): `activ.sigmoid(x, accuracy="fast")`,
  `at.SiLU(accuracy="fast")`, `at.softmax(x, 1, accuracy="fast")`; the modules' backward pass
  uses their mode. `activ.has_fast_kernel(name, backward=False)` says which functions have a fast
  kernel of their own (on AVX2 and up); the others, the row-wise functions and float64 arrays run
  their faithful kernel in the fast mode. Any other value raises `activ.Error` naming both (a
  module when it is made). `activ.ACCURACIES` lists them.
- Threads: `activ.set_num_threads(n)` (1: none; 0: the default, `ACTIV_NUM_THREADS` or every
  hardware thread) and `activ.num_threads()`, as `torch.set_num_threads`; results do not depend
  on it.
- A whole model: `examples/ffn_fashion_mnist.py` trains a transformer-style SwiGLU network on
  Fashion-MNIST with activ.torch's modules and with torch.nn's side by side, in one process or
  under DistributedDataParallel (`--ddp 2`); its loss curves are in `examples/README.md`.
""")
    add("## Accuracy against PyTorch\n")
    add("""Every function `torch.nn.functional` has, forward and gradient, float32 and float64, on the
inputs of `python/tests/test_vs_torch.py`: zeros, infinities, NaN, subnormals, the largest
values, tails, the kinks and their neighbours, NaN upstream gradients, random inputs in several
shapes (a strided one among them), and here 200000 more random inputs (a third N(0, 9), a third
uniform in [-100, 100], a third of random magnitude 1e-8 to 1e8). Both are measured against
activ's long double reference (`reference/`, checked at landmark points against Python's
`decimal` by the tests): where they differ, the reference says which is right.

Differences are in ULP of the result type. Gradients use the spec's mixed measure (a difference
within 2^(1-p) |dy| counts 0, since either side may be 2^-p |dy| off the exact dy f'(x)).
"max diff" is the largest difference over the finite cases (NaN and infinity mismatches are
counted under their category), with the category of the input where it occurs ("both accurate":
both within a few ULP of the reference). The tests assert that activ is within its bound of
the reference everywhere (float32: 1 ULP forward, 2 backward; float64: 1 ULP forward, and the
backward bounds of `python/tests/torch_cases.py`) and that every element where PyTorch is more
than 4 ULP off falls in a category below whose reason is written down for that function.
""")
    add("| function | PyTorch | f32 fwd max diff | f32 grad max diff | f64 fwd max diff | "
        "f64 grad max diff |")
    add("|---|---|---|---|---|---|")
    labels = list(dict.fromkeys(c.label for c in tc.CASES))
    for label in labels:
        cells = []
        for dt in ("float32", "float64"):
            for d in ("forward", "backward"):
                r = results[(label, dt, d)]
                cells.append(f"{_fmt(r['diff'])} ({r['at_cat']}, x={r['at']:.4g})"
                             if r["diff"] > 0 else "0")
        case = results[(label, "float32", "forward")]["case"]
        add(f"| {label} | `{case.torch_text}` | " + " | ".join(cells) + " |")
    add("")
    add("### Errors against the reference (ULP, max over all inputs)\n")
    add("| function | f32 fwd activ | f32 fwd PyTorch | f32 grad activ | f32 grad PyTorch | "
        "f64 fwd activ | f64 fwd PyTorch | f64 grad activ | f64 grad PyTorch |")
    add("|---|---|---|---|---|---|---|---|---|")
    for label in labels:
        cells = []
        for dt in ("float32", "float64"):
            for d in ("forward", "backward"):
                r = results[(label, dt, d)]
                cells += [_fmt(r["activ_err"]), _fmt(r["torch_err"])]
        add(f"| {label} | " + " | ".join(cells) + " |")
    add("\nPyTorch's error excludes NaN inputs (where activ returns NaN by the spec); an `inf` is "
        "a NaN or infinity from PyTorch where the exact value is finite.\n")
    add("### Why they differ\n")
    add("Categories: " + "; ".join(f"**{k}**: {v}" for k, v in tc.CATEGORIES.items()) + ".\n")
    add("| function | category | elements (all sets, both dtypes, both directions) | worst "
        "example: x, activ, PyTorch, exact | reason |")
    add("|---|---|---|---|---|")
    for name in dict.fromkeys(c.name for c in tc.CASES):
        per = collections.Counter()
        worst = {}
        for (label, dt, d), r in results.items():
            if r["case"].name != name:
                continue
            per.update(r["counts"])
            for c, ex in r["examples"].items():
                if c not in worst or ex[4] > worst[c][0][4]:
                    worst[c] = (ex, dt, d)
        for c in sorted(per):
            ex, dt, d = worst[c]
            g = ".9g" if dt == "float32" else ".17g"
            add(f"| {name} | {c} | {per[c]} | {dt} {d}: x={ex[0]:{g}}, {ex[1]:{g}}, "
                f"{ex[2]:{g}}, {ex[3]:{g}} | {tc.REASONS[name][c]} |")
    add("")
    worst = sorted(((r["activ_err"], label) for (label, dt, d), r in results.items()
                    if dt == "float64" and d == "backward"), reverse=True)
    over = ", ".join(f"{label} {err:.3g}" for err, label in worst if err > 5.0)
    rest = max(err for err, _ in worst if err <= 5.0)
    if over:
        gradients = (f"activ's float64 gradients are within {rest:.3g} ULP of the reference, but "
                     f"for {over} ULP, near the zeros of their derivatives (the spec's float64 "
                     f"backward bound, 2 ULP plus 2^-53 |dy x f''(x)|, allows more there; "
                     f"`tests/kernel_test.cc` holds the kernels to it)")
    else:
        gradients = (f"activ's float64 gradients are within {rest:.3g} ULP of the reference on "
                     f"every input here, the zeros of their derivatives included (the spec's "
                     f"float64 backward bound is 2 ULP plus 2^-53 |dy x f''(x)|; "
                     f"`tests/kernel_test.cc` holds the kernels to it)")
    add(textwrap.fill(
        f"Two findings on the way, for the kernels' owners: {gradients}; the Python tests hold "
        f"them to the bounds of `python/tests/torch_cases.py`. PyTorch 1.13's "
        f"`hardswish` gradient at x = 3 is 1 in its vectorized loop but 1.5 in its scalar tail "
        f"loop, so it depends on where the element sits in the tensor; activ gives the spec's "
        f"1.5 everywhere.", 100) + "\n")
    add("## Speed against PyTorch\n")
    if bench_rows is None:  # --keep-speed: main() puts the old section back
        return "\n".join(L)
    add(f"`python/bench_vs_torch.py`: forward pass, float32, one thread "
        f"(`torch.set_num_threads(1)`; activ's element-wise kernels are single-threaded), the "
        f"same NumPy-backed arrays for both, each allocating its result; the median of several "
        f"repetitions. This machine: {os.cpu_count()} cores, shared with other work while it ran, "
        f"so single figures can be off by tens of percent; ratios above 1 mean activ is faster.\n")
    add(bench.table(bench_rows))
    add("")
    ratios = collections.defaultdict(list)
    for name, size, a, t in bench_rows:
        ratios[size].append(t / a)
    summary = ", ".join(
        f"{size} elements: median PyTorch/activ {sorted(v)[len(v) // 2]:.2f} "
        f"(from {min(v):.2f} to {max(v):.2f})" for size, v in ratios.items())
    add(f"Summary: {summary}.\n")
    add("The same into a preallocated output (`out=`), for the functions PyTorch has an out= "
        "variant of: the kernels without the allocation. At 16M elements the allocation above "
        "dominates the cheap functions (a fresh 64 MiB result is faulted in page by page, and "
        "NumPy's and PyTorch's allocators do that differently), so this table is the one that "
        "compares the kernels.\n")
    add(bench.table(out_rows))
    add("")
    return "\n".join(L)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "PYTHON.md"))
    parser.add_argument("--data", default=os.path.join(ROOT, "docs", "python.json"),
                        help="where the accuracy measurements are stored")
    parser.add_argument("--quick", action="store_true", help="fewer benchmark repetitions")
    parser.add_argument("--bench-fn", help="benchmark only these functions (comma-separated)")
    parser.add_argument("--keep-speed", action="store_true",
                        help="keep the speed section of the existing --out file")
    parser.add_argument("--render", action="store_true",
                        help="render from --data without measuring (keeps the speed sections)")
    parser.add_argument("--check", action="store_true",
                        help="with --render: compare with --out instead of writing it")
    args = parser.parse_args()
    if args.check and not args.render:
        parser.error("--check goes with --render")
    _setup_path(args.build)
    import numpy as np
    import torch

    import activ
    import bench_vs_torch as bench
    import torch_cases as tc

    torch.set_num_threads(1)
    if args.render:
        versions, results, results16 = load_data(args.data, tc)
        args.keep_speed = True
    else:
        versions = {"activ": activ.__version__, "simd_target": activ.simd_target(),
                    "torch": torch.__version__, "numpy": np.__version__}
        results = measure(tc, np)
        results16 = measure16(tc, np)
        save_data(args.data, versions, results, results16)
    text16 = render16(tc, results16)
    speed_title = "## Speed against PyTorch\n"
    if args.keep_speed:
        with open(args.out) as f:
            old = f.read()
        if speed_title not in old:
            sys.exit(f"make_doc: --keep-speed, but {args.out} has no '{speed_title.strip()}'")
        text = render(tc, results, None, None, bench, versions)
        text = text[:text.index(speed_title)] + old[old.index(speed_title):]
    else:
        names = args.bench_fn.split(",") if args.bench_fn else None
        bench_rows = bench.run(quick=args.quick, names=names)
        out_rows = bench.run(quick=args.quick, names=names, preallocated=True)
        text = render(tc, results, bench_rows, out_rows, bench, versions)
    # The 16-bit section goes before the speed section.
    at = text.index(speed_title)
    text = text[:at] + text16 + "\n" + text[at:]
    # python/bench_modules.py's section, at the end, is measured by that script: kept as it is.
    modules_title = "## activ.torch against torch.nn: forward and backward\n"
    if os.path.exists(args.out) and modules_title not in text:
        with open(args.out) as f:
            old = f.read()
        if modules_title in old:
            text = text.rstrip("\n") + "\n\n" + old[old.index(modules_title):]
    if args.check:
        with open(args.out) as f:
            old = f.read()
        if old != text:
            print(f"make_doc: {args.out} differs from what {args.data} renders "
                  "(python/make_doc.py --render):")
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True),
                                                       text.splitlines(True), args.out,
                                                       args.out + " (rendered)", n=1))
            sys.exit(1)
        print(f"make_doc: {args.out}: up to date")
        return
    write(args.out, text)
    print(f"make_doc: wrote {args.out}")


if __name__ == "__main__":
    main()
