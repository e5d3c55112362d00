// The MPFR reference: every activation from its mathematical definition at 256 bits (x tanh(log1p
// e^x) for mish, erfc for gelu, ...), with its own rearrangements where cancellation needs them,
// so that it and the long double reference catch each other's wrong formulas
// (tests/mpfr_reference_test.cc compares them on every input of the accuracy sweep).
//
// Each function is evaluated as an unevaluated sum a + b of two 256-bit numbers, a the main part
// (often exact: x, x/2, 1, -alpha) and b a correction computed to full relative precision, and
// the sum is rounded once, to odd (AddRoundToOdd). Two reasons:
//  - the ULP of double at f(x) is that of the binade of the exact f(x), and f(x) can lie far
//    closer below a power of two than 2^-256: sigmoid(1000) = 1 - e^-1000, tanh(-2^-600),
//    gelu(-2^-600) = -2^-601 + 2^-1200/sqrt(2 pi), x - 0.5 for x = 2^300. A plain 256-bit value
//    rounds to the power of two and lands in the binade above, which halves the error of every
//    result on the far side. A rounded-to-odd sum is never a power of two unless it is exact, so
//    it stays in the binade of a + b.
//  - rounding to odd at 256 bits and then to nearest at 64 is the correct rounding of a + b to
//    long double (no double rounding), which forward_mpfr returns.
// Where the split is not needed (f(x) at least 2^-200 relative away from any simple value), a is
// the plain 256-bit result and b = 0. Where a and b would cancel, the comments say what is done.
//
// Working range: MPFR's widest exponent range, 2^(+-4.6e18), so that x^3 of the largest double
// and e^-745 are ordinary numbers; e^-1e300, below the range, becomes its smallest number (see
// kRnd), and the only overflows (e^(x/alpha) of celu with a negative alpha) are of results far
// beyond any floating-point range.
#include "mpfr_reference.h"

#include <gmp.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>

namespace activ::ref {
namespace {

constexpr mpfr_prec_t kPrec = 256;
// Every step of the evaluation rounds away from zero: as accurate as rounding to nearest (one
// 256-bit ULP instead of half), and a nonzero value never underflows to zero. e^-1e300 becomes
// 2^-4.6e18 instead of 0, still there to put sigmoid(1e300) below 1 and mish(2^100) below 2^100.
constexpr mpfr_rnd_t kRnd = MPFR_RNDA;
constexpr mpfr_rnd_t kRN = MPFR_RNDN;

// x - tanh x for 2^-64 <= |x| < 1 loses log2(3/x^2) < 130 bits to cancellation: tanh is taken
// with that much more precision.
constexpr mpfr_prec_t kTanhshrinkPrec = kPrec + 2 * 64 + 16;

// MPFR keeps per-thread caches (pi, log 2, its integer pool); a thread that dies with them
// leaks them, which LeakSanitizer reports. Released at thread exit.
struct CacheRelease {
  CacheRelease() = default;
  CacheRelease(const CacheRelease&) = delete;
  CacheRelease& operator=(const CacheRelease&) = delete;
  ~CacheRelease() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }
};

// The widest exponent range for the duration of a call, then the caller's range and flags
// again: both are per thread in a thread-safe MPFR, so calls in parallel threads do not meet.
class WideRange {
 public:
  WideRange() : emin_(mpfr_get_emin()), emax_(mpfr_get_emax()), flags_(mpfr_flags_save()) {
    static thread_local CacheRelease release;
    (void)release;
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
  }
  WideRange(const WideRange&) = delete;
  WideRange& operator=(const WideRange&) = delete;
  ~WideRange() {
    mpfr_set_emin(emin_);
    mpfr_set_emax(emax_);
    mpfr_flags_restore(flags_, MPFR_FLAGS_ALL);
  }

