#!/usr/bin/env python3
"""Command-line tests of `activ`: every subcommand, its output, its exit status, and the one-line
message of each error. .npy files are written and read back with numpy, at test time.

  cli_test.py --activ build/cli/activ [--accuracy build/tools/activ-accuracy] \
              --source-dir . GROUP...

GROUP is one of usage, list, info, apply, grad, npy, plot, check, bench, report, lab, train,
predict (each a ctest). The lab's tests train tiny networks on built-in sets for 1-3 epochs.
"""
import argparse
import csv
import json
import math
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np

ARGS = None
FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAIL:", what)


def run(*argv, rc=0, out=None, err=None, env=None, exe=None, own_error=True):
    """Runs activ with argv; checks the exit status and that out/err (strings or lists of
    strings) appear in stdout/stderr. An error must be one line starting with 'activ: '."""
    cmd = [exe or ARGS.activ] + [str(a) for a in argv]
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=300)
    shown = " ".join(cmd[1:])
    check(p.returncode == rc, f"`activ {shown}`: exit status {p.returncode}, expected {rc}; "
                              f"stderr: {p.stderr.strip()[:300]}")
    for stream, wanted, name in ((p.stdout, out, "stdout"), (p.stderr, err, "stderr")):
        for w in [wanted] if isinstance(wanted, str) else (wanted or []):
            check(w in stream, f"`activ {shown}`: {name} lacks {w!r}; it is {stream[:400]!r}")
    if rc != 0 and exe is None and own_error:
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and lines[0].startswith("activ: "),
              f"`activ {shown}`: the error is not one line starting with 'activ: ': {p.stderr!r}")
    return p


def registry_names():
    with open(os.path.join(ARGS.source_dir, "include/activ/ops.def")) as f:
        text = f.read()
    return re.findall(r"^ACTIV_OP\((\w+),", text, re.M)


# ------------------------------------------------------------------------------------------------

def test_usage(tmp):
    run(rc=2, err="activ: give a command: list, info, apply, grad, plot, check, bench, report, "
                  "lab, train, predict")
    p = run("--help")
    for sub in ("list", "info", "apply", "grad", "plot", "check", "bench", "report", "lab",
                "train", "predict"):
        check(re.search(rf"^\s+{sub}\s", p.stdout, re.M), f"--help does not list {sub}")
    run("--version", out="activ 0.1.0")
    run("frobnicate", rc=2, err="The following argument was not expected: frobnicate")
    for sub in ("list", "info", "apply", "grad", "plot", "check", "report", "lab", "train",
                "predict"):
        p = run(sub, "--help", out="Usage:")
        check(p.stdout.count("\n") > 2, f"`activ {sub} --help` is too short")
    run("apply", "--help", out=["--param", "--dtype", "FN", "IN", "OUT"])
    run("check", "--help", out=["--type", "--direction", "--exhaustive", "--samples", "--target",
                                "--param", "--max-ulp"])
    run("apply", "relu", "a.npy", "b.npy", "--bogus", rc=2,
        err="The following argument was not expected: --bogus (see `activ apply --help`)")
    run("info", "--x", rc=2, err="(see `activ info --help`)")
    run("apply", "relu", rc=2, err="IN is required")


def test_list(tmp):
    p = run("list")
    names = registry_names()
    check(len(names) > 20, "could not read the registry")
    listed = [line.split()[0] for line in p.stdout.splitlines()[3:3 + len(names)]]
    check(listed == names, f"`activ list` lists {listed}, the registry {names}")
    check(f"{len(names)} element-wise functions" in p.stdout, "the count is missing")
    for text in ("silu (swish)", "negative_slope=0.01", "threshold (required), value (required)",
                 "x*Phi(x)", "[0,6]", "max(0,x)"):
        check(text in p.stdout, f"`activ list` lacks {text!r}")
    # The gated units, from the functions flagged kGates: their table column and their section.
    for gated, gate in (("glu", "sigmoid"), ("bilinear", "identity"), ("reglu", "relu"),
                        ("geglu", "gelu"), ("geglu_tanh", "gelu_tanh"), ("swiglu", "silu")):
        check(re.search(rf"^  {gated}\s+{gate}\(gate\) \* up", p.stdout, re.M),
              f"`activ list` lacks the gated unit {gated}")
    check(re.search(r"^tanh\s.*\s-\s+tanh x$", p.stdout, re.M), "tanh should not gate")
    # Both accuracy modes, where they are chosen, and the functions with fast kernels.
    for text in ("Accuracy modes: faithful (the default, 1 ULP) and fast (4 ULP",
                 "--accuracy on apply, grad, check, bench and lab; accuracy= in Python"):
        check(text in p.stdout, f"`activ list` lacks {text!r}")
    check(re.search(r"^  forward +\S*sigmoid", p.stdout, re.M),
          "`activ list` does not name sigmoid's fast forward kernel")


