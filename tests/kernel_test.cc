// Every registry line, every compiled SIMD target the CPU runs, float32 and float64: forward,
// backward and backward from y against the long double reference, special values, lengths and
// alignments, in-place calls, and the properties the registry declares.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "activ/activ.h"
#include "activ_internal.h"
#include "extreme_upstream.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "test_util.h"
#include "ulp.h"

namespace activ {

// gtest prints parameters with this instead of their bytes.
void PrintTo(Op op, std::ostream* os) { *os << name(op); }

namespace {

using ref::Direction;

using test::ErrorOf;
using test::ForEachTarget;
using test::OpName;
using test::OpsWith;

// The spec's bounds (docs/ACCURACY.md lists the measured values): 1 ULP forward; backward
// |dx - dy f'(x)| <= 2 ulp(dy f'(x)) + 2^-p |dy x f''(x)| (p = 24, 53), measured as the ULP
// beyond the second term (accuracy/ulp.h's BackwardError), at most 2. float64 forward is
// measured here against the long double reference, which is within 2^-9 ULP of MPFR's, and
// against MPFR by the float64_forward_* tests.
constexpr double kForwardUlp = 1.0;
constexpr double kBackwardUlp = 2.0;

double ForwardBound(Op /*op*/, bool /*is_float*/) { return kForwardUlp; }
double BackwardBound(Op /*op*/, bool /*is_float*/) { return kBackwardUlp; }

class OpTest : public ::testing::TestWithParam<Op> {};

std::string ParamsText(const Params& p) {
  std::string s;
  for (const auto& [k, v] : p.values()) s += " " + k + "=" + std::to_string(v);
  return s.empty() ? " (defaults)" : s;
}

// The sweep, plus the zeros of f' and both tails (ref::CriticalInputs).
template <typename T>
void CheckAccuracy(Op op, size_t count) {
  const std::vector<T> sweep = ref::SweepInputs<T>(count);
  const bool is_float = sizeof(T) == 4;
  for (const Params& params : ref::TestParams(op)) {
    std::vector<T> xs = sweep;
    for (T x : ref::CriticalInputs<T>(op, params)) xs.push_back(x);
    // The reference once, every target against it.
    const std::span<const T> in(xs);
    const ref::Exact ef = ref::ExactFor<T>(op, Direction::kForward, in, params);
    const ref::Exact eb = ref::ExactFor<T>(op, Direction::kBackward, in, params);
    const bool from_y = (info(op).flags & kFromY) != 0;
    const ref::Exact ey =
        from_y ? ref::ExactFor<T>(op, Direction::kBackwardFromY, in, params) : ref::Exact{};
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + ParamsText(params));
      const ref::Stats f = ref::MeasureActiv<T>(op, Direction::kForward, in, params, ef);
      EXPECT_LE(f.max_ulp, ForwardBound(op, is_float)) << "forward, worst at x = " << f.worst_x;
      const ref::Stats b = ref::MeasureActiv<T>(op, Direction::kBackward, in, params, eb);
      EXPECT_LE(b.max_ulp, BackwardBound(op, is_float)) << "backward, worst at x = " << b.worst_x;
      if (from_y) {
        const ref::Stats by = ref::MeasureActiv<T>(op, Direction::kBackwardFromY, in, params, ey);
        EXPECT_LE(by.max_ulp, BackwardBound(op, is_float))
            << "backward_from_y, worst at x = " << by.worst_x;
      }
    });
  }
}

// Sweep sizes. The sanitizer builds, which look for memory errors and undefined behaviour rather
// than accuracy (the plain build checks that), divide them by ACTIV_TEST_SWEEP_DIVISOR.
size_t SweepSize(size_t n) {
  const char* d = std::getenv("ACTIV_TEST_SWEEP_DIVISOR");
  const long divisor = d ? std::strtol(d, nullptr, 10) : 1;
  return divisor > 1 ? n / static_cast<size_t>(divisor) : n;
}

TEST_P(OpTest, Float32MatchesReference) { CheckAccuracy<float>(GetParam(), SweepSize(1 << 20)); }
TEST_P(OpTest, Float64MatchesReference) { CheckAccuracy<double>(GetParam(), SweepSize(1 << 18)); }

// The float-lane kernels take their parameters as float32 and branch on them (celu's alpha < 0
// and softplus's negative beta or threshold past 86 take other paths than the defaults): the
// bounds hold for parameters other than those of TestParams too.
TEST(Float32Parameters, BoundsHoldAwayFromTheTestedSets) {
  struct Case {
    Op op;
    Params params;
  };
  const Case cases[] = {
      {Op::celu, {{"alpha", -1.5}}},
      {Op::celu, {{"alpha", 0.3}}},
      {Op::celu, {{"alpha", 7.0}}},
      {Op::softplus, {{"beta", -1.5}, {"threshold", 20.0}}},
      {Op::softplus, {{"beta", 0.25}, {"threshold", 100.0}}},
      {Op::softplus, {{"beta", 3.0}, {"threshold", -2.0}}},
  };
  const std::vector<float> xs = ref::SweepInputs<float>(SweepSize(1 << 16));
  for (const Case& c : cases) {
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + std::string(name(c.op)) + ParamsText(c.params));
      const ref::Stats f = ref::Measure<float>(c.op, Direction::kForward, xs, c.params);
      EXPECT_LE(f.max_ulp, kForwardUlp) << "forward, worst at x = " << f.worst_x;
      const ref::Stats b = ref::Measure<float>(c.op, Direction::kBackward, xs, c.params);
      EXPECT_LE(b.max_ulp, kBackwardUlp) << "backward, worst at x = " << b.worst_x;
    });
  }
}

