// The reference: each activation as plain long double formulas (the std:: math overloads on
// long double arguments, i.e. expl, expm1l, ...), kept independent of the kernels. The formulas
// are a template on the type they run in (struct Formulas): long double for the reference
// itself, double for the fast screen of the exhaustive float32 check (reference.h).
//
// Accuracy target: a few long double ULP (2^-64) relative on every finite input, far below one
// float64 ULP. Two things need more than the naive formula for that:
//  - cancellation (x - tanh x, the negative side of squareplus, 1 - sigmoid), avoided by
//    rearranging as the comments at each function say;
//  - exponentials of a computed argument: e^-|t| has relative error |t| times that of t, so where t
//    is a product (beta*x, the gelu_tanh polynomial, x^2/2) and |t| reaches the hundreds before
//    the float64 result underflows, t is carried as an unevaluated sum hi + lo (struct DD).
#include "reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace activ::ref {
namespace {

// Constants as hi + lo pairs of long doubles (computed with 400-bit arithmetic).
constexpr long double kLInvSqrt2Hi = 0xB504F333F9DE6484P-64L;  // 1/sqrt(2)
constexpr long double kLInvSqrt2Lo = 0xB2FB1366EA957D3EP-129L;
constexpr long double kLTwoSqrt2OverPiHi = 0xCC42299EA1B28468P-63L;  // 2*sqrt(2/pi)
constexpr long double kLTwoSqrt2OverPiLo = 0xFCB3C500BAB8E2FFP-128L;
// 0.044715, exactly as a decimal:
constexpr long double kLGeluTanhCubicHi = 0xB727136A400FBA88P-68L;
constexpr long double kLGeluTanhCubicLo = 0x9AAA3AD18D25EDD0P-134L;
constexpr long double kLTwoOverSqrtPi = 0x906EBA8214DB688DP-63L;  // 2/sqrt(pi)
constexpr long double kLInvSqrt2Pi = 0xCC42299EA1B28468P-65L;     // 1/sqrt(2 pi)
// quick_gelu is silu with this beta, taken as the double 1.702 like the kernels.
constexpr double kQuickGeluBeta = 1.702;

template <typename LD>
struct Formulas {
  // The long double constants as pairs of LD: for double, hi rounded and lo the remainder.
  static constexpr LD kInvSqrt2Hi = static_cast<LD>(kLInvSqrt2Hi);
  static constexpr LD kInvSqrt2Lo = static_cast<LD>((kLInvSqrt2Hi - kInvSqrt2Hi) + kLInvSqrt2Lo);
  static constexpr LD kTwoSqrt2OverPiHi = static_cast<LD>(kLTwoSqrt2OverPiHi);
  static constexpr LD kTwoSqrt2OverPiLo =
      static_cast<LD>((kLTwoSqrt2OverPiHi - kTwoSqrt2OverPiHi) + kLTwoSqrt2OverPiLo);
  static constexpr LD kGeluTanhCubicHi = static_cast<LD>(kLGeluTanhCubicHi);
  static constexpr LD kGeluTanhCubicLo =
      static_cast<LD>((kLGeluTanhCubicHi - kGeluTanhCubicHi) + kLGeluTanhCubicLo);
  static constexpr LD kTwoOverSqrtPi = static_cast<LD>(kLTwoOverSqrtPi);
  static constexpr LD kInvSqrt2Pi = static_cast<LD>(kLInvSqrt2Pi);

  // hi + lo with |lo| <= ulp(hi)/2: about 128 significant bits.
  struct DD {
    LD hi;
    LD lo;
  };

  static DD Normalize(LD hi, LD lo) {
    const LD s = hi + lo;
    if (!std::isfinite(s)) return {s, LD(0.0)};
    return {s, lo - (s - hi)};
  }

  static DD Mul(DD a, DD b) {
    const LD h = a.hi * b.hi;
    if (!std::isfinite(h) || h == 0) return {h, LD(0.0)};
    const LD err = std::fma(a.hi, b.hi, -h);  // exact
    return Normalize(h, err + (a.hi * b.lo + a.lo * b.hi));
  }

  static DD Mul(LD a, LD b) { return Mul(DD{a, LD(0.0)}, DD{b, LD(0.0)}); }

  static DD Add(DD a, DD b) {
    const LD s = a.hi + b.hi;
    if (!std::isfinite(s)) return {s, LD(0.0)};
    const LD bb = s - a.hi;
    const LD err = (a.hi - (s - bb)) + (b.hi - bb);  // exact (two-sum)
    return Normalize(s, err + a.lo + b.lo);
  }

