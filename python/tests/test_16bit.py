"""16-bit arrays: NumPy float16 in every element-wise function, the softmax family and the gated
units (bfloat16 as int16 bits with storage=), torch.float16 and torch.bfloat16 tensors in
activ.torch, and both against PyTorch where PyTorch 1.13 has the function on CPU.

activ's 16-bit results are, by the spec and include/activ/activ.h, the float32 result rounded
once more to nearest even; so every 16-bit call here must give exactly the bits of the float32
call on the widened inputs, rounded (NumPy's and PyTorch's float32 -> 16-bit conversions round
to nearest even too). Against PyTorch the two may differ: PyTorch computes a bfloat16 function in
float32 with its float32 error and rounds that (or rounds every step of a composite formula), so
near a rounding midpoint or where its float32 formula loses precision it lands elsewhere;
torch_cases.run16 measures both against the long double reference and the test asserts that
every difference is PyTorch's, in a category with a written reason.
"""

import unittest

import numpy as np
import torch
import torch.nn as nn

import activ
import activ.torch as at
import torch_cases as tc

torch.set_num_threads(1)

PARAMS = {"threshold": {"threshold": 0.5, "value": -2.0}, "rrelu": {"training": True, "seed": 3}}
ARGS = {"threshold": (0.5, -2.0)}


def _inputs16(n=3000, seed=0):
    """float16 inputs: the special values float16 has (its subnormals, largest value, infinities,
    NaN) and random ones, with random upstream gradients."""
    fi = np.finfo(np.float16)
    special = [0.0, 1e-3, 0.1, 0.5, 1, 2, 3, 6, 10, 20, 88, 1000, 60000, float(fi.tiny),
               float(fi.smallest_subnormal), float(fi.max), np.inf]
    values = np.array([v for m in special for v in (m, -m)] + [np.nan], np.float16)
    x, dy = tc.random_inputs(np.float32, n, seed)
    with np.errstate(over="ignore"):
        x = np.concatenate([values, x.astype(np.float16)])
        dy = np.concatenate([np.ones(values.size, np.float16), dy.astype(np.float16)])
    return x, dy


def assert_same_bits(test, got, want, what=""):
    """Equal bits, any NaN matching any NaN (NumPy and activ may quiet NaN payloads apart)."""
    g = np.asarray(got)
    w = np.asarray(want)
    test.assertEqual((g.shape, g.dtype), (w.shape, w.dtype), what)
    gn, wn = np.isnan(g.astype(np.float32)), np.isnan(w.astype(np.float32))
    np.testing.assert_array_equal(gn, wn, what)
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[g.itemsize]
    bad = np.nonzero((g.view(bits) != w.view(bits)) & ~gn)[0]
    if bad.size:
        i = bad[0]
        test.fail(f"{what}: {bad.size} elements differ, first at {i}: {g.ravel()[i]!r} against "
                  f"{w.ravel()[i]!r}")


