"""activ against PyTorch (torch.nn.functional, torch 1.13), function by function.

Shared by test_vs_torch.py (which asserts) and python/make_doc.py (which writes the table of
docs/PYTHON.md). Each case runs activ and PyTorch on the same inputs, forward and gradient, and
measures both against activ's long double reference (reference/, through the test module
_activ_reference): where activ and PyTorch differ, the reference says which one is right, and
every element where PyTorch is off is put in one of the categories below, whose reasons the doc
states. An element that fits none is a failure: activ and PyTorch would compute different
functions there.
"""

import dataclasses

import numpy as np
import torch
import torch.nn.functional as F

import activ
import _activ_reference as ref

DTYPES = (np.float32, np.float64)

# activ's bounds against the reference, the spec's: 1 ULP forward; backward 2 ULP beyond the
# bound's second term 2^-p |dy x f''(x)| (ref.backward_error; no absolute |dy| allowance), for
# float32 and float64 alike (float64 forward measured here against the long double reference,
# whose own error is ~2^-11 of a double ULP).
F32_BOUND = {"forward": 1.0, "backward": 2.0}
F64_BOUND = {"forward": 1.0, "backward": 2.0}
F64_BACKWARD_EXCEPTIONS = {}

# PyTorch counts as agreeing with the reference within this many ULP (mixed for gradients).
TORCH_ACCURATE_ULP = 4.0
# A PyTorch error that is only lost precision (cancellation, a float32 intermediate, a tail
# flushed to 0) stays within this many epsilons of the input's scale, max(1, |x|) (times |dy|
# for gradients); a different function would be off by far more.
PRECISION_EPS = 64.0


def bound(name, dtype, direction):
    if dtype == np.float32:
        return F32_BOUND[direction]
    if direction == "forward":
        return F64_BOUND["forward"]
    return F64_BACKWARD_EXCEPTIONS.get(name, F64_BOUND["backward"])


@dataclasses.dataclass
class Case:
    name: str                 # activ's registry name
    params: dict              # activ's parameters
    torch_fn: object          # x -> PyTorch's result, differentiable
    torch_text: str           # the PyTorch call, for the doc
    kinks: tuple = ()         # where the spec fixes a one-sided derivative

    @property
    def label(self):
        p = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({p})" if p else self.name


def _prelu(w):
    return lambda x: F.prelu(x, torch.tensor([w], dtype=x.dtype))


