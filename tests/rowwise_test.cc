// softmax, log_softmax, softmin (forward and backward from y), argmax and hardmax, on every
// compiled SIMD target the CPU runs, float32 and float64: accuracy against the long double
// reference on random and adversarial rows, the special-value policy, lengths, strides, in
// place, threads, and the error messages.
#include "activ/rowwise.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "activ_internal.h"
#include "measure.h"
#include "rowwise_calls.h"
#include "rowwise_measure.h"
#include "rowwise_reference.h"
#include "test_util.h"
#include "ulp.h"

namespace activ {
namespace {

using ref::RowOp;
using test::ErrorOf;
using test::ForEachTarget;

// The bounds the tests hold the library to; docs/ACCURACY.md lists the measured values.
// float32 is one rounding of a double computation: half an ULP plus a little. float64: the
// spec's 1 ULP forward, and backward the element-wise functions' 2 ULP beyond the row-wise
// second term (accuracy/rowwise_measure.h).
template <typename T>
constexpr double kForwardUlp = 1.0;
template <typename T>
constexpr double kBackwardUlp = sizeof(T) == 4 ? 1.0 : 2.0;
// Accuracy::fast: the spec's fast bounds, 4 ULP forward and 8 backward (float32 rows have fast
// kernels on AVX2 and AVX-512; the other types and targets run the faithful ones).
constexpr double kFastForwardUlp = 4.0;
constexpr double kFastBackwardUlp = 8.0;

// The accuracy mode of the helpers' calls below: the tests named ...Fast run the same checks
// with Accuracy::fast (FastMode), its bound in place of the faithful one.
Accuracy g_accuracy = Accuracy::faithful;
struct FastMode {
  FastMode() { g_accuracy = Accuracy::fast; }
  ~FastMode() { g_accuracy = Accuracy::faithful; }
  FastMode(const FastMode&) = delete;
  FastMode& operator=(const FastMode&) = delete;
};
template <typename T>
double ForwardBound() {
  return g_accuracy == Accuracy::fast ? kFastForwardUlp : kForwardUlp<T>;
}

template <typename T>
void Forward(RowOp op, Rows<const T> x, Rows<T> y, RowOptions o = {}) {
  o.accuracy = g_accuracy;
  test::RowForward<T>(op, x, y, o);
}

template <typename T>
void Backward(RowOp op, Rows<const T> y, Rows<const T> dy, Rows<T> dx) {
  test::RowBackward<T>(op, y, dy, dx, Options{.accuracy = g_accuracy});
}

// One contiguous row.
template <typename T>
std::vector<T> Row(RowOp op, const std::vector<T>& x, const RowOptions& o = {}) {
  std::vector<T> y(x.size());
  Forward<T>(op, Rows<const T>(x.data(), 1, x.size()), Rows<T>(y.data(), 1, y.size()), o);
  return y;
}

template <typename T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <typename T>
std::vector<long double> Promote(const std::vector<T>& v) {
  return std::vector<long double>(v.begin(), v.end());
}

template <typename T>
std::vector<T> RandomVector(size_t n, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-spread, spread);
  std::vector<T> v(n);
  for (T& e : v) e = static_cast<T>(u(rng));
  return v;
}

std::string OpName(RowOp op) { return std::string(ref::RowOpName(op)); }

template <typename T>
void CheckAccuracy(Accuracy accuracy = Accuracy::faithful) {
  const bool fast = accuracy == Accuracy::fast;
  std::vector<ref::NamedRow<T>> rows = ref::RandomRows<T>(7);
  for (auto& r : ref::AdversarialRows<T>()) rows.push_back(std::move(r));
  for (RowOp op : ref::kRowOps) {
    ForEachTarget([&](const char* target) {
      const ref::RowStats f = ref::MeasureRowForward<T>(op, rows, accuracy);
      EXPECT_LE(f.max_ulp, fast ? kFastForwardUlp : kForwardUlp<T>)
          << target << " " << OpName(op) << ", worst in row '" << f.worst_row << "' at "
          << f.worst_col;
      const ref::RowStats b = ref::MeasureRowBackward<T>(op, rows, accuracy);
      EXPECT_LE(b.max_ulp, fast ? kFastBackwardUlp : kBackwardUlp<T>)
          << target << " " << OpName(op) << "_backward, worst in row '" << b.worst_row << "' at "
          << b.worst_col;
      EXPECT_GT(f.count, 200000u);
    });
  }
}

TEST(RowwiseAccuracy, Float32MatchesReference) { CheckAccuracy<float>(); }
TEST(RowwiseAccuracy, Float64MatchesReference) { CheckAccuracy<double>(); }
TEST(RowwiseAccuracy, FastFloat32WithinFastBound) { CheckAccuracy<float>(Accuracy::fast); }

// Rows for the fast kernels' own cases: probabilities down to the subnormals (one logit 90 to
// 110 above the others), long rows of equal values (the sum), a dominant logit over many small
// terms (log_softmax's second pass), and each way of taking the rounding error of v - M (M <= 0;
// M > 0 with every v of a smaller exponent; neither), with and without values 87 below M.
std::vector<ref::NamedRow<float>> FastStressRows() {
  std::vector<ref::NamedRow<float>> rows;
  std::mt19937_64 rng(2024);
  auto uniform = [&](const std::string& name, size_t n, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    ref::NamedRow<float> r{name, {}};
    for (size_t i = 0; i < n; ++i) r.x.push_back(static_cast<float>(u(rng)));
    return r;
  };
  for (size_t n : {7, 1000, 32000}) {
    ref::NamedRow<float> r = uniform("subnormal tail, " + std::to_string(n), n, -105.0, -85.0);
    r.x[n / 2] = 5.0f;
    rows.push_back(std::move(r));
    ref::NamedRow<float> dom = uniform("dominant by 30, " + std::to_string(n), n, -40.0, -30.0);
    dom.x[n / 3] = 0.0f;
    rows.push_back(std::move(dom));
  }
  rows.push_back({"300000 equal", std::vector<float>(300000, 3.25f)});
  rows.push_back({"100001 equal zeros", std::vector<float>(100001, 0.0f)});
  rows.push_back(uniform("in [-50, -10]", 4099, -50.0, -10.0));
  rows.push_back(uniform("in [-200, -100]", 4099, -200.0, -100.0));
  rows.push_back(uniform("in [1000, 1010]", 4099, 1000.0, 1010.0));
  rows.push_back(uniform("in [-3, 100]", 4099, -3.0, 100.0));
  rows.push_back(uniform("in [-100, 3]", 4099, -100.0, 3.0));
  rows.push_back(uniform("in [-1e6, 3e6]", 999, -1e6, 3e6));
  return rows;
}

TEST(RowwiseAccuracy, FastFloat32StressRows) {
  const std::vector<ref::NamedRow<float>> rows = FastStressRows();
  for (RowOp op : ref::kRowOps) {
    ForEachTarget([&](const char* target) {
      const ref::RowStats f = ref::MeasureRowForward<float>(op, rows, Accuracy::fast);
      EXPECT_LE(f.max_ulp, kFastForwardUlp) << target << " " << OpName(op) << ", worst in row '"
                                            << f.worst_row << "' at " << f.worst_col;
      const ref::RowStats b = ref::MeasureRowBackward<float>(op, rows, Accuracy::fast);
      EXPECT_LE(b.max_ulp, kFastBackwardUlp)
          << target << " " << OpName(op) << "_backward, worst in row '" << b.worst_row << "' at "
          << b.worst_col;
    });
  }
}
TEST(RowwiseAccuracy, FastFloat64WithinFastBound) { CheckAccuracy<double>(Accuracy::fast); }

// The faithful float32 forward kernels round an accurate value once: the float-lane kernels of
// AVX-512 and AVX2 carry e^(v - M) and 1/S as float pairs (2^-37 or so before the rounding, 2^-33
// on AVX2 with its 8-entry table), the other targets compute in double. Each result is then
// within half an ULP and a little; a kernel that rounded an intermediate (a dropped low part, a
// sum in float) would pass the spec's 1 ULP on most rows but not this bound. The stress rows
// reach subnormal probabilities, a dominant logit, every case of v - M's rounding error and long
// rows.
constexpr double kFloat32RoundedOnceUlp = 0.5 + 0x1p-6;
TEST(RowwiseAccuracy, Float32FaithfulRoundsOnce) {
  std::vector<ref::NamedRow<float>> rows = FastStressRows();
  for (auto& r : ref::RandomRows<float>(11)) rows.push_back(std::move(r));
  for (auto& r : ref::AdversarialRows<float>()) rows.push_back(std::move(r));
  for (RowOp op : ref::kRowOps) {
    ForEachTarget([&](const char* target) {
      const ref::RowStats f = ref::MeasureRowForward<float>(op, rows, Accuracy::faithful);
      EXPECT_LE(f.max_ulp, kFloat32RoundedOnceUlp)
          << target << " " << OpName(op) << ", worst in row '" << f.worst_row << "' at "
          << f.worst_col;
    });
  }
}

// The faithful float32 softmax and softmin backward rounds once: s = sum y dy from exact products
// in double, then y (dy - s) from dy - s_hi and its exact error less s_lo, one final rounding (the
// float-lane kernels of AVX2 and AVX-512), or all in double (the other targets). Checked here
// without the spec's second term: each dx within half an ULP and a little of the exact gradient
// of the given y and dy. Half the entries have dy = s (1 + delta), |delta| in [2^-13, 2^-9),
// where s_lo is 2^8 to 2^12 ULP of dx (dropping it measured 1896 ULP; a float sum errs by as
// much); on the others dy - s_hi rounds (dropping its error measured 1.24 ULP). Rows reach
// subnormal probabilities, whose dx the float-lane kernels take in double (0.82 ULP without).
TEST(RowwiseAccuracy, Float32FaithfulBackwardKeepsTheSumsLowPart) {
  constexpr double kBound = 0.5 + 0x1p-6;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (RowOp op : {RowOp::kSoftmax, RowOp::kSoftmin}) {
    for (size_t n : {7, 128, 1000, 4099, 40000}) {
      for (double spread : {3.0, 120.0}) {
        std::vector<float> x(n), y(n), dy(n), dx(n);
        for (float& v : x) v = static_cast<float>((2 * u(rng) - 1) * spread);
        Forward<float>(op, Rows<const float>(x.data(), 1, n), Rows<float>(y.data(), 1, n));
        std::vector<double> delta(n);
        for (size_t i = 0; i < n; ++i) {
          delta[i] = std::ldexp(1.0 + u(rng), -13 + static_cast<int>(4 * u(rng))) *
                     (u(rng) < 0.5 ? -1 : 1);
          dy[i] = static_cast<float>(4 * u(rng) - 2);
        }
        // dy_i = s (1 + delta_i) on even i, s = sum y dy: a fixed point (the even entries carry
        // about half of s), reached in float to 2^-24 of s.
        const std::vector<long double> yl = Promote(y);
        long double s = 0;
        for (int it = 0; it < 60; ++it) {
          s = 0;
          for (size_t i = 0; i < n; ++i) s += yl[i] * dy[i];
          for (size_t i = 0; i < n; i += 2) dy[i] = static_cast<float>(s * (1 + delta[i]));
        }
        const Rows<const float> yr(y.data(), 1, n), gr(dy.data(), 1, n);
        const std::vector<long double> ref = ref::row_backward(op, yl, Promote(dy));
        s = 0;
        for (size_t i = 0; i < n; ++i) s += yl[i] * dy[i];
        ForEachTarget([&](const char* target) {
          Backward<float>(op, yr, gr, Rows<float>(dx.data(), 1, n));
          // Even entries: dy = s (1 + delta); odd ones: dy in [-2, 2].
          double worst_cancel = 0, worst_other = 0;
          for (size_t i = 0; i < n; ++i) {
            const double e = ref::UlpError<float>(dx[i], ref[i]);
            double& worst = i % 2 == 0 ? worst_cancel : worst_other;
            worst = std::max(worst, e);
          }
          EXPECT_LE(worst_cancel, kBound)
              << target << " " << OpName(op) << " n=" << n << " spread=" << spread;
          EXPECT_LE(worst_other, kBound)
              << target << " " << OpName(op) << " n=" << n << " spread=" << spread;
        });
      }
    }
  }
}

// log_softmax's backward, dx = dy - e^y g (g = sum dy), where dy and e^y g cancel: on odd
// entries (and the row's largest y) dy in [-2, 2], on the other even ones dy = e^y g (1 + delta),
// |delta| in [2^-13, 2^-9), g solved for (the even entries' share of sum e^y is below 1). dx is
// then 2^-13 to 2^-9 of e^y g, so each part of it shows: the allowance 2^-34 (|dy| + e^y |g|),
// 2^-10 of the spec's second term, holds the float-lane kernels' exp (2^-37, AVX2 2^-36: at
// 2^-36 AVX2 measured 1.9 ULP); without g's low part the worst was 3880 ULP, without e^y's
// 7.3e6 (AVX3), without dy - q_hi's two-sum error 0.998 on the odd entries. The double-lane
// kernel (other targets, y below -110) meets it too.
TEST(RowwiseAccuracy, Float32FaithfulLogSoftmaxBackwardKeepsThePairs) {
  constexpr double kBound = 0.5 + 0x1p-6;
  std::mt19937_64 rng(29);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (size_t n : {7, 128, 1000, 4099, 40000}) {
    for (double spread : {3.0, 20.0, 120.0}) {
      std::vector<float> x(n), y(n), dy(n), dx(n);
      for (float& v : x) v = static_cast<float>((2 * u(rng) - 1) * spread);
      Forward<float>(RowOp::kLogSoftmax, Rows<const float>(x.data(), 1, n),
                     Rows<float>(y.data(), 1, n));
      const size_t top = static_cast<size_t>(std::max_element(y.begin(), y.end()) - y.begin());
      std::vector<long double> ey(n), factor(n, 0.0L);
      long double odd = 0, share = 0;
      for (size_t i = 0; i < n; ++i) {
        ey[i] = std::exp(static_cast<long double>(y[i]));
        const double delta =
            std::ldexp(1.0 + u(rng), -13 + static_cast<int>(4 * u(rng))) * (u(rng) < 0.5 ? -1 : 1);
        if (i % 2 == 0 && i != top) {
          factor[i] = ey[i] * (1 + delta);
          share += factor[i];
        } else {
          dy[i] = static_cast<float>(4 * u(rng) - 2);
          odd += dy[i];
        }
      }
      const long double g = odd / (1 - share);
      for (size_t i = 0; i < n; ++i) {
        if (factor[i] != 0) dy[i] = static_cast<float>(factor[i] * g);
      }
      const std::vector<long double> yl = Promote(y), dyl = Promote(dy);
      long double sum = 0;
      for (long double v : dyl) sum += v;
      const std::vector<long double> ref = ref::row_backward(RowOp::kLogSoftmax, yl, dyl);
      const Rows<const float> yr(y.data(), 1, n), gr(dy.data(), 1, n);
      ForEachTarget([&](const char* target) {
        Backward<float>(RowOp::kLogSoftmax, yr, gr, Rows<float>(dx.data(), 1, n));
        double worst_cancel = 0, worst_other = 0;
        for (size_t i = 0; i < n; ++i) {
          const long double slack = 0x1p-34L * (std::fabs(dyl[i]) + ey[i] * std::fabs(sum));
          const double e = ref::BackwardError<float>(dx[i], ref[i], slack);
          double& worst = factor[i] != 0 ? worst_cancel : worst_other;
          worst = std::max(worst, e);
        }
        EXPECT_LE(worst_cancel, kBound) << target << " n=" << n << " spread=" << spread;
        EXPECT_LE(worst_other, kBound) << target << " n=" << n << " spread=" << spread;
      });
    }
  }
}

// Probabilities sum to 1 within the sum of their rounding errors: one ULP of 1 for float32
// (each is within half an ULP, 2^-24 relative), a few for float64.
template <typename T>
void CheckSumsToOne() {
  const long double tol = sizeof(T) == 4 ? 0x1p-23L : 0x1p-50L;
  ForEachTarget([&](const char* target) {
    for (size_t n : {1, 2, 3, 7, 8, 9, 31, 64, 67, 1000, 4097, 32000, 40000}) {
      for (double spread : {0.5, 10.0, 80.0}) {
        const std::vector<T> x = RandomVector<T>(n, spread, n);
        for (RowOp op : {RowOp::kSoftmax, RowOp::kSoftmin}) {
          const std::vector<T> y = Row(op, x);
          long double sum = 0;
          for (T v : y) sum += v;
          EXPECT_LE(std::fabs(sum - 1), tol)
              << target << " " << OpName(op) << " n=" << n << " spread=" << spread;
        }
        // e^log_softmax sums to 1 as well.
        const std::vector<T> l = Row(RowOp::kLogSoftmax, x);
        long double sum = 0;
        for (T v : l) sum += std::exp(static_cast<long double>(v));
        EXPECT_LE(std::fabs(sum - 1), 4 * tol) << target << " log_softmax n=" << n;
      }
    }
  });
}

TEST(RowwiseProperties, ProbabilitiesSumToOneFloat32) { CheckSumsToOne<float>(); }
TEST(RowwiseProperties, ProbabilitiesSumToOneFloat64) { CheckSumsToOne<double>(); }

// Adding c to a row changes nothing: with x + c exact, x - max is the same number, so the
// results must be the same bits.
template <typename T>
void CheckShiftInvariance() {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> k(-1280, 1280);
  ForEachTarget([&](const char* target) {
    for (size_t n : {1, 5, 16, 61, 1500, 40000}) {
      std::vector<T> x(n);
      for (T& v : x) v = static_cast<T>(k(rng) / 64.0);  // multiples of 1/64 in [-20, 20]
      for (double c : {1024.0, -1024.0, sizeof(T) == 8 ? 0x1p40 : 4096.0}) {
        std::vector<T> xc(n);
        for (size_t i = 0; i < n; ++i) xc[i] = static_cast<T>(x[i] + c);
        for (RowOp op : ref::kRowOps) {
          const std::vector<T> a = Row(op, x), b = Row(op, xc);
          for (size_t i = 0; i < n; ++i) {
            ASSERT_TRUE(SameBits(a[i], b[i]))
                << target << " " << OpName(op) << " n=" << n << " c=" << c << " i=" << i << ": "
                << a[i] << " vs " << b[i];
          }
        }
      }
    }
  });
}

TEST(RowwiseProperties, InvariantToAddingAConstantFloat32) { CheckShiftInvariance<float>(); }
TEST(RowwiseProperties, InvariantToAddingAConstantFloat64) { CheckShiftInvariance<double>(); }

// Partial -inf: exactly 0 (log: -inf) there, and the rest is the function of the finite
// entries alone.
template <typename T>
void CheckPartialMinusInfinity() {
  const T inf = std::numeric_limits<T>::infinity();
  ForEachTarget([&](const char* target) {
    for (size_t n : {2, 3, 9, 33, 1030, 40000}) {
      std::vector<T> x = RandomVector<T>(n, 5.0, n + 1);
      std::vector<T> finite;
      for (size_t i = 0; i < n; ++i) {
        if (i % 3 == 1 || i == n - 1) x[i] = -inf;
      }
      for (T v : x) {
        if (v != -inf) finite.push_back(v);
      }
      for (RowOp op : {RowOp::kSoftmax, RowOp::kLogSoftmax}) {
        for (bool masked : {false, true}) {
          const std::vector<T> y = Row(op, x, RowOptions{masked});
          const std::vector<long double> r = ref::row_forward(op, Promote(finite));
          for (size_t i = 0, j = 0; i < n; ++i) {
            if (x[i] == -inf) {
              if (op == RowOp::kSoftmax) {
                ASSERT_TRUE(SameBits(y[i], T(0))) << target << " n=" << n << " i=" << i;
              } else {
                ASSERT_EQ(y[i], -inf) << target << " n=" << n << " i=" << i;
              }
            } else {
              ASSERT_LE(ref::UlpError<T>(y[i], r[j++]), ForwardBound<T>())
                  << target << " " << OpName(op) << " n=" << n << " i=" << i;
            }
          }
        }
      }
      // softmin sees -x: +inf entries are the ones with probability 0.
      std::vector<T> neg(n);
      for (size_t i = 0; i < n; ++i) neg[i] = -x[i];
      const std::vector<T> a = Row(RowOp::kSoftmin, neg), b = Row(RowOp::kSoftmax, x);
      for (size_t i = 0; i < n; ++i) ASSERT_TRUE(SameBits(a[i], b[i])) << target << " i=" << i;
    }
  });
}

TEST(RowwiseSpecialValues, PartialMinusInfinityFloat32) { CheckPartialMinusInfinity<float>(); }
TEST(RowwiseSpecialValues, PartialMinusInfinityFloat64) { CheckPartialMinusInfinity<double>(); }
TEST(RowwiseSpecialValues, PartialMinusInfinityFloat32Fast) {
  FastMode fast;
  CheckPartialMinusInfinity<float>();
}

// All -inf (softmin: all +inf) is NaN, or zeros on request; a NaN or a +inf (softmin: -inf)
// anywhere makes its row NaN. The other rows of the same call are untouched by either.
template <typename T>
void CheckSpecialRows() {
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  ForEachTarget([&](const char* target) {
    for (size_t n : {1, 4, 5, 17, 1500, 32768, 40000}) {
      for (RowOp op : ref::kRowOps) {
        const T masked_value = op == RowOp::kSoftmin ? inf : -inf;
        const T poison = op == RowOp::kSoftmin ? -inf : inf;
        for (size_t pos : {size_t{0}, n / 2, n - 1}) {
          // Rows: ordinary, all masked, NaN at pos, +inf (poison) at pos, ordinary.
          const std::vector<T> good = RandomVector<T>(n, 3.0, pos + n);
          std::vector<T> nan_row = good, inf_row = good;
          nan_row[pos] = nan;
          inf_row[pos] = poison;
          std::vector<T> x = good;
          x.insert(x.end(), n, masked_value);
          x.insert(x.end(), nan_row.begin(), nan_row.end());
          x.insert(x.end(), inf_row.begin(), inf_row.end());
          x.insert(x.end(), good.begin(), good.end());
          const std::vector<T> expect = Row(op, good);
          for (bool zero : {false, true}) {
            std::vector<T> y(x.size(), T(-5));
            Forward<T>(op, Rows<const T>(x.data(), 5, n), Rows<T>(y.data(), 5, n),
                       RowOptions{zero});
            // The message is built only for a failure: a trace per element would cost more
            // than the calls under the sanitizers.
            auto at = [&](size_t i) {
              return std::string(target) + " " + OpName(op) + " n=" + std::to_string(n) +
                     " pos=" + std::to_string(pos) + " i=" + std::to_string(i);
            };
            for (size_t i = 0; i < n; ++i) {
              ASSERT_TRUE(SameBits(y[i], expect[i])) << at(i);
              ASSERT_TRUE(SameBits(y[4 * n + i], expect[i])) << at(i);
              if (zero) {
                ASSERT_TRUE(SameBits(y[n + i], T(0))) << at(i);
              } else {
                ASSERT_TRUE(std::isnan(y[n + i])) << at(i);
              }
              ASSERT_TRUE(std::isnan(y[2 * n + i])) << at(i);
              ASSERT_TRUE(std::isnan(y[3 * n + i])) << at(i);
            }
          }
        }
      }
    }
  });
}

TEST(RowwiseSpecialValues, MaskedNanAndInfinityRowsFloat32) { CheckSpecialRows<float>(); }
TEST(RowwiseSpecialValues, MaskedNanAndInfinityRowsFloat64) { CheckSpecialRows<double>(); }
TEST(RowwiseSpecialValues, MaskedNanAndInfinityRowsFloat32Fast) {
  FastMode fast;
  CheckSpecialRows<float>();
}

template <typename T>
void CheckHugeLogits() {
  const T big = T(1e30), max = std::numeric_limits<T>::max();
  const T inf = std::numeric_limits<T>::infinity();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    const std::vector<T> p = Row(RowOp::kSoftmax, std::vector<T>{big, -big, big, T(0)});
    EXPECT_EQ(p, (std::vector<T>{T(0.5), T(0), T(0.5), T(0)}));
    const std::vector<T> l = Row(RowOp::kLogSoftmax, std::vector<T>{big, -big, big, T(0)});
    EXPECT_EQ(l[0], static_cast<T>(-std::log(2.0L)));
    EXPECT_EQ(l[1], static_cast<T>(-2.0L * big - std::log(2.0L)));
    EXPECT_EQ(l[3], static_cast<T>(-1.0L * big - std::log(2.0L)));
    const std::vector<T> m = Row(RowOp::kSoftmin, std::vector<T>{big, -big, big, T(0)});
    EXPECT_EQ(m, (std::vector<T>{T(0), T(1), T(0), T(0)}));
    // max - (-max) overflows: the log-probability is beyond the range, -inf as it rounds.
    EXPECT_EQ(Row(RowOp::kSoftmax, std::vector<T>{max, -max}), (std::vector<T>{T(1), T(0)}));
    EXPECT_EQ(Row(RowOp::kLogSoftmax, std::vector<T>{max, -max}), (std::vector<T>{T(0), -inf}));
    EXPECT_EQ(Row(RowOp::kSoftmax, std::vector<T>{-max, -max}), (std::vector<T>{T(0.5), T(0.5)}));
    // A dominant logit: log-probability -(e^-40 + e^-41) about -6.5e-18, not 0.
    const std::vector<T> d = Row(RowOp::kLogSoftmax, std::vector<T>{T(0), T(-40), T(-41)});
    const long double exact = -std::log1p(std::exp(-40.0L) + std::exp(-41.0L));
    EXPECT_LE(ref::UlpError<T>(d[0], exact), ForwardBound<T>())
        << d[0] << " vs " << static_cast<double>(exact);
  });
}

