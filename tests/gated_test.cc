// Gated linear units for every registry function flagged kGates, on every compiled SIMD target
// the CPU runs, float32 and float64: forward and backward against the long double reference,
// the split form's halves (PyTorch's: the gate is the second half), lengths, in place, threads,
// special values, names and errors.
#include "activ/gated.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "test_util.h"
#include "ulp.h"

namespace activ {

void PrintTo(Op op, std::ostream* os) { *os << name(op); }

namespace {

using test::ErrorOf;
using test::ForEachTarget;

// float32: one rounding of a double computation, as for the element-wise functions.
constexpr double kF32ForwardUlp = 1.0;
constexpr double kF32BackwardUlp = 2.0;
// Options{.accuracy = Accuracy::fast} (docs/SPEC.md, Accuracy modes): 4 ULP forward (and d_up,
// the same product), 8 ULP beyond the backward bound for d_gate.
constexpr Options kFast{.accuracy = Accuracy::fast};
constexpr double kFastForwardUlp = 4.0;
constexpr double kFastBackwardUlp = kF32BackwardUlp + 8.0;
constexpr double kFastDupUlp = kF32ForwardUlp + 8.0;
bool IsFast(const Options& o) { return o.accuracy == Accuracy::fast; }

std::vector<Op> GatingOps() {
  std::vector<Op> ops;
  for (const OpInfo& o : all_ops()) {
    if (o.flags & kGates) ops.push_back(o.op);
  }
  return ops;
}

template <typename T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <typename T>
std::vector<T> RandomVector(size_t n, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-spread, spread);
  std::vector<T> v(n);
  for (T& e : v) {
    if constexpr (std::is_same_v<T, bfloat16>) {
      e = to_bfloat16(static_cast<float>(u(rng)));
    } else if constexpr (std::is_same_v<T, float16>) {
      e = to_float16(static_cast<float>(u(rng)));
    } else {
      e = static_cast<T>(u(rng));
    }
  }
  return v;
}

std::string ParamsText(const Params& p) {
  std::string s;
  for (const auto& [k, v] : p.values()) s += " " + k + "=" + std::to_string(v);
  return s.empty() ? " (defaults)" : s;
}

class GatedTest : public ::testing::TestWithParam<Op> {};

template <typename T>
bool Same(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || SameBits(a, b);
}

// Gates sweep every binade (accuracy/inputs.h); up and dout are pseudo-random of either sign.
// float32 is held to the element-wise bounds. float64 inherits the error of its function in the
// tails (docs/ACCURACY.md: gelu_tanh, silu, ... lose digits there), so it is held to what the
// element-wise entry points give for the same numbers: out = act(gate) * up, d_gate =
// backward(gate, dout * up), d_up = dout * act(gate), to the bit; and to the reference within
// twice the function's own error on these gates plus one ULP for the product.
template <typename T>
void CheckAccuracy(Op op, const Options& o = {}) {
  const std::vector<T> g = ref::SweepInputs<T>(sizeof(T) == 4 ? 1 << 18 : 1 << 16);
  const size_t n = g.size();
  std::vector<T> u(n), dout(n), dout_up(n);
  for (size_t i = 0; i < n; ++i) {
    u[i] = ref::UpstreamGradient<T>(i + 7919);
    dout[i] = ref::UpstreamGradient<T>(i);
    dout_up[i] = dout[i] * u[i];
  }
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<T>(op, params);
    std::vector<long double> f(n), df(n), slack(n);
    for (size_t i = 0; i < n; ++i) {
      f[i] = ref::forward(op, g[i], p.data());
      df[i] = ref::derivative(op, g[i], p.data());
      slack[i] = ref::derivative_slack(op, g[i], p.data(), std::numeric_limits<T>::digits);
    }
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + ParamsText(params));
      std::vector<T> out(n), dg(n), du(n), f_lib(n), b_lib(n);
      gated(op, g, u, out, params, o);
      gated_backward(op, g, u, dout, dg, du, params, o);
      forward(op, std::span<const T>(g), std::span<T>(f_lib), params);
      backward(op, std::span<const T>(g), std::span<const T>(dout_up), std::span<T>(b_lib), params);
      double worst_f = 0, worst_g = 0, worst_u = 0, own_f = 0, own_b = 0;
      size_t at_f = 0, at_g = 0, at_u = 0;
      auto track = [](double e, size_t i, double& worst, size_t& at) {
        if (e > worst) {
          worst = e;
          at = i;
        }
      };
      for (size_t i = 0; i < n; ++i) {
        const long double up = u[i], dy = dout[i];
        track(ref::UlpError<T>(out[i], f[i] * up), i, worst_f, at_f);
        track(ref::BackwardError<T>(dg[i], dy * up * df[i], std::fabs(dy * up) * slack[i]), i,
              worst_g, at_g);
        track(ref::UlpError<T>(du[i], dy * f[i]), i, worst_u, at_u);
        own_f = std::max(own_f, ref::UlpError<T>(f_lib[i], f[i]));
        own_b = std::max(own_b, ref::BackwardError<T>(b_lib[i], dout_up[i] * df[i],
                                                      std::fabs(dout_up[i]) * slack[i]));
        if constexpr (sizeof(T) == 8) {
          ASSERT_TRUE(Same(out[i], f_lib[i] * u[i])) << "gate " << g[i];
          ASSERT_TRUE(Same(dg[i], b_lib[i])) << "gate " << g[i];
          ASSERT_TRUE(Same(du[i], dout[i] * f_lib[i])) << "gate " << g[i];
        }
      }
      const double bound_f = sizeof(T) == 8 ? 2 * own_f + 1
                             : IsFast(o)    ? kFastForwardUlp
                                            : kF32ForwardUlp;
      const double bound_b = sizeof(T) == 8 ? 2 * own_b + 1
                             : IsFast(o)    ? kFastBackwardUlp
                                            : kF32BackwardUlp;
      EXPECT_LE(worst_f, bound_f) << "forward, worst at gate " << g[at_f];
      EXPECT_LE(worst_g, bound_b) << "d_gate, worst at gate " << g[at_g];
      const double bound_u = sizeof(T) == 4 && IsFast(o) ? kFastDupUlp : bound_f;
      EXPECT_LE(worst_u, bound_u) << "d_up, worst at gate " << g[at_u];
    });
  }
}

