// The softmax family (include/activ/rowwise.h) and the gated units (include/activ/gated.h) on
// NumPy arrays, for the module activ._activ. Built with the CMake option ACTIV_PYTHON_ROWWISE
// once the library implements those headers.
//
// The row-wise functions work along one axis, `dim` (the last by default, as in PyTorch): the
// kernels see rows of a C-contiguous array with that axis last, so another axis is moved last in
// a copy, and the result moved back. `out`, when given, must be contiguous and is written last.
//
// Types, as for the element-wise functions (python/activ_module.cc): float32, float64, NumPy
// float16, and int16/uint16 arrays read as `storage` bits ("bfloat16" or "float16"; a new
// bfloat16 result comes as uint16 bits). Every input of one call has one type; the 16-bit
// results are the library's: the float32 result rounded once more, to nearest even.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include <activ/gated.h>
#include <activ/rowwise.h>

#include "bindings.h"

namespace activ::python {
namespace {

py::ssize_t Axis(const std::string& fn, int dim, const py::array& x) {
  const auto n = static_cast<int>(x.ndim());
  if (n == 0) Fail(fn + ": x has no dimension; it needs at least one");
  if (dim < -n || dim >= n) {
    Fail(fn + ": dim " + std::to_string(dim) + " is out of range for an array of " +
         std::to_string(n) + " dimension" + (n == 1 ? "" : "s"));
  }
  return dim < 0 ? dim + n : dim;
}

// `a` with axis `axis` moved last, C-contiguous (a copy unless it already was).
py::array Last(const py::array& a, py::ssize_t axis) {
  const py::module_ np = py::module_::import("numpy");
  return np.attr("ascontiguousarray")(np.attr("moveaxis")(a, axis, -1));
}

template <typename T>
Rows<T> RowsOf(py::array& a) {
  const auto cols = static_cast<std::size_t>(a.ndim() ? a.shape(a.ndim() - 1) : 1);
  const auto size = static_cast<std::size_t>(a.size());
  return {static_cast<T*>(a.mutable_data()), cols ? size / cols : 0, cols};
}
template <typename T>
Rows<const T> RowsIn(const py::array& a) {
  const auto cols = static_cast<std::size_t>(a.ndim() ? a.shape(a.ndim() - 1) : 1);
  const auto size = static_cast<std::size_t>(a.size());
  return {static_cast<const T*>(a.data()), cols ? size / cols : 0, cols};
}

// f(the inputs' rows..., out's rows) in out's element type t, without the GIL (the rows are
// taken while it is held); nothing where out is empty.
template <class F, class... In>
void OnRows(DType t, py::array& out, F f, const In&... in) {
  if (out.size() == 0) return;
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const std::tuple<decltype(RowsIn<T>(in))...> ins{RowsIn<T>(in)...};
    const Rows<T> os = RowsOf<T>(out);
    const py::gil_scoped_release nogil;
    std::apply([&](const auto&... is) { f(is..., os); }, ins);
  });
}

// A new C-contiguous result of type t (bfloat16 as uint16 bits).
py::array New(const std::string& fn, DType t, const Shape& shape, const py::array& like) {
  return Output(fn, "result", py::none(), t, shape, Order::kC, like);
}

// The result, computed with the axis last, in the caller's layout: moved back, and copied into
// `out` when given.
py::array Finish(const std::string& fn, const py::array& result, py::ssize_t axis, py::handle out,
                 DType t, Storage storage) {
  const py::module_ np = py::module_::import("numpy");
  const py::array back = np.attr("moveaxis")(result, -1, axis);
  if (out.is_none()) return np.attr("ascontiguousarray")(back);
  py::array o = Output(fn, "out", out, t, ShapeOf(back), Order::kAny, back, storage);
  // Same type, maybe other bits' dtype (a float16 result into int16 storage): copy the bits.
  np.attr("copyto")(o, back.attr("view")(o.dtype()));
  return o;
}

bool IsCArray(py::handle a) {
  return py::isinstance<py::array>(a) &&
         (py::reinterpret_borrow<py::array>(a).flags() & py::array::c_style) != 0;
}