TEST(RowwiseSpecialValues, HugeLogitsFloat32) { CheckHugeLogits<float>(); }
TEST(RowwiseSpecialValues, HugeLogitsFloat64) { CheckHugeLogits<double>(); }
TEST(RowwiseSpecialValues, HugeLogitsFloat32Fast) {
  FastMode fast;
  CheckHugeLogits<float>();
}

// Strided rows and in place give the same bits as contiguous rows, one call per row, and
// nothing between the rows of y is written.
template <typename T>
void CheckStridesAndInPlace() {
  const T sentinel = T(-123.5);
  ForEachTarget([&](const char* target) {
    for (size_t cols : {1, 3, 8, 37, 1100, 33000}) {
      const size_t rows = 5, xs = cols + 13, ys = cols + 4;
      const std::vector<T> x = RandomVector<T>(rows * xs, 12.0, cols);
      for (RowOp op : ref::kRowOps) {
        SCOPED_TRACE(std::string(target) + " " + OpName(op) + " cols=" + std::to_string(cols));
        std::vector<T> y(rows * ys, sentinel);
        Forward<T>(op, Rows<const T>(x.data(), rows, cols, xs), Rows<T>(y.data(), rows, cols, ys));
        std::vector<T> inplace = x;
        Forward<T>(op, Rows<const T>(inplace.data(), rows, cols, xs),
                   Rows<T>(inplace.data(), rows, cols, xs));
        // Backward, strided and in place over dy.
        std::vector<T> dy(rows * xs), dx(rows * ys, sentinel);
        for (size_t i = 0; i < dy.size(); ++i) dy[i] = ref::UpstreamGradient<T>(i);
        Backward<T>(op, Rows<const T>(y.data(), rows, cols, ys),
                    Rows<const T>(dy.data(), rows, cols, xs), Rows<T>(dx.data(), rows, cols, ys));
        std::vector<T> g = dy;
        Backward<T>(op, Rows<const T>(y.data(), rows, cols, ys),
                    Rows<const T>(g.data(), rows, cols, xs), Rows<T>(g.data(), rows, cols, xs));
        for (size_t r = 0; r < rows; ++r) {
          const std::vector<T> xr(x.begin() + r * xs, x.begin() + r * xs + cols);
          const std::vector<T> expect = Row(op, xr);
          std::vector<T> gr(dy.begin() + r * xs, dy.begin() + r * xs + cols), dxr(cols);
          Backward<T>(op, Rows<const T>(expect.data(), 1, cols), Rows<const T>(gr.data(), 1, cols),
                      Rows<T>(dxr.data(), 1, cols));
          for (size_t c = 0; c < cols; ++c) {
            ASSERT_TRUE(SameBits(y[r * ys + c], expect[c])) << "r=" << r << " c=" << c;
            ASSERT_TRUE(SameBits(inplace[r * xs + c], expect[c])) << "in place r=" << r;
            ASSERT_TRUE(SameBits(dx[r * ys + c], dxr[c])) << "backward r=" << r << " c=" << c;
            ASSERT_TRUE(SameBits(g[r * xs + c], dxr[c])) << "backward in place r=" << r;
          }
          for (size_t c = cols; c < ys && r + 1 < rows; ++c) {
            ASSERT_EQ(y[r * ys + c], sentinel) << "written between rows, r=" << r;
            ASSERT_EQ(dx[r * ys + c], sentinel) << "backward wrote between rows, r=" << r;
          }
        }
      }
    }
  });
}