  // a*x, but a*x = 0 for a == 0 even when x is infinite (the limit of a constant 0 times x).
  static LD MulZeroSafe(LD a, LD x) { return a == 0 ? a * std::copysign(LD(1.0), x) : a * x; }

  // e^-|t| for t = hi + lo, as e^-|hi| * (1 - |lo|): |lo| <= ulp(hi)/2, so wherever e^-|hi| is
  // not 0 the neglected lo^2/2 is far below 2^-64.
  // e^v, and 0 without a call below the underflow limit: the C library's underflow path (errno)
  // is slow, and the double screen of the exhaustive check takes it for a third of all inputs.
  static LD Exp(LD v) {
    constexpr LD kZeroBelow = sizeof(LD) == sizeof(double) ? LD(-746) : LD(-11401);
    return v < kZeroBelow ? LD(0) : std::exp(v);
  }

  // erfc(z), and 0 without a call where it is below half the smallest subnormal (erfc(z) <
  // e^(-z^2)/(z sqrt(pi))), for the same reason.
  static LD Erfc(LD z) {
    constexpr LD kZeroAbove = sizeof(LD) == sizeof(double) ? LD(27.3) : LD(107);
    return z > kZeroAbove ? LD(0) : std::erfc(z);
  }

  static LD ExpNegAbs(DD t) {
    const LD lo_abs = t.hi < 0 ? -t.lo : t.lo;
    const LD e = Exp(-std::fabs(t.hi));
    return std::fma(-lo_abs, e, e);
  }

  // Sigmoid of t from e = e^-|t|, which never overflows.
  struct Sigmoid {
    explicit Sigmoid(DD t) : negative(t.hi < 0), e(ExpNegAbs(t)) {}
    explicit Sigmoid(LD t) : Sigmoid(DD{t, LD(0.0)}) {}

    bool negative;
    LD e;

    // 1/(1+e^-t), written so that the small side is e/(1+e), never 1 - something.
    LD value() const { return negative ? e / (1 + e) : 1 / (1 + e); }
    // sigmoid(t)*(1 - sigmoid(t)) = e/(1+e)^2 for both signs of t.
    LD slope() const { return e / ((1 + e) * (1 + e)); }
  };

  // Phi(x) = erfc(-x/sqrt 2)/2. In the lower tail erfc(z) ~ e^(-z^2), whose relative error is 2 z^2
  // times that of z, so the rounding dz of z = -x/sqrt 2 is put back to first order:
  // erfc(z + dz) = erfc(z) - dz * 2/sqrt(pi) * e^(-z^2).
  static LD NormalCdf(LD x) {
    const LD z = -x * kInvSqrt2Hi;
    const LD dz = std::fma(-x, kInvSqrt2Hi, -z) + (-x) * kInvSqrt2Lo;
    return LD(0.5) * (Erfc(z) - dz * kTwoOverSqrtPi * Exp(-z * z));
  }

  // phi(x) = e^(-x^2/2)/sqrt(2 pi), with x^2 carried exactly (see the top of this file).
  static LD NormalPdf(LD x) {
    const DD x2 = Mul(x, x);
    const LD e = Exp(-LD(0.5) * x2.hi);
    return std::fma(-LD(0.5) * x2.lo, e, e) * kInvSqrt2Pi;
  }

  // gelu_tanh's sigmoid argument 2u = 2 sqrt(2/pi) (x + 0.044715 x^3), in double-long double.
  static DD GeluTanhArg(LD x) {
    const DD inner =
        Add(DD{LD(1.0), LD(0.0)}, Mul(DD{kGeluTanhCubicHi, kGeluTanhCubicLo}, Mul(x, x)));
    return Mul(DD{kTwoSqrt2OverPiHi, kTwoSqrt2OverPiLo}, Mul(DD{x, LD(0.0)}, inner));
  }

  static LD Silu(LD x, LD beta) {
    if (std::isinf(x)) {
      if (beta == 0) return x;              // x/2
      if ((beta > 0) == (x > 0)) return x;  // sigmoid -> 1
      return std::copysign(LD(0.0), x);     // x * e^(beta x) -> 0
    }
    return x * Sigmoid(Mul(beta, x)).value();
  }

  static LD SiluDerivative(LD x, LD beta) {
    if (std::isinf(x)) {
      if (beta == 0) return LD(0.5);
      return (beta > 0) == (x > 0) ? LD(1.0) : LD(0.0);
    }
    const DD t = Mul(beta, x);
    const Sigmoid s(t);
    return s.value() + t.hi * s.slope();
  }

