// The MPFR reference (reference/mpfr_reference.h) against the long double one on every function,
// parameter set and input of the accuracy checks, so that a wrong formula in either shows; and
// forward_ulp_error_mpfr on hand-made cases whose errors are known, binade edges included.
#include "mpfr_reference.h"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "ulp.h"

namespace activ::ref {
namespace {

// reference.cc promises a few long double ULP (2^-64) relative on every finite input.
constexpr long double kRelTol = 0x1p-60L;
// Below this both are far under the smallest double and their relative difference means nothing
// (the long double reference's own intermediates are subnormal there).
constexpr long double kTinyAbs = 0x1p-1084L;

// The sanitizer builds, which look for memory errors and undefined behaviour rather than accuracy,
// divide the sweep by ACTIV_TEST_SWEEP_DIVISOR (as in kernel_test).
size_t SweepSize(size_t n) {
  const char* d = std::getenv("ACTIV_TEST_SWEEP_DIVISOR");
  const long divisor = d ? std::strtol(d, nullptr, 10) : 1;
  return divisor > 1 ? n / static_cast<size_t>(divisor) : n;
}

// The sweep of the accuracy checks, and the points where either reference changes formula or
// where f(x) lies within 2^-256 of a power of two, each with its two neighbours.
std::vector<double> Inputs() {
  std::vector<double> v = SweepInputs<double>(SweepSize(1 << 16));
  for (double s : SpecialInputs<double>()) v.push_back(s);
  for (double c : {0x1p-600, 0x1p-64, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 40.0, 89.0, 129.0, 1000.0,
                   0x1p100, 0x1p200, 0x1p300, 1e300}) {
    for (double x : {c, -c}) {
      v.push_back(x);
      v.push_back(std::nextafter(x, INFINITY));
      v.push_back(std::nextafter(x, -INFINITY));
    }
  }
  return v;
}

std::string Describe(Op op, size_t set, double x) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (parameter set %zu) at x = %a", std::string(name(op)).c_str(),
                set, x);
  return buf;
}

// The long double reference r and the MPFR one m agree: both NaN, equal (zeros of the same sign),
// both negligible with the same sign, or within tol relative (*rel, 0 in the other cases).
bool Agree(long double r, long double m, long double tol, long double* rel) {
  *rel = 0;
  if (std::isnan(r) || std::isnan(m)) return std::isnan(r) && std::isnan(m);
  if (r == m) return r != 0 || std::signbit(r) == std::signbit(m);
  if (std::fabs(r) < kTinyAbs && std::fabs(m) < kTinyAbs) return std::signbit(r) == std::signbit(m);
  *rel = std::fabs(r - m) / std::fabs(m);
  return *rel <= tol;
}

TEST(MpfrReference, BuiltThreadSafe) { EXPECT_TRUE(mpfr_buildopt_tls_p()); }

struct Combination {
  Op op;
  size_t set;
  std::vector<double> p;
};

std::vector<Combination> Combinations() {
  std::vector<Combination> v;
  for (const OpInfo& info : all_ops()) {
    const std::vector<Params> sets = TestParams(info.op);
    for (size_t set = 0; set < sets.size(); ++set) {
      v.push_back({info.op, set, KernelParams<double>(info.op, sets[set])});
    }
  }
  return v;
}

// Runs check(i, combination i, messages) for every combination, spread over up to 4 threads (the
// MPFR reference is thread-safe; this keeps the test within seconds), then reports the messages.
template <typename Check>
void ForEachCombination(Check check) {
  const std::vector<Combination> all = Combinations();
  std::vector<std::vector<std::string>> messages(all.size());
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < all.size(); i += threads) check(i, all[i], messages[i]);
    });
  }
  for (std::thread& th : pool) th.join();
  for (const auto& m : messages) {
    for (const std::string& text : m) ADD_FAILURE() << text;
  }
}