TEST(RowwiseLayout, StridedRowsAndInPlaceFloat32) { CheckStridesAndInPlace<float>(); }
TEST(RowwiseLayout, StridedRowsAndInPlaceFloat64) { CheckStridesAndInPlace<double>(); }
TEST(RowwiseLayout, StridedRowsAndInPlaceFloat32Fast) {
  FastMode fast;
  CheckStridesAndInPlace<float>();
}

// A call large enough for threads gives the bits of one call per row, and so does one thread.
void CheckLargeCallsMatchRowByRow() {
  const size_t rows = 70, cols = 3000;
  const std::vector<float> x = RandomVector<float>(rows * cols, 8.0, 5);
  for (RowOp op : ref::kRowOps) {
    std::vector<float> y(x.size()), y1(x.size()), dx(x.size()), dy(x.size());
    for (size_t i = 0; i < dy.size(); ++i) dy[i] = ref::UpstreamGradient<float>(i);
    set_num_threads(2);
    Forward<float>(op, Rows<const float>(x.data(), rows, cols), Rows<float>(y.data(), rows, cols));
    Backward<float>(op, Rows<const float>(y.data(), rows, cols),
                    Rows<const float>(dy.data(), rows, cols), Rows<float>(dx.data(), rows, cols));
    set_num_threads(1);
    Forward<float>(op, Rows<const float>(x.data(), rows, cols), Rows<float>(y1.data(), rows, cols));
    set_num_threads(0);
    EXPECT_EQ(y, y1);
    for (size_t r = 0; r < rows; ++r) {
      const std::vector<float> xr(x.begin() + r * cols, x.begin() + (r + 1) * cols);
      const std::vector<float> expect = Row(op, xr);
      std::vector<float> dxr(cols);
      Backward<float>(op, Rows<const float>(expect.data(), 1, cols),
                      Rows<const float>(dy.data() + r * cols, 1, cols),
                      Rows<float>(dxr.data(), 1, cols));
      for (size_t c = 0; c < cols; ++c) {
        ASSERT_TRUE(SameBits(y[r * cols + c], expect[c])) << OpName(op) << " r=" << r;
        ASSERT_TRUE(SameBits(dx[r * cols + c], dxr[c])) << OpName(op) << " backward r=" << r;
      }
    }
  }
}

