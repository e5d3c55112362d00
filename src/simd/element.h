// Scalar conversions between the element types (float, double, bfloat16, float16) and double,
// for the few scalar paths: special values, fills and the rrelu training slope.
#pragma once

#include <type_traits>

#include "activ/activ.h"

namespace activ::detail {

template <typename T>
double Widen(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else {
    return static_cast<double>(to_float(v));
  }
}

// A 16-bit value is the float32 value rounded once more, as the kernels store them.
template <typename T>
T Narrow(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    return to_bfloat16(static_cast<float>(v));
  } else {
    return to_float16(static_cast<float>(v));
  }
}

}  // namespace activ::detail
