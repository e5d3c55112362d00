// Gated linear units out = act(gate) * up, forward and backward, for every registry function
// flagged kGates: the checked entry points. The per-target loops are in each gating operation's
// own unit (src/op_unit-inl.h). A new kGates line in ops.def is a new GLU variant with no code
// here.
#include "activ/gated.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "dispatch.h"
#include "thread_pool.h"

namespace activ {
namespace {

template <typename T>
using View = detail::GatedView<T>;

template <typename T>
void RunGated(bool backward, Op op, const View<T>& v, size_t rows, size_t cols,
              const detail::Args& a) {
  detail::GatedRows(backward, op, v, rows, cols, a);
}

constexpr GatedUnit kGatedUnits[] = {
    {"glu", Op::sigmoid}, {"bilinear", Op::identity},    {"reglu", Op::relu},
    {"geglu", Op::gelu},  {"geglu_tanh", Op::gelu_tanh}, {"swiglu", Op::silu},
};
// A gate with no name of its own.
constexpr std::string_view kGatedPrefix = "gated_";

std::string GatingNames() {
  std::string s;
  for (const OpInfo& o : all_ops()) {
    if (o.flags & kGates) s += (s.empty() ? "" : ", ") + std::string(o.name);
  }
  return s;
}

// The resolved parameters of a gating op, or Error.
template <typename T>
detail::Args GateArgs(const std::string& fn, Op op, const Params& params) {
  const OpInfo& o = info(op);
  if (!(o.flags & kGates)) {
    throw Error(fn + "(" + std::string(o.name) + "): " + std::string(o.name) +
                " cannot gate; the gating functions are " + GatingNames());
  }
  return detail::ToArgs<T>(resolve(op, params));
}

// A flat span as one row.
template <typename T>
Rows<T> AsRow(std::span<T> s) {
  return Rows<T>(s.data(), s.empty() ? 0 : 1, s.size());
}

void CheckSize(const std::string& fn, const char* a_name, size_t a, const char* b_name, size_t b) {
  if (a != b) {
    throw Error(fn + ": " + a_name + " has " + std::to_string(a) + " elements but " + b_name +
                " has " + std::to_string(b));
  }
}

std::string Shape(size_t rows, size_t cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

template <typename T>
void CheckView(const std::string& fn, const char* what, const Rows<T>& v) {
  if (v.rows > 1 && v.stride < v.cols) {
    throw Error(fn + ": " + what + " has a row stride of " + std::to_string(v.stride) +
                " elements, less than its " + std::to_string(v.cols) + " columns");
  }
  if (v.data == nullptr && v.rows > 0 && v.cols > 0) {
    throw Error(fn + ": " + what + " is " + Shape(v.rows, v.cols) + " but its data is null");
  }
}

// An output may be an input itself (same data and stride: each element is read before it is
// written) or lie apart from it.
template <typename T>
void CheckAlias(const std::string& fn, const char* in_name, const Rows<const T>& in,
                const char* out_name, const Rows<T>& out) {
  if (in.rows == 0 || in.cols == 0 || out.rows == 0 || out.cols == 0) return;
  auto extent = [](const auto& v) {
    const auto begin = reinterpret_cast<std::uintptr_t>(v.data);
    return std::pair(begin, begin + ((v.rows - 1) * v.stride + v.cols) * sizeof(T));
  };
  const auto [a0, a1] = extent(in);
  const auto [b0, b1] = extent(out);
  const bool same_view = in.data == out.data && (in.stride == out.stride || in.rows == 1);
  if (a0 < b1 && b0 < a1 && !same_view) {
    throw Error(fn + ": " + out_name + " overlaps " + in_name +
                " without being the same array; in place needs the same data and row stride");
  }
}

// Runs rows [0, rows) of a view across threads; a single row (the two-input form) is split
// by columns instead.
template <typename T>
void Dispatch(bool backward, Op op, const View<T>& v, size_t rows, size_t cols,
              const detail::Args& a) {
  if (rows == 0 || cols == 0) return;
  if (rows == 1) {
    detail::ParallelFor(cols, detail::kMinElementsPerThread, [&](size_t c0, size_t c1) {
      View<T> part = v;
      part.g += c0;
      part.u += c0;
      part.out0 += c0;
      if (backward) {
        part.dout += c0;
        part.out1 += c0;
      }
      RunGated(backward, op, part, 1, c1 - c0, a);
    });
    return;
  }
  detail::ParallelFor(rows, detail::RowGrain(cols), [&](size_t r0, size_t r1) {
    View<T> part = v;
    part.g += r0 * v.gs;
    part.u += r0 * v.us;
    part.out0 += r0 * v.out0s;
    if (backward) {
      part.dout += r0 * v.douts;
      part.out1 += r0 * v.out1s;
    }
    RunGated(backward, op, part, r1 - r0, cols, a);
  });
}

template <typename T>
void GatedImpl(Op op, std::span<const T> gate, std::span<const T> up, std::span<T> out,
               const Params& params) {
  const std::string fn = "activ::gated";
  const detail::Args a = GateArgs<T>(fn, op, params);
  CheckSize(fn, "gate", gate.size(), "up", up.size());
  CheckSize(fn, "gate", gate.size(), "out", out.size());
  CheckAlias(fn, "gate", AsRow(gate), "out", AsRow(out));
  CheckAlias(fn, "up", AsRow(up), "out", AsRow(out));
  const View<T> v{gate.data(), up.data(), nullptr, out.data(), nullptr, 0, 0, 0, 0, 0};
  Dispatch(false, op, v, 1, gate.size(), a);
}

template <typename T>
void GatedBackwardImpl(Op op, std::span<const T> gate, std::span<const T> up,
                       std::span<const T> dout, std::span<T> d_gate, std::span<T> d_up,
                       const Params& params) {
  const std::string fn = "activ::gated_backward";
  const detail::Args a = GateArgs<T>(fn, op, params);
  const size_t n = gate.size();
  CheckSize(fn, "gate", n, "up", up.size());
  CheckSize(fn, "gate", n, "dout", dout.size());
  CheckSize(fn, "gate", n, "d_gate", d_gate.size());
  CheckSize(fn, "gate", n, "d_up", d_up.size());
  for (const auto& [in_name, in] :
       {std::pair{"gate", gate}, std::pair{"up", up}, std::pair{"dout", dout}}) {
    CheckAlias(fn, in_name, AsRow(in), "d_gate", AsRow(d_gate));
    CheckAlias(fn, in_name, AsRow(in), "d_up", AsRow(d_up));
  }
  if (n > 0 && d_gate.data() == d_up.data()) {
    throw Error(fn + ": d_gate and d_up are the same array");
  }
  CheckAlias(fn, "d_gate", AsRow(std::span<const T>(d_gate)), "d_up", AsRow(d_up));
  const View<T> v{gate.data(), up.data(), dout.data(), d_gate.data(), d_up.data(), 0, 0, 0, 0, 0};
  Dispatch(true, op, v, 1, n, a);
}

// The halves of a split-form row: up = x[:, :H], gate = x[:, H:], as torch.nn.functional.glu.
template <typename T>
size_t Half(const std::string& fn, const Rows<const T>& x) {
  if (x.cols % 2 != 0) {
    throw Error(fn + ": x has " + std::to_string(x.cols) +
                " columns; the split form needs an even number (up, then gate)");
  }
  return x.cols / 2;
}

template <typename T>
void GatedSplitImpl(Op op, Rows<const T> x, Rows<T> out, const Params& params) {
  const std::string fn = "activ::gated_split";
  const detail::Args a = GateArgs<T>(fn, op, params);
  CheckView(fn, "x", x);
  CheckView(fn, "out", out);
  const size_t h = Half(fn, x);
  if (out.rows != x.rows || out.cols != h) {
    throw Error(fn + ": x is " + Shape(x.rows, x.cols) + " so out must be " + Shape(x.rows, h) +
                ", got " + Shape(out.rows, out.cols));
  }
  // out may take the place of the up half (same data and stride), element for element.
  CheckAlias(fn, "x", x, "out", out);
  const View<T> v{x.data + h, x.data,   nullptr, out.data,   nullptr,
                  x.stride,   x.stride, 0,       out.stride, 0};
  Dispatch(false, op, v, x.rows, h, a);
}

template <typename T>
void GatedSplitBackwardImpl(Op op, Rows<const T> x, Rows<const T> dout, Rows<T> dx,
                            const Params& params) {
  const std::string fn = "activ::gated_split_backward";
  const detail::Args a = GateArgs<T>(fn, op, params);
  CheckView(fn, "x", x);
  CheckView(fn, "dout", dout);
  CheckView(fn, "dx", dx);
  const size_t h = Half(fn, x);
  if (dout.rows != x.rows || dout.cols != h) {
    throw Error(fn + ": x is " + Shape(x.rows, x.cols) + " so dout must be " + Shape(x.rows, h) +
                ", got " + Shape(dout.rows, dout.cols));
  }
  if (dx.rows != x.rows || dx.cols != x.cols) {
    throw Error(fn + ": x is " + Shape(x.rows, x.cols) + " but dx is " + Shape(dx.rows, dx.cols));
  }
  CheckAlias(fn, "x", x, "dx", dx);
  CheckAlias(fn, "dout", dout, "dx", dx);
  // dx[:, :H] is d_up, dx[:, H:] is d_gate.
  const View<T> v{x.data + h, x.data,   dout.data,   dx.data + h, dx.data,
                  x.stride,   x.stride, dout.stride, dx.stride,   dx.stride};
  Dispatch(true, op, v, x.rows, h, a);
}

}  // namespace

std::span<const GatedUnit> gated_units() { return kGatedUnits; }

Op gate_of(std::string_view gated_name) {
  for (const GatedUnit& g : kGatedUnits) {
    if (g.name == gated_name) return g.gate;
  }
  if (gated_name.starts_with(kGatedPrefix)) {
    const std::string_view fn = gated_name.substr(kGatedPrefix.size());
    for (const OpInfo& o : all_ops()) {
      if (o.name == fn) return o.op;
    }
    try {
      return op_from_name(fn);  // an alias
    } catch (const Error&) {
    }
  }
  std::string names;
  for (const GatedUnit& g : kGatedUnits) names += std::string(g.name) + ", ";
  throw Error("activ::gate_of: unknown gated unit '" + std::string(gated_name) +
              "'; valid names: " + names + std::string(kGatedPrefix) + "<function>");
}

std::string gated_name(Op gate) {
  for (const GatedUnit& g : kGatedUnits) {
    if (g.gate == gate) return std::string(g.name);
  }
  return std::string(kGatedPrefix) + std::string(name(gate));
}

#define ACTIV_PUBLIC_GATED(S, T)                                                       \
  void gated(Op act, std::span<const T> gate, std::span<const T> up, std::span<T> out, \
             const Params& params) {                                                   \
    GatedImpl(act, gate, up, out, params);                                             \
  }                                                                                    \
  void gated_backward(Op act, std::span<const T> gate, std::span<const T> up,          \
                      std::span<const T> dout, std::span<T> d_gate, std::span<T> d_up, \
                      const Params& params) {                                          \
    GatedBackwardImpl(act, gate, up, dout, d_gate, d_up, params);                      \
  }                                                                                    \
  void gated_split(Op act, Rows<const T> x, Rows<T> out, const Params& params) {       \
    GatedSplitImpl(act, x, out, params);                                               \
  }                                                                                    \
  void gated_split_backward(Op act, Rows<const T> x, Rows<const T> dout, Rows<T> dx,   \
                            const Params& params) {                                    \
    GatedSplitBackwardImpl(act, x, dout, dx, params);                                  \
  }
ACTIV_GATED_TYPES(ACTIV_PUBLIC_GATED)
#undef ACTIV_PUBLIC_GATED

}  // namespace activ