TEST_P(GatedTest, Float32MatchesReference) { CheckAccuracy<float>(GetParam()); }
TEST_P(GatedTest, FastFloat32WithinTheFastBounds) { CheckAccuracy<float>(GetParam(), kFast); }

// float32 with up and dout inputs of every size: act(gate) * up where it leaves the range that
// the float-lane gates (glu, swiglu) compute in (gate * up overflowing while the result is
// finite: gate -80, up 1e37), results down to the subnormals, subnormal ups, results that
// overflow; act(gate) far below float32's range brought back by a large factor (gelu(-18) *
// 2^126). Each result is within the element-wise bounds of the reference.
// In the fast mode (o), the same within the fast bounds: the fast gate's tail handling (a
// subnormal act(gate), a dout * up that overflows or underflows) must give no flush and no
// overflow where the exact result is a normal float.
void CheckExtremeUps(Op op, const Options& o) {
  const float fmax = std::numeric_limits<float>::max();
  const std::vector<float> ups = {1.0f,   -3.0f,   0x1p126f, -0x1p127f, fmax,      -1e37f, 1e30f,
                                  1e-30f, -1e-38f, 1e-40f,   -1e-45f,   0x1p-100f, 7e-3f,  0.0f};
  const std::vector<float> gates = ref::SweepInputs<float>(1 << 13);
  std::vector<float> g, u;
  for (float gate : gates) {
    if (!std::isfinite(gate)) continue;
    for (float up : ups) {
      g.push_back(gate);
      u.push_back(up);
    }
  }
  const size_t n = g.size();
  // dout of every size too, in another order than up.
  std::vector<float> dout(n);
  for (size_t i = 0; i < n; ++i) dout[i] = ups[(i * 5 + 3) % ups.size()];
  for (const Params& params : ref::TestParams(op)) {
    const std::vector<double> p = ref::KernelParams<float>(op, params);
    std::vector<long double> f(n), df(n), slack(n);
    for (size_t i = 0; i < n; ++i) {
      f[i] = ref::forward(op, g[i], p.data());
      df[i] = ref::derivative(op, g[i], p.data());
      slack[i] = ref::derivative_slack(op, g[i], p.data(), std::numeric_limits<float>::digits);
    }
    ForEachTarget([&](const char* target) {
      SCOPED_TRACE(std::string(target) + ParamsText(params));
      std::vector<float> out(n), dg(n), du(n);
      gated(op, g, u, out, params, o);
      gated_backward(op, g, u, dout, dg, du, params, o);
      double worst[3] = {0, 0, 0};
      size_t at[3] = {0, 0, 0};
      for (size_t i = 0; i < n; ++i) {
        const long double up = u[i], dy = dout[i];
        const double e[3] = {
            ref::UlpError<float>(out[i], f[i] * up),
            ref::BackwardError<float>(dg[i], dy * up * df[i], std::fabs(dy * up) * slack[i]),
            ref::UlpError<float>(du[i], dy * f[i])};
        for (int k = 0; k < 3; ++k) {
          if (e[k] > worst[k]) {
            worst[k] = e[k];
            at[k] = i;
          }
        }
      }
      const char* what[3] = {"forward", "d_gate", "d_up"};
      const double bound[3] = {IsFast(o) ? kFastForwardUlp : kF32ForwardUlp,
                               IsFast(o) ? kFastBackwardUlp : kF32BackwardUlp,
                               IsFast(o) ? kFastDupUlp : kF32ForwardUlp};
      for (int k = 0; k < 3; ++k) {
        const size_t i = at[k];
        EXPECT_LE(worst[k], bound[k])
            << what[k] << ", worst at gate " << g[i] << ", up " << u[i] << ", dout " << dout[i];
      }
    });
  }
}
// The fast forward pass where a relative error counts most: each up puts act(gate) * up's
// significand just under 2 while act(gate)'s may be near 1, so act(gate)'s relative error is
// doubled in ULP of the result. Within 4 ULP of the reference.
TEST_P(GatedTest, FastForwardWithProductsAtTheTopOfTheirBinade) {
  const Op op = GetParam();
  // Every binade, and densely where the gates' fast values are least accurate (e^x's error
  // passing through to the quotient on the negative side).
  std::vector<float> g0 = ref::SweepInputs<float>(1 << 16);
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<float> dense(-16.0f, 4.0f);
  for (int i = 0; i < 1 << 20; ++i) g0.push_back(dense(rng));
  const std::vector<double> p = ref::KernelParams<float>(op, Params{});
  std::vector<float> g, u;
  std::vector<long double> want;
  // The gates where the fast kernels' relative error was largest (AVX2 and AVX-512, a scan of
  // every 31st float32 of [-12, 12]; gelu_tanh(-2.74264455) 2.05 2^-23, which made 4.59 ULP
  // products on AVX2 while its forward gate was fast), and those of the largest errors of the
  // gate kernels that round the product once (GateN: a sweep of every 257th float32 gate, 24
  // ups each, AVX2 and AVX-512: 3.37 ULP at most), each with 4000 ups whose products sweep the
  // top of their binade.
  for (float worst : {-7.49870539f, -11.7758875f, -8.25464916f, -15.0238342f, -2.17842484f,
                      -1.24041426f, -3.37115765f, -2.74264455f, -2.10639524f, 16.7180061f,
                      -3.16939068f, 16.6694775f, -5.98799038f, 4.96784687f, -2.04011869f}) {
    const long double f = ref::forward(op, worst, p.data());
    if (f == 0) continue;
    int e = 0;
    const double m = std::frexp(static_cast<double>(f), &e);
    for (int k = 0; k < 4000; ++k) {
      const float up = static_cast<float>(std::ldexp((0.998 + k * 5e-7) / m, 3));
      g.push_back(worst);
      u.push_back(up);
      want.push_back(f * up);
    }
  }
  for (size_t i = 0; i < g0.size(); ++i) {
    const long double f = ref::forward(op, g0[i], p.data());
    if (!std::isfinite(static_cast<double>(f)) || std::fabs(f) < 0x1p-100L) continue;
    int e = 0;
    const double m = std::frexp(static_cast<double>(f), &e);  // |m| in [1/2, 1)
    for (double top : {0.9995, 0.99995, 0.999995}) {
      const float up = static_cast<float>(std::ldexp(top / m, static_cast<int>(i % 21) - 10));
      g.push_back(g0[i]);
      u.push_back(up);
      want.push_back(f * up);
    }
  }
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<float> out(g.size());
    gated(op, g, u, out, {}, kFast);
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      const double e = ref::UlpError<float>(out[i], want[i]);
      if (e > worst) {
        worst = e;
        at = i;
      }
    }
    EXPECT_LE(worst, kFastForwardUlp) << "worst at gate " << g[at] << ", up " << u[at];
  });
}
TEST_P(GatedTest, Float32ExtremeUps) { CheckExtremeUps(GetParam(), {}); }
TEST_P(GatedTest, FastFloat32ExtremeUps) { CheckExtremeUps(GetParam(), kFast); }
TEST_P(GatedTest, Float64MatchesReference) { CheckAccuracy<double>(GetParam()); }
// float64 has no fast gate: the fast mode is the faithful one, bit for bit.
TEST_P(GatedTest, FastFloat64MatchesReference) { CheckAccuracy<double>(GetParam(), kFast); }