def test_info(tmp):
    p = run("info",
            out=["activ 0.1.0", "SIMD target: ", "compiled targets: ", "hardware threads: "])
    target = re.search(r"SIMD target: (\S+)", p.stdout).group(1)
    compiled = re.search(r"compiled targets: (.*)", p.stdout).group(1).split(", ")
    check(target in compiled, f"the chosen target {target} is not among {compiled}")
    check(re.search(rf"hardware threads: {os.cpu_count()}\b", p.stdout) is not None,
          "hardware threads differ from os.cpu_count()")
    run("info", env={"ACTIV_NUM_THREADS": "3"}, out="ACTIV_NUM_THREADS: '3'")
    env = dict(os.environ)
    env.pop("ACTIV_NUM_THREADS", None)
    p = subprocess.run([ARGS.activ, "info"], capture_output=True, text=True, env=env)
    check("ACTIV_NUM_THREADS: not set" in p.stdout, "an unset ACTIV_NUM_THREADS is not shown")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_apply(tmp):
    rng = np.random.default_rng(1)
    x32 = rng.normal(0, 3, size=(4, 5)).astype(np.float32)
    x32[0, :3] = [0.0, -0.0, np.inf]
    np.save(f"{tmp}/x32.npy", x32)
    run("apply", "relu", f"{tmp}/x32.npy", f"{tmp}/y.npy")
    y = np.load(f"{tmp}/y.npy")
    check(y.dtype == np.float32 and y.shape == (4, 5), f"relu output {y.dtype} {y.shape}")
    check(np.array_equal(y, np.maximum(x32, 0)), "relu differs from np.maximum(x, 0)")
    with open(f"{tmp}/y.npy", "rb") as f:
        check(f.read(8) == b"\x93NUMPY\x01\x00", "the output is not a version 1.0 .npy file")

    x64 = rng.normal(0, 4, size=(2, 3, 7))
    np.save(f"{tmp}/x64.npy", x64)
    run("apply", "sigmoid", f"{tmp}/x64.npy", f"{tmp}/s.npy")
    s = np.load(f"{tmp}/s.npy")
    check(s.dtype == np.float64 and s.shape == x64.shape, "sigmoid keeps float64 and the shape")
    check(np.allclose(s, sigmoid(x64), rtol=1e-14, atol=0), "sigmoid differs from numpy")

    # Parameters, by PyTorch's names.
    run("apply", "elu", f"{tmp}/x64.npy", f"{tmp}/e.npy", "--param", "alpha=0.5")
    e = np.load(f"{tmp}/e.npy")
    check(np.allclose(e, np.where(x64 > 0, x64, 0.5 * np.expm1(x64)), rtol=1e-14, atol=0),
          "elu alpha=0.5 differs from numpy")
    run("apply", "leaky_relu", f"{tmp}/x32.npy", f"{tmp}/l.npy", "-p", "negative_slope=0.25")
    check(np.array_equal(np.load(f"{tmp}/l.npy"), np.where(x32 > 0, x32, np.float32(0.25) * x32)),
          "leaky_relu negative_slope=0.25 differs from numpy")
    run("apply", "hardtanh", f"{tmp}/x64.npy", f"{tmp}/h.npy", "--param", "min_val=-2",
        "--param", "max_val=3")
    check(np.array_equal(np.load(f"{tmp}/h.npy"), np.clip(x64, -2, 3)), "two --param flags")

    # --dtype converts the output: the float64 result rounded once.
    run("apply", "sigmoid", f"{tmp}/x64.npy", f"{tmp}/s32.npy", "--dtype", "float32")
    s32 = np.load(f"{tmp}/s32.npy")
    check(s32.dtype == np.float32 and np.array_equal(s32, s.astype(np.float32)),
          "--dtype float32 is not the float64 result rounded")
    run("apply", "relu", f"{tmp}/x32.npy", f"{tmp}/r64.npy", "--dtype", "float64")
    check(np.load(f"{tmp}/r64.npy").dtype == np.float64, "--dtype float64")

    # In place: the output may be the input.
    np.save(f"{tmp}/inplace.npy", x32)
    run("apply", "tanh", f"{tmp}/inplace.npy", f"{tmp}/inplace.npy")
    check(np.allclose(np.load(f"{tmp}/inplace.npy"), np.tanh(x32), rtol=2e-7, atol=0),
          "in place")

    # Errors: nothing is written.
    out = f"{tmp}/never.npy"
    run("apply", "nope", f"{tmp}/x32.npy", out, rc=1,
        err="activ: unknown function 'nope'; valid names: identity, sigmoid")
    run("apply", "elu", f"{tmp}/x32.npy", out, "--param", "beta=1", rc=1,
        err="activ: elu: unknown parameter 'beta'; its parameters are alpha")
    run("apply", "elu", f"{tmp}/x32.npy", out, "--param", "alpha=x", rc=1,
        err="activ: --param alpha=x: 'x' is not a number")
    run("apply", "elu", f"{tmp}/x32.npy", out, "--param", "alpha", rc=1,
        err="activ: --param takes NAME=VALUE, got 'alpha'")
    run("apply", "softplus", f"{tmp}/x32.npy", out, "--param", "beta=0", rc=1,
        err="activ: softplus: parameter beta must be a finite number other than 0, got 0")
    run("apply", "threshold", f"{tmp}/x32.npy", out, rc=1, err="threshold")
    run("apply", "relu", f"{tmp}/missing.npy", out, rc=1,
        err=f"activ: cannot read {tmp}/missing.npy: No such file or directory")
    run("apply", "relu", tmp, out, rc=1, err=f"activ: cannot read {tmp}: Is a directory")
    run("apply", "relu", f"{tmp}/x32.npy", f"{tmp}/no/such/dir/y.npy", rc=1,
        err=f"activ: cannot write {tmp}/no/such/dir/y.npy: No such file or directory")
    run("apply", "relu", f"{tmp}/x32.npy", out, "--dtype", "int8", rc=2,
        err="--dtype: int8 not in {float32,float64}")
    check(not os.path.exists(out), "a failed apply left its output")
    leftovers = [f for f in os.listdir(tmp) if ".tmp." in f]
    check(not leftovers, f"temporary files left: {leftovers}")


def test_grad(tmp):
    rng = np.random.default_rng(2)
    x = rng.normal(0, 2, size=(3, 8)).astype(np.float32)
    x[0, 0] = 0.0
    dy = rng.normal(0, 1, size=(3, 8)).astype(np.float32)
    np.save(f"{tmp}/x.npy", x)
    np.save(f"{tmp}/dy.npy", dy)
    run("grad", "relu", f"{tmp}/x.npy", f"{tmp}/dy.npy", f"{tmp}/dx.npy")
    dx = np.load(f"{tmp}/dx.npy")
    check(np.array_equal(dx, np.where(x > 0, dy, np.float32(0))),
          "relu grad differs from dy * (x > 0) (relu'(0) = 0)")
    run("grad", "sigmoid", f"{tmp}/x.npy", f"{tmp}/dy.npy", f"{tmp}/ds.npy", "--dtype", "float64")
    ds = np.load(f"{tmp}/ds.npy")
    s = sigmoid(x.astype(np.float64))
    check(ds.dtype == np.float64, "--dtype float64 of grad")
    check(np.allclose(ds, dy * s * (1 - s), rtol=1e-6, atol=1e-12), "sigmoid grad")
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    np.save(f"{tmp}/x64.npy", x64)
    np.save(f"{tmp}/dy64.npy", dy64)
    run("grad", "silu", f"{tmp}/x64.npy", f"{tmp}/dy64.npy", f"{tmp}/dsilu.npy", "-p", "beta=1.5")
    sb = sigmoid(1.5 * x64)
    check(np.allclose(np.load(f"{tmp}/dsilu.npy"), dy64 * (sb + 1.5 * x64 * sb * (1 - sb)),
                      rtol=1e-13, atol=1e-300), "silu beta=1.5 grad")

    np.save(f"{tmp}/dy_short.npy", dy[:, :4])
    run("grad", "relu", f"{tmp}/x.npy", f"{tmp}/dy_short.npy", f"{tmp}/no.npy", rc=1,
        err=f"activ: {tmp}/dy_short.npy: shape (3, 4) differs from {tmp}/x.npy's (3, 8)")
    run("grad", "relu", f"{tmp}/x.npy", f"{tmp}/dy64.npy", f"{tmp}/no.npy", rc=1,
        err=f"activ: {tmp}/dy64.npy: dtype float64 differs from {tmp}/x.npy's float32")
    run("grad", "relu", f"{tmp}/x.npy", f"{tmp}/dy.npy", rc=2, err="OUT is required")
    check(not os.path.exists(f"{tmp}/no.npy"), "a failed grad left its output")


