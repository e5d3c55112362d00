// The extension module activ._activ: the element-wise functions of the registry on NumPy arrays
// of float32, float64 and float16 (and bfloat16 as raw bits, for activ.torch), by name.
// activ/__init__.py turns these entry points into one Python function per registry line
// (activ.gelu, activ.gelu_backward, ...), so nothing here lists the activations: the registry
// does.
//
// Arrays of any shape are run as flat runs of elements. A non-contiguous input is copied first;
// a non-contiguous `out` is refused (writing a copy back would hide the aliasing the caller
// asked for). The GIL is released while a kernel runs.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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

// NumPy's type numbers (numpy/ndarraytypes.h), which pybind11 does not name.
constexpr int kNpyShort = 3, kNpyUShort = 4, kNpyHalf = 23;

bool NativeOrder(const py::dtype& d) {
  const char b = d.byteorder();
  return b == '=' || b == '|' || b == (std::endian::native == std::endian::little ? '<' : '>');
}

}  // namespace

py::array ToArray(const std::string& fn, const char* what, py::handle obj) {
  if (py::isinstance<py::array>(obj)) return py::reinterpret_borrow<py::array>(obj);
  const py::module_ np = py::module_::import("numpy");
  if (py::isinstance(obj, np.attr("generic"))) return np.attr("asarray")(obj);
  std::string hint;
  if (TypeName(obj) == "torch.Tensor") hint = " (for tensors use activ.torch, or pass t.numpy())";
  Fail(fn + ": " + what + " must be a numpy.ndarray of float16, float32 or float64, got " +
       TypeName(obj) + hint);
}

bool Is16Bit(DType t) { return t == DType::kFloat16 || t == DType::kBFloat16; }

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kFloat16:
      return "float16";
    case DType::kBFloat16:
      break;
  }
  return "bfloat16";
}

Storage StorageOf(const std::string& fn, py::handle storage) {
  if (storage.is_none()) return Storage::kNone;
  if (py::isinstance<py::str>(storage)) {
    const auto s = storage.cast<std::string>();
    if (s == "float16") return Storage::kFloat16;
    if (s == "bfloat16") return Storage::kBFloat16;
  }
  Fail(fn +
       ": storage must be None, 'float16' or 'bfloat16' (what int16 or uint16 arrays hold), "
       "got " +
       py::repr(storage).cast<std::string>());
}

DType DTypeOf(const std::string& fn, const char* what, const py::array& a) {
  if (py::isinstance<py::array_t<float>>(a)) return DType::kFloat32;
  if (py::isinstance<py::array_t<double>>(a)) return DType::kFloat64;
  const std::string dtype = py::str(a.dtype()).cast<std::string>();
  if (a.dtype().num() == kNpyHalf) {
    Fail(fn + ": " + what + " has dtype " + dtype +
         "; this argument is float32 or float64 only: convert with .astype(numpy.float32)");
  }
  Fail(fn + ": " + what + " has dtype " + dtype +
       "; activ computes float32 and float64 in the machine's byte order (convert with "
       ".astype(numpy.float32) or .astype(numpy.float64))");
}

DType ElementDTypeOf(const std::string& fn, const char* what, const py::array& a, Storage storage) {
  const py::dtype d = a.dtype();
  if (NativeOrder(d)) {
    if (d.num() == kNpyHalf) return DType::kFloat16;
    if (storage != Storage::kNone && (d.num() == kNpyShort || d.num() == kNpyUShort)) {
      return storage == Storage::kFloat16 ? DType::kFloat16 : DType::kBFloat16;
    }
  }
  if (py::isinstance<py::array_t<float>>(a)) return DType::kFloat32;
  if (py::isinstance<py::array_t<double>>(a)) return DType::kFloat64;
  Fail(fn + ": " + what + " has dtype " + py::str(a.dtype()).cast<std::string>() +
       "; activ computes float16, float32 and float64 in the machine's byte order (convert "
       "with .astype(numpy.float32) or .astype(numpy.float64)), and bfloat16 as int16 or uint16 "
       "bits with storage='bfloat16' (activ.torch does that for torch.bfloat16 tensors)");
}

