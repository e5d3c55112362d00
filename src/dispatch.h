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
void Backward(Op op, const float* x, const float* dy, float* dx, size_t n, const Args& a);
void Backward(Op op, const double* x, const double* dy, double* dx, size_t n, const Args& a);
void BackwardFromY(Op op, const float* y, const float* dy, float* dx, size_t n, const Args& a);
void BackwardFromY(Op op, const double* y, const double* dy, double* dx, size_t n,
                   const Args& a);
// sum(dy * d f(x) / d parameter 0) for ops flagged kParamGrad, accumulated in double.
double ParamGrad(Op op, const float* x, const float* dy, size_t n, const Args& a);
double ParamGrad(Op op, const double* x, const double* dy, size_t n, const Args& a);

std::string_view TargetName();
// Highway target bits compiled into the library, best first (for tests that run every target).
std::vector<int64_t> CompiledTargets();

}  // namespace activ::detail