def test_npy(tmp):
    """Files as numpy writes them, every header version, and the ones activ refuses."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    for version in ((1, 0), (2, 0), (3, 0)):
        path = f"{tmp}/v{version[0]}.npy"
        with open(path, "wb") as f:
            np.lib.format.write_array(f, x, version=version)
        run("apply", "relu", path, f"{tmp}/out{version[0]}.npy")
        check(np.array_equal(np.load(f"{tmp}/out{version[0]}.npy"), np.maximum(x, 0)),
              f"format version {version}")
    for name, array in (("scalar", np.array(2.5)), ("empty", np.zeros((0, 3))),
                        ("fortran1d", np.asfortranarray(np.arange(5.0))),
                        ("big", np.linspace(-3, 3, 1_000_003, dtype=np.float32))):
        np.save(f"{tmp}/{name}.npy", array)
        run("apply", "identity", f"{tmp}/{name}.npy", f"{tmp}/{name}_out.npy")
        back = np.load(f"{tmp}/{name}_out.npy")
        check(back.shape == array.shape and np.array_equal(back, array), f"{name} round trip")

    refused = {
        "fortran": (np.asfortranarray(x), "Fortran-order arrays are not supported"),
        "bigendian": (x.astype(">f4"), "big-endian data (dtype '>f4') is not supported"),
        "int32": (np.arange(4, dtype=np.int32), "dtype '<i4' is not supported: activ reads "
                                                "float32 ('<f4') and float64 ('<f8')"),
        "float16": (x.astype(np.float16), "dtype '<f2' is not supported"),
        "complex": (x.astype(np.complex64), "dtype '<c8' is not supported"),
        "object": (np.array([1.0, "a"], dtype=object), "object arrays (dtype '|O') are not "
                                                        "supported"),
        "structured": (np.zeros(2, dtype=[("a", "<f4")]),
                       "structured dtypes (a list of fields) are not supported"),
    }
    for name, (array, message) in refused.items():
        path = f"{tmp}/{name}.npy"
        np.save(path, array, allow_pickle=True)
        run("apply", "relu", path, f"{tmp}/no.npy", rc=1, err=f"activ: {path}: {message}")

    np.save(f"{tmp}/whole.npy", x)
    with open(f"{tmp}/whole.npy", "rb") as f:
        data = f.read()
    broken = {
        "truncated": (data[:-5], "truncated data: the shape needs 48 bytes, the file has 43"),
        "trailing": (data + b"xyz", "3 bytes after the 48 bytes of data the shape declares"),
        "noheader": (data[:9], "truncated header: the file ends inside the length field"),
        "text": (b"not numpy at all", "not a .npy file (it does not start with \\x93NUMPY)"),
        "version": (data[:6] + b"\x05\x00" + data[8:], "unsupported .npy format version 5.0"),
        "header": (data.replace(b"'shape'", b"'shapo'"),
                   "malformed .npy header at character 50: unexpected key 'shapo'"),
        "descr": (data.replace(b"'descr': '<f4'", b"'descr': 42    "),
                  "malformed .npy header at character 10: expected a quoted string"),
    }
    for name, (content, message) in broken.items():
        path = f"{tmp}/{name}.npy"
        with open(path, "wb") as f:
            f.write(content)
        run("apply", "relu", path, f"{tmp}/no.npy", rc=1, err=f"activ: {path}: {message}")
    check(not os.path.exists(f"{tmp}/no.npy"), "a refused file led to an output")


def test_plot(tmp):
    svg = f"{tmp}/p.svg"
    run("plot", "gelu,silu,mish", "-o", svg)
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    lines = [p for p in root.iter(ns + "path") if p.get("class") == "line"]
    check(len(lines) == 6, f"{len(lines)} lines drawn for 3 functions and 3 derivatives")
    dashed = [p for p in lines if p.get("stroke-dasharray")]
    check(len(dashed) == 3, "the derivatives are not the dashed lines")
    colours = [p.get("stroke") for p in lines]
    check(colours[0] == colours[1] and len(set(colours)) == 3,
          f"a function and its derivative should share one colour: {colours}")
    texts = [t.text for t in root.iter(ns + "text")]
    for label in ("gelu", "gelu′", "silu′", "mish", "x", "f(x), f′(x)"):
        check(label in texts, f"the plot lacks the text {label!r}")
    check(any(g.get("class") == "grid" for g in root.iter(ns + "g")), "no grid")

    run("plot", "relu", "--range", "-3:3", "-o", svg)
    texts = [t.text for t in ET.parse(svg).getroot().iter(ns + "text")]
    check("-3" in texts and "3" in texts, f"--range -3:3 ticks: {texts}")
    run("plot", "relu", "--range=-1:0.5", "-o", svg)
    run("plot", "silu", "--param", "beta=2", "-o", svg)
    run("plot", "gelu", "--param", "beta=2", "-o", f"{tmp}/no.svg", rc=1,
        err="activ: --param beta: none of gelu takes a parameter beta")
    for bad in ("3:1", "a:b", "1", "1:", "0:inf"):
        run("plot", "relu", "--range", bad, "-o", f"{tmp}/no.svg", rc=1,
            err=f"activ: --range takes LO:HI with LO < HI, got '{bad}'")
    run("plot", "relu,nope", "-o", f"{tmp}/no.svg", rc=1, err="activ: unknown function 'nope'")
    run("plot", "relu,", "-o", f"{tmp}/no.svg", rc=1,
        err="activ: give the functions as NAME[,NAME...], got 'relu,'")
    run("plot", "relu", rc=2, err="--output is required")
    run("plot", "relu", "-o", f"{tmp}/missing/p.svg", rc=1,
        err=f"activ: cannot write {tmp}/missing/p.svg: No such file or directory")
    check(not os.path.exists(f"{tmp}/no.svg"), "a failed plot left its output")


def test_check(tmp):
    p = run("check", "gelu", "--samples", "20000", "-q")
    lines = p.stdout.strip().split("\n")
    check(re.match(r"SIMD target: (AVX3|AVX2|SSE4|EMU128|SCALAR)\S*$", lines[0]) is not None,
          f"no line naming the SIMD target in {p.stdout!r}")
    lines = lines[1:]
    m = re.match(r"gelu f32 forward: max ([\d.]+) ULP at x = \S+; (\d+) results, (\d+) over 0.5 "
                 r"ULP, (\d+) over 1 ULP$", lines[0])
    check(len(lines) == 3 and lines[1].startswith("  largest errors by input range: "),
          f"no line of input ranges in {p.stdout!r}")
    check(re.match(r"reference: double screen, \d+ results measured again in long double; the "
                   r"screen was within \S+ ULP of it$", lines[-1]),
          f"no line on the reference's screen in {p.stdout!r}")
    check(m is not None, f"unexpected check output {p.stdout!r}")
    if m:
        check(float(m.group(1)) <= 1.0, "gelu float32 beyond 1 ULP")
        # The samples, plus the special values and the critical inputs (values around the
        # zeros of f' and 256 in each tail: accuracy/inputs.h), about 600 for gelu.
        check(20000 <= int(m.group(2)) <= 21000, f"{m.group(2)} results for 20000 samples")
    # The same measurement as activ-accuracy, which writes docs/ACCURACY.md.
    if ARGS.accuracy:
        q = run("--fn", "gelu", "--samples", "20000", exe=ARGS.accuracy)
        check(q.stdout == p.stdout,
              f"activ check and activ-accuracy differ: {p.stdout!r} {q.stdout!r}")
        # The fast mode's records: the exhaustive (forward), f32 (backward) and row-wise parts
        # only, functions with a fast kernel in that direction only, refused before anything is
        # measured or written.
        results = f"{tmp}/accuracy.json"
        run("--update", results, "--part", "f64", "--accuracy", "fast", exe=ARGS.accuracy, rc=1,
            err="the fast accuracy mode is recorded by the exhaustive part (--part exhaustive")
        # relu is exact: it will never have a fast kernel of its own.
        run("--update", results, "--part", "exhaustive", "--accuracy", "fast", "--only", "relu",
            exe=ARGS.accuracy, rc=1, err="relu has no fast forward kernel")
        # hardswish has a fast forward kernel and runs its faithful backward one.
        run("--update", results, "--part", "f32", "--accuracy", "fast", "--only", "hardswish",
            exe=ARGS.accuracy, rc=1, err="hardswish has no fast backward kernel")
        check(not os.path.exists(results), "a refused --update wrote its results file")
        # The fast backward records over the sweep: one per parameter set, on this target, within
        # 8 ULP beyond the bound's f'' term, and nothing else.
        run("--update", results, "--part", "f32", "--accuracy", "fast", "--only", "elu",
            exe=ARGS.accuracy)
        with open(results) as f:
            fast_backward = json.load(f)["results"]
        check(len(fast_backward) == 2 and
              all(re.fullmatch(r"elu\|(defaults|alpha=0\.5)\|f32\|backward\|fast@[A-Z0-9_]+\|activ",
                               k) and v["max_ulp"] <= 8 and v["mode"] == "fast"
                  for k, v in fast_backward.items()),
              f"fast backward records {fast_backward}")
        os.remove(results)
        # The fast row-wise table: one record for the target measured, float32 cells only,
        # within the fast bounds (4 ULP forward, 8 backward).
        rows_results = f"{tmp}/accuracy-rows.json"
        run("--update", rows_results, "--part", "rows", "--accuracy", "fast", exe=ARGS.accuracy)
        with open(rows_results) as f:
            fast_rows = json.load(f).get("rowwise_fast", {})
        check(len(fast_rows) == 1, f"fast row-wise records {list(fast_rows)}")
        for fn in ("softmax", "log_softmax", "softmin"):
            cells = next(iter(fast_rows.values()), {}).get("functions", {}).get(fn, {})
            check(sorted(cells) == ["f32 adversarial", "f32 backward", "f32 random"] and
                  all(cells[c]["max_ulp"] <= (8 if "backward" in c else 4) for c in cells),
                  f"fast row-wise cells of {fn}: {cells}")
        # ACCURACY.md's fast section, rendered from records kept per target ("fast@TARGET"),
        # apart from the faithful ones: a function without a fast kernel says so, one with a
        # kernel and no record says it was not measured.
        with open(os.path.join(ARGS.source_dir, "docs/accuracy.json")) as f:
            doc = json.load(f)
        doc["results"] = {k: v for k, v in doc["results"].items() if "|fast@" not in k}
        record = dict(next(v for k, v in doc["results"].items()
                           if k.startswith("sigmoid|defaults|f32|forward|exhaustive|activ")),
                      max_ulp=2.75, worst_x=-87.5, mode="fast", date="2026-12-06")
        doc["results"]["sigmoid|defaults|f32|forward|fast@AVX9|activ"] = record
        doc["results"]["sigmoid|defaults|f32|backward|fast@AVX9|activ"] = dict(
            record, max_ulp=5.0, worst_x=1.5, inputs="16777806 (sweep)")
        with open(results, "w") as f:
            json.dump(doc, f)
        run("--write", f"{tmp}/ACCURACY.md", "--results", results, exe=ARGS.accuracy)
        with open(f"{tmp}/ACCURACY.md") as f:
            md = f.read()
        check("## float32 in the fast accuracy mode" in md and
              "| function | fast kernel | AVX9 fast | x | date | AVX9 backward | x |" in md and
              re.search(r"^\| sigmoid \| forward, backward \| 2\.750 \| -87\.5\S* \| "
                        r"2026-12-06 \| 5\.000 \| 1\.5 \|$", md, re.M) and
              re.search(r"^\| relu \| none \| faithful kernel \| — \| — \| faithful kernel \| "
                        r"— \|$", md, re.M) and
              re.search(r"^\| tanh \| forward, backward \| not measured \| — \| — \| "
                        r"not measured \| — \|$", md, re.M) and
              re.search(r"^\| hardswish \| forward \| not measured \| — \| — \| "
                        r"faithful kernel \| — \|$", md, re.M) and
              "Largest: 2.750 ULP forward, 5.000 ULP backward" in md,
              "ACCURACY.md's fast section does not show the fast records")
        # The faithful tables are those of the faithful records alone.
        faithful_only = f"{tmp}/ACCURACY-faithful.md"
        del doc["results"]["sigmoid|defaults|f32|forward|fast@AVX9|activ"]
        del doc["results"]["sigmoid|defaults|f32|backward|fast@AVX9|activ"]
        with open(results, "w") as f:
            json.dump(doc, f)
        run("--write", faithful_only, "--results", results, exe=ARGS.accuracy)
        with open(faithful_only) as f:
            plain = f.read()
        check("fast accuracy mode" not in plain and
              md.replace(md[md.index("## float32 in the fast"):
                            md.index("## ", md.index("## float32 in the fast") + 3)],
                         "") == plain,
              "the fast records changed ACCURACY.md beyond its fast section")

    run("check", "sigmoid", "--type", "f64", "--direction", "backward", "--samples", "20000",
        "-q", out="sigmoid f64 backward: max ")
    # float64 forward is settled with MPFR.
    run("check", "gelu", "--type", "f64", "--samples", "20000", "-q", "--max-ulp", "1",
        out=["gelu f64 forward: max 0.", "measured again in MPFR"])
    run("check", "relu", "--direction", "backward_from_y", "--samples", "5000", "-q",
        "--max-ulp", "0", out="relu f32 backward_from_y: max 0.0000 ULP")
    run("check", "elu", "--param", "alpha=0.5", "--samples", "5000", "-q", out="elu f32 forward")
    # --target measures one compiled target: the scalar fallback runs on every host, and its
    # name is the first line; a target the build lacks or a made-up one is a one-line error.
    p = run("check", "sigmoid", "--samples", "5000", "-q", "--target", "scalar",
            "--max-ulp", "1")
    check(re.match(r"SIMD target: (EMU128|SCALAR)$", p.stdout.split("\n")[0]) is not None,
          f"--target scalar did not measure the scalar fallback: {p.stdout!r}")
    run("check", "sigmoid", "--samples", "5000", "-q", "--target", "neon", rc=1,
        err="activ: --target: unknown target 'neon' (avx3, avx2, sse4, scalar)")
    # Progress: plain lines when stderr is not a terminal...
    p = run("check", "tanh", "--samples", "300000", err="tanh f32 forward: 100% (")
    check(len(re.findall(r"^tanh f32 forward: \d+% \(\d+s\)$", p.stderr, re.M)) >= 2,
          f"fewer than 2 progress lines: {p.stderr!r}")
    # ...and a bar when it is.
    shown = read_on_a_terminal([ARGS.activ, "check", "tanh", "--samples", "300000"])
    check(b"\r" in shown and b"] 100%" in shown and b"#" * 40 in shown,
          f"no progress bar on a terminal: {shown[-200:]!r}")

    run("check", "gelu", "--samples", "20000", "-q", "--max-ulp", "0", rc=1,
        err="exceeds --max-ulp 0")
    run("check", "gelu", "--direction", "backward_from_y", rc=1,
        err="activ: gelu has no backward_from_y")
    run("check", "gelu", "--exhaustive", "--type", "f64", rc=1,
        err="activ: the exhaustive check is for float32 (2^32 inputs); float64 is sampled")
    run("check", "gelu", "--exhaustive", "--samples", "5", rc=2,
        err="--exhaustive excludes --samples")
    run("check", "gelu", "--type", "f16", rc=2, err="--type: f16 not in {f32,f64}")
    run("check", "gelu", "--direction", "sideways", rc=2, err="--direction: sideways not in")
    run("check", "gelu", "--samples", "0", rc=2, err="--samples")
    run("check", "nope", rc=1, err="activ: unknown function 'nope'")
    run("check", "softplus", "--param", "beta=0", rc=1,
        err="softplus: parameter beta must be a finite number other than 0")


def test_bench(tmp):
    fake = f"{tmp}/fake-bench"
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nprintf '%s|' \"$@\"\nexit 3\n")
    os.chmod(fake, 0o755)
    p = run("bench", "--benchmark_filter=relu", "--help", "x y", rc=3, env={"ACTIV_BENCH": fake},
            own_error=False)
    check(p.stdout == "--benchmark_filter=relu|--help|x y|",
          f"the arguments did not pass through: {p.stdout!r}")
    # The accuracy mode passes through too; a bad one is refused before the program runs.
    p = run("bench", "--accuracy", "fast", "--accuracy=faithful", rc=3,
            env={"ACTIV_BENCH": fake}, own_error=False)
    check(p.stdout == "--accuracy|fast|--accuracy=faithful|",
          f"--accuracy did not pass through: {p.stdout!r}")
    for bad in (["--accuracy", "exact"], ["--accuracy=Fast"], ["--accuracy"]):
        p = run("bench", *bad, rc=1, env={"ACTIV_BENCH": fake}, err=["faithful", "fast"])
        check(p.stdout == "", f"`activ bench {' '.join(bad)}` ran the benchmark: {p.stdout!r}")
    run("bench", rc=1, env={"ACTIV_BENCH": f"{tmp}/none"},
        err=f"activ: the benchmark program activ-bench is not installed (looked for {tmp}/none); "
            "it is built with activ when Google Benchmark is found (scripts/bench-deps.sh installs "
            "it) and installed beside activ by cmake --install; or set ACTIV_BENCH to its path")
    here = os.path.dirname(os.path.realpath(ARGS.activ))
    candidates = [os.path.join(d, n) for d in (here, os.path.join(os.path.dirname(here), "bench"))
                  for n in ("activ-bench", "activ_bench")]
    env = dict(os.environ)
    env.pop("ACTIV_BENCH", None)
    if not any(os.access(c, os.X_OK) for c in candidates):
        p = subprocess.run([ARGS.activ, "bench"], capture_output=True, text=True, env=env)
        check(p.returncode == 1 and "activ-bench is not installed (looked for " +
              ", ".join(candidates) in p.stderr, f"bench not built: {p.stderr!r}")
    else:
        print("bench: the benchmark program is built; its not-built message is not tested")


def test_report(tmp):
    fixture = os.path.join(ARGS.source_dir, "tests/data/lab_run")
    p = run("report", fixture, "-o", f"{tmp}/r.html",
            out=["had the highest test accuracy", "wrote " + f"{tmp}/r.html"])
    with open(f"{tmp}/r.html") as f:
        html = f.read()
    check(html.startswith("<!DOCTYPE html>") and html.count("<svg ") == 29,
          f"the report is not one page with 29 plots: {html.count('<svg ')}")
    # The default output is DIR/report.html; -q prints nothing.
    shutil.copytree(fixture, f"{tmp}/lab")
    run("report", f"{tmp}/lab", "-q")
    check(os.path.exists(f"{tmp}/lab/report.html"), "no DIR/report.html")
    p = run("report", f"{tmp}/lab", "--quiet")
    check(p.stdout == "", "--quiet printed something")

    # Other shapes of lab output, from real lab runs: regression (no accuracy), one seed, and a
    # run whose loss turns non-finite.
    tiny = ["--rows", "200", "--hidden", "8", "--epochs", "2", "--quiet"]
    run("lab", "--dataset", "regression", "--activations", "relu,tanh", *tiny, "--out",
        f"{tmp}/reg")
    run("report", f"{tmp}/reg", out=["had the lowest test loss", "With one seed per activation"])
    with open(f"{tmp}/reg/report.html") as f:
        html = f.read()
    check("mean squared error" in html and "Training accuracy" not in html,
          "a regression report should plot the loss as MSE and no accuracy")
    run("lab", "--dataset", "xor", "--activations", "relu", "--lr", "1e30", *tiny, "--out",
        f"{tmp}/nan")
    run("report", f"{tmp}/nan", out="Stopped because the loss became NaN or infinite")

    # Errors.
    run("report", f"{tmp}/nowhere", rc=1,
        err=f"activ: cannot read {tmp}/nowhere/summary.json: No such file or directory")
    shutil.copytree(fixture, f"{tmp}/bad")
    with open(f"{tmp}/bad/log.jsonl", "a") as f:
        f.write('{"type": "epoch", "run": \n')
    lines = sum(1 for _ in open(f"{tmp}/bad/log.jsonl"))
    run("report", f"{tmp}/bad", rc=1, err=f"activ: {tmp}/bad/log.jsonl:{lines}: not valid JSON")
    check(not os.path.exists(f"{tmp}/bad/report.html"), "a failed report left its output")
    run("report", fixture, "-o", f"{tmp}/missing/r.html", rc=1,
        err=f"activ: cannot write {tmp}/missing/r.html: No such file or directory")
    run("report", rc=2, err="DIR is required")


def read_on_a_terminal(argv):
    """Runs argv with stderr on a pseudo-terminal; returns what it showed there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait()
    os.close(leader)
    return shown