 private:
  mpfr_exp_t emin_, emax_;
  mpfr_flags_t flags_;
};

// |v| < 2^k for a nonzero finite v (MPFR's exponent e has |v| in [2^(e-1), 2^e)).
bool BelowPow2(mpfr_srcptr v, mpfr_exp_t k) { return mpfr_regular_p(v) && mpfr_get_exp(v) <= k; }

void SetZero(mpfr_ptr r, bool negative) { mpfr_set_zero(r, negative ? -1 : 1); }

// The sum of the two parts, rounded to odd: toward zero, then, if inexact, the last bit set.
void AddRoundToOdd(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b) {
  if (mpfr_zero_p(b)) {  // keeps the sign of a zero a
    mpfr_set(y, a, kRnd);
    return;
  }
  if (mpfr_add(y, a, b, MPFR_RNDZ) != 0 && mpfr_regular_p(y) &&
      mpfr_min_prec(y) < mpfr_get_prec(y)) {
    if (mpfr_sgn(y) > 0) {
      mpfr_nextabove(y);
    } else {
      mpfr_nextbelow(y);
    }
  }
}

// sigmoid(t) = hi + lo: for |t| <= 1, 1/2 + tanh(t/2)/2 (near 0 the value is 1/2 plus a
// correction that decides the binade); for t > 1, 1 - e^-t/(1 + e^-t) (1 minus as little as
// e^-1e300); for t < -1, e^t/(1 + e^t) with lo = 0. e^-|t| never overflows.
void Logistic(mpfr_srcptr t, mpfr_ptr hi, mpfr_ptr lo) {
  MPFR_DECL_INIT(e, kPrec);
  MPFR_DECL_INIT(d, kPrec);
  if (mpfr_cmpabs_ui(t, 1) <= 0) {
    mpfr_set_d(hi, 0.5, kRnd);
    mpfr_div_2ui(e, t, 1, kRnd);
    mpfr_tanh(lo, e, kRnd);
    mpfr_div_2ui(lo, lo, 1, kRnd);
  } else if (mpfr_sgn(t) > 0) {
    mpfr_neg(e, t, kRnd);
    mpfr_exp(e, e, kRnd);
    mpfr_add_ui(d, e, 1, kRnd);
    mpfr_set_ui(hi, 1, kRnd);
    mpfr_div(lo, e, d, kRnd);
    mpfr_neg(lo, lo, kRnd);
  } else {
    mpfr_exp(e, t, kRnd);
    mpfr_add_ui(d, e, 1, kRnd);
    mpfr_div(hi, e, d, kRnd);
    SetZero(lo, false);
  }
}

// x sigmoid(t) = a + b (x hi is exact where hi is 1/2 or 1).
void TimesLogistic(mpfr_srcptr x, mpfr_srcptr t, mpfr_ptr a, mpfr_ptr b) {
  Logistic(t, a, b);
  mpfr_mul(a, a, x, kRnd);
  mpfr_mul(b, b, x, kRnd);
}

// 1 - tanh|x| = 2e/(1 + e), e = e^-2|x|: the tail of tanh near +-1, without cancellation.
void OneMinusTanhAbs(mpfr_srcptr x, mpfr_ptr r) {
  MPFR_DECL_INIT(e, kPrec);
  MPFR_DECL_INIT(d, kPrec);
  mpfr_abs(e, x, kRnd);
  mpfr_mul_si(e, e, -2, kRnd);
  mpfr_exp(e, e, kRnd);
  mpfr_add_ui(d, e, 1, kRnd);
  mpfr_mul_2ui(e, e, 1, kRnd);
  mpfr_div(r, e, d, kRnd);
}

// x^3 (c0 + c2 x^2 + c4 x^4) / 315: the series of tanh x - x (-105, 42, -17) and of x - tanh x
// (105, -42, 17) for |x| < 2^-64, where the first omitted term, 62/2835 x^9, is below 2^-387 of
// the sum.
void TanhSeries(mpfr_srcptr x, long c0, long c2, long c4, mpfr_ptr r) {
  MPFR_DECL_INIT(x2, kPrec);
  MPFR_DECL_INIT(h, kPrec);
  mpfr_sqr(x2, x, kRnd);
  mpfr_mul_si(h, x2, c4, kRnd);
  mpfr_add_si(h, h, c2, kRnd);
  mpfr_mul(h, h, x2, kRnd);
  mpfr_add_si(h, h, c0, kRnd);
  mpfr_mul(h, h, x2, kRnd);
  mpfr_mul(h, h, x, kRnd);
  mpfr_div_ui(r, h, 315, kRnd);
}

// c expm1(t) = a + b, given ct = c t exactly (c x, or x itself for celu's t = x/alpha, which is
// rounded). Near 0 it is c t + c (expm1(t) - t), the series t^2 (60 + 20t + 5t^2 + t^3)/120
// (the omitted t^6/720 is below 2^-264 of the correction); for t <= -1 it is -c + c e^t, where
// e^t may be below 2^-256.
void ScaledExpm1(mpfr_srcptr c, mpfr_srcptr t, mpfr_srcptr ct, mpfr_ptr a, mpfr_ptr b) {
  MPFR_DECL_INIT(e, kPrec);
  if (BelowPow2(t, -64)) {
    mpfr_add_ui(e, t, 5, kRnd);
    mpfr_mul(e, e, t, kRnd);
    mpfr_add_ui(e, e, 20, kRnd);
    mpfr_mul(e, e, t, kRnd);
    mpfr_add_ui(e, e, 60, kRnd);
    mpfr_mul(e, e, t, kRnd);
    mpfr_mul(e, e, t, kRnd);
    mpfr_div_ui(e, e, 120, kRnd);
    mpfr_set(a, ct, kRnd);
    mpfr_mul(b, c, e, kRnd);
  } else if (mpfr_regular_p(t) && mpfr_cmp_si(t, -1) <= 0) {
    mpfr_neg(a, c, kRnd);
    mpfr_exp(e, t, kRnd);
    mpfr_mul(b, c, e, kRnd);
  } else {  // also t = +-0 (a = +-0 with the product's sign), -inf (-c) and +inf
    mpfr_expm1(e, t, kRnd);
    mpfr_mul(a, c, e, kRnd);
  }
}

// For the kinked functions that return x, 0 or a parameter.
void Select(double v, mpfr_ptr a) { mpfr_set_d(a, v, kRnd); }

void Sigmoid(mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) { Logistic(x, a, b); }

void Tanh(mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  if (mpfr_zero_p(x)) {
    mpfr_set(a, x, kRnd);
  } else if (BelowPow2(x, -64)) {
    mpfr_set(a, x, kRnd);
    TanhSeries(x, -105, 42, -17, b);
  } else if (mpfr_cmpabs_ui(x, 1) >= 0) {  // +-(1 - (1 - tanh|x|)), also for +-inf
    mpfr_set_si(a, mpfr_sgn(x), kRnd);
    OneMinusTanhAbs(x, b);
    if (mpfr_sgn(x) > 0) mpfr_neg(b, b, kRnd);
  } else {
    mpfr_tanh(a, x, kRnd);
  }
}

// x - tanh x.
void Tanhshrink(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  const long sign = mpfr_sgn(x);
  if (mpfr_zero_p(x)) {
    mpfr_set(a, x, kRnd);
  } else if (BelowPow2(x, -64)) {
    TanhSeries(x, 105, -42, 17, a);
  } else if (std::fabs(xd) >= 0x1p200) {
    // (x -+ 1) +- e^(-2^201)...: the last term is far below anything, x -+ 1 needs more than
    // 256 bits, and a rounded-to-odd x -+ 1 is in its binade (x = 2^300: below 2^300).
    mpfr_set(a, x, kRnd);
    mpfr_set_si(b, -sign, kRnd);
  } else if (std::fabs(xd) >= 1) {
    // (x -+ 1) +- (1 - tanh|x|), x -+ 1 exact (at most 202 bits): 1 - tanh|x| is the part that
    // decides the binade where x -+ 1 is a power of two (x = 129: 128 + 2e^-258).
    mpfr_sub_si(a, x, sign, kRnd);
    OneMinusTanhAbs(x, b);
    if (sign < 0) mpfr_neg(b, b, kRnd);
  } else {
    MPFR_DECL_INIT(t, kTanhshrinkPrec);
    mpfr_tanh(t, x, kRnd);
    mpfr_sub(a, x, t, kRnd);
  }
}

// erf and erfc for z >= 0. MPFR's own take 20 to 35 us below z = 2 and milliseconds between 3
// and 50 (10 ms at 30: erfc is 1 - erf with the precision that the cancellation needs), which
// would make gelu thousands of times slower than the other functions. Instead:
//  - z < 6: the series of positive terms
//    erf(z) = 2z/sqrt(pi) e^(-z^2) sum_n (2z^2)^n/(1 3 5 ... (2n+1)), summed at kErfcPrec bits,
//    which leave 96 bits for the at most 55 that 1 - erf cancels (erfc(6) = 2e-17);
//  - 6 <= z < 60: Laplace's continued fraction
//    erfc(z) = e^(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), evaluated
//    backwards from N = (56/z + 5)^2 terms (all positive, so stable), 1.24 to 1.33 times the
//    number measured to reach 2^-262 against MPFR's erfc at z = 6, 10, 20, 35 and 60 (the error
//    falls like e^(-c z sqrt N), so this leaves about 30 bits to spare);
//  - from 60 on, MPFR's erfc (asymptotic there, 6 to 15 us).
// Checked against MPFR's erf and erfc of the exact |x|/sqrt 2 at 600 points x of [0, 92]: within
// 2^-254 relative.
constexpr mpfr_prec_t kErfcPrec = kPrec + 96;
// The continued fraction has no cancellation: 32 guard bits.
constexpr mpfr_prec_t kFractionPrec = kPrec + 32;

// The argument below is z = |x|/sqrt 2 for a double x: x^2 = 2z^2 is exact at kSquarePrec bits,
// so that e^(-z^2) = e^(-x^2/2) and the series below are free of the rounding of z (which would
// cost 2z^2 2^-256 relative in erfc), and the series' multiplications are cheap.
constexpr mpfr_prec_t kSquarePrec = 128;

// erf(|x|/sqrt 2) for |x|/sqrt 2 < 6, at kErfcPrec bits: the series with 2z/sqrt(pi) =
// |x| sqrt(2/pi) and 2z^2 = x^2.
void ErfSeries(mpfr_srcptr ax, mpfr_srcptr x2, mpfr_ptr r) {
  if (mpfr_zero_p(ax)) {
    mpfr_set(r, ax, kRnd);
    return;
  }
  MPFR_DECL_INIT(t, kErfcPrec);
  MPFR_DECL_INIT(sum, kErfcPrec);
  mpfr_set_ui(t, 1, kRnd);
  mpfr_set_ui(sum, 1, kRnd);
  for (unsigned long n = 0;; ++n) {
    mpfr_mul(t, t, x2, kRnd);
    mpfr_div_ui(t, t, 2 * n + 3, kRnd);
    mpfr_add(sum, sum, t, kRnd);
    // Once x^2 < n + 1 every later ratio x^2/(2n + 5) is below 1/2, and the rest is below t.
    if (mpfr_zero_p(t) ||
        (mpfr_cmp_ui(x2, n + 1) < 0 && mpfr_get_exp(t) < mpfr_get_exp(sum) - kErfcPrec - 2)) {
      break;
    }
  }
  mpfr_div_2ui(t, x2, 1, kRnd);
  mpfr_neg(t, t, kRnd);
  mpfr_exp(t, t, kRnd);  // e^(-z^2)
  mpfr_mul(sum, sum, t, kRnd);
  mpfr_mul(sum, sum, ax, kRnd);
  mpfr_const_pi(t, kRnd);
  mpfr_ui_div(t, 2, t, kRnd);
  mpfr_sqrt(t, t, kRnd);
  mpfr_mul(r, sum, t, kRnd);
}

// z = |x|/sqrt 2 at kPrec bits, |x| and x^2 exactly.
struct HalfSqrt2 {
  explicit HalfSqrt2(double x) {
    mpfr_set_d(ax, std::fabs(x), kRnd);
    mpfr_sqr(x2, ax, kRnd);
    mpfr_sqrt_ui(z, 2, kRnd);
    mpfr_div(z, ax, z, kRnd);
  }
  HalfSqrt2(const HalfSqrt2&) = delete;
  HalfSqrt2& operator=(const HalfSqrt2&) = delete;
  MPFR_DECL_INIT(ax, kSquarePrec);
  MPFR_DECL_INIT(x2, kSquarePrec);
  MPFR_DECL_INIT(z, kPrec);
};

// erf(|x|/sqrt 2).
void Erf(const HalfSqrt2& h, mpfr_ptr r) {
  if (mpfr_cmp_ui(h.z, 6) < 0) {
    MPFR_DECL_INIT(e, kErfcPrec);
    ErfSeries(h.ax, h.x2, e);
    mpfr_set(r, e, kRnd);
  } else {
    mpfr_erf(r, h.z, kRnd);  // 1 - (less than 2e-17), immediate for MPFR
  }
}

// erfc(|x|/sqrt 2).
void Erfc(const HalfSqrt2& h, mpfr_ptr r) {
  if (mpfr_cmp_ui(h.z, 6) < 0) {
    MPFR_DECL_INIT(e, kErfcPrec);
    ErfSeries(h.ax, h.x2, e);
    mpfr_ui_sub(r, 1, e, kRnd);
    return;
  }
  if (mpfr_cmp_ui(h.z, 60) >= 0) {
    // z with 64 more bits: its rounding costs 2z^2 2^-320 relative, below 2^-306 down to the
    // smallest long double (z^2 < 11400).
    MPFR_DECL_INIT(z, kPrec + 64);
    mpfr_sqrt_ui(z, 2, kRnd);
    mpfr_div(z, h.ax, z, kRnd);
    mpfr_erfc(r, z, kRnd);
    return;
  }
  MPFR_DECL_INIT(e, kFractionPrec);
  MPFR_DECL_INIT(k, kFractionPrec);
  MPFR_DECL_INIT(t, kFractionPrec);
  mpfr_div_2ui(e, h.x2, 1, kRnd);
  mpfr_neg(e, e, kRnd);
  mpfr_exp(e, e, kRnd);
  mpfr_const_pi(t, kRnd);
  mpfr_sqrt(t, t, kRnd);
  mpfr_div(e, e, t, kRnd);  // e^(-z^2)/sqrt(pi)
  const double root = 56 / mpfr_get_d(h.z, kRN) + 5;
  mpfr_set_zero(k, 1);
  for (auto n = static_cast<unsigned long>(root * root); n >= 1; --n) {
    mpfr_add(t, h.z, k, kRnd);
    mpfr_ui_div(k, n, t, kRnd);
    mpfr_div_2ui(k, k, 1, kRnd);
  }
  mpfr_add(t, h.z, k, kRnd);
  mpfr_div(r, e, t, kRnd);
}

// x Phi(x), Phi(x) = erfc(-x/sqrt 2)/2, with z = |x|/sqrt 2:
// |x| <= 1: x/2 + |x| erf(z)/2 (erf is odd), the correction deciding the binade near 0;
// x > 1: x - x erfc(z)/2; x < -1: x erfc(z)/2.
void Gelu(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    if (xd > 0) return (void)mpfr_set(a, x, kRnd);
    return SetZero(a, true);
  }
  const HalfSqrt2 h(xd);
  if (std::fabs(xd) <= 1) {
    mpfr_div_2ui(a, x, 1, kRnd);
    Erf(h, b);
    mpfr_mul(b, b, h.ax, kRnd);
    mpfr_div_2ui(b, b, 1, kRnd);
  } else if (xd > 1) {
    mpfr_set(a, x, kRnd);
    Erfc(h, b);
    mpfr_mul(b, b, x, kRnd);
    mpfr_div_2ui(b, b, 1, kRnd);
    mpfr_neg(b, b, kRnd);
  } else {
    Erfc(h, a);
    mpfr_mul(a, a, x, kRnd);
    mpfr_div_2ui(a, a, 1, kRnd);
  }
}