// The split form is the two-input form on the halves, with the gate SECOND
// (torch.nn.functional.glu), for every variant; its backward puts d_up in the first half of dx
// and d_gate in the second. Strided rows, and nothing written between the rows.
template <typename T>
void CheckSplit(Op op) {
  ForEachTarget([&](const char* target) {
    for (size_t h : {1, 3, 4, 17, 40, 1000}) {
      SCOPED_TRACE(std::string(target) + " H=" + std::to_string(h));
      const size_t rows = 4, xs = 2 * h + 5, os = h + 2;
      const std::vector<T> x = RandomVector<T>(rows * xs, 4.0, h);
      std::vector<T> dout(rows * os), out(rows * os, T(99)), dx(rows * xs, T(99));
      for (size_t i = 0; i < dout.size(); ++i) dout[i] = ref::UpstreamGradient<T>(i);
      gated_split(op, Rows<const T>(x.data(), rows, 2 * h, xs), Rows<T>(out.data(), rows, h, os));
      gated_split_backward(op, Rows<const T>(x.data(), rows, 2 * h, xs),
                           Rows<const T>(dout.data(), rows, h, os),
                           Rows<T>(dx.data(), rows, 2 * h, xs));
      for (size_t r = 0; r < rows; ++r) {
        const std::span<const T> up(x.data() + r * xs, h), gate(x.data() + r * xs + h, h);
        const std::span<const T> dr(dout.data() + r * os, h);
        std::vector<T> o(h), dg(h), du(h);
        gated(op, gate, up, o);
        gated_backward(op, gate, up, dr, dg, du);
        for (size_t j = 0; j < h; ++j) {
          ASSERT_TRUE(SameBits(out[r * os + j], o[j])) << "r=" << r << " j=" << j;
          ASSERT_TRUE(SameBits(dx[r * xs + j], du[j])) << "d_up r=" << r << " j=" << j;
          ASSERT_TRUE(SameBits(dx[r * xs + h + j], dg[j])) << "d_gate r=" << r << " j=" << j;
        }
        if (r + 1 < rows) {
          for (size_t c = h; c < os; ++c) ASSERT_EQ(out[r * os + c], T(99));
          for (size_t c = 2 * h; c < xs; ++c) ASSERT_EQ(dx[r * xs + c], T(99));
        }
      }
      // In place: out over the up half, dx over x.
      std::vector<T> io = x;
      gated_split(op, Rows<const T>(io.data(), rows, 2 * h, xs), Rows<T>(io.data(), rows, h, xs));
      std::vector<T> g2 = x;
      gated_split_backward(op, Rows<const T>(g2.data(), rows, 2 * h, xs),
                           Rows<const T>(dout.data(), rows, h, os),
                           Rows<T>(g2.data(), rows, 2 * h, xs));
      for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < h; ++j) {
          ASSERT_TRUE(SameBits(io[r * xs + j], out[r * os + j])) << "in place r=" << r;
          ASSERT_TRUE(SameBits(io[r * xs + h + j], x[r * xs + h + j])) << "gate half kept";
        }
        for (size_t c = 0; c < 2 * h; ++c) {
          ASSERT_TRUE(SameBits(g2[r * xs + c], dx[r * xs + c])) << "backward in place r=" << r;
        }
      }
    }
  });
}