class Float16Arrays(unittest.TestCase):
    # A 16-bit result is the fast mode's float32 result rounded once (the fast kernels where the
    # function has one for that direction: within one 16-bit step of the correctly rounded value,
    # docs/SPEC.md), the gradient from y the faithful one's.
    def test_every_function_is_the_float32_result_rounded_once(self):
        x, dy = _inputs16()
        x32, dy32 = x.astype(np.float32), dy.astype(np.float32)
        for name, op in activ.OPS.items():
            p = PARAMS.get(name, {})
            with self.subTest(name=name), np.errstate(over="ignore", invalid="ignore"):
                y = activ.forward(name, x, **p)
                assert_same_bits(self, y, activ.forward(name, x32, accuracy="fast", **p)
                                 .astype(np.float16), name)
                assert_same_bits(self, activ.backward(name, x, dy, **p),
                                 activ.backward(name, x32, dy32, accuracy="fast", **p)
                                 .astype(np.float16),
                                 name + "_backward")
                if op["from_y"]:
                    assert_same_bits(
                        self, activ.backward_from_y(name, y, dy, **p),
                        activ.backward_from_y(name, y.astype(np.float32), dy32, **p).astype(
                            np.float16), name + "_backward_from_y")

    def test_parameter_gradients(self):
        x, dy = _inputs16(500, seed=1)
        x, dy = x[np.isfinite(x)], dy[np.isfinite(x)]
        for name, p in [("silu", {"beta": 1.5}), ("prelu", {"weight": 0.25})]:
            dx, g = activ.backward(name, x, dy, param_grad=True, **p)
            dx32, g32 = activ.backward(name, x.astype(np.float32), dy.astype(np.float32),
                                       param_grad=True, accuracy="fast", **p)
            # Summed in double from the same widened values.
            self.assertEqual(g, g32, name)
            assert_same_bits(self, dx, dx32.astype(np.float16), name)

    def test_mixed_forms(self):
        x, dy = _inputs16(1000, seed=2)
        x32 = tc.random_inputs(np.float32, 1000, 5)[0]
        dy32 = dy.astype(np.float32) * np.float32(1.0001)  # not float16 values
        for name in ("gelu", "silu", "tanh", "elu"):
            with self.subTest(name=name), np.errstate(over="ignore"):
                out = np.empty(x32.shape, np.float16)
                self.assertIs(activ.forward(name, x32, out=out), out)
                assert_same_bits(self, out, activ.forward(name, x32, accuracy="fast")
                                 .astype(np.float16), name)
                dx = activ.backward(name, x, dy32)
                self.assertEqual(dx.dtype, np.float32)
                assert_same_bits(self, dx, activ.backward(name, x.astype(np.float32), dy32), name)

    def test_layouts_out_and_in_place(self):
        base = _inputs16(24 * 10, seed=3)[0][:240].reshape(24, 10)
        want = activ.gelu(np.ascontiguousarray(base))
        for shape in [(), (0,), (1,), (3, 0, 2), (2, 3, 4, 5)]:
            x = np.full(shape, 0.75, np.float16)
            y = activ.gelu(x)
            self.assertEqual((y.shape, y.dtype), (shape, np.float16))
        views = {"transposed": lambda a: a.T, "strided": lambda a: a[::2, 1::3],
                 "reversed": lambda a: a[::-1, ::-2], "fortran": np.asfortranarray}
        for what, view in views.items():
            with self.subTest(view=what):
                assert_same_bits(self, activ.gelu(view(base)), np.ascontiguousarray(view(want)))
        self.assertTrue(activ.gelu(np.asfortranarray(base)).flags.f_contiguous)
        out = np.empty_like(base)
        self.assertIs(activ.gelu(base, out=out), out)
        assert_same_bits(self, out, want)
        y = base.copy()
        activ.gelu(y, out=y)
        assert_same_bits(self, y, want)
        flat = base.ravel()
        buf = np.concatenate([flat, np.zeros(1, np.float16)])
        activ.gelu(buf[:-1], out=buf[1:])  # overlapping: x is copied first
        assert_same_bits(self, buf[1:], want.ravel())
        # A float16 out over float32 x's own memory: the element sizes differ, so x is copied.
        x32 = base.astype(np.float32).ravel()
        activ.gelu(x32, out=x32.view(np.float16)[:x32.size])
        assert_same_bits(self, x32.view(np.float16)[:x32.size], want.ravel())

    def test_bfloat16_bits_with_storage(self):
        x = torch.randn(1000, dtype=torch.float32).to(torch.bfloat16) * 4
        dy = torch.randn(1000).to(torch.bfloat16)
        bits = x.view(torch.int16).numpy()
        y = activ.forward("gelu", bits, storage="bfloat16")
        self.assertEqual(y.dtype, np.uint16)  # a new bfloat16 result comes as uint16 bits
        want = torch.from_numpy(activ.gelu(x.float().numpy(), accuracy="fast")).to(torch.bfloat16)
        np.testing.assert_array_equal(y.view(np.int16), want.view(torch.int16).numpy())
        dx = activ.backward("gelu", bits, dy.view(torch.int16).numpy(), storage="bfloat16")
        want = torch.from_numpy(activ.gelu_backward(x.float().numpy(), dy.float().numpy(),
                                                    accuracy="fast"))
        np.testing.assert_array_equal(dx.view(np.int16),
                                      want.to(torch.bfloat16).view(torch.int16).numpy())
        # storage="float16" reads the same integer arrays as float16 bits.
        h = np.linspace(-3, 3, 50).astype(np.float16)
        np.testing.assert_array_equal(
            activ.forward("gelu", h.view(np.int16), storage="float16").view(np.float16),
            activ.gelu(h))