// The trainable parameter's gradient is a sum; it is compared with the reference sum relative to
// the sum of magnitudes, which is what a double accumulation can promise.
class ParamGradTest : public ::testing::TestWithParam<Op> {};

TEST_P(ParamGradTest, MatchesReference) {
  const Op op = GetParam();
  std::vector<float> xs;
  for (int i = 0; i < 1000; ++i) xs.push_back(static_cast<float>(-8.0 + 16.0 * i / 999.0));
  std::vector<float> dy(xs.size()), dx(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) dy[i] = ref::UpstreamGradient<float>(i);
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    long double sum = 0, mag = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const long double t = dy[i] * ref::param_derivative(op, xs[i], p.data());
      sum += t;
      mag += std::fabs(t);
    }
    ASSERT_GT(mag, 0) << "the check must see non-zero terms";
    ForEachTarget([&](const char* target) {
      double g = NAN;
      backward(op, xs, dy, dx, params, &g);
      EXPECT_NEAR(g, static_cast<double>(sum), 1e-12 * static_cast<double>(mag)) << target;
    });
  }
}

// Every length up to four vectors (tails of every size) and some large ones, from misaligned
// start positions, out of place and in place: all must equal the same call on aligned data.
template <typename T>
void CheckLengths(Op op) {
  const Params params = ref::TestParams(op)[0];
  std::vector<T> base(5000 + 16);
  for (size_t i = 0; i < base.size(); ++i) {
    base[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 12.0);
  }
  std::vector<T> dy(base.size());
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = ref::UpstreamGradient<T>(i);
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    const size_t max_lanes = 16;  // AVX-512 doubles are 8; leave room
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 4 * max_lanes + 3; ++n) lengths.push_back(n);
    for (size_t n : {size_t{255}, size_t{1000}, size_t{4097}}) lengths.push_back(n);
    for (size_t offset = 0; offset < 4; ++offset) {
      std::span<const T> x_all(base.data() + offset, base.size() - offset);
      std::span<const T> dy_all(dy.data() + offset, dy.size() - offset);
      // Element-by-element results: one call per element cannot share vector lanes.
      for (size_t n : lengths) {
        std::span<const T> x = x_all.first(n);
        std::vector<T> y(n), one(1), dx(n);
        forward(op, x, y, params);
        backward(op, x, dy_all.first(n), dx, params);
        for (size_t i = 0; i < n; ++i) {
          forward(op, x.subspan(i, 1), one, params);
          ASSERT_TRUE(std::memcmp(&one[0], &y[i], sizeof(T)) == 0) << "n=" << n << " i=" << i;
        }
        // In place: y aliases x, dx aliases dy.
        std::vector<T> inplace(x.begin(), x.end());
        forward(op, inplace, inplace, params);
        ASSERT_TRUE(std::equal(inplace.begin(), inplace.end(), y.begin(),
                               [](T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }))
            << "in place, n=" << n;
        std::vector<T> g(dy_all.begin(), dy_all.begin() + static_cast<std::ptrdiff_t>(n));
        backward(op, x, g, g, params);
        ASSERT_TRUE(std::equal(g.begin(), g.end(), dx.begin(),
                               [](T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }))
            << "backward in place, n=" << n;
      }
    }
  });
}

// float32 backward with upstream gradients from 2^-60 to the largest float, for every function
// and parameter set on every target: dy f'(x) is held to the backward bound also where f'(x)
// alone is far below float32's range and dy brings it back (gelu'(-18) 2^126 is -2.7e-32),
// or where it is large and dy small. Inputs: every 1/8 from -120 to 30, and the zeros of f'.
TEST_P(OpTest, Float32BackwardWithExtremeUpstream) {
  test::CheckFloat32BackwardWithExtremeUpstream(GetParam(), {}, kBackwardUlp, false);
}

TEST_P(OpTest, AllLengthsAlignmentsAndInPlaceFloat32) { CheckLengths<float>(GetParam()); }
TEST_P(OpTest, AllLengthsAlignmentsAndInPlaceFloat64) { CheckLengths<double>(GetParam()); }