// The common case: dim is the last axis of C-contiguous arrays, and `out`, if given, is
// C-contiguous. Then the kernels read and write the caller's arrays directly: no moved copy, no
// copy into `out` (for small arrays those NumPy calls cost tens of microseconds; for large ones,
// a pass over memory).
bool Direct(py::ssize_t axis, const py::array& x, py::handle out) {
  return axis == x.ndim() - 1 && IsCArray(x) && (out.is_none() || IsCArray(out));
}

// softmax, log_softmax, softmin: y = f(x) along dim.
// softmax, log_softmax, softmin and hardmax take `o`.
template <class Kernel>
py::array RowForward(const std::string& fn, py::handle x_obj, int dim, py::handle out,
                     bool masked_rows_are_zero, py::handle storage_obj, py::handle accuracy,
                     Kernel kernel) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Accuracy acc = AccuracyOf(fn, accuracy);
  const py::array x = ToArray(fn, "x", x_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  const py::ssize_t axis = Axis(fn, dim, x);
  RowOptions o;
  o.masked_rows_are_zero = masked_rows_are_zero;
  o.accuracy = acc;
  if (Direct(axis, x, out)) {
    py::array y = Output(fn, "out", out, t, ShapeOf(x), Order::kC, x, storage);
    const py::array xi = InputLike(x, y);  // a copy only where x and out partly overlap
    OnRows(
        t, y, [&](auto xs, auto ys) { kernel(xs, ys, o); }, xi);
    return y;
  }
  const py::array xl = Last(x, axis);
  py::array y = New(fn, t, ShapeOf(xl), xl);
  OnRows(
      t, y, [&](auto xs, auto ys) { kernel(xs, ys, o); }, xl);
  return Finish(fn, y, axis, out, t, storage);
}

// Their backward passes, from the output: dx from y and dy along dim.
template <class Kernel>
py::array RowBackward(const std::string& fn, py::handle y_obj, py::handle dy_obj, int dim,
                      py::handle out, py::handle storage_obj, py::handle accuracy, Kernel kernel) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Options o{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array y = ToArray(fn, "y", y_obj);
  const py::array dy = ToArray(fn, "dy", dy_obj);
  const DType t = ElementDTypeOf(fn, "y", y, storage);
  CheckLike(fn, "dy", dy, "y", y, storage);
  const py::ssize_t axis = Axis(fn, dim, y);
  if (Direct(axis, y, out) && IsCArray(dy)) {
    py::array dx = Output(fn, "out", out, t, ShapeOf(y), Order::kC, y, storage);
    const py::array yi = InputLike(y, dx), dyi = InputLike(dy, dx);
    OnRows(
        t, dx, [&](auto ys, auto dys, auto dxs) { kernel(ys, dys, dxs, o); }, yi, dyi);
    return dx;
  }
  const py::array yl = Last(y, axis), dyl = Last(dy, axis);
  py::array dx = New(fn, t, ShapeOf(yl), yl);
  OnRows(
      t, dx, [&](auto ys, auto dys, auto dxs) { kernel(ys, dys, dxs, o); }, yl, dyl);
  return Finish(fn, dx, axis, out, t, storage);
}

