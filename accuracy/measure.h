// Runs the library on a set of inputs and measures every result against the reference: the
// engine of the accuracy tests and of the accuracy tool (tools/accuracy.cc).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "activ/activ.h"
#include "mpfr_reference.h"
#include "reference.h"
#include "ulp.h"

namespace activ::ref {

enum class Direction { kForward, kBackward, kBackwardFromY };

inline std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kForward:
      return "forward";
    case Direction::kBackward:
      return "backward";
    case Direction::kBackwardFromY:
      return "backward_from_y";
  }
  return "?";
}

struct Stats {
  double max_ulp = 0;      // largest error (backward: ULP beyond the f'' term, BackwardError)
  double worst_x = NAN;    // the input where it occurs
  uint64_t count = 0;      // results measured
  uint64_t over_half = 0;  // results off by more than 0.5 ULP
  uint64_t over_one = 0;   // results off by more than 1 ULP
  // Largest error per input range [2^e, 2^(e+1)) of each sign, to say where errors live.
  // Index: sign * 2100 + e + 1076 (e from frexp, so zero and subnormals have their own ranges).
  std::vector<float> range_max = std::vector<float>(4200, 0.0f);

  static size_t RangeIndex(double x) {
    int e = 0;
    // frexp's exponent read from the bits for normal doubles (every float): this runs once per
    // input of the exhaustive check.
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const int field = static_cast<int>((bits >> 52) & 0x7ff);
    if (field != 0 && field != 0x7ff) {
      e = field - 1022;
    } else {
      std::frexp(x, &e);
    }
    if (!std::isfinite(x)) e = 1025;
    return (std::signbit(x) ? 2100 : 0) + static_cast<size_t>(std::clamp(e + 1074, 0, 2099));
  }
  // The range of index i as text, e.g. "-[2^6, 2^7)" for x in (-2^7, -2^6].
  static std::string RangeText(size_t i) {
    const bool neg = i >= 2100;
    const int e = static_cast<int>(i % 2100) - 1074;
    if (e >= 1025) return neg ? "-inf/NaN" : "+inf/NaN";
    return std::string(neg ? "-" : "") + "[2^" + std::to_string(e - 1) + ", 2^" +
           std::to_string(e) + ")";
  }

  void Add(double err, double x) {
    ++count;
    // Exact results change nothing but the count (the exhaustive check adds 2^32 of them).
    if (err == 0 && count > 1) return;
    if (!std::isnan(x)) {
      float& m = range_max[RangeIndex(x)];
      m = std::max(m, static_cast<float>(std::min(err, 1e30)));
    }
    if (err > 0.5) ++over_half;
    if (err > 1.0) ++over_one;
    if (err > max_ulp || (std::isnan(worst_x) && count == 1)) {
      max_ulp = std::max(max_ulp, err);
      worst_x = x;
    }
  }
  void Merge(const Stats& o) {
    if (o.max_ulp > max_ulp || std::isnan(worst_x)) {
      max_ulp = std::max(max_ulp, o.max_ulp);
      worst_x = o.worst_x;
    }
    count += o.count;
    over_half += o.over_half;
    over_one += o.over_one;
    for (size_t i = 0; i < range_max.size(); ++i)
      range_max[i] = std::max(range_max[i], o.range_max[i]);
  }

  // The `k` input ranges with the largest errors, as "range: error" text.
  std::vector<std::string> WorstRanges(size_t k) const {
    std::vector<size_t> idx;
    for (size_t i = 0; i < range_max.size(); ++i) {
      if (range_max[i] > 0) idx.push_back(i);
    }
    std::sort(idx.begin(), idx.end(),
              [&](size_t a, size_t b) { return range_max[a] > range_max[b]; });
    std::vector<std::string> out;
    for (size_t j = 0; j < std::min(k, idx.size()); ++j) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(range_max[idx[j]]));
      out.push_back(RangeText(idx[j]) + ": " + buf);
    }
    return out;
  }
};

// The upstream gradient used for input i: a fixed pseudo-random value of either sign in
// [0.5, 2), so that the backward pass is measured as a product and not only as f'.
template <typename T>
T UpstreamGradient(uint64_t i) {
  uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
  const double u = static_cast<double>(z >> 11) * 0x1p-53;
  return static_cast<T>((z & 1) ? -(0.5 + 1.5 * u) : 0.5 + 1.5 * u);
}