TEST_P(GatedTest, SplitFormIsTheHalvesFloat32) { CheckSplit<float>(GetParam()); }
TEST_P(GatedTest, SplitFormIsTheHalvesFloat64) { CheckSplit<double>(GetParam()); }

// Every length up to four vectors and a few long ones (threads), one call against one call per
// element, and in place (out over gate or up; d_gate over gate, d_up over up).
template <typename T>
void CheckLengthsAndInPlace(Op op, const Options& o = {}) {
  ForEachTarget([&](const char* target) {
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 4 * 16 + 3; ++n) lengths.push_back(n);
    for (size_t n : {1000, 70001}) lengths.push_back(n);
    for (size_t n : lengths) {
      SCOPED_TRACE(std::string(target) + " n=" + std::to_string(n));
      const std::vector<T> g = RandomVector<T>(n, 6.0, n), u = RandomVector<T>(n, 2.0, n + 1);
      const std::vector<T> dout = RandomVector<T>(n, 1.5, n + 2);
      std::vector<T> out(n), dg(n), du(n);
      gated(op, g, u, out, {}, o);
      gated_backward(op, g, u, dout, dg, du, {}, o);
      const size_t step = n > 100 ? 997 : 1;
      for (size_t i = 0; i < n; i += step) {
        T y, a, b;
        gated(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&y, 1), {}, o);
        gated_backward(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&dout[i], 1),
                       std::span(&a, 1), std::span(&b, 1), {}, o);
        ASSERT_TRUE(SameBits(y, out[i])) << "i=" << i;
        ASSERT_TRUE(SameBits(a, dg[i])) << "d_gate i=" << i;
        ASSERT_TRUE(SameBits(b, du[i])) << "d_up i=" << i;
      }
      std::vector<T> over_gate = g, over_up = u;
      gated(op, over_gate, u, over_gate, {}, o);
      gated(op, g, over_up, over_up, {}, o);
      EXPECT_TRUE(std::equal(out.begin(), out.end(), over_gate.begin(), SameBits<T>));
      EXPECT_TRUE(std::equal(out.begin(), out.end(), over_up.begin(), SameBits<T>));
      std::vector<T> gg = g, uu = u;
      gated_backward(op, gg, uu, dout, gg, uu, {}, o);
      EXPECT_TRUE(std::equal(dg.begin(), dg.end(), gg.begin(), SameBits<T>));
      EXPECT_TRUE(std::equal(du.begin(), du.end(), uu.begin(), SameBits<T>));
    }
  });
}