// x sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3), 0.044715 the decimal. The 256-bit
// rounding of 2u costs |2u| 2^-256 relative in e^-|2u|, below 2^-242 down to the smallest long
// double.
void GeluTanh(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    if (xd > 0) return (void)mpfr_set(a, x, kRnd);
    return SetZero(a, true);
  }
  MPFR_DECL_INIT(k, kPrec);
  MPFR_DECL_INIT(c, kPrec);
  MPFR_DECL_INIT(t, kPrec);
  mpfr_const_pi(k, kRnd);
  mpfr_ui_div(k, 2, k, kRnd);
  mpfr_sqrt(k, k, kRnd);
  mpfr_mul_2ui(k, k, 1, kRnd);
  mpfr_set_str(c, "0.044715", 10, kRnd);
  mpfr_pow_ui(t, x, 3, kRnd);
  mpfr_mul(t, t, c, kRnd);
  mpfr_add(t, t, x, kRnd);
  mpfr_mul(t, t, k, kRnd);
  TimesLogistic(x, t, a, b);
}

// x sigmoid(beta x); the infinite cases as limits (x/2 for beta = 0, x or a signed 0).
void Silu(double xd, mpfr_srcptr x, double beta, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    if (beta == 0 || (beta > 0) == (xd > 0)) {
      mpfr_set(a, x, kRnd);
    } else {
      SetZero(a, xd < 0);
    }
    return;
  }
  MPFR_DECL_INIT(t, kPrec);
  mpfr_mul_d(t, x, beta, kRnd);  // exact
  TimesLogistic(x, t, a, b);
}

