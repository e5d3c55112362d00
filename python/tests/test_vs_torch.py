"""activ against PyTorch, function by function: forward and gradient, float32 and float64, on
special values and random inputs of several shapes (torch_cases.py has the cases).

Where the two differ, the long double reference decides: activ must be within its bound of the
reference everywhere, and every element where PyTorch is off must fall in a category that
torch_cases.REASONS declares, with its reason, for that function. docs/PYTHON.md shows the same
measurements (python/make_doc.py).
"""

import decimal
import unittest

import numpy as np
import torch
import torch.nn.functional as F

import activ
import _activ_reference as ref
import torch_cases as tc

torch.set_num_threads(1)


def _input_sets(case, dtype):
    return ([("special values", *tc.special_set(case, dtype))]
            + [(f"random {x.shape}", x, dy) for x, dy in tc.shaped_inputs(dtype)]
            + [("random wide", *tc.random_inputs(dtype, 6000, 11))])


class ActivVersusTorch(unittest.TestCase):
    def test_every_case_agrees_or_activ_is_right(self):
        for case in tc.CASES:
            for dtype in tc.DTYPES:
                for what, x, dy in _input_sets(case, dtype):
                    results = tc.run(case, x, dy)
                    for direction, m in results.items():
                        with self.subTest(case=case.label, dtype=dtype.__name__, inputs=what,
                                          direction=direction):
                            self._check(case, dtype, direction, m)

    def _check(self, case, dtype, direction, m):
        limit = tc.bound(case.name, dtype, direction)
        worst = int(np.argmax(m.activ_err))
        self.assertLessEqual(
            m.activ_err[worst], limit,
            f"activ is {m.activ_err[worst]:.3g} ULP from the reference at x = {m.x[worst]!r}: "
            f"{m.activ[worst]!r}, exact {m.exact[worst]!r}")
        # The output has the input's shape and dtype (run() flattens both the same way).
        self.assertEqual(m.activ.dtype, dtype)
        unexplained = np.nonzero(m.category == "?")[0]
        if unexplained.size:
            i = unexplained[0]
            self.fail(f"activ and PyTorch differ at x = {m.x[i]!r} (dy = "
                      f"{None if m.dy is None else m.dy[i]!r}): activ {m.activ[i]!r}, PyTorch "
                      f"{m.torch[i]!r}, exact {m.exact[i]!r}; PyTorch's error does not look "
                      "like lost precision, overflow or NaN handling")
        seen = set(m.category[m.category != ""])
        declared = set(tc.REASONS[case.name])
        self.assertLessEqual(seen, declared,
                             f"differences without a documented reason: {seen - declared}")
        # Where PyTorch is accurate, the two agree to within both bounds.
        agree = m.category == ""
        if agree.any():
            self.assertLessEqual(m.diff[agree].max(), limit + tc.TORCH_ACCURATE_ULP)

    def test_special_values_reach_the_documented_differences(self):
        # The categories the doc explains actually occur (so the table's reasons are not stale),
        # and a few landmark values: activ's tails where PyTorch flushes or overflows.
        def one(name, x, dtype, **params):
            return activ.forward(name, np.array([x], dtype), **params)[0]
        self.assertAlmostEqual(one("sigmoid", -100, np.float32) / 3.7200759760208e-44, 1, 1)
        self.assertEqual(torch.sigmoid(torch.tensor([-100.0])).item(), 0.0)
        self.assertLess(one("silu", -88, np.float32), 0)
        self.assertAlmostEqual(one("elu", -1e-30, np.float32) / -1e-30, 1, 6)
        self.assertEqual(F.elu(torch.tensor([-1e-30])).item(), 0.0)
        self.assertAlmostEqual(one("gelu", -10, np.float64) / -7.619853024160527e-23, 1, 12)
        self.assertEqual(one("hardswish", 3e38, np.float32), np.float32(3e38))
        self.assertTrue(np.isinf(F.hardswish(torch.tensor([3e38])).item()))
        self.assertTrue(np.isnan(F.softsign(torch.tensor([np.inf])).item()))
        self.assertEqual(one("softsign", np.inf, np.float32), 1.0)