// The reference derivative agrees with central differences of the reference, away from kinks
// (a kink shows as a jump of f' across the difference interval, and those points are skipped).
TEST_P(OpTest, ReferenceDerivativeMatchesFiniteDifferences) {
  const Op op = GetParam();
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<double>(op, params);
    int checked = 0;
    for (int i = 0; i <= 2000; ++i) {
      const long double x = -10.0L + 20.0L * i / 2000.0L + 1e-4L;
      const long double h = 1e-6L;
      const long double d_lo = ref::derivative(op, x - h, p.data());
      const long double d_hi = ref::derivative(op, x + h, p.data());
      if (std::fabs(d_hi - d_lo) > 1e-3L * (1 + std::fabs(d_lo))) continue;
      const long double fd =
          (ref::forward(op, x + h, p.data()) - ref::forward(op, x - h, p.data())) / (2 * h);
      const long double d = ref::derivative(op, x, p.data());
      EXPECT_NEAR(static_cast<double>(fd), static_cast<double>(d),
                  1e-7 * (1 + std::fabs(static_cast<double>(d))))
          << "x = " << static_cast<double>(x) << ParamsText(params);
      ++checked;
    }
    EXPECT_GT(checked, 1500);
  }
}

// The backward bound's second term, 2^-p |x f''(x)| per unit of dy: measured on the reference
// f', it matches f'' written out where f is smooth, is 0 at x = 0 and at a kink (the spec
// takes f'' as 0 there), and gives nothing for free in a tail: a flushed sigmoid'(-80) is as
// far off as its size says.
TEST(BackwardBound, SecondTermIsXTimesSecondDerivative) {
  const double none[4] = {};
  const double beta1[4] = {1.0};
  const auto slack = [](Op op, long double x, const double* p, int digits) {
    return static_cast<double>(ref::derivative_slack(op, x, p, digits));
  };
  // silu'' = s(1-s)(2 + x(1-2s)); gelu'' = phi(x)(2 - x^2); tanh'' = -2 tanh sech^2.
  for (double x : {-5.0, -1.2785, -0.3, 0.7, 3.0}) {
    const double s = 1 / (1 + std::exp(-x));
    const double silu2 = s * (1 - s) * (2 + x * (1 - 2 * s));
    const double gelu2 = std::exp(-x * x / 2) / std::sqrt(2 * M_PI) * (2 - x * x);
    const double tanh2 = -2 * std::tanh(x) / (std::cosh(x) * std::cosh(x));
    for (int digits : {24, 53}) {
      const double h = std::ldexp(1.0, -digits);
      EXPECT_NEAR(slack(Op::silu, x, beta1, digits), h * std::fabs(x * silu2),
                  0.01 * h * std::fabs(x * silu2))
          << x;
      EXPECT_NEAR(slack(Op::gelu, x, none, digits), h * std::fabs(x * gelu2),
                  0.01 * h * std::fabs(x * gelu2))
          << x;
      EXPECT_NEAR(slack(Op::tanh, x, none, digits), h * std::fabs(x * tanh2),
                  0.01 * h * std::fabs(x * tanh2))
          << x;
    }
  }
  const double relu6[4] = {};
  const double hardtanh[4] = {-1.0, 1.0};
  const double threshold[4] = {0.5, -2.0};
  const double hardshrink[4] = {0.5};
  for (int digits : {8, 11, 24, 53}) {
    EXPECT_EQ(slack(Op::silu, 0.0L, beta1, digits), 0.0);
    EXPECT_EQ(slack(Op::relu, 0.0L, none, digits), 0.0);
    EXPECT_EQ(slack(Op::relu6, 6.0L, relu6, digits), 0.0);
    EXPECT_EQ(slack(Op::hardtanh, -1.0L, hardtanh, digits), 0.0);
    EXPECT_EQ(slack(Op::hardtanh, 1.0L, hardtanh, digits), 0.0);
    EXPECT_EQ(slack(Op::hardswish, 3.0L, none, digits), 0.0);
    EXPECT_EQ(slack(Op::hardswish, -3.0L, none, digits), 0.0);
    EXPECT_EQ(slack(Op::hardsigmoid, 3.0L, none, digits), 0.0);
    EXPECT_EQ(slack(Op::threshold, 0.5L, threshold, digits), 0.0);
    EXPECT_EQ(slack(Op::hardshrink, 0.5L, hardshrink, digits), 0.0);
    EXPECT_EQ(slack(Op::hardshrink, -0.5L, hardshrink, digits), 0.0);
  }
  // sigmoid'(-80) = 1.8e-35: 0 is off by all of it, the f'' term (80 2^-53 of it) aside.
  const long double exact = ref::derivative(Op::sigmoid, -80.0L, none);
  const long double tail_slack = ref::derivative_slack(Op::sigmoid, -80.0L, none, 53);
  EXPECT_GT(ref::BackwardError<double>(0.0, exact, tail_slack), 1e15);
  EXPECT_EQ(ref::BackwardError<double>(static_cast<double>(exact), exact, tail_slack), 0.0);
  EXPECT_GT(ref::BackwardError<float>(0.0f, exact, tail_slack), 1e6);
}