// The index of the first maximum along dim (NaN counts as the maximum), int64, dim removed.
py::array Argmax(const std::string& fn, py::handle x_obj, int dim, py::handle storage_obj) {
  const Storage storage = StorageOf(fn, storage_obj);
  const py::array x = ToArray(fn, "x", x_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  const py::ssize_t axis = Axis(fn, dim, x);
  if (x.shape(axis) == 0) {
    Fail(fn + ": dimension " + std::to_string(axis) + " of x has no elements; an empty row has " +
         "no maximum");
  }
  const py::array xl = Last(x, axis);
  Shape rest = ShapeOf(xl);
  rest.pop_back();
  py::array_t<std::int64_t, py::array::c_style> index(rest);
  if (index.size() > 0) {
    ByType(t, [&](auto tag) {
      using T = decltype(tag);
      const Rows<const T> xs = RowsIn<T>(xl);
      const std::span<std::int64_t> is(index.mutable_data(),
                                       static_cast<std::size_t>(index.size()));
      const py::gil_scoped_release nogil;
      argmax(xs, is);
    });
  }
  return index;
}

// What gated() and gated_backward() compute: act in the library's grammar (activ::parse_activation,
// the one the lab and the command line read): a gating function ("silu"), a gated unit's name
// ("swiglu", "gated_tanh"), with parameters in the text ("swiglu:beta=2", "silu(beta=2)") or as
// keywords.
std::pair<Op, Params> GateOf(const std::string& fn, const std::string& act,
                             const py::kwargs& kwargs) {
  const Activation a = parse_activation(act);
  Params p = a.params;
  const Params keywords = ToParams(fn, kwargs);
  for (const auto& [key, value] : keywords.values()) {
    if (p.find(key)) Fail(fn + ": " + key + " is given in '" + act + "' and as a keyword");
    p.set(key, value);
  }
  return {a.op, p};
}

// The docstring of gated(), from the registry and the one list of gated units.
const char* GatedDoc() {
  static const std::string doc = [] {
    std::string gates, units;
    for (const OpInfo& o : all_ops()) {
      if (o.flags & kGates) gates += (gates.empty() ? "" : ", ") + std::string(o.name);
    }
    for (const GatedUnit& g : gated_units()) units += std::string(g.name) + ", ";
    return "act(gate) * up for a gating activation (" + gates + ") or a gated unit's name (" +
           units +
           "gated_<function>), in activ's activation grammar ('swiglu:beta=2' or "
           "'silu(beta=2)'); parameters of act in the text or by keyword; accuracy='fast' runs "
           "the gate's fast kernel where it has one.";
  }();
  return doc.c_str();
}

// The split form: out = x[..., :H] * act(x[..., H:]) along dim, as torch.nn.functional.glu.
py::array Split(const std::string& fn, Op act, py::handle x_obj, int dim, py::handle out,
                const Params& p, py::handle storage_obj, py::handle accuracy) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Options o{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array x = ToArray(fn, "x", x_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  const py::ssize_t axis = Axis(fn, dim, x);
  if (x.shape(axis) % 2 != 0) {
    Fail(fn + ": dimension " + std::to_string(axis) + " of x has " + std::to_string(x.shape(axis)) +
         " elements; it must be even (two halves)");
  }
  resolve(act, p);
  const py::array xl = Last(x, axis);
  Shape half = ShapeOf(xl);
  half.back() /= 2;
  py::array y = New(fn, t, half, xl);
  OnRows(
      t, y, [&](auto xs, auto ys) { gated_split(act, xs, ys, p, o); }, xl);
  return Finish(fn, y, axis, out, t, storage);
}

py::array SplitBackward(const std::string& fn, Op act, py::handle x_obj, py::handle dout_obj,
                        int dim, py::handle out, const Params& p, py::handle storage_obj,
                        py::handle accuracy) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Options o{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array x = ToArray(fn, "x", x_obj);
  const py::array dout = ToArray(fn, "dout", dout_obj);
  const DType t = ElementDTypeOf(fn, "x", x, storage);
  const py::ssize_t axis = Axis(fn, dim, x);
  const DType td = ElementDTypeOf(fn, "dout", dout, storage);
  if (td != t) {
    Fail(fn + ": dout has dtype " + DTypeText(dout, td) + " but x has " + DTypeText(x, t));
  }
  Shape want = ShapeOf(x);
  want[static_cast<std::size_t>(axis)] /= 2;
  if (x.shape(axis) % 2 != 0 || ShapeOf(dout) != want) {
    Fail(fn + ": dout has shape " + ShapeText(ShapeOf(dout)) + "; for x of shape " +
         ShapeText(ShapeOf(x)) + " it must be " + ShapeText(want) + " (half of dim " +
         std::to_string(axis) + ")");
  }
  resolve(act, p);
  const py::array xl = Last(x, axis), dl = Last(dout, axis);
  py::array dx = New(fn, t, ShapeOf(xl), xl);
  OnRows(
      t, dx, [&](auto xs, auto ds, auto dxs) { gated_split_backward(act, xs, ds, dxs, p, o); }, xl,
      dl);
  return Finish(fn, dx, axis, out, t, storage);
}

// The two-input form: out = act(gate) * up, element-wise, any shape.
py::array Gated(const std::string& fn, Op act, py::handle gate_obj, py::handle up_obj,
                py::handle out, const Params& p, py::handle storage_obj, py::handle accuracy) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Options o{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array gate = ToArray(fn, "gate", gate_obj);
  const py::array up = ToArray(fn, "up", up_obj);
  const DType t = ElementDTypeOf(fn, "gate", gate, storage);
  CheckLike(fn, "up", up, "gate", gate, storage);
  resolve(act, p);
  py::array y = Output(fn, "out", out, t, ShapeOf(gate), Order::kAny, gate, storage);
  const py::array g = InputLike(gate, y), u = InputLike(up, y);
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto gs = In<T>(g);
    const auto us = In<T>(u);
    const auto ys = Out<T>(y);
    const py::gil_scoped_release nogil;
    gated(act, gs, us, ys, p, o);
  });
  return y;
}

