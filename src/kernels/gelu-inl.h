// gelu: x*Phi(x), Phi the standard normal CDF. Included once per SIMD target by the generated
// activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is
// a double descriptor. float64: lane by lane (a vector erfc accurate to a few double ULP is not
// written yet). NormalCdf, Phi(x) = erfc(-x/sqrt 2)/2 through the C library's erfc, serves the
// backward pass; the forward pass, which the spec holds to 1 ULP, is gelu::Float64Lane. In the
// lower tail the rounding of z = -x/sqrt 2 would cost about 2 z^2 double ULP; the first-order
// term -dz * 2/sqrt(pi) * e^(-z^2) gives it back. float32: in vectors, see NormalTail.
inline double NormalCdf(double x) {
  const double kInvSqrt2 = 0x1.6a09e667f3bcdp-1;
  const double kInvSqrt2Lo = -0x1.bdd3413b26456p-55;  // 1/sqrt 2 - kInvSqrt2
  const double z = -x * kInvSqrt2;
  const double dz = std::fma(-x, kInvSqrt2, -z) + (-x) * kInvSqrt2Lo;
  double e = std::erfc(z);
  // Past z = 27 erfc underflows; an infinite z has no rounding to repair.
  if (z > 0.5 && z < 28.0) e -= dz * 0x1.20dd750429b6dp+0 * std::exp(-z * z);
  return 0.5 * e;
}