// Declared properties: range, symmetry, monotonicity, on the float32 sweep.
TEST_P(OpTest, RegistryPropertiesHold) {
  const Op op = GetParam();
  const OpInfo& o = info(op);
  const Params params = ref::TestParams(op)[0];
  std::vector<float> xs = ref::SweepInputs<float>(1 << 16);
  std::erase_if(xs, [](float v) { return std::isnan(v); });
  std::sort(xs.begin(), xs.end());
  std::vector<float> y(xs.size()), ny(xs.size()), neg(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) neg[i] = -xs[i];
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    forward(op, xs, y, params);
    forward(op, neg, ny, params);
    for (size_t i = 0; i < xs.size(); ++i) {
      if (op != Op::threshold) {  // its range depends on the required parameters
        ASSERT_GE(y[i], o.range_lo) << "x = " << xs[i];
        ASSERT_LE(y[i], o.range_hi) << "x = " << xs[i];
      }
      if (o.flags & kOdd) {
        ASSERT_EQ(ny[i], -y[i]) << "x = " << xs[i];
      }
      if ((o.flags & kMonotone) && i > 0) {
        // Faithful rounding may step back by one ULP of the output, never more.
        const float prev = y[i - 1];
        const float tol =
            std::isinf(prev) ? 0.0f : std::nextafter(std::fabs(prev), INFINITY) - std::fabs(prev);
        ASSERT_GE(y[i], prev - tol) << "not monotone at x = " << xs[i];
      }
      if (op == Op::sigmoid) {
        ASSERT_NEAR(static_cast<double>(y[i]) + ny[i], 1.0, 0x1p-24) << "x = " << xs[i];
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Registry, OpTest, ::testing::ValuesIn(OpsWith(0)), OpName);
INSTANTIATE_TEST_SUITE_P(Registry, ParamGradTest, ::testing::ValuesIn(OpsWith(kParamGrad)), OpName);

// The spec's limits and tails, stated as numbers.
TEST(SpecValues, LimitsAndTails) {
  auto f = [](const char* fn, float x, const Params& p = {}) {
    std::vector<float> in{x}, out(1);
    forward(op_from_name(fn), in, out, p);
    return out[0];
  };
  const float inf = INFINITY;
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    EXPECT_EQ(f("sigmoid", -inf), 0.0f);
    EXPECT_EQ(f("softplus", -inf), 0.0f);
    EXPECT_EQ(f("logsigmoid", inf), 0.0f);
    EXPECT_TRUE(std::signbit(f("logsigmoid", inf)));
    for (const char* fn : {"silu", "gelu", "gelu_tanh", "mish", "quick_gelu", "hardswish"}) {
      EXPECT_EQ(f(fn, -inf), 0.0f) << fn;
      EXPECT_EQ(f(fn, inf), inf) << fn;
    }
    EXPECT_EQ(f("hardswish", 3e38f), 3e38f);
    EXPECT_EQ(f("softplus", 1e30f), 1e30f);
    EXPECT_EQ(f("relu", NAN) != f("relu", NAN), true) << "relu(NaN) must be NaN";
    EXPECT_NEAR(f("silu", -88.0f), -5.3e-37f, 0.05e-37f);
    EXPECT_NEAR(f("elu", -1e-30f), -1e-30f, 1e-37f);
    EXPECT_NEAR(f("gelu", -10.0f), -7.62e-23f, 0.01e-23f);
    EXPECT_NEAR(f("sigmoid", -100.0f), 3.7e-44f, 0.1e-44f);
    EXPECT_GT(f("sigmoid", -100.0f), 0.0f) << "sigmoid(-100) is a subnormal, not 0";
  });
}

// Kink values are part of the contract: exact, on every target.
TEST(SpecValues, KinkDerivatives) {
  auto g = [](const char* fn, float x, const Params& p = {}) {
    std::vector<float> in{x}, dy{1.0f}, out(1);
    backward(op_from_name(fn), in, dy, out, p);
    return out[0];
  };
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    EXPECT_EQ(g("relu", 0), 0.0f);
    EXPECT_EQ(g("leaky_relu", 0), 0.01f);
    EXPECT_EQ(g("elu", 0, {{"alpha", 0.5}}), 0.5f);
    EXPECT_FLOAT_EQ(g("selu", 0), 1.0507009873554805f * 1.6732632423543772f);
    EXPECT_EQ(g("hardtanh", -1), 0.0f);
    EXPECT_EQ(g("hardtanh", 1), 0.0f);
    EXPECT_EQ(g("relu6", 0), 0.0f);
    EXPECT_EQ(g("relu6", 6), 0.0f);
    EXPECT_EQ(g("hardsigmoid", -3), 0.0f);
    EXPECT_EQ(g("hardsigmoid", 3), 0.0f);
    EXPECT_EQ(g("hardswish", -3), -0.5f);
    EXPECT_EQ(g("hardswish", 3), 1.5f);
    EXPECT_EQ(g("threshold", 0.5f, {{"threshold", 0.5}, {"value", 2}}), 0.0f);
    EXPECT_EQ(g("hardshrink", 0.5f), 0.0f);
    EXPECT_EQ(g("hardshrink", -0.5f), 0.0f);
  });
}