TEST_P(GatedTest, AllLengthsAndInPlaceFloat32) { CheckLengthsAndInPlace<float>(GetParam()); }
TEST_P(GatedTest, AllLengthsAndInPlaceFloat64) { CheckLengthsAndInPlace<double>(GetParam()); }
TEST_P(GatedTest, FastAllLengthsAndInPlaceFloat32) {
  CheckLengthsAndInPlace<float>(GetParam(), kFast);
}
TEST_P(GatedTest, FastAllLengthsAndInPlaceBfloat16) {
  CheckLengthsAndInPlace<bfloat16>(GetParam(), kFast);
}
TEST_P(GatedTest, FastAllLengthsAndInPlaceFloat16) {
  CheckLengthsAndInPlace<float16>(GetParam(), kFast);
}

// NaN gate: every result NaN. NaN up: out and d_gate NaN, d_up = dout * act(gate) regardless.
// NaN dout: both gradients NaN.
// The fast mode (o) follows the same rules.
void CheckNanPropagation(Op op, const Options& o) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    const std::vector<float> g = {nan, 1.5f, 0.5f, -2.0f}, u = {2.0f, nan, 3.0f, 1.0f};
    const std::vector<float> dout = {1.0f, 1.0f, nan, 1.0f};
    std::vector<float> out(4), dg(4), du(4), f(4);
    gated(op, g, u, out, {}, o);
    gated_backward(op, g, u, dout, dg, du, {}, o);
    forward(op, std::span<const float>(g), std::span<float>(f), {}, o);
    EXPECT_TRUE(std::isnan(out[0]) && std::isnan(dg[0]) && std::isnan(du[0]));
    EXPECT_TRUE(std::isnan(out[1]) && std::isnan(dg[1]));
    EXPECT_EQ(du[1], f[1]);
    EXPECT_TRUE(std::isnan(dg[2]) && std::isnan(du[2]));
    EXPECT_FALSE(std::isnan(out[3]) || std::isnan(dg[3]) || std::isnan(du[3]));
  });
}
TEST_P(GatedTest, NanPropagation) { CheckNanPropagation(GetParam(), {}); }
TEST_P(GatedTest, FastNanPropagation) { CheckNanPropagation(GetParam(), kFast); }

// A zero up or dout makes the products zero, with the sign of the exact product: out = act(gate)
// * up, d_gate = act'(gate) * dout * up, d_up = dout * act(gate), as IEEE multiplication gives
// it (where act(gate) or act'(gate) is itself exactly zero, the sign is the kernel's own and is
// not checked). Every target, float32 and bfloat16 (whose float-lane paths differ).
template <typename T>
void CheckSignedZeros(Op op, const Options& o = {}) {
  const std::vector<float> gates = {-40.0f, -7.5f, -1.3f, -0.25f, -1e-30f, 1e-30f,
                                    0.3f,   1.0f,  2.75f, 9.0f,   60.0f};
  const std::vector<float> others = {1.0f, -2.5f, 1e-20f, -3e20f};
  auto narrow = [](float f) {
    if constexpr (std::is_same_v<T, float>) {
      return f;
    } else {
      return to_bfloat16(f);
    }
  };
  auto wide = [](T v) {
    if constexpr (std::is_same_v<T, float>) {
      return v;
    } else {
      return to_float(v);
    }
  };
  std::vector<T> g, u, dout;
  for (float gate : gates) {
    for (float z : {0.0f, -0.0f}) {
      for (float other : others) {
        // Zero up with every dout, and zero dout with every up; 16 lanes of one kind in a row
        // would also do, but mixed vectors are what rows look like.
        g.push_back(narrow(gate));
        u.push_back(narrow(z));
        dout.push_back(narrow(other));
        g.push_back(narrow(gate));
        u.push_back(narrow(other));
        dout.push_back(narrow(z));
      }
    }
  }
  const size_t n = g.size();
  const std::vector<double> p = ref::KernelParams<float>(op, Params{});
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<T> out(n), dg(n), du(n);
    gated(op, g, u, out, {}, o);
    gated_backward(op, g, u, dout, dg, du, {}, o);
    for (size_t i = 0; i < n; ++i) {
      const long double gi = wide(g[i]), ui = wide(u[i]);
      const long double di = wide(dout[i]);
      const long double f = ref::forward(op, gi, p.data()), df = ref::derivative(op, gi, p.data());
      auto check = [&](const char* what, T got, long double factor, long double a, long double b) {
        if (factor == 0 || (a * b != 0)) return;  // a nonzero product is the accuracy tests'
        const bool want_neg = std::signbit(factor) != (std::signbit(a) != std::signbit(b));
        EXPECT_EQ(std::signbit(wide(got)), want_neg)
            << what << " at gate " << wide(g[i]) << ", up " << static_cast<float>(ui) << ", dout "
            << static_cast<float>(di) << ": " << wide(got);
      };
      check("out", out[i], f, ui, 1.0L);
      check("d_gate", dg[i], df, di, ui);
      check("d_up", du[i], f, di, 1.0L);
    }
  });
}
TEST_P(GatedTest, SignedZeroProductsFloat32) { CheckSignedZeros<float>(GetParam()); }
TEST_P(GatedTest, SignedZeroProductsBfloat16) { CheckSignedZeros<bfloat16>(GetParam()); }
TEST_P(GatedTest, FastSignedZeroProductsFloat32) { CheckSignedZeros<float>(GetParam(), kFast); }
TEST_P(GatedTest, FastSignedZeroProductsBfloat16) { CheckSignedZeros<bfloat16>(GetParam(), kFast); }