struct gelu {
  // gelu(x) for x < -30 in double, to about 2^-57 before a single final rounding. The C
  // library's erfc, rounded to double, is subnormal below x = -37.5 while x*Phi(x) is not yet,
  // and it then lost up to 37 ULP. Here gelu(x) = -phi(x) S(1/x^2), with S(u) = 1 - u + 3u^2 -
  // 15u^3 + ... the asymptotic series of the Mills ratio (the first omitted term, 17!! u^9, is
  // below 2^-63 for |x| >= 30), and phi(x) = e^(-x^2/2)/sqrt(2 pi) computed scaled by 2^-k:
  // x^2 and k ln 2 as exact pairs, e^(r/2) on |r/2| <= 0.18 as 1 + r/2 + (r/2)^2/2 (pairs) +
  // (r/2)^3 P(r/2) (Taylor to the 15th power), squared. Checked against mpmath: within 0.5007
  // ULP on [-39, -30]. The scaled result is rounded to the subnormal grid once, at the end.
  static double NegativeTail(double x) {
    if (!(x > -39.0)) return -0.0;  // |gelu(x)| < 2^-1076 (and x = -inf)
    const double kLn2 = 0x1.62e42fefa39efp-1, kLn2Lo = 0x1.abc9e3b39803fp-56;
    const double kC = 0x1.9884533d43651p-2, kCLo = -0x1.cbc0d30ebfd15p-56;  // 1/sqrt(2 pi)
    const double hh = x * x;
    const double hl = std::fma(x, x, -hh);
    const double yh = -0.5 * hh, yl = -0.5 * hl;  // -x^2/2 = yh + yl exactly
    const double k = std::nearbyint(yh * 0x1.71547652b82fep+0);
    const double kp = k * kLn2;
    const double kpe = std::fma(k, kLn2, -kp);
    const double a = yh - kp;  // exact: yh and k ln 2 are within 0.35 of each other
    const double c = (yl - kpe) - k * kLn2Lo;
    const double rh = a + c;
    const double rb = rh - a;
    const double rl = (a - (rh - rb)) + (c - rb);
    static constexpr double kInvFact[13] = {
        1.0 / 6,          1.0 / 24,          1.0 / 120,           1.0 / 720,      1.0 / 5040,
        1.0 / 40320,      1.0 / 362880,      1.0 / 3628800,       1.0 / 39916800, 1.0 / 479001600,
        1.0 / 6227020800, 1.0 / 87178291200, 1.0 / 1307674368000,
    };
    // e^r = (e^(r/2))^2: on |r/2| <= 0.18 the cubic and higher terms, rounded, are below
    // 2^-62, and squaring the pair only doubles the relative error.
    const double hh2 = 0.5 * rh, hl2 = 0.5 * rl;
    double poly = kInvFact[12];
    for (int i = 11; i >= 0; --i) poly = std::fma(poly, hh2, kInvFact[i]);
    const double h2 = hh2 * hh2;
    const double h2e = std::fma(hh2, hh2, -h2);
    const double s1 = 1.0 + hh2;
    const double e1 = hh2 - (s1 - 1.0);
    const double s2 = s1 + 0.5 * h2;
    const double bb = s2 - s1;
    const double e2 = (s1 - (s2 - bb)) + (0.5 * h2 - bb);
    const double low = e1 + e2 + 0.5 * h2e + h2 * hh2 * poly + hl2 * s2;
    const double half = s2 + low;  // e^(r/2) = half + half_lo
    const double half_lo = low - (half - s2);
    const double ex = half * half;  // e^r = ex + ex_lo
    const double ex_lo = std::fma(half, half, -ex) + 2.0 * half * half_lo;
    // S(u) - 1; u's rounding moves it by 2^-63.
    const double u = 1.0 / hh;
    static constexpr double kMills[7] = {135135.0, -10395.0, 945.0, -105.0, 15.0, -3.0, 1.0};
    double t = -2027025.0;
    for (double coef : kMills) t = std::fma(t, u, coef);
    t = -u * t;
    const double g_lo = std::fma(ex + ex_lo, t, ex_lo);  // e^r S(u) = ex + g_lo
    const double m = ex * kC;
    const double m_lo = std::fma(ex, kC, -m) + (ex * kCLo + g_lo * kC);
    const double big = m + m_lo;  // phi(x) S(u) 2^-k = big + big_lo, big rounded once
    const double big_lo = m_lo - (big - m);
    // big 2^k is exact where it is normal. Below 2^-1021 the grid is 2^-1074 (2^(-1074-k)
    // before scaling): there ldexp rounds big, and its exact error plus big_lo decides whether
    // the sum lies more than half a step away, so the pair is rounded once.
    const int ik = static_cast<int>(k);
    double res = std::ldexp(big, ik);
    if (res < 0x1p-1021) {
      const double t_err = (big - std::ldexp(res, -ik)) + big_lo;
      const double half_step = std::ldexp(1.0, -1075 - ik);
      if (t_err > half_step) res += 0x1p-1074;
      if (t_err < -half_step) res -= 0x1p-1074;
    }
    return -res;
  }
  // gelu(x) for float64 results, lane by lane. The C library's erfc is off by up to 3.6 ULP
  // (glibc 2.36), and x*Phi rounds once more. Above 3, gelu = x - x Q with Q = Phi(-x) < 0.0014,
  // so Q's error barely shows and the FMA rounds once. Between -30 and 3 Phi is computed in long
  // double (64 bits on x86; erfcl is within a few of its ULP, each 2^-11 double ULP), with z =
  // -x/sqrt 2 carried as a double pair and its rounding to long double corrected to first order,
  // and the product is rounded to double once. This costs about ten times the double erfc.
  static double Float64Lane(double x) {
    if (x < -30.0) return NegativeTail(x);
    if (x >= 3.0) {
      const double q = NormalCdf(-x);
      return q == 0.0 ? x : std::fma(-x, q, x);
    }
    const double kInvSqrt2 = 0x1.6a09e667f3bcdp-1;
    const double kInvSqrt2Lo = -0x1.bdd3413b26456p-55;
    const double zh = -x * kInvSqrt2;
    const double zl = std::fma(-x, kInvSqrt2, -zh) + (-x) * kInvSqrt2Lo;
    const long double z = static_cast<long double>(zh) + zl;
    const long double dz = (static_cast<long double>(zh) - z) + zl;
    const double slope = 0x1.20dd750429b6dp+0 * std::exp(-static_cast<double>(z * z));
    const long double e = std::erfc(z) - dz * slope;
    return static_cast<double>(static_cast<long double>(x) * (0.5L * e));
  }

