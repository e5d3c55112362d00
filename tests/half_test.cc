// bfloat16 and float16: the conversions, and every function on all 65536 inputs of each type,
// forward and backward, on every compiled SIMD target.
#include "half.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "activ/activ.h"
#include "activ_internal.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "test_util.h"

namespace activ {

void PrintTo(Op op, std::ostream* os) { *os << name(op); }

namespace {

using test::ForEachTarget;
using test::OpName;
using test::OpsWith;

template <class F>
std::vector<typename F::Storage> AllValues() {
  std::vector<typename F::Storage> v(65536);
  for (uint32_t i = 0; i < 65536; ++i) v[i] = {static_cast<uint16_t>(i)};
  return v;
}

// Conversions against the arithmetic reference rounding, on a sweep of float bit patterns that
// includes every exponent, the halfway cases near each power of two, and the specials.
template <class F, class Narrow>
void CheckNarrowing(Narrow narrow) {
  std::vector<float> xs;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 4099)
    xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
  for (float s : ref::SpecialInputs<float>()) xs.push_back(s);
  for (int e = -30; e <= 20; ++e) {
    const float p = std::ldexp(1.0f, e);
    for (float m : {1.0f, 1.0f + 0x1p-8f, 1.0f + 0x1p-9f, 1.0f + 0x1p-11f, 1.0f + 0x1p-12f, 1.5f}) {
      xs.push_back(p * m);
      xs.push_back(-p * m);
    }
  }
  for (float x : xs) {
    const float got = to_float(narrow(x));
    const long double want = ref::RoundToFormat<F>(x);
    if (std::isnan(x)) {
      ASSERT_TRUE(std::isnan(got)) << x;
    } else {
      ASSERT_EQ(static_cast<long double>(got), want) << F::kName << " of " << x;
      ASSERT_EQ(std::signbit(got), std::signbit(x)) << x;
    }
  }
  // Widening is exact and narrowing it back is the identity (NaNs stay NaN).
  for (auto v : AllValues<F>()) {
    const float f = to_float(v);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(to_float(narrow(f))));
    } else {
      ASSERT_EQ(narrow(f).bits, v.bits);
    }
  }
}

TEST(Conversions, BfloatRoundsToNearestEven) {
  CheckNarrowing<ref::Bf16Format>([](float f) { return to_bfloat16(f); });
}
TEST(Conversions, HalfRoundsToNearestEven) {
  CheckNarrowing<ref::F16Format>([](float f) { return to_float16(f); });
}

// The vector conversions of every target give the scalar conversions' bits: identity through
// the mixed float32 -> 16-bit entry point.
TEST(Conversions, VectorStoreMatchesScalarOnEveryTarget) {
  std::vector<float> xs;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 65537)
    xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
  for (float s : ref::SpecialInputs<float>()) xs.push_back(s);
  std::vector<bfloat16> yb(xs.size());
  std::vector<float16> yh(xs.size());
  ForEachTarget([&](const char* target) {
    forward(Op::identity, xs, yb);
    forward(Op::identity, xs, yh);
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(yb[i].bits, to_bfloat16(xs[i]).bits) << target << " x=" << xs[i];
      ASSERT_EQ(yh[i].bits, to_float16(xs[i]).bits) << target << " x=" << xs[i];
    }
  });
}

class HalfTest : public ::testing::TestWithParam<Op> {};

constexpr Options kFast{.accuracy = Accuracy::fast};

template <class F>
typename F::Storage Narrow(float f) {
  if constexpr (std::is_same_v<typename F::Storage, bfloat16>) {
    return to_bfloat16(f);
  } else {
    return to_float16(f);
  }
}

// Steps of the 16-bit type between two values (their sign-magnitude bit patterns' distance;
// infinity is the step after the largest finite value, and -0 and +0 are one value). NaN is 0
// steps from NaN and infinitely many from anything else.
template <class S>
double Steps(S a, S b) {
  const bool na = std::isnan(to_float(a)), nb = std::isnan(to_float(b));
  if (na || nb) return na == nb ? 0.0 : INFINITY;
  const auto ordered = [](uint16_t h) {
    return (h & 0x8000) ? -static_cast<int>(h & 0x7fff) : static_cast<int>(h);
  };
  return std::abs(ordered(a.bits) - ordered(b.bits));
}

