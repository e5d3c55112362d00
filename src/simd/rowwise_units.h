// The entry points of the row-wise translation units (src/simd/rowwise_unit-inl.h; rowwise_f32.cc
// for float32 and the 16-bit types, rowwise_f64.cc): each type's per-target loops for softmax,
// log_softmax, softmin, their backward passes and argmax, with their runtime dispatch. Two units
// let two cores compile them side by side. Arguments are
// checked by the callers in src/api/rowwise.cc; these only compute.
#pragma once

#include <cstddef>
#include <cstdint>

#include "activ/activ.h"

namespace activ::detail {
enum class RowFn : int { kSoftmax, kLogSoftmax, kSoftmin };
}  // namespace activ::detail

// The element types with row-wise entry points: (unit name, type).
#define ACTIV_ROW_TYPES(X) X(F32, float) X(F64, double) X(BF16, bfloat16) X(F16, float16)

#define ACTIV_ROW_UNIT_DECLARE(S, T)                                                           \
  namespace S {                                                                                \
  void RunForward(detail::RowFn fn, const T* x, std::size_t xs, T* y, std::size_t ys,          \
                  std::size_t rows, std::size_t cols, bool masked_zero, bool fast);            \
  void RunBackward(detail::RowFn fn, const T* y, std::size_t ys, const T* dy, std::size_t dys, \
                   T* dx, std::size_t dxs, std::size_t rows, std::size_t cols, bool fast);     \
  void RunArgmax(const T* x, std::size_t xs, std::size_t rows, std::size_t cols,               \
                 std::int64_t* index);                                                         \
  }                                                                                            \
  using S::RunForward;                                                                         \
  using S::RunBackward;                                                                        \
  using S::RunArgmax;
namespace activ::row_units {
ACTIV_ROW_TYPES(ACTIV_ROW_UNIT_DECLARE)
}  // namespace activ::row_units
#undef ACTIV_ROW_UNIT_DECLARE