CASES = [
    Case("identity", {}, lambda x: x * 1, "x (identity)"),
    Case("sigmoid", {}, torch.sigmoid, "torch.sigmoid(x)"),
    Case("tanh", {}, torch.tanh, "torch.tanh(x)"),
    Case("relu", {}, F.relu, "F.relu(x)", (0.0,)),
    Case("leaky_relu", {}, F.leaky_relu, "F.leaky_relu(x)", (0.0,)),
    Case("leaky_relu", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2),
         "F.leaky_relu(x, 0.2)", (0.0,)),
    Case("prelu", {}, _prelu(0.25), "F.prelu(x, tensor([0.25]))", (0.0,)),
    Case("prelu", {"weight": -0.5}, _prelu(-0.5), "F.prelu(x, tensor([-0.5]))", (0.0,)),
    Case("rrelu", {}, lambda x: F.rrelu(x, training=False), "F.rrelu(x, training=False)", (0.0,)),
    Case("rrelu", {"lower": 0.1, "upper": 0.3}, lambda x: F.rrelu(x, 0.1, 0.3, training=False),
         "F.rrelu(x, 0.1, 0.3, training=False)", (0.0,)),
    Case("elu", {}, F.elu, "F.elu(x)", (0.0,)),
    Case("elu", {"alpha": 0.5}, lambda x: F.elu(x, 0.5), "F.elu(x, 0.5)", (0.0,)),
    Case("selu", {}, F.selu, "F.selu(x)", (0.0,)),
    Case("celu", {}, F.celu, "F.celu(x)", (0.0,)),
    Case("celu", {"alpha": 2.0}, lambda x: F.celu(x, 2.0), "F.celu(x, 2.0)", (0.0,)),
    Case("softplus", {}, F.softplus, "F.softplus(x)", (20.0,)),
    Case("softplus", {"beta": 2.0, "threshold": 10.0}, lambda x: F.softplus(x, 2.0, 10.0),
         "F.softplus(x, 2, 10)", (5.0,)),
    Case("logsigmoid", {}, F.logsigmoid, "F.logsigmoid(x)"),
    Case("softsign", {}, F.softsign, "F.softsign(x)"),
    Case("gelu", {}, F.gelu, "F.gelu(x)"),
    Case("gelu_tanh", {}, lambda x: F.gelu(x, approximate="tanh"),
         "F.gelu(x, approximate='tanh')"),
    Case("silu", {}, F.silu, "F.silu(x)"),
    Case("mish", {}, F.mish, "F.mish(x)"),
    Case("hardtanh", {}, F.hardtanh, "F.hardtanh(x)", (-1.0, 1.0)),
    Case("hardtanh", {"min_val": -2.0, "max_val": 3.0}, lambda x: F.hardtanh(x, -2.0, 3.0),
         "F.hardtanh(x, -2, 3)", (-2.0, 3.0)),
    Case("relu6", {}, F.relu6, "F.relu6(x)", (0.0, 6.0)),
    Case("hardsigmoid", {}, F.hardsigmoid, "F.hardsigmoid(x)", (-3.0, 3.0)),
    Case("hardswish", {}, F.hardswish, "F.hardswish(x)", (-3.0, 3.0)),
    Case("threshold", {"threshold": 0.5, "value": -2.0}, lambda x: F.threshold(x, 0.5, -2.0),
         "F.threshold(x, 0.5, -2)", (0.5,)),
    Case("threshold", {"threshold": -1.0, "value": 5.0}, lambda x: F.threshold(x, -1.0, 5.0),
         "F.threshold(x, -1, 5)", (-1.0,)),
    Case("hardshrink", {}, F.hardshrink, "F.hardshrink(x)", (-0.5, 0.5)),
    Case("hardshrink", {"lambd": 1.0}, lambda x: F.hardshrink(x, 1.0), "F.hardshrink(x, 1)",
         (-1.0, 1.0)),
    Case("softshrink", {}, F.softshrink, "F.softshrink(x)", (-0.5, 0.5)),
    Case("softshrink", {"lambd": 0.25}, lambda x: F.softshrink(x, 0.25), "F.softshrink(x, 0.25)",
         (-0.25, 0.25)),
    Case("tanhshrink", {}, F.tanhshrink, "F.tanhshrink(x)"),
]

# Why PyTorch is off, by category; per function, the categories its comparison may show, with
# the reason in PyTorch's formula (torch 1.13, aten/src/ATen/native/cpu kernels).
CATEGORIES = {
    "nan_in": "NaN in: activ gives NaN (the spec); PyTorch a number",
    "inf_nan": "PyTorch gives inf or NaN where the exact value is finite",
    "tail": "PyTorch flushes a nonzero tail to 0",
    "precision": "PyTorch loses precision (error far above a few ULP, small against the input)",
    "kink": "the two take a different one-sided derivative at a kink",
    "f32": "PyTorch's float64 result is float32-accurate only (a float32 constant)",
}