// Largest disagreement per function and parameter set, printed as a table.
TEST(MpfrReference, AgreesWithLongDoubleReference) {
  const std::vector<double> xs = Inputs();
  std::vector<std::string> rows(Combinations().size());
  ForEachCombination([&](size_t i, const Combination& k, std::vector<std::string>& messages) {
    long double worst_rel = 0;
    double worst_ulp = 0, rel_x = NAN, ulp_x = NAN;
    for (double x : xs) {
      const long double r = forward(k.op, x, k.p.data());
      const long double m = forward_mpfr(k.op, x, k.p.data());
      long double rel = 0;
      const bool ok = Agree(r, m, kRelTol, &rel);
      if (rel > worst_rel) worst_rel = rel, rel_x = x;
      const double ulp = rel == 0 ? 0 : static_cast<double>(std::fabs(r - m) / UlpOf<double>(m));
      if (ulp > worst_ulp) worst_ulp = ulp, ulp_x = x;
      if (!ok && messages.size() < 5) {
        std::ostringstream os;
        os << Describe(k.op, k.set, x) << ": long double " << static_cast<double>(r) << " ("
           << std::hexfloat << r << "), MPFR " << std::defaultfloat << static_cast<double>(m)
           << " (" << std::hexfloat << m << ")";
        messages.push_back(os.str());
      }
    }
    char row[160];
    std::snprintf(row, sizeof row, "%-14s %3zu %10.3g %-24a %10.3g %-24a",
                  std::string(name(k.op)).c_str(), k.set, static_cast<double>(worst_rel), rel_x,
                  worst_ulp, ulp_x);
    rows[i] = row;
  });
  std::printf("%-14s %3s %10s %-24s %10s %-24s\n", "function", "set", "max rel", "at x", "max ULP",
              "at x");
  for (const std::string& row : rows) std::printf("%s\n", row.c_str());
  std::printf("%zu combinations of function, parameter set and input\n", rows.size() * xs.size());
}

// Parameters beyond TestParams: negative and zero slopes, scales and betas, extreme b and alpha,
// on a smaller sweep. celu with a negative alpha grows like e^(x/alpha), and reference.cc rounds
// x/alpha to long double first, which costs |x/alpha| 2^-64 relative: twice that is allowed there
// (measured: 2.3e-16 at x = -6391 in a sweep of 2^13 inputs; at most 710 2^-64 = 4e-17 where
// the result is within the range of double, which is still a sixth of a double ULP).
TEST(MpfrReference, AgreesOnOtherParameters) {
  struct Set {
    Op op;
    Params params;
  };
  const Set sets[] = {
      {Op::softplus, {{"beta", -1.5}, {"threshold", 5.0}}},
      {Op::softplus, {{"beta", 1e-3}, {"threshold", -3.0}}},
      {Op::celu, {{"alpha", -0.7}}},
      {Op::celu, {{"alpha", 1e-300}}},
      {Op::celu, {{"alpha", 1e300}}},
      {Op::elu, {{"alpha", -2.0}}},
      {Op::elu, {{"alpha", 0.0}}},
      {Op::selu, {{"alpha", 0.0}, {"scale", -2.0}}},
      {Op::selu, {{"alpha", 2.0}, {"scale", 0.0}}},
      {Op::silu, {{"beta", -1.0}}},
      {Op::silu, {{"beta", 0.0}}},
      {Op::silu, {{"beta", 1e-200}}},
      {Op::squareplus, {{"b", 1e-300}}},
      {Op::squareplus, {{"b", 1e300}}},
      {Op::leaky_relu, {{"negative_slope", 0.0}}},
      {Op::leaky_relu, {{"negative_slope", -0.0}}},
      {Op::prelu, {{"weight", -3.0}}},
      {Op::rrelu, {{"lower", -0.5}, {"upper", 0.5}}},
      {Op::rrelu, {{"lower", -3.0}, {"upper", 1.0}}},
      {Op::hardshrink, {{"lambd", 0.0}}},
      {Op::softshrink, {{"lambd", 0.0}}},
      {Op::hardtanh, {{"min_val", 0.0}, {"max_val", 0.0}}},
  };
  std::vector<double> xs = SweepInputs<double>(1 << 12, 3);
  for (double c : {0x1p-1074, 0x1p-600, 1.0, 2.0, 1e300}) {
    xs.push_back(c);
    xs.push_back(-c);
  }
  for (const Set& set : sets) {
    const std::vector<double> p = KernelParams<double>(set.op, set.params);
    int failures = 0;
    for (double x : xs) {
      const long double r = forward(set.op, x, p.data());
      const long double m = forward_mpfr(set.op, x, p.data());
      long double tol = kRelTol;
      if (set.op == Op::celu && p[0] < 0) tol += std::fabs(x / p[0]) * 0x1p-63L;
      long double rel = 0;
      if (!Agree(r, m, tol, &rel) && ++failures <= 5) {
        ADD_FAILURE() << Activation{set.op, set.params}.to_string() << " at x = " << std::hexfloat
                      << x << ": long double " << r << ", MPFR " << m;
      }
    }
  }
}

