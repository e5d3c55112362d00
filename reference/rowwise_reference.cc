// The softmax family in long double, written for accuracy: independent of the library's code,
// plain loops, with the three places where the naive formula loses digits spelled out.
#include "rowwise_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace activ::ref {
namespace {

using LD = long double;
constexpr LD kInf = std::numeric_limits<LD>::infinity();
constexpr LD kNaN = std::numeric_limits<LD>::quiet_NaN();

// s += v with the rounding error collected in *err (TwoSum).
void AddExact(LD& s, LD& err, LD v) {
  const LD t = s + v;
  const LD bp = t - s;
  err += (s - (t - bp)) + (v - bp);
  s = t;
}

}  // namespace

std::string_view RowOpName(RowOp op) {
  switch (op) {
    case RowOp::kSoftmax:
      return "softmax";
    case RowOp::kLogSoftmax:
      return "log_softmax";
    case RowOp::kSoftmin:
      return "softmin";
  }
  return "?";
}

std::vector<LD> row_forward(RowOp op, std::span<const LD> x, bool masked_zero) {
  const size_t n = x.size();
  std::vector<LD> v(x.begin(), x.end());
  if (op == RowOp::kSoftmin) {
    for (LD& e : v) e = -e;
  }
  LD max = -kInf;
  for (LD e : v) {
    if (std::isnan(e) || e == kInf) return std::vector<LD>(n, kNaN);
    max = std::max(max, e);
  }
  if (max == -kInf) return std::vector<LD>(n, masked_zero ? 0.0L : kNaN);
  // t = v - max as hi + lo exactly: e^t = e^hi (1 + lo); without lo the rounding of v - max
  // (up to 2^-64 |t|) would reach 0.5 float64 ULP for |t| near 700.
  std::vector<LD> hi(n), lo(n), e(n);
  LD sum = 0, sum_err = 0;
  for (size_t i = 0; i < n; ++i) {
    hi[i] = v[i] - max;
    if (std::isfinite(hi[i])) {
      const LD bp = hi[i] - v[i];
      lo[i] = (v[i] - (hi[i] - bp)) + (-max - bp);
    }
    e[i] = std::exp(hi[i]) * (1 + lo[i]);
    AddExact(sum, sum_err, e[i]);
  }
  std::vector<LD> y(n);
  if (op == RowOp::kLogSoftmax) {
    // sum >= 1 holds the term e^0 = 1 exactly, so sum - 1 is exact while sum < 2.
    const LD log_sum = sum < 2 ? std::log1p((sum - 1) + sum_err) : std::log(sum + sum_err);
    for (size_t i = 0; i < n; ++i) y[i] = (hi[i] - log_sum) + lo[i];
  } else {
    const LD s = sum + sum_err;
    for (size_t i = 0; i < n; ++i) y[i] = e[i] / s;
  }
  return y;
}

std::vector<LD> row_backward(RowOp op, std::span<const LD> y, std::span<const LD> dy) {
  const size_t n = y.size();
  LD s = 0, err = 0;
  for (size_t i = 0; i < n; ++i) AddExact(s, err, op == RowOp::kLogSoftmax ? dy[i] : dy[i] * y[i]);
  s += err;
  std::vector<LD> dx(n);
  for (size_t i = 0; i < n; ++i) {
    switch (op) {
      case RowOp::kSoftmax:
        dx[i] = y[i] * (dy[i] - s);
        break;
      case RowOp::kSoftmin:
        dx[i] = -y[i] * (dy[i] - s);
        break;
      case RowOp::kLogSoftmax:
        dx[i] = dy[i] - std::exp(y[i]) * s;
        break;
    }
  }
  return dx;
}

std::vector<LD> row_backward_scale(RowOp op, std::span<const LD> y, std::span<const LD> dy) {
  const size_t n = y.size();
  LD s = 0;
  for (size_t i = 0; i < n; ++i) s += op == RowOp::kLogSoftmax ? dy[i] : dy[i] * y[i];
  std::vector<LD> scale(n);
  for (size_t i = 0; i < n; ++i) {
    scale[i] = op == RowOp::kLogSoftmax ? std::fabs(dy[i]) + std::exp(y[i]) * std::fabs(s)
                                        : std::fabs(y[i]) * (std::fabs(dy[i]) + std::fabs(s));
  }
  return scale;
}

}  // namespace activ::ref
