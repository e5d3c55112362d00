"""activ.torch: activ's kernels as PyTorch autograd Functions and nn.Modules.

For every function of activ's registry there is, made at import from the registry:

    activ.torch.GELU(), activ.torch.SiLU(beta=1.5), activ.torch.Threshold(0.5, -2.0), ...
        nn.Module wrappers with PyTorch's class names, parameter names, order and defaults, so
        that a model can swap them for torch.nn's (MODULES: {registry name: class});
    activ.torch.gelu(x, **params)
        the functional form, like torch.nn.functional (FUNCTIONALS);
    FUNCTIONS: {registry name: torch.autograd.Function}, forward and backward on activ's kernels.

They run on CPU tensors of float32, float64, float16 and bfloat16, of any shape and layout,
through NumPy views of the tensors (no copy of a contiguous tensor). NumPy has no bfloat16: a
16-bit tensor goes to activ as its raw bits (an int16 view) with its storage type named, so the
results are the bits activ's C++ 16-bit entry points give: a float32 result rounded once to
nearest even. PReLU with one slope per channel is float32 and float64 only.
PReLU's weight is an nn.Parameter, as in PyTorch,
and SiLU(beta=..., trainable=True) makes beta one: their gradients come from activ's kernels.
RReLU draws its random slopes in training mode with activ's generator, seeded from PyTorch's
(torch.manual_seed makes a run repeatable); in eval mode it uses (lower + upper) / 2, as PyTorch.
Every module, functional and Function takes accuracy="faithful" (the default) or "fast", as
activ's functions do (activ.ACCURACIES; docs/SPEC.md, Accuracy modes): SiLU(accuracy="fast"),
activ.torch.sigmoid(x, accuracy="fast"); the backward pass uses the same mode.
`inplace=True` is accepted for drop-in use and changes nothing: activ's modules never write into
their input. The backward passes are not themselves differentiable (no double backward).
"""

import numpy as _np
import torch as _torch
from torch.autograd.function import once_differentiable as _once_differentiable

from . import OPS, ALIASES, ACCURACIES, Error, _activ

#: PyTorch's spelling of the class names; the others are the name in CamelCase.
CLASS_NAMES = {
    "identity": "Identity", "relu": "ReLU", "leaky_relu": "LeakyReLU", "prelu": "PReLU",
    "rrelu": "RReLU", "elu": "ELU", "selu": "SELU", "celu": "CELU", "logsigmoid": "LogSigmoid",
    "gelu": "GELU", "gelu_tanh": "GELUTanh", "silu": "SiLU", "quick_gelu": "QuickGELU",
    "relu6": "ReLU6", "relu_squared": "ReLUSquared", "swish": "Swish",
}


def class_name(name):
    return CLASS_NAMES.get(name) or "".join(part.capitalize() for part in name.split("_"))


#: The 16-bit tensor types, by the storage name activ's entry points take with their bits.
_STORAGE = {_torch.float16: "float16", _torch.bfloat16: "bfloat16"}
_DTYPES = (_torch.float32, _torch.float64) + tuple(_STORAGE)


def _array(t):
    """A NumPy view of a CPU tensor: the same memory, with the tensor's strides; a 16-bit
    tensor's raw bits as int16 (NumPy has no bfloat16)."""
    t = t.detach()
    return t.view(_torch.int16).numpy() if t.dtype in _STORAGE else t.numpy()


def _check(fn, x):
    if not isinstance(x, _torch.Tensor):
        raise TypeError(f"activ.torch.{fn}: expected a torch.Tensor, got {type(x).__name__}")
    if x.device.type != "cpu":
        raise Error(f"activ.torch.{fn}: activ runs on CPU tensors; this one is on {x.device}")
    if x.dtype not in _DTYPES:
        raise Error(f"activ.torch.{fn}: activ computes float32, float64, float16 and bfloat16; "
                    f"this tensor is {x.dtype}")