_NAN_GRAD = "gradient at NaN: PyTorch's mask (x > 0, |x| > lambd, ...) is false for NaN, so it "
REASONS = {
    "identity": {"nan_in": "gradient at NaN: PyTorch passes dy on; activ returns NaN for a NaN x"},
    "sigmoid": {
        "tail": "1/(1+e^-x) underflows to 0 below x = -88 in float32 (activ: 3.8e-44 at -100, "
                "a subnormal), below -709 in float64",
        "precision": "gradient from the output, dy*y*(1-y): 1-y cancels for x > 2 (float32 "
                     "x = 10: 1.7e4 ULP)"},
    "tanh": {"tail": "gradient from the output, dy*(1-y^2): 0 once y rounds to +-1 (|x| > 9 "
                     "in float32, > 19 in float64)",
             "precision": "gradient from the output, dy*(1-y^2): 1-y^2 cancels for |x| > 3"},
    "relu": {"nan_in": _NAN_GRAD + "returns dy or 0"},
    "leaky_relu": {"nan_in": _NAN_GRAD + "returns negative_slope*dy"},
    "prelu": {"nan_in": _NAN_GRAD + "returns weight*dy"},
    "rrelu": {"nan_in": _NAN_GRAD + "returns the mean slope times dy"},
    "elu": {"nan_in": _NAN_GRAD + "returns dy",
            "tail": "alpha*(e^x - 1) (not expm1) is 0 once e^x rounds to 1 (|x| < 2^-25 in "
                    "float32, 2^-54 in float64): elu(-1e-30) = 0",
            "precision": "alpha*(e^x - 1) (not expm1) cancels near 0: elu(-1e-6) = -1.013e-6 in "
                         "float32"},
    "selu": {"nan_in": _NAN_GRAD + "returns scale*dy",
             "tail": "e^x - 1 (not expm1) is 0 for |x| < 2^-25",
             "precision": "e^x - 1 (not expm1) cancels near 0"},
    "celu": {"nan_in": _NAN_GRAD + "returns dy",
             "tail": "e^(x/alpha) - 1 (not expm1) is 0 for tiny |x|",
             "precision": "e^(x/alpha) - 1 (not expm1) cancels near 0"},
    "softplus": {},
    "logsigmoid": {},
    "softsign": {"inf_nan": "x/(1+|x|) is inf/inf = NaN at x = +-inf, and so is its gradient",
                 "precision": "autograd's gradient of x/(1+|x|) is 1/(1+|x|) - |x|/(1+|x|)^2, "
                              "two terms that cancel for large |x|: at x = 1e4 it is 940 ULP "
                              "off in float32 and 539 ULP in float64",
                 "tail": "the same difference is 0 once the terms round equal: the gradient "
                         "at x = 1e20 is 0 (activ 1e-40 in float32)"},
    "gelu": {"inf_nan": "x*0.5*(1+erf(x/sqrt 2)) is -inf*0 = NaN at x = -inf; the gradient at "
                        "+-inf too",
             "tail": "1+erf(x/sqrt 2) cancels to 0: gelu(-6) = 0 in float32 (activ -5.9e-9), "
                     "gelu(-10) = 0 in float64 (activ -7.6e-23)",
             "precision": "1+erf(x/sqrt 2) cancels for x < -1: gelu(-3) is 372 ULP off in "
                          "float32; the gradient up to 300 ULP"},
    "gelu_tanh": {"inf_nan": "NaN at x = -inf, and in the gradient for |x| > ~1e13 "
                             "(x^3 overflows, then inf*0)",
                  "tail": "1+tanh(u) cancels to 0: gelu_tanh(-6) = -0 in float32 (activ "
                          "-8.4e-11)",
                  "precision": "1+tanh(u) cancels for x < -2"},
    "silu": {"inf_nan": "x/(1+e^-x) is -inf/inf = NaN at x = -inf, and so is the gradient",
             "tail": "x/(1+e^-x) underflows to -0 for x < -88 in float32 (activ: silu(-90) = "
                     "-7.4e-38)",
             "precision": "gradient dy*s*(1+x*(1-s)): 1-s cancels for x > 4 (a few ULP)"},
    "mish": {"inf_nan": "x*tanh(softplus(x)) is -inf*0 = NaN at x = -inf",
             "tail": "x*tanh(softplus(x)) is -0 below x = -103 in float32 (subnormal results)",
             "precision": "x*tanh(softplus(x)) rounds softplus and tanh separately: tens to "
                          "hundreds of ULP in the subnormal tail (x < -88 in float32, < -709 in "
                          "float64), and in the gradient where it crosses 0 (x = -1.19)"},
    "hardtanh": {"nan_in": _NAN_GRAD + "returns dy"},
    "relu6": {"nan_in": _NAN_GRAD + "returns dy"},
    "hardsigmoid": {"nan_in": _NAN_GRAD + "returns 0",
                    "f32": "float64 gradient: dy/6 with 1/6 rounded to float32 (relative error "
                           "3e-8)"},
    "hardswish": {"nan_in": _NAN_GRAD + "returns dy",
                  "inf_nan": "x*(x+3)/6 overflows to inf for |x| > 1.8e19 (float32), and is "
                             "-inf*0 = NaN at x = -inf",
                  "kink": "hardswish'(3): 1 in PyTorch's vectorized loop (x >= 3 takes the "
                          "linear side), 1.5 in its scalar loop; activ follows the spec, 1.5"},
    "threshold": {"nan_in": _NAN_GRAD + "returns dy"},
    "hardshrink": {"nan_in": _NAN_GRAD + "returns dy"},
    "softshrink": {"nan_in": "softshrink(NaN) is 0 in PyTorch (neither x > lambd nor x < -lambd "
                             "holds) and its gradient is dy"},
    "tanhshrink": {"tail": "x - tanh(x) is 0 once tanh(x) rounds to x: |x| < 4e-4 in float32, "
                           "1.8e-8 in float64 (activ: x^3/3)",
                   "precision": "x - tanh(x) cancels for |x| < 1; the gradient, from tanh(x)^2, "
                                "a few ULP"},
}


