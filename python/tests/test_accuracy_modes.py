"""The accuracy= argument (docs/SPEC.md, Accuracy modes): "faithful" by default, "fast" within 4
ULP forward on every float32 input, tails included, and 8 ULP beyond the backward bound; on
the functions, the row-wise and gated ones, and activ.torch's modules and functionals.

Errors are measured against the long double reference (_activ_reference) and, for the torch
path, against PyTorch in float64.
"""

import unittest

import numpy as np
import torch

import activ
import activ.torch as at
import _activ_reference as ref
import torch_cases as tc

torch.set_num_threads(1)

FAST_FORWARD_ULP = 4.0
FAST_BACKWARD_ULP = 8.0


def sweep():
    """Every 65537th float32 bit pattern (every binade, both signs, both infinities, NaNs), the
    tails where exp under- and overflows in every 2^-8 step, and the middle densely."""
    bits = np.arange(0, 2**32, 65537, dtype=np.uint64).astype(np.uint32)
    tails = np.concatenate([np.arange(-120, -80, 2.0**-8), np.arange(80, 120, 2.0**-8),
                            np.linspace(-20, 20, 4001)])
    return np.concatenate([bits.view(np.float32), tails.astype(np.float32)])


def finite_sweep():
    x = sweep()
    return x[np.isfinite(x)]


def default_functions():
    """The registry's functions that run with their defaults alone (rrelu draws random slopes)."""
    return [name for name, op in activ.OPS.items()
            if name != "rrelu" and all(p["default"] is not None for p in op["params"])]


def fast_kernels_run_here():
    # The fast kernels are compiled for the targets with FMA (AVX2 and up); elsewhere a fast call
    # runs the faithful kernel.
    return activ.simd_target().startswith("AVX")


def ulp32(a, exact):
    """|a - exact| in float32 ULP at the exact value (float64), subnormal spacing below tiny."""
    fi = np.finfo(np.float32)
    m = np.abs(exact)
    with np.errstate(all="ignore"):
        spacing = np.where(m < fi.tiny, float(fi.smallest_subnormal),
                           np.ldexp(1.0, np.frexp(m)[1] - fi.nmant - 1))
        d = np.abs(a.astype(np.float64) - exact) / spacing
    return np.where(a.astype(np.float64) == exact, 0.0, d)


class FastWithinItsBounds(unittest.TestCase):
    def test_every_function_forward_and_backward(self):
        x = finite_sweep()
        dy = np.random.default_rng(19).uniform(-2, 2, x.size).astype(np.float32)
        for name in default_functions():
            with self.subTest(function=name):
                y = activ.forward(name, x, accuracy="fast")
                err = ref.forward_error(name, x, y)
                worst = int(np.argmax(err))
                self.assertLessEqual(err[worst], FAST_FORWARD_ULP,
                                     f"forward at x = {x[worst]!r}: {y[worst]!r}")
                dx = activ.backward(name, x, dy, accuracy="fast")
                err = ref.backward_error(name, x, dy, dx)
                worst = int(np.argmax(err))
                self.assertLessEqual(err[worst], FAST_BACKWARD_ULP,
                                     f"backward at x = {x[worst]!r}: {dx[worst]!r}")

    def test_special_values_as_faithful(self):
        x = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 3.4028235e38, -3.4028235e38,
                      1e-45, -1e-45], np.float32)
        for name in default_functions():
            with self.subTest(function=name):
                fast = activ.forward(name, x, accuracy="fast")
                faithful = activ.forward(name, x)
                np.testing.assert_array_equal(np.isnan(fast), np.isnan(faithful))
                inf = np.isinf(faithful)
                np.testing.assert_array_equal(fast[inf], faithful[inf])


