// The screened measurement of the exhaustive float32 check (accuracy/measure.h): it must report
// what the plain long double measurement reports — the same largest error, input and counts —
// for activ's results and for results deliberately one and two ULP off, and the double
// evaluation of the reference formulas must stay far inside the screen's margin.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "ulp.h"

namespace activ {

void PrintTo(Op op, std::ostream* os) { *os << name(op); }

namespace {

using ref::Direction;

class ScreenTest : public ::testing::TestWithParam<Op> {};

void ExpectSame(const ref::Stats& plain, const ref::Stats& screened, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(plain.count, screened.count);
  EXPECT_EQ(plain.over_half, screened.over_half);
  EXPECT_EQ(plain.over_one, screened.over_one);
  if (std::isinf(plain.max_ulp)) {
    EXPECT_EQ(plain.max_ulp, screened.max_ulp);
  } else {
    EXPECT_NEAR(plain.max_ulp, screened.max_ulp, ref::kScreenMargin);
  }
  if (plain.max_ulp > ref::kScreenMargin && std::isfinite(plain.max_ulp)) {
    // Exact ties aside, the same input.
    const long double x = plain.worst_x, y = screened.worst_x;
    EXPECT_TRUE(x == y || std::fabs(plain.max_ulp - screened.max_ulp) < ref::kScreenMargin)
        << "plain worst x " << static_cast<double>(x) << ", screened " << static_cast<double>(y);
  }
}

TEST_P(ScreenTest, AgreesWithTheLongDoubleMeasurement) {
  const Op op = GetParam();
  const std::vector<float> xs = ref::SweepInputs<float>(1 << 16);
  std::vector<float> dy(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) dy[i] = ref::UpstreamGradient<float>(i);
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    for (Direction dir : {Direction::kForward, Direction::kBackward}) {
      std::vector<float> good(xs.size()), one, two;
      ref::RunActiv<float>(op, dir, params, xs, dy, good);
      // The same results moved by one and by two float32 steps (away from zero), so that the
      // thresholds at 0.5, 1 and 2 ULP are crossed by many results.
      one = two = good;
      for (size_t i = 0; i < good.size(); ++i) {
        if (!std::isfinite(good[i])) continue;
        one[i] = std::nextafter(good[i], std::copysign(INFINITY, good[i]));
        two[i] = std::nextafter(one[i], std::copysign(INFINITY, one[i]));
      }
      const std::vector<double> rd = ref::ScreenReference(op, dir, xs, dy, p.data());
      int k = 0;
      for (const std::vector<float>* out : {&good, &one, &two}) {
        ref::ScreenCheck check;
        const ref::Stats screened =
            ref::MeasureScreened(op, dir, xs, dy, *out, rd, p.data(), false, &check);
        ExpectSame(ref::MeasureResults<float>(op, dir, xs, dy, *out, p.data()), screened,
                   std::string(ref::DirectionName(dir)) + " shifted by " + std::to_string(k++));
        // The double formulas' own error, measured on every 256th result and those near a
        // threshold: far below the margin that decides what is measured again.
        EXPECT_LT(check.max_diff, ref::kScreenMargin / 64) << "at x = " << check.max_diff_x;
        EXPECT_GT(check.rechecked, xs.size() / 256);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, ScreenTest, ::testing::ValuesIn([] {
                           std::vector<Op> ops;
                           for (const OpInfo& o : all_ops()) ops.push_back(o.op);
                           return ops;
                         }()),
                         [](const ::testing::TestParamInfo<Op>& i) {
                           return std::string(name(i.param));
                         });

}  // namespace
}  // namespace activ