// The fast mode at special values: every combination of gate, up and dout from zeros,
// infinities, NaN, the largest and smallest floats and the gates' tails gives NaN exactly where
// the faithful mode does, and the faithful mode's infinity or zero (sign included) wherever an
// input is infinite or zero: the limits are the same.
TEST_P(GatedTest, FastSpecialValuesAsFaithful) {
  const Op op = GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float fmax = std::numeric_limits<float>::max();
  const std::vector<float> vals = {0.0f,    -0.0f, inf,   -inf,    nan,     fmax,  -fmax,    1e-45f,
                                   -1e-40f, 1.0f,  -2.5f, -104.0f, -200.0f, 90.0f, 0x1p-126f};
  std::vector<float> g, u, dout;
  for (float a : vals) {
    for (float b : vals) {
      for (float c : vals) {
        g.push_back(a);
        u.push_back(b);
        dout.push_back(c);
      }
    }
  }
  const size_t n = g.size();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<float> out0(n), dg0(n), du0(n), out1(n), dg1(n), du1(n);
    gated(op, g, u, out0);
    gated_backward(op, g, u, dout, dg0, du0);
    gated(op, g, u, out1, {}, kFast);
    gated_backward(op, g, u, dout, dg1, du1, {}, kFast);
    for (size_t i = 0; i < n; ++i) {
      const bool limit = !std::isfinite(g[i]) || !std::isfinite(u[i]) || !std::isfinite(dout[i]) ||
                         g[i] == 0 || u[i] == 0 || dout[i] == 0;
      auto check = [&](const char* what, float want, float got) {
        const bool same =
            limit && (std::isinf(want) || want == 0) ? SameBits(want, got) : !std::isnan(got);
        EXPECT_TRUE(std::isnan(want) ? std::isnan(got) : same)
            << what << " at gate " << g[i] << ", up " << u[i] << ", dout " << dout[i]
            << ": faithful " << want << ", fast " << got;
      };
      check("out", out0[i], out1[i]);
      check("d_gate", dg0[i], dg1[i]);
      check("d_up", du0[i], du1[i]);
    }
  });
}

// A fast result depends on its own element alone: tails that take the faithful lanes (a gate
// whose act is subnormal or zero, an up or dout that makes dout * up overflow or underflow) every
// few lanes leave their neighbours' results as they are alone, and are themselves as alone.
TEST_P(GatedTest, FastEachResultDependsOnItsOwnInput) {
  const Op op = GetParam();
  const size_t n = 1024;
  std::vector<float> g(n), u(n), dout(n);
  for (size_t i = 0; i < n; ++i) {
    g[i] = -6.0f + 12.0f * static_cast<float>(i) / static_cast<float>(n);
    u[i] = 1.5f - static_cast<float>(i % 7) * 0.25f;
    dout[i] = 0.75f + static_cast<float>(i % 5) * 0.125f;
    switch (i % 29) {
      case 3:
        g[i] = -104.0f - static_cast<float>(i % 4);
        u[i] = 0x1p120f;
        break;
      case 11:
        g[i] = -20.0f;
        u[i] = 3e38f;
        dout[i] = 2e30f;
        break;
      case 17:
        u[i] = 1e-30f;
        dout[i] = 1e-20f;
        break;
      case 23:
        dout[i] = -3e38f;
        u[i] = 1e20f;
        break;
      default:
        break;
    }
  }
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<float> out(n), dg(n), du(n);
    gated(op, g, u, out, {}, kFast);
    gated_backward(op, g, u, dout, dg, du, {}, kFast);
    for (size_t i = 0; i < n; ++i) {
      float y, a, b;
      gated(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&y, 1), {}, kFast);
      gated_backward(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&dout[i], 1),
                     std::span(&a, 1), std::span(&b, 1), {}, kFast);
      ASSERT_TRUE(SameBits(y, out[i])) << "out at gate " << g[i] << ", up " << u[i];
      ASSERT_TRUE(SameBits(a, dg[i])) << "d_gate at gate " << g[i] << ", up " << u[i];
      ASSERT_TRUE(SameBits(b, du[i])) << "d_up at gate " << g[i] << ", dout " << dout[i];
    }
  });
}

