// Measuring a result against the reference: errors in units in the last place of the result's
// type, and the mixed bound of the backward pass. Shared by the tests and the accuracy tool so
// that both count the same way.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace activ::ref {

// The spacing of T's values at |r| (subnormal spacing below the smallest normal), computed in
// long double so that r need not be representable in T.
template <typename T>
long double UlpOf(long double r) {
  using L = std::numeric_limits<T>;
  const long double a = std::fabs(r);
  int e = 0;
  if (a < static_cast<long double>(L::min())) return static_cast<long double>(L::denorm_min());
  std::frexp(a, &e);  // a = m * 2^e with m in [0.5, 1)
  return std::ldexp(1.0L, e - L::digits);
}

// |got - ref| in ULP of T at ref. NaN matches NaN; an infinite reference must be matched
// exactly, as must an infinite result; a reference beyond T's range is matched by the infinity
// it rounds to.
template <typename T>
double UlpError(T got, long double ref) {
  const bool got_nan = std::isnan(got), ref_nan = std::isnan(ref);
  if (got_nan || ref_nan) return got_nan == ref_nan ? 0.0 : INFINITY;
  const long double max = static_cast<long double>(std::numeric_limits<T>::max());
  const long double half_ulp_max = UlpOf<T>(max) / 2;
  // An infinite result is right only where the reference rounds to that infinity.
  if (std::isinf(got)) {
    const bool rounds_to_inf = std::fabs(ref) >= max + half_ulp_max && (ref > 0) == (got > 0);
    return rounds_to_inf ? 0.0 : INFINITY;
  }
  if (std::isinf(ref)) return INFINITY;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / UlpOf<T>(ref));
}

// The backward bound of the spec: within `ulps` ULP of the exact dy*f'(x), or within an
// absolute 2^-(digits) * |dy| (2^-24 for float), whichever is larger: a pure ULP bound means
// nothing where f' crosses zero. Returns the error in ULP, or 0 when the absolute bound holds.
template <typename T>
double MixedError(T got, long double exact, long double dy, double abs_scale = 1.0) {
  const double u = UlpError<T>(got, exact);
  if (u == 0.0 || std::isinf(u) || std::isnan(static_cast<double>(exact))) return u;
  const long double abs_bound =
      abs_scale * std::ldexp(std::fabs(dy), -std::numeric_limits<T>::digits);
  return std::fabs(static_cast<long double>(got) - exact) <= abs_bound ? 0.0 : u;
}

template <typename T>
struct Bits;
template <>
struct Bits<float> {
  using U = uint32_t;
};
template <>
struct Bits<double> {
  using U = uint64_t;
};

template <typename T>
T FromBits(typename Bits<T>::U u) {
  T t;
  std::memcpy(&t, &u, sizeof(t));
  return t;
}

}  // namespace activ::ref