// x tanh(L), L = log1p(e^x). Above 1, x - x (1 - tanh L) with 1 - tanh L = 2E/(1 + E),
// E = e^-2L, which reaches 2^-256 relative near x = 89.
void Mish(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    if (xd > 0) return (void)mpfr_set(a, x, kRnd);
    return SetZero(a, true);
  }
  MPFR_DECL_INIT(l, kPrec);
  MPFR_DECL_INIT(e, kPrec);
  if (xd > 1) {
    // E = 1/(1 + e^x)^2 = (e^-x/(1 + e^-x))^2, without the overflow of e^x.
    mpfr_neg(e, x, kRnd);
    mpfr_exp(e, e, kRnd);
    mpfr_add_ui(l, e, 1, kRnd);
    mpfr_div(e, e, l, kRnd);
    mpfr_sqr(e, e, kRnd);
    mpfr_add_ui(l, e, 1, kRnd);
    mpfr_div(b, e, l, kRnd);
    mpfr_mul(b, b, x, kRnd);
    mpfr_mul_si(b, b, -2, kRnd);
    mpfr_set(a, x, kRnd);
  } else {
    mpfr_exp(l, x, kRnd);
    mpfr_log1p(l, l, kRnd);
    mpfr_tanh(l, l, kRnd);
    mpfr_mul(a, x, l, kRnd);
  }
}