TEST(RowwiseThreads, LargeCallsMatchRowByRow) { CheckLargeCallsMatchRowByRow(); }
TEST(RowwiseThreads, LargeCallsMatchRowByRowFast) {
  FastMode fast;
  CheckLargeCallsMatchRowByRow();
}

TEST(RowwiseThreads, ParallelForRethrowsOnceEveryRangeHasRun) {
  set_num_threads(4);
  std::atomic<int> calls{0};
  EXPECT_THROW(detail::ParallelFor(1000, 10,
                                   [&](size_t begin, size_t) {
                                     ++calls;
                                     if (begin > 0) throw std::runtime_error("range failed");
                                   }),
               std::runtime_error);
  set_num_threads(0);
  EXPECT_EQ(calls.load(), 16);  // four ranges per thread
}

// The reference's backward formulas are the vector-Jacobian products of its forward:
// central differences of L(x) = sum(dy * f(x)).
TEST(RowwiseReference, BackwardMatchesFiniteDifferences) {
  const std::vector<long double> x = {0.3L, -1.2L, 2.5L, 0.0L, -0.7L, 1.1L, 0.9L};
  const std::vector<long double> dy = {0.5L, -1.5L, 2.0L, 0.25L, -0.75L, 1.0L, -0.1L};
  for (RowOp op : ref::kRowOps) {
    const std::vector<long double> y = ref::row_forward(op, x);
    const std::vector<long double> dx = ref::row_backward(op, y, dy);
    for (size_t j = 0; j < x.size(); ++j) {
      const long double h = 1e-6L;
      std::vector<long double> xp = x, xm = x;
      xp[j] += h;
      xm[j] -= h;
      const std::vector<long double> yp = ref::row_forward(op, xp), ym = ref::row_forward(op, xm);
      long double lp = 0, lm = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        lp += dy[i] * yp[i];
        lm += dy[i] * ym[i];
      }
      EXPECT_NEAR(static_cast<double>((lp - lm) / (2 * h)), static_cast<double>(dx[j]), 1e-8)
          << OpName(op) << " j=" << j;
      EXPECT_GT(std::fabs(static_cast<double>(dx[j])), 1e-3) << "the check must see gradients";
    }
  }
}

