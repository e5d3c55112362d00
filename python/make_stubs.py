#!/usr/bin/env python3
"""Writes the type stubs of the package activ from the registry, include/activ/ops.def: one
function per registry line and direction in activ/__init__.pyi and one module class and one
functional per line in activ/torch.pyi, with each function's parameters and defaults. CMake runs
it at build time (python/CMakeLists.txt), so the stubs follow the registry as the package does.

    python3 python/make_stubs.py include/activ/ops.def OUT_DIR     # writes OUT_DIR/*.pyi

Only the standard library: it runs before the extension exists. What the package makes at import
time from the compiled registry (activ.OPS) is checked against these stubs by
python/tests/test_stubs.py.
"""

import ast
import math
import os
import re
import sys

# ACTIV_OP flags that add functions (include/activ/ops.def).
FROM_Y, PARAM_GRAD = "kFromY", "kParamGrad"

# prelu also takes one slope per channel, an array (activ_module.cc, PReluWeight).
ARRAY_PARAMS = {("prelu", "weight")}


def _torch_class_names():
    """activ.torch's CLASS_NAMES (python/activ/torch.py), read from its source: the module itself
    cannot be imported before the extension exists, and one table must serve both."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activ", "torch.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "CLASS_NAMES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit(f"make_stubs: no CLASS_NAMES in {path}")


# activ.torch's class names where they are not the name in CamelCase.
CLASS_NAMES = _torch_class_names()


def class_name(name):
    return CLASS_NAMES.get(name) or "".join(part.capitalize() for part in name.split("_"))


def _macro_calls(text, macro):
    """The argument lists of every `macro(...)` at the start of a line, split at top-level
    commas; string literals may hold commas and brackets."""
    calls = []
    for m in re.finditer(r"^" + macro + r"\(", text, re.M):
        i, depth, args, cur, in_str = m.end(), 1, [], "", False
        while depth:
            c = text[i]
            if in_str:
                cur += c
                if c == "\\":
                    cur += text[i + 1]
                    i += 1
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
                cur += c
            elif c in "([":
                depth += 1
                cur += c
            elif c in ")]":
                depth -= 1
                if depth:
                    cur += c
            elif c == "," and depth == 1:
                args.append(cur.strip())
                cur = ""
            else:
                cur += c
            i += 1
        args.append(cur.strip())
        calls.append(args)
    return calls


def _number(expr):
    """A registry default: a C arithmetic expression of literals, NAN (required) or INFINITY."""
    names = {"NAN": math.nan, "INFINITY": math.inf}

    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            if isinstance(node.op, ast.Div):
                return a / b
            if type(node.op) in ops:
                return ops[type(node.op)]
        raise ValueError(f"ops.def: default {expr!r} is not a constant expression")

    return ev(ast.parse(re.sub(r"(?<=\d)[fF]\b", "", expr), mode="eval").body)


def read_registry(path):
    """[(name, flags, formula, [(param, default or None)])], {alias: name}."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", text)
    ops = []
    for args in _macro_calls(text, "ACTIV_OP"):
        name, flags, formula = args[0], args[1], ast.literal_eval(args[2])
        params = []
        for p in args[6:]:
            m = re.fullmatch(r"PARAM\(\s*(\w+)\s*,(.*),\s*(\w+)\s*\)", p, re.S)
            if not m:
                raise ValueError(f"ops.def: {name}: cannot read {p!r}")
            d = _number(m.group(2).strip())
            params.append((m.group(1), None if math.isnan(d) else d))
        ops.append((name, {f.strip() for f in flags.split("|")}, formula, params))
    aliases = {a: b for a, b in _macro_calls(text, "ACTIV_ALIAS")}
    if not ops:
        raise ValueError(f"{path}: no ACTIV_OP lines")
    return ops, aliases


def _default(d):
    return "" if d is None else f" = {d!r}"