class Errors(unittest.TestCase):
    def assertError(self, fn, *pieces):
        with self.assertRaises(activ.Error) as cm:
            fn()
        for piece in pieces:
            self.assertIn(piece, str(cm.exception))

    def test_messages(self):
        h = np.ones((2, 4), np.float16)
        self.assertError(lambda: activ.gelu_backward(h, h.astype(np.float64)),
                         "activ.gelu_backward: dy has dtype float64 but x has float16",
                         "takes dy of its own type or float32")
        self.assertError(lambda: activ.gelu_backward(h.astype(np.float32), h),
                         "dy has dtype float16 but x has float32")
        self.assertError(lambda: activ.sigmoid_backward_from_y(h, h.astype(np.float32)),
                         "dy has dtype float32 but y has float16")
        self.assertError(lambda: activ.gelu(h.astype(np.float64), out=np.empty_like(h)),
                         "out has dtype float16 but the result is float64")
        self.assertError(lambda: activ.gelu(h, out=np.empty((2, 4), np.float32)),
                         "out has dtype float32 but the result is float16")
        self.assertError(lambda: activ.gelu(h.astype(">f2")), "x has dtype >f2")
        self.assertError(lambda: activ.gelu(h.view(np.int16)), "x has dtype int16",
                         "storage='bfloat16'")
        self.assertError(lambda: activ.forward("gelu", h, storage="half"),
                         "storage must be None, 'float16' or 'bfloat16'")
        self.assertError(lambda: activ.forward("gelu", h.view(np.uint16), storage="bfloat16",
                                               out=np.empty((2, 4), np.float16)),
                         "out has dtype float16 but the result is bfloat16")
        self.assertError(lambda: activ.prelu(h, weight=np.ones(4, np.float16)),
                         "activ.prelu: x has dtype float16", "one slope per channel")
        self.assertError(lambda: activ.forward("prelu", h.view(np.int16), storage="bfloat16",
                                               weight=[1.0, 2.0]),
                         "x has dtype bfloat16 bits (int16)")

    @unittest.skipUnless(hasattr(activ, "softmax"), "built without ACTIV_PYTHON_ROWWISE")
    def test_rowwise_and_gated_messages(self):
        h = np.ones((2, 4), np.float16)
        b = h.view(np.int16)
        f = np.ones((2, 4), np.float32)
        self.assertError(lambda: activ.softmax_backward(h, f),
                         "activ.softmax_backward: dy has dtype float32 but y has float16")
        self.assertError(lambda: activ.log_softmax_backward(b, h, storage="bfloat16"),
                         "dy has dtype float16 but y has bfloat16 bits (int16)")
        self.assertError(lambda: activ.softmax(b), "activ.softmax: x has dtype int16",
                         "storage='bfloat16'")
        self.assertError(lambda: activ.softmin(h, storage="half"),
                         "storage must be None, 'float16' or 'bfloat16'")
        self.assertError(lambda: activ.softmax(h, out=np.empty((2, 4), np.float32)),
                         "out has dtype float32 but the result is float16")
        self.assertError(lambda: activ.softmax(f, out=np.empty((2, 4), np.float16)),
                         "out has dtype float16 but the result is float32")
        self.assertError(lambda: activ.softmax(b, storage="bfloat16", out=np.empty_like(h)),
                         "out has dtype float16 but the result is bfloat16")
        self.assertError(lambda: activ.argmax(np.ones((2, 0), np.float16)),
                         "activ.argmax: dimension 1 of x has no elements")
        self.assertError(lambda: activ.argmax(h.astype(np.int32)), "x has dtype int32")
        self.assertError(lambda: activ.glu_backward(h, f[:, :2]),
                         "activ.glu_backward: dout has dtype float32 but x has float16")
        self.assertError(lambda: activ.swiglu(b, h, storage="bfloat16"),
                         "activ.swiglu: up has dtype float16 but gate has bfloat16 bits (int16)")
        self.assertError(lambda: activ.swiglu_backward(h, h, f),
                         "dout has dtype float32 but gate has float16")
        self.assertError(lambda: activ.gated("gelu", h, h.astype(">f2")), "up has dtype >f2")
        self.assertError(lambda: activ.gated("gelu", f.astype(np.complex64), f),
                         "gate has dtype complex64")