// The parameters as the kernels see them: resolved, then rounded to T.
template <typename T>
std::vector<double> KernelParams(Op op, const Params& params) {
  const ResolvedParams r = resolve(op, params);
  std::vector<double> p(ResolvedParams::kMax);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<double>(static_cast<T>(r.value[i]));
  return p;
}

// The allowance beyond 2 ULP of the backward bound for one result (BackwardError's slack):
// 2^-p |dy x f''(x)|, p the significand bits of T. From y, the kernel sees y = f(x) rounded
// (forward is within 1 ULP of y, i.e. 2^(1-p) |y|), and f' as a function of y moves by
// f''(x)/f'(x) per unit of y: the bound adds 2^(1-p) |dy y f''(x)/f'(x)|, with f''/f' from the
// change of f' over a step of 2^-20 max(|x|, 1) (the smaller side, so 0 on the flat side of a
// kink): far above the reference's rounding, small against the scale of f'' of every function.
// R: the precision of the reference that computes it, long double or (the float32 screen) double.
template <typename T, typename R = long double>
R BackwardSlack(Op op, Direction dir, R x, R dy, const double* p) {
  constexpr bool kLong = std::is_same_v<R, long double>;
  const int digits = std::numeric_limits<T>::digits;
  R s;
  if constexpr (kLong) {
    s = derivative_slack(op, x, p, digits);
  } else {
    s = derivative_slack_double(op, x, p, digits);
  }
  if (dir == Direction::kBackwardFromY) {
    R y, f1, change;
    const R h = std::ldexp(std::max(std::fabs(x), R(1)), -20);
    if constexpr (kLong) {
      y = forward(op, x, p);
      f1 = derivative(op, x, p);
      change = derivative_change(op, x, p, h);
    } else {
      y = forward_double(op, x, p);
      f1 = derivative_double(op, x, p);
      change = derivative_change_double(op, x, p, h);
    }
    if (f1 != 0 && std::isfinite(y)) {
      const R term = std::ldexp(std::fabs(y), 1 - digits) * (change / (h * std::fabs(f1)));
      if (std::isfinite(term)) s += term;
    }
  }
  return std::fabs(dy) * s;
}

// activ's results of op at xs: f(x), or for a backward pass dy f'(x) (from y: y = f(x) first),
// in the accuracy mode of `options`.
template <typename T>
void RunActiv(Op op, Direction dir, const Params& params, std::span<const T> xs,
              std::span<const T> dy, std::span<T> out, const Options& options = {}) {
  switch (dir) {
    case Direction::kForward:
      forward(op, xs, out, params, options);
      break;
    case Direction::kBackward:
      backward(op, xs, dy, out, params, nullptr, options);
      break;
    case Direction::kBackwardFromY: {
      std::vector<T> y(xs.size());
      forward(op, xs, std::span<T>(y), params, options);
      backward_from_y(op, std::span<const T>(y), dy, out, params, options);
      break;
    }
  }
}

// The exact results of op at xs (dy: the upstream gradients of a backward pass) from the long
// double reference, with each backward result's slack: computed once, they measure the results
// of every SIMD target (the reference costs far more than the kernels).
struct Exact {
  std::vector<long double> value, slack;
};
template <typename T>
Exact ExactResults(Op op, Direction dir, std::span<const T> xs, std::span<const T> dy,
                   const double* p) {
  Exact e;
  e.value.resize(xs.size());
  if (dir != Direction::kForward) e.slack.resize(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const long double x = xs[i];
    if (dir == Direction::kForward) {
      e.value[i] = forward(op, x, p);
    } else {
      e.value[i] = static_cast<long double>(dy[i]) * derivative(op, x, p);
      e.slack[i] = BackwardSlack<T>(op, dir, x, static_cast<long double>(dy[i]), p);
    }
  }
  return e;
}

// Measures results of op at xs against their exact values.
template <typename T>
Stats MeasureAgainst(const Exact& e, Direction dir, std::span<const T> xs, std::span<const T> out) {
  Stats s;
  for (size_t i = 0; i < xs.size(); ++i) {
    s.Add(dir == Direction::kForward ? UlpError<T>(out[i], e.value[i])
                                     : BackwardError<T>(out[i], e.value[i], e.slack[i]),
          static_cast<double>(xs[i]));
  }
  return s;
}