// Backward of a masked (zero) softmax row is zero; of a NaN row, NaN; in both modes.
TEST(RowwiseSpecialValues, BackwardOfMaskedAndNanRows) {
  const float inf = std::numeric_limits<float>::infinity();
  for (Accuracy a : {Accuracy::faithful, Accuracy::fast}) {
    std::vector<float> x = {-inf, -inf, -inf, 1.0f, NAN, 2.0f}, y(6), dy = {1, 2, 3, 4, 5, 6},
                       dx(6);
    softmax(Rows<const float>(x.data(), 2, 3), Rows<float>(y.data(), 2, 3),
            RowOptions{.masked_rows_are_zero = true, .accuracy = a});
    softmax_backward(Rows<const float>(y.data(), 2, 3), Rows<const float>(dy.data(), 2, 3),
                     Rows<float>(dx.data(), 2, 3), Options{.accuracy = a});
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(dx[i], 0.0f) << i;
      EXPECT_TRUE(std::isnan(dx[3 + i])) << i;
    }
    // log_softmax from y: NaN and -inf in y, and a +inf (not a log-probability) as faithful
    // takes it.
    std::vector<float> ly = {-inf, -1.0f, NAN, 0.5f, -200.0f, inf}, lg = {1, 2, 3, 4, 5, 6}, ldx(6),
                       ref(6);
    log_softmax_backward(Rows<const float>(ly.data(), 1, 6), Rows<const float>(lg.data(), 1, 6),
                         Rows<float>(ldx.data(), 1, 6), Options{.accuracy = a});
    log_softmax_backward(Rows<const float>(ly.data(), 1, 6), Rows<const float>(lg.data(), 1, 6),
                         Rows<float>(ref.data(), 1, 6));
    EXPECT_EQ(ldx[0], 1.0f);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(std::isnan(ldx[i]), std::isnan(ref[i])) << i;
      if (std::isinf(ref[i])) {
        EXPECT_EQ(ldx[i], ref[i]) << i;
      }
    }
  }
}

