// The float32 backward check with upstream gradients from 2^-60 to -FLT_MAX, shared by the
// faithful kernels' test (kernel_test.cc) and the fast kernels' (fast_test.cc), which differ
// only in the options, the bound, and what they accept next to the largest float.
#pragma once

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "test_util.h"
#include "ulp.h"

namespace activ::test {

// Inputs every 1/8 from -120 to 30 and the zeros of f' (CriticalInputs), for every parameter set
// and target: dy f'(x) within `bound` ULP beyond the backward bound, also where f'(x) alone is far
// below float32's range and dy brings it back (gelu'(-18) 2^126 is -2.7e-32), or where it is
// large and dy small.
// Where the exact result rounds to infinity, the faithful rule (inf_within_bound false) wants that
// infinity. The fast rule counts the infinity of the result's sign as the float after the
// largest: where the exact result is within `bound` ULP (2^104 each) of the largest float, on
// either side of the point where it rounds to infinity, both the infinity and a finite result
// within the bound are right.
inline void CheckFloat32BackwardWithExtremeUpstream(Op op, const Options& options, double bound,
                                                    bool inf_within_bound) {
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    std::vector<float> xs;
    for (int i = -960; i <= 240; ++i) xs.push_back(static_cast<float>(i) / 8.0f);
    for (float x : ref::CriticalInputs<float>(op, params)) {
      if (std::isfinite(x)) xs.push_back(x);
    }
    const size_t n = xs.size();
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + std::string(name(op)));
      for (const float dy : {0x1p-60f, -0x1p60f, 0x1p126f, -0x1.fffffep127f}) {
        std::vector<float> dys(n, dy), dx(n);
        backward(op, std::span<const float>(xs), std::span<const float>(dys), std::span<float>(dx),
                 params, nullptr, options);
        double worst = 0;
        size_t at = 0;
        for (size_t i = 0; i < n; ++i) {
          const long double want = dy * ref::derivative(op, xs[i], p.data());
          const long double top = 0x1.fffffep127L, ulp = 0x1p104L;
          const bool right_sign = std::signbit(dx[i]) == std::signbit(want);
          if (inf_within_bound && std::isinf(dx[i]) && right_sign &&
              std::fabs(want) >= top - bound * ulp) {
            continue;
          }
          if (std::fabs(want) >= 0x1.ffffffp127L) {  // rounds to +-inf
            if (inf_within_bound) {
              EXPECT_TRUE(std::fabs(std::fabs(want) - std::fabs(static_cast<long double>(dx[i]))) <=
                              bound * ulp &&
                          right_sign)
                  << "x " << xs[i] << " dy " << dy << ": " << dx[i] << " against +-inf";
            } else {
              EXPECT_EQ(dx[i], want > 0 ? HUGE_VALF : -HUGE_VALF) << "x " << xs[i] << " dy " << dy;
            }
            continue;
          }
          const long double slack = std::fabs(static_cast<long double>(dy)) *
                                    ref::derivative_slack(op, xs[i], p.data(), 24);
          const double e = ref::BackwardError<float>(dx[i], want, slack);
          if (e > worst) {
            worst = e;
            at = i;
          }
        }
        EXPECT_LE(worst, bound) << "dy " << dy << ", worst at x " << xs[at] << ": " << dx[at]
                                << " against "
                                << static_cast<double>(dy * ref::derivative(op, xs[at], p.data()));
      }
    });
  }
}

}  // namespace activ::test