// log(1 + e^(beta x))/beta; the linear branch is chosen by the double test of the kernels,
// like reference.cc. For beta x > 0 it is x + log1p(e^-(beta x))/beta.
void Softplus(double xd, mpfr_srcptr x, const double* p, mpfr_ptr a, mpfr_ptr b) {
  const double beta = p[0];
  if (xd * beta > p[1]) {
    mpfr_set(a, x, kRnd);
    return;
  }
  MPFR_DECL_INIT(t, kPrec);
  mpfr_mul_d(t, x, beta, kRnd);  // exact
  if (mpfr_inf_p(t)) {
    // +inf cannot fail the test above with a finite threshold; -inf: the limit 0, signed as
    // 0/beta.
    if (mpfr_sgn(t) > 0) return (void)mpfr_set(a, x, kRnd);
    return SetZero(a, std::signbit(beta));
  }
  if (mpfr_sgn(t) > 0) {
    mpfr_neg(t, t, kRnd);
    mpfr_exp(t, t, kRnd);
    mpfr_log1p(b, t, kRnd);
    mpfr_div_d(b, b, beta, kRnd);
    mpfr_set(a, x, kRnd);
  } else {
    mpfr_exp(t, t, kRnd);
    mpfr_log1p(a, t, kRnd);
    mpfr_div_d(a, a, beta, kRnd);
  }
}