  // softplus: the threshold test is made on beta*x rounded to double, as the float64 kernel makes
  // it, so that both pick the same branch (the branches differ by ~e^-threshold relative).
  static bool SoftplusLinear(LD x, const double* p) { return static_cast<double>(x) * p[0] > p[1]; }

  // log(1 + e^t)/beta as max(t,0) + log1p(e^-|t|), with t = beta*x in double-long double.
  static LD Softplus(LD x, const double* p) {
    if (SoftplusLinear(x, p)) return x;
    const LD beta = p[0];
    const DD t = Mul(beta, x);
    if (std::isinf(t.hi)) return t.hi > 0 ? x : LD(0.0) / beta;
    const LD positive = t.hi > 0 ? t.hi + t.lo : LD(0.0);
    return (positive + std::log1p(Sigmoid(t).e)) / beta;
  }

  // mish = x tanh(softplus x); with e = e^x and n = e(e+2), tanh(log(1+e)) = n/(n+2) exactly.
  // Above x = 40, 2/(n+2) < 2^-110 and the e^2 terms would overflow later on: mish is x there.
  static constexpr LD kMishLinear = 40;

  static LD Mish(LD x) {
    if (x > kMishLinear) return x;
    if (std::isinf(x)) return -LD(0.0);
    const LD e = Exp(x);
    const LD n = e * (e + 2);
    return x * (n / (n + 2));
  }

  // d/dx = n/(n+2) + sech^2(softplus x) sigmoid(x) = n/(n+2) + 4 x e (1+e)/(n+2)^2.
  static LD MishDerivative(LD x) {
    if (x > kMishLinear) return LD(1.0);
    if (std::isinf(x)) return LD(0.0);
    const LD e = Exp(x);
    const LD n = e * (e + 2);
    const LD d = n + 2;
    return n / d + 4 * x * (e * (1 + e)) / (d * d);
  }

  // x - tanh x loses up to all its bits to cancellation near 0. Below 2 it is evaluated from
  // Lambert's continued fraction tanh x = x/(1+q), q = x^2/(3 + x^2/(5 + x^2/(7 + ...))), so that
  // x - tanh x = x q/(1+q): every step adds positive terms, nothing cancels. 24 levels converge
  // far past long double precision for |x| < 2 (the neglected tail is below 1e-40 relative).
  // At |x| >= 2, x - tanh x > |x|/2 and the subtraction costs at most one bit.
  static LD Tanhshrink(LD x) {
    if (std::fabs(x) >= 2) return x - std::tanh(x);
    const LD x2 = x * x;
    LD d = 2 * 24 + 1;
    for (int k = 23; k >= 1; --k) d = static_cast<LD>(2 * k + 1) + x2 / d;
    const LD q = x2 / d;
    return x * q / (1 + q);
  }

  // squareplus = (x + s)/2 with s = sqrt(x^2 + b); for x < 0 the sum cancels, and
  // (x + s)/2 = b/(2 (s - x)) since (s + x)(s - x) = b.
  static LD Squareplus(LD x, LD b) {
    if (std::isinf(x)) return x > 0 ? x : LD(0.0);
    const LD s = std::sqrt(std::fma(x, x, b));
    return x < 0 ? b / (2 * (s - x)) : (x + s) / 2;
  }

  // (1 + x/s)/2, for x < 0 rewritten as above: b/(2 s (s - x)).
  static LD SquareplusDerivative(LD x, LD b) {
    if (std::isinf(x)) return x > 0 ? LD(1.0) : LD(0.0);
    const LD s = std::sqrt(std::fma(x, x, b));
    return x < 0 ? b / (2 * s * (s - x)) : (1 + x / s) / 2;
  }

  static LD RreluSlope(const double* p) {
    return LD(0.5) * (static_cast<LD>(p[0]) + static_cast<LD>(p[1]));
  }

  static constexpr LD kNaN = std::numeric_limits<LD>::quiet_NaN();

