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

// Every input of the format: the result is the correctly rounded value or its neighbour, and is
// exactly the float32 result rounded once more (the spec's definition).
template <class F>
void CheckAllInputs(Op op) {
  using S = typename F::Storage;
  const std::vector<S> xs = AllValues<F>();
  std::vector<float> xf(xs.size()), yf(xs.size()), dyf(xs.size()), dxf(xs.size());
  std::vector<S> y(xs.size()), dy(xs.size()), dx(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    xf[i] = to_float(xs[i]);
    if constexpr (std::is_same_v<S, bfloat16>) {
      dy[i] = to_bfloat16(ref::UpstreamGradient<float>(i));
    } else {
      dy[i] = to_float16(ref::UpstreamGradient<float>(i));
    }
    dyf[i] = to_float(dy[i]);
  }
  for (const Params& params : ref::TestParams(op)) {
    // The 16-bit types compute with parameters rounded to float32, like float32 itself.
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    forward(op, xf, yf, params);
    backward(op, xf, dyf, dxf, params);
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + F::kName);
      forward(op, xs, y, params);
      backward(op, xs, dy, dx, params);
      size_t inexact = 0;
      for (size_t i = 0; i < xs.size(); ++i) {
        const float got = to_float(y[i]);
        const double steps = ref::StepsFromCorrect<F>(got, ref::forward(op, xf[i], p.data()));
        ASSERT_LE(steps, 1.0) << "forward x=" << xf[i] << " got " << got;
        inexact += steps > 0;
        S once_more;
        if constexpr (std::is_same_v<S, bfloat16>) {
          once_more = to_bfloat16(yf[i]);
        } else {
          once_more = to_float16(yf[i]);
        }
        if (!std::isnan(got)) {
          ASSERT_EQ(y[i].bits, once_more.bits) << "x=" << xf[i];
        }
        const long double exact =
            static_cast<long double>(dyf[i]) * ref::derivative(op, xf[i], p.data());
        const float g = to_float(dx[i]);
        const double gsteps = ref::StepsFromCorrect<F>(g, exact);
        // The spec's f'' term for the 16-bit x (p = 8 or 11 bits).
        const bool within_slack =
            std::fabs(g - exact) <= std::fabs(static_cast<long double>(dyf[i])) *
                                        ref::derivative_slack(op, xf[i], p.data(), F::kDigits);
        ASSERT_TRUE(gsteps <= 1.0 || within_slack)
            << "backward x=" << xf[i] << " got " << g << " exact " << static_cast<double>(exact);
      }
      // Double rounding (to float32, then to 16 bits) leaves some results one step off, most
      // where float32 itself is subnormal; docs/ACCURACY.md counts them per function.
      ::testing::Test::RecordProperty(std::string(F::kName) + "_not_correctly_rounded",
                                      static_cast<int>(inexact));
    });
  }
}

TEST_P(HalfTest, BfloatAllInputs) { CheckAllInputs<ref::Bf16Format>(GetParam()); }
TEST_P(HalfTest, HalfAllInputs) { CheckAllInputs<ref::F16Format>(GetParam()); }

// Mixed forms equal the plain float32 computation with one conversion at the edge.
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
    forward(op, xf, yf, params);
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

std::vector<Op> OpsWith(unsigned flags) {
  std::vector<Op> ops;
  for (const OpInfo& o : all_ops()) {
    if ((o.flags & flags) == flags) ops.push_back(o.op);
  }
  return ops;
}

std::string OpName(const ::testing::TestParamInfo<Op>& i) { return std::string(name(i.param)); }

INSTANTIATE_TEST_SUITE_P(Registry, HalfTest, ::testing::ValuesIn(OpsWith(0)), OpName);
INSTANTIATE_TEST_SUITE_P(Registry, HalfFromYTest, ::testing::ValuesIn(OpsWith(kFromY)), OpName);

}  // namespace
}  // namespace activ