def special_inputs(dtype, kinks=()):
    """Zeros, infinities, NaN, subnormals, the largest values, tails, and the kinks with their
    neighbours, both signs."""
    fi = np.finfo(dtype)
    magnitudes = [0.0, 1e-30, 1e-6, 1e-3, 0.01, 0.1, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 16, 20, 30,
                  40, 50, 60, 80, 88, 90, 100, 200, 500, 700, 710, 1000, 1e5, 1e10, 1e20, 1e30,
                  3e38, float(fi.tiny), float(fi.smallest_subnormal), float(fi.max), np.inf]
    values = [v for m in magnitudes for v in (m, -m)]
    for k in kinks:
        k = dtype(k)
        values += [k, np.nextafter(k, dtype(-np.inf)), np.nextafter(k, dtype(np.inf))]
    values.append(np.nan)
    with np.errstate(over="ignore"):
        return np.unique(np.array(values, dtype=dtype))  # NaN last


def random_inputs(dtype, n, seed):
    """Where the functions have their shape, a wide uniform range, and random magnitudes from
    1e-8 to 1e8 of either sign."""
    rng = np.random.default_rng(seed)
    k = n // 3
    mags = 10.0 ** rng.uniform(-8, 8, n - 2 * k) * rng.choice([-1.0, 1.0], n - 2 * k)
    x = np.concatenate([rng.standard_normal(k) * 3, rng.uniform(-100, 100, k), mags])
    return x.astype(dtype), rng.standard_normal(n).astype(dtype)


def ulp_diff(a, b, dy=None):
    """|a - b| in ULP of the type at the larger of the two; NaN against NaN and equal infinities
    count 0. With dy (gradients), a difference within 2^(1-p) |dy| counts 0: the spec's mixed
    bound lets each of the two be 2^-p |dy| off the exact value."""
    fi = np.finfo(a.dtype)
    la, lb = a.astype(np.longdouble), b.astype(np.longdouble)
    m = np.maximum(np.abs(la), np.abs(lb))
    with np.errstate(all="ignore"):
        spacing = np.where(m < fi.tiny, np.longdouble(fi.smallest_subnormal),
                           np.ldexp(np.longdouble(1), np.frexp(m)[1] - fi.nmant - 1))
        d = np.abs(la - lb) / spacing
        if dy is not None:
            d = np.where(np.abs(la - lb) <= np.abs(dy.astype(np.longdouble)) * fi.eps, 0, d)
    d = np.where(np.isnan(la) & np.isnan(lb), 0, d)
    d = np.where(np.isnan(la) != np.isnan(lb), np.inf, d)
    d = np.where(np.isinf(la) & (la == lb), 0, d)
    return d.astype(np.float64)


@dataclasses.dataclass
class Measured:
    """One direction of one case on one set of inputs, flattened."""
    x: np.ndarray
    dy: np.ndarray            # None for the forward direction
    activ: np.ndarray
    torch: np.ndarray
    exact: np.ndarray         # the reference (rounded to double)
    activ_err: np.ndarray     # ULP against the reference (mixed for gradients)
    torch_err: np.ndarray
    diff: np.ndarray          # activ against PyTorch, in ULP (mixed for gradients)
    category: np.ndarray      # "" where PyTorch is accurate, else a key of CATEGORIES or "?"


