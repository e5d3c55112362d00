"""activ.torch: the generated modules and autograd Functions, gradcheck in float64, the modules
against torch.nn's, and a small MLP trained with each side's modules."""

import unittest

import numpy as np
import torch
import torch.nn as nn

import activ
import activ.torch as at

torch.set_num_threads(1)

# torch.nn's module for each registry function PyTorch has, with the same arguments.
TORCH_MODULES = {
    "identity": (nn.Identity, ()), "sigmoid": (nn.Sigmoid, ()), "tanh": (nn.Tanh, ()),
    "relu": (nn.ReLU, ()), "leaky_relu": (nn.LeakyReLU, (0.2,)), "rrelu": (nn.RReLU, (0.1, 0.3)),
    "elu": (nn.ELU, (0.5,)), "selu": (nn.SELU, ()), "celu": (nn.CELU, (2.0,)),
    "softplus": (nn.Softplus, (2.0, 10.0)), "logsigmoid": (nn.LogSigmoid, ()),
    "softsign": (nn.Softsign, ()), "gelu": (nn.GELU, ()), "silu": (nn.SiLU, ()),
    "mish": (nn.Mish, ()), "hardtanh": (nn.Hardtanh, (-2.0, 3.0)), "relu6": (nn.ReLU6, ()),
    "hardsigmoid": (nn.Hardsigmoid, ()), "hardswish": (nn.Hardswish, ()),
    "threshold": (nn.Threshold, (0.5, -2.0)), "hardshrink": (nn.Hardshrink, (1.0,)),
    "softshrink": (nn.Softshrink, (0.25,)), "tanhshrink": (nn.Tanhshrink, ()),
}
# Arguments for the modules whose function has required parameters.
ARGS = {"threshold": (0.5, -2.0)}


def _inputs(dtype, shape=(6, 5), seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g, dtype=dtype) * 3).requires_grad_()


class Generated(unittest.TestCase):
    def test_a_module_function_and_functional_per_registry_line(self):
        for name in activ.OPS:
            cls = at.MODULES[name]
            self.assertIs(getattr(at, at.class_name(name)), cls)
            self.assertTrue(issubclass(cls, nn.Module))
            self.assertTrue(issubclass(at.FUNCTIONS[name], torch.autograd.Function))
            self.assertIs(getattr(at, name), at.FUNCTIONALS[name])
        for name in ["GELU", "GELUTanh", "SiLU", "Swish", "ReLU", "LeakyReLU", "PReLU", "RReLU",
                     "ELU", "SELU", "CELU", "Softplus", "LogSigmoid", "Mish", "Hardswish",
                     "ReLU6", "Threshold", "Tanhshrink", "QuickGELU", "Squareplus"]:
            self.assertTrue(hasattr(at, name), name)
        self.assertIs(at.Swish, at.SiLU)

    def test_module_arguments_follow_pytorch(self):
        self.assertEqual(at.ELU(0.5).params, {"alpha": 0.5})
        self.assertEqual(at.Hardtanh(-2, 3).params, {"min_val": -2.0, "max_val": 3.0})
        self.assertEqual(at.ReLU(inplace=True).params, {})
        self.assertEqual(at.LeakyReLU(0.2, True).params, {"negative_slope": 0.2})
        self.assertEqual(repr(at.Softplus(beta=2)), "Softplus(beta=2)")
        with self.assertRaisesRegex(activ.Error, "elu: unknown parameter 'beta'"):
            at.ELU(beta=1.0)
        with self.assertRaisesRegex(activ.Error, "threshold is required"):
            at.Threshold()
        with self.assertRaisesRegex(TypeError, "at most 2 positional"):
            at.ELU(1.0, False, 3)
        with self.assertRaisesRegex(TypeError, "no trainable parameter"):
            at.ELU(trainable=True)

    def test_errors(self):
        with self.assertRaisesRegex(activ.Error, "activ computes float32, float64, float16 and "
                                    "bfloat16; this tensor is torch.int32"):
            at.GELU()(torch.ones(3, dtype=torch.int32))
        with self.assertRaisesRegex(TypeError, "expected a torch.Tensor"):
            at.gelu(np.ones(3))