template <typename T>
int64_t ArgmaxOf(const std::vector<T>& x) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) return static_cast<int64_t>(i);
  }
  return std::max_element(x.begin(), x.end()) - x.begin();  // the first of equal maxima
}

template <typename T>
void CheckArgmax() {
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  ForEachTarget([&](const char* target) {
    for (size_t n = 1; n <= 67; ++n) {
      for (size_t pos = 0; pos < n; ++pos) {
        std::vector<T> x = RandomVector<T>(n, 1.0, n * 100 + pos);
        x[pos] = T(5);
        std::vector<T> tie = x;
        tie[n - 1] = T(5);  // a later equal maximum does not win
        std::vector<T> with_nan = x;
        with_nan[pos] = nan;
        with_nan[n - 1] = nan;
        for (const std::vector<T>* v : {&x, &tie, &with_nan}) {
          std::int64_t idx = -1;
          argmax(Rows<const T>(v->data(), 1, n), std::span<std::int64_t>(&idx, 1));
          ASSERT_EQ(idx, ArgmaxOf(*v)) << target << " n=" << n << " pos=" << pos;
          ASSERT_EQ(idx, static_cast<std::int64_t>(pos));
        }
      }
    }
    // -inf rows, signed zeros, strided rows, hardmax in place.
    std::vector<T> x = {-inf, -inf, -inf, 0, T(-0.0), T(0.0), T(-0.0), 7, 2, 1, 3, 4};
    std::vector<std::int64_t> idx(3);
    argmax(Rows<const T>(x.data(), 3, 3, 4), idx);
    EXPECT_EQ(idx, (std::vector<std::int64_t>{0, 0, 2})) << target;
    hardmax(Rows<const T>(x.data(), 3, 3, 4), Rows<T>(x.data(), 3, 3, 4));
    EXPECT_EQ(x, (std::vector<T>{1, 0, 0, 0, 1, 0, 0, 7, 0, 0, 1, 4})) << target;
  });
}