  static LD Forward(Op op, LD x, const double* p) {
    if (std::isnan(x)) return x;
    switch (op) {
      case Op::identity:
        return x;
      case Op::sigmoid:
        return Sigmoid(x).value();
      case Op::tanh:
        return std::tanh(x);
      case Op::relu:
        return x > 0 ? x : LD(0.0);
      case Op::leaky_relu:
      case Op::prelu:
        return x > 0 ? x : MulZeroSafe(p[0], x);
      case Op::rrelu:
        return x > 0 ? x : MulZeroSafe(RreluSlope(p), x);
      case Op::elu:
        return x > 0 ? x : p[0] * std::expm1(x);
      case Op::selu:
        return x > 0 ? MulZeroSafe(p[1], x) : (static_cast<LD>(p[1]) * p[0]) * std::expm1(x);
      case Op::celu:
        return x > 0 ? x : p[0] * std::expm1(x / p[0]);
      case Op::softplus:
        return Softplus(x, p);
      case Op::logsigmoid:
        // -log(1 + e^-x) = -(max(-x,0) + log1p(e^-|x|)).
        return -(std::max(-x, LD(0.0)) + std::log1p(Exp(-std::fabs(x))));
      case Op::softsign:
        return std::isinf(x) ? std::copysign(LD(1.0), x) : x / (1 + std::fabs(x));
      case Op::gelu:
        if (std::isinf(x)) return x > 0 ? x : -LD(0.0);
        return x * NormalCdf(x);
      case Op::gelu_tanh:
        if (std::isinf(x)) return x > 0 ? x : -LD(0.0);
        return x * Sigmoid(GeluTanhArg(x)).value();
      case Op::silu:
        return Silu(x, p[0]);
      case Op::quick_gelu:
        return Silu(x, kQuickGeluBeta);
      case Op::mish:
        return Mish(x);
      case Op::hardtanh:
        return std::min(std::max(x, static_cast<LD>(p[0])), static_cast<LD>(p[1]));
      case Op::relu6:
        return x > 0 ? std::min(x, LD(6.0)) : LD(0.0);
      case Op::hardsigmoid:
        return x <= -3 ? LD(0.0) : x >= 3 ? LD(1.0) : (x + 3) / 6;
      case Op::hardswish:
        // x * 0 below -3 is -0; above 3 the result is x itself (no x + 3 to overflow).
        return x <= -3 ? -LD(0.0) : x >= 3 ? x : x * (x + 3) / 6;
      case Op::threshold:
        return x > p[0] ? x : static_cast<LD>(p[1]);
      case Op::hardshrink:
        return std::fabs(x) > p[0] ? x : LD(0.0);
      case Op::softshrink:
        return x > p[0] ? x - p[0] : x < -p[0] ? x + p[0] : LD(0.0);
      case Op::tanhshrink:
        return Tanhshrink(x);
      case Op::squareplus:
        return Squareplus(x, p[0]);
      case Op::relu_squared:
        return x > 0 ? x * x : LD(0.0);
    }
    return kNaN;
  }

  static LD Derivative(Op op, LD x, const double* p) {
    if (std::isnan(x)) return x;
    switch (op) {
      case Op::identity:
        return LD(1.0);
      case Op::sigmoid:
        return Sigmoid(x).slope();
      case Op::tanh: {
        // 1 - tanh^2 x = 4e/(1+e)^2 with e = e^-2|x|: no cancellation in the tails.
        const LD e = Exp(-2 * std::fabs(x));
        return 4 * e / ((1 + e) * (1 + e));
      }
      case Op::relu:
        return x > 0 ? LD(1.0) : LD(0.0);
      case Op::leaky_relu:
      case Op::prelu:
        return x > 0 ? LD(1.0) : static_cast<LD>(p[0]);
      case Op::rrelu:
        return x > 0 ? LD(1.0) : RreluSlope(p);
      case Op::elu:
        return x > 0 ? LD(1.0) : p[0] * Exp(x);
      case Op::selu:
        return x > 0 ? static_cast<LD>(p[1]) : (static_cast<LD>(p[1]) * p[0]) * Exp(x);
      case Op::celu:
        return x > 0 ? LD(1.0) : Exp(x / p[0]);
      case Op::softplus:
        return SoftplusLinear(x, p) ? LD(1.0) : Sigmoid(Mul(static_cast<LD>(p[0]), x)).value();
      case Op::logsigmoid:
        return Sigmoid(-x).value();
      case Op::softsign: {
        const LD d = 1 + std::fabs(x);
        return 1 / (d * d);
      }
      case Op::gelu:
        // Phi(x) + x phi(x).
        if (std::isinf(x)) return x > 0 ? LD(1.0) : LD(0.0);
        return NormalCdf(x) + x * NormalPdf(x);
      case Op::gelu_tanh: {
        // s + x s(1-s) d(2u)/dx, d(2u)/dx = 2 sqrt(2/pi) (1 + 3*0.044715 x^2).
        if (std::isinf(x)) return x > 0 ? LD(1.0) : LD(0.0);
        const Sigmoid s(GeluTanhArg(x));
        const LD du = kTwoSqrt2OverPiHi * (1 + 3 * kGeluTanhCubicHi * x * x);
        return s.value() + x * s.slope() * du;
      }
      case Op::silu:
        return SiluDerivative(x, p[0]);
      case Op::quick_gelu:
        return SiluDerivative(x, kQuickGeluBeta);
      case Op::mish:
        return MishDerivative(x);
      case Op::hardtanh:
        return x > p[0] && x < p[1] ? LD(1.0) : LD(0.0);
      case Op::relu6:
        return x > 0 && x < 6 ? LD(1.0) : LD(0.0);
      case Op::hardsigmoid:
        return x > -3 && x < 3 ? LD(1.0) / 6 : LD(0.0);
      case Op::hardswish:
        return x < -3 ? LD(0.0) : x > 3 ? LD(1.0) : (2 * x + 3) / 6;
      case Op::threshold:
        return x > p[0] ? LD(1.0) : LD(0.0);
      case Op::hardshrink:
      case Op::softshrink:
        return std::fabs(x) > p[0] ? LD(1.0) : LD(0.0);
      case Op::tanhshrink: {
        const LD t = std::tanh(x);
        return t * t;
      }
      case Op::squareplus:
        return SquareplusDerivative(x, p[0]);
      case Op::relu_squared:
        return x > 0 ? 2 * x : LD(0.0);
    }
    return kNaN;
  }

