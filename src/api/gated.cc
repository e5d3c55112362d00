// Gated linear units out = act(gate) * up, forward and backward, for every registry function
// flagged kGates: the checked entry points, and the one list of the gated units' names. The
// per-target loops are in each gating operation's own unit (src/simd/op_unit-inl.h). A new kGates
// line in ops.def is a new GLU variant with no code here.
#include "activ/gated.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/checks.h"
#include "simd/dispatch.h"
#include "simd/streaming.h"
#include "thread_pool.h"

namespace activ {
namespace {

using detail::CheckAlias;
using detail::CheckSizes;
using detail::CheckView;
using detail::Shape;

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
detail::Args GateArgs(const std::string& fn, Op op, const Params& params, const Options& options) {
  const OpInfo& o = info(op);
  if (!(o.flags & kGates)) {
    throw Error(fn + "(" + std::string(o.name) + "): " + std::string(o.name) +
                " cannot gate; the gating functions are " + GatingNames());
  }
  const ResolvedParams r = resolve(op, params);
  return detail::ToArgs<T>(r, detail::CheckAccuracy(fn, options.accuracy));
}

// A flat span as one row.
template <typename T>
Rows<T> AsRow(std::span<T> s) {
  return Rows<T>(s.data(), s.empty() ? 0 : 1, s.size());
}

// rows [r0, r1) and columns [c0, c1) of v.
template <typename T>
Rows<T> Part(const Rows<T>& v, size_t r0, size_t r1, size_t c0, size_t c1) {
  return Rows<T>(v.row(r0) + c0, r1 - r0, c1 - c0, v.stride);
}

// Calls f(r0, r1, c0, c1) over parts of a [rows, cols] call across threads: ranges of rows, or
// of columns for a single row (the two-input form).
template <class F>
void Split(size_t rows, size_t cols, F&& f) {
  if (rows == 0 || cols == 0) return;
  if (rows == 1) {
    detail::ParallelFor(cols, detail::kMinElementsPerThread,
                        [&](size_t c0, size_t c1) { f(size_t{0}, size_t{1}, c0, c1); });
    return;
  }
  detail::ParallelFor(rows, detail::RowGrain(cols),
                      [&](size_t r0, size_t r1) { f(r0, r1, size_t{0}, cols); });
}

// The outputs' bytes decide whether the call streams them (simd/streaming.h), once for the call.
template <typename T>
void Forward(Op op, Rows<const T> gate, Rows<const T> up, Rows<T> out, const detail::Args& args) {
  detail::Args a = args;
  a.stream = detail::StreamOutput(out.rows * out.cols * sizeof(T));
  Split(gate.rows, gate.cols, [&](size_t r0, size_t r1, size_t c0, size_t c1) {
    detail::Gated(op, Part(gate, r0, r1, c0, c1), Part(up, r0, r1, c0, c1),
                  Part(out, r0, r1, c0, c1), a);
  });
}

template <typename T>
void Backward(Op op, Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
              Rows<T> d_up, const detail::Args& args) {
  detail::Args a = args;
  a.stream = detail::StreamOutput(2 * d_gate.rows * d_gate.cols * sizeof(T));
  Split(gate.rows, gate.cols, [&](size_t r0, size_t r1, size_t c0, size_t c1) {
    detail::GatedBackward(op, Part(gate, r0, r1, c0, c1), Part(up, r0, r1, c0, c1),
                          Part(dout, r0, r1, c0, c1), Part(d_gate, r0, r1, c0, c1),
                          Part(d_up, r0, r1, c0, c1), a);
  });
}

template <typename T>
void GatedImpl(Op op, std::span<const T> gate, std::span<const T> up, std::span<T> out,
               const Params& params, const Options& o) {
  const std::string fn = "activ::gated";
  const detail::Args a = GateArgs<T>(fn, op, params, o);
  CheckSizes(fn, {{"gate", gate.size()}, {"up", up.size()}, {"out", out.size()}});
  CheckAlias(fn, "gate", AsRow(gate), "out", AsRow(out), "array");
  CheckAlias(fn, "up", AsRow(up), "out", AsRow(out), "array");
  Forward(op, AsRow(gate), AsRow(up), AsRow(out), a);
}

template <typename T>
void GatedBackwardImpl(Op op, std::span<const T> gate, std::span<const T> up,
                       std::span<const T> dout, std::span<T> d_gate, std::span<T> d_up,
                       const Params& params, const Options& o) {
  const std::string fn = "activ::gated_backward";
  const detail::Args a = GateArgs<T>(fn, op, params, o);
  const size_t n = gate.size();
  CheckSizes(fn, {{"gate", n},
                  {"up", up.size()},
                  {"dout", dout.size()},
                  {"d_gate", d_gate.size()},
                  {"d_up", d_up.size()}});
  for (const auto& [in_name, in] :
       {std::pair{"gate", gate}, std::pair{"up", up}, std::pair{"dout", dout}}) {
    CheckAlias(fn, in_name, AsRow(in), "d_gate", AsRow(d_gate), "array");
    CheckAlias(fn, in_name, AsRow(in), "d_up", AsRow(d_up), "array");
  }
  if (n > 0 && d_gate.data() == d_up.data()) {
    throw Error(fn + ": d_gate and d_up are the same array");
  }
  CheckAlias(fn, "d_gate", AsRow(std::span<const T>(d_gate)), "d_up", AsRow(d_up), "array");
  Backward(op, AsRow(gate), AsRow(up), AsRow(dout), AsRow(d_gate), AsRow(d_up), a);
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
void GatedSplitImpl(Op op, Rows<const T> x, Rows<T> out, const Params& params, const Options& o) {
  const std::string fn = "activ::gated_split";
  const detail::Args a = GateArgs<T>(fn, op, params, o);
  CheckView(fn, "x", x);
  CheckView(fn, "out", out);
  const size_t h = Half(fn, x);
  if (out.rows != x.rows || out.cols != h) {
    throw Error(fn + ": x is " + Shape(x.rows, x.cols) + " so out must be " + Shape(x.rows, h) +
                ", got " + Shape(out.rows, out.cols));
  }
  // out may take the place of the up half (same data and stride), element for element.
  CheckAlias(fn, "x", x, "out", out, "array");
  Forward(op, Part(x, 0, x.rows, h, x.cols), Part(x, 0, x.rows, 0, h), out, a);
}

template <typename T>
void GatedSplitBackwardImpl(Op op, Rows<const T> x, Rows<const T> dout, Rows<T> dx,
                            const Params& params, const Options& o) {
  const std::string fn = "activ::gated_split_backward";
  const detail::Args a = GateArgs<T>(fn, op, params, o);
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
  CheckAlias(fn, "x", x, "dx", dx, "array");
  CheckAlias(fn, "dout", dout, "dx", dx, "array");
  // dx[:, :H] is d_up, dx[:, H:] is d_gate.
  Backward(op, Part(x, 0, x.rows, h, x.cols), Part(x, 0, x.rows, 0, h), dout,
           Part(dx, 0, x.rows, h, x.cols), Part(dx, 0, x.rows, 0, h), a);
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

#define ACTIV_PUBLIC_GATED(S, T)                                                                   \
  void gated(Op act, std::span<const T> gate, std::span<const T> up, std::span<T> out,             \
             const Params& params, const Options& o) {                                             \
    GatedImpl(act, gate, up, out, params, o);                                                      \
  }                                                                                                \
  void gated_backward(Op act, std::span<const T> gate, std::span<const T> up,                      \
                      std::span<const T> dout, std::span<T> d_gate, std::span<T> d_up,             \
                      const Params& params, const Options& o) {                                    \
    GatedBackwardImpl(act, gate, up, dout, d_gate, d_up, params, o);                               \
  }                                                                                                \
  void gated_split(Op act, Rows<const T> x, Rows<T> out, const Params& params, const Options& o) { \
    GatedSplitImpl(act, x, out, params, o);                                                        \
  }                                                                                                \
  void gated_split_backward(Op act, Rows<const T> x, Rows<const T> dout, Rows<T> dx,               \
                            const Params& params, const Options& o) {                              \
    GatedSplitBackwardImpl(act, x, dout, dx, params, o);                                           \
  }
ACTIV_GATED_TYPES(ACTIV_PUBLIC_GATED)
#undef ACTIV_PUBLIC_GATED

}  // namespace activ
