"""activ: activation functions of neural networks on NumPy arrays, float32, float64 and float16.

Every function of activ's registry (include/activ/ops.def) is here, made at import from
activ's own list of functions, with PyTorch's parameter names and defaults:

    y = activ.gelu(x)                                   # a new array, x's shape and dtype
    activ.elu(x, alpha=0.5, out=y)                      # into y (contiguous, same shape)
    dx = activ.elu_backward(x, dy, alpha=0.5)           # dx = dy * elu'(x)
    dx = activ.sigmoid_backward_from_y(y, dy)           # where f' is cheaper from y
    dx, dbeta = activ.silu_backward(x, dy, beta=1.5, param_grad=True)
    y = activ.prelu(x, weight=numpy.array([.1, .2, .3], numpy.float32))  # per channel (dim 1)
    y = activ.forward("swish", x, beta=1.0)             # by name; aliases too

Arrays of any shape are accepted, contiguous or not (a strided input is copied); `out` must be
contiguous. float16 results are a float32 result rounded once to nearest even, as activ's
C++ 16-bit entry points give them; a float16 `out` for float32 x, and float32 dy for float16 x,
are the mixed forms (16-bit activations, float32 GEMM outputs and gradients). NumPy has no
bfloat16: activ.forward/backward/backward_from_y(..., storage="bfloat16") read and write int16 or
uint16 arrays as bfloat16 bits (activ.torch passes torch.bfloat16 tensors that way). The softmax
family (softmax, log_softmax, softmin, their _backward, argmax, hardmax) and the gated units (glu,
swiglu, gated and their _backward) take the same types, storage= included, with every input of a
call of one type; prelu with one slope per channel is float32 and float64 only.
Every function takes accuracy="faithful" (the default: within 1 ULP) or accuracy="fast"
(within 4 ULP forward on every input, tails included, and 8 ULP beyond the backward bound; the
same NaN, infinity and limit rules; docs/SPEC.md, Accuracy modes): a function without a fast
kernel of its own (has_fast_kernel) runs its faithful one, as do float64 arrays.
Bad input raises activ.Error (a ValueError) with activ's message. The GIL is
released while the kernels run. activ.torch has the PyTorch modules.
"""

import inspect as _inspect

from . import _activ
from ._activ import (Error, simd_target, compiled_targets, set_num_threads, num_threads,
                     has_fast_kernel)

__version__ = _activ.version()

#: The registry: one dict per function (name, formula, range, flags, params), in registry order.
OPS = {op["name"]: op for op in _activ.ops()}
#: Other names users may type: {alias: registry name}.
ALIASES = dict(_activ.aliases())

#: The values of every function's accuracy= argument, the default first (docs/SPEC.md).
ACCURACIES = ("faithful", "fast")

_RESERVED = {"x", "y", "dy", "out", "param_grad", "storage", "accuracy"}


def forward(name, x, *, out=None, storage=None, accuracy="faithful", **params):
    """y = f(x) for the function `name` (a registry name or an alias). storage="bfloat16" (or
    "float16") reads and writes int16/uint16 arrays as that type's bits; accuracy="fast" trades
    faithful rounding for speed within 4 ULP."""
    return _activ.forward(name, x, out, params, storage, accuracy)


def backward(name, x, dy, *, out=None, param_grad=False, storage=None, accuracy="faithful",
             **params):
    """dx = dy * f'(x); with param_grad=True, (dx, gradient of the trainable parameter)."""
    return _activ.backward(name, x, dy, out, params, param_grad, storage, accuracy)


def backward_from_y(name, y, dy, *, out=None, storage=None, accuracy="faithful", **params):
    """dx = dy * f'(x) computed from y = f(x), for the functions flagged from_y."""
    return _activ.backward_from_y(name, y, dy, out, params, storage, accuracy)


def _keyword(p):
    default = _inspect.Parameter.empty if p["default"] is None else p["default"]
    return _inspect.Parameter(p["name"], _inspect.Parameter.KEYWORD_ONLY, default=default)