// Measures given results of op at xs (dy: the upstream gradients of a backward pass) against
// the long double reference; p as KernelParams.
template <typename T>
Stats MeasureResults(Op op, Direction dir, std::span<const T> xs, std::span<const T> dy,
                     std::span<const T> out, const double* p) {
  return MeasureAgainst<T>(ExactResults<T>(op, dir, xs, dy, p), dir, xs, out);
}

// activ's results of op at xs against their exact values, with the upstream gradients of
// UpstreamGradient: what Measure measures, for several targets against one Exact.
template <typename T>
Stats MeasureActiv(Op op, Direction dir, std::span<const T> xs, const Params& params,
                   const Exact& e, const Options& options = {}) {
  const size_t n = xs.size();
  std::vector<T> out(n), dy(n);
  for (size_t i = 0; i < n; ++i) dy[i] = UpstreamGradient<T>(i);
  RunActiv<T>(op, dir, params, xs, dy, out, options);
  return MeasureAgainst<T>(e, dir, xs, out);
}

// The exact results for MeasureActiv.
template <typename T>
Exact ExactFor(Op op, Direction dir, std::span<const T> xs, const Params& params) {
  std::vector<T> dy(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) dy[i] = UpstreamGradient<T>(i);
  const std::vector<double> p = KernelParams<T>(op, params);
  return ExactResults<T>(op, dir, xs, dy, p.data());
}

template <typename T>
Stats Measure(Op op, Direction dir, std::span<const T> xs, const Params& params,
              const Options& options = {}) {
  const size_t n = xs.size();
  std::vector<T> out(n), dy(n);
  for (size_t i = 0; i < n; ++i) dy[i] = UpstreamGradient<T>(i);
  RunActiv<T>(op, dir, params, xs, dy, out, options);
  const std::vector<double> p = KernelParams<T>(op, params);
  return MeasureResults<T>(op, dir, xs, dy, out, p.data());
}

// ---------------------------------------------------------------------------------------------
// The screened measurement of float32 results, for the exhaustive check: each result is first
// measured against the double evaluation of the reference formulas (forward_double,
// derivative_double: about 2^-50 relative, so the error in float32 ULP is known to about
// 2^-26), and measured again against the long double reference wherever that small doubt could
// change what is reported: an error within kScreenMargin of 0.5, 1 or 2 ULP (the counted
// thresholds and the backward bound), of the largest error so far, or not finite, or where the
// reference value is so near a power of two that the ULP it is measured in is in doubt. Every 256th
// result is measured both ways as a check of the screen itself (ScreenCheck). The counts are
// therefore those of the long double reference, and so is the reported maximum with its input, up
// to kScreenMargin where many errors tie within the margin (see below); the per-range maxima below
// the overall maximum may come from the screen.

inline constexpr double kScreenMargin = 0x1p-12;  // ULP of float32

struct ScreenCheck {
  uint64_t rechecked = 0;   // results measured against the long double reference
  double max_diff = 0;      // largest |screen - long double| error, ULP, where both finite
  double max_diff_x = NAN;  // its input
  void Merge(const ScreenCheck& o) {
    rechecked += o.rechecked;
    if (o.max_diff > max_diff) {
      max_diff = o.max_diff;
      max_diff_x = o.max_diff_x;
    }
  }
};

// UlpOf<float> and UlpError<float> for a double reference, without long double arithmetic.
inline double UlpOfFloat(double r) {
  const double a = std::fabs(r);
  if (a < 0x1p-126) return 0x1p-149;
  uint64_t bits;
  std::memcpy(&bits, &a, sizeof bits);
  const uint64_t ulp_bits = ((bits >> 52) - 23) << 52;  // 2^(e-23) for a in [2^e, 2^(e+1))
  double u;
  std::memcpy(&u, &ulp_bits, sizeof u);
  return u;
}

// 1 / UlpOfFloat(r), a power of two too: multiplying by it is exact and far quicker than the
// division (the exhaustive check makes 2^32 of them per contender).
inline double InvUlpOfFloat(double r) {
  const double a = std::fabs(r);
  if (a < 0x1p-126) return 0x1p149;
  uint64_t bits;
  std::memcpy(&bits, &a, sizeof bits);
  const uint64_t inv_bits = (uint64_t{2 * 1023 + 23} - (bits >> 52)) << 52;
  double u;
  std::memcpy(&u, &inv_bits, sizeof u);
  return u;
}