// The spec's backward bound without its former absolute allowance: in the tails (and for tiny
// dy, where dy f'(x) nears the subnormals) the gradient is right relatively, not just small.
// f'' for the bound's second term is a central difference of the reference derivative.
// The float-lane backward passes in their tails, with dy far from 1 either way: a scale applied
// to dy before the product underflowed there (silu gave -0 for -8.3e-44 at x = -61.7 with
// dy = 2^-60).
TEST(SpecValues, FloatLaneBackwardTailsAreRelative) {
  struct Case {
    const char* fn;
    std::vector<float> xs;
  };
  const Case cases[] = {
      {"tanh", {-60, -43.5f, -30, -10, -1e-20f, 0.3f, 9, 20, 42.9f, 44}},
      {"tanhshrink", {-30, -9, -0.49f, -1e-10f, 1e-20f, 3e-3f, 0.51f, 12}},
      {"gelu_tanh", {-10.5f, -9.95f, -9.85f, -8, -5, -0.75f, 1e-30f, 3, 9.8f, 11}},
      {"mish", {-90, -86.5f, -85.9f, -80, -40, -20, -1.19f, 1e-30f, 5, 11, 12}},
      {"sigmoid", {-90, -86.5f, -85.9f, -80, -61.7f, -20, -1, 3, 20, 90}},
      {"silu", {-90, -86.5f, -85.9f, -80, -61.712f, -30, -1.28f, 1e-30f, 5, 20}},
      {"quick_gelu", {-55, -50.5f, -50.4f, -36.26f, -20, -0.75f, 1e-30f, 5, 20}},
      {"elu", {-110, -90, -87.5f, -86, -61.7f, -20, -1e-30f, 1e-30f, 5}},
      {"selu", {-110, -90, -87.5f, -86, -61.7f, -20, -1e-30f, 1e-30f, 5}},
      {"celu", {-110, -90, -87.5f, -86, -61.7f, -20, -1e-30f, 1e-30f, 5}},
      {"softplus", {-110, -90, -87.5f, -86, -61.7f, -20, -1, 0, 15, 25}},
      {"logsigmoid", {-25, -15, 0, 1, 20, 61.7f, 86, 87.5f, 90, 110}},
  };
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    for (const Case& c : cases) {
      const Op op = op_from_name(c.fn);
      const std::vector<double> p = ref::KernelParams<float>(op, {});
      // The largest floats: an intermediate dy m (m in [1, 2)) overflowed in elu, selu and
      // celu, and gave inf (selu: NaN) where dy f'(x) is finite.
      for (const float dy : {1.0f, -3.0f, 0x1p-60f, 0x1p60f, 0x1.fffffep127f, -0x1.8p127f}) {
        std::vector<float> dys(c.xs.size(), dy), dx(c.xs.size());
        backward(op, c.xs, dys, dx);
        for (size_t i = 0; i < c.xs.size(); ++i) {
          const long double x = c.xs[i];
          const long double want = dy * ref::derivative(op, x, p.data());
          if (std::fabs(want) >= 0x1.ffffffp127L) {  // rounds to +-inf
            EXPECT_EQ(dx[i], want > 0 ? HUGE_VALF : -HUGE_VALF)
                << c.fn << " x = " << c.xs[i] << " dy = " << dy;
            continue;
          }
          const long double h = std::max(std::fabs(x) * 0x1p-20L, 0x1p-120L);
          const long double f2 =
              (ref::derivative(op, x + h, p.data()) - ref::derivative(op, x - h, p.data())) /
              (2 * h);
          const long double allowed =
              2 * ref::UlpOf<float>(want) + 0x1p-24L * std::fabs(dy * x * f2);
          EXPECT_LE(std::fabs(dx[i] - want), allowed)
              << c.fn << " x = " << c.xs[i] << " dy = " << dy << ": " << dx[i] << " vs "
              << static_cast<double>(want);
        }
      }
    }
  });
}