// -log(1 + e^-x): for x <= 0, x - log1p(e^x), which is x plus as little as e^-1e300.
void Logsigmoid(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  MPFR_DECL_INIT(e, kPrec);
  if (xd > 0) {
    mpfr_neg(e, x, kRnd);
    mpfr_exp(e, e, kRnd);
    mpfr_log1p(a, e, kRnd);
    mpfr_neg(a, a, kRnd);
  } else {
    mpfr_exp(e, x, kRnd);
    mpfr_log1p(b, e, kRnd);
    mpfr_neg(b, b, kRnd);
    mpfr_set(a, x, kRnd);
  }
}

// x/(1 + |x|) = x - x|x|/(1 + |x|) below 1, +-(1 - 1/(1 + |x|)) above: both corrections decide
// the binade where the main part is a power of two (x = 2^-600, x = 2^1000).
void Softsign(double xd, mpfr_srcptr x, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    mpfr_set_si(a, xd > 0 ? 1 : -1, kRnd);
    return;
  }
  MPFR_DECL_INIT(d, kPrec);
  mpfr_abs(d, x, kRnd);
  mpfr_add_ui(d, d, 1, kRnd);
  if (std::fabs(xd) < 1) {
    mpfr_mul(b, x, x, kRnd);
    mpfr_div(b, b, d, kRnd);
    if (xd > 0) mpfr_neg(b, b, kRnd);
    mpfr_set(a, x, kRnd);
  } else {
    mpfr_ui_div(b, 1, d, kRnd);
    if (xd > 0) mpfr_neg(b, b, kRnd);
    mpfr_set_si(a, xd > 0 ? 1 : -1, kRnd);
  }
}

// (x + s)/2, s = sqrt(x^2 + b). For x < 0 the sum cancels, and with (s + x)(s - x) = b:
//  -sqrt b < x < 0: sqrt(b)/2 + (x/2 + x^2/(2 (s + sqrt b)))  (s - sqrt b = x^2/(s + sqrt b)),
//  x <= -sqrt b:    b/(4|x|) - b^2/(4|x| (s + |x|)^2)          (b/(2(s + |x|)) expanded),
// each a main part that is a power of two for b = 4 and x = -2^k or x near 0, and a correction
// of at most 0.17 of it that decides the binade.
void Squareplus(double xd, mpfr_srcptr x, double bd, mpfr_ptr a, mpfr_ptr b) {
  if (std::isinf(xd)) {
    if (xd > 0) return (void)mpfr_set(a, x, kRnd);
    return SetZero(a, false);
  }
  MPFR_DECL_INIT(s, kPrec);
  MPFR_DECL_INIT(r, kPrec);
  MPFR_DECL_INIT(t, kPrec);
  mpfr_sqr(s, x, kRnd);
  mpfr_add_d(s, s, bd, kRnd);
  mpfr_sqrt(s, s, kRnd);
  if (!(xd < 0)) {
    mpfr_div_2ui(a, x, 1, kRnd);
    mpfr_div_2ui(b, s, 1, kRnd);
    return;
  }
  mpfr_set_d(r, bd, kRnd);
  mpfr_sqrt(r, r, kRnd);
  if (mpfr_cmpabs(x, r) < 0) {
    mpfr_add(t, s, r, kRnd);
    mpfr_div_2ui(a, r, 1, kRnd);
    mpfr_sqr(b, x, kRnd);
    mpfr_div(b, b, t, kRnd);
    mpfr_add(b, b, x, kRnd);
    mpfr_div_2ui(b, b, 1, kRnd);
  } else {
    mpfr_sub(t, s, x, kRnd);  // s + |x|
    mpfr_sqr(t, t, kRnd);
    mpfr_mul_si(r, x, -4, kRnd);  // 4|x|, exact
    mpfr_set_d(a, bd, kRnd);
    mpfr_div(a, a, r, kRnd);
    mpfr_mul_d(b, a, -bd, kRnd);
    mpfr_div(b, b, t, kRnd);
  }
}