std::string DTypeText(const py::array& a, DType t) {
  const std::string own = py::str(a.dtype()).cast<std::string>();
  const char k = a.dtype().kind();
  if (k == 'i' || k == 'u') return std::string(DTypeName(t)) + " bits (" + own + ")";
  return own;
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
               const py::array& like, Storage storage) {
  const DType ta = ElementDTypeOf(fn, what, a, storage);
  const DType tl = ElementDTypeOf(fn, like_what, like, storage);
  if (ta != tl) {
    Fail(fn + ": " + what + " has dtype " + DTypeText(a, ta) + " but " + like_what + " has " +
         DTypeText(like, tl));
  }
  CheckShape(fn, what, a, like_what, like);
}

void CheckShape(const std::string& fn, const char* what, const py::array& a, const char* like_what,
                const py::array& like) {
  if (ShapeOf(a) != ShapeOf(like)) {
    Fail(fn + ": " + what + " has shape " + ShapeText(ShapeOf(a)) + " but " + like_what +
         " has shape " + ShapeText(ShapeOf(like)) + " (no broadcasting)");
  }
}

py::array Output(const std::string& fn, const char* what, py::handle out, DType dtype,
                 const Shape& shape, Order order, const py::array& order_of, Storage storage) {
  if (out.is_none()) {
    const bool fortran = order == Order::kAny && IsF(order_of) && !IsC(order_of);
    const py::dtype d(dtype == DType::kBFloat16 ? "uint16" : DTypeName(dtype));
    return py::module_::import("numpy").attr("empty")(shape, d, fortran ? "F" : "C");
  }
  const py::array a = ToArray(fn, what, out);
  if (ElementDTypeOf(fn, what, a, storage) != dtype) {
    Fail(fn + ": " + what + " has dtype " + py::str(a.dtype()).cast<std::string>() +
         " but the result is " + DTypeName(dtype));
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
  const bool in_place = in_lo == out_lo && in.itemsize() == out.itemsize();
  if (same_order && (!overlaps || in_place)) return in;
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

Accuracy AccuracyOf(const std::string& fn, py::handle accuracy) {
  if (py::isinstance<py::str>(accuracy)) {
    const auto s = accuracy.cast<std::string>();
    if (s == name(Accuracy::faithful)) return Accuracy::faithful;
    if (s == name(Accuracy::fast)) return Accuracy::fast;
  }
  Fail(fn +
       ": accuracy must be 'faithful' (the default, within 1 ULP) or 'fast' (within 4 ULP), "
       "got " +
       py::repr(accuracy).cast<std::string>());
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

// Per-channel prelu has float32 and float64 kernels only.
void CheckChannelDType(const std::string& fn, const py::array& x, DType t) {
  if (Is16Bit(t)) {
    Fail(fn + ": x has dtype " + DTypeText(x, t) +
         "; prelu with one slope per channel computes float32 and float64 only (activ has no "
         "16-bit per-channel kernel): convert x, or give one slope (weight=0.25)");
  }
}

// The type of the result: x's, or a 16-bit `out` for float32 x (the mixed forward that rounds a
// GEMM's float32 output straight to 16 bits).
DType ForwardResultType(const std::string& fn, DType tx, py::handle out, Storage storage) {
  if (tx != DType::kFloat32 || out.is_none()) return tx;
  const DType ty = ElementDTypeOf(fn, "out", ToArray(fn, "out", out), storage);
  return Is16Bit(ty) ? ty : tx;
}

// dy's type must be x's, or float32 for 16-bit x (activations kept in 16 bits, gradients in
// float32); dx has dy's type.
DType GradType(const std::string& fn, const char* x_what, const py::array& x, DType tx,
               const py::array& dy, DType tg) {
  if (tg != tx && !(Is16Bit(tx) && tg == DType::kFloat32)) {
    Fail(fn + ": dy has dtype " + DTypeText(dy, tg) + " but " + x_what + " has " +
         DTypeText(x, tx) +
         (Is16Bit(tx) ? " (16-bit " + std::string(x_what) + " takes dy of its own type or float32)"
                      : std::string()));
  }
  return tg;
}

template <class F>
void ByTypes(DType a, DType b, F&& f) {
  ByType(a, [&](auto ta) { ByType(b, [&](auto tb) { f(ta, tb); }); });
}

py::array Forward(const std::string& fn_name, py::handle x_obj, py::handle out,
                  const py::dict& params, py::handle storage_obj, py::handle accuracy) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op);
  const Storage storage = StorageOf(fn, storage_obj);
  const Options options{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array x = ToArray(fn, "x", x_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  if (HasWeightArray(op, params)) {
    CheckChannelDType(fn, x, t);
    const Channels ch = ChannelsOf(fn, x, t, params);
    py::array y = Output(fn, "out", out, t, ShapeOf(x), Order::kC, x, storage);
    if (x.size() == 0) return y;
    const py::array xin = InputLike(x, y);
    ByType(t, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        const auto xs = In<T>(xin);
        const auto ws = In<T>(ch.weight);
        const auto ys = Out<T>(y);
        const py::gil_scoped_release nogil;
        prelu(xs, ys, ws, ch.inner, options);
      }
    });
    return y;
  }
  const Params p = ToParams(fn, params);
  resolve(op, p);  // a bad parameter fails before an output is made
  const DType ty = ForwardResultType(fn, t, out, storage);
  py::array y = Output(fn, "out", out, ty, ShapeOf(x), Order::kAny, x, storage);
  const py::array xin = InputLike(x, y);
  ByTypes(t, ty, [&](auto xtag, auto ytag) {
    using TX = decltype(xtag);
    using TY = decltype(ytag);
    if constexpr (requires(std::span<const TX> a, std::span<TY> b) { forward(op, a, b, p); }) {
      const auto xs = In<TX>(xin);
      const auto ys = Out<TY>(y);
      const py::gil_scoped_release nogil;
      forward(op, xs, ys, p, options);
    }
  });
  return y;
}

py::object Backward(const std::string& fn_name, py::handle x_obj, py::handle dy_obj, py::handle out,
                    const py::dict& params, bool param_grad, py::handle storage_obj,
                    py::handle accuracy) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op, "_backward");
  const Storage storage = StorageOf(fn, storage_obj);
  const Options options{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array x = ToArray(fn, "x", x_obj);
  const py::array dy = ToArray(fn, "dy", dy_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  const DType tg = GradType(fn, "x", x, t, dy, ElementDTypeOf(fn, "dy", dy, storage));
  CheckShape(fn, "dy", dy, "x", x);
  if (HasWeightArray(op, params)) {
    CheckChannelDType(fn, x, t);
    const Channels ch = ChannelsOf(fn, x, t, params);
    py::array dx = Output(fn, "out", out, t, ShapeOf(x), Order::kC, x, storage);
    py::array dweight = py::array(ch.weight.dtype(), ShapeOf(ch.weight));
    ByType(t, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        const py::array xin = InputLike(x, dx), dyin = InputLike(dy, dx);
        std::vector<double> sums(static_cast<std::size_t>(ch.weight.size()), 0.0);
        if (x.size() > 0) {
          const auto xs = In<T>(xin);
          const auto dys = In<T>(dyin);
          const auto ws = In<T>(ch.weight);
          const auto dxs = Out<T>(dx);
          const py::gil_scoped_release nogil;
          prelu_backward(xs, dys, dxs, ws, ch.inner, sums, options);
        }
        std::copy(sums.begin(), sums.end(), Out<T>(dweight).begin());
      }
    });
    if (param_grad) return py::make_tuple(dx, dweight);
    return dx;
  }
  const Params p = ToParams(fn, params);
  resolve(op, p);
  py::array dx = Output(fn, "out", out, tg, ShapeOf(x), Order::kAny, x, storage);
  const py::array xin = InputLike(x, dx), dyin = InputLike(dy, dx);
  double grad = 0.0;
  ByTypes(t, tg, [&](auto xtag, auto gtag) {
    using TX = decltype(xtag);
    using TG = decltype(gtag);
    if constexpr (requires(std::span<const TX> a, std::span<const TG> g, std::span<TG> d) {
                    backward(op, a, g, d, p, &grad);
                  }) {
      const auto xs = In<TX>(xin);
      const auto dys = In<TG>(dyin);
      const auto dxs = Out<TG>(dx);
      const py::gil_scoped_release nogil;
      backward(op, xs, dys, dxs, p, param_grad ? &grad : nullptr, options);
    }
  });
  if (param_grad) return py::make_tuple(dx, grad);
  return dx;
}

