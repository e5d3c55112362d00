// Accuracy::fast: the bounds of the mode (docs/SPEC.md, Accuracy modes) on every compiled target
// for every function (those without a fast kernel run their faithful one, which must meet them
// too), the special values and limits of the faithful kernels, 16-bit results, and that the
// option reaches the kernels (a function with a fast kernel gives other bits on some input) and
// is checked at every kind of entry point.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "activ/activ.h"
#include "activ/gated.h"
#include "activ/rowwise.h"
#include "extreme_upstream.h"
#include "inputs.h"
#include "measure.h"
#include "test_util.h"

namespace activ {
namespace {

using ref::Direction;
using test::ForEachTarget;

constexpr Options kFast{.accuracy = Accuracy::fast};
constexpr double kFastForwardUlp = 4.0;
constexpr double kFastBackwardUlp = 8.0;

std::vector<Op> AllOps() {
  std::vector<Op> ops;
  for (const OpInfo& o : all_ops()) ops.push_back(o.op);
  return ops;
}

std::string OpName(const ::testing::TestParamInfo<Op>& i) { return std::string(name(i.param)); }

// The targets whose fast table runs the fast kernels: float32 lanes need FMA (AVX2 and up).
bool FastTarget() {
  const std::string_view t = simd_target();
  return t.starts_with("AVX") || t == "AVX2";
}

class FastTest : public ::testing::TestWithParam<Op> {};

// The sweep (every 2^12th float32 bit pattern and the special values), the zeros of f' and both
// tails (ref::CriticalInputs), the float32 tails where the fast kernels scale their results
// into the subnormals: every 2^-8 step of [-120, -80], and every 2^-9 step of [-15, 0], where
// the exponent's argument of gelu_tanh (down to -100), of gelu (-x^2/2, down to -105 where its
// results are subnormal, below -13.2) and of the others is large: a rounded argument shows
// there as hundreds of ULP.
TEST_P(FastTest, Float32WithinTheFastBounds) {
  const Op op = GetParam();
  for (const Params& params : ref::TestParams(op)) {
    std::vector<float> xs = ref::SweepInputs<float>(1 << 20);
    for (float x : ref::CriticalInputs<float>(op, params)) xs.push_back(x);
    for (int i = 0; i <= 40 * 256; ++i) xs.push_back(-80.0f - static_cast<float>(i) / 256.0f);
    for (int i = 1; i <= 15 * 512; ++i) xs.push_back(-static_cast<float>(i) / 512.0f);
    const std::span<const float> in(xs);
    const ref::Exact ef = ref::ExactFor<float>(op, Direction::kForward, in, params);
    const ref::Exact eb = ref::ExactFor<float>(op, Direction::kBackward, in, params);
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + std::string(name(op)));
      const ref::Stats f = ref::MeasureActiv<float>(op, Direction::kForward, in, params, ef, kFast);
      EXPECT_LE(f.max_ulp, kFastForwardUlp) << "forward, worst at x = " << f.worst_x;
      const ref::Stats b =
          ref::MeasureActiv<float>(op, Direction::kBackward, in, params, eb, kFast);
      EXPECT_LE(b.max_ulp, kFastBackwardUlp) << "backward, worst at x = " << b.worst_x;
    });
  }
}

