// Gated linear units, generated from the registry: every function flagged kGates (sigmoid,
// identity, relu, gelu, gelu_tanh, silu) can gate.
//
// Two-input form, as in LLaMA-style MLPs: out = act(gate) * up, with its backward returning
// d_gate = dout * up * act'(gate) and d_up = dout * act(gate) in one pass.
// Split form, PyTorch-compatible: on [rows, 2H], out = x[:, :H] * act(x[:, H:]) — the gate is
// the SECOND half, as in torch.nn.functional.glu.
#pragma once

#include <span>
#include <string_view>

#include "activ/activ.h"
#include "activ/rowwise.h"

namespace activ {

// The usual names: glu (sigmoid), bilinear (identity), reglu (relu), geglu (gelu),
// geglu_tanh (gelu_tanh), swiglu (silu, with its beta).
Op gate_of(std::string_view gated_name);  // "swiglu" -> Op::silu; throws Error listing names

void gated(Op act, std::span<const float> gate, std::span<const float> up, std::span<float> out,
           const Params& params = {});
void gated(Op act, std::span<const double> gate, std::span<const double> up,
           std::span<double> out, const Params& params = {});
void gated_backward(Op act, std::span<const float> gate, std::span<const float> up,
                    std::span<const float> dout, std::span<float> d_gate, std::span<float> d_up,
                    const Params& params = {});
void gated_backward(Op act, std::span<const double> gate, std::span<const double> up,
                    std::span<const double> dout, std::span<double> d_gate,
                    std::span<double> d_up, const Params& params = {});

// Split form: x is [rows, 2H] (x.cols even), out is [rows, H], dx is [rows, 2H].
void gated_split(Op act, Rows<const float> x, Rows<float> out, const Params& params = {});
void gated_split(Op act, Rows<const double> x, Rows<double> out, const Params& params = {});
void gated_split_backward(Op act, Rows<const float> x, Rows<const float> dout, Rows<float> dx,
                          const Params& params = {});
void gated_split_backward(Op act, Rows<const double> x, Rows<const double> dout,
                          Rows<double> dx, const Params& params = {});

inline void swiglu(std::span<const float> gate, std::span<const float> up, std::span<float> out,
                   const Params& params = {}) {
  gated(Op::silu, gate, up, out, params);
}
inline void swiglu(std::span<const double> gate, std::span<const double> up,
                   std::span<double> out, const Params& params = {}) {
  gated(Op::silu, gate, up, out, params);
}
inline void glu(Rows<const float> x, Rows<float> out) { gated_split(Op::sigmoid, x, out); }
inline void glu(Rows<const double> x, Rows<double> out) { gated_split(Op::sigmoid, x, out); }

}  // namespace activ