def _params(name, params, tensor_param=None):
    """Keyword parameters; tensor_param, activ.torch's trainable one, may be a Tensor."""
    out = []
    for p, d in params:
        t = "float"
        if (name, p) in ARRAY_PARAMS:
            t = "float | _Array"
        if p == tensor_param:
            t = "float | Tensor"
        out.append(f"{p}: {t}{_default(d)}")
    return out


def _sig(args):
    return ", ".join(args)


HEADER = "# Generated from include/activ/ops.def by python/make_stubs.py. Do not edit.\n"

ACTIV_HEAD = HEADER + '''from typing import Any, Callable, Literal, overload

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[Any]
_Storage = Literal["float16", "bfloat16"] | None
_Accuracy = Literal["faithful", "fast"]

__version__: str

class Error(ValueError): ...

OPS: dict[str, dict[str, Any]]
ALIASES: dict[str, str]
FUNCTIONS: dict[str, Callable[..., Any]]
ACCURACIES: tuple[str, ...]

def simd_target() -> str: ...
def compiled_targets() -> list[str]: ...
def set_num_threads(n: int) -> None: ...
def num_threads() -> int: ...
def has_fast_kernel(name: str, backward: bool = False) -> bool: ...
def forward(name: str, x: _Array, *, out: _Array | None = None, storage: _Storage = None,
            accuracy: _Accuracy = "faithful",
            **params: float | _Array) -> _Array: ...
@overload
def backward(name: str, x: _Array, dy: _Array, *, out: _Array | None = None,
             param_grad: Literal[False] = False, storage: _Storage = None,
             accuracy: _Accuracy = "faithful",
             **params: float | _Array) -> _Array: ...
@overload
def backward(name: str, x: _Array, dy: _Array, *, out: _Array | None = None,
             param_grad: Literal[True], storage: _Storage = None,
             accuracy: _Accuracy = "faithful",
             **params: float | _Array) -> tuple[_Array, _Array]: ...
def backward_from_y(name: str, y: _Array, dy: _Array, *, out: _Array | None = None,
                    storage: _Storage = None,
                    accuracy: _Accuracy = "faithful", **params: float) -> _Array: ...

# The softmax family and the gated units (python/rowwise_bindings.cc).
def softmax(x: _Array, dim: int = -1, *, out: _Array | None = None,
            masked_rows_are_zero: bool = False, storage: _Storage = None,
            accuracy: _Accuracy = "faithful") -> _Array: ...
def log_softmax(x: _Array, dim: int = -1, *, out: _Array | None = None,
                masked_rows_are_zero: bool = False, storage: _Storage = None,
                accuracy: _Accuracy = "faithful") -> _Array: ...
def softmin(x: _Array, dim: int = -1, *, out: _Array | None = None,
            masked_rows_are_zero: bool = False, storage: _Storage = None,
            accuracy: _Accuracy = "faithful") -> _Array: ...
def softmax_backward(y: _Array, dy: _Array, dim: int = -1, *, out: _Array | None = None,
                     storage: _Storage = None,
                     accuracy: _Accuracy = "faithful") -> _Array: ...
def log_softmax_backward(y: _Array, dy: _Array, dim: int = -1, *, out: _Array | None = None,
                         storage: _Storage = None,
                         accuracy: _Accuracy = "faithful") -> _Array: ...
def softmin_backward(y: _Array, dy: _Array, dim: int = -1, *, out: _Array | None = None,
                     storage: _Storage = None,
                     accuracy: _Accuracy = "faithful") -> _Array: ...
def argmax(x: _Array, dim: int = -1, *, storage: _Storage = None) -> npt.NDArray[np.int64]: ...
def hardmax(x: _Array, dim: int = -1, *, out: _Array | None = None,
            storage: _Storage = None) -> _Array: ...
def glu(x: _Array, dim: int = -1, *, out: _Array | None = None,
        storage: _Storage = None,
        accuracy: _Accuracy = "faithful") -> _Array: ...
def glu_backward(x: _Array, dout: _Array, dim: int = -1, *, out: _Array | None = None,
                 storage: _Storage = None,
                 accuracy: _Accuracy = "faithful") -> _Array: ...
def swiglu(gate: _Array, up: _Array, *, out: _Array | None = None, beta: float = 1.0,
           storage: _Storage = None,
           accuracy: _Accuracy = "faithful") -> _Array: ...
def swiglu_backward(gate: _Array, up: _Array, dout: _Array, *, beta: float = 1.0,
                    storage: _Storage = None,
                    accuracy: _Accuracy = "faithful") -> tuple[_Array, _Array]: ...
def gated(act: str, gate: _Array, up: _Array, *, out: _Array | None = None,
          storage: _Storage = None,
          accuracy: _Accuracy = "faithful", **params: float) -> _Array: ...
def gated_backward(act: str, gate: _Array, up: _Array, dout: _Array, *,
                   storage: _Storage = None,
                   accuracy: _Accuracy = "faithful", **params: float) -> tuple[_Array, _Array]: ...

# One function per registry line and direction (activ/__init__.py, _make).
'''