// NaN, the infinities, the zeros and the ends of the range give what the faithful kernels give,
// bit for bit, forward and backward (also with upstream gradients at the ends of the range,
// where a tail that is not exactly 0 would show).
TEST_P(FastTest, SpecialValuesAsFaithful) {
  const Op op = GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  const float big = std::numeric_limits<float>::max();
  const std::vector<float> specials = {std::numeric_limits<float>::quiet_NaN(),
                                       inf,
                                       -inf,
                                       0.0f,
                                       -0.0f,
                                       big,
                                       -big,
                                       std::numeric_limits<float>::denorm_min(),
                                       -std::numeric_limits<float>::denorm_min(),
                                       -200.0f,
                                       200.0f};
  std::vector<float> xs, dys;
  for (float x : specials) {
    for (float g : {1.0f, -1e30f, big, 1e-30f}) {
      xs.push_back(x);
      dys.push_back(g);
    }
  }
  const Params params = ref::TestParams(op).front();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(std::string(target) + " " + std::string(name(op)));
    std::vector<float> y0(xs.size()), y1(xs.size()), d0(xs.size()), d1(xs.size());
    forward(op, std::span<const float>(xs), std::span<float>(y0), params);
    forward(op, std::span<const float>(xs), std::span<float>(y1), params, kFast);
    backward(op, std::span<const float>(xs), std::span<const float>(dys), std::span<float>(d0),
             params);
    backward(op, std::span<const float>(xs), std::span<const float>(dys), std::span<float>(d1),
             params, nullptr, kFast);
    for (size_t i = 0; i < xs.size(); ++i) {
      // A faithful 0 at a subnormal x can be the rounding of a result just above half the least
      // subnormal (gelu(2^-149) is 2^-150 (1 + 0.8 2^-149)), which a fast kernel may round up:
      // not a special value.
      const bool rounded_zero = y0[i] == 0 && xs[i] != 0 &&
                                std::fabs(xs[i]) < std::numeric_limits<float>::min() &&
                                std::fabs(y1[i]) == std::numeric_limits<float>::denorm_min();
      const bool y_special =
          std::isnan(y0[i]) || std::isinf(y0[i]) || (y0[i] == 0 && !rounded_zero);
      if (y_special || std::isnan(xs[i]) || std::isinf(xs[i]) || xs[i] == 0) {
        EXPECT_EQ(std::bit_cast<uint32_t>(y0[i]) | (std::isnan(y0[i]) ? 0x400000u : 0u),
                  std::bit_cast<uint32_t>(y1[i]) | (std::isnan(y1[i]) ? 0x400000u : 0u))
            << "forward at x = " << xs[i] << ": faithful " << y0[i] << ", fast " << y1[i];
      }
      const bool d_special = std::isnan(d0[i]) || std::isinf(d0[i]) || d0[i] == 0;
      if (d_special) {
        EXPECT_TRUE(std::isnan(d0[i])
                        ? std::isnan(d1[i])
                        : d0[i] == d1[i] && std::signbit(d0[i]) == std::signbit(d1[i]))
            << "backward at x = " << xs[i] << ", dy = " << dys[i] << ": faithful " << d0[i]
            << ", fast " << d1[i];
      }
    }
  });
}

// bfloat16 and float16 results of every input within one step of the 16-bit type of the
// faithful float32 result rounded (itself within 1 ULP of float32 of the exact value): all
// 65536 bit patterns, forward.
template <typename H>
void Check16(Op op, const Params& params) {
  std::vector<H> x(65536), y(65536);
  std::vector<float> xf(65536), yf(65536);
  for (uint32_t b = 0; b < 65536; ++b) {
    x[b] = H{static_cast<uint16_t>(b)};
    xf[b] = to_float(x[b]);
  }
  forward(op, std::span<const float>(xf), std::span<float>(yf), params);
  forward(op, std::span<const H>(x), std::span<H>(y), params, kFast);
  int worst = 0;
  for (uint32_t b = 0; b < 65536; ++b) {
    H want;
    if constexpr (std::is_same_v<H, bfloat16>) {
      want = to_bfloat16(yf[b]);
    } else {
      want = to_float16(yf[b]);
    }
    const float w = to_float(want), g = to_float(y[b]);
    if (std::isnan(w) || std::isnan(g)) {
      EXPECT_EQ(std::isnan(w), std::isnan(g)) << "x bits " << b;
      continue;
    }
    // Steps between two values of the type: their sign-magnitude bit patterns' distance.
    const auto ordered = [](uint16_t h) {
      return (h & 0x8000) ? -static_cast<int>(h & 0x7fff) : static_cast<int>(h);
    };
    const int steps = std::abs(ordered(want.bits) - ordered(y[b].bits));
    if (steps > worst) worst = steps;
    EXPECT_LE(steps, 1) << "x = " << xf[b] << ": want " << w << ", got " << g;
    if (steps > 1) return;
  }
}

TEST_P(FastTest, SixteenBitWithinOneStep) {
  const Op op = GetParam();
  const Params params = ref::TestParams(op).front();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(std::string(target) + " " + std::string(name(op)));
    Check16<bfloat16>(op, params);
    Check16<float16>(op, params);
  });
}

INSTANTIATE_TEST_SUITE_P(AllOps, FastTest, ::testing::ValuesIn(AllOps()), OpName);