// Every input of the format, forward and backward, on every target. The contract (docs/SPEC.md):
// a 16-bit result is the correctly rounded float32 value rounded once more to nearest even, or
// one step of the 16-bit type from it (so within one step of the correctly rounded exact
// value); the backward bound with p = 8 or 11. The results are also exactly what the code says
// they are: the fast mode's float32 result of the same input rounded once more (the fast
// kernels where the operation has one, the faithful ones elsewhere and on targets without FMA).
// How many are not the faithful float32 result rounded once more is recorded per function.
// bfloat16's backward pass also runs with upstream gradients scaled down to 2^-100 and 2^-125,
// so that results and gradients reach bfloat16's subnormals (float16's smallest gradient,
// 2^-24, is a normal float).
template <class F>
void CheckAllInputs(Op op) {
  using S = typename F::Storage;
  constexpr bool kBf16 = std::is_same_v<S, bfloat16>;
  const std::vector<S> xs = AllValues<F>();
  const size_t n = xs.size();
  std::vector<float> xf(n), yf(n), yfast(n), dxf(n), dxfast(n);
  std::vector<S> y(n), dx(n);
  for (size_t i = 0; i < n; ++i) xf[i] = to_float(xs[i]);
  std::vector<float> scales = {1.0f};
  if (kBf16) scales = {1.0f, 0x1p-100f, 0x1p-125f};
  for (const Params& params : ref::TestParams(op)) {
    // The 16-bit types compute with parameters rounded to float32, like float32 itself.
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    std::vector<long double> exact(n), slope(n), slack(n);
    for (size_t i = 0; i < n; ++i) {
      exact[i] = ref::forward(op, xf[i], p.data());
      slope[i] = ref::derivative(op, xf[i], p.data());
      // The spec's f'' term for the 16-bit x (p = 8 or 11 bits), per unit of |dy|.
      slack[i] = ref::derivative_slack(op, xf[i], p.data(), F::kDigits);
    }
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + F::kName);
      forward(op, xf, yf, params);
      forward(op, xf, yfast, params, kFast);
      forward(op, xs, y, params);
      size_t inexact = 0, not_faithful_rounded = 0, not_cr32_rounded = 0, dx_not_faithful = 0;
      for (size_t i = 0; i < n; ++i) {
        const float got = to_float(y[i]);
        ASSERT_EQ(Steps(y[i], Narrow<F>(yfast[i])), 0.0)
            << "forward x=" << xf[i] << " got " << got << ", fast float32 " << yfast[i];
        const S want = Narrow<F>(static_cast<float>(exact[i]));
        const double steps = Steps(y[i], want);
        ASSERT_LE(steps, 1.0) << "forward x=" << xf[i] << " got " << got << ", want "
                              << to_float(want) << " or a neighbour";
        ASSERT_LE(ref::StepsFromCorrect<F>(got, exact[i]), 1.0) << "forward x=" << xf[i];
        not_cr32_rounded += steps > 0;
        inexact += ref::StepsFromCorrect<F>(got, exact[i]) > 0;
        not_faithful_rounded += Steps(y[i], Narrow<F>(yf[i])) > 0;
      }
      for (float scale : scales) {
        std::vector<S> dy(n);
        std::vector<float> dyf(n);
        for (size_t i = 0; i < n; ++i) {
          dy[i] = Narrow<F>(ref::UpstreamGradient<float>(i) * scale);
          dyf[i] = to_float(dy[i]);
        }
        backward(op, xf, dyf, dxf, params);
        backward(op, xf, dyf, dxfast, params, nullptr, kFast);
        backward(op, xs, dy, dx, params);
        for (size_t i = 0; i < n; ++i) {
          const float g = to_float(dx[i]);
          if (scale == 1.0f) dx_not_faithful += Steps(dx[i], Narrow<F>(dxf[i])) > 0;
          ASSERT_EQ(Steps(dx[i], Narrow<F>(dxfast[i])), 0.0)
              << "backward x=" << xf[i] << " dy=" << dyf[i] << " got " << g << ", fast float32 "
              << dxfast[i];
          const long double want = static_cast<long double>(dyf[i]) * slope[i];
          if (!std::isfinite(want)) {
            ASSERT_EQ(ref::StepsFromCorrect<F>(g, want), 0.0)
                << "backward x=" << xf[i] << " dy=" << dyf[i] << " got " << g;
            continue;
          }
          // Past the largest finite value, the infinity that the exact value rounds to.
          if (std::isinf(g) && ref::RoundToFormat<F>(want) == g) continue;
          // |dx - dy f'(x)| <= 2 ulp(dy f'(x)) + 2^-p |dy x f''(x)|, as written.
          // An exact zero has no ULP: the result must be zero there, but for the f'' term.
          const long double ulps = want == 0 ? 0.0L : 2 * ref::FormatUlp<F>(want);
          const long double bound = ulps + std::fabs(static_cast<long double>(dyf[i])) * slack[i];
          ASSERT_LE(std::fabs(g - want), bound)
              << "backward x=" << xf[i] << " dy=" << dyf[i] << " got " << g << " exact "
              << static_cast<double>(want);
        }
      }
      // Where results are not the faithful float32 result rounded once more they come from a
      // fast kernel; a double rounding (to float32, then to 16 bits) leaves some one step off the
      // correctly rounded value either way. docs/ACCURACY.md counts them per function.
      const std::string key = std::string(F::kName) + "_" + target;
      ::testing::Test::RecordProperty(key + "_not_correctly_rounded", static_cast<int>(inexact));
      ::testing::Test::RecordProperty(key + "_not_rn16_of_cr_float32",
                                      static_cast<int>(not_cr32_rounded));
      ::testing::Test::RecordProperty(key + "_not_rn16_of_faithful_float32",
                                      static_cast<int>(not_faithful_rounded));
      ::testing::Test::RecordProperty(key + "_backward_not_rn16_of_faithful_float32",
                                      static_cast<int>(dx_not_faithful));
    });
  }
}

