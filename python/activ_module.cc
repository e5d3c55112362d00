// The extension module activ._activ: the element-wise functions of the registry on NumPy arrays
// of float32 and float64, by name. activ/__init__.py turns these entry points into one Python
// function per registry line (activ.gelu, activ.gelu_backward, ...), so nothing here lists the
// activations: the registry does.
//
// Arrays of any shape are run as flat runs of elements. A non-contiguous input is copied first;
// a non-contiguous `out` is refused (writing a copy back would hide the aliasing the caller
// asked for). The GIL is released while a kernel runs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include <pybind11/stl.h>

#include "bindings.h"

namespace activ::python {

void Fail(const std::string& message) { throw Error(message); }

namespace {

std::string TypeName(py::handle obj) {
  return py::str(py::type::handle_of(obj).attr("__module__")).cast<std::string>() + "." +
         py::str(py::type::handle_of(obj).attr("__qualname__")).cast<std::string>();
}

bool IsC(const py::array& a) { return (a.flags() & py::array::c_style) != 0; }
bool IsF(const py::array& a) { return (a.flags() & py::array::f_style) != 0; }

template <class F>
decltype(auto) ByType(DType t, F&& f) {
  return t == DType::kFloat32 ? f(float{}) : f(double{});
}

}  // namespace

py::array ToArray(const std::string& fn, const char* what, py::handle obj) {
  if (py::isinstance<py::array>(obj)) return py::reinterpret_borrow<py::array>(obj);
  const py::module_ np = py::module_::import("numpy");
  if (py::isinstance(obj, np.attr("generic"))) return np.attr("asarray")(obj);
  std::string hint;
  if (TypeName(obj) == "torch.Tensor") hint = " (for tensors use activ.torch, or pass t.numpy())";
  Fail(fn + ": " + what + " must be a numpy.ndarray of float32 or float64, got " + TypeName(obj) +
       hint);
}

DType DTypeOf(const std::string& fn, const char* what, const py::array& a) {
  if (py::isinstance<py::array_t<float>>(a)) return DType::kFloat32;
  if (py::isinstance<py::array_t<double>>(a)) return DType::kFloat64;
  Fail(fn + ": " + what + " has dtype " + py::str(a.dtype()).cast<std::string>() +
       "; activ computes float32 and float64 in the machine's byte order (convert with "
       ".astype(numpy.float32) or .astype(numpy.float64))");
}

Shape ShapeOf(const py::array& a) { return Shape(a.shape(), a.shape() + a.ndim()); }

std::string ShapeText(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

void CheckLike(const std::string& fn, const char* what, const py::array& a, const char* like_what,
               const py::array& like) {
  if (DTypeOf(fn, what, a) != DTypeOf(fn, like_what, like)) {
    Fail(fn + ": " + what + " has dtype " + py::str(a.dtype()).cast<std::string>() + " but " +
         like_what + " has " + py::str(like.dtype()).cast<std::string>());
  }
  if (ShapeOf(a) != ShapeOf(like)) {
    Fail(fn + ": " + what + " has shape " + ShapeText(ShapeOf(a)) + " but " + like_what +
         " has shape " + ShapeText(ShapeOf(like)) + " (no broadcasting)");
  }
}

py::array Output(const std::string& fn, const char* what, py::handle out, DType dtype,
                 const Shape& shape, Order order, const py::array& order_of) {
  if (out.is_none()) {
    const bool fortran = order == Order::kAny && IsF(order_of) && !IsC(order_of);
    return ByType(dtype, [&](auto tag) -> py::array {
      using T = decltype(tag);
      if (fortran) return py::array_t<T, py::array::f_style>(shape);
      return py::array_t<T, py::array::c_style>(shape);
    });
  }
  const py::array a = ToArray(fn, what, out);
  if (DTypeOf(fn, what, a) != dtype) {
    Fail(fn + ": " + what + " has dtype " + py::str(a.dtype()).cast<std::string>() +
         " but the result is " + (dtype == DType::kFloat32 ? "float32" : "float64"));
  }
  if (ShapeOf(a) != shape) {
    Fail(fn + ": " + what + " has shape " + ShapeText(ShapeOf(a)) + " but the result has shape " +
         ShapeText(shape));
  }
  if (!a.writeable()) Fail(fn + ": " + what + " is read-only");
  if (!IsC(a) && !(order == Order::kAny && IsF(a))) {
    Fail(fn + ": " + what + " must be " +
         (order == Order::kC ? "C-contiguous" : "contiguous (C or Fortran order)") +
         "; it is a strided view. Pass a contiguous array, or no " + what + " to get a new one");
  }
  return a;
}

py::array InputLike(const py::array& in, const py::array& out) {
  const bool c_order = IsC(out);
  const bool same_order = c_order ? IsC(in) : IsF(in);
  const auto* in_lo = static_cast<const char*>(in.data());
  const auto* out_lo = static_cast<const char*>(out.data());
  const bool overlaps = in.nbytes() > 0 && out.nbytes() > 0 && in_lo < out_lo + out.nbytes() &&
                        out_lo < in_lo + in.nbytes();
  // A dense array of the same shape and order that starts where `out` starts is `out` itself:
  // the kernels may run in place. Any other overlap would read values already overwritten.
  if (same_order && (!overlaps || in_lo == out_lo)) return in;
  return in.attr("copy")(c_order ? "C" : "F");
}

Params ToParams(const std::string& fn, const py::dict& params) {
  Params p;
  for (auto [key, value] : params) {
    const std::string k = py::str(key);
    if (!PyNumber_Check(value.ptr())) {
      Fail(fn + ": parameter " + k + " must be a number, got " + TypeName(value));
    }
    const double v = PyFloat_AsDouble(value.ptr());
    if (v == -1.0 && PyErr_Occurred()) {
      const py::error_already_set e;
      Fail(fn + ": parameter " + k + " must be a number: " + e.what());
    }
    p.set(k, v);
  }
  return p;
}

namespace {

std::string Label(Op op, const char* suffix = "") {
  return "activ." + std::string(name(op)) + suffix;
}

// prelu with one slope per channel, the channels being x's dimension 1 as in
// torch.nn.functional.prelu (an array of no or one dimension has one channel).
struct Channels {
  py::array weight;
  std::size_t inner = 0;
};

bool HasWeightArray(Op op, const py::dict& params) {
  if (op != Op::prelu || !params.contains("weight")) return false;
  const py::object w = params["weight"];
  return py::isinstance<py::array>(w) || py::isinstance<py::sequence>(w);
}

Channels ChannelsOf(const std::string& fn, const py::array& x, DType t, const py::dict& params) {
  const py::dict rest = params.attr("copy")();
  const py::object w = rest.attr("pop")("weight");
  py::array weight = py::isinstance<py::array>(w)
                         ? py::reinterpret_borrow<py::array>(w)
                         : py::module_::import("numpy").attr("asarray")(
                               w, t == DType::kFloat32 ? "float32" : "float64");
  if (DTypeOf(fn, "weight", weight) != t) {
    Fail(fn + ": weight has dtype " + py::str(weight.dtype()).cast<std::string>() + " but x has " +
         py::str(x.dtype()).cast<std::string>());
  }
  if (weight.ndim() > 1) {
    Fail(fn + ": weight must have one dimension (one slope per channel), got shape " +
         ShapeText(ShapeOf(weight)));
  }
  const Shape shape = ShapeOf(x);
  const py::ssize_t c = weight.size();
  if (c != 1 && (shape.size() < 2 || shape[1] != c)) {
    Fail(fn + ": weight has " + std::to_string(c) + " slopes but x has shape " + ShapeText(shape) +
         "; the channels are x's dimension 1 (as in torch.nn.functional.prelu), or give one "
         "slope");
  }
  std::size_t inner = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) inner *= static_cast<std::size_t>(shape[i]);
  // With one slope, the whole array is one run.
  if (c == 1) inner = static_cast<std::size_t>(x.size());
  resolve(Op::prelu, ToParams(fn, rest));  // any other name is an unknown parameter
  return {py::module_::import("numpy").attr("ascontiguousarray")(weight), inner};
}

py::array Forward(const std::string& fn_name, py::handle x_obj, py::handle out,
                  const py::dict& params) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op);
  const py::array x = ToArray(fn, "x", x_obj);
  const DType t = DTypeOf(fn, "x", x);
  if (HasWeightArray(op, params)) {
    const Channels ch = ChannelsOf(fn, x, t, params);
    py::array y = Output(fn, "out", out, t, ShapeOf(x), Order::kC, x);
    if (x.size() == 0) return y;
    const py::array xin = InputLike(x, y);
    ByType(t, [&](auto tag) {
      using T = decltype(tag);
      const auto xs = In<T>(xin);
      const auto ws = In<T>(ch.weight);
      const auto ys = Out<T>(y);
      const py::gil_scoped_release nogil;
      prelu(xs, ys, ws, ch.inner);
    });
    return y;
  }
  const Params p = ToParams(fn, params);
  resolve(op, p);  // a bad parameter fails before an output is made
  py::array y = Output(fn, "out", out, t, ShapeOf(x), Order::kAny, x);
  const py::array xin = InputLike(x, y);
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto xs = In<T>(xin);
    const auto ys = Out<T>(y);
    const py::gil_scoped_release nogil;
    forward(op, xs, ys, p);
  });
  return y;
}