  static LD ParamDerivative(Op op, LD x, const double* p) {
    switch (op) {
      case Op::prelu:
        // d(weight x)/d weight on the x <= 0 side.
        return x > 0 ? LD(0.0) : x;
      case Op::silu: {
        // d/dbeta x sigmoid(beta x) = x^2 s(1-s).
        if (std::isnan(x)) return x;
        if (std::isinf(x)) return p[0] == 0 ? std::numeric_limits<LD>::infinity() : LD(0.0);
        return x * x * Sigmoid(Mul(static_cast<LD>(p[0]), x)).slope();
      }
      case Op::identity:
      case Op::sigmoid:
      case Op::tanh:
      case Op::relu:
      case Op::leaky_relu:
      case Op::rrelu:
      case Op::elu:
      case Op::selu:
      case Op::celu:
      case Op::softplus:
      case Op::logsigmoid:
      case Op::softsign:
      case Op::gelu:
      case Op::gelu_tanh:
      case Op::quick_gelu:
      case Op::mish:
      case Op::hardtanh:
      case Op::relu6:
      case Op::hardsigmoid:
      case Op::hardswish:
      case Op::threshold:
      case Op::hardshrink:
      case Op::softshrink:
      case Op::tanhshrink:
      case Op::squareplus:
      case Op::relu_squared:
        return LD(0.0);
    }
    return kNaN;
  }

  static LD DerivativeSlack(Op op, LD x, const double* p, int digits) {
    if (x == 0 || !std::isfinite(x)) return LD(0.0);
    const LD step = std::ldexp(x, -digits);
    const LD d = Derivative(op, x, p);
    const LD up = std::fabs(Derivative(op, x + step, p) - d);
    const LD down = std::fabs(Derivative(op, x - step, p) - d);
    if (!(up <= 2 * down && down <= 2 * up)) return LD(0.0);  // a kink, or NaN
    return std::min(up, down);
  }

  static LD DerivativeChange(Op op, LD x, const double* p, LD step) {
    if (!(step > 0) || !std::isfinite(step) || !std::isfinite(x)) return LD(0.0);
    const LD d = Derivative(op, x, p);
    const LD up = std::fabs(Derivative(op, x + step, p) - d);
    const LD down = std::fabs(Derivative(op, x - step, p) - d);
    const LD m = std::min(up, down);
    return std::isnan(m) ? LD(0.0) : m;
  }
};

}  // namespace

long double forward(Op op, long double x, const double* p) {
  return Formulas<long double>::Forward(op, x, p);
}
long double derivative(Op op, long double x, const double* p) {
  return Formulas<long double>::Derivative(op, x, p);
}
long double param_derivative(Op op, long double x, const double* p) {
  return Formulas<long double>::ParamDerivative(op, x, p);
}
long double derivative_slack(Op op, long double x, const double* p, int digits) {
  return Formulas<long double>::DerivativeSlack(op, x, p, digits);
}
long double derivative_change(Op op, long double x, const double* p, long double step) {
  return Formulas<long double>::DerivativeChange(op, x, p, step);
}
double derivative_change_double(Op op, double x, const double* p, double step) {
  return Formulas<double>::DerivativeChange(op, x, p, step);
}
double derivative_slack_double(Op op, double x, const double* p, int digits) {
  return Formulas<double>::DerivativeSlack(op, x, p, digits);
}
double forward_double(Op op, double x, const double* p) {
  return Formulas<double>::Forward(op, x, p);
}
double derivative_double(Op op, double x, const double* p) {
  return Formulas<double>::Derivative(op, x, p);
}

}  // namespace activ::ref