def activ_stub(ops, aliases):
    lines = [ACTIV_HEAD]
    by_name = {}
    for name, flags, formula, params in ops:
        kw = _params(name, params)
        doc = f'    """y = {name}(x) = {formula}"""'
        acc = ['accuracy: _Accuracy = "faithful"']
        fns = [f"def {name}({_sig(['x: _Array', '*', 'out: _Array | None = None'] + acc + kw)})"
               f" -> _Array:\n{doc}"]
        bwd = ["x: _Array", "dy: _Array", "*", "out: _Array | None = None"]
        if PARAM_GRAD in flags:
            for lit, ret in (("False", "_Array"), ("True", "tuple[_Array, _Array]")):
                default = " = False" if lit == "False" else ""
                fns.append(f"@overload\ndef {name}_backward("
                           f"{_sig(bwd + [f'param_grad: Literal[{lit}]{default}'] + acc + kw)})"
                           f" -> {ret}: ...")
        else:
            fns.append(f"def {name}_backward({_sig(bwd + acc + kw)}) -> _Array: ...")
        if FROM_Y in flags:
            args = ["y: _Array", "dy: _Array", "*", "out: _Array | None = None"] + acc + kw
            fns.append(f"def {name}_backward_from_y({_sig(args)}) -> _Array: ...")
        by_name[name] = fns
        lines += fns
    for alias, target in aliases.items():
        lines.append(f"# {alias}: another name for {target}")
        for fn in by_name[target]:
            lines.append(re.sub(rf"\bdef {target}(_backward(_from_y)?)?\(",
                                lambda m: f"def {alias}{m.group(1) or ''}(", fn))
    return "\n".join(lines) + "\n"