// The float-lane piecewise kernels' exact-product tricks at their edges: rrelu's slope split
// (head toward zero, so that -inf times head and tail adds no NaN), relu_squared's doubling
// (2 dy overflows in float where 2 r dy does not), hardswish's tiny lanes (x/2 + x^2/6 ties
// on the subnormal grid break upward), NaN kept by the kernels that skip Map's pass-through.
TEST(SpecValues, FloatLanePiecewiseEdges) {
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<float> y(4), dx(4);
    // rrelu eval: slope (0.1 + 0.3)/2 in float parameters, not a float itself.
    const Params rp{{"lower", 0.1}, {"upper", 0.3}};
    forward(Op::rrelu, std::vector<float>{-INFINITY, -0.0f, -3.0f, NAN}, y, rp);
    EXPECT_EQ(y[0], -INFINITY);
    EXPECT_TRUE(y[1] == 0 && std::signbit(y[1]));
    const double slope = 0.5 * (double{0.1f} + double{0.3f});
    EXPECT_EQ(y[2], static_cast<float>(-3.0 * slope));
    EXPECT_TRUE(std::isnan(y[3]));
    backward(Op::rrelu, std::vector<float>{-1, -1, 2, -1},
             std::vector<float>{-INFINITY, 5, 7, 0x1p-149f}, dx, rp);
    EXPECT_EQ(dx[0], INFINITY * static_cast<float>(-slope));
    EXPECT_EQ(dx[1], static_cast<float>(5 * slope));
    EXPECT_EQ(dx[2], 7.0f);
    // relu_squared: 2 * 0.25 * 1.5 2^127 is finite; 2 * 2^-140 * 2^-9 is subnormal.
    backward(Op::relu_squared, std::vector<float>{0.25f, 0x1p-140f, -1, NAN},
             std::vector<float>{0x1.8p127f, 0x1p-9f, 1, 1}, dx);
    EXPECT_EQ(dx[0], 0x1.8p126f);
    EXPECT_EQ(dx[1], 0x1p-148f);
    EXPECT_EQ(dx[2], 0.0f);
    EXPECT_TRUE(std::isnan(dx[3]));
    // hardswish(x) = x/2 + x^2/6: 2^-100 and 2^-99 on both sides of the float-lane range's
    // edge, -0 kept; -3 and below give -0.
    forward(Op::hardswish, std::vector<float>{0x1p-99f, -0.0f, 0x1p-100f, -5}, y);
    EXPECT_EQ(y[0], 0x1p-100f);
    EXPECT_TRUE(y[1] == 0 && std::signbit(y[1]));
    EXPECT_EQ(y[2], 0x1p-101f);
    EXPECT_TRUE(y[3] == 0 && std::signbit(y[3]));
    // The double lanes share the FMA form and its zeros.
    std::vector<double> yd(2);
    forward(Op::hardswish, std::vector<double>{-0.0, -5}, yd);
    EXPECT_TRUE(yd[0] == 0 && std::signbit(yd[0]));
    EXPECT_TRUE(yd[1] == 0 && std::signbit(yd[1]));
    // softsign past 2^25 rounds to +-1; just below, to 1 - 2^-24.
    forward(Op::softsign, std::vector<float>{0x1p26f, -INFINITY, 0x1p24f, -0.0f}, y);
    EXPECT_EQ(y[0], 1.0f) << std::hexfloat << y[0];
    EXPECT_EQ(y[1], -1.0f) << std::hexfloat << y[1];
    EXPECT_EQ(y[2], 1.0f - 0x1p-24f) << std::hexfloat << y[2];
    EXPECT_TRUE(y[3] == 0 && std::signbit(y[3]));
  });
}

TEST(SpecValues, NanInNanOutEveryDirection) {
  for (const OpInfo& o : all_ops()) {
    const Params p = ref::TestParams(o.op)[0];
    std::vector<float> x{NAN, 1.0f}, dy{1.0f, NAN}, out(2);
    forward(o.op, x, out, p);
    EXPECT_TRUE(std::isnan(out[0])) << o.name;
    backward(o.op, x, dy, out, p);
    EXPECT_TRUE(std::isnan(out[0])) << o.name << " backward, NaN x";
    EXPECT_TRUE(std::isnan(out[1])) << o.name << " backward, NaN dy";
    if (o.flags & kFromY) {
      backward_from_y(o.op, x, dy, out, p);
      EXPECT_TRUE(std::isnan(out[0])) << o.name << " backward_from_y, NaN y";
      EXPECT_TRUE(std::isnan(out[1])) << o.name << " backward_from_y, NaN dy";
    }
  }
}

// The element-wise loops test a block of vectors for NaN at once and blend NaN through only in
// a block that has one (or an infinity, or a sum that overflows: those take the blends too).
// Whatever path a block takes, an array call gives bit for bit what one-element calls (the
// tail, through one zero-filled vector) give, NaN included, on every target, in every direction
// and mode; and NaN wherever x or dy is.
TEST(SpecValues, ArrayCallsMatchOneElementCallsAroundNaN) {
  // Blocks of four AVX-512 vectors, then a single vector and a tail (more blocks on AVX2 and
  // SSE4, the same positions).
  const size_t n = 64 * 4 + 16 + 5;
  std::vector<float> x(n), dy(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = -7.0f + 14.0f * static_cast<float>((i * 37) % 101) / 100.0f;
    dy[i] = static_cast<float>(static_cast<int>((i * 13) % 17) - 8) / 4.0f;
  }
  const float qnan = std::numeric_limits<float>::quiet_NaN();
  x[3] = qnan;                                  // block 0: x
  dy[70] = -qnan;                               // block 1: dy
  x[140] = qnan;                                // block 2: both, other lanes
  dy[141] = std::bit_cast<float>(0x7fc01234u);  //   (a payload)
  x[150] = INFINITY;                            // block 2 again: -inf + inf
  x[166] = -INFINITY;
  x[200] = 3e38f;  // block 3: an overflowing sum
  dy[200] = 3e38f;
  x[216] = 3e38f;
  dy[216] = -3e38f;
  dy[260] = qnan;   // the single vector
  x[n - 2] = qnan;  // the tail
  auto same = [](float a, float b) {
    return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
  };
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    for (const OpInfo& o : all_ops()) {
      for (const Params& p : ref::TestParams(o.op)) {
        for (const Options opt : {Options{}, Options{.accuracy = Accuracy::fast}}) {
          std::vector<float> out(n), one(1);
          auto check = [&](const char* direction, auto call) {
            call(std::span<const float>(x), std::span<const float>(dy), std::span<float>(out));
            for (size_t i = 0; i < n; ++i) {
              call(std::span<const float>(&x[i], 1), std::span<const float>(&dy[i], 1),
                   std::span<float>(one));
              ASSERT_TRUE(same(out[i], one[0]))
                  << o.name << " " << direction << " " << name(opt.accuracy) << " at " << i << ": "
                  << out[i] << " in the array, " << one[0] << " alone";
              if (std::isnan(x[i]) ||
                  (std::string_view(direction) != "forward" && std::isnan(dy[i]))) {
                ASSERT_TRUE(std::isnan(out[i])) << o.name << " " << direction << " at " << i;
              }
            }
          };
          check("forward", [&](auto xs, auto, auto ys) { forward(o.op, xs, ys, p, opt); });
          check("backward",
                [&](auto xs, auto ds, auto ys) { backward(o.op, xs, ds, ys, p, nullptr, opt); });
          if (o.flags & kFromY) {
            check("backward_from_y",
                  [&](auto xs, auto ds, auto ys) { backward_from_y(o.op, xs, ds, ys, p, opt); });
          }
        }
      }
    }
  });
}

