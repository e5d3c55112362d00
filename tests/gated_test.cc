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

using test::ForEachTarget;

// float32: one rounding of a double computation, as for the element-wise functions.
constexpr double kF32ForwardUlp = 1.0;
constexpr double kF32BackwardUlp = 2.0;

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
  for (T& e : v) e = static_cast<T>(u(rng));
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
void CheckAccuracy(Op op) {
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
      gated(op, g, u, out, params);
      gated_backward(op, g, u, dout, dg, du, params);
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
      const double bound_f = sizeof(T) == 4 ? kF32ForwardUlp : 2 * own_f + 1;
      const double bound_b = sizeof(T) == 4 ? kF32BackwardUlp : 2 * own_b + 1;
      EXPECT_LE(worst_f, bound_f) << "forward, worst at gate " << g[at_f];
      EXPECT_LE(worst_g, bound_b) << "d_gate, worst at gate " << g[at_g];
      EXPECT_LE(worst_u, bound_f) << "d_up, worst at gate " << g[at_u];
    });
  }
}

TEST_P(GatedTest, Float32MatchesReference) { CheckAccuracy<float>(GetParam()); }

// float32 with up and dout inputs of every size: act(gate) * up where it leaves the range that
// the float-lane gates (glu, swiglu) compute in (gate * up overflowing while the result is
// finite: gate -80, up 1e37), results down to the subnormals, subnormal ups, results that
// overflow; act(gate) far below float32's range brought back by a large factor (gelu(-18) *
// 2^126). Each result is within the element-wise bounds of the reference.
TEST_P(GatedTest, Float32ExtremeUps) {
  const Op op = GetParam();
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
      gated(op, g, u, out, params);
      gated_backward(op, g, u, dout, dg, du, params);
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
      const double bound[3] = {kF32ForwardUlp, kF32BackwardUlp, kF32ForwardUlp};
      for (int k = 0; k < 3; ++k) {
        const size_t i = at[k];
        EXPECT_LE(worst[k], bound[k])
            << what[k] << ", worst at gate " << g[i] << ", up " << u[i] << ", dout " << dout[i];
      }
    });
  }
}
TEST_P(GatedTest, Float64MatchesReference) { CheckAccuracy<double>(GetParam()); }

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
void CheckLengthsAndInPlace(Op op) {
  ForEachTarget([&](const char* target) {
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 4 * 16 + 3; ++n) lengths.push_back(n);
    for (size_t n : {1000, 70001}) lengths.push_back(n);
    for (size_t n : lengths) {
      SCOPED_TRACE(std::string(target) + " n=" + std::to_string(n));
      const std::vector<T> g = RandomVector<T>(n, 6.0, n), u = RandomVector<T>(n, 2.0, n + 1);
      const std::vector<T> dout = RandomVector<T>(n, 1.5, n + 2);
      std::vector<T> out(n), dg(n), du(n);
      gated(op, g, u, out);
      gated_backward(op, g, u, dout, dg, du);
      const size_t step = n > 100 ? 997 : 1;
      for (size_t i = 0; i < n; i += step) {
        T o, a, b;
        gated(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&o, 1));
        gated_backward(op, std::span(&g[i], 1), std::span(&u[i], 1), std::span(&dout[i], 1),
                       std::span(&a, 1), std::span(&b, 1));
        ASSERT_TRUE(SameBits(o, out[i])) << "i=" << i;
        ASSERT_TRUE(SameBits(a, dg[i])) << "d_gate i=" << i;
        ASSERT_TRUE(SameBits(b, du[i])) << "d_up i=" << i;
      }
      std::vector<T> over_gate = g, over_up = u;
      gated(op, over_gate, u, over_gate);
      gated(op, g, over_up, over_up);
      EXPECT_TRUE(std::equal(out.begin(), out.end(), over_gate.begin(), SameBits<T>));
      EXPECT_TRUE(std::equal(out.begin(), out.end(), over_up.begin(), SameBits<T>));
      std::vector<T> gg = g, uu = u;
      gated_backward(op, gg, uu, dout, gg, uu);
      EXPECT_TRUE(std::equal(dg.begin(), dg.end(), gg.begin(), SameBits<T>));
      EXPECT_TRUE(std::equal(du.begin(), du.end(), uu.begin(), SameBits<T>));
    }
  });
}

TEST_P(GatedTest, AllLengthsAndInPlaceFloat32) { CheckLengthsAndInPlace<float>(GetParam()); }
TEST_P(GatedTest, AllLengthsAndInPlaceFloat64) { CheckLengthsAndInPlace<double>(GetParam()); }

// NaN gate: every result NaN. NaN up: out and d_gate NaN, d_up = dout * act(gate) regardless.
// NaN dout: both gradients NaN.
TEST_P(GatedTest, NanPropagation) {
  const Op op = GetParam();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ForEachTarget([&](const char* target) {
    SCOPED_TRACE(target);
    const std::vector<float> g = {nan, 1.5f, 0.5f, -2.0f}, u = {2.0f, nan, 3.0f, 1.0f};
    const std::vector<float> dout = {1.0f, 1.0f, nan, 1.0f};
    std::vector<float> out(4), dg(4), du(4), f(4);
    gated(op, g, u, out);
    gated_backward(op, g, u, dout, dg, du);
    forward(op, std::span<const float>(g), std::span<float>(f));
    EXPECT_TRUE(std::isnan(out[0]) && std::isnan(dg[0]) && std::isnan(du[0]));
    EXPECT_TRUE(std::isnan(out[1]) && std::isnan(dg[1]));
    EXPECT_EQ(du[1], f[1]);
    EXPECT_TRUE(std::isnan(dg[2]) && std::isnan(du[2]));
    EXPECT_FALSE(std::isnan(out[3]) || std::isnan(dg[3]) || std::isnan(du[3]));
  });
}

// A zero up or dout makes the products zero, with the sign of the exact product: out = act(gate)
// * up, d_gate = act'(gate) * dout * up, d_up = dout * act(gate), as IEEE multiplication gives
// it (where act(gate) or act'(gate) is itself exactly zero, the sign is the kernel's own and is
// not checked). Every target, float32 and bfloat16 (whose float-lane paths differ).
template <typename T>
void CheckSignedZeros(Op op) {
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
    gated(op, g, u, out);
    gated_backward(op, g, u, dout, dg, du);
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

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
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