TORCH_HEAD = HEADER + '''from typing import Any, Literal

import torch
from torch import Tensor
from torch.nn import Module

from . import Error as Error

_Accuracy = Literal["faithful", "fast"]

CLASS_NAMES: dict[str, str]
MODULES: dict[str, type[Module]]
FUNCTIONS: dict[str, type[torch.autograd.Function]]
FUNCTIONALS: dict[str, Any]
ROW_MODULES: dict[str, type[Module]]
ROW_FUNCTIONS: dict[str, type[torch.autograd.Function]]

def class_name(name: str) -> str: ...

class _Activation(Module):
    params: dict[str, float]
    inplace: bool
    accuracy: str
    def forward(self, x: Tensor) -> Tensor: ...

# The softmax family and the gated units.
class Softmax(Module):
    dim: int
    accuracy: str
    def __init__(self, dim: int | None = None, *, accuracy: _Accuracy = "faithful") -> None: ...
    def forward(self, x: Tensor) -> Tensor: ...
class LogSoftmax(Module):
    dim: int
    accuracy: str
    def __init__(self, dim: int | None = None, *, accuracy: _Accuracy = "faithful") -> None: ...
    def forward(self, x: Tensor) -> Tensor: ...
class Softmin(Module):
    dim: int
    accuracy: str
    def __init__(self, dim: int | None = None, *, accuracy: _Accuracy = "faithful") -> None: ...
    def forward(self, x: Tensor) -> Tensor: ...
class GLU(Module):
    dim: int
    accuracy: str
    def __init__(self, dim: int = -1, *, accuracy: _Accuracy = "faithful") -> None: ...
    def forward(self, x: Tensor) -> Tensor: ...
class SwiGLU(Module):
    beta: float
    accuracy: str
    def __init__(self, beta: float = 1.0, *, accuracy: _Accuracy = "faithful") -> None: ...
    def forward(self, gate: Tensor, up: Tensor) -> Tensor: ...
class SwiGLUFunction(torch.autograd.Function): ...
class GLUFunction(torch.autograd.Function): ...

def softmax(x: Tensor, dim: int | None = None, *, accuracy: _Accuracy = "faithful") -> Tensor: ...
def log_softmax(x: Tensor, dim: int | None = None, *,
                accuracy: _Accuracy = "faithful") -> Tensor: ...
def softmin(x: Tensor, dim: int | None = None, *, accuracy: _Accuracy = "faithful") -> Tensor: ...
def glu(x: Tensor, dim: int = -1, *, accuracy: _Accuracy = "faithful") -> Tensor: ...
def swiglu(gate: Tensor, up: Tensor, beta: float = 1.0, *,
           accuracy: _Accuracy = "faithful") -> Tensor: ...

# One module class and one functional per registry line (activ/torch.py).
'''

# The modules whose constructor is PyTorch's own rather than (params..., inplace) (torch.py).
SPECIAL_INIT = {
    "prelu": ("num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None"
              ", *, accuracy: _Accuracy = 'faithful'"),
    "gelu": "approximate: str = 'none', *, accuracy: _Accuracy = 'faithful'",
    "rrelu": None,  # (lower, upper, inplace), as the generic form
}


def torch_stub(ops, aliases):
    lines = [TORCH_HEAD]
    for name, flags, formula, params in ops:
        cls = class_name(name)
        if name in SPECIAL_INIT and SPECIAL_INIT[name]:
            init = SPECIAL_INIT[name]
        else:
            trainable = ", trainable: bool = False" if PARAM_GRAD in flags else ""
            shown = [p for p in params if name != "rrelu" or p[0] in ("lower", "upper")]
            args = _params(name, shown) + ["inplace: bool = False"]
            init = _sig(args) + ", *" + trainable + ", accuracy: _Accuracy = 'faithful'"
        lines.append(f"class {cls}(_Activation):\n"
                     f'    """activ\'s {name}: {formula}"""\n'
                     f"    def __init__(self, {init}) -> None: ...")
        kw = _params(name, params, params[0][0] if PARAM_GRAD in flags else None)
        acc = ["accuracy: _Accuracy = 'faithful'"]
        lines.append(f"def {name}({_sig(['x: Tensor', '*'] + acc + kw)}) -> Tensor: ...")
    for alias, target in aliases.items():
        lines.append(f"{class_name(alias)} = {class_name(target)}")
        lines.append(f"{alias} = {target}")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: make_stubs.py OPS_DEF OUT_DIR")
    ops, aliases = read_registry(argv[1])
    os.makedirs(argv[2], exist_ok=True)
    for fname, text in (("__init__.pyi", activ_stub(ops, aliases)),
                        ("torch.pyi", torch_stub(ops, aliases))):
        path = os.path.join(argv[2], fname)
        # Unchanged stubs keep their time stamp, so nothing downstream rebuilds.
        if os.path.exists(path) and open(path, encoding="utf-8").read() == text:
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv)
