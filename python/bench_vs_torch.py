#!/usr/bin/env python3
"""Times activ.<fn> against torch.nn.functional.<fn> on the same NumPy-backed float32 arrays, one
thread each (torch.set_num_threads(1); activ's element-wise kernels are single-threaded), forward
pass, both allocating their result. Sizes 4096, 262144 and 16777216 elements; the median of
several repetitions (more for the small sizes, each timing a loop long enough for the clock).

    PYTHONPATH=build/python /usr/bin/python3 python/bench_vs_torch.py [--quick] [--fn gelu,silu]

Prints a Markdown table; python/make_doc.py puts it in docs/PYTHON.md.
"""

import argparse
import os
import statistics
import sys
import time

# This file's folder holds the source package activ/, without its compiled extension: the package
# must come from the build tree (PYTHONPATH=build/python) or an installation.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__) or
            not os.path.isdir(os.path.join(p or ".", "activ"))]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import activ  # noqa: E402

SIZES = (4096, 262144, 16777216)

# activ's function, PyTorch's, with the same (default) parameters.
FUNCTIONS = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu,
    "prelu": None, "rrelu": lambda x: F.rrelu(x, training=False), "elu": F.elu, "selu": F.selu,
    "celu": F.celu, "softplus": F.softplus, "logsigmoid": F.logsigmoid, "softsign": F.softsign,
    "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
    "mish": F.mish, "hardtanh": F.hardtanh, "relu6": F.relu6, "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish, "threshold": lambda x: F.threshold(x, 0.5, -2.0),
    "hardshrink": F.hardshrink, "softshrink": F.softshrink, "tanhshrink": F.tanhshrink,
}
PARAMS = {"threshold": {"threshold": 0.5, "value": -2.0}}

# The same into a preallocated output, for the functions PyTorch has an out= variant of: the
# kernels alone, without the allocation (at 16M elements, NumPy's and PyTorch's allocators differ
# in how they fault the new pages in, which dominates the cheap functions above).
OUT_FUNCTIONS = {
    "sigmoid": lambda x, o: torch.sigmoid(x, out=o), "tanh": lambda x, o: torch.tanh(x, out=o),
    "relu": lambda x, o: torch.clamp_min(x, 0, out=o),
    "elu": lambda x, o: torch._C._nn.elu(x, out=o),
    "softplus": lambda x, o: torch._C._nn.softplus(x, out=o),
    "gelu": lambda x, o: torch._C._nn.gelu(x, out=o),
    "silu": lambda x, o: torch._C._nn.silu(x, out=o),
    "mish": lambda x, o: torch._C._nn.mish(x, out=o),
    "hardswish": lambda x, o: torch._C._nn.hardswish(x, out=o),
}


def _median_seconds(fn, n, quick):
    """Median time of one call: each sample times enough calls to last ~20 ms."""
    fn()  # warm: first-touch of the output pages, code paths
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.02 / one))
    samples = 3 if quick else (5 if n >= 1 << 24 else 9)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def run(names=None, sizes=SIZES, quick=False, preallocated=False):
    """[(name, size, activ ns/element, torch ns/element)] for each function and size."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        x = rng.uniform(-6, 6, size).astype(np.float32)
        xt = torch.from_numpy(x)  # the same memory
        if preallocated:
            y = np.empty_like(x)
            yt = torch.from_numpy(y)
            for name, torch_fn in OUT_FUNCTIONS.items():
                if names and name not in names:
                    continue
                a = _median_seconds(lambda: activ.forward(name, x, out=y), size, quick)
                t = _median_seconds(lambda: torch_fn(xt, yt), size, quick)
                rows.append((name, size, a * 1e9 / size, t * 1e9 / size))
            continue
        for name, torch_fn in FUNCTIONS.items():
            if names and name not in names:
                continue
            if name == "prelu":
                weight = torch.tensor([0.25])
                torch_fn = lambda t, w=weight: F.prelu(t, w)  # noqa: E731
            params = PARAMS.get(name, {})
            a = _median_seconds(lambda: activ.forward(name, x, **params), size, quick)
            t = _median_seconds(lambda: torch_fn(xt), size, quick)
            rows.append((name, size, a * 1e9 / size, t * 1e9 / size))
    return rows


def table(rows):
    lines = ["| function | elements | activ ns/element | PyTorch ns/element | PyTorch / activ |",
             "|---|---:|---:|---:|---:|"]
    for name, size, a, t in rows:
        lines.append(f"| {name} | {size} | {a:.3f} | {t:.3f} | {t / a:.2f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--fn", help="comma-separated function names (default: all)")
    args = parser.parse_args()
    names = set(args.fn.split(",")) if args.fn else None
    if names and not names <= set(FUNCTIONS):
        parser.error(f"unknown: {', '.join(sorted(names - set(FUNCTIONS)))}; known: "
                     f"{', '.join(FUNCTIONS)}")
    print(f"activ {activ.__version__} ({activ.simd_target()}), torch {torch.__version__}, "
          "1 thread, float32, forward")
    print(table(run(names, quick=args.quick)))
    print("\nInto a preallocated output (out=):")
    print(table(run(names, quick=args.quick, preallocated=True)))


if __name__ == "__main__":
    main()