py::tuple GatedBackward(const std::string& fn, Op act, py::handle gate_obj, py::handle up_obj,
                        py::handle dout_obj, const Params& p, py::handle storage_obj,
                        py::handle accuracy) {
  const Storage storage = StorageOf(fn, storage_obj);
  const Options o{.accuracy = AccuracyOf(fn, accuracy)};
  const py::array gate = ToArray(fn, "gate", gate_obj);
  const py::array up = ToArray(fn, "up", up_obj);
  const py::array dout = ToArray(fn, "dout", dout_obj);
  const DType t = ElementDTypeOf(fn, "gate", gate, storage);
  CheckLike(fn, "up", up, "gate", gate, storage);
  CheckLike(fn, "dout", dout, "gate", gate, storage);
  resolve(act, p);
  py::array d_gate = Output(fn, "d_gate", py::none(), t, ShapeOf(gate), Order::kAny, gate);
  py::array d_up = Output(fn, "d_up", py::none(), t, ShapeOf(gate), Order::kAny, gate);
  const py::array g = InputLike(gate, d_gate), u = InputLike(up, d_gate),
                  d = InputLike(dout, d_gate);
  ByType(t, [&](auto tag) {
    using T = decltype(tag);
    const auto gs = In<T>(g);
    const auto us = In<T>(u);
    const auto ds = In<T>(d);
    const auto dgs = Out<T>(d_gate);
    const auto dus = Out<T>(d_up);
    const py::gil_scoped_release nogil;
    gated_backward(act, gs, us, ds, dgs, dus, p, o);
  });
  return py::make_tuple(d_gate, d_up);
}

Params Beta(double beta) { return Params{{"beta", beta}}; }

}  // namespace

