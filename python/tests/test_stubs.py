"""The type stubs (activ/__init__.pyi, activ/torch.pyi, made from include/activ/ops.def by
python/make_stubs.py at build time) against what the package makes at import time from the
compiled registry: every function and class on both sides, the same parameters, kinds and
defaults."""

import ast
import inspect
import math
import os
import unittest

import activ
import activ.torch as at

PACKAGE = os.path.dirname(activ.__file__)


def _stub(name):
    with open(os.path.join(PACKAGE, name), encoding="utf-8") as f:
        return ast.parse(f.read())


def _defs(tree):
    """{name: [FunctionDef]} at the top level, overloads together; {name: ClassDef}; aliases."""
    fns, classes, assigned = {}, {}, {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            fns.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            assigned[node.targets[0].id] = node.value.id
        elif isinstance(node, ast.AnnAssign):
            assigned[node.target.id] = None
    return fns, classes, assigned


def _params(fn, skip_self=False):
    """[(name, kind, default)] of a stub function; default None where there is none."""
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(positional, defaults):
        out.append((arg.arg, "positional", d))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, "keyword", d))
    if a.kwarg:
        out.append(("**", "kwargs", None))  # its name is free
    return out[1:] if skip_self else out


def _value(node):
    return None if node is None else ast.literal_eval(node)


def _runtime(fn):
    kinds = {inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
             inspect.Parameter.POSITIONAL_ONLY: "positional",
             inspect.Parameter.KEYWORD_ONLY: "keyword", inspect.Parameter.VAR_KEYWORD: "kwargs"}
    return [(p.name, kinds[p.kind], None if p.default is inspect.Parameter.empty else p.default)
            for p in inspect.signature(fn).parameters.values()]


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b,
                                                                                     rel_tol=0))


class ActivStub(unittest.TestCase):
    def setUp(self):
        self.fns, self.classes, self.assigned = _defs(_stub("__init__.pyi"))

    def test_py_typed_beside_the_stubs(self):
        self.assertTrue(os.path.exists(os.path.join(PACKAGE, "py.typed")))

    def test_every_generated_function_has_its_signature(self):
        for name, fn in activ.FUNCTIONS.items():
            with self.subTest(name=name):
                self.assertIn(name, self.fns)
                # With param_grad, the first overload is the param_grad=False one.
                stub = [(n, k, _value(d)) for n, k, d in _params(self.fns[name][0])]
                if name.endswith("_backward") and activ.OPS.get(
                        activ.ALIASES.get(name[:-9], name[:-9]), {}).get("param_grad"):
                    self.assertEqual(len(self.fns[name]), 2)
                runtime = _runtime(fn)
                self.assertEqual([(n, k) for n, k, _ in stub], [(n, k) for n, k, _ in runtime])
                for (n, _, d), (_, _, r) in zip(stub, runtime):
                    self.assertTrue(_same(d, r), f"{name}: {n} = {d} in the stub, {r} at run time")

    def test_nothing_public_missing_or_extra(self):
        public = set(activ.__all__) | {"__version__"}
        stubbed = {n for n in self.fns} | set(self.classes) | set(self.assigned)
        self.assertEqual(public - stubbed, set())
        self.assertEqual({n for n in stubbed if not n.startswith("_")} - public, set())

    def test_rowwise_parameters_match_the_bindings(self):
        # pybind11 writes each function's signature as the first line of its docstring.
        for name in ["softmax", "softmax_backward", "argmax", "glu", "glu_backward", "swiglu",
                     "swiglu_backward", "gated", "gated_backward", "set_num_threads"]:
            with self.subTest(name=name):
                first = getattr(activ, name).__doc__.splitlines()[0]
                sig = ast.parse("def " + first.split(" -> ")[0] + ": ...").body[0]
                want = [(n, k) for n, k, _ in _params(sig)]
                got = [(n, k) for n, k, _ in _params(self.fns[name][0])]
                self.assertEqual(got, want)


class TorchStub(unittest.TestCase):
    def setUp(self):
        self.fns, self.classes, self.assigned = _defs(_stub("torch.pyi"))

    def test_every_module_class_and_functional(self):
        for name in activ.OPS:
            cls = at.class_name(name)
            with self.subTest(name=name):
                self.assertIn(cls, self.classes)
                self.assertIn(name, self.fns)
        for alias, target in activ.ALIASES.items():
            self.assertEqual(self.assigned.get(at.class_name(alias)), at.class_name(target))
            self.assertEqual(self.assigned.get(alias), target)
        for cls in at.ROW_MODULES.values():
            self.assertIn(cls.__name__, self.classes)

    def test_constructor_defaults_are_the_registry_defaults(self):
        for name, op in activ.OPS.items():
            cls = self.classes[at.class_name(name)]
            init = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
            params = {n: _value(d) for n, _, d in _params(init[0], skip_self=True)}
            module = at.MODULES[name]
            with self.subTest(name=name):
                for p in op["params"]:
                    if p["name"] in params:
                        self.assertTrue(_same(params[p["name"]], p["default"]), p["name"])
                # What the stub accepts, the module accepts.
                kwargs = {n: d for n, d in params.items() if d is not None}
                if name == "threshold":
                    kwargs.update(threshold=0.5, value=-2.0)
                module(**kwargs)


if __name__ == "__main__":
    unittest.main()
