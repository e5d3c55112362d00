// Entry points into the per-target kernels (src/simd/dispatch.cc, which calls the operation's own
// unit, src/simd/op_unit-inl.h), one per element type and direction. Arguments are checked by the
// callers in src/api/; these only compute.
#pragma once

#include <cstddef>

#include "activ/activ.h"
#include "activ/rowwise.h"
#include "kernel_args.h"
#include "targets.h"

// The element-type combinations with an entry point: (name suffix, input type, output type).
#define ACTIV_FORWARD_TYPES(X) \
  X(F32, float, float)         \
  X(F64, double, double)       \
  X(BF16, bfloat16, bfloat16)  \
  X(F16, float16, float16) X(F32ToBF16, float, bfloat16) X(F32ToF16, float, float16)
// (suffix, type of x, type of dy and dx)
#define ACTIV_BACKWARD_TYPES(X) \
  X(F32, float, float)          \
  X(F64, double, double)        \
  X(BF16, bfloat16, bfloat16)   \
  X(F16, float16, float16) X(BF16F32, bfloat16, float) X(F16F32, float16, float)
#define ACTIV_FROM_Y_TYPES(X) \
  X(F32, float, float) X(F64, double, double) X(BF16, bfloat16, bfloat16) X(F16, float16, float16)
// (suffix, type) of the gated units.
#define ACTIV_GATED_TYPES(X) X(F32, float) X(F64, double) X(BF16, bfloat16) X(F16, float16)

namespace activ::detail {

void Forward(Op op, const float* x, float* y, size_t n, const Args& a);
void Forward(Op op, const double* x, double* y, size_t n, const Args& a);
void Forward(Op op, const bfloat16* x, bfloat16* y, size_t n, const Args& a);
void Forward(Op op, const float16* x, float16* y, size_t n, const Args& a);
void Forward(Op op, const float* x, bfloat16* y, size_t n, const Args& a);
void Forward(Op op, const float* x, float16* y, size_t n, const Args& a);

void Backward(Op op, const float* x, const float* dy, float* dx, size_t n, const Args& a);
void Backward(Op op, const double* x, const double* dy, double* dx, size_t n, const Args& a);
void Backward(Op op, const bfloat16* x, const bfloat16* dy, bfloat16* dx, size_t n, const Args& a);
void Backward(Op op, const float16* x, const float16* dy, float16* dx, size_t n, const Args& a);
void Backward(Op op, const bfloat16* x, const float* dy, float* dx, size_t n, const Args& a);
void Backward(Op op, const float16* x, const float* dy, float* dx, size_t n, const Args& a);

void BackwardFromY(Op op, const float* y, const float* dy, float* dx, size_t n, const Args& a);
void BackwardFromY(Op op, const double* y, const double* dy, double* dx, size_t n, const Args& a);
void BackwardFromY(Op op, const bfloat16* y, const bfloat16* dy, bfloat16* dx, size_t n,
                   const Args& a);
void BackwardFromY(Op op, const float16* y, const float16* dy, float16* dx, size_t n,
                   const Args& a);

// sum(dy * d f(x) / d parameter 0) for ops flagged kParamGrad, accumulated in double; one per
// Backward combination.
double ParamGrad(Op op, const float* x, const float* dy, size_t n, const Args& a);
double ParamGrad(Op op, const double* x, const double* dy, size_t n, const Args& a);
double ParamGrad(Op op, const bfloat16* x, const bfloat16* dy, size_t n, const Args& a);
double ParamGrad(Op op, const float16* x, const float16* dy, size_t n, const Args& a);
double ParamGrad(Op op, const bfloat16* x, const float* dy, size_t n, const Args& a);
double ParamGrad(Op op, const float16* x, const float* dy, size_t n, const Args& a);

// Whether op's unit has a fast kernel of its own (src/kernels/fast/<name>-inl.h), for the
// direction asked (forward, or backward from x): a call with
// Args::accuracy == Accuracy::fast then runs it for float32 and 16-bit arrays on FMA targets.
bool HasFastKernel(Op op, bool backward);

// The registry flags of an operation, at compile time.
constexpr unsigned FlagsOf(Op op) {
  switch (op) {
#define ACTIV_OP(name, flags, ...) \
  case Op::name:                   \
    return (flags);
#include "activ/ops.def"
  }
  return 0;
}

// The gated unit whose gate is op (flagged kGates, checked by the caller) over views of one
// shape: out = act(gate) * up; backward d_gate = act'(gate) * dout * up, d_up = dout * act(gate).
template <typename T>
void Gated(Op op, Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a);
template <typename T>
void GatedBackward(Op op, Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
                   Rows<T> d_up, const Args& a);

}  // namespace activ::detail