def _classify(case, x, dy, t, exact, torch_err, eps=None, accurate=TORCH_ACCURATE_ULP):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    scale = np.maximum(1.0, np.abs(x.astype(np.float64)))
    if dy is not None:
        scale = scale * np.abs(dy.astype(np.float64))
    with np.errstate(all="ignore"):
        lost = np.abs(t.astype(np.float64) - exact) <= PRECISION_EPS * eps * scale
    nan_in = np.isnan(x) if dy is None else np.isnan(x) | np.isnan(dy)
    kink = np.isin(x, np.array(case.kinks, dtype=x.dtype))
    cat = np.full(x.shape, "?", dtype=object)
    cat[lost] = "precision"
    cat[lost & (t == 0)] = "tail"
    if x.dtype == np.float64:
        with np.errstate(all="ignore"):
            f32 = np.abs(t - exact) <= np.finfo(np.float32).eps * np.abs(exact)
        cat[f32 & ~lost] = "f32"
    cat[kink & ~lost] = "kink"
    cat[~np.isfinite(t) & np.isfinite(exact)] = "inf_nan"
    cat[nan_in] = "nan_in"
    cat[torch_err <= accurate] = ""
    return cat


def run(case, x, dy):
    """Forward and gradient of `case` on x (any shape; dy the same shape) by activ and PyTorch.
    Returns {"forward": Measured, "backward": Measured}."""
    a = activ.forward(case.name, x, **case.params)
    ga = activ.backward(case.name, x, dy, **case.params)
    xt = torch.tensor(x, requires_grad=True)
    yt = case.torch_fn(xt)
    yt.backward(torch.from_numpy(dy))
    t, gt = yt.detach().numpy(), xt.grad.numpy()
    xf, dyf = x.ravel(), dy.ravel()
    a, ga, t, gt = (np.ascontiguousarray(v).ravel() for v in (a, ga, t, gt))
    out = {}
    exact = ref.reference(case.name, xf, case.params)
    e_a = ref.forward_error(case.name, xf, a, case.params)
    e_t = ref.forward_error(case.name, xf, t, case.params)
    out["forward"] = Measured(xf, None, a, t, exact, e_a, e_t, ulp_diff(a, t),
                              _classify(case, xf, None, t, exact, e_t))
    with np.errstate(all="ignore"):
        gexact = dyf.astype(np.float64) * ref.reference(case.name, xf, case.params,
                                                        derivative=True)
    ge_a = ref.backward_error(case.name, xf, dyf, ga, case.params)
    ge_t = ref.backward_error(case.name, xf, dyf, gt, case.params)
    out["backward"] = Measured(xf, dyf, ga, gt, gexact, ge_a, ge_t, ulp_diff(ga, gt, dyf),
                               _classify(case, xf, dyf, gt, gexact, ge_t))
    return out


SHAPES = [(), (1,), (257,), (31, 33), (3, 4, 5, 7)]


def shaped_inputs(dtype, seed=7):
    """Random inputs in several shapes, one of them a non-contiguous view: (x, dy) pairs."""
    out = []
    for i, shape in enumerate(SHAPES):
        n = int(np.prod(shape))
        x, dy = random_inputs(dtype, max(n, 3), seed + i)
        out.append((x[:n].reshape(shape), dy[:n].reshape(shape)))
    x, dy = random_inputs(dtype, 40 * 30, seed + 99)
    out.append((x.reshape(40, 30).T[::2], dy.reshape(40, 30).T[::2]))  # strided, transposed
    return out


def special_set(case, dtype):
    """The special inputs with dy = 1, plus NaN upstream gradients at x = -1, 0.5 and 2."""
    x = special_inputs(dtype, case.kinks)
    dy = np.ones_like(x)
    x = np.concatenate([x, np.array([-1, 0.5, 2], dtype)])
    dy = np.concatenate([dy, np.full(3, np.nan, dtype)])
    return x, dy


