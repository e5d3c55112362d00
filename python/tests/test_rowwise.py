"""The softmax family and the gated units against PyTorch. Skipped while the module is built
without them (CMake option ACTIV_PYTHON_ROWWISE, on once include/activ/rowwise.h and gated.h
are implemented)."""

import unittest

import numpy as np
import torch
import torch.nn.functional as F

import activ

torch.set_num_threads(1)
HAVE = hasattr(activ, "softmax")
DTYPES = (np.float32, np.float64)
# activ is faithfully rounded in float32; PyTorch is taken in float64 as the reference.
TOL = {np.float32: dict(rtol=2e-6, atol=1e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}


def _x(dtype, shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


def _t64(a):
    return torch.tensor(a.astype(np.float64), requires_grad=True)


@unittest.skipUnless(HAVE, "activ built without the row-wise functions (ACTIV_PYTHON_ROWWISE)")
class Softmax(unittest.TestCase):
    FNS = {"softmax": F.softmax, "log_softmax": F.log_softmax, "softmin": F.softmin}

    def test_forward_and_backward_along_every_dim(self):
        for name, torch_fn in self.FNS.items():
            for dtype in DTYPES:
                x = _x(dtype, (3, 5, 7))
                dy = _x(dtype, (3, 5, 7), seed=1)
                for dim in (-1, 0, 1, 2, -2):
                    with self.subTest(name=name, dtype=dtype.__name__, dim=dim):
                        y = getattr(activ, name)(x, dim)
                        xt = _t64(x)
                        yt = torch_fn(xt, dim=dim)
                        yt.backward(torch.from_numpy(dy.astype(np.float64)))
                        self.assertEqual((y.shape, y.dtype), (x.shape, x.dtype))
                        np.testing.assert_allclose(y, yt.detach().numpy(), **TOL[dtype])
                        dx = getattr(activ, name + "_backward")(y, dy, dim)
                        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=TOL[dtype]["rtol"]
                                                   * 8, atol=TOL[dtype]["atol"] * 8)

    def test_layouts_and_out(self):
        x = _x(np.float32, (8, 6))
        want = activ.softmax(np.ascontiguousarray(x.T))
        np.testing.assert_array_equal(activ.softmax(x.T), want)
        out = np.empty((6, 8), np.float32)
        self.assertIs(activ.softmax(x.T, out=out), out)
        np.testing.assert_array_equal(out, want)
        with self.assertRaisesRegex(activ.Error, "out must be contiguous"):
            activ.softmax(x, out=np.empty((8, 12), np.float32)[:, ::2])
        with self.assertRaisesRegex(activ.Error, "dim 2 is out of range"):
            activ.softmax(x, 2)

    def test_in_place_and_overlapping_out(self):
        # dim last on C-contiguous arrays: the kernels write `out` directly, so aliasing is
        # theirs to handle (in place) or the binding's (a partial overlap gets a copy of x).
        for name in ("softmax", "log_softmax", "softmin"):
            f, b = getattr(activ, name), getattr(activ, name + "_backward")
            x = _x(np.float64, (5, 7))
            want = f(x)
            buf = x.copy()
            self.assertIs(f(buf, out=buf), buf)
            np.testing.assert_array_equal(buf, want)
            buf = np.concatenate([x, x[:1]])
            f(buf[:-1], out=buf[1:])  # out one row ahead of x in the same buffer
            np.testing.assert_array_equal(buf[1:], want)
            dy = _x(np.float64, (5, 7))
            want = b(f(x), dy)
            got = b(f(x), dy, out=dy)
            self.assertIs(got, dy)
            np.testing.assert_array_equal(dy, want)

    def test_infinities(self):
        x = np.array([[1.0, -np.inf, 2.0], [-np.inf] * 3], np.float64)
        y = activ.softmax(x)
        self.assertEqual(y[0, 1], 0.0)
        np.testing.assert_allclose(y[0], F.softmax(torch.tensor(x[0]), 0).numpy(), rtol=1e-15)
        self.assertTrue(np.isnan(y[1]).all())  # as PyTorch
        self.assertTrue(np.isnan(F.softmax(torch.tensor(x[1]), 0).numpy()).all())
        np.testing.assert_array_equal(activ.softmax(x, masked_rows_are_zero=True)[1], 0.0)
        self.assertEqual(activ.log_softmax(x)[0, 1], -np.inf)

    def test_argmax_and_hardmax(self):
        for dtype in DTYPES:
            x = _x(dtype, (4, 6, 9))
            x[0, 0, :] = 2.0  # ties: the first, as torch
            x[1, 1, 3] = np.nan  # NaN counts as the maximum, as torch
            for dim in (-1, 0, 1, 2):
                with self.subTest(dtype=dtype.__name__, dim=dim):
                    i = activ.argmax(x, dim)
                    self.assertEqual(i.dtype, np.int64)
                    np.testing.assert_array_equal(i, torch.argmax(torch.from_numpy(x), dim))
                    h = activ.hardmax(x, dim)
                    self.assertEqual((h.shape, h.dtype), (x.shape, x.dtype))
                    want = np.zeros_like(x)
                    np.put_along_axis(want, np.expand_dims(i, dim % x.ndim), 1, dim)
                    np.testing.assert_array_equal(h, want)
        with self.assertRaisesRegex(activ.Error, "an empty row has no maximum"):
            activ.argmax(np.ones((3, 0), np.float32))


@unittest.skipUnless(HAVE, "activ built without the gated units (ACTIV_PYTHON_ROWWISE)")
class Gated(unittest.TestCase):
    def test_glu_split_form_matches_torch(self):
        for dtype in DTYPES:
            x = _x(dtype, (4, 6, 10))
            for dim in (-1, 1, 0):
                with self.subTest(dtype=dtype.__name__, dim=dim):
                    xt = _t64(x)
                    yt = F.glu(xt, dim)
                    dout = _x(dtype, tuple(yt.shape), seed=2)
                    yt.backward(torch.from_numpy(dout.astype(np.float64)))
                    np.testing.assert_allclose(activ.glu(x, dim), yt.detach().numpy(),
                                               **TOL[dtype])
                    np.testing.assert_allclose(activ.glu_backward(x, dout, dim),
                                               xt.grad.numpy(), **TOL[dtype])
        with self.assertRaisesRegex(activ.Error, "must be even"):
            activ.glu(np.ones((2, 3)))

    def test_two_input_forms_match_torch(self):
        acts = {"sigmoid": torch.sigmoid, "identity": lambda t: t, "relu": F.relu,
                "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
                "silu": F.silu}
        for dtype in DTYPES:
            gate, up, dout = (_x(dtype, (5, 9), seed=s) for s in (3, 4, 5))
            for act, torch_act in acts.items():
                with self.subTest(act=act, dtype=dtype.__name__):
                    gt, ut = _t64(gate), _t64(up)
                    yt = torch_act(gt) * ut
                    yt.backward(torch.from_numpy(dout.astype(np.float64)))
                    np.testing.assert_allclose(activ.gated(act, gate, up), yt.detach().numpy(),
                                               **TOL[dtype])
                    d_gate, d_up = activ.gated_backward(act, gate, up, dout)
                    np.testing.assert_allclose(d_gate, gt.grad.numpy(), rtol=TOL[dtype]["rtol"]
                                               * 4, atol=TOL[dtype]["atol"] * 4)
                    np.testing.assert_allclose(d_up, ut.grad.numpy(), **TOL[dtype])

    def test_swiglu(self):
        gate, up, dout = (_x(np.float64, (3, 8), seed=s) for s in (6, 7, 8))
        np.testing.assert_array_equal(activ.swiglu(gate, up, beta=1.5),
                                      activ.gated("silu", gate, up, beta=1.5))
        np.testing.assert_array_equal(activ.swiglu(gate, up), activ.gated("swiglu", gate, up))
        # act in the library's activation grammar: parameters in either spelling, gated_ names.
        for act in ("swiglu:beta=1.5", "swiglu(beta=1.5)", "silu:beta=1.5", "gated_silu:beta=1.5"):
            np.testing.assert_array_equal(activ.swiglu(gate, up, beta=1.5),
                                          activ.gated(act, gate, up), err_msg=act)
        np.testing.assert_array_equal(activ.swiglu_backward(gate, up, dout, beta=1.5),
                                      activ.gated_backward("swiglu:beta=1.5", gate, up, dout))
        with self.assertRaisesRegex(activ.Error,
                                    "beta is given in 'swiglu:beta=2' and as a keyword"):
            activ.gated("swiglu:beta=2", gate, up, beta=1.5)
        gt, ut = _t64(gate), _t64(up)
        (F.silu(gt) * ut).backward(torch.from_numpy(dout))
        d_gate, d_up = activ.swiglu_backward(gate, up, dout)
        np.testing.assert_allclose(d_gate, gt.grad.numpy(), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(d_up, ut.grad.numpy(), rtol=1e-13, atol=1e-15)
        with self.assertRaisesRegex(activ.Error, "up has shape"):
            activ.swiglu(gate, up[:2])


class Skipping(unittest.TestCase):
    def test_the_module_says_whether_it_has_them(self):
        names = ["softmax", "log_softmax", "softmin", "glu", "swiglu", "gated", "gated_backward"]
        self.assertEqual({hasattr(activ, n) for n in names}, {HAVE})


if __name__ == "__main__":
    unittest.main()