class PerChannelAndTrainable(unittest.TestCase):
    def test_prelu_per_channel_matches_torch(self):
        rng = np.random.default_rng(3)
        for dtype in tc.DTYPES:
            x = rng.standard_normal((4, 3, 5, 2)).astype(dtype)
            dy = rng.standard_normal(x.shape).astype(dtype)
            w = np.array([0.25, -0.5, 2.0], dtype)
            xt = torch.tensor(x, requires_grad=True)
            wt = torch.tensor(w, requires_grad=True)
            yt = F.prelu(xt, wt)
            yt.backward(torch.from_numpy(dy))
            y = activ.prelu(x, weight=w)
            dx, dw = activ.prelu_backward(x, dy, weight=w, param_grad=True)
            np.testing.assert_array_equal(y, yt.detach().numpy())
            np.testing.assert_array_equal(dx, xt.grad.numpy())
            rtol = 1e-6 if dtype == np.float32 else 1e-13
            np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=rtol)
            # activ sums in double, and rounds once to the weight's type.
            for c in range(3):
                exact = ref.param_grad("prelu", np.ascontiguousarray(x[:, c]).ravel(),
                                       np.ascontiguousarray(dy[:, c]).ravel(),
                                       {"weight": float(w[c])})
                self.assertLessEqual(abs(dw[c] - exact), np.spacing(dtype(abs(exact))))

    def test_silu_beta_gradient_matches_torch_and_reference(self):
        rng = np.random.default_rng(4)
        for dtype in tc.DTYPES:
            x = (rng.standard_normal(1000) * 4).astype(dtype)
            dy = rng.standard_normal(1000).astype(dtype)
            beta = dtype(1.5)
            xt = torch.tensor(x, requires_grad=True)
            bt = torch.tensor(beta, requires_grad=True)
            yt = xt * torch.sigmoid(bt * xt)
            yt.backward(torch.from_numpy(dy))
            y = activ.silu(x, beta=float(beta))
            dx, dbeta = activ.silu_backward(x, dy, beta=float(beta), param_grad=True)
            exact = ref.param_grad("silu", x, dy, {"beta": float(beta)})
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(y, yt.detach().numpy(), rtol=tol, atol=tol)
            np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=tol, atol=tol)
            self.assertAlmostEqual(dbeta / exact, 1.0, delta=1e-14)
            self.assertAlmostEqual(bt.grad.item() / exact, 1.0, delta=tol)
            err = ref.forward_error("silu", x, y, {"beta": float(beta)})
            self.assertLessEqual(err.max(), tc.bound("silu", dtype, "forward"))

    def test_backward_from_y_matches_torch_and_reference(self):
        # PyTorch takes sigmoid's, tanh's, relu's, leaky_relu's and elu's gradients from y too.
        torch_fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
                     "leaky_relu": F.leaky_relu, "elu": F.elu, "identity": lambda t: t * 1}
        rng = np.random.default_rng(5)
        for name, op in activ.OPS.items():
            if not op["from_y"]:
                continue
            for dtype in tc.DTYPES:
                x = (rng.standard_normal(2000) * 3).astype(dtype)
                dy = rng.standard_normal(2000).astype(dtype)
                y = activ.forward(name, x)
                dx = activ.backward_from_y(name, y, dy)
                err = ref.backward_error(name, x, dy, dx, {}, from_y=True)
                with self.subTest(name=name, dtype=dtype.__name__):
                    self.assertLessEqual(err.max(), tc.bound(name, dtype, "backward"))
                    xt = torch.tensor(x, requires_grad=True)
                    torch_fns[name](xt).backward(torch.from_numpy(dy))
                    tol = 1e-6 if dtype == np.float32 else 1e-14
                    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=tol, atol=tol)


class ReferenceSpotChecks(unittest.TestCase):
    """The judge itself, checked at the landmark points with Python's decimal at 60 digits,
    independently of both activ's kernels and its long double reference."""

    def test_reference_against_decimal(self):
        D = decimal.Decimal
        decimal.getcontext().prec = 60

        def sigmoid(x):
            return 1 / (1 + (-x).exp())

        def tanh(x):
            e = (2 * x).exp()
            return (e - 1) / (e + 1)

        def softplus(x):
            return (1 + x.exp()).ln()

        def erfc_neg(z):  # 1 + erf(-z) = erfc(z) for z > 0, by the series of erf at 80 digits
            with decimal.localcontext() as c:
                c.prec = 80
                total, term, n = D(0), z, 0
                while True:
                    t = term / (2 * n + 1)
                    total += t
                    if abs(t) < D(10) ** -75:
                        break
                    n += 1
                    term = -term * z * z / n
                pi = _pi()
                return 1 - 2 / pi.sqrt() * total

        points = [
            ("sigmoid", -100.0, lambda x: sigmoid(x)),
            ("sigmoid", -700.0, lambda x: sigmoid(x)),
            ("silu", -88.0, lambda x: x * sigmoid(x)),
            ("elu", -1e-30, lambda x: x.exp() - 1),
            ("logsigmoid", -100.0, lambda x: -softplus(-x)),
            ("softplus", 1e-20, lambda x: softplus(x)),
            ("mish", -20.0, lambda x: x * tanh(softplus(x))),
            ("tanhshrink", 1e-3, lambda x: x - tanh(x)),
            ("gelu", -10.0, lambda x: x / 2 * erfc_neg(-x / D(2).sqrt())),
            ("gelu", -3.0, lambda x: x / 2 * erfc_neg(-x / D(2).sqrt())),
        ]
        for name, x, exact_fn in points:
            for dtype in tc.DTYPES:
                xs = np.array([x], dtype)
                exact = float(exact_fn(D(float(xs[0]))))
                with self.subTest(name=name, x=x, dtype=dtype.__name__):
                    got = ref.reference(name, xs)[0]
                    # The reference, rounded to double, within 1 double ULP of the decimal value.
                    self.assertLessEqual(abs(got - exact), np.spacing(abs(exact)))
                    y = activ.forward(name, xs)[0]
                    self.assertLessEqual(abs(float(y) - exact),
                                         tc.bound(name, dtype, "forward") * np.spacing(
                                             dtype(abs(exact))) * 1.0000001)


def _pi():
    """pi to the current decimal precision (Machin's formula)."""
    D = decimal.Decimal

    def arctan_inv(n):
        total, term, k, sign = D(0), D(1) / n, 1, 1
        while term > D(10) ** -(decimal.getcontext().prec + 2):
            total += sign * term / k
            term /= n * n
            k += 2
            sign = -sign
        return total

    return 16 * arctan_inv(5) - 4 * arctan_inv(239)


if __name__ == "__main__":
    unittest.main()
