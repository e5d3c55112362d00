// Runs the library on a set of inputs and measures every result against the reference: the
// engine of the accuracy tests and of the accuracy tool (tools/accuracy.cc).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activ/activ.h"
#include "reference.h"
#include "ulp.h"

namespace activ::ref {

enum class Direction { kForward, kBackward, kBackwardFromY };

inline std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kForward: return "forward";
    case Direction::kBackward: return "backward";
    case Direction::kBackwardFromY: return "backward_from_y";
  }
  return "?";
}

struct Stats {
  double max_ulp = 0;      // largest error (for backward: the mixed error, 0 inside the abs bound)
  double worst_x = NAN;    // the input where it occurs
  uint64_t count = 0;      // results measured
  uint64_t over_half = 0;  // results off by more than 0.5 ULP
  uint64_t over_one = 0;   // results off by more than 1 ULP
  // Largest error per input range [2^e, 2^(e+1)) of each sign, to say where errors live.
  // Index: sign * 2100 + e + 1076 (e from frexp, so zero and subnormals have their own ranges).
  std::vector<float> range_max = std::vector<float>(4200, 0.0f);

  static size_t RangeIndex(double x) {
    int e = 0;
    std::frexp(x, &e);
    if (!std::isfinite(x)) e = 1025;
    return (std::signbit(x) ? 2100 : 0) + static_cast<size_t>(std::clamp(e + 1074, 0, 2099));
  }
  // The range of index i as text, e.g. "-[2^6, 2^7)" for x in (-2^7, -2^6].
  static std::string RangeText(size_t i) {
    const bool neg = i >= 2100;
    const int e = static_cast<int>(i % 2100) - 1074;
    if (e >= 1025) return neg ? "-inf/NaN" : "+inf/NaN";
    return std::string(neg ? "-" : "") + "[2^" + std::to_string(e - 1) + ", 2^" + std::to_string(e) + ")";
  }

  void Add(double err, double x) {
    ++count;
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
    for (size_t i = 0; i < range_max.size(); ++i) range_max[i] = std::max(range_max[i], o.range_max[i]);
  }

  // The `k` input ranges with the largest errors, as "range: error" text.
  std::vector<std::string> WorstRanges(size_t k) const {
    std::vector<size_t> idx;
    for (size_t i = 0; i < range_max.size(); ++i) {
      if (range_max[i] > 0) idx.push_back(i);
    }
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return range_max[a] > range_max[b]; });
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

// Backward from y inherits the rounding of y (up to half an ULP of y), so its absolute bound is
// wider than that of backward from x.
inline constexpr double kFromYAbsScale = 4.0;

template <typename T>
Stats Measure(Op op, Direction dir, std::span<const T> xs, const Params& params) {
  const size_t n = xs.size();
  std::vector<T> out(n), dy(n), y;
  for (size_t i = 0; i < n; ++i) dy[i] = UpstreamGradient<T>(i);
  switch (dir) {
    case Direction::kForward: forward(op, xs, std::span<T>(out), params); break;
    case Direction::kBackward: backward(op, xs, dy, std::span<T>(out), params); break;
    case Direction::kBackwardFromY:
      y.resize(n);
      forward(op, xs, std::span<T>(y), params);
      backward_from_y(op, y, dy, std::span<T>(out), params);
      break;
  }
  const std::vector<double> p = KernelParams<T>(op, params);
  Stats s;
  for (size_t i = 0; i < n; ++i) {
    const long double x = xs[i];
    if (dir == Direction::kForward) {
      s.Add(UlpError<T>(out[i], forward(op, x, p.data())), static_cast<double>(xs[i]));
    } else {
      const long double exact = static_cast<long double>(dy[i]) * derivative(op, x, p.data());
      const double scale = dir == Direction::kBackward ? 1.0 : kFromYAbsScale;
      s.Add(MixedError<T>(out[i], exact, dy[i], scale), static_cast<double>(xs[i]));
    }
  }
  return s;
}

}  // namespace activ::ref