// f(x) = a + b (b = +0 unless set). x is not NaN.
void Evaluate(Op op, double xd, const double* p, mpfr_ptr a, mpfr_ptr b) {
  MPFR_DECL_INIT(x, kPrec);
  mpfr_set_d(x, xd, kRnd);
  switch (op) {
    case Op::identity:
      return Select(xd, a);
    case Op::sigmoid:
      return Sigmoid(x, a, b);
    case Op::tanh:
      return Tanh(x, a, b);
    case Op::relu:
      return Select(xd > 0 ? xd : 0.0, a);
    case Op::leaky_relu:
    case Op::prelu:
      if (xd > 0) return Select(xd, a);
      // A zero slope gives a zero even for x = -inf (the limit of 0 times x).
      if (p[0] == 0) return SetZero(a, std::signbit(p[0]) != std::signbit(xd));
      mpfr_mul_d(a, x, p[0], kRnd);  // exact
      return;
    case Op::rrelu: {
      if (xd > 0) return Select(xd, a);
      // (lower + upper)/2 x as lower x/2 + upper x/2: two exact products, one rounding.
      const double sum = p[0] + p[1];  // only its sign and whether it is 0 are used
      if (sum == 0 || xd == 0) return SetZero(a, std::signbit(sum) != std::signbit(xd));
      if (std::isinf(xd)) return mpfr_set_inf(a, sum > 0 ? -1 : 1);
      mpfr_mul_d(a, x, p[0], kRnd);
      mpfr_div_2ui(a, a, 1, kRnd);
      mpfr_mul_d(b, x, p[1], kRnd);
      mpfr_div_2ui(b, b, 1, kRnd);
      return;
    }
    case Op::elu: {
      if (xd > 0) return Select(xd, a);
      MPFR_DECL_INIT(c, kPrec);
      MPFR_DECL_INIT(cx, kPrec);
      mpfr_set_d(c, p[0], kRnd);
      mpfr_mul(cx, c, x, kRnd);  // exact
      return ScaledExpm1(c, x, cx, a, b);
    }
    case Op::selu: {
      if (xd > 0) {
        if (p[1] == 0) return SetZero(a, std::signbit(p[1]));
        mpfr_mul_d(a, x, p[1], kRnd);  // exact
        return;
      }
      MPFR_DECL_INIT(c, kPrec);
      MPFR_DECL_INIT(cx, kPrec);
      mpfr_set_d(c, p[1], kRnd);
      mpfr_mul_d(c, c, p[0], kRnd);  // scale alpha, exact
      mpfr_mul(cx, c, x, kRnd);      // exact
      return ScaledExpm1(c, x, cx, a, b);
    }
    case Op::celu: {
      if (xd > 0) return Select(xd, a);
      MPFR_DECL_INIT(c, kPrec);
      MPFR_DECL_INIT(t, kPrec);
      mpfr_set_d(c, p[0], kRnd);
      mpfr_div(t, x, c, kRnd);
      return ScaledExpm1(c, t, x, a, b);
    }
    case Op::softplus:
      return Softplus(xd, x, p, a, b);
    case Op::logsigmoid:
      return Logsigmoid(xd, x, a, b);
    case Op::softsign:
      return Softsign(xd, x, a, b);
    case Op::gelu:
      return Gelu(xd, x, a, b);
    case Op::gelu_tanh:
      return GeluTanh(xd, x, a, b);
    case Op::silu:
      return Silu(xd, x, p[0], a, b);
    case Op::quick_gelu:
      return Silu(xd, x, 1.702, a, b);  // the double 1.702, like the kernels
    case Op::mish:
      return Mish(xd, x, a, b);
    case Op::hardtanh:
      return Select(std::min(std::max(xd, p[0]), p[1]), a);
    case Op::relu6:
      return Select(xd > 0 ? std::min(xd, 6.0) : 0.0, a);
    case Op::hardsigmoid:
      if (xd <= -3) return SetZero(a, false);
      if (xd >= 3) return Select(1.0, a);
      // (x + 3)/6; above -1.5 as 1/2 + x/6, whose x/6 decides the binade near x = 0.
      if (xd <= -1.5) {
        mpfr_add_ui(a, x, 3, kRnd);  // exact
        mpfr_div_ui(a, a, 6, kRnd);
      } else {
        mpfr_set_d(a, 0.5, kRnd);
        mpfr_div_ui(b, x, 6, kRnd);
      }
      return;
    case Op::hardswish:
      if (xd <= -3) return SetZero(a, true);
      if (xd >= 3) return Select(xd, a);
      // x (x + 3)/6; above -1.5 as x/2 + x^2/6 (which cancel below, to at most 1/2).
      if (xd <= -1.5) {
        mpfr_add_ui(a, x, 3, kRnd);
        mpfr_mul(a, a, x, kRnd);  // exact
        mpfr_div_ui(a, a, 6, kRnd);
      } else {
        mpfr_div_2ui(a, x, 1, kRnd);
        mpfr_sqr(b, x, kRnd);
        mpfr_div_ui(b, b, 6, kRnd);
      }
      return;
    case Op::threshold:
      return Select(xd > p[0] ? xd : p[1], a);
    case Op::hardshrink:
      return Select(std::fabs(xd) > p[0] ? xd : 0.0, a);
    case Op::softshrink:
      if (xd > p[0] || xd < -p[0]) {
        mpfr_set(a, x, kRnd);
        mpfr_set_d(b, xd > p[0] ? -p[0] : p[0], kRnd);
        return;
      }
      return SetZero(a, false);
    case Op::tanhshrink:
      return Tanhshrink(xd, x, a, b);
    case Op::squareplus:
      return Squareplus(xd, x, p[0], a, b);
    case Op::relu_squared:
      if (!(xd > 0)) return SetZero(a, false);
      mpfr_sqr(a, x, kRnd);  // exact
      return;
  }
  mpfr_set_nan(a);
}