inline double UlpErrorFloat(float got, double ref) {
  const bool got_nan = std::isnan(got), ref_nan = std::isnan(ref);
  if (got_nan || ref_nan) return got_nan == ref_nan ? 0.0 : INFINITY;
  if (std::isinf(got)) {
    // FLT_MAX + ulp(FLT_MAX)/2: the reference rounds to infinity from there on.
    const bool rounds_to_inf = std::fabs(ref) >= 0x1.ffffffp127 && (ref > 0) == (got > 0);
    return rounds_to_inf ? 0.0 : INFINITY;
  }
  if (std::isinf(ref)) return INFINITY;
  return std::fabs(static_cast<double>(got) - ref) * InvUlpOfFloat(ref);
}

// The error of one float32 result against a reference value r (double or long double), and
// whether the doubt in r could change the outcome: the ULP near a power of two. (The backward
// bound's f'' term is computed in R too; its doubt is far below the margin.)
struct ScreenedError {
  double err;
  bool borderline;
};

// True where a double reference value lies within 2^-40 (relative) of a power of two: the ULP
// below a power of two is half the one above, so a screen value rounded across it can be off by
// a factor of 2 in ULP. That matters only for an error that is not already negligible.
inline bool NearPowerOfTwo(double r) {
  if (r == 0) return false;  // the ULP at 0 is the subnormal spacing either way
  uint64_t bits;
  std::memcpy(&bits, &r, sizeof bits);
  const uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
  constexpr uint64_t kNear = uint64_t{1} << 12;
  return mantissa < kNear || mantissa > (uint64_t{1} << 52) - kNear;
}

// slack: BackwardSlack in R (only read for a backward pass).
template <typename R>
ScreenedError ErrorAgainst(Direction dir, float got, R r, R slack) {
  if (dir == Direction::kForward) {
    if constexpr (std::is_same_v<R, double>) {
      const double e = UlpErrorFloat(got, r);
      return {e, e > kScreenMargin && NearPowerOfTwo(r)};
    } else {
      return {UlpError<float>(got, r), false};
    }
  }
  const double u = std::is_same_v<R, double> ? UlpErrorFloat(got, static_cast<double>(r))
                                             : UlpError<float>(got, static_cast<long double>(r));
  // Where the f'' term dwarfs the ULP of dy f'(x), x is near a zero of f', whose double
  // formula cancels (Phi + x phi, s + t s'): the screen's value is not good to 2^-50 there.
  bool borderline = false;
  if constexpr (std::is_same_v<R, double>) borderline = slack > 64 * UlpOfFloat(r);
  if (u == 0.0 || std::isinf(u) || std::isnan(static_cast<double>(r))) return {u, borderline};
  const R beyond = std::fabs(static_cast<R>(got) - r) - slack;
  const double e =
      beyond <= 0 ? 0.0 : u * static_cast<double>(beyond / std::fabs(static_cast<R>(got) - r));
  if constexpr (std::is_same_v<R, double>) borderline |= e > kScreenMargin && NearPowerOfTwo(r);
  return {e, borderline};
}

// The screen's reference values for a chunk: f(x), or dy f'(x) for a backward pass, in double.
// Computed once and shared by every contender measured on the chunk.
inline std::vector<double> ScreenReference(Op op, Direction dir, std::span<const float> xs,
                                           std::span<const float> dy, const double* p) {
  std::vector<double> r(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    r[i] = dir == Direction::kForward
               ? forward_double(op, xs[i], p)
               : static_cast<double>(dy[i]) * derivative_double(op, xs[i], p);
  }
  return r;
}

