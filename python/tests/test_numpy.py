"""The NumPy bindings: generated functions, shapes, layouts, out=, errors and their messages, the
GIL. Numerical accuracy is test_vs_torch.py's and tests/kernel_test.cc's business; here the
results of every layout are compared with the plain contiguous call."""

import inspect
import threading
import time
import unittest

import numpy as np

import activ

# Parameters for the functions that have required ones.
PARAMS = {"threshold": {"threshold": 0.5, "value": -2.0}}


def _x(dtype, shape=(5, 7), seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(dtype)


class Generated(unittest.TestCase):
    def test_every_registry_function_has_its_python_functions(self):
        self.assertEqual(list(activ.OPS), [op["name"] for op in activ._activ.ops()])
        self.assertIn("gelu", activ.OPS)
        for name, op in activ.OPS.items():
            with self.subTest(name=name):
                fwd = getattr(activ, name)
                bwd = getattr(activ, name + "_backward")
                self.assertEqual(fwd.__name__, name)
                self.assertIn(op["formula"], fwd.__doc__)
                self.assertEqual(hasattr(activ, name + "_backward_from_y"), op["from_y"])
                sig = inspect.signature(fwd)
                self.assertEqual(list(sig.parameters)[:2], ["x", "out"])
                for p in op["params"]:
                    default = sig.parameters[p["name"]].default
                    if p["default"] is None:
                        self.assertIs(default, inspect.Parameter.empty)
                    else:
                        self.assertEqual(default, p["default"])
                self.assertEqual("param_grad" in inspect.signature(bwd).parameters,
                                 op["param_grad"])

    def test_defaults_are_the_registry_defaults(self):
        x = _x(np.float64)
        np.testing.assert_array_equal(activ.elu(x), activ.elu(x, alpha=1.0))
        np.testing.assert_array_equal(activ.leaky_relu(x), activ.leaky_relu(x, negative_slope=0.01))
        np.testing.assert_array_equal(activ.softplus(x), activ.softplus(x, beta=1, threshold=20))
        self.assertNotEqual(activ.elu(x, alpha=0.5).tolist(), activ.elu(x).tolist())

    def test_aliases_and_generic_entry_points(self):
        self.assertEqual(activ.ALIASES, {"swish": "silu"})
        self.assertIs(activ.swish, activ.silu)
        x, dy = _x(np.float32), _x(np.float32, seed=1)
        np.testing.assert_array_equal(activ.forward("swish", x, beta=2.0), activ.silu(x, beta=2.0))
        np.testing.assert_array_equal(activ.backward("gelu", x, dy), activ.gelu_backward(x, dy))
        y = activ.sigmoid(x)
        np.testing.assert_array_equal(activ.backward_from_y("sigmoid", y, dy),
                                      activ.sigmoid_backward_from_y(y, dy))

    def test_module_facts(self):
        self.assertRegex(activ.__version__, r"^\d+\.\d+\.\d+$")
        self.assertIn(activ.simd_target(), activ.compiled_targets())
        self.assertTrue(issubclass(activ.Error, ValueError))


class Layouts(unittest.TestCase):
    def test_shapes_and_dtypes(self):
        for dtype in (np.float32, np.float64):
            for shape in [(), (0,), (1,), (17,), (3, 0, 2), (2, 3, 4, 5)]:
                x = _x(dtype, shape)
                for name in activ.OPS:
                    with self.subTest(dtype=dtype.__name__, shape=shape, name=name):
                        p = PARAMS.get(name, {})
                        y = activ.forward(name, x, **p)
                        self.assertEqual((y.shape, y.dtype), (x.shape, x.dtype))
                        flat = activ.forward(name, x.ravel(), **p)
                        np.testing.assert_array_equal(y.ravel(), flat)
                        dx = activ.backward(name, x, x, **p)
                        np.testing.assert_array_equal(dx.ravel(),
                                                      activ.backward(name, x.ravel(), x.ravel(),
                                                                     **p))

    def test_numpy_scalar_is_an_array_of_no_dimension(self):
        y = activ.gelu(np.float64(1.0))
        self.assertEqual(y.shape, ())
        self.assertAlmostEqual(float(y), 0.8413447460685429, places=15)

    def test_non_contiguous_inputs_give_the_contiguous_result(self):
        base = _x(np.float32, (8, 12))
        dy_base = _x(np.float32, (8, 12), seed=1)
        views = {"transposed": lambda a: a.T, "strided": lambda a: a[::2, 1::3],
                 "reversed": lambda a: a[::-1, ::-2], "fortran": np.asfortranarray}
        for what, view in views.items():
            x, dy = view(base), view(dy_base)
            with self.subTest(view=what):
                for name in ("gelu", "elu", "silu"):
                    np.testing.assert_array_equal(activ.forward(name, x),
                                                  activ.forward(name, np.ascontiguousarray(x)))
                    np.testing.assert_array_equal(
                        activ.backward(name, x, dy),
                        activ.backward(name, np.ascontiguousarray(x), np.ascontiguousarray(dy)))
                self.assertFalse(np.shares_memory(activ.gelu(x), base))
                np.testing.assert_array_equal(base, _x(np.float32, (8, 12)))  # input untouched

    def test_fortran_input_gives_fortran_output(self):
        x = np.asfortranarray(_x(np.float64, (6, 4)))
        y = activ.tanh(x)
        self.assertTrue(y.flags.f_contiguous)
        np.testing.assert_array_equal(y, activ.tanh(np.ascontiguousarray(x)))

    def test_out(self):
        x = _x(np.float32)
        want = activ.mish(x)
        out = np.empty_like(x)
        self.assertIs(activ.mish(x, out=out), out)
        np.testing.assert_array_equal(out, want)
        out_f = np.empty(x.shape, np.float32, order="F")
        self.assertIs(activ.mish(x, out=out_f), out_f)
        np.testing.assert_array_equal(out_f, want)
        dx = np.empty_like(x)
        self.assertIs(activ.mish_backward(x, x, out=dx), dx)
        np.testing.assert_array_equal(dx, activ.mish_backward(x, x))

    def test_in_place_and_overlapping_out(self):
        x = _x(np.float64, (50,))
        want = activ.softplus(x)
        y = x.copy()
        self.assertIs(activ.softplus(y, out=y), y)
        np.testing.assert_array_equal(y, want)
        # out starts one element after x in the same buffer: x is copied before it is overwritten.
        buf = np.concatenate([x, [0.0]])
        activ.softplus(buf[:-1], out=buf[1:])
        np.testing.assert_array_equal(buf[1:], want)
        buf = np.concatenate([[0.0], x])
        activ.softplus(buf[1:], out=buf[:-1])
        np.testing.assert_array_equal(buf[:-1], want)

    def test_prelu_per_channel(self):
        x = _x(np.float32, (2, 3, 4))
        w = np.array([0.1, -0.2, 0.3], np.float32)
        want = np.where(x > 0, x, x * w[None, :, None])
        np.testing.assert_array_equal(activ.prelu(x, weight=w), want)
        np.testing.assert_array_equal(activ.prelu(x, weight=[0.1, -0.2, 0.3]), want)
        np.testing.assert_array_equal(activ.prelu(x.transpose(0, 1, 2).copy(order="F"), weight=w),
                                      want)
        dy = _x(np.float32, (2, 3, 4), seed=2)
        dx, dw = activ.prelu_backward(x, dy, weight=w, param_grad=True)
        np.testing.assert_array_equal(dx, np.where(x > 0, dy, dy * w[None, :, None]))
        want_dw = np.where(x > 0, 0, x * dy).astype(np.float64).sum(axis=(0, 2))
        np.testing.assert_allclose(dw, want_dw, rtol=1e-6)
        self.assertEqual((dw.shape, dw.dtype), ((3,), np.float32))
        one = activ.prelu(x, weight=np.array([0.3], np.float32))
        np.testing.assert_array_equal(one, activ.prelu(x, weight=0.3))

    def test_param_grad(self):
        x, dy = _x(np.float64), _x(np.float64, seed=1)
        dx, g = activ.silu_backward(x, dy, beta=1.5, param_grad=True)
        np.testing.assert_array_equal(dx, activ.silu_backward(x, dy, beta=1.5))
        s = 1 / (1 + np.exp(-1.5 * x))
        self.assertAlmostEqual(g, float(np.sum(dy * x * x * s * (1 - s))), places=10)
        dx, g = activ.prelu_backward(x, dy, weight=0.25, param_grad=True)
        self.assertAlmostEqual(g, float(np.sum(np.where(x > 0, 0, x * dy))), places=12)

    def test_rrelu_training_is_seeded(self):
        x = -np.abs(_x(np.float32, (1000,)))
        a = activ.rrelu(x, training=True, seed=7)
        np.testing.assert_array_equal(a, activ.rrelu(x, training=True, seed=7))
        self.assertFalse(np.array_equal(a, activ.rrelu(x, training=True, seed=8)))
        slopes = a / x
        self.assertTrue(np.all((slopes >= 0.125 - 1e-6) & (slopes <= 1 / 3 + 1e-6)))
        dx = activ.rrelu_backward(x, np.ones_like(x), training=True, seed=7)
        np.testing.assert_allclose(dx, slopes, rtol=1e-6)


class Errors(unittest.TestCase):
    def assertError(self, fn, *pieces):
        with self.assertRaises(activ.Error) as cm:
            fn()
        for piece in pieces:
            self.assertIn(piece, str(cm.exception))
        return cm.exception

    def test_messages(self):
        x = _x(np.float32)
        self.assertError(lambda: activ.forward("nope", x), "unknown function 'nope'", "gelu, ")
        self.assertError(lambda: activ.gelu(x, alpha=1.0), "gelu: unknown parameter 'alpha'",
                         "it takes none")
        self.assertError(lambda: activ.elu(x, beta=1.0), "its parameters are alpha")
        self.assertError(lambda: activ.threshold(x), "parameter threshold is required")
        self.assertError(lambda: activ.softplus(x, beta=0.0),
                         "beta must be a finite number other than 0, got 0")
        self.assertError(lambda: activ.elu(x, alpha="a"), "activ.elu: parameter alpha must be a "
                         "number, got builtins.str")
        self.assertError(lambda: activ.hardtanh(x, min_val=2.0), "min_val (2) must not exceed")
        self.assertError(lambda: activ.gelu(x.astype(np.int64)), "activ.gelu: x has dtype int64",
                         "float32 and float64")
        self.assertError(lambda: activ.gelu(x.astype(np.float16).view(np.int16)),
                         "x has dtype int16")  # float16 itself is test_16bit.py's
        self.assertError(lambda: activ.gelu(x.astype(">f4")), "x has dtype >f4")
        self.assertError(lambda: activ.gelu([1.0, 2.0]), "x must be a numpy.ndarray",
                         "got builtins.list")
        self.assertError(lambda: activ.gelu_backward(x, x[:2]),
                         "activ.gelu_backward: dy has shape (2, 7) but x has shape (5, 7)")
        self.assertError(lambda: activ.gelu_backward(x, x.astype(np.float64)),
                         "dy has dtype float64 but x has float32")
        self.assertError(lambda: activ.gelu_backward_from_y(x, x)
                         if hasattr(activ, "gelu_backward_from_y")
                         else activ.backward_from_y("gelu", x, x),
                         "cannot be taken from the output")
        self.assertError(lambda: activ.backward("gelu", x, x, param_grad=True),
                         "no trainable parameter")
        self.assertError(lambda: activ.prelu(x, weight=np.ones(4, np.float32)),
                         "weight has 4 slopes but x has shape (5, 7)")
        self.assertError(lambda: activ.prelu(x, weight=np.ones(7, np.float64)),
                         "weight has dtype float64 but x has float32")

    def test_out_is_checked_and_untouched_on_error(self):
        x = _x(np.float32)
        self.assertError(lambda: activ.gelu(x, out=np.empty((7, 5), np.float32)),
                         "out has shape (7, 5) but the result has shape (5, 7)")
        self.assertError(lambda: activ.gelu(x, out=np.empty((5, 7))),
                         "out has dtype float64 but the result is float32")
        strided = np.zeros((5, 14), np.float32)[:, ::2]
        self.assertError(lambda: activ.gelu(x, out=strided), "out must be contiguous",
                         "strided view")
        self.assertFalse(strided.any())
        ro = np.zeros_like(x)
        ro.flags.writeable = False
        self.assertError(lambda: activ.gelu(x, out=ro), "out is read-only")
        out = np.full_like(x, 7.0)
        self.assertError(lambda: activ.softplus(x, out=out, beta=0.0), "beta")
        self.assertTrue(np.all(out == 7.0))
        self.assertError(lambda: activ.prelu(x, weight=np.ones(1, np.float32),
                                             out=np.empty((7, 5), np.float32).T),
                         "out must be C-contiguous")


class Gil(unittest.TestCase):
    def test_gil_is_released_while_the_kernel_runs(self):
        # While another thread is inside activ.gelu on a large array, this thread keeps running
        # Python code; with the GIL held it could not take a step until the call returned.
        x = np.linspace(-5, 5, 1 << 23)
        y = np.empty_like(x)
        windows = []

        def work():
            for _ in range(3):
                t0 = time.perf_counter()
                activ.gelu(x, out=y)
                windows.append((t0, time.perf_counter()))

        ticks = []
        t = threading.Thread(target=work)
        t.start()
        while t.is_alive():
            ticks.append(time.perf_counter())
        t.join()
        inside = max(sum(1 for s in ticks if a < s < b) for a, b in windows)
        self.assertGreater(inside, 100)


if __name__ == "__main__":
    unittest.main()