# 16-bit storage: (precision p, smallest normal exponent, largest finite value) of each format,
# and PyTorch's dtype for it. activ's 16-bit result is a float32 result rounded once more (the
# fast kernels' where the function has one: within 4 ULP forward, 8 beyond the bound backward;
# the faithful ones' elsewhere), so it is within half a 16-bit ULP of the exact value plus a few
# float32 ULP, each 2^-13 of a float16 ULP and 2^-16 of a bfloat16 one: BOUND16 allows 8 for
# float16 (the backward passes measured here stay within it).
FORMATS16 = {"bfloat16": (8, -126, 3.3895313892515355e38), "float16": (11, -14, 65504.0)}
TORCH16 = {"bfloat16": torch.bfloat16, "float16": torch.float16}
BOUND16 = 0.5 + 2.0**-10
# PyTorch counts as agreeing with the reference within one 16-bit ULP: it computes in float32
# with a few float32 ULP of error and rounds, so near a midpoint it may take the other neighbour.
TORCH_ACCURATE_ULP16 = 1.0

# What PyTorch 1.13 cannot run on CPU in 16 bits ("not implemented for 'Half'" or
# 'BFloat16'): (function, format, direction). float16 has almost nothing on CPU.
TORCH16_MISSING = {(c.name, "float16", d) for c in CASES for d in ("forward", "backward")
                   if c.name not in ("identity", "softsign")}
TORCH16_MISSING |= {("mish", "bfloat16", "forward"), ("mish", "bfloat16", "backward"),
                    ("hardtanh", "bfloat16", "backward"), ("relu6", "bfloat16", "backward")}

# Reasons for the differences that 16 bits add to those of REASONS.
REASONS16 = {
    "softsign": {"precision": "PyTorch has no softsign kernel: x/(1+|x|) is two 16-bit "
                              "operations, 1+|x| rounded to 16 bits before the division (up to 2 "
                              "16-bit ULP, forward and gradient)"},
}


def ulp16_error(v, exact, fmt, dy=None, dy_scale=1.0):
    """|v - exact| in ULP of the 16-bit format at the exact value; an infinity of the right sign
    where the exact value rounds to it (at or past the midpoint above the largest finite value)
    counts 0. With dy (gradients), an
    error within dy_scale * 2^-p |dy| counts 0 (the spec's mixed measure)."""
    p, emin, largest = FORMATS16[fmt]
    v = np.asarray(v, np.float64)
    exact = np.asarray(exact, np.float64)
    with np.errstate(all="ignore"):
        m = np.abs(exact)
        e = np.maximum(np.floor(np.log2(np.where(m > 0, m, 1.0))), emin)
        e = np.where(m > 0, e, emin)
        spacing = np.ldexp(1.0, (e - p + 1).astype(np.int64))
        d = np.abs(v - exact) / spacing
        if dy is not None:
            d = np.where(np.abs(v - exact) <= dy_scale * 2.0**-p * np.abs(dy), 0, d)
    d = np.where(np.isnan(v) & np.isnan(exact), 0, d)
    d = np.where(np.isnan(v) != np.isnan(exact), np.inf, d)
    d = np.where(np.isinf(v) & (v == exact), 0, d)
    overflow = largest + 2.0**(np.floor(np.log2(largest)) - p)
    d = np.where(np.isinf(v) & np.isfinite(exact) & (m >= overflow)
                 & (np.sign(v) == np.sign(exact)), 0, d)
    return d


def _to16(a, fmt):
    with np.errstate(over="ignore"):
        return torch.from_numpy(np.ascontiguousarray(a, np.float32)).to(TORCH16[fmt])


def inputs16(case, fmt):
    """(label, x, dy) sets of 16-bit tensors: the special values (and the kinks' 16-bit
    neighbours, the format's subnormals and largest value), random inputs of several shapes with
    a strided view, and a wide random set."""
    p, emin, largest = FORMATS16[fmt]
    x, dy = special_set(case, np.float32)
    extra = [2.0**(emin - p + 1), 2.0**emin, largest]
    for k in case.kinks:
        k16 = _to16([k], fmt).float().item()
        step = 2.0**(max(np.floor(np.log2(abs(k16))), emin) - p + 1) if k16 else 2.0**(emin - p + 1)
        extra += [k16 - step, k16 + step]
    extra = np.array([v for e in extra for v in (e, -e)], np.float32)
    x = np.concatenate([extra, x])
    dy = np.concatenate([np.ones_like(extra), dy])
    sets = [("special values", _to16(x, fmt), _to16(dy, fmt))]
    for xs, dys in shaped_inputs(np.float32):
        sets.append((f"random {xs.shape}", _to16(xs, fmt), _to16(dys, fmt)))
    xs, dys = random_inputs(np.float32, 40 * 30, 99)
    sets.append(("random strided", _to16(xs, fmt).reshape(40, 30).t()[::2],
                 _to16(dys, fmt).reshape(40, 30).t()[::2]))
    xs, dys = random_inputs(np.float32, 6000, 11)
    sets.append(("random wide", _to16(xs, fmt), _to16(dys, fmt)))
    return sets