py::object Backward(const std::string& fn_name, py::handle x_obj, py::handle dy_obj, py::handle out,
                    const py::dict& params, bool param_grad) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op, "_backward");
  const py::array x = ToArray(fn, "x", x_obj);
  const py::array dy = ToArray(fn, "dy", dy_obj);
  const DType t = DTypeOf(fn, "x", x);
  CheckLike(fn, "dy", dy, "x", x);
  if (HasWeightArray(op, params)) {
    const Channels ch = ChannelsOf(fn, x, t, params);
    py::array dx = Output(fn, "out", out, t, ShapeOf(x), Order::kC, x);
    py::array dweight = py::array(ch.weight.dtype(), ShapeOf(ch.weight));
    ByType(t, [&](auto tag) {
      using T = decltype(tag);
      const py::array xin = InputLike(x, dx), dyin = InputLike(dy, dx);
      std::vector<double> sums(static_cast<std::size_t>(ch.weight.size()), 0.0);
      if (x.size() > 0) {
        const auto xs = In<T>(xin);
        const auto dys = In<T>(dyin);
        const auto ws = In<T>(ch.weight);
        const auto dxs = Out<T>(dx);
        const py::gil_scoped_release nogil;
        prelu_backward(xs, dys, dxs, ws, ch.inner, sums);
      }
      std::copy(sums.begin(), sums.end(), Out<T>(dweight).begin());
    });
    if (param_grad) return py::make_tuple(dx, dweight);
    return dx;
  }
  const Params p = ToParams(fn, params);
  resolve(op, p);
  py::array dx = Output(fn, "out", out, t, ShapeOf(x), Order::kAny, x);
  const py::array xin = InputLike(x, dx), dyin = InputLike(dy, dx);
  double grad = 0.0;
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto xs = In<T>(xin);
    const auto dys = In<T>(dyin);
    const auto dxs = Out<T>(dx);
    const py::gil_scoped_release nogil;
    backward(op, xs, dys, dxs, p, param_grad ? &grad : nullptr);
  });
  if (param_grad) return py::make_tuple(dx, grad);
  return dx;
}