// The correctly rounded double, from the long double (the double rounding costs at most 2^-11
// ULP, for which the bounds below leave room).
double Rounded(Op op, double x, const double* p) {
  return static_cast<double>(forward_mpfr(op, x, p));
}

// On every 61st input: the rounded value is within half an ULP, its neighbours between
// half an ULP and 2.5 (2 plus a half where the neighbour is in the binade above), and all three
// agree with UlpError<double> of ulp.h against the MPFR value, except where the long double
// lies within 2^-62 of a power of two and ulp.h cannot know the binade.
TEST(MpfrReference, UlpErrorOfRoundedValuesAndNeighbours) {
  const std::vector<double> xs = Inputs();
  ForEachCombination([&](size_t, const Combination& k, std::vector<std::string>& messages) {
    const double* p = k.p.data();
    for (size_t i = 0; i < xs.size(); i += 61) {
      const double x = xs[i];
      const long double m = forward_mpfr(k.op, x, p);
      const double c = static_cast<double>(m);
      int exp2 = 0;
      const long double frac = std::frexp(std::fabs(m), &exp2);
      const bool near_pow2 = std::isfinite(m) && (frac - 0.5L) < 0x1p-62L;
      for (double got : {c, std::nextafter(c, INFINITY), std::nextafter(c, -INFINITY)}) {
        const double err = forward_ulp_error_mpfr(k.op, x, p, got);
        bool ok = got == c ? err <= 0.5 + 0x1p-10
                           : (err >= 0.5 - 0x1p-10 && (err <= 2.5 || std::isinf(c)));
        if (std::isnan(c) || (std::isinf(c) && got == c)) ok = err == 0;
        if (std::isinf(got) && got != c) ok = std::isinf(err);
        if (!near_pow2 && std::fabs(m) >= 0x1p-1022L && !std::isinf(got)) {
          ok = ok && std::fabs(err - UlpError<double>(got, m)) <= 0x1p-10;
        }
        if (!ok && messages.size() < 5) {
          std::ostringstream os;
          os << Describe(k.op, k.set, x) << ": got " << std::hexfloat << got << ", f(x) = " << m
             << std::defaultfloat << ", error " << err << " ULP, ulp.h says "
             << UlpError<double>(got, m);
          messages.push_back(os.str());
        }
      }
    }
  });
}

Params None() { return {}; }

double Err(Op op, const Params& params, double x, double got) {
  return forward_ulp_error_mpfr(op, x, KernelParams<double>(op, params).data(), got);
}

TEST(MpfrReference, UlpErrorConventions) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = INFINITY, max = std::numeric_limits<double>::max();
  // NaN matches NaN only.
  EXPECT_EQ(Err(Op::identity, None(), nan, nan), 0.0);
  EXPECT_EQ(Err(Op::sigmoid, None(), nan, nan), 0.0);
  EXPECT_EQ(Err(Op::identity, None(), nan, 1.0), inf);
  EXPECT_EQ(Err(Op::sigmoid, None(), 1.0, nan), inf);
  // An infinite f(x) is matched only by that infinity.
  EXPECT_EQ(Err(Op::identity, None(), inf, inf), 0.0);
  EXPECT_EQ(Err(Op::identity, None(), -inf, -inf), 0.0);
  EXPECT_EQ(Err(Op::identity, None(), inf, max), inf);
  EXPECT_EQ(Err(Op::identity, None(), -inf, inf), inf);
  EXPECT_EQ(Err(Op::identity, None(), max, inf), inf);
  // A finite f(x) beyond the range is matched by the infinity it rounds to: from
  // 2^1024 - 2^970 = (2^27 + 1) 2^970 (2^27 - 1) on (the tie goes to infinity).
  const double slope = -(0x1p27 - 1), edge = -(0x1p27 + 1) * 0x1p970;
  const Params leaky{{"negative_slope", slope}};
  EXPECT_EQ(Err(Op::leaky_relu, leaky, edge, inf), 0.0);
  EXPECT_EQ(Err(Op::leaky_relu, leaky, edge, -inf), inf);
  EXPECT_EQ(Err(Op::leaky_relu, leaky, std::nextafter(edge, 0.0), inf), inf);
  // There f(x) = 2^1024 - 2^970 - 2^972 + 2^945: 1.5 - 2^-26 ULP below DBL_MAX.
  EXPECT_NEAR(Err(Op::leaky_relu, leaky, std::nextafter(edge, 0.0), max), 1.5, 1e-6);
  EXPECT_EQ(Err(Op::relu_squared, None(), 0x1p512, inf), 0.0);
  EXPECT_NEAR(Err(Op::relu_squared, None(), std::nextafter(0x1p512, 0.0), max), 1.0, 1e-6);
  // Below the smallest normal the ULP is 2^-1074, and an exact zero is measured with it.
  EXPECT_EQ(Err(Op::identity, None(), 0x1p-1074, 0x1p-1073), 1.0);
  EXPECT_EQ(Err(Op::relu, None(), -1.0, 0x1p-1072), 4.0);
  EXPECT_EQ(Err(Op::identity, None(), 0x1p-1022, std::nextafter(0x1p-1022, 1.0)), 1.0);
  EXPECT_EQ(Err(Op::identity, None(), 0x1p-1021, std::nextafter(0x1p-1021, 0.0)), 0.5);
  // Exact results.
  EXPECT_EQ(Err(Op::identity, None(), 1.0, 1.0), 0.0);
  EXPECT_EQ(Err(Op::identity, None(), 1.0, std::nextafter(1.0, 2.0)), 1.0);
  EXPECT_EQ(Err(Op::hardsigmoid, None(), 0.0, 0.5), 0.0);
  EXPECT_EQ(Err(Op::hardswish, None(), -4.0, 0x1p-1074), 1.0);
}