  // e^(-x^2/2) for x clamped to [-40, 40]. x^2 is split exactly (x*x = xx + err) because
  // e^(-x^2/2) amplifies its rounding by x^2/2 in the tails.
  template <class D>
  static Vec<D> HalfGaussian(D d, Vec<D> xc) {
    const Vec<D> xx = hn::Mul(xc, xc);
    const Vec<D> err = hn::MulSub(xc, xc, xx);
    const Vec<D> half = hn::Set(d, 0.5);
    const Vec<D> e = Exp(d, hn::Neg(hn::Mul(half, xx)));
    return hn::Mul(e, hn::NegMulAdd(half, err, hn::Set(d, 1.0)));
  }

  // float32 results: erfc(|x|/sqrt 2)/2 = e^(-x^2/2) g(t)/2 with t = |x|/sqrt 2 and g(t) =
  // e^(t^2) erfc(t), which is smooth and within [0.05, 1] on [0, 15/sqrt 2]: a polynomial of
  // degree 15 in y = (t - 4)/(t + 4), interpolated at Chebyshev nodes, gives it within 2^-40.1
  // relative (tools/fit_polynomials.py). Past |x| = 15 (t is clamped) the tail is below 1e-50,
  // far under the float32 range, so only its size matters. gauss = HalfGaussian(xc).
  template <class D>
  static Vec<D> NormalTail(D d, Vec<D> x, Vec<D> gauss) {
    static constexpr double kG[16] = {
        0x1.18932bf08e6c2p-3,   -0x1.0949227373be5p-2,  0x1.bff01a5f30f65p-3,
        -0x1.506666f74413bp-3,  0x1.be502c5810005p-4,   -0x1.027d56ff89c29p-4,
        0x1.0066dcd8511bdp-5,   -0x1.a4df0077c233ep-7,  0x1.0a18b5181684fp-8,
        -0x1.a2dff516b9832p-11, -0x1.6d831ad4651eap-16, 0x1.4848f7f6ed6dep-14,
        -0x1.86a6adb9bfb22p-16, -0x1.4f1970c95f949p-20, 0x1.3fdb08514d585p-18,
        0x1.f62a94d8ce101p-21,
    };
    const Vec<D> t =
        hn::Mul(hn::Min(hn::Abs(x), hn::Set(d, 15.0)), hn::Set(d, 0x1.6a09e667f3bcdp-1));
    const Vec<D> four = hn::Set(d, 4.0);
    const Vec<D> y = hn::Div(hn::Sub(t, four), hn::Add(t, four));
    return hn::Mul(hn::Mul(hn::Set(d, 0.5), gauss), PolyEstrin(d, y, kG));
  }

  // Phi(x) from the tail erfc(|x|/sqrt 2)/2: the tail itself below 0, 1 minus it above.
  template <class D>
  static Vec<D> Cdf(D d, Vec<D> x, Vec<D> gauss) {
    const Vec<D> tail = NormalTail(d, x, gauss);
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), tail, hn::Sub(hn::Set(d, 1.0), tail));
  }

  template <class D>
  static Vec<D> Clamp40(D d, Vec<D> x) {
    return hn::Min(hn::Max(x, hn::Set(d, -40.0)), hn::Set(d, 40.0));
  }

  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kForFloat32) {
      return MulProbability(d, x, Cdf(d, x, HalfGaussian(d, Clamp40(d, x))));
    }
    return Lanewise(d, x, Float64Lane);
  }
  // gelu'(x) = Phi(x) + x*phi(x).
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> xc = Clamp40(d, x);
    const Vec<D> gauss = HalfGaussian(d, xc);
    const Vec<D> pdf = hn::Mul(gauss, hn::Set(d, 0.3989422804014327));
    Vec<D> cdf;
    if constexpr (kForFloat32) {
      cdf = Cdf(d, x, gauss);
    } else {
      cdf = Lanewise(d, x, NormalCdf);
    }
    return hn::Mul(dy, hn::MulAdd(xc, pdf, cdf));
  }
};