class Gradcheck(unittest.TestCase):
    def test_every_module_in_float64(self):
        for name in activ.OPS:
            module = at.MODULES[name](*ARGS.get(name, ()))
            if name == "rrelu":
                module.eval()
            x = _inputs(torch.float64, (4, 3, 2), seed=1)
            with self.subTest(name=name):
                self.assertTrue(torch.autograd.gradcheck(module, (x,)))

    def test_trainable_parameters(self):
        x = _inputs(torch.float64, (4, 3, 2), seed=2)
        for module in [at.SiLU(beta=1.5, trainable=True).double(), at.PReLU().double(),
                       at.PReLU(3, init=-0.3).double(), at.Swish(trainable=True).double()]:
            params = list(module.parameters())
            self.assertEqual(len(params), 1)

            def fn(x_, p, module=module):
                with torch.no_grad():
                    params[0].copy_(p)
                return at.FUNCTIONS[module._op["name"]].apply(x_, params[0], module.params)

            with self.subTest(module=repr(module)):
                self.assertTrue(torch.autograd.gradcheck(
                    lambda x_, p, module=module: module(x_), (x, params[0])))

    def test_functional_with_tensor_parameter(self):
        x = _inputs(torch.float64, (5, 3), seed=3)
        beta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
        self.assertTrue(torch.autograd.gradcheck(lambda a, b: at.silu(a, beta=b), (x, beta)))
        w = torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64, requires_grad=True)
        self.assertTrue(torch.autograd.gradcheck(lambda a, b: at.prelu(a, weight=b), (x, w)))