TEST(Prelu, PerChannelSlopesAndTheirGradient) {
  // [outer=2, channels=3, inner=4]
  const std::vector<float> w = {0.1f, -0.2f, 0.3f};
  std::vector<float> x(24), y(24), dy(24), dx(24);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(i % 5) - 2.5f;
    dy[i] = ref::UpstreamGradient<float>(i);
  }
  std::vector<double> dw(3);
  prelu(x, y, w, 4);
  prelu_backward(x, dy, dx, w, 4, dw);
  std::vector<double> expect_dw(3, 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = (i / 4) % 3;
    EXPECT_EQ(y[i], x[i] > 0 ? x[i] : w[c] * x[i]) << i;
    EXPECT_EQ(dx[i], x[i] > 0 ? dy[i] : w[c] * dy[i]) << i;
    if (x[i] <= 0) expect_dw[c] += static_cast<double>(x[i]) * dy[i];
  }
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(dw[c], expect_dw[c], 1e-12) << c;
  EXPECT_THROW(prelu(x, y, w, 5), Error);
}

TEST(Rrelu, TrainingDrawsSlopesInRangeAndBackwardReusesThem) {
  const Params p = {{"training", 1}, {"seed", 7}};
  std::vector<float> x(1000, -1.0f), y(1000), dy(1000, 1.0f), dx(1000);
  forward(Op::rrelu, x, y, p);
  backward(Op::rrelu, x, dy, dx, p);
  float lo = 1, hi = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(dx[i], -y[i]) << "backward must use the forward's slope at " << i;
    lo = std::min(lo, -y[i]);
    hi = std::max(hi, -y[i]);
  }
  EXPECT_GE(lo, 0.125f);
  EXPECT_LE(hi, 1.0f / 3.0f);
  EXPECT_GT(hi - lo, 0.15f) << "slopes should spread over [lower, upper]";
  std::vector<float> y2(1000);
  forward(Op::rrelu, x, y2, {{"training", 1}, {"seed", 8}});
  EXPECT_NE(y, y2) << "another seed, other slopes";
}

// Errors: one type, a message that says what was wrong, and outputs left untouched.
TEST(Errors, MessagesNameTheProblem) {
  std::vector<float> x(4, 1.0f), y(3, 7.0f), y4(4, 7.0f), dy(4, 1.0f);
  EXPECT_EQ(ErrorOf([&] { gelu(x, y); }), "activ::forward(gelu): x has 4 elements but y has 3");
  EXPECT_EQ(y, std::vector<float>(3, 7.0f)) << "output must be untouched";
  EXPECT_NE(ErrorOf([&] { op_from_name("gelu_fast"); }).find("valid names: identity, sigmoid"),
            std::string::npos);
  EXPECT_EQ(op_from_name("swish"), Op::silu);
  EXPECT_EQ(ErrorOf([&] {
              elu(x, y4, {{"beta", 1}});
            }),
            "elu: unknown parameter 'beta'; its parameters are alpha");
  EXPECT_EQ(ErrorOf([&] {
              softplus(x, y4, {{"beta", 0}});
            }),
            "softplus: parameter beta must be a finite number other than 0, got 0");
  EXPECT_EQ(ErrorOf([&] {
              backward_from_y(Op::elu, x, dy, y4, {{"alpha", -1}});
            }),
            "activ::backward_from_y(elu): needs alpha >= 0, got -1; with a negative value y does "
            "not determine f'(x). Use backward from x");
  EXPECT_NE(
      ErrorOf([&] { backward_from_y(Op::gelu, x, dy, y4); }).find("Available from y: identity"),
      std::string::npos);
  EXPECT_EQ(ErrorOf([&] { threshold(x, y4); }),
            "threshold: parameter threshold is required (it has no default)");
  EXPECT_EQ(ErrorOf([&] {
              hardtanh(x, y4, {{"min_val", 2}});
            }),
            "hardtanh: min_val (2) must not exceed max_val (1)");
  EXPECT_EQ(ErrorOf([&] {
              squareplus(x, y4, {{"b", -1}});
            }),
            "squareplus: parameter b must be a finite number > 0, got -1");
  double g = 0;
  EXPECT_NE(ErrorOf([&] { backward(Op::gelu, x, dy, y4, {}, &g); }).find("no trainable parameter"),
            std::string::npos);
  EXPECT_EQ(y4, std::vector<float>(4, 7.0f)) << "output must be untouched";
}