def _round_bf16(a):
    """float32 -> bfloat16 bits (uint16), to nearest even; NaN stays a (quiet) NaN."""
    u = np.ascontiguousarray(a, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(a), ((u >> 16) | 0x40).astype(np.uint16), r)


def _widen_bf16(bits):
    return (np.asarray(bits).view(np.uint16).astype(np.uint32) << 16).view(np.float32)


# The two 16-bit formats as the bindings take them: float16 arrays, and bfloat16 as int16 bits with
# storage="bfloat16". to16 rounds float32 to the format (nearest even), widen is exact.
FMT16 = {
    "float16": dict(storage=None, to16=lambda a: a.astype(np.float16),
                    widen=lambda a: np.asarray(a).astype(np.float32)),
    "bfloat16": dict(storage="bfloat16", to16=lambda a: _round_bf16(a).view(np.int16),
                     widen=_widen_bf16),
}


def _rows16(fmt, shape, seed, scale=3.0):
    f = FMT16[fmt]
    with np.errstate(over="ignore"):
        return f["to16"]((np.random.default_rng(seed).standard_normal(shape) * scale)
                         .astype(np.float32))


@unittest.skipUnless(hasattr(activ, "softmax"), "built without ACTIV_PYTHON_ROWWISE")
class Rowwise16(unittest.TestCase):
    """The softmax family and the gated units on 16-bit arrays: the bits of the float32 call on
    the widened inputs, rounded once to the 16-bit type."""

    def same(self, got, want32, fmt, what=""):
        """got (16-bit, as the bindings return it) is want32 rounded to fmt, bit for bit."""
        f = FMT16[fmt]
        want = f["to16"](np.asarray(want32, np.float32))
        g = np.asarray(got)
        self.assertEqual(g.shape, want.shape, what)
        self.assertEqual(g.itemsize, 2, what)
        gw, ww = f["widen"](g), f["widen"](want)
        gn, wn = np.isnan(gw), np.isnan(ww)
        np.testing.assert_array_equal(gn, wn, what)
        bad = np.nonzero((g.view(np.uint16) != want.view(np.uint16)) & ~gn)
        if bad[0].size:
            i = tuple(k[0] for k in bad)
            self.fail(f"{what}: {bad[0].size} elements differ, first at {i}: {gw[i]!r} against "
                      f"{ww[i]!r}")

    def call(self, fmt, fn, *args, **kw):
        storage = FMT16[fmt]["storage"]
        return fn(*args, storage=storage, **kw) if storage else fn(*args, **kw)

    def test_softmax_family_forward_and_backward(self):
        for fmt, f in FMT16.items():
            x = _rows16(fmt, (6, 5, 37), seed=0)
            dy = _rows16(fmt, (6, 5, 37), seed=1, scale=1.0)
            xw = f["widen"](x)
            # A partial -inf row, a row with a large value (exp underflows the others), and an
            # all -inf row (NaN, or zeros with masked_rows_are_zero).
            xw[0, 0, 3] = -np.inf
            xw[0, 1, :] = 0.0
            xw[0, 1, 7] = 60.0
            xw[1, 2, :] = -np.inf
            x = f["to16"](xw)
            dyw = f["widen"](dy)
            for name in ("softmax", "log_softmax", "softmin"):
                fwd, bwd = getattr(activ, name), getattr(activ, name + "_backward")
                for dim in (-1, 0, 1):
                    for masked in (False, True):
                        with self.subTest(fmt=fmt, name=name, dim=dim, masked=masked), \
                                np.errstate(invalid="ignore"):
                            y = self.call(fmt, fwd, x, dim, masked_rows_are_zero=masked)
                            self.same(y, fwd(xw, dim, masked_rows_are_zero=masked), fmt, name)
                            if fmt == "bfloat16":
                                self.assertEqual(y.dtype, np.uint16)
                            else:
                                self.assertEqual(y.dtype, np.float16)
                            yw = f["widen"](y)
                            g = dyw.copy()
                            if masked:
                                g[1, 2, :] = 0.0  # backward cannot tell a masked row
                            dx = self.call(fmt, bwd, y, f["to16"](g), dim)
                            self.same(dx, bwd(yw, g, dim), fmt, name + "_backward")

    def test_argmax_and_hardmax(self):
        for fmt, f in FMT16.items():
            x = _rows16(fmt, (7, 4, 33), seed=2)
            xw = f["widen"](x)
            xw[0, 0, :] = 1.0  # ties: the first
            xw[0, 1, 5] = np.nan  # NaN counts as the maximum
            xw[0, 2, :] = -np.inf
            x = f["to16"](xw)
            for dim in (-1, 0, 1, 2):
                with self.subTest(fmt=fmt, dim=dim):
                    i = self.call(fmt, activ.argmax, x, dim)
                    self.assertEqual(i.dtype, np.int64)
                    np.testing.assert_array_equal(i, activ.argmax(xw, dim))
                    np.testing.assert_array_equal(i, np.argmax(xw, dim))
                    self.same(self.call(fmt, activ.hardmax, x, dim), activ.hardmax(xw, dim), fmt)

    def test_gated_units_forward_and_backward(self):
        for fmt, f in FMT16.items():
            x = _rows16(fmt, (6, 3, 24), seed=3)
            xw = f["widen"](x)
            for dim in (-1, 0, 2):
                with self.subTest(fmt=fmt, name="glu", dim=dim):
                    y = self.call(fmt, activ.glu, x, dim)
                    self.same(y, activ.glu(xw, dim), fmt, "glu")
                    dout = _rows16(fmt, y.shape, seed=4, scale=1.0)
                    self.same(self.call(fmt, activ.glu_backward, x, dout, dim),
                              activ.glu_backward(xw, f["widen"](dout), dim), fmt, "glu_backward")
            gate, up, dout = (_rows16(fmt, (9, 31), seed=s) for s in (5, 6, 7))
            gw, uw, dw = (f["widen"](a) for a in (gate, up, dout))
            for act, p in [("swiglu", {}), ("swiglu", {"beta": 1.5}), ("gelu", {}),
                           ("sigmoid", {}), ("relu", {}), ("geglu_tanh", {})]:
                with self.subTest(fmt=fmt, name=act, params=p):
                    self.same(self.call(fmt, activ.gated, act, gate, up, **p),
                              activ.gated(act, gw, uw, **p), fmt, act)
                    dg, du = self.call(fmt, activ.gated_backward, act, gate, up, dout, **p)
                    wg, wu = activ.gated_backward(act, gw, uw, dw, **p)
                    self.same(dg, wg, fmt, act + " d_gate")
                    self.same(du, wu, fmt, act + " d_up")
            with self.subTest(fmt=fmt, name="swiglu"):
                self.same(self.call(fmt, activ.swiglu, gate, up, beta=1.5),
                          activ.swiglu(gw, uw, beta=1.5), fmt, "swiglu")
                dg, du = self.call(fmt, activ.swiglu_backward, gate, up, dout)
                wg, wu = activ.swiglu_backward(gw, uw, dw)
                self.same(dg, wg, fmt, "swiglu d_gate")
                self.same(du, wu, fmt, "swiglu d_up")

    def test_out_layouts_and_float16_storage(self):
        x = _rows16("bfloat16", (8, 6), seed=8)
        xw = _widen_bf16(x)
        out = np.empty((6, 8), np.int16)  # bfloat16 bits into an int16 out
        self.assertIs(activ.softmax(x.T, storage="bfloat16", out=out), out)
        self.same(out, activ.softmax(np.ascontiguousarray(xw.T)), "bfloat16")
        out = np.empty((8, 6), np.uint16)
        self.assertIs(activ.swiglu(x, x[::-1], storage="bfloat16", out=out), out)
        self.same(out, activ.swiglu(xw, xw[::-1].copy()), "bfloat16")
        # storage="float16" reads int16 bits as float16; the result is float16 bits.
        h = _rows16("float16", (4, 10), seed=9)
        y = activ.log_softmax(h.view(np.int16), storage="float16")
        self.same(y.view(np.float16), activ.log_softmax(h.astype(np.float32)), "float16")
        out = np.empty((4, 10), np.float16)
        self.assertIs(activ.softmax(h, 0, out=out), out)
        self.same(out, activ.softmax(h.astype(np.float32), 0), "float16")
        out = np.empty((4, 5), np.int16)
        activ.glu(h.view(np.int16), storage="float16", out=out)
        self.same(out.view(np.float16), activ.glu(h.astype(np.float32)), "float16")
        with self.assertRaisesRegex(activ.Error, "out must be contiguous"):
            activ.softmax(h, out=np.empty((4, 20), np.float16)[:, ::2])
        for empty in [np.ones((0, 4), np.float16), np.ones((3, 0), np.float16)]:
            self.assertEqual(activ.softmax(empty).shape, empty.shape)