TINY = ["--dataset", "moons", "--rows", "300", "--hidden", "8", "--epochs", "2"]
OUTPUTS = ("report.html", "log.jsonl", "summary.csv", "summary.json")


def test_lab(tmp):
    out = f"{tmp}/lab"
    p = run("lab", *TINY, "--activations", "relu,elu:alpha=0.5", "--out", out,
            out=["had the highest test accuracy", f"report: {out}/report.html",
                 f"log and summaries: {out}/log.jsonl, {out}/summary.csv, {out}/summary.json"],
            err=["lab: relu, elu:alpha=0.5 on moons, 2 runs of up to 2 epochs",
                 "lab: run 1/2 relu seed 1, epoch 1/2: train loss ",
                 "lab: run 2/2 elu:alpha=0.5 seed 1, epoch 2/2: train loss ",
                 "lab: run 1/2 relu seed 1 done: test accuracy "])
    for name in ("relu", "elu:alpha=0.5"):
        check(re.search(rf"^{re.escape(name)} +test_accuracy 0\.\d{{4}}  best_epoch +\d+  dead "
                        r"0\.\d{3}  inactive 0\.\d{3}  saturated 0\.\d{3}  \d+\.\d\d s/epoch$",
                        p.stdout, re.M),
              f"no table line for {name} in {p.stdout!r}")
    check(sorted(os.listdir(out)) == sorted(OUTPUTS),
          f"{out} holds {sorted(os.listdir(out))}, expected the four outputs only")
    with open(f"{out}/summary.json") as f:
        summary = json.load(f)
    runs = summary["runs"]
    check([(r["activation"], r["seed"]) for r in runs] == [("relu", 1), ("elu:alpha=0.5", 1)],
          f"summary.json runs: {runs}")
    for field in ("best_epoch", "test_accuracy", "seconds_per_epoch", "stop_reason", "epochs"):
        check(all(field in r for r in runs), f"summary.json lacks {field}")
    with open(f"{out}/summary.csv") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == 2 and rows[1]["activation"] == "elu:alpha=0.5", "summary.csv")
    with open(f"{out}/log.jsonl") as f:
        types = [json.loads(line)["type"] for line in f]
    check(types.count("run") == 2 and types.count("end") == 2 and types.count("epoch") == 6,
          f"log.jsonl holds {len(types)} records")
    with open(f"{out}/report.html") as f:
        html = f.read()
    check(html.startswith("<!DOCTYPE html>") and html.count("<svg ") >= 15 and
          f"from {out}." in html, "the report of `activ lab`")

    # The accuracy mode: recorded in the config of summary.json and log.jsonl and in the report,
    # and it reaches the activation calls (a fast kernel gives other losses than the faithful
    # one, where the target has fast kernels); a bad value is refused and nothing is written.
    check(summary["config"].get("accuracy") == "faithful",
          f"summary.json config accuracy: {summary['config'].get('accuracy')!r}")
    losses = {}
    for mode in ("faithful", "fast"):
        d = f"{tmp}/lab-{mode}"
        run("lab", *TINY, "--activations", "sigmoid,elu", "--accuracy", mode, "-q", "--out", d,
            out="runs in ")
        with open(f"{d}/summary.json") as f:
            s = json.load(f)
        check(s["config"].get("accuracy") == mode, f"{d}/summary.json config: {s['config']}")
        with open(f"{d}/log.jsonl") as f:
            records = [json.loads(line) for line in f]
        check(all(r["config"]["accuracy"] == mode for r in records if r["type"] == "run"),
              f"{d}/log.jsonl run records do not say {mode}")
        with open(f"{d}/report.html") as f:
            html = f.read()
        wanted = "fast accuracy mode" if mode == "fast" else "faithful activations"
        check(wanted in html, f"{d}/report.html does not say {wanted!r}")
        losses[mode] = [[r["train_loss"] for r in records if r["type"] == "epoch"]]
    target = run("info").stdout
    if re.search(r"SIMD target: AVX", target):
        check(losses["fast"] != losses["faithful"],
              "the fast lab run trained exactly as the faithful one: the mode did not reach "
              "the activation calls")
    run("lab", *TINY, "--accuracy", "exact", "--out", f"{tmp}/lab-bad", rc=2,
        err="--accuracy: exact not in {faithful,fast}")
    check(not os.path.exists(f"{tmp}/lab-bad"), "a refused --accuracy wrote its output folder")

    # Experiments: `--experiment list` describes them; a tiny clipping sweep writes the usual
    # files, its plots as SVG files, and a report with the experiment's section.
    p = run("lab", "--experiment", "list",
            out=[f"{name}: " for name in ("depth", "dying-relu", "init", "batchnorm", "clipping")])
    run("lab", "--experiment", "clipping", "--dataset", "moons", "--rows", "300", "--epochs", "2",
        "-q", "--out", f"{tmp}/clip",
        out=["experiment clipping: ", "| relu | no clip |", "| tanh | clip 1 |",
             f"report: {tmp}/clip/report.html"])
    svgs = sorted(n for n in os.listdir(f"{tmp}/clip") if n.endswith(".svg"))
    check(svgs == ["experiment-clipping-gradient-norm.svg", "experiment-clipping-loss.svg"],
          f"the experiment's plots: {svgs}")
    with open(f"{tmp}/clip/report.html") as f:
        html = f.read()
    check('<section id="experiment">' in html and "Gradient clipping" in html,
          "the report's experiment section")
    # `activ report` on an experiment's directory rewrites its plots with the page, the same
    # bytes as the lab wrote; with -o, beside the page.
    plots = {}
    for name in svgs:
        with open(f"{tmp}/clip/{name}") as f:
            plots[name] = f.read()
        os.remove(f"{tmp}/clip/{name}")
    os.remove(f"{tmp}/clip/report.html")
    run("report", f"{tmp}/clip",
        out=[f"wrote {tmp}/clip/report.html", f"plots: {tmp}/clip/experiment-clipping-*.svg"])
    check(os.path.exists(f"{tmp}/clip/report.html"), "activ report wrote no page")
    os.makedirs(f"{tmp}/clip-page")
    run("report", f"{tmp}/clip", "-q", "-o", f"{tmp}/clip-page/r.html")
    for at in (f"{tmp}/clip", f"{tmp}/clip-page"):
        for name, svg in plots.items():
            if not os.path.exists(f"{at}/{name}"):
                check(False, f"activ report did not rewrite {at}/{name}")
                continue
            with open(f"{at}/{name}") as f:
                check(f.read() == svg, f"activ report's {at}/{name} differs from the lab's")
    with open(f"{tmp}/clip/summary.json") as f:
        summary = json.load(f)
    check(summary["experiment"]["name"] == "clipping" and len(summary["runs"]) == 4 and
          summary["runs"][3]["activation"] == "tanh · clip 1", "the merged summary")
    run("lab", "--experiment", "nosuch", "--out", f"{tmp}/nosuch", rc=1,
        err=["unknown experiment 'nosuch': depth, dying-relu, init, batchnorm, clipping"])
    check(not os.path.exists(f"{tmp}/nosuch"), "a failed experiment created its OUT")
    # A later run replaces the whole directory: the experiment's plots go with the rest.
    run("lab", *TINY, "--activations", "relu", "-q", "--out", f"{tmp}/clip")
    check(sorted(os.listdir(f"{tmp}/clip")) == sorted(OUTPUTS),
          f"{tmp}/clip holds {sorted(os.listdir(f'{tmp}/clip'))} after a plain run over it")

    # Every training flag reaches the lab's configuration; seeds are 1..N.
    run("lab", *TINY, "--activations", "tanh", "--seeds", "2", "--optimizer", "adamw", "--lr",
        "0.01", "--momentum", "0.5", "--batch", "16", "--init", "xavier_uniform",
        "--weight-decay", "0.001", "--clip", "1.5", "--l2", "0.0001", "--patience", "5",
        "--scaling", "minmax", "--val-fraction", "0.2", "--threads", "1", "--data-seed", "4",
        "--quiet", "--out", f"{tmp}/flags")
    with open(f"{tmp}/flags/summary.json") as f:
        summary = json.load(f)
    c = summary["config"]
    want = {"optimizer": "adamw", "lr": 0.01, "momentum": 0.5, "batch": 16,
            "init": "xavier_uniform", "weight_decay": 0.001, "clip": 1.5, "l2": 0.0001,
            "patience": 5, "hidden": [8], "epochs": 2, "seeds": [1, 2], "threads": 1}
    for k, v in want.items():
        check(c.get(k) == v, f"config {k} is {c.get(k)!r}, expected {v!r}")
    d = c["data"]
    check(d["source"] == "moons" and d["synthetic_rows"] == 300 and d["scaling"] == "minmax" and
          d["val_fraction"] == 0.2 and d["seed"] == 4, f"data config {d}")
    check([r["seed"] for r in summary["runs"]] == [1, 2], "--seeds 2 runs seeds 1 and 2")
    # Adam without --lr gets Adam's default, not SGD's 0.05.
    run("lab", *TINY, "--activations", "relu", "--optimizer", "adam", "-q", "--out", f"{tmp}/adam")
    with open(f"{tmp}/adam/summary.json") as f:
        check(json.load(f)["config"]["lr"] == 0.001, "adam's default learning rate")

    # Quiet: nothing on stderr. A terminal: a progress bar.
    p = run("lab", *TINY, "--activations", "relu", "-q", "--out", f"{tmp}/quiet")
    check(p.stderr == "", f"--quiet wrote {p.stderr!r}")
    shown = read_on_a_terminal([ARGS.activ, "lab", *TINY, "--activations", "relu,tanh",
                                "--out", f"{tmp}/tty"])
    check(b"\r[" in shown and b"] 100%" in shown and b"#" * 30 in shown,
          f"no progress bar on a terminal: {shown[-300:]!r}")

    # Interrupted while training: it dies of the signal and leaves no staging directory.
    os.makedirs(f"{tmp}/int")
    proc = subprocess.Popen([ARGS.activ, "lab", "--dataset", "moons", "--rows", "4000",
                             "--hidden", "64,64", "--epochs", "500", "--activations", "relu",
                             "--out", f"{tmp}/int"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    proc.stderr.readline()  # the heading, shown with the first epoch's line
    proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    check(proc.returncode == -signal.SIGINT, f"interrupted lab: exit status {proc.returncode}")
    check(os.listdir(f"{tmp}/int") == [], f"an interrupted lab left {os.listdir(f'{tmp}/int')}")
    staged = [n for n in os.listdir(tmp) if ".activ-" in n]
    check(staged == [], f"an interrupted lab left its staging directory: {staged}")

    # Errors: one line, nothing written, earlier outputs kept.
    with open(f"{out}/report.html") as f:
        before = f.read()
    run("lab", *TINY, "--activations", "relu,nope", "--out", out, rc=1,
        err="activ: unknown function 'nope'")
    run("lab", *TINY, "--activations", "relu,,tanh", "--out", out, rc=1,
        err="activ: --activations takes NAME[,NAME...], got 'relu,,tanh'")
    run("lab", *TINY, "--activations", "elu:alpha=x", "--out", out, rc=1,
        err="activ: cannot parse 'elu:alpha=x' at position 11: expected a number for alpha")
    run("lab", *TINY, "--hidden", "8,x", "--out", out, rc=1,
        err="activ: --hidden takes layer sizes from 1 to 1000000 like 512,256, got '8,x'")
    run("lab", *TINY, "--hidden", "relu/tanh", "--activations", "relu", "--out", out, rc=1,
        err="activ: --hidden takes layer sizes")
    run("lab", *TINY, "--activations", "relu/tanh", "--out", out, rc=1,
        err="activ: activation 'relu/tanh' names 2 layers, the network has 1 hidden layers")
    run("lab", *TINY, "--epochs", "0", "--out", out, rc=2, err="--epochs")
    run("lab", *TINY, "--lr", "-1", "--out", out, rc=2, err="--lr")
    run("lab", *TINY, "--optimizer", "rmsprop", "--out", out, rc=2,
        err="--optimizer: rmsprop not in {sgd,adam,adamw}")
    run("lab", *TINY, "--momentum", "1.5", "--out", out, rc=2, err="--momentum")
    run("lab", *TINY, "--seeds", "0", "--out", out, rc=2, err="--seeds")
    run("lab", *TINY, "--bogus", "--out", out, rc=2,
        err="The following argument was not expected: --bogus (see `activ lab --help`)")
    run("lab", *TINY, rc=2, err="--out is required")
    run("lab", *TINY, "--dataset", f"{tmp}/none.csv", "--out", out, rc=1,
        err=f"activ: {tmp}/none.csv: no such file")
    run("lab", *TINY, "--dataset", "spiralz", "--out", out, rc=1,
        err="activ: spiralz: no such file")
    with open(f"{tmp}/bad.csv", "w") as f:
        f.write("a,b,label\n1,2,0\n3,x7,1\n")
    run("lab", *TINY, "--dataset", f"{tmp}/bad.csv", "--out", out, rc=1,
        err=f"activ: {tmp}/bad.csv:3, column 2 ('b'): 'x7' is not a number")
    # A bad data file creates no OUT (the old code left an empty one), nor its parents.
    for name in ("new", "parent/new"):
        run("lab", *TINY, "--dataset", f"{tmp}/bad.csv", "--out", f"{tmp}/{name}", rc=1,
            err=f"activ: {tmp}/bad.csv:3, column 2 ('b'): 'x7' is not a number")
        check(not os.path.exists(f"{tmp}/{name}"), f"a failed lab created {tmp}/{name}")
    check(not os.path.exists(f"{tmp}/parent"), f"a failed lab created {tmp}/parent")
    check([n for n in os.listdir(tmp) if ".activ-" in n] == [], "a failed lab left a staging dir")
    # OUT is published whole, with one rename: an OUT that holds something the lab would have to
    # overwrite but cannot (here a directory named report.html) is refused before training, and
    # keeps every old file (the old code renamed the files in one at a time, so this run left
    # OUT with the new log and summaries beside the old report).
    shutil.copytree(out, f"{tmp}/half")
    os.remove(f"{tmp}/half/report.html")
    os.makedirs(f"{tmp}/half/report.html/x")
    with open(f"{tmp}/half/log.jsonl") as f:
        old_log = f.read()
    run("lab", *TINY, "--activations", "relu", "--out", f"{tmp}/half", rc=1,
        err=f"activ: cannot write {tmp}/half: it holds files this program did not write "
            "(report.html); give a new or an empty directory")
    with open(f"{tmp}/half/log.jsonl") as f:
        check(f.read() == old_log, "a refused lab changed OUT's log")
    # An OUT with files of its own is never replaced.
    os.makedirs(f"{tmp}/mine")
    with open(f"{tmp}/mine/notes.txt", "w") as f:
        f.write("mine")
    run("lab", *TINY, "--activations", "relu", "--out", f"{tmp}/mine", rc=1,
        err=f"activ: cannot write {tmp}/mine: it holds files this program did not write "
            "(notes.txt); give a new or an empty directory")
    check(os.listdir(f"{tmp}/mine") == ["notes.txt"], "a refused lab changed OUT")
    with open(f"{tmp}/file", "w") as f:
        f.write("x")
    run("lab", *TINY, "--out", f"{tmp}/file/sub", rc=1, err=f"activ: cannot write {tmp}/file/sub: ")
    run("lab", *TINY, "--out", f"{tmp}/file", rc=1, err=f"activ: cannot write {tmp}/file: ")
    with open(f"{out}/report.html") as f:
        check(f.read() == before, "a failed lab changed the earlier report")
    check(sorted(os.listdir(out)) == sorted(OUTPUTS), f"a failed lab left {os.listdir(out)}")


def write_points(path, rows, label=True, seed=0):
    """Two features and a label: which side of a circle a point lies on."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(rows, 2))
    y = (x[:, 0] ** 2 + x[:, 1] ** 2 < 0.5).astype(int)
    with open(path, "w") as f:
        f.write("x0,x1,label\n" if label else "x0,x1\n")
        for (a, b), c in zip(x, y):
            f.write(f"{a:.6f},{b:.6f},{c}\n" if label else f"{a:.6f},{b:.6f}\n")
    return y


def test_train(tmp):
    ckpt = f"{tmp}/m.ckpt"
    run("train", *TINY, "--activation", "tanh", "--seed", "3", "-o", ckpt,
        out=["tanh seed 3 (8 hidden, ", "test accuracy ", "after 2 epochs",
             f"checkpoint: {ckpt}"],
        err="lab: run 1/1 tanh seed 3, epoch 2/2: train loss ")
    check(os.path.getsize(ckpt) > 100, "no checkpoint")
    with open(ckpt, "rb") as f:
        check(f.read(8) == b"ACTIVLAB", "not a lab checkpoint")
    # Resuming continues the same run up to --epochs.
    run("train", *TINY, "--activation", "tanh", "--seed", "3", "--epochs", "3", "--resume", ckpt,
        "-o", f"{tmp}/m3.ckpt", "-q", out="after 3 epochs")
    shown = read_on_a_terminal([ARGS.activ, "train", *TINY, "-o", f"{tmp}/tty.ckpt"])
    check(b"\r[" in shown and b"] 100%" in shown, f"no progress bar: {shown[-200:]!r}")

    run("train", *TINY, "--activation", "nope", "-o", f"{tmp}/x.ckpt", rc=1,
        err="activ: unknown function 'nope'")
    run("train", *TINY, "-o", f"{tmp}/missing/x.ckpt", "-q", rc=1,
        err=f"activ: cannot write {tmp}/missing/x.ckpt: No such file or directory")
    run("train", *TINY, "--resume", f"{tmp}/none.ckpt", "-o", f"{tmp}/x.ckpt", "-q", rc=1,
        err=f"activ: {tmp}/none.ckpt")
    run("train", *TINY, "--batch", "0", "-o", f"{tmp}/x.ckpt", rc=2, err="--batch")
    run("train", *TINY, rc=2, err="--output is required")
    check(not os.path.exists(f"{tmp}/x.ckpt"), "a failed train left a checkpoint")


def test_predict(tmp):
    write_points(f"{tmp}/train.csv", 400)
    truth = write_points(f"{tmp}/test.csv", 100, seed=1)
    write_points(f"{tmp}/nolabel.csv", 50, label=False, seed=2)
    ckpt = f"{tmp}/m.ckpt"
    run("train", "--dataset", f"{tmp}/train.csv", "--hidden", "16", "--epochs", "3", "-q",
        "-o", ckpt)
    p = run("predict", ckpt, f"{tmp}/test.csv", "-o", f"{tmp}/pred.csv",
            out=["100 rows: accuracy ", f"predictions: {tmp}/pred.csv"])
    with open(f"{tmp}/pred.csv") as f:
        rows = list(csv.DictReader(f))
    check(list(rows[0].keys()) == ["row", "predicted", "label", "p0", "p1"],
          f"predictions header {list(rows[0].keys())}")
    check([int(r["label"]) for r in rows] == list(truth), "the labels are the file's")
    acc = float(re.search(r"accuracy ([\d.]+)%", p.stdout).group(1)) / 100
    mine = sum(r["predicted"] == r["label"] for r in rows) / len(rows)
    check(abs(acc - mine) < 0.006, f"accuracy {acc} differs from the predictions' {mine}")
    check(all(abs(float(r["p0"]) + float(r["p1"]) - 1) < 1e-5 for r in rows),
          "probabilities do not sum to 1")
    # Without a label column: as many columns as the network has inputs.
    run("predict", ckpt, f"{tmp}/nolabel.csv", "-o", f"{tmp}/pred2.csv", out="50 rows\n")
    with open(f"{tmp}/pred2.csv") as f:
        check(f.readline().strip() == "row,predicted,p0,p1", "header without labels")

    # Errors.
    with open(f"{tmp}/wide.csv", "w") as f:
        f.write("a,b,c,d,label\n1,2,3,4,0\n")
    run("predict", ckpt, f"{tmp}/wide.csv", "-o", f"{tmp}/x.csv", rc=1,
        err=f"activ: {tmp}/wide.csv: 4 features per row, the network in {ckpt} takes 2")
    with open(ckpt, "rb") as f:
        data = f.read()
    with open(f"{tmp}/cut.ckpt", "wb") as f:
        f.write(data[:len(data) // 2])
    run("predict", f"{tmp}/cut.ckpt", f"{tmp}/test.csv", "-o", f"{tmp}/x.csv", rc=1,
        err="checksum mismatch: the checkpoint is corrupt or was cut short")
    run("predict", f"{tmp}/none.ckpt", f"{tmp}/test.csv", "-o", f"{tmp}/x.csv", rc=1,
        err=f"activ: {tmp}/none.ckpt")
    run("predict", ckpt, f"{tmp}/none.csv", "-o", f"{tmp}/x.csv", rc=1,
        err=f"activ: {tmp}/none.csv")
    run("predict", ckpt, f"{tmp}/test.csv", "-o", f"{tmp}/missing/x.csv", rc=1,
        err=f"activ: cannot write {tmp}/missing/x.csv: No such file or directory")
    run("predict", ckpt, f"{tmp}/test.csv", rc=2, err="--output is required")
    check(not os.path.exists(f"{tmp}/x.csv"), "a failed predict left its output")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--activ", required=True)
    ap.add_argument("--accuracy", help="activ-accuracy, to compare with `activ check`")
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("groups", nargs="+")
    ARGS = ap.parse_args()
    ARGS.activ = os.path.abspath(ARGS.activ)
    for group in ARGS.groups:
        fn = globals().get("test_" + group)
        if fn is None:
            sys.exit(f"cli_test: unknown group {group}")
        with tempfile.TemporaryDirectory(prefix=f"activ-cli-{group}-") as tmp:
            fn(tmp)
    print(f"cli_test {' '.join(ARGS.groups)}: {len(FAILURES)} failure(s)")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