py::array BackwardFromY(const std::string& fn_name, py::handle y_obj, py::handle dy_obj,
                        py::handle out, const py::dict& params, py::handle storage_obj,
                        py::handle accuracy) {
  const Op op = op_from_name(fn_name);
  const std::string fn = Label(op, "_backward_from_y");
  const Storage storage = StorageOf(fn, storage_obj);
  const Options options{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array y = ToArray(fn, "y", y_obj);
  const py::array dy = ToArray(fn, "dy", dy_obj);
  const DType t = ElementDTypeOf(fn, "y", y, storage);
  const DType tg = ElementDTypeOf(fn, "dy", dy, storage);
  if (tg != t) {
    Fail(fn + ": dy has dtype " + DTypeText(dy, tg) + " but y has " + DTypeText(y, t));
  }
  CheckShape(fn, "dy", dy, "y", y);
  const Params p = ToParams(fn, params);
  resolve(op, p);
  py::array dx = Output(fn, "out", out, t, ShapeOf(y), Order::kAny, y, storage);
  const py::array yin = InputLike(y, dx), dyin = InputLike(dy, dx);
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto ys = In<T>(yin);
    const auto dys = In<T>(dyin);
    const auto dxs = Out<T>(dx);
    const py::gil_scoped_release nogil;
    backward_from_y(op, ys, dys, dxs, p, options);
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
#define ACTIV_ALIAS(other, name) aliases[#other] = #name;
#include "activ/ops.def"
  return aliases;
}

}  // namespace
}  // namespace activ::python