def _bits(t):
    return t.detach().view(torch.int16).numpy()


class Torch16(unittest.TestCase):
    DTYPES = (torch.float16, torch.bfloat16)

    def test_modules_give_the_librarys_bits(self):
        g = torch.Generator().manual_seed(0)
        for dtype in self.DTYPES:
            x0 = (torch.randn(7, 9, generator=g) * 4).to(dtype)
            x0[0, :4] = torch.tensor([0.0, float("inf"), float("-inf"), float("nan")])
            dy = torch.randn(7, 9, generator=g).to(dtype)
            storage = "bfloat16" if dtype == torch.bfloat16 else "float16"
            for name in activ.OPS:
                module = at.MODULES[name](*ARGS.get(name, ()))
                if name == "rrelu":
                    module.eval()
                params = dict(module._call_params()) if name != "gelu" else {}
                with self.subTest(dtype=str(dtype), name=name):
                    x = x0.clone().requires_grad_()
                    y = module(x)
                    y.backward(dy)
                    self.assertEqual((y.dtype, x.grad.dtype), (dtype, dtype))
                    # The float32 result rounded by PyTorch's own conversion...
                    xf = x0.float().numpy()
                    want_y = torch.from_numpy(activ.forward(name, xf, **params)).to(dtype)
                    want_dx = torch.from_numpy(
                        activ.backward(name, xf, dy.float().numpy(), **params)).to(dtype)
                    assert_same_bits(self, _bits(y), _bits(want_y), "forward")
                    assert_same_bits(self, _bits(x.grad), _bits(want_dx), "backward")
                    # ... and the library's 16-bit entry point on the raw bits.
                    direct = activ.forward(name, _bits(x0), storage=storage, **params)
                    assert_same_bits(self, _bits(y), direct.view(np.int16), "direct")

    def test_non_contiguous_tensors(self):
        x = (torch.randn(10, 12) * 3).to(torch.bfloat16)
        view = x.t()[::2]
        y = at.gelu(view)
        want = at.gelu(view.contiguous())
        assert_same_bits(self, _bits(y), _bits(want))

    def test_trainable_parameters(self):
        x = (torch.randn(200) * 3).to(torch.bfloat16).requires_grad_()
        dy = torch.randn(200).to(torch.bfloat16)
        silu = at.SiLU(beta=1.5, trainable=True).to(torch.bfloat16)
        silu(x).backward(dy)
        _, g = activ.silu_backward(x.detach().float().numpy(), dy.float().numpy(), beta=1.5,
                                   param_grad=True)
        self.assertEqual(silu.beta.grad.dtype, torch.bfloat16)
        self.assertEqual(silu.beta.grad.item(), torch.tensor(g).to(torch.bfloat16).item())
        prelu = at.PReLU(1, 0.25).to(torch.bfloat16)
        prelu(x).backward(dy)
        self.assertEqual(prelu.weight.grad.dtype, torch.bfloat16)
        with self.assertRaisesRegex(activ.Error, "one slope per channel is computed in float32"):
            at.PReLU(3).to(torch.bfloat16)(torch.ones(2, 3, dtype=torch.bfloat16))

    def test_gradcheck_stays_float64(self):
        x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
        self.assertTrue(torch.autograd.gradcheck(at.GELU(), (x,)))

    def test_small_model_in_bfloat16(self):
        # The same MLP in bfloat16 with activ's GELU and with PyTorch's: PyTorch rounds its own
        # float32 GELU, so the two differ by bfloat16 roundings, not more.
        def losses(act):
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(16, 32), act, nn.Linear(32, 4)).to(torch.bfloat16)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            g = torch.Generator().manual_seed(1)
            x = torch.randn(64, 16, generator=g).to(torch.bfloat16)
            target = torch.randint(0, 4, (64,), generator=g)
            out = []
            for _ in range(5):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x).float(), target)
                loss.backward()
                opt.step()
                out.append(loss.item())
            return out

        mine, theirs = losses(at.GELU()), losses(nn.GELU())
        self.assertLess(mine[-1], mine[0])
        np.testing.assert_allclose(mine, theirs, rtol=2e-2)