TEST(RowwiseArgmax, FirstMaximumNanFirstFloat32) { CheckArgmax<float>(); }
TEST(RowwiseArgmax, FirstMaximumNanFirstFloat64) { CheckArgmax<double>(); }

TEST(RowwiseErrors, MessagesNameTheProblemAndNothingIsWritten) {
  std::vector<float> x(24, 1.0f), y(24, 7.0f);
  const std::vector<float> untouched(24, 7.0f);
  EXPECT_EQ(
      ErrorOf([&] { softmax(Rows<const float>(x.data(), 3, 8), Rows<float>(y.data(), 3, 7)); }),
      "activ::softmax: x is [3, 8] but y is [3, 7]");
  EXPECT_EQ(ErrorOf([&] {
              log_softmax(Rows<const float>(x.data(), 3, 8, 5), Rows<float>(y.data(), 3, 8));
            }),
            "activ::log_softmax: x has a row stride of 5 elements, less than its 8 columns");
  EXPECT_EQ(
      ErrorOf([&] { softmin(Rows<const float>(x.data(), 2, 8), Rows<float>(x.data() + 4, 2, 8)); }),
      "activ::softmin: y overlaps x without being the same view; in place needs the same "
      "data and row stride");
  EXPECT_EQ(ErrorOf([&] {
              softmax_backward(Rows<const float>(x.data(), 2, 8), Rows<const float>(x.data(), 2, 4),
                               Rows<float>(y.data(), 2, 8));
            }),
            "activ::softmax_backward: y is [2, 8] but dy is [2, 4]");
  EXPECT_EQ(
      ErrorOf([&] { softmax(Rows<const float>(nullptr, 2, 3), Rows<float>(y.data(), 2, 3)); }),
      "activ::softmax: x is [2, 3] but its data is null");
  std::vector<std::int64_t> idx(2);
  EXPECT_EQ(ErrorOf([&] { argmax(Rows<const float>(x.data(), 3, 8), idx); }),
            "activ::argmax: x has 3 rows but index has 2 elements");
  EXPECT_EQ(ErrorOf([&] { argmax(Rows<const float>(x.data(), 2, 0), idx); }),
            "activ::argmax: x has 2 rows of 0 columns; an empty row has no maximum");
  EXPECT_EQ(
      ErrorOf([&] { hardmax(Rows<const float>(x.data(), 3, 8), Rows<float>(y.data(), 3, 6)); }),
      "activ::hardmax: x is [3, 8] but y is [3, 6]");
  EXPECT_EQ(y, untouched) << "an error must leave the output untouched";
  // Empty calls are fine.
  softmax(Rows<const float>(nullptr, 0, 5), Rows<float>(nullptr, 0, 5));
  softmax(Rows<const float>(x.data(), 3, 0), Rows<float>(y.data(), 3, 0));
  EXPECT_EQ(y, untouched);
}

}  // namespace
}  // namespace activ