TEST(ParseActivation, NamesParametersAndLists) {
  const Activation a = parse_activation(" elu( alpha = 0.5 ) ");
  EXPECT_EQ(a.op, Op::elu);
  ASSERT_NE(a.params.find("alpha"), nullptr);
  EXPECT_EQ(*a.params.find("alpha"), 0.5);
  EXPECT_EQ(a.to_string(), "elu(alpha=0.5)");
  EXPECT_EQ(parse_activation(a.to_string()).to_string(), a.to_string());
  EXPECT_EQ(parse_activation("swish").op, Op::silu);
  EXPECT_EQ(parse_activation("gelu()").op, Op::gelu);
  const auto list = parse_activation_list("relu,hardtanh(min_val=-2, max_val=2),gelu_tanh");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].op, Op::hardtanh);
  EXPECT_EQ(*list[1].params.find("max_val"), 2.0);
  EXPECT_EQ(list[2].op, Op::gelu_tanh);
}

// One grammar: the lab's colon spelling reads as the parenthesised one, and the gated units'
// names are activations that gate.
TEST(ParseActivation, ColonSpellingAndGatedUnits) {
  const Activation c = parse_activation("threshold:threshold=1,value=0.5");
  EXPECT_EQ(c.op, Op::threshold);
  EXPECT_FALSE(c.gated);
  EXPECT_EQ(c.to_string(), parse_activation("threshold(threshold=1, value=0.5)").to_string());
  const Activation s = parse_activation("swiglu:beta=2");
  EXPECT_EQ(s.op, Op::silu);
  EXPECT_TRUE(s.gated);
  EXPECT_EQ(s.to_string(), "swiglu(beta=2)");
  EXPECT_EQ(parse_activation(s.to_string()).to_string(), s.to_string());
  const Activation g = parse_activation("gated_tanh");
  EXPECT_EQ(g.op, Op::tanh);
  EXPECT_TRUE(g.gated);
  EXPECT_EQ(g.to_string(), "gated_tanh");
  EXPECT_EQ(parse_activation("glu").op, Op::sigmoid);
  // After a colon, the name=value items belong to the entry; a name starts the next one.
  const auto list = parse_activation_list("threshold:threshold=1,value=0,relu,elu:alpha=0.5");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(*list[0].params.find("value"), 0.0);
  EXPECT_EQ(list[1].op, Op::relu);
  EXPECT_EQ(*list[2].params.find("alpha"), 0.5);
  EXPECT_EQ(ErrorOf([] { parse_activation("elu:alpha"); }),
            "activ: cannot parse 'elu:alpha' at position 5: expected name=value");
  EXPECT_EQ(ErrorOf([] { parse_activation("elu:alpha=x"); }),
            "activ: cannot parse 'elu:alpha=x' at position 11: expected a number for alpha");
  EXPECT_EQ(ErrorOf([] { parse_activation("elu:"); }),
            "activ: cannot parse 'elu:' at position 5: empty parameter");
  const std::string unknown = ErrorOf([] { parse_activation("relu7"); });
  EXPECT_NE(unknown.find("; gated units: glu, bilinear, reglu, geglu, geglu_tanh, swiglu, "
                         "gated_<function>"),
            std::string::npos)
      << unknown;
}

TEST(ParseActivation, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(ErrorOf([] { parse_activation("elu(alpha=)"); }),
            "activ: cannot parse 'elu(alpha=)' at position 11: expected a number for alpha");
  EXPECT_EQ(ErrorOf([] { parse_activation("elu(alpha=0.5"); }),
            "activ: cannot parse 'elu(alpha=0.5' at position 4: missing ')'");
  EXPECT_EQ(ErrorOf([] { parse_activation("elu(alpha=1, alpha=2)"); }),
            "activ: cannot parse 'elu(alpha=1, alpha=2)' at position 13: alpha given twice");
  EXPECT_EQ(ErrorOf([] { parse_activation("elu(beta=1)"); }),
            "elu: unknown parameter 'beta'; its parameters are alpha");
  EXPECT_EQ(ErrorOf([] { parse_activation("threshold"); }),
            "threshold: parameter threshold is required (it has no default)");
  EXPECT_NE(ErrorOf([] { parse_activation("relu7"); }).find("unknown function 'relu7'"),
            std::string::npos);
  EXPECT_EQ(ErrorOf([] { parse_activation_list("relu,,gelu"); }),
            "activ: cannot parse 'relu,,gelu' at position 6: empty entry");
}

TEST(Registry, NamesRoundTripAndTargetsAreReported) {
  for (const OpInfo& o : all_ops()) {
    EXPECT_EQ(op_from_name(o.name), o.op);
    EXPECT_EQ(&info(o.op), &o);
  }
  EXPECT_EQ(all_ops().size(), kNumOps);
  EXPECT_FALSE(simd_target().empty());
  EXPECT_GE(compiled_targets().size(), 2u);
  EXPECT_EQ(version(), "0.1.0");
}

}  // namespace
}  // namespace activ