class TheOptionSelectsTheKernel(unittest.TestCase):
    def test_default_is_faithful(self):
        x = sweep()
        for name in ("sigmoid", "tanh", "elu", "silu", "gelu"):
            with self.subTest(function=name):
                default = activ.FUNCTIONS[name](x)
                explicit = activ.FUNCTIONS[name](x, accuracy="faithful")
                np.testing.assert_array_equal(default, explicit)
                np.testing.assert_array_equal(default, activ.forward(name, x))
                err = ref.forward_error(name, x[np.isfinite(x)], default[np.isfinite(x)])
                self.assertLessEqual(err.max(), tc.bound(name, np.float32, "forward"))

    @unittest.skipUnless(fast_kernels_run_here(), "no fast kernels on this SIMD target")
    def test_fast_differs_from_faithful_where_it_has_a_kernel(self):
        # A fast kernel is less accurate than the faithful one somewhere: identical results
        # everywhere would mean the option did not reach it.
        x = finite_sweep()
        dy = np.ones_like(x)
        for name in activ.OPS:
            if activ.has_fast_kernel(name):
                with self.subTest(function=name, direction="forward"):
                    fast = activ.forward(name, x, accuracy="fast")
                    self.assertTrue(np.any(fast != activ.forward(name, x)))
                    # The generated function is the same entry point.
                    np.testing.assert_array_equal(fast, activ.FUNCTIONS[name](x, accuracy="fast"))
            if activ.has_fast_kernel(name, True):
                with self.subTest(function=name, direction="backward"):
                    fast = activ.backward(name, x, dy, accuracy="fast")
                    self.assertTrue(np.any(fast != activ.backward(name, x, dy)))
                    np.testing.assert_array_equal(
                        fast, activ.FUNCTIONS[name + "_backward"](x, dy, accuracy="fast"))

    def test_a_function_without_a_fast_kernel_runs_its_faithful_one(self):
        x = sweep()
        for name in activ.OPS:
            if not activ.has_fast_kernel(name) and name in default_functions():
                with self.subTest(function=name):
                    np.testing.assert_array_equal(activ.forward(name, x, accuracy="fast"),
                                                  activ.forward(name, x))

    def test_float64_runs_faithful(self):
        x = np.linspace(-30, 30, 3001)
        np.testing.assert_array_equal(activ.sigmoid(x, accuracy="fast"), activ.sigmoid(x))

    def test_bad_values_are_refused_before_anything_is_written(self):
        x = np.linspace(-3, 3, 64, dtype=np.float32)
        out = np.full_like(x, 7.0)
        calls = {
            "forward": lambda a: activ.sigmoid(x, out=out, accuracy=a),
            "backward": lambda a: activ.sigmoid_backward(x, x, out=out, accuracy=a),
            "from_y": lambda a: activ.sigmoid_backward_from_y(x, x, out=out, accuracy=a),
            "by name": lambda a: activ.forward("silu", x, out=out, accuracy=a),
            "softmax": lambda a: activ.softmax(x, out=out, accuracy=a),
            "softmax_backward": lambda a: activ.softmax_backward(x, x, out=out, accuracy=a),
            "swiglu": lambda a: activ.swiglu(x, x, out=out, accuracy=a),
            "gated": lambda a: activ.gated("gelu", x, x, out=out, accuracy=a),
            "glu": lambda a: activ.glu(x.reshape(8, 8), accuracy=a),
        }
        for what, call in calls.items():
            for bad in ("Fast", "exact", 1, b"fast", None):
                with self.subTest(call=what, value=bad):
                    with self.assertRaises(activ.Error) as e:
                        call(bad)
                    self.assertIn("'faithful'", str(e.exception))
                    self.assertIn("'fast'", str(e.exception))
                    np.testing.assert_array_equal(out, 7.0)

    def test_row_wise_and_gated_accept_fast(self):
        rng = np.random.default_rng(7)
        x = rng.normal(0, 4, (16, 64)).astype(np.float32)
        up = rng.normal(0, 1, x.shape).astype(np.float32)
        # float32 softmax has fast kernels (AVX2, AVX-512): within the fast bounds of the
        # float64 results, backward beyond the terms that cancel (y (|dy| + |s|) 2^-24).
        x64 = x.astype(np.float64)
        e = np.exp(x64 - x64.max(axis=1, keepdims=True))
        self.assertLessEqual(
            ulp32(activ.softmax(x, accuracy="fast"), e / e.sum(axis=1, keepdims=True)).max(),
            FAST_FORWARD_ULP)
        y = activ.softmax(x)
        y64, up64 = y.astype(np.float64), up.astype(np.float64)
        s = (y64 * up64).sum(axis=1, keepdims=True)
        exact = y64 * (up64 - s)
        got = activ.softmax_backward(y, up, accuracy="fast").astype(np.float64)
        slack = 2.0**-24 * np.abs(y64) * (np.abs(up64) + np.abs(s))
        beyond = np.maximum(np.abs(got - exact) - slack, 0.0)
        self.assertLessEqual(ulp32(exact + np.sign(got - exact) * beyond, exact).max(),
                             FAST_BACKWARD_ULP)
        for fast, exact in ((activ.swiglu(x, up, accuracy="fast"),
                             x.astype(np.float64) / (1 + np.exp(-x.astype(np.float64))) * up),
                            (activ.gated("geglu", x, up, accuracy="fast"),
                             ref.reference("gelu", x.ravel()).reshape(x.shape) * up),
                            (activ.glu(x, accuracy="fast"),
                             x[:, :32] / (1 + np.exp(-x[:, 32:].astype(np.float64))))):
            # The gate within 4 ULP, and the product's rounding.
            self.assertLessEqual(ulp32(fast, exact).max(), FAST_FORWARD_ULP + 1)
        d_gate, d_up = activ.swiglu_backward(x, up, up, accuracy="fast")
        self.assertEqual(d_gate.shape, x.shape)
        self.assertEqual(activ.glu_backward(x, up[:, :32], accuracy="fast").shape, x.shape)