// bfloat16 and float16 in the fast mode: every finite 16-bit gate, with ups and douts of several
// sizes, within one step of the 16-bit type of the faithful float32 result of the same inputs
// rounded (itself within 1 ULP of float32 of the exact value).
template <typename H>
void CheckFast16(Op op) {
  std::vector<H> g, u, dout;
  const std::vector<float> others = {1.0f, -3.0f, 0.015625f, 200.0f, -1e-3f, 0x1p100f};
  for (uint32_t b = 0; b < 65536; ++b) {
    const H h{static_cast<uint16_t>(b)};
    if (!std::isfinite(to_float(h))) continue;
    g.push_back(h);
    const float o = others[b % others.size()], d = others[(b / 7) % others.size()];
    if constexpr (std::is_same_v<H, bfloat16>) {
      u.push_back(to_bfloat16(o));
      dout.push_back(to_bfloat16(d));
    } else {
      u.push_back(to_float16(std::fabs(o) > 6e4f ? 1e4f : o));
      dout.push_back(to_float16(std::fabs(d) > 6e4f ? -7.0f : d));
    }
  }
  const size_t n = g.size();
  std::vector<float> gf(n), uf(n), df(n), of(n), dgf(n), duf(n);
  for (size_t i = 0; i < n; ++i) {
    gf[i] = to_float(g[i]);
    uf[i] = to_float(u[i]);
    df[i] = to_float(dout[i]);
  }
  gated(op, gf, uf, of);
  gated_backward(op, gf, uf, df, dgf, duf);
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    std::vector<H> out(n), dg(n), du(n);
    gated(op, g, u, out, {}, kFast);
    gated_backward(op, g, u, dout, dg, du, {}, kFast);
    const auto ordered = [](H h) {
      return (h.bits & 0x8000) ? -static_cast<int>(h.bits & 0x7fff) : static_cast<int>(h.bits);
    };
    const auto narrow = [](float f) {
      if constexpr (std::is_same_v<H, bfloat16>) {
        return to_bfloat16(f);
      } else {
        return to_float16(f);
      }
    };
    int worst[3] = {0, 0, 0};
    for (size_t i = 0; i < n; ++i) {
      const H want[3] = {narrow(of[i]), narrow(dgf[i]), narrow(duf[i])};
      const H got[3] = {out[i], dg[i], du[i]};
      for (int k = 0; k < 3; ++k) {
        const int steps = std::abs(ordered(want[k]) - ordered(got[k]));
        if (steps > worst[k]) {
          worst[k] = steps;
          EXPECT_LE(steps, 1) << "result " << k << " at gate " << gf[i] << ", up " << uf[i]
                              << ", dout " << df[i] << ": want " << to_float(want[k]) << ", got "
                              << to_float(got[k]);
        }
      }
    }
  });
}
TEST_P(GatedTest, FastBfloat16WithinOneStep) { CheckFast16<bfloat16>(GetParam()); }
TEST_P(GatedTest, FastFloat16WithinOneStep) { CheckFast16<float16>(GetParam()); }

std::string OpName(const ::testing::TestParamInfo<Op>& i) { return std::string(name(i.param)); }

INSTANTIATE_TEST_SUITE_P(Registry, GatedTest, ::testing::ValuesIn(GatingOps()), OpName);

TEST(GatedNames, GatedUnitsMapToTheirGates) {
  EXPECT_EQ(gate_of("glu"), Op::sigmoid);
  EXPECT_EQ(gate_of("bilinear"), Op::identity);
  EXPECT_EQ(gate_of("reglu"), Op::relu);
  EXPECT_EQ(gate_of("geglu"), Op::gelu);
  EXPECT_EQ(gate_of("geglu_tanh"), Op::gelu_tanh);
  EXPECT_EQ(gate_of("swiglu"), Op::silu);
  for (const char* n : {"glu", "bilinear", "reglu", "geglu", "geglu_tanh", "swiglu"}) {
    EXPECT_TRUE(info(gate_of(n)).flags & kGates) << n;
  }
  EXPECT_GE(GatingOps().size(), 6u);
}