// softplus's parameters beyond the two sets of TestParams: a negative beta (the result is
// negative, the tail e^t/beta), a threshold under 16 (where the fast kernel selects x itself,
// on the exact beta x as the faithful kernel does: the inputs include those whose beta x
// rounds to the threshold), and betas whose product with x is inexact. Within the fast bound,
// and x itself past the threshold, bit for bit with the faithful kernel there. The backward
// pass (dy sigmoid(beta x), dy itself past the threshold) within the fast backward bound on the
// same inputs and on beta x every 1/64 of [-87, 87] (the fast kernel's common path, which meets
// the faithful kernel's lanes at |beta x| = 87).
TEST(FastSoftplus, Parameters) {
  const std::vector<Params> sets = {{{"beta", -1.5}, {"threshold", 20.0}},
                                    {{"beta", 0.3}, {"threshold", 0.5}},
                                    {{"beta", 3.0}, {"threshold", 2.0}},
                                    {{"beta", 1.0}, {"threshold", 0.0}},
                                    {{"beta", 1.1}, {"threshold", -1.0}}};
  std::vector<float> xs = ref::SweepInputs<float>(1 << 18);
  for (int i = -4096; i <= 4096; ++i) xs.push_back(static_cast<float>(i) / 64.0f);
  for (const Params& params : sets) {
    const double beta = *params.find("beta"), thr = *params.find("threshold");
    std::vector<float> in = xs;
    // x near threshold/beta, a few ULP either side.
    float x0 = static_cast<float>(thr / beta);
    for (int i = 0; i < 8; ++i) x0 = std::nextafter(x0, -INFINITY);
    for (int i = 0; i < 16; ++i, x0 = std::nextafter(x0, INFINITY)) in.push_back(x0);
    for (int i = -87 * 64; i <= 87 * 64; ++i) {
      in.push_back(static_cast<float>(static_cast<double>(i) / 64.0 / beta));
    }
    const std::span<const float> s(in);
    const ref::Exact ef = ref::ExactFor<float>(Op::softplus, Direction::kForward, s, params);
    const ref::Exact eb = ref::ExactFor<float>(Op::softplus, Direction::kBackward, s, params);
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " beta " + std::to_string(beta) + " threshold " +
                   std::to_string(thr));
      const ref::Stats f =
          ref::MeasureActiv<float>(Op::softplus, Direction::kForward, s, params, ef, kFast);
      EXPECT_LE(f.max_ulp, kFastForwardUlp) << "worst at x = " << f.worst_x;
      const ref::Stats b =
          ref::MeasureActiv<float>(Op::softplus, Direction::kBackward, s, params, eb, kFast);
      EXPECT_LE(b.max_ulp, kFastBackwardUlp) << "backward, worst at x = " << b.worst_x;
      std::vector<float> y0(in.size()), y1(in.size());
      forward(Op::softplus, s, std::span<float>(y0), params);
      forward(Op::softplus, s, std::span<float>(y1), params, kFast);
      for (size_t i = 0; i < in.size(); ++i) {
        if (y0[i] == in[i] || y1[i] == in[i]) {
          EXPECT_EQ(y0[i], y1[i]) << "x = " << in[i] << " (the threshold rule)";
        }
      }
    });
  }
}

// selu's and celu's parameters beyond TestParams: celu's alpha other than a power of two (x/alpha
// then rounds; without its remainder the backward tail, e^(x/alpha) near x/alpha = -80, is off
// by tens of ULP), a negative alpha and alphas outside the fast kernel's range (the faithful
// kernel's lanes), and selu's scale and alpha other than the defaults (their product in two
// floats), including a product the fast kernel leaves to the faithful one. Forward and backward
// within the fast bounds, on the sweep and the exponential's tails in x/alpha.
TEST(FastEluFamily, Parameters) {
  struct Case {
    Op op;
    Params params;
    double alpha;  // the x/alpha scale of the tails
  };
  const std::vector<Case> cases = {{Op::celu, {{"alpha", 0.3}}, 0.3},
                                   {Op::celu, {{"alpha", 1.7}}, 1.7},
                                   {Op::celu, {{"alpha", 3.1}}, 3.1},
                                   {Op::celu, {{"alpha", -0.8}}, 1.0},
                                   {Op::celu, {{"alpha", 1e-30}}, 1e-30},
                                   {Op::celu, {{"alpha", 1e25}}, 1e25},
                                   {Op::selu, {{"alpha", 0.7}, {"scale", 1.3}}, 1.0},
                                   {Op::selu, {{"alpha", -1.9}, {"scale", 0.6}}, 1.0},
                                   {Op::selu, {{"alpha", 3.0}, {"scale", 5.0}}, 1.0}};
  for (const Case& c : cases) {
    std::vector<float> xs = ref::SweepInputs<float>(1 << 18);
    for (int i = 0; i <= 8192; ++i) {
      const double t = -120.0 * static_cast<double>(i) / 8192.0;
      xs.push_back(static_cast<float>(t * c.alpha));
    }
    const std::span<const float> in(xs);
    const ref::Exact ef = ref::ExactFor<float>(c.op, Direction::kForward, in, c.params);
    const ref::Exact eb = ref::ExactFor<float>(c.op, Direction::kBackward, in, c.params);
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + std::string(name(c.op)) + " alpha " +
                   std::to_string(*c.params.find("alpha")));
      const ref::Stats f =
          ref::MeasureActiv<float>(c.op, Direction::kForward, in, c.params, ef, kFast);
      EXPECT_LE(f.max_ulp, kFastForwardUlp) << "forward, worst at x = " << f.worst_x;
      const ref::Stats b =
          ref::MeasureActiv<float>(c.op, Direction::kBackward, in, c.params, eb, kFast);
      EXPECT_LE(b.max_ulp, kFastBackwardUlp) << "backward, worst at x = " << b.worst_x;
    });
  }
}