py::array BackwardFromY(const std::string& fn_name, py::handle y_obj, py::handle dy_obj,
                        py::handle out, const py::dict& params) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op, "_backward_from_y");
  const py::array y = ToArray(fn, "y", y_obj);
  const py::array dy = ToArray(fn, "dy", dy_obj);
  const DType t = DTypeOf(fn, "y", y);
  CheckLike(fn, "dy", dy, "y", y);
  const Params p = ToParams(fn, params);
  resolve(op, p);
  py::array dx = Output(fn, "out", out, t, ShapeOf(y), Order::kAny, y);
  const py::array yin = InputLike(y, dx), dyin = InputLike(dy, dx);
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto ys = In<T>(yin);
    const auto dys = In<T>(dyin);
    const auto dxs = Out<T>(dx);
    const py::gil_scoped_release nogil;
    backward_from_y(op, ys, dys, dxs, p);
  });
  return dx;
}

const char* DomainName(Domain d) {
  switch (d) {
    case Domain::kFinite:
      return "finite";
    case Domain::kPositive:
      return "positive";
    case Domain::kNonNegative:
      return "non-negative";
    case Domain::kNonZero:
      return "non-zero";
    case Domain::kBool:
      return "bool";
    case Domain::kSeed:
      return "seed";
  }
  return "?";
}

