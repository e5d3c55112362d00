// The 16-bit formats for the reference side: correct rounding of a long double to bfloat16 or
// float16 (round to nearest, ties to even, overflow to infinity), written arithmetically and
// independently of the library's bit-twiddling conversions, and ULP errors in those formats.
#pragma once

#include <algorithm>
#include <cfenv>
#include <cmath>

#include "activ/activ.h"

namespace activ::ref {

struct Bf16Format {
  using Storage = bfloat16;
  static constexpr int kDigits = 8;     // significand bits, the implicit one included
  static constexpr int kMinExp = -126;  // exponent of the smallest normal
  static constexpr int kMaxExp = 127;   // exponent of the largest finite
  static constexpr const char* kName = "bfloat16";
};
struct F16Format {
  using Storage = float16;
  static constexpr int kDigits = 11;
  static constexpr int kMinExp = -14;
  static constexpr int kMaxExp = 15;
  static constexpr const char* kName = "float16";
};

// Spacing of the format's values at |v| (the subnormal spacing below the smallest normal).
template <class F>
long double FormatUlp(long double v) {
  int e = 0;
  std::frexp(std::fabs(v), &e);  // |v| = m 2^e, m in [0.5, 1): the exponent in IEEE terms is e-1
  const int exponent = std::max(e - 1, F::kMinExp);
  return std::ldexp(1.0L, exponent - (F::kDigits - 1));
}

template <class F>
long double FormatMax() {
  return std::ldexp(2.0L - std::ldexp(1.0L, 1 - F::kDigits), F::kMaxExp);
}

// v rounded to the nearest value of the format, ties to even; beyond the largest finite value by
// half an ULP or more, infinity.
template <class F>
long double RoundToFormat(long double v) {
  if (std::isnan(v) || std::isinf(v) || v == 0) return v;
  const long double u = FormatUlp<F>(v);
  const long double q = v / u;        // exact: u is a power of two
  long double r = std::nearbyint(q);  // the default rounding mode is to nearest, ties to even
  r *= u;
  if (std::fabs(r) > FormatMax<F>()) return std::copysign(static_cast<long double>(INFINITY), v);
  return r;
}

// |got - ref| in ULP of the format at ref; NaN matches NaN, infinities must match exactly (a
// reference beyond the range matches the infinity it rounds to).
template <class F>
double FormatUlpError(long double got, long double ref) {
  if (std::isnan(got) || std::isnan(ref))
    return std::isnan(got) == std::isnan(ref) ? 0.0 : INFINITY;
  const long double rounded = RoundToFormat<F>(ref);
  if (std::isinf(got) || std::isinf(rounded)) return got == rounded ? 0.0 : INFINITY;
  return static_cast<double>(std::fabs(got - ref) / FormatUlp<F>(ref));
}

// How many steps of the format `got` is from the correctly rounded reference: 0 when it is the
// correctly rounded value, 1 when it is a neighbour. NaN matches NaN; infinity counts as one step
// beyond the largest finite value.
template <class F>
double StepsFromCorrect(long double got, long double ref) {
  if (std::isnan(got) || std::isnan(ref))
    return std::isnan(got) == std::isnan(ref) ? 0.0 : INFINITY;
  const long double cr = RoundToFormat<F>(ref);
  if (got == cr) return 0.0;
  auto finite = [](long double v) {
    return std::isinf(v) ? std::copysign(FormatMax<F>() + FormatUlp<F>(FormatMax<F>()), v) : v;
  };
  const long double a = finite(got), b = finite(cr);
  const long double spacing = std::min(FormatUlp<F>(a), FormatUlp<F>(b));
  return static_cast<double>(std::fabs(a - b) / spacing);
}

}  // namespace activ::ref
