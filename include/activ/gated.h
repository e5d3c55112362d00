// Gated linear units, generated from the registry: every function flagged kGates (sigmoid,
// identity, relu, gelu, gelu_tanh, silu) can gate.
//
// Two-input form, as in LLaMA-style MLPs: out = act(gate) * up, with its backward returning
// d_gate = dout * up * act'(gate) and d_up = dout * act(gate) in one pass.
// Split form, PyTorch-compatible: on [rows, 2H], out = x[:, :H] * act(x[:, H:]) — the gate is
// the SECOND half, as in torch.nn.functional.glu.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "activ/activ.h"
#include "activ/rowwise.h"

namespace activ {

// The gated units' names, the one list the library, the lab, the command line and Python use:
// glu (sigmoid), bilinear (identity), reglu (relu), geglu (gelu), geglu_tanh (gelu_tanh),
// swiglu (silu, with its beta). Any other function as a gate is named gated_<function>
// (gated_tanh); gated() itself takes the functions flagged kGates.
struct GatedUnit {
  std::string_view name;
  Op gate;
};
std::span<const GatedUnit> gated_units();
// "swiglu" -> Op::silu, "gated_tanh" -> Op::tanh; throws Error listing the names.
Op gate_of(std::string_view gated_name);
// The name of the gated unit whose gate is `gate`: "swiglu" for silu, "gated_tanh" for tanh.
std::string gated_name(Op gate);

// Options{.accuracy = Accuracy::fast}: the gate's fast kernels (float32 and 16-bit arrays on
// AVX2 and up) in the backward pass of glu, geglu, geglu_tanh and swiglu and the forward pass
// of geglu; the other forward passes stay faithful (docs/SPEC.md, Accuracy modes). Lanes whose
// factors leave float32's normal range take the faithful results.
//
// One overload set per element type T: float, double, bfloat16, float16. The 16-bit forms compute
// as float32 does and round each float32 result once more, to nearest even.
#define ACTIV_GATED_DECLARE(T)                                                         \
  void gated(Op act, std::span<const T> gate, std::span<const T> up, std::span<T> out, \
             const Params& params = {}, const Options& options = {});                  \
  void gated_backward(Op act, std::span<const T> gate, std::span<const T> up,          \
                      std::span<const T> dout, std::span<T> d_gate, std::span<T> d_up, \
                      const Params& params = {}, const Options& options = {});         \
  /* Split form: x is [rows, 2H] (x.cols even), out is [rows, H], dx is [rows, 2H]. */ \
  void gated_split(Op act, Rows<const T> x, Rows<T> out, const Params& params = {},    \
                   const Options& options = {});                                       \
  void gated_split_backward(Op act, Rows<const T> x, Rows<const T> dout, Rows<T> dx,   \
                            const Params& params = {}, const Options& options = {});   \
  inline void swiglu(std::span<const T> gate, std::span<const T> up, std::span<T> out, \
                     const Params& params = {}, const Options& options = {}) {         \
    gated(Op::silu, gate, up, out, params, options);                                   \
  }                                                                                    \
  inline void glu(Rows<const T> x, Rows<T> out, const Options& options = {}) {         \
    gated_split(Op::sigmoid, x, out, {}, options);                                     \
  }
ACTIV_GATED_DECLARE(float)
ACTIV_GATED_DECLARE(double)
ACTIV_GATED_DECLARE(bfloat16)
ACTIV_GATED_DECLARE(float16)
#undef ACTIV_GATED_DECLARE

}  // namespace activ