class VersusTorch16(unittest.TestCase):
    def test_every_case_agrees_or_activ_is_right(self):
        missing = set()
        for case in tc.CASES:
            for fmt in tc.FORMATS16:
                for what, x, dy in tc.inputs16(case, fmt):
                    results = tc.run16(case, x, dy, fmt)
                    for direction in ("forward", "backward"):
                        with self.subTest(case=case.label, format=fmt, inputs=what,
                                          direction=direction):
                            xf, got, exact, err = results["activ"][direction]
                            worst = int(np.argmax(err))
                            self.assertLessEqual(
                                err[worst], tc.BOUND16,
                                f"activ is {err[worst]:.3g} ULP from the reference at "
                                f"x = {xf[worst]!r}: {got[worst]!r}, exact {exact[worst]!r}")
                            m = results[direction]
                            if m is None:
                                missing.add((case.name, fmt, direction))
                                continue
                            self._check(case, m)
        # What PyTorch 1.13 lacks on CPU, as the doc says; a newer PyTorch may have more.
        self.assertLessEqual(missing, tc.TORCH16_MISSING)

    def _check(self, case, m):
        unexplained = np.nonzero(m.category == "?")[0]
        if unexplained.size:
            i = unexplained[0]
            self.fail(f"activ and PyTorch differ at x = {m.x[i]!r} (dy = "
                      f"{None if m.dy is None else m.dy[i]!r}): activ {m.activ[i]!r}, PyTorch "
                      f"{m.torch[i]!r}, exact {m.exact[i]!r}")
        seen = set(m.category[m.category != ""])
        declared = set(tc.REASONS[case.name]) | set(tc.REASONS16.get(case.name, {}))
        self.assertLessEqual(seen, declared,
                             f"differences without a documented reason: {seen - declared}")


if __name__ == "__main__":
    unittest.main()