TEST_P(HalfTest, BfloatAllInputs) { CheckAllInputs<ref::Bf16Format>(GetParam()); }
TEST_P(HalfTest, HalfAllInputs) { CheckAllInputs<ref::F16Format>(GetParam()); }

// Mixed forms equal the float32 computation with one conversion at the edge: 16-bit x with
// float32 dy and dx the faithful float32 backward pass exactly.
TEST_P(HalfTest, MixedFormsMatchFloat32) {
  const Op op = GetParam();
  const Params params = ref::TestParams(op)[0];
  std::vector<bfloat16> xb = AllValues<ref::Bf16Format>();
  std::vector<float> xf(xb.size()), yf(xb.size()), dy(xb.size()), dxf(xb.size()), dxm(xb.size());
  std::vector<bfloat16> ym(xb.size());
  for (size_t i = 0; i < xb.size(); ++i) {
    xf[i] = to_float(xb[i]);
    dy[i] = ref::UpstreamGradient<float>(i);
  }
  // Per target: the float32 results themselves may differ between targets (float lanes on
  // FMA targets, double lanes elsewhere), each within 1 ULP.
  ForEachTarget([&](const char* target) {
    // float32 in, 16-bit out: the fast mode's float32 result rounded once more (CheckAllInputs).
    forward(op, xf, yf, params, kFast);
    backward(op, xf, dy, dxf, params);
    forward(op, xf, ym, params);
    backward(op, xb, dy, dxm, params);
    for (size_t i = 0; i < xb.size(); ++i) {
      ASSERT_EQ(ym[i].bits, to_bfloat16(yf[i]).bits) << target << " x=" << xf[i];
      ASSERT_TRUE(std::bit_cast<uint32_t>(dxm[i]) == std::bit_cast<uint32_t>(dxf[i]) ||
                  (std::isnan(dxm[i]) && std::isnan(dxf[i])))
          << target << " x=" << xf[i];
    }
  });
}

class HalfFromYTest : public ::testing::TestWithParam<Op> {};

TEST_P(HalfFromYTest, BackwardFromY) {
  const Op op = GetParam();
  const Params params = ref::TestParams(op)[0];
  const std::vector<float16> xs = AllValues<ref::F16Format>();
  std::vector<float16> y(xs.size()), dy(xs.size(), to_float16(1.0f)), dx(xs.size());
  forward(op, xs, y, params);
  backward_from_y(op, y, dy, dx, params);
  const std::vector<double> p = ref::KernelParams<float>(op, params);
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = to_float(xs[i]);
    const long double exact = ref::derivative(op, x, p.data());
    // From y, the derivative inherits y's rounding to 11 bits.
    const double err = static_cast<double>(std::fabs(to_float(dx[i]) - exact));
    if (std::isnan(exact)) continue;
    ASSERT_LE(err,
              std::max(0x1p-9, 2.0 * static_cast<double>(ref::FormatUlp<ref::F16Format>(exact))))
        << "x=" << x;
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, HalfTest, ::testing::ValuesIn(OpsWith(0)), OpName);
INSTANTIATE_TEST_SUITE_P(Registry, HalfFromYTest, ::testing::ValuesIn(OpsWith(kFromY)), OpName);

}  // namespace
}  // namespace activ