class AgainstTorchModules(unittest.TestCase):
    def test_forward_and_gradients_match(self):
        for name, (torch_cls, args) in TORCH_MODULES.items():
            for dtype in (torch.float32, torch.float64):
                mine, theirs = at.MODULES[name](*args), torch_cls(*args)
                mine.eval(), theirs.eval()
                x = _inputs(dtype, (8, 3, 5), seed=4)
                x2 = x.detach().clone().requires_grad_()
                dy = torch.randn(x.shape, dtype=dtype, generator=torch.Generator().manual_seed(5))
                y, y2 = mine(x), theirs(x2)
                y.backward(dy)
                y2.backward(dy)
                tol = 5e-6 if dtype == torch.float32 else 1e-13
                # PyTorch's float64 hardsigmoid gradient uses 1/6 rounded to float32
                # (docs/PYTHON.md); activ's is the exact one.
                gtol = 4e-8 if (name, dtype) == ("hardsigmoid", torch.float64) else tol
                with self.subTest(name=name, dtype=str(dtype)):
                    torch.testing.assert_close(y, y2, rtol=tol, atol=tol)
                    torch.testing.assert_close(x.grad, x2.grad, rtol=gtol, atol=gtol)

    def test_prelu_and_gelu_tanh(self):
        x = _inputs(torch.float32, (8, 3, 5), seed=6)
        x2 = x.detach().clone().requires_grad_()
        mine, theirs = at.PReLU(3, init=0.1), nn.PReLU(3, init=0.1)
        mine(x).sum().backward()
        theirs(x2).sum().backward()
        torch.testing.assert_close(x.grad, x2.grad)
        torch.testing.assert_close(mine.weight.grad, theirs.weight.grad, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(at.GELU(approximate="tanh")(x),
                                   nn.GELU(approximate="tanh")(x), rtol=5e-6, atol=5e-6)

    def test_non_contiguous_and_expanded_gradients(self):
        x = _inputs(torch.float64, (6, 8), seed=7)
        y = at.Mish()(x.t()[::2])  # strided input; sum's gradient is an expanded tensor
        y.sum().backward()
        x2 = x.detach().clone().requires_grad_()
        nn.Mish()(x2.t()[::2]).sum().backward()
        torch.testing.assert_close(x.grad, x2.grad, rtol=1e-13, atol=1e-13)

    def test_rrelu_training(self):
        x = -torch.rand(2000, dtype=torch.float64) - 0.1
        x.requires_grad_()
        m = at.RReLU(0.1, 0.3).train()
        torch.manual_seed(9)
        y = m(x)
        torch.manual_seed(9)
        self.assertTrue(torch.equal(y, m(x)))
        self.assertFalse(torch.equal(y, m(x)))
        slopes = (y / x).detach()
        self.assertTrue(bool(((slopes >= 0.1) & (slopes <= 0.3)).all()))
        self.assertGreater(float(slopes.std()), 0.03)
        y.backward(torch.ones_like(y))
        torch.testing.assert_close(x.grad, slopes)


class SoftmaxAndGatedModules(unittest.TestCase):
    """activ.torch's Softmax, LogSoftmax, Softmin, GLU and SwiGLU: gradcheck in float64, against
    torch.nn's in float32 and float64, and the bits of activ's own 16-bit calls."""

    ROWS = {"softmax": (at.Softmax, nn.Softmax), "log_softmax": (at.LogSoftmax, nn.LogSoftmax),
            "softmin": (at.Softmin, nn.Softmin)}

    def test_gradcheck(self):
        x = _inputs(torch.float64, (4, 3, 5), seed=10)
        for name, (cls, _) in self.ROWS.items():
            for dim in (0, 1, -1):
                with self.subTest(name=name, dim=dim):
                    self.assertTrue(torch.autograd.gradcheck(cls(dim), (x,)))
        self.assertTrue(torch.autograd.gradcheck(at.GLU(1), (_inputs(torch.float64, (3, 6)),)))
        up = _inputs(torch.float64, (4, 3, 5), seed=11)
        for beta in (1.0, 1.5):
            self.assertTrue(torch.autograd.gradcheck(at.SwiGLU(beta), (x, up)))

    def test_against_torch_nn(self):
        for dtype, tol in ((torch.float32, 2e-6), (torch.float64, 1e-14)):
            x = _inputs(dtype, (6, 4, 8), seed=12)
            up = _inputs(dtype, (6, 4, 8), seed=13)
            dy = torch.randn(x.shape, dtype=dtype, generator=torch.Generator().manual_seed(14))
            pairs = [(cls(dim), tcls(dim), (x,)) for cls, tcls in self.ROWS.values()
                     for dim in (0, -1)]
            pairs.append((at.GLU(0), nn.GLU(0), (x,)))
            pairs.append((at.SwiGLU(), lambda g, u: nn.functional.silu(g) * u, (x, up)))
            pairs.append((at.SwiGLU(1.5), lambda g, u: g * torch.sigmoid(1.5 * g) * u, (x, up)))
            for mine, theirs, inputs in pairs:
                a = [t.detach().clone().requires_grad_() for t in inputs]
                b = [t.detach().clone().requires_grad_() for t in inputs]
                ya, yb = mine(*a), theirs(*b)
                ya.backward(dy[tuple(slice(0, n) for n in ya.shape)])
                yb.backward(dy[tuple(slice(0, n) for n in yb.shape)])
                with self.subTest(module=repr(mine), dtype=str(dtype)):
                    torch.testing.assert_close(ya, yb, rtol=tol, atol=tol)
                    for ga, gb in zip(a, b):
                        torch.testing.assert_close(ga.grad, gb.grad, rtol=tol, atol=tol)

    def test_16bit_are_activs_own_bits(self):
        g = torch.Generator().manual_seed(15)
        for dtype, storage in ((torch.bfloat16, "bfloat16"), (torch.float16, "float16")):
            x = (torch.randn(5, 16, generator=g) * 3).to(dtype).requires_grad_()
            up = torch.randn(5, 16, generator=g).to(dtype).requires_grad_()
            dy = torch.randn(5, 16, generator=g).to(dtype)

            def bits(t):
                return t.detach().view(torch.int16).numpy()

            with self.subTest(dtype=str(dtype)):
                y = at.SwiGLU()(x, up)
                y.backward(dy)
                self.assertEqual(y.dtype, dtype)
                want = activ.swiglu(bits(x), bits(up), storage=storage)
                np.testing.assert_array_equal(bits(y), want.view(np.int16))
                dg, du = activ.swiglu_backward(bits(x), bits(up), bits(dy), storage=storage)
                np.testing.assert_array_equal(bits(x.grad), dg.view(np.int16))
                np.testing.assert_array_equal(bits(up.grad), du.view(np.int16))
                x.grad = None
                y = at.Softmax(dim=1)(x)
                y.backward(dy)
                want = activ.softmax(bits(x), 1, storage=storage)
                np.testing.assert_array_equal(bits(y), want.view(np.int16))
                want = activ.softmax_backward(bits(y), bits(dy), 1, storage=storage)
                np.testing.assert_array_equal(bits(x.grad), want.view(np.int16))
                y = at.GLU()(x)
                self.assertEqual((y.dtype, tuple(y.shape)), (dtype, (5, 8)))
                np.testing.assert_array_equal(
                    bits(y), activ.glu(bits(x), storage=storage).view(np.int16))

    def test_errors(self):
        with self.assertRaisesRegex(TypeError, "pass dim"):
            at.Softmax()
        with self.assertRaisesRegex(TypeError, "pass dim"):
            at.log_softmax(torch.ones(3))
        with self.assertRaisesRegex(activ.Error, "must match"):
            at.swiglu(torch.ones(3), torch.ones(4))
        with self.assertRaisesRegex(activ.Error, "must match"):
            at.swiglu(torch.ones(3), torch.ones(3, dtype=torch.float64))
        self.assertEqual(repr(at.Softmax(dim=1)), "Softmax(dim=1)")
        self.assertIs(at.ROW_MODULES["swiglu"], at.SwiGLU)


class TrainingAnMLP(unittest.TestCase):
    """The same MLP, init and data, trained with torch.nn's activations and with activ's: the
    losses agree step by step."""

    def _train(self, make_acts, dtype, steps=30):
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(1)
        x = torch.randn(64, 10, generator=g, dtype=dtype)
        target = torch.tanh(2 * x[:, :3]) * x[:, 3:6]
        a1, a2, a3 = make_acts()
        model = nn.Sequential(nn.Linear(10, 32), a1, nn.Linear(32, 32), a2, nn.Linear(32, 16),
                              a3, nn.Linear(16, 3)).to(dtype)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), target)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    def test_same_losses(self):
        sets = {
            "GELU, SiLU, PReLU": (lambda: (nn.GELU(), nn.SiLU(), nn.PReLU()),
                                  lambda: (at.GELU(), at.SiLU(), at.PReLU())),
            "ELU, Softplus, Tanh": (lambda: (nn.ELU(), nn.Softplus(), nn.Tanh()),
                                    lambda: (at.ELU(), at.Softplus(), at.Tanh())),
            "Mish, Hardswish, LeakyReLU": (lambda: (nn.Mish(), nn.Hardswish(), nn.LeakyReLU()),
                                           lambda: (at.Mish(), at.Hardswish(), at.LeakyReLU())),
        }
        for what, (theirs, mine) in sets.items():
            for dtype, rtol in ((torch.float32, 1e-5), (torch.float64, 1e-12)):
                with self.subTest(acts=what, dtype=str(dtype)):
                    want = self._train(theirs, dtype)
                    got = self._train(mine, dtype)
                    self.assertLess(want[-1], want[0] * 0.85)  # it does learn
                    np.testing.assert_allclose(got, want, rtol=rtol)


if __name__ == "__main__":
    unittest.main()
