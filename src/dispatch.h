// Entry points into the per-target kernels (src/dispatch.cc, which calls the operation's own unit,
// src/op_unit-inl.h), one per element type and direction. Arguments are checked by the callers in
// src/api.cc; these only compute.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "activ/activ.h"
#include "kernel_args.h"

// The element-type combinations with an entry point: (name suffix, input type, output type).
#define ACTIV_FORWARD_TYPES(X)                                                       \
  X(F32, float, float)                                                               \
  X(F64, double, double)                                                             \
  X(BF16, bfloat16, bfloat16) X(F16, float16, float16) X(F32ToBF16, float, bfloat16) \
      X(F32ToF16, float, float16)
// (suffix, type of x, type of dy and dx)
#define ACTIV_BACKWARD_TYPES(X)                                                    \
  X(F32, float, float)                                                             \
  X(F64, double, double)                                                           \
  X(BF16, bfloat16, bfloat16) X(F16, float16, float16) X(BF16F32, bfloat16, float) \
      X(F16F32, float16, float)
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

// The arrays of one gated call: rows of gate, up and (backward) dout in; out, or d_gate and
// d_up, out. Strides in elements; a flat span is one row.
template <typename T>
struct GatedView {
  const T* g;
  const T* u;
  const T* dout;  // backward only
  T* out0;        // out, or d_gate
  T* out1;        // d_up (backward only)
  std::size_t gs, us, douts, out0s, out1s;
};

// The registry flags of an operation, at compile time.
constexpr unsigned FlagsOf(Op op) {
  switch (op) {
#define ACTIV_OP(name, flags, ...) \
  case Op::name:                   \
    return (flags);
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
  return 0;
}

// Forward (or backward) of the gated unit whose gate is op, over rows [0, rows) of v; op is
// flagged kGates (checked by the caller).
template <typename T>
void GatedRows(bool backward, Op op, const GatedView<T>& v, std::size_t rows, std::size_t cols,
               const Args& a);

std::string_view TargetName();
// Highway target bits compiled into the library, best first (for tests that run every target).
std::vector<int64_t> CompiledTargets();

}  // namespace activ::detail