// f(x) in the middle of a binade: the correctly rounded value is within half an ULP, its
// neighbours between a half and 1.5.
TEST(MpfrReference, UlpErrorOfNeighbours) {
  struct Case {
    Op op;
    double x;
  };
  for (const Case& k : {Case{Op::sigmoid, 0.5}, Case{Op::gelu, -1.25}, Case{Op::tanh, 0.75},
                        Case{Op::mish, -0.5}, Case{Op::gelu_tanh, 2.5}, Case{Op::elu, -0.3},
                        Case{Op::softplus, 3.0}, Case{Op::tanhshrink, 1e-5}}) {
    SCOPED_TRACE(name(k.op));
    const std::vector<double> p = KernelParams<double>(k.op, {});
    const double c = Rounded(k.op, k.x, p.data());
    const double e = forward_ulp_error_mpfr(k.op, k.x, p.data(), c);
    EXPECT_LE(e, 0.5);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(c, INFINITY)), 1.0, 0.5);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(c, -INFINITY)), 1.0,
                0.5);
  }
}

// f(x) just below a power of two c in magnitude, closer than 2^-256 (or than anything: e^-1000):
// c is the rounded value, its neighbour towards 0 is one ULP of the binade below away, and its
// neighbour away from 0 two. A value that rounded to c would say 0.5 and 1.
TEST(MpfrReference, UlpErrorJustBelowPowerOfTwo) {
  struct Case {
    Op op;
    Params params;
    double x, c;
  };
  const Case cases[] = {
      {Op::sigmoid, {}, 1000.0, 1.0},
      {Op::sigmoid, {}, 1e300, 1.0},
      {Op::sigmoid, {}, -0x1p-600, 0.5},
      {Op::tanh, {}, -0x1p-600, -0x1p-600},
      {Op::tanh, {}, 200.0, 1.0},
      {Op::gelu, {}, -0x1p-600, -0x1p-601},
      {Op::gelu, {}, 0x1p10, 0x1p10},
      {Op::gelu_tanh, {}, -0x1p-600, -0x1p-601},
      {Op::gelu_tanh, {}, 0x1p10, 0x1p10},
      {Op::silu, {}, -0x1p-600, -0x1p-601},
      {Op::silu, {}, 0x1p300, 0x1p300},
      {Op::quick_gelu, {}, -0x1p-600, -0x1p-601},
      {Op::mish, {}, 0x1p100, 0x1p100},
      {Op::softsign, {}, 0x1p-600, 0x1p-600},
      {Op::softsign, {}, -0x1p1000, -1.0},
      {Op::elu, {}, -0x1p-600, -0x1p-600},
      {Op::elu, {}, -1000.0, -1.0},
      {Op::elu, {}, -1e300, -1.0},
      {Op::celu, {{"alpha", 2.0}}, -0x1p-600, -0x1p-600},
      {Op::celu, {}, -1000.0, -1.0},
      {Op::hardsigmoid, {}, -0x1p-600, 0.5},
      {Op::hardswish, {}, -0x1p-600, -0x1p-601},
      {Op::softshrink, {}, 0x1p300, 0x1p300},
      {Op::softshrink, {}, -0x1p300, -0x1p300},
      {Op::tanhshrink, {}, 0x1p300, 0x1p300},
      {Op::squareplus, {}, -0x1p300, 0x1p-300},
      {Op::squareplus, {}, -0x1p-600, 1.0},
      {Op::squareplus, {{"b", 1.0}}, -0x1p-600, 0.5},
      {Op::rrelu, {{"lower", -0x1p-600}, {"upper", 0.5}}, -1.0, -0.25},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(Describe(k.op, 0, k.x));
    const std::vector<double> p = KernelParams<double>(k.op, k.params);
    EXPECT_EQ(Rounded(k.op, k.x, p.data()), k.c);
    EXPECT_LT(forward_ulp_error_mpfr(k.op, k.x, p.data(), k.c), 1e-3);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(k.c, 0.0)), 1.0, 1e-9);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(k.c, 2 * k.c)), 2.0,
                1e-9);
  }
}