// Upstream gradients up to the largest float: the backward passes of the elu family scale
// dy by their parameters before the exponential's last factor goes on, and no such
// intermediate may overflow where the result is finite (elu with alpha 1.5 gave -inf for
// x = -30, dy = -FLT_MAX, against -4.8e25). Every result that is a finite float is within the
// fast backward bound; the others are the infinities of their sign.
TEST(FastEluFamily, LargeUpstreamGradients) {
  const float fmax = std::numeric_limits<float>::max();
  struct Case {
    Op op;
    Params params;
  };
  const std::vector<Case> cases = {{Op::elu, {{"alpha", 0.25}}}, {Op::elu, {{"alpha", 1.0}}},
                                   {Op::elu, {{"alpha", 1.5}}},  {Op::elu, {{"alpha", 2.0}}},
                                   {Op::elu, {{"alpha", 4.0}}},  {Op::elu, {{"alpha", 1e20}}},
                                   {Op::celu, {{"alpha", 1.7}}}, {Op::selu, {}},
                                   {Op::selu, {{"scale", 2.0}}}};
  std::vector<float> xs, dys;
  for (float x : {-0.001f, -0.5f, -1.0f, -2.0f, -5.0f, -30.0f, -80.0f, -87.5f, -100.0f, -120.0f,
                  -150.0f, 0.75f, 3.0f}) {
    for (float dy : {fmax, -fmax, 0.9f * fmax, 0.4f * fmax, -1e38f, 3e37f, 1.5f}) {
      xs.push_back(x);
      dys.push_back(dy);
    }
  }
  const size_t n = xs.size();
  for (const Case& c : cases) {
    const std::vector<double> p = ref::KernelParams<float>(c.op, c.params);
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + " " + std::string(name(c.op)) + " " +
                   std::to_string(p[0]));
      std::vector<float> dx(n);
      backward(c.op, std::span<const float>(xs), std::span<const float>(dys), std::span<float>(dx),
               c.params, nullptr, kFast);
      for (size_t i = 0; i < n; ++i) {
        const long double dy = dys[i];
        const long double exact = dy * ref::derivative(c.op, xs[i], p.data());
        const long double slack = std::fabs(dy) * ref::derivative_slack(c.op, xs[i], p.data(), 24);
        if (std::fabs(exact) > static_cast<long double>(fmax) * (1 + 0x1p-25L)) {
          EXPECT_TRUE(std::isinf(dx[i]) && std::signbit(dx[i]) == std::signbit(exact))
              << "x " << xs[i] << ", dy " << dys[i] << ": " << dx[i];
          continue;
        }
        EXPECT_LE(ref::BackwardError<float>(dx[i], exact, slack), kFastBackwardUlp)
            << "x " << xs[i] << ", dy " << dys[i] << ": " << dx[i] << ", exact "
            << static_cast<double>(exact);
      }
    });
  }
}

