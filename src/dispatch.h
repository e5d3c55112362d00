// Entry points into the per-target kernels (src/dispatch.cc), one per element type and
// direction. Arguments are checked by the callers in src/api.cc; these only compute.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "activ/activ.h"
#include "kernel_args.h"

namespace activ::detail {

void Forward(Op op, const float* x, float* y, size_t n, const Args& a);
void Forward(Op op, const double* x, double* y, size_t n, const Args& a);
void Forward(Op op, const bfloat16* x, bfloat16* y, size_t n, const Args& a);
void Forward(Op op, const float16* x, float16* y, size_t n, const Args& a);
void Forward(Op op, const float* x, bfloat16* y, size_t n, const Args& a);
void Forward(Op op, const float* x, float16* y, size_t n, const Args& a);

void Backward(Op op, const float* x, const float* dy, float* dx, size_t n, const Args& a);
void Backward(Op op, const double* x, const double* dy, double* dx, size_t n, const Args& a);
void Backward(Op op, const bfloat16* x, const bfloat16* dy, bfloat16* dx, size_t n,
              const Args& a);
void Backward(Op op, const float16* x, const float16* dy, float16* dx, size_t n, const Args& a);
void Backward(Op op, const bfloat16* x, const float* dy, float* dx, size_t n, const Args& a);
void Backward(Op op, const float16* x, const float* dy, float* dx, size_t n, const Args& a);

void BackwardFromY(Op op, const float* y, const float* dy, float* dx, size_t n, const Args& a);
void BackwardFromY(Op op, const double* y, const double* dy, double* dx, size_t n,
                   const Args& a);
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

std::string_view TargetName();
// Highway target bits compiled into the library, best first (for tests that run every target).
std::vector<int64_t> CompiledTargets();

}  // namespace activ::detail
