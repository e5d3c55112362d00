// What a kernel receives besides its arrays: the resolved parameter values of its operation, in
// registry order, converted to the element type and back (as PyTorch converts scalars to the
// tensor's type), so that float32 results are those of float32 parameters.
#pragma once

#include <cstddef>
#include <type_traits>

#include "activ/activ.h"

namespace activ::detail {

// `accuracy` picks the unit's kernel table once per call (src/simd/op_unit-inl.h); `stream`,
// decided once per call from the output's size (src/simd/streaming.h), makes the loops store
// their output with non-temporal stores. Kernels never read either.
struct Args {
  double p[4] = {};
  Accuracy accuracy = Accuracy::faithful;
  bool stream = false;
};

// The type parameters are rounded to: the element type, or float32 for the 16-bit types, which
// compute in float32.
template <typename T>
using ParamType = std::conditional_t<std::is_same_v<T, double>, double, float>;

// The resolved parameters as a kernel of element type T sees them, and the call's accuracy.
template <typename T>
Args ToArgs(const ResolvedParams& r, Accuracy accuracy = Accuracy::faithful) {
  Args a;
  a.accuracy = accuracy;
  for (size_t i = 0; i < ResolvedParams::kMax; ++i) {
    a.p[i] = static_cast<double>(static_cast<ParamType<T>>(r.value[i]));
  }
  return a;
}

}  // namespace activ::detail