// Each result depends only on its own input: a vector that mixes tail lanes (below -87, where
// the targets without vscalefps take the careful scaling) with ordinary ones gives the ordinary
// lanes the bits they get alone. A fallback chosen per vector broke this, so two calls on the same
// array split differently between threads gave different last bits. Every 16th element is a
// tail; each is compared, bit for bit, with a call on that element alone.
TEST_P(FastTest, EachResultDependsOnItsOwnInput) {
  const Op op = GetParam();
  const Params params = ref::TestParams(op).front();
  std::vector<float> xs(2048);
  for (size_t i = 0; i < xs.size(); ++i) {
    xs[i] = i % 16 == 0 ? -87.5f - static_cast<float>(i) / 64.0f
                        : -20.0f + 40.0f * static_cast<float>(i) / static_cast<float>(xs.size());
  }
  const std::vector<float> dy(xs.size(), 0.75f);
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(std::string(target) + " " + std::string(name(op)));
    for (bool back : {false, true}) {
      std::vector<float> all(xs.size());
      if (back) {
        backward(op, std::span<const float>(xs), std::span<const float>(dy), std::span<float>(all),
                 params, nullptr, kFast);
      } else {
        forward(op, std::span<const float>(xs), std::span<float>(all), params, kFast);
      }
      size_t differ = 0;
      float first = 0.0f;
      for (size_t i = 0; i < xs.size(); ++i) {
        float one = 0.0f;
        if (back) {
          backward(op, std::span<const float>(&xs[i], 1), std::span<const float>(&dy[i], 1),
                   std::span<float>(&one, 1), params, nullptr, kFast);
        } else {
          forward(op, std::span<const float>(&xs[i], 1), std::span<float>(&one, 1), params, kFast);
        }
        if (std::bit_cast<uint32_t>(one) != std::bit_cast<uint32_t>(all[i])) {
          if (differ++ == 0) first = xs[i];
        }
      }
      EXPECT_EQ(differ, 0u) << (back ? "backward" : "forward") << ": first at x = " << first;
    }
  });
}

// Upstream gradients from 2^-60 to -FLT_MAX through the fast kernels' own backward passes: no
// intermediate may overflow where the result is finite (a product with dy taken before f' is
// complete could), and tails scaled by a large dy stay right relatively. Next to the largest
// float both the infinity and a finite result within 8 ULP are right (extreme_upstream.h): a
// fast f' of 1 + 2^-23 where the exact one is 1 + 2^-27 overflows with dy = -FLT_MAX, as a fast
// f' one ULP low gives FLT_MAX where the exact result is just past it.
TEST_P(FastTest, Float32BackwardWithExtremeUpstream) {
  test::CheckFloat32BackwardWithExtremeUpstream(GetParam(), kFast, kFastBackwardUlp, true);
}

// The option reaches the kernels: on a target with FMA, a function with a fast kernel of its own
// gives other bits than the faithful one on some of the sweep (which is true of each fast kernel
// so far: none is correctly rounded), and a function without one gives the same bits.
TEST(FastOption, Honoured) {
  const std::vector<float> xs = ref::SweepInputs<float>(1 << 16);
  int with_fast = 0;
  ForEachTarget([&](const char* target) {
    if (!FastTarget()) return;
    for (const OpInfo& o : all_ops()) {
      SCOPED_TRACE(std::string(target) + " " + std::string(o.name));
      const Params params = ref::TestParams(o.op).front();
      const std::vector<float> dy(xs.size(), 0.75f);
      for (bool back : {false, true}) {
        std::vector<float> y0(xs.size()), y1(xs.size());
        if (back) {
          backward(o.op, std::span<const float>(xs), std::span<const float>(dy),
                   std::span<float>(y0), params);
          backward(o.op, std::span<const float>(xs), std::span<const float>(dy),
                   std::span<float>(y1), params, nullptr, kFast);
        } else {
          forward(o.op, std::span<const float>(xs), std::span<float>(y0), params);
          forward(o.op, std::span<const float>(xs), std::span<float>(y1), params, kFast);
        }
        size_t differ = 0;
        for (size_t i = 0; i < xs.size(); ++i) {
          differ += std::bit_cast<uint32_t>(y0[i]) != std::bit_cast<uint32_t>(y1[i]) &&
                    !(std::isnan(y0[i]) && std::isnan(y1[i]));
        }
        if (has_fast_kernel(o.op, back)) {
          EXPECT_GT(differ, 0u) << (back ? "backward" : "forward")
                                << ": Accuracy::fast gave the faithful bits on every input";
          ++with_fast;
        } else {
          EXPECT_EQ(differ, 0u) << (back ? "backward" : "forward")
                                << ": no fast kernel, yet the fast call differs";
        }
      }
    }
  });
  if (FastTarget() || with_fast > 0) {
    EXPECT_TRUE(has_fast_kernel(Op::sigmoid));
  }
}