// ... and just above: the ULP is that of c's own binade, so the neighbours are a half and one
// ULP away.
TEST(MpfrReference, UlpErrorJustAbovePowerOfTwo) {
  struct Case {
    Op op;
    double x, c;
  };
  for (const Case& k :
       {Case{Op::sigmoid, 0x1p-600, 0.5}, Case{Op::tanhshrink, 129.0, 128.0},
        Case{Op::tanhshrink, -129.0, -128.0}, Case{Op::logsigmoid, -0x1p300, -0x1p300},
        Case{Op::gelu, 0x1p-600, 0x1p-601}, Case{Op::squareplus, 0x1p-600, 1.0},
        Case{Op::softplus, -1000.0, 0.0}}) {
    SCOPED_TRACE(Describe(k.op, 0, k.x));
    const std::vector<double> p = KernelParams<double>(k.op, {});
    if (k.c == 0) {  // softplus(-1000) = e^-1000 (1 - ...): exactly nothing of double
      EXPECT_LT(forward_ulp_error_mpfr(k.op, k.x, p.data(), 0.0), 1e-100);
      EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), 0x1p-1074), 1.0, 1e-9);
      continue;
    }
    EXPECT_EQ(Rounded(k.op, k.x, p.data()), k.c);
    EXPECT_LT(forward_ulp_error_mpfr(k.op, k.x, p.data(), k.c), 1e-3);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(k.c, 0.0)), 0.5, 1e-3);
    EXPECT_NEAR(forward_ulp_error_mpfr(k.op, k.x, p.data(), std::nextafter(k.c, 2 * k.c)), 1.0,
                1e-3);
  }
}

// Several threads at once give the results of one thread, and a call leaves the caller's MPFR
// exponent range as it was.
TEST(MpfrReference, ThreadsAgreeAndRangeIsRestored) {
  const Op ops[] = {Op::gelu, Op::sigmoid, Op::tanhshrink, Op::mish, Op::squareplus};
  const std::vector<double> xs = SweepInputs<double>(512, 7);
  auto run = [&](std::vector<double>& out) {
    for (Op op : ops) {
      const std::vector<double> p = KernelParams<double>(op, {});
      for (double x : xs) {
        out.push_back(forward_ulp_error_mpfr(op, x, p.data(), std::nextafter(x, 0.0)));
        out.push_back(static_cast<double>(forward_mpfr(op, x, p.data())));
      }
    }
  };
  std::vector<double> serial;
  run(serial);
  std::vector<double> parallel[3];
  std::vector<std::thread> threads;
  for (auto& out : parallel) {
    threads.emplace_back([&] {
      mpfr_set_emin(-100);  // a caller with its own range, which must not leak into the results
      run(out);
      EXPECT_EQ(mpfr_get_emin(), -100);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& out : parallel) {
    ASSERT_EQ(out.size(), serial.size());
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_TRUE(out[i] == serial[i] || (std::isnan(out[i]) && std::isnan(serial[i]))) << i;
    }
  }
}

}  // namespace
}  // namespace activ::ref