def _accuracy(fn, accuracy):
    """accuracy as given, checked when a module is made rather than at its first call."""
    if not isinstance(accuracy, str) or accuracy not in ACCURACIES:
        raise Error(f"activ.torch.{fn}: accuracy must be 'faithful' (the default, within 1 ULP) "
                    f"or 'fast' (within 4 ULP), got {accuracy!r}")
    return accuracy


def _accuracy_repr(accuracy):
    return [] if accuracy == "faithful" else [f"accuracy={accuracy!r}"]


def _param_value(t):
    """A trainable parameter as activ takes it: a number, or one slope per channel."""
    return t.item() if t.numel() == 1 else _array(t.reshape(-1))


def _make_function(op):
    name = op["name"]
    trainable = op["params"][0]["name"] if op["param_grad"] else None

    def forward(ctx, x, param, params, accuracy="faithful"):
        _check(name, x)
        if param is not None:
            if param.numel() > 1 and x.dtype in _STORAGE:
                raise Error(f"activ.torch.{name}: one slope per channel is computed in float32 "
                            f"and float64 only (activ has no 16-bit per-channel kernel); this "
                            f"tensor is {x.dtype}")
            params = dict(params, **{trainable: _param_value(param)})
        y = _torch.empty(x.shape, dtype=x.dtype)
        _activ.forward(name, _array(x), _array(y), params, _STORAGE.get(x.dtype), accuracy)
        ctx.save_for_backward(x, param)
        ctx.params = params
        ctx.accuracy = accuracy
        return y

    @_once_differentiable
    def backward(ctx, dy):
        x, param = ctx.saved_tensors
        dx = _torch.empty(x.shape, dtype=x.dtype)
        want = param is not None and ctx.needs_input_grad[1]
        got = _activ.backward(name, _array(x), _array(dy.to(x.dtype)), _array(dx), ctx.params,
                              want, _STORAGE.get(x.dtype), ctx.accuracy)
        if not want:
            return dx, None, None, None
        grad = _torch.as_tensor(got[1], dtype=param.dtype).reshape(param.shape)
        return dx, grad, None, None

    return type(class_name(name) + "Function", (_torch.autograd.Function,), {
        "__doc__": f"activ's {name} ({op['formula']}) forward and backward, on CPU tensors.",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


#: {registry name: torch.autograd.Function};
#: apply(x, trainable_param_or_None, params_dict, accuracy="faithful").
FUNCTIONS = {name: _make_function(op) for name, op in OPS.items()}


def _make_functional(op):
    name = op["name"]
    fn = FUNCTIONS[name]
    trainable = op["params"][0]["name"] if op["param_grad"] else None

    def functional(x, *, accuracy="faithful", **params):
        param = None
        if trainable is not None and isinstance(params.get(trainable), _torch.Tensor):
            param = params.pop(trainable)
        return fn.apply(x, param, params, accuracy)

    functional.__name__ = functional.__qualname__ = name
    functional.__doc__ = (f"{name}(x, *, accuracy='faithful', **params): {op['formula']}, on "
                          "activ's kernels, differentiable." +
                          (f" A tensor {trainable} gets a gradient." if trainable else ""))
    return functional


#: {registry name: functional form}, like torch.nn.functional.
FUNCTIONALS = {name: _make_functional(op) for name, op in OPS.items()}


class _Activation(_torch.nn.Module):
    """An activation of activ's registry as an nn.Module (see the generated subclasses)."""
    _op = None

    def __init__(self, *args, inplace=False, trainable=False, accuracy="faithful", **params):
        super().__init__()
        self.accuracy = _accuracy(type(self).__name__, accuracy)
        names = [p["name"] for p in self._op["params"]]
        # PyTorch's positional order: the parameters, then inplace.
        if len(args) > len(names) + 1:
            raise TypeError(f"{type(self).__name__} takes at most {len(names) + 1} positional "
                            f"arguments ({', '.join(names + ['inplace'])}), got {len(args)}")
        if len(args) == len(names) + 1:
            inplace = args[-1]
            args = args[:-1]
        for n, v in zip(names, args):
            if n in params:
                raise TypeError(f"{type(self).__name__} got {n} twice")
            params[n] = v
        self.inplace = bool(inplace)
        # activ checks the names and the values now, not at the first forward.
        _activ.forward(self._op["name"], _np.empty(0, _np.float32), None, params)
        self.params = {k: float(v) for k, v in params.items()}
        self._trainable = None
        if trainable:
            if not self._op["param_grad"]:
                raise TypeError(f"{type(self).__name__} has no trainable parameter")
            first = self._op["params"][0]
            self._trainable = first["name"]
            value = self.params.pop(first["name"], first["default"])
            setattr(self, first["name"], _torch.nn.Parameter(_torch.tensor(float(value))))

    def _call_params(self):
        return self.params

    def forward(self, x):
        param = getattr(self, self._trainable) if self._trainable else None
        return FUNCTIONS[self._op["name"]].apply(x, param, self._call_params(), self.accuracy)

    def extra_repr(self):
        parts = [f"{k}={v:g}" for k, v in self.params.items()]
        if self._trainable:
            parts.append(f"{self._trainable}=Parameter")
        return ", ".join(parts + _accuracy_repr(self.accuracy))


def _make_module(op):
    doc = (f"activ's {op['name']}: {op['formula']}; parameters: "
           + (", ".join(f"{p['name']}={p['default']}" for p in op["params"]) or "none") + ".")
    return type(class_name(op["name"]), (_Activation,), {"_op": op, "__doc__": doc})


#: {registry name: nn.Module class}.
MODULES = {name: _make_module(op) for name, op in OPS.items()}


class PReLU(MODULES["prelu"]):
    """activ's prelu with a trainable weight, PyTorch's signature: one slope, or one per channel
    (dimension 1 of the input), initialised to `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None, *,
                 accuracy="faithful"):
        _torch.nn.Module.__init__(self)
        self.accuracy = _accuracy("PReLU", accuracy)
        self.num_parameters = num_parameters
        self.params = {}
        self._trainable = "weight"
        self.weight = _torch.nn.Parameter(
            _torch.full((num_parameters,), float(init), device=device, dtype=dtype))

    def extra_repr(self):
        return ", ".join([f"num_parameters={self.num_parameters}"]
                         + _accuracy_repr(self.accuracy))


class GELU(MODULES["gelu"]):
    """activ's gelu; approximate='tanh' gives gelu_tanh, as torch.nn.GELU does."""

    def __init__(self, approximate="none", *, accuracy="faithful"):
        if approximate not in ("none", "tanh"):
            raise Error(f"activ.torch.GELU: approximate must be 'none' or 'tanh', got "
                        f"{approximate!r}")
        super().__init__(accuracy=accuracy)
        self.approximate = approximate

    def forward(self, x):
        name = "gelu_tanh" if self.approximate == "tanh" else "gelu"
        return FUNCTIONS[name].apply(x, None, {}, self.accuracy)

    def extra_repr(self):
        return ", ".join([f"approximate={self.approximate!r}"] + _accuracy_repr(self.accuracy))


class RReLU(MODULES["rrelu"]):
    """activ's rrelu: random slopes in [lower, upper] in training mode, drawn by activ from a seed
    that PyTorch's generator gives each call; (lower + upper) / 2 in eval mode."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False, *, accuracy="faithful"):
        super().__init__(lower=lower, upper=upper, inplace=inplace, accuracy=accuracy)

    def _call_params(self):
        if not self.training:
            return dict(self.params, training=0)
        seed = int(_torch.randint(0, 2**53, ()))
        return dict(self.params, training=1, seed=seed)


MODULES.update(prelu=PReLU, gelu=GELU, rrelu=RReLU)
for _alias, _target in ALIASES.items():
    MODULES[_alias] = MODULES[_target]
    FUNCTIONS[_alias] = FUNCTIONS[_target]
    FUNCTIONALS[_alias] = FUNCTIONALS[_target]
globals().update({class_name(n): cls for n, cls in MODULES.items()})
globals().update(FUNCTIONALS)
del _alias, _target


# The softmax family and the gated units, on the row-wise and gated kernels, when the extension
# was built with them (activ.softmax and the others exist).
def _from_array(a, dtype):
    """A tensor over a NumPy result; 16-bit results come back from activ as raw bits."""
    if dtype in _STORAGE:
        return _torch.from_numpy(_np.ascontiguousarray(a).view(_np.int16)).view(dtype)
    return _torch.from_numpy(a)


def _like(fn, t, ref, what):
    _check(fn, t)
    if t.dtype != ref.dtype or t.shape != ref.shape:
        raise Error(f"activ.torch.{fn}: {what} is {t.dtype} {tuple(t.shape)}, the gate "
                    f"{ref.dtype} {tuple(ref.shape)}; they must match")


def _make_row_function(name):
    fwd = getattr(_activ, name)
    bwd = getattr(_activ, name + "_backward")

    def forward(ctx, x, dim, accuracy="faithful"):
        _check(name, x)
        y = _torch.empty(x.shape, dtype=x.dtype)
        fwd(_array(x), dim, out=_array(y), storage=_STORAGE.get(x.dtype), accuracy=accuracy)
        ctx.save_for_backward(y)
        ctx.dim = dim
        ctx.accuracy = accuracy
        return y

    @_once_differentiable
    def backward(ctx, dy):
        (y,) = ctx.saved_tensors
        dx = _torch.empty(y.shape, dtype=y.dtype)
        bwd(_array(y), _array(dy.to(y.dtype)), ctx.dim, out=_array(dx),
            storage=_STORAGE.get(y.dtype), accuracy=ctx.accuracy)
        return dx, None, None

    return type(class_name(name) + "Function", (_torch.autograd.Function,), {
        "__doc__": f"activ's {name} along a dimension, forward and backward (from the output).",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


class SwiGLUFunction(_torch.autograd.Function):
    """activ's swiglu, silu(gate, beta) * up, forward and backward in one pass each."""

    @staticmethod
    def forward(ctx, gate, up, beta, accuracy="faithful"):
        _check("swiglu", gate)
        _like("swiglu", up, gate, "up")
        y = _torch.empty(gate.shape, dtype=gate.dtype)
        _activ.swiglu(_array(gate), _array(up), out=_array(y), beta=beta,
                      storage=_STORAGE.get(gate.dtype), accuracy=accuracy)
        ctx.save_for_backward(gate, up)
        ctx.beta = beta
        ctx.accuracy = accuracy
        return y

    @staticmethod
    @_once_differentiable
    def backward(ctx, dout):
        gate, up = ctx.saved_tensors
        d_gate, d_up = _activ.swiglu_backward(_array(gate), _array(up),
                                              _array(dout.to(gate.dtype)), beta=ctx.beta,
                                              storage=_STORAGE.get(gate.dtype),
                                              accuracy=ctx.accuracy)
        return _from_array(d_gate, gate.dtype), _from_array(d_up, gate.dtype), None, None


class GLUFunction(_torch.autograd.Function):
    """activ's glu along a dimension: x's first half times sigmoid of its second half."""

    @staticmethod
    def forward(ctx, x, dim, accuracy="faithful"):
        _check("glu", x)
        y = _activ.glu(_array(x), dim, storage=_STORAGE.get(x.dtype), accuracy=accuracy)
        ctx.save_for_backward(x)
        ctx.dim = dim
        ctx.accuracy = accuracy
        return _from_array(y, x.dtype)

    @staticmethod
    @_once_differentiable
    def backward(ctx, dout):
        (x,) = ctx.saved_tensors
        dx = _torch.empty(x.shape, dtype=x.dtype)
        _activ.glu_backward(_array(x), _array(dout.to(x.dtype)), ctx.dim, out=_array(dx),
                            storage=_STORAGE.get(x.dtype), accuracy=ctx.accuracy)
        return dx, None, None


def _need_dim(cls, dim):
    # PyTorch's implicit choice of dim for dim=None is deprecated there; activ asks for it.
    if dim is None:
        raise TypeError(f"activ.torch.{cls}: pass dim (PyTorch's implicit choice for dim=None "
                        "is deprecated and not reproduced)")
    return int(dim)


class _RowModule(_torch.nn.Module):
    _name = None

    def __init__(self, dim=None, *, accuracy="faithful"):
        super().__init__()
        self.dim = _need_dim(type(self).__name__, dim)
        self.accuracy = _accuracy(type(self).__name__, accuracy)

    def forward(self, x):
        return ROW_FUNCTIONS[self._name].apply(x, self.dim, self.accuracy)

    def extra_repr(self):
        return ", ".join([f"dim={self.dim}"] + _accuracy_repr(self.accuracy))


class SwiGLU(_torch.nn.Module):
    """activ's swiglu as a module: forward(gate, up) = silu(gate, beta) * up, the gated unit of
    LLaMA-style feed-forward blocks (torch.nn has none: F.silu(gate) * up)."""

    def __init__(self, beta=1.0, *, accuracy="faithful"):
        super().__init__()
        self.beta = float(beta)
        self.accuracy = _accuracy("SwiGLU", accuracy)

    def forward(self, gate, up):
        return SwiGLUFunction.apply(gate, up, self.beta, self.accuracy)

    def extra_repr(self):
        return ", ".join([f"beta={self.beta:g}"] + _accuracy_repr(self.accuracy))


class GLU(_torch.nn.Module):
    """activ's glu, as torch.nn.GLU(dim=-1): x[..., :H] * sigmoid(x[..., H:]) along dim."""

    def __init__(self, dim=-1, *, accuracy="faithful"):
        super().__init__()
        self.dim = int(dim)
        self.accuracy = _accuracy("GLU", accuracy)

    def forward(self, x):
        return GLUFunction.apply(x, self.dim, self.accuracy)

    def extra_repr(self):
        return ", ".join([f"dim={self.dim}"] + _accuracy_repr(self.accuracy))


def swiglu(gate, up, beta=1.0, *, accuracy="faithful"):
    """silu(gate, beta) * up on activ's kernels, differentiable in gate and up."""
    return SwiGLUFunction.apply(gate, up, float(beta), accuracy)


def glu(x, dim=-1, *, accuracy="faithful"):
    """As torch.nn.functional.glu, on activ's kernels."""
    return GLUFunction.apply(x, int(dim), accuracy)


#: {name: torch.autograd.Function} of the softmax family (backward from the output).
ROW_FUNCTIONS = {}
#: {name: nn.Module class} of the softmax family and the gated units.
ROW_MODULES = {}
if hasattr(_activ, "softmax"):
    for _name in ("softmax", "log_softmax", "softmin"):
        ROW_FUNCTIONS[_name] = _make_row_function(_name)

        def _functional(x, dim=None, *, accuracy="faithful", _name=_name):
            return ROW_FUNCTIONS[_name].apply(x, _need_dim(_name, dim), accuracy)

        _functional.__name__ = _functional.__qualname__ = _name
        _functional.__doc__ = (f"As torch.nn.functional.{_name}(x, dim), on activ's kernels, "
                               "differentiable.")
        globals()[_name] = _functional
        _cls = {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}[_name]
        ROW_MODULES[_name] = type(_cls, (_RowModule,), {
            "_name": _name,
            "__doc__": f"activ's {_name} along dim, as torch.nn.{_cls}(dim) (dim is required)."})
        globals()[_cls] = ROW_MODULES[_name]
    ROW_MODULES.update(glu=GLU, swiglu=SwiGLU)
    del _name, _functional, _cls
else:
    del SwiGLU, GLU, swiglu, glu, SwiGLUFunction, GLUFunction