TEST(FastOption, Names) {
  EXPECT_EQ(name(Accuracy::fast), "fast");
  EXPECT_EQ(name(Accuracy::faithful), "faithful");
  EXPECT_EQ(accuracy_from_name("fast"), Accuracy::fast);
  EXPECT_EQ(accuracy_from_name("faithful"), Accuracy::faithful);
  EXPECT_THROW(accuracy_from_name("quick"), Error);
  EXPECT_FALSE(has_fast_kernel(Op::relu));
  EXPECT_FALSE(has_fast_kernel(Op::relu, true));
}

// A value outside the enum is rejected at the entry point, with the call's name, before any
// output is written.
TEST(FastOption, BadValueRejected) {
  const Options bad{.accuracy = static_cast<Accuracy>(7)};
  std::vector<float> x(8, 1.0f), y(8, 5.0f), dy(8, 1.0f);
  const auto expect_error = [&](auto&& call, const char* fn) {
    try {
      call();
      ADD_FAILURE() << fn << " accepted accuracy 7";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("accuracy"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fn), std::string::npos) << e.what();
    }
  };
  expect_error(
      [&] { forward(Op::sigmoid, std::span<const float>(x), std::span<float>(y), {}, bad); },
      "activ::forward(sigmoid)");
  for (float v : y) EXPECT_EQ(v, 5.0f);
  expect_error(
      [&] {
        backward(Op::gelu, std::span<const float>(x), std::span<const float>(dy),
                 std::span<float>(y), {}, nullptr, bad);
      },
      "activ::backward(gelu)");
  expect_error(
      [&] {
        backward_from_y(Op::tanh, std::span<const float>(x), std::span<const float>(dy),
                        std::span<float>(y), {}, bad);
      },
      "activ::backward_from_y(tanh)");
  expect_error([&] { sigmoid(std::span<const float>(x), std::span<float>(y), {}, bad); },
               "activ::forward(sigmoid)");
  expect_error(
      [&] {
        gated(Op::silu, std::span<const float>(x), std::span<const float>(dy), std::span<float>(y),
              {}, bad);
      },
      "activ::gated");
  const std::vector<float> w = {0.25f};
  expect_error(
      [&] {
        prelu(std::span<const float>(x), std::span<float>(y), std::span<const float>(w), 8, bad);
      },
      "activ::prelu");
  expect_error(
      [&] {
        softmax(Rows<const float>(x.data(), 2, 4), Rows<float>(y.data(), 2, 4),
                RowOptions{.accuracy = static_cast<Accuracy>(7)});
      },
      "activ::softmax");
  expect_error(
      [&] {
        softmax_backward(Rows<const float>(x.data(), 2, 4), Rows<const float>(dy.data(), 2, 4),
                         Rows<float>(y.data(), 2, 4), bad);
      },
      "activ::softmax_backward");
  for (float v : y) EXPECT_EQ(v, 5.0f);
}

// Gated units and row-wise functions accept the fast mode. swiglu's forward pass takes silu's
// fast kernel with up in its last step (tests/gated_test.cc holds it to 4 ULP): within 5 2^-23
// relative of faithful (4 ULP plus the faithful result's 1), zero where the gate is. float32
// softmax has fast kernels (tests/rowwise_test.cc holds them to the fast bound): within a few
// ULP of faithful.
TEST(FastOption, GatedAndRowsAccepted) {
  std::vector<float> g(300), u(300), out0(300), out1(300);
  for (size_t i = 0; i < g.size(); ++i) {
    g[i] = static_cast<float>(i) / 10.0f - 15.0f;
    u[i] = 0.5f + static_cast<float>(i % 7);
  }
  gated(Op::silu, std::span<const float>(g), std::span<const float>(u), std::span<float>(out0));
  gated(Op::silu, std::span<const float>(g), std::span<const float>(u), std::span<float>(out1), {},
        kFast);
  for (size_t i = 0; i < out0.size(); ++i) {
    EXPECT_NEAR(out1[i], out0[i], 5 * 0x1p-23f * std::fabs(out0[i])) << i;
  }
  softmax(Rows<const float>(g.data(), 3, 100), Rows<float>(out0.data(), 3, 100));
  softmax(Rows<const float>(g.data(), 3, 100), Rows<float>(out1.data(), 3, 100),
          RowOptions{.accuracy = Accuracy::fast});
  for (size_t i = 0; i < out0.size(); ++i) {
    EXPECT_NEAR(out1[i], out0[i], 0x1p-20f * out0[i]) << i;
    EXPECT_GT(out1[i], 0.0f) << i;
  }
}

}  // namespace
}  // namespace activ