def _signature(inputs, op, extra=()):
    params = [_inspect.Parameter(n, _inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in inputs]
    params.append(_inspect.Parameter("out", _inspect.Parameter.KEYWORD_ONLY, default=None))
    params += [_inspect.Parameter(n, _inspect.Parameter.KEYWORD_ONLY, default=d) for n, d in extra]
    params.append(_inspect.Parameter("accuracy", _inspect.Parameter.KEYWORD_ONLY,
                                     default="faithful"))
    params += [_keyword(p) for p in op["params"]]
    return _inspect.Signature(params)


def _params_text(op):
    if not op["params"]:
        return "no parameters"
    parts = []
    for p in op["params"]:
        d = p["default"]
        parts.append(f"{p['name']} (required)" if d is None else f"{p['name']}={d:.17g}")
    return "parameters: " + ", ".join(parts)


def _make(op):
    """The Python functions of one registry line: forward, backward, and backward_from_y."""
    name = op["name"]
    clash = _RESERVED & {p["name"] for p in op["params"]}
    if clash:
        raise ImportError(f"activ: {name} has a parameter named {clash}, reserved by the bindings")
    about = f"{op['formula']}; range {op['range']}; {_params_text(op)}."

    def fwd(x, *, out=None, accuracy="faithful", **params):
        return _activ.forward(name, x, out, params, None, accuracy)

    fwd.__doc__ = f"y = {name}(x) = {about}"
    fwd.__signature__ = _signature(["x"], op)
    made = {name: fwd}

    if op["param_grad"]:
        def bwd(x, dy, *, out=None, param_grad=False, accuracy="faithful", **params):
            return _activ.backward(name, x, dy, out, params, param_grad, None, accuracy)

        bwd.__doc__ = (f"dx = dy * {name}'(x), f(x) = {about} With param_grad=True, returns "
                       f"(dx, d/d{op['params'][0]['name']} summed over the elements).")
        bwd.__signature__ = _signature(["x", "dy"], op, [("param_grad", False)])
    else:
        def bwd(x, dy, *, out=None, accuracy="faithful", **params):
            return _activ.backward(name, x, dy, out, params, False, None, accuracy)

        bwd.__doc__ = f"dx = dy * {name}'(x), f(x) = {about}"
        bwd.__signature__ = _signature(["x", "dy"], op)
    made[name + "_backward"] = bwd

    if op["from_y"]:
        def bwd_y(y, dy, *, out=None, accuracy="faithful", **params):
            return _activ.backward_from_y(name, y, dy, out, params, None, accuracy)

        bwd_y.__doc__ = f"dx = dy * {name}'(x) computed from y = {name}(x), f(x) = {about}"
        bwd_y.__signature__ = _signature(["y", "dy"], op)
        made[name + "_backward_from_y"] = bwd_y

    for fn_name, fn in made.items():
        fn.__name__ = fn.__qualname__ = fn_name
        fn.__module__ = __name__
    return made


#: Every generated function by name: gelu, gelu_backward, sigmoid_backward_from_y, ...
FUNCTIONS = {}
for _op in OPS.values():
    FUNCTIONS.update(_make(_op))
for _alias, _target in ALIASES.items():
    for _suffix in ("", "_backward", "_backward_from_y"):
        if _target + _suffix in FUNCTIONS:
            FUNCTIONS[_alias + _suffix] = FUNCTIONS[_target + _suffix]
globals().update(FUNCTIONS)

# The softmax family and the gated units, when the module was built with them
# (CMake option ACTIV_PYTHON_ROWWISE).
_ROWWISE = ["softmax", "log_softmax", "softmin", "softmax_backward", "log_softmax_backward",
            "softmin_backward", "argmax", "hardmax", "glu", "glu_backward", "swiglu",
            "swiglu_backward", "gated", "gated_backward"]
for _name in _ROWWISE:
    if hasattr(_activ, _name):
        globals()[_name] = getattr(_activ, _name)

__all__ = (["Error", "OPS", "ALIASES", "FUNCTIONS", "ACCURACIES", "forward", "backward",
            "backward_from_y", "has_fast_kernel", "simd_target", "compiled_targets",
            "set_num_threads", "num_threads"] + list(FUNCTIONS)
           + [n for n in _ROWWISE if n in globals()])
del _op, _alias, _target, _suffix, _name