PYBIND11_MODULE(_activ, m) {
  namespace py = pybind11;
  namespace ap = activ::python;
  m.doc() = "activ's kernels on NumPy arrays; use the functions of the package activ.";
  py::register_local_exception<activ::Error>(m, "Error", PyExc_ValueError);
  m.def("forward", &ap::Forward, py::arg("name"), py::arg("x"), py::arg("out") = py::none(),
        py::arg("params") = py::dict(), py::arg("storage") = py::none(),
        py::arg("accuracy") = "faithful",
        "y = f(x) for the function `name`. storage ('float16' or 'bfloat16') says what int16 "
        "and uint16 arrays hold; accuracy is 'faithful' or 'fast'.");
  m.def("backward", &ap::Backward, py::arg("name"), py::arg("x"), py::arg("dy"),
        py::arg("out") = py::none(), py::arg("params") = py::dict(), py::arg("param_grad") = false,
        py::arg("storage") = py::none(), py::arg("accuracy") = "faithful",
        "dx = dy * f'(x); with param_grad, (dx, gradient of the first parameter).");
  m.def("backward_from_y", &ap::BackwardFromY, py::arg("name"), py::arg("y"), py::arg("dy"),
        py::arg("out") = py::none(), py::arg("params") = py::dict(),
        py::arg("storage") = py::none(), py::arg("accuracy") = "faithful",
        "dx = dy * f'(x) from y = f(x).");
  m.def(
      "has_fast_kernel",
      [](const std::string& n, bool backward) {
        return activ::has_fast_kernel(activ::op_from_name(n), backward);
      },
      py::arg("name"), py::arg("backward") = false,
      "Whether accuracy='fast' runs a kernel of its own for this function and direction (else "
      "the faithful one, which meets the fast bound).");
  m.def("ops", &ap::Ops, "The registry: one dict per function, in registry order.");
  m.def("aliases", &ap::Aliases, "Other names for registry functions: {alias: name}.");
  m.def(
      "canonical_name",
      [](const std::string& n) { return std::string(activ::name(activ::op_from_name(n))); },
      "The registry name of a name or alias.");
  m.def("version", [] { return std::string(activ::version()); });
  m.def("simd_target", [] { return std::string(activ::simd_target()); });
  m.def("compiled_targets", &activ::compiled_targets);
  m.def("set_num_threads", &activ::set_num_threads, py::arg("n"),
        "Threads that large calls are split across (0: the default, ACTIV_NUM_THREADS or every "
        "hardware thread; 1: none). Results do not depend on it.");
  m.def("num_threads", &activ::num_threads, "Threads that large calls are split across.");
#ifdef ACTIV_PYTHON_ROWWISE
  ap::BindRowwise(m);
#endif
}