// Values of torch.nn.functional.glu, and SwiGLU with its beta, computed by hand: the gate is
// the second half, and beta reaches silu.
TEST(GatedNames, GluAndSwigluValues) {
  const std::vector<float> x = {1.0f, 2.0f, -3.0f, 0.5f};  // [2, 2]
  std::vector<float> out(2);
  glu(Rows<const float>(x.data(), 2, 2), Rows<float>(out.data(), 2, 1));
  EXPECT_FLOAT_EQ(out[0], static_cast<float>(1.0 / (1.0 + std::exp(-2.0))));   // 0.880797
  EXPECT_FLOAT_EQ(out[1], static_cast<float>(-3.0 / (1.0 + std::exp(-0.5))));  // -1.867546
  const std::vector<float> gate = {1.0f, -2.0f}, up = {3.0f, 0.25f};
  std::vector<float> s(2);
  swiglu(gate, up, s, {{"beta", 1.5}});
  for (int i = 0; i < 2; ++i) {
    const double gv = gate[i];
    EXPECT_FLOAT_EQ(s[i], static_cast<float>(gv / (1 + std::exp(-1.5 * gv)) * up[i])) << i;
  }
  std::vector<double> gd = {1.0, -2.0}, ud = {3.0, 0.25}, sd(2), plain(2);
  swiglu(std::span<const double>(gd), ud, sd);
  gated(gate_of("swiglu"), std::span<const double>(gd), ud, plain);
  EXPECT_EQ(sd, plain);
}

TEST(GatedErrors, MessagesNameTheProblemAndNothingIsWritten) {
  std::vector<float> a(6, 1.0f), b(6, 1.0f), out(6, 7.0f), five(5, 7.0f);
  const std::vector<float> untouched(6, 7.0f);
  EXPECT_EQ(ErrorOf([&] { gated(Op::tanh, a, b, out); }),
            "activ::gated(tanh): tanh cannot gate; the gating functions are identity, sigmoid, "
            "relu, gelu, gelu_tanh, silu");
  EXPECT_EQ(ErrorOf([&] { gated(Op::silu, a, b, five); }),
            "activ::gated: gate has 6 elements but out has 5");
  EXPECT_EQ(ErrorOf([&] {
              gated(Op::silu, a, b, out, {{"alpha", 1}});
            }),
            "silu: unknown parameter 'alpha'; its parameters are beta");
  EXPECT_EQ(ErrorOf([&] { gated_backward(Op::relu, a, b, a, out, out); }),
            "activ::gated_backward: d_gate and d_up are the same array");
  EXPECT_EQ(ErrorOf([&] {
              gated_split(Op::sigmoid, Rows<const float>(a.data(), 2, 3),
                          Rows<float>(out.data(), 2, 1));
            }),
            "activ::gated_split: x has 3 columns; the split form needs an even number (up, then "
            "gate)");
  EXPECT_EQ(ErrorOf([&] {
              gated_split(Op::sigmoid, Rows<const float>(a.data(), 3, 2),
                          Rows<float>(out.data(), 3, 2));
            }),
            "activ::gated_split: x is [3, 2] so out must be [3, 1], got [3, 2]");
  EXPECT_EQ(ErrorOf([&] {
              gated_split_backward(Op::gelu, Rows<const float>(a.data(), 3, 2),
                                   Rows<const float>(b.data(), 3, 1),
                                   Rows<float>(out.data(), 2, 2));
            }),
            "activ::gated_split_backward: x is [3, 2] but dx is [2, 2]");
  std::vector<float> x(8, 1.0f);
  EXPECT_EQ(ErrorOf([&] {
              gated_split(Op::sigmoid, Rows<const float>(x.data(), 2, 4),
                          Rows<float>(x.data() + 2, 2, 2, 4));
            }),
            "activ::gated_split: out overlaps x without being the same array; in place needs the "
            "same data and row stride");
  EXPECT_EQ(ErrorOf([&] { gate_of("swish_glu"); }),
            "activ::gate_of: unknown gated unit 'swish_glu'; valid names: glu, bilinear, reglu, "
            "geglu, geglu_tanh, swiglu, gated_<function>");
  EXPECT_EQ(ErrorOf([&] { gate_of("gated_nope"); }),
            "activ::gate_of: unknown gated unit 'gated_nope'; valid names: glu, bilinear, reglu, "
            "geglu, geglu_tanh, swiglu, gated_<function>");
  EXPECT_EQ(out, untouched) << "an error must leave the output untouched";
  EXPECT_EQ(five, std::vector<float>(5, 7.0f));
}

// One list of names: every gated unit's name leads to its gate and back, and any other function
// is named gated_<function>, in both directions.
TEST(GatedNames, OneListBothWays) {
  ASSERT_EQ(gated_units().size(), 6u);
  for (const GatedUnit& g : gated_units()) {
    EXPECT_EQ(gate_of(g.name), g.gate) << g.name;
    EXPECT_EQ(gated_name(g.gate), g.name);
    EXPECT_TRUE(info(g.gate).flags & kGates) << g.name;
  }
  for (const OpInfo& o : all_ops()) {
    EXPECT_EQ(gate_of(gated_name(o.op)), o.op) << o.name;
    if (o.flags & kGates) {
      EXPECT_FALSE(gated_name(o.op).starts_with("gated_")) << o.name;
    }
  }
  EXPECT_EQ(gated_name(Op::tanh), "gated_tanh");
  EXPECT_EQ(gate_of("gated_swish"), Op::silu);  // an alias
}

}  // namespace
}  // namespace activ
