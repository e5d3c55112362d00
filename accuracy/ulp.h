// Measuring a result against the reference: errors in units in the last place of the result's
// type, and the backward bound. Shared by the tests and the accuracy tool so
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

// The spec's backward bound, |dx - dy f'(x)| <= 2 ulp(dy f'(x)) + 2^-p |dy x f''(x)|, read as an
// error in ULP: the part of |got - exact| beyond `slack` (the second term, absolute: see
// derivative_slack in reference.h), in ULP of T at exact. The bound holds where this is at most
// 2; where slack is 0 it is UlpError. No absolute allowance in |dy| alone: a flushed tail of f'
// is as many ULP off as it is.
template <typename T>
double BackwardError(T got, long double exact, long double slack) {
  const double u = UlpError<T>(got, exact);
  if (u == 0.0 || std::isinf(u) || std::isnan(u) || std::isnan(slack)) return u;
  const long double beyond = std::fabs(static_cast<long double>(got) - exact) - slack;
  return beyond <= 0 ? 0.0 : static_cast<double>(beyond / UlpOf<T>(exact));
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