void BindRowwise(py::module_& m) {
  using py::arg;
  const auto none = py::none();
  const char* const faithful = "faithful";
#define ACTIV_ROW_FORWARD(fname)                                                                 \
  m.def(                                                                                         \
      #fname,                                                                                    \
      [](py::handle x, int dim, py::handle out, bool masked_rows_are_zero, py::handle storage,   \
         py::handle accuracy) {                                                                  \
        return RowForward("activ." #fname, x, dim, out, masked_rows_are_zero, storage, accuracy, \
                          [](auto xs, auto ys, const RowOptions& o) { fname(xs, ys, o); });      \
      },                                                                                         \
      arg("x"), arg("dim") = -1, py::kw_only(), arg("out") = none,                               \
      arg("masked_rows_are_zero") = false, arg("storage") = none, arg("accuracy") = faithful,    \
      #fname                                                                                     \
      " along dim (an all -inf row gives NaN, or zeros with masked_rows_are_zero). "             \
      "storage ('float16' or 'bfloat16') says what int16 and uint16 arrays hold; accuracy "      \
      "'fast' is accepted and runs the faithful kernel (no fast row-wise kernel).");             \
  m.def(                                                                                         \
      #fname "_backward",                                                                        \
      [](py::handle y, py::handle dy, int dim, py::handle out, py::handle storage,               \
         py::handle accuracy) {                                                                  \
        return RowBackward("activ." #fname "_backward", y, dy, dim, out, storage, accuracy,      \
                           [](auto ys, auto dys, auto dxs, const Options& o) {                   \
                             fname##_backward(ys, dys, dxs, o);                                  \
                           });                                                                   \
      },                                                                                         \
      arg("y"), arg("dy"), arg("dim") = -1, py::kw_only(), arg("out") = none,                    \
      arg("storage") = none, arg("accuracy") = faithful,                                         \
      "dx of " #fname " from its output y and the upstream gradient dy, along dim.");
  ACTIV_ROW_FORWARD(softmax)
  ACTIV_ROW_FORWARD(log_softmax)
  ACTIV_ROW_FORWARD(softmin)
#undef ACTIV_ROW_FORWARD

  m.def(
      "argmax",
      [](py::handle x, int dim, py::handle storage) {
        return Argmax("activ.argmax", x, dim, storage);
      },
      arg("x"), arg("dim") = -1, py::kw_only(), arg("storage") = none,
      "Index (int64) of the first maximum along dim, NaN counting as the maximum; dim removed.");
  m.def(
      "hardmax",
      [](py::handle x, int dim, py::handle out, py::handle storage) {
        return RowForward("activ.hardmax", x, dim, out, false, storage, py::str("faithful"),
                          [](auto xs, auto ys, const RowOptions&) { hardmax(xs, ys); });
      },
      arg("x"), arg("dim") = -1, py::kw_only(), arg("out") = none, arg("storage") = none,
      "One-hot of argmax along dim, in x's type.");

  m.def(
      "glu",
      [](py::handle x, int dim, py::handle out, py::handle storage, py::handle accuracy) {
        return Split("activ.glu", Op::sigmoid, x, dim, out, {}, storage, accuracy);
      },
      arg("x"), arg("dim") = -1, py::kw_only(), arg("out") = none, arg("storage") = none,
      arg("accuracy") = faithful,
      "x[..., :H] * sigmoid(x[..., H:]) along dim, as torch.nn.functional.glu.");
  m.def(
      "glu_backward",
      [](py::handle x, py::handle dout, int dim, py::handle out, py::handle storage,
         py::handle accuracy) {
        return SplitBackward("activ.glu_backward", Op::sigmoid, x, dout, dim, out, {}, storage,
                             accuracy);
      },
      arg("x"), arg("dout"), arg("dim") = -1, py::kw_only(), arg("out") = none,
      arg("storage") = none, arg("accuracy") = faithful,
      "dx of glu (both halves) from x and the upstream gradient dout.");
  m.def(
      "swiglu",
      [](py::handle gate, py::handle up, py::handle out, double beta, py::handle storage,
         py::handle accuracy) {
        return Gated("activ.swiglu", Op::silu, gate, up, out, Beta(beta), storage, accuracy);
      },
      arg("gate"), arg("up"), py::kw_only(), arg("out") = none, arg("beta") = 1.0,
      arg("storage") = none, arg("accuracy") = faithful,
      "silu(gate, beta) * up, element-wise (LLaMA's MLP).");
  m.def(
      "swiglu_backward",
      [](py::handle gate, py::handle up, py::handle dout, double beta, py::handle storage,
         py::handle accuracy) {
        return GatedBackward("activ.swiglu_backward", Op::silu, gate, up, dout, Beta(beta), storage,
                             accuracy);
      },
      arg("gate"), arg("up"), arg("dout"), py::kw_only(), arg("beta") = 1.0, arg("storage") = none,
      arg("accuracy") = faithful, "(d_gate, d_up) of swiglu.");
  m.def(
      "gated",
      [](const std::string& act, py::handle gate, py::handle up, py::handle out, py::handle storage,
         py::handle accuracy, const py::kwargs& params) {
        const auto [op, p] = GateOf("activ.gated", act, params);
        return Gated("activ.gated(" + std::string(name(op)) + ")", op, gate, up, out, p, storage,
                     accuracy);
      },
      arg("act"), arg("gate"), arg("up"), py::kw_only(), arg("out") = none, arg("storage") = none,
      arg("accuracy") = faithful, GatedDoc());
  m.def(
      "gated_backward",
      [](const std::string& act, py::handle gate, py::handle up, py::handle dout,
         py::handle storage, py::handle accuracy, const py::kwargs& params) {
        const auto [op, p] = GateOf("activ.gated_backward", act, params);
        return GatedBackward("activ.gated_backward(" + std::string(name(op)) + ")", op, gate, up,
                             dout, p, storage, accuracy);
      },
      arg("act"), arg("gate"), arg("up"), arg("dout"), py::kw_only(), arg("storage") = none,
      arg("accuracy") = faithful, "(d_gate, d_up) of gated(act, ...).");
}

}  // namespace activ::python