class TorchModules(unittest.TestCase):
    def _x(self):
        x = finite_sweep()
        return x[np.abs(x) < 1e4]  # where float64 PyTorch is accurate enough to judge 4 ULP

    def test_modules_and_functionals_run_the_fast_kernels(self):
        x = self._x()
        dy = np.random.default_rng(3).uniform(-2, 2, x.size).astype(np.float32)
        # The functions with fast kernels, and PyTorch in float64 where it is accurate in the
        # tails (its elu is exp(x) - 1, 0 for |x| < 2^-53; its gelu's 1 + erf cancels below -6).
        torch64 = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": None,
                   "silu": torch.nn.functional.silu}
        for name, fn64 in torch64.items():
            module = at.MODULES[name](accuracy="fast")
            self.assertIn("accuracy='fast'", repr(module))
            for how, call in (("module", module), ("functional",
                                                   lambda t, n=name: at.FUNCTIONALS[n](
                                                       t, accuracy="fast"))):
                with self.subTest(function=name, path=how):
                    t = torch.from_numpy(x.copy()).requires_grad_()
                    y = call(t)
                    y.backward(torch.from_numpy(dy))
                    np.testing.assert_array_equal(y.detach().numpy(),
                                                  activ.forward(name, x, accuracy="fast"))
                    np.testing.assert_array_equal(t.grad.numpy(),
                                                  activ.backward(name, x, dy, accuracy="fast"))
                    self.assertLessEqual(ref.forward_error(name, x, y.detach().numpy()).max(),
                                         FAST_FORWARD_ULP)
                    if fn64 is not None:
                        exact = fn64(torch.from_numpy(x.astype(np.float64))).numpy()
                        self.assertLessEqual(ulp32(y.detach().numpy(), exact).max(),
                                             FAST_FORWARD_ULP)
                    if activ.has_fast_kernel(name) and fast_kernels_run_here():
                        faithful = at.MODULES[name]()(torch.from_numpy(x)).numpy()
                        self.assertTrue(np.any(faithful != y.detach().numpy()))

    def test_default_modules_stay_faithful(self):
        x = torch.from_numpy(self._x())
        self.assertEqual(at.Sigmoid().accuracy, "faithful")
        self.assertNotIn("accuracy", repr(at.Sigmoid()))
        np.testing.assert_array_equal(at.Sigmoid()(x).numpy(), activ.sigmoid(x.numpy()))
        np.testing.assert_array_equal(at.sigmoid(x).numpy(), activ.sigmoid(x.numpy()))

    def test_every_module_kind_takes_the_option(self):
        x = torch.linspace(-6, 6, 64).reshape(4, 16)
        for module in (at.GELU(approximate="tanh", accuracy="fast"), at.PReLU(accuracy="fast"),
                       at.RReLU(accuracy="fast").eval(), at.SiLU(beta=1.5, trainable=True,
                                                                 accuracy="fast"),
                       at.Softmax(dim=1, accuracy="fast"), at.GLU(accuracy="fast")):
            with self.subTest(module=type(module).__name__):
                self.assertEqual(module.accuracy, "fast")
                module(x.clone().requires_grad_()).sum().backward()
        gate = torch.linspace(-6, 6, 64, requires_grad=True)
        at.SwiGLU(accuracy="fast")(gate, torch.ones(64)).sum().backward()
        np.testing.assert_array_equal(
            at.swiglu(gate, torch.ones(64), accuracy="fast").detach().numpy(),
            activ.swiglu(gate.detach().numpy(), np.ones(64, np.float32), accuracy="fast"))
        np.testing.assert_array_equal(at.softmax(x, dim=1, accuracy="fast").numpy(),
                                      activ.softmax(x.numpy(), accuracy="fast"))

    def test_bad_values_fail_when_the_module_is_made(self):
        for make in (lambda: at.Sigmoid(accuracy="exact"), lambda: at.GELU(accuracy=None),
                     lambda: at.PReLU(accuracy="FAST"), lambda: at.Softmax(dim=0, accuracy=""),
                     lambda: at.SwiGLU(accuracy="fastest"), lambda: at.GLU(accuracy=4)):
            with self.assertRaises(activ.Error) as e:
                make()
            self.assertIn("'faithful'", str(e.exception))
            self.assertIn("'fast'", str(e.exception))
        with self.assertRaises(activ.Error):
            at.tanh(torch.zeros(3), accuracy="exact")

    def test_bfloat16_within_one_step(self):
        x = torch.from_numpy(self._x()[::7].copy()).to(torch.bfloat16)
        for name in ("sigmoid", "tanh", "elu", "silu"):
            with self.subTest(function=name):
                got = at.FUNCTIONALS[name](x, accuracy="fast").float().numpy().astype(np.float64)
                exact = ref.reference(name, x.float().numpy())
                # One step of bfloat16 (8 bits of significand) of the correctly rounded value is
                # within 1.5 steps of the exact one.
                m = np.maximum(np.abs(exact), 2.0**-126)
                step = np.ldexp(1.0, np.frexp(m)[1] - 8)
                self.assertLessEqual(np.max(np.abs(got - exact) / step), 1.5)


if __name__ == "__main__":
    unittest.main()