// The registry as Python data, in registry order.
py::list Ops() {
  py::list ops;
  for (const OpInfo& o : all_ops()) {
    py::list params;
    for (const ParamInfo& p : o.params) {
      py::dict d;
      d["name"] = std::string(p.name);
      d["default"] = std::isnan(p.default_value) ? py::object(py::none())
                                                 : py::object(py::float_(p.default_value));
      d["domain"] = DomainName(p.domain);
      params.append(d);
    }
    py::dict d;
    d["name"] = std::string(o.name);
    d["formula"] = std::string(o.formula);
    d["range"] = std::string(o.range);
    d["range_lo"] = o.range_lo;
    d["range_hi"] = o.range_hi;
    d["from_y"] = (o.flags & kFromY) != 0;
    d["gates"] = (o.flags & kGates) != 0;
    d["param_grad"] = (o.flags & kParamGrad) != 0;
    d["monotone"] = (o.flags & kMonotone) != 0;
    d["odd"] = (o.flags & kOdd) != 0;
    d["params"] = params;
    ops.append(d);
  }
  return ops;
}

py::dict Aliases() {
  py::dict aliases;
#define ACTIV_OP(name, ...)
#define ACTIV_ALIAS(other, name) aliases[#other] = #name;
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  return aliases;
}

}  // namespace
}  // namespace activ::python

PYBIND11_MODULE(_activ, m) {
  namespace py = pybind11;
  namespace ap = activ::python;
  m.doc() = "activ's kernels on NumPy arrays; use the functions of the package activ.";
  py::register_exception<activ::Error>(m, "Error", PyExc_ValueError);
  m.def("forward", &ap::Forward, py::arg("name"), py::arg("x"), py::arg("out") = py::none(),
        py::arg("params") = py::dict(), "y = f(x) for the function `name`.");
  m.def("backward", &ap::Backward, py::arg("name"), py::arg("x"), py::arg("dy"),
        py::arg("out") = py::none(), py::arg("params") = py::dict(), py::arg("param_grad") = false,
        "dx = dy * f'(x); with param_grad, (dx, gradient of the first parameter).");
  m.def("backward_from_y", &ap::BackwardFromY, py::arg("name"), py::arg("y"), py::arg("dy"),
        py::arg("out") = py::none(), py::arg("params") = py::dict(),
        "dx = dy * f'(x) from y = f(x).");
  m.def("ops", &ap::Ops, "The registry: one dict per function, in registry order.");
  m.def("aliases", &ap::Aliases, "Other names for registry functions: {alias: name}.");
  m.def(
      "canonical_name",
      [](const std::string& n) { return std::string(activ::name(activ::op_from_name(n))); },
      "The registry name of a name or alias.");
  m.def("version", [] { return std::string(activ::version()); });
  m.def("simd_target", [] { return std::string(activ::simd_target()); });
  m.def("compiled_targets", &activ::compiled_targets);
#ifdef ACTIV_PYTHON_ROWWISE
  ap::BindRowwise(m);
#endif
}