// Measures float32 results `out` of op at xs (dy: the upstream gradients of a backward pass,
// else ignored; rd: ScreenReference), screened as described above. finite_only skips the
// results of non-finite inputs.
// The two passes of a screened measurement of n results (inputs x(i)): screen(i) gives the
// screen's error and whether it is in doubt, exact(i) the error against the better reference;
// margin is the screen's doubt in ULP; skip(i) leaves a result out.
template <class X, class Screen, class Exact, class Skip>
Stats ScreenedPasses(size_t n, X x, Screen screen, Exact exact, Skip skip, double margin,
                     ScreenCheck* check) {
  const auto near = [margin](double e, double t) {
    return std::fabs(e - t) <= margin * std::max(1.0, t);
  };
  std::vector<double> err(n, 0.0);
  std::vector<char> settled_here(n, 0);
  // track: whether the screen's value counts in check->max_diff (not where the screen itself
  // said it was in doubt).
  const auto remeasure = [&](size_t i, bool track) {
    const double e = exact(i);
    ++check->rechecked;
    if (track && std::isfinite(e) && std::isfinite(err[i])) {
      const double diff = std::fabs(e - err[i]);
      if (diff > check->max_diff) {
        check->max_diff = diff;
        check->max_diff_x = x(i);
      }
    }
    err[i] = e;
    settled_here[i] = 1;
  };
  // First pass: the screen, and the better reference wherever a threshold is near. The largest
  // error is settled after the pass, against the chunk's largest screened error: settling it
  // on the way would re-measure every new maximum, and in a tail where a peer's error grows
  // input after input that is every input.
  double screened_max = 0;
  for (size_t i = 0; i < n; ++i) {
    if (skip(i)) continue;
    const ScreenedError fast = screen(i);
    err[i] = fast.err;
    if (i % 256 == 0 || fast.borderline || !std::isfinite(fast.err) || near(fast.err, 0.5) ||
        near(fast.err, 1.0) || near(fast.err, 2.0)) {
      remeasure(i, !fast.borderline);
    }
    if (std::isfinite(err[i])) screened_max = std::max(screened_max, err[i]);
  }
  // The screen's doubt is absolute (a fraction of the reference value's ULP, however large the
  // error), so the band is too. Where a peer returns one constant through a tail, thousands of
  // errors tie within it: the first 256 settle the maximum to within the margin.
  const double band = screened_max - margin;
  size_t settled = 0;
  Stats s;
  for (size_t i = 0; i < n; ++i) {
    if (skip(i)) continue;
    if (!settled_here[i] && err[i] > margin && err[i] >= band && settled < 256) {
      remeasure(i, true);
      ++settled;
    }
    s.Add(err[i], x(i));
  }
  return s;
}

inline Stats MeasureScreened(Op op, Direction dir, std::span<const float> xs,
                             std::span<const float> dy, std::span<const float> out,
                             std::span<const double> rd, const double* p, bool finite_only,
                             ScreenCheck* check) {
  const bool forward_dir = dir == Direction::kForward;
  return ScreenedPasses(
      xs.size(), [&](size_t i) { return static_cast<double>(xs[i]); },
      [&](size_t i) {
        const double slack =
            forward_dir ? 0.0 : BackwardSlack<float, double>(op, dir, xs[i], dy[i], p);
        return ErrorAgainst<double>(dir, out[i], rd[i], slack);
      },
      [&](size_t i) {
        const float x = xs[i];
        const long double rl = forward_dir ? forward(op, x, p)
                                           : static_cast<long double>(dy[i]) * derivative(op, x, p);
        const long double slack = forward_dir
                                      ? 0.0L
                                      : BackwardSlack<float>(op, dir, static_cast<long double>(x),
                                                             static_cast<long double>(dy[i]), p);
        return ErrorAgainst<long double>(dir, out[i], rl, slack).err;
      },
      [&](size_t i) { return finite_only && !std::isfinite(xs[i]); }, kScreenMargin, check);
}

// float64 forward results against the MPFR reference (mpfr_reference.h), screened with the long
// double one: that is within about 2^-9 ULP of double (tests/mpfr_reference_test), so the margin
// is 2^-7; near a power of two (within 2^-58) the ULP itself is in doubt.
inline constexpr double kScreenMargin64 = 0x1p-7;

inline Stats MeasureScreened64(Op op, std::span<const double> xs, std::span<const double> out,
                               const double* p, ScreenCheck* check) {
  return ScreenedPasses(
      xs.size(), [&](size_t i) { return xs[i]; },
      [&](size_t i) {
        const long double r = forward(op, xs[i], p);
        int e = 0;
        const long double m = std::fabs(std::frexp(r, &e));  // in [0.5, 1)
        const bool near_pow2 =
            r != 0 && std::isfinite(r) && (m - 0.5L < 0x1p-59L || 1 - m < 0x1p-58L);
        // As for float32: only an error that is not already negligible can change a figure.
        const double err = UlpError<double>(out[i], r);
        return ScreenedError{err, near_pow2 && err > kScreenMargin64};
      },
      [&](size_t i) { return forward_ulp_error_mpfr(op, xs[i], p, out[i]); },
      [](size_t) { return false; }, kScreenMargin64, check);
}

}  // namespace activ::ref