def _classify16(case, x, dy, t, exact, torch_err, p):
    cat = _classify(case, x, dy, t, exact, torch_err, 2.0**(1 - p), TORCH_ACCURATE_ULP16)
    # A 16-bit ULP is so coarse that a one-sided derivative taken on the other side of a kink
    # (hardswish'(3): 1 against 1.5) is within "precision"'s reach; at a kink, it is the kink.
    cat[np.isin(x, np.array(case.kinks, x.dtype)) & (cat == "precision")] = "kink"
    return cat


def _torch16(case, x, dy):
    """PyTorch's forward and gradient in x's 16-bit dtype, None where it has no CPU kernel."""
    xt = x.detach().clone().requires_grad_()
    try:
        yt = case.torch_fn(xt)
    except RuntimeError as e:
        if "not implemented for" not in str(e):
            raise
        return None, None
    try:
        yt.backward(dy)
        g = xt.grad
    except RuntimeError as e:
        if "not implemented for" not in str(e):
            raise
        g = None
    return yt.detach(), g


def run16(case, x, dy, fmt):
    """Forward and gradient of `case` on the 16-bit tensors x and dy by activ (its 16-bit entry
    points, through the raw bits) and by PyTorch in the same dtype, both measured against the
    reference on the widened inputs. {"forward": Measured or None, "backward": ...}: None where
    PyTorch has no CPU kernel for that dtype."""
    bits = lambda t: t.detach().view(torch.int16).numpy()  # noqa: E731
    widen = lambda t: t.detach().float().reshape(-1).numpy()  # noqa: E731
    a = activ.forward(case.name, bits(x), storage=fmt, **case.params)
    ga = activ.backward(case.name, bits(x), bits(dy), storage=fmt, **case.params)
    a = widen(torch.from_numpy(np.ascontiguousarray(a).view(np.int16)).view(TORCH16[fmt]))
    ga = widen(torch.from_numpy(np.ascontiguousarray(ga).view(np.int16)).view(TORCH16[fmt]))
    t, gt = _torch16(case, x, dy)
    xf, dyf = widen(x), widen(dy)
    p = FORMATS16[fmt][0]
    out = {}
    exact = ref.reference(case.name, xf, case.params)
    e_a = ulp16_error(a, exact, fmt)
    if t is None:
        out["forward"] = None
    else:
        t = widen(t)
        e_t = ulp16_error(t, exact, fmt)
        diff = ulp16_error(a, t.astype(np.float64), fmt)
        out["forward"] = Measured(xf, None, a, t, exact, e_a, e_t, diff,
                                  _classify16(case, xf, None, t, exact, e_t, p))
    with np.errstate(all="ignore"):
        gexact = dyf.astype(np.float64) * ref.reference(case.name, xf, case.params,
                                                        derivative=True)
    ge_a = ulp16_error(ga, gexact, fmt, dyf)
    if gt is None:
        out["backward"] = None
    else:
        gt = widen(gt)
        ge_t = ulp16_error(gt, gexact, fmt, dyf)
        diff = ulp16_error(ga, gt.astype(np.float64), fmt, dyf, 2.0)
        out["backward"] = Measured(xf, dyf, ga, gt, gexact, ge_a, ge_t, diff,
                                   _classify16(case, xf, dyf, gt, gexact, ge_t, p))
    # activ's own error is measured even where PyTorch has nothing to compare with.
    out["activ"] = {"forward": (xf, a, exact, e_a), "backward": (xf, ga, gexact, ge_a)}
    return out