// f(x) rounded to odd at 256 bits, with its two parts.
void Exact(Op op, double x, const double* p, mpfr_ptr a, mpfr_ptr b, mpfr_ptr y) {
  SetZero(b, false);
  if (std::isnan(x)) {
    mpfr_set_nan(a);
  } else {
    Evaluate(op, x, p, a, b);
  }
  AddRoundToOdd(y, a, b);
}

}  // namespace

long double forward_mpfr(Op op, double x, const double* p) {
  WideRange range;
  MPFR_DECL_INIT(a, kPrec);
  MPFR_DECL_INIT(b, kPrec);
  MPFR_DECL_INIT(y, kPrec);
  Exact(op, x, p, a, b, y);
  return mpfr_get_ld(y, kRN);
}

double forward_ulp_error_mpfr(Op op, double x, const double* p, double got) {
  WideRange range;
  MPFR_DECL_INIT(a, kPrec);
  MPFR_DECL_INIT(b, kPrec);
  MPFR_DECL_INIT(y, kPrec);
  Exact(op, x, p, a, b, y);
  const bool got_nan = std::isnan(got), ref_nan = mpfr_nan_p(y);
  if (got_nan || ref_nan) return got_nan == ref_nan ? 0.0 : INFINITY;
  if (std::isinf(got)) {
    // f(x) rounds to infinity from DBL_MAX + ULP(DBL_MAX)/2 = 2^1024 - 2^970 on (y is rounded to
    // odd, so the comparison with a short number is that of the exact value).
    MPFR_DECL_INIT(limit, kPrec);
    mpfr_set_ui_2exp(limit, 1, 1024, kRN);
    mpfr_sub_d(limit, limit, 0x1p970, kRN);
    const bool rounds_to_inf = mpfr_cmpabs(y, limit) >= 0 && (mpfr_sgn(y) > 0) == (got > 0);
    return rounds_to_inf ? 0.0 : INFINITY;
  }
  if (mpfr_inf_p(y)) return INFINITY;
  // The ULP of double in the binade of y, 2^-1074 below 2^-1022.
  const mpfr_exp_t ulp_exp =
      mpfr_zero_p(y) || mpfr_get_exp(y) < -1021 ? -1074 : mpfr_get_exp(y) - 53;
  MPFR_DECL_INIT(d, kPrec);
  mpfr_d_sub(d, got, a, kRN);
  mpfr_sub(d, d, b, kRN);
  mpfr_abs(d, d, kRN);
  mpfr_mul_2si(d, d, -ulp_exp, kRN);
  return mpfr_get_d(d, kRN);
}

}  // namespace activ::ref
