// gelu: x*Phi(x), Phi the standard normal CDF. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor. float64: gelu::Float64Forward and
// Float64Backward, in vectors, on one normal tail (Float64Tail). float32: in vectors, see
// NormalTail.
struct gelu {
  // gelu(x) for float64 results, in vectors. With a = min(|x|, 39) and Q = Phi(-a) (the tail):
  // Q = e^(-a^2/2) g(a)/2, g(a) = e^(a^2/2) erfc(a/sqrt 2), which is smooth and within
  // [0.02, 1]. g is a polynomial of degree 26 in y = (a - c)/(a + c), c = 4 sqrt 2,
  // interpolated at the Chebyshev nodes of [0, 39] in y, within 2^-65.4 relative
  // (tools/fit_gelu_f64.py). y is a pair, and so are the last kPairSteps Horner steps with
  // their coefficients; the rest is in double. Fewer pair steps cost accuracy (max error of the
  // result on 2^22 samples against MPFR: 5 steps 1.15 ULP, 7 0.58, 8 0.516, 9 0.504, 10 0.502):
  // the terms of y^k, k < 10, are not small where |y| nears 1 (x near 0) or g is smallest.
  // e^(-a^2/2) comes from the exact split a^2 = hi + lo (ExpReduce as 2^n (1 + m), m a pair), so Q
  // = 2^(n-1) (1 + m) g, to about 2^-62 relative before the final rounding. x < 0: gelu = x Q,
  // scaled last by ScaleRound so that the subnormal results (x < -37.5) are rounded once. x >= 0:
  // gelu = x (1 - Q), 1 - Q a pair.
  template <class D>
  struct Tail {
    Pair<D> q;  // Q 2^-n
    hn::Vec<hn::RebindToSigned<D>> n;
    ExpSplit<D> e;  // e^(-a^2/2)
  };
  template <class D>
  HWY_INLINE static Tail<D> Float64Tail(D d, Vec<D> a) {
    const hn::RebindToSigned<D> di;
    static constexpr double kG[27] = {
        0x1.18932bf08e154p-3,   -0x1.094922737431ap-2,  0x1.bff01a5f90862p-3,
        -0x1.506666f69e527p-3,  0x1.be502c36583f0p-4,   -0x1.027d5744b6ecep-4,
        0x1.0066e104969a0p-5,   -0x1.a4ded414049a0p-7,  0x1.0a17eb7a873fap-8,
        -0x1.a2f8fc376da82p-11, -0x1.6d19e41a030efp-16, 0x1.4b478902ac152p-14,
        -0x1.7a6d5df719178p-16, -0x1.fededa6d49b4ep-20, 0x1.8b33e52d741f5p-19,
        -0x1.b72a7e69adff6p-22, -0x1.30ee5c955fa2fp-22, 0x1.9fca7928c84a9p-24,
        0x1.b226a19bac24ep-26,  -0x1.13f6ebc5a30f7p-26, -0x1.447e8a9a55bdep-29,
        0x1.57a8f8595fa72p-29,  0x1.47e48f55479cap-32,  -0x1.9676e7cdd9cd3p-32,
        -0x1.0e10139257cf2p-34, 0x1.5abe353a58e2ep-35,  0x1.894b891732b6bp-37,
    };
    static constexpr int kPairSteps = 10;  // at most 12, the entries of kGLo
    static constexpr double kGLo[12] = {
        -0x1.e96ad20fb0d1dp-60, 0x1.6cdbe5f2a43dfp-56,  0x1.9f5018597d1fbp-60,
        -0x1.16ad7e3c4a2a7p-57, 0x1.2832c97b28372p-58,  -0x1.4d6c4b27000d5p-59,
        0x1.6cb61c22077e6p-60,  -0x1.e8af0d8824da9p-61, -0x1.048cac881e1edp-62,
        -0x1.e4335189ec3d7p-65, -0x1.097999206d3c4p-70, 0x1.40974044fff76p-72,
    };
    const Vec<D> c = hn::Set(d, 0x1.6a09e667f3bcdp+2);
    const Pair<D> y = DivToPair(d, TwoSum(d, a, hn::Neg(c)), TwoSum(d, a, c));
    Vec<D> p = hn::Set(d, kG[26]);
    for (int k = 25; k >= kPairSteps; --k) p = hn::MulAdd(p, y.hi, hn::Set(d, kG[k]));
    Pair<D> g = {p, hn::Zero(d)};
    for (int k = kPairSteps - 1; k >= 0; --k) {
      const Pair<D> prod = TwoProd(d, y.hi, g.hi);
      const Vec<D> lo = hn::MulAdd(y.hi, g.lo, hn::MulAdd(y.lo, g.hi, prod.lo));
      const Pair<D> s = TwoSum(d, hn::Set(d, kG[k]), prod.hi);
      g = {s.hi, hn::Add(hn::Add(s.lo, lo), hn::Set(d, kGLo[k]))};
    }
    const Pair<D> sq = TwoProd(d, a, a);
    const Vec<D> mhalf = hn::Set(d, -0.5);
    const ExpSplit<D> e = ExpReduce(d, hn::Mul(mhalf, sq.hi), hn::Mul(mhalf, sq.lo));
    return {MulPairs(d, OnePlus(d, e.m), g), hn::Sub(e.n, hn::Set(di, 1)), e};
  }

  template <class D>
  HWY_INLINE static Vec<D> Float64Forward(D d, Vec<D> x) {
    const hn::RebindToSigned<D> di;
    const Tail<D> tail = Float64Tail(d, hn::Min(hn::Abs(x), hn::Set(d, 39.0)));
    const Pair<D>& q = tail.q;
    const auto& n = tail.n;
    // Lanes x >= 0 take n = 0 here: their value is not used, and it keeps ScaleRound's fast path.
    const auto is_neg = hn::Lt(x, hn::Zero(d));
    const Vec<D> neg =
        ScaleRound(d, MulToPair(d, x, q), hn::IfThenElseZero(hn::RebindMask(di, is_neg), n));
    const Vec<D> scale = Pow2I(d, hn::Max(n, hn::Set(di, -1022)));
    const Pair<D> phi = FastTwoSum(d, hn::Set(d, 1.0), hn::Neg(hn::Mul(q.hi, scale)));
    const Vec<D> pos = MulRound(d, x, {phi.hi, hn::NegMulAdd(q.lo, scale, phi.lo)});
    // gelu has the sign of x (zeros included); past |x| = 39 it is x or -0.
    Vec<D> res = hn::CopySign(hn::IfThenElse(is_neg, neg, pos), x);
    res = hn::IfThenElse(hn::Gt(x, hn::Set(d, 39.0)), x, res);
    res = hn::IfThenElse(hn::Lt(x, hn::Set(d, -39.0)), hn::Set(d, -0.0), res);
    return hn::IfThenElse(hn::IsNaN(x), x, res);
  }

  // dy gelu'(x) = dy (Phi(x) + x phi(x)) for float64, rounded once: Phi from the forward
  // pass's tail and phi = e^(-x^2/2)/sqrt(2 pi) from the same split, as pairs (their sum
  // cancels near x = -0.75), scaled exactly where normal; below 2^-1022 each is one double.
  template <class D>
  HWY_INLINE static Vec<D> Float64Backward(D d, Vec<D> x, Vec<D> dy) {
    const hn::RebindToSigned<D> di;
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -39.0)), hn::Set(d, 39.0));
    const Tail<D> tail = Float64Tail(d, hn::Abs(xc));
    const auto is_neg = hn::Lt(x, hn::Zero(d));
    const auto min_n = hn::Set(di, -1022);
    // Phi: Q for x < 0, 1 - Q above.
    const Vec<D> scale = Pow2I(d, hn::Max(tail.n, min_n));
    const Pair<D> q = {hn::Mul(tail.q.hi, scale), hn::Mul(tail.q.lo, scale)};
    const Pair<D> upper = FastTwoSum(d, hn::Set(d, 1.0), hn::Neg(q.hi));
    Pair<D> cdf = {hn::IfThenElse(is_neg, q.hi, upper.hi),
                   hn::IfThenElse(is_neg, q.lo, hn::Sub(upper.lo, q.lo))};
    const auto tiny_q = hn::And(is_neg, hn::RebindMask(d, hn::Lt(tail.n, min_n)));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny_q))) {
      const Vec<D> sub =
          ScaleRound(d, tail.q, hn::IfThenElseZero(hn::RebindMask(di, tiny_q), tail.n));
      cdf = {hn::IfThenElse(tiny_q, sub, cdf.hi), hn::IfThenZeroElse(tiny_q, cdf.lo)};
    }
    const Pair<D> kC = {hn::Set(d, 0x1.9884533d43651p-2), hn::Set(d, -0x1.cbc0d30ebfd15p-56)};
    const Pair<D> dens = MulPairs(d, OnePlus(d, tail.e.m), kC);
    const Vec<D> s2 = Pow2I(d, hn::Max(tail.e.n, min_n));
    Pair<D> pdf = {hn::Mul(dens.hi, s2), hn::Mul(dens.lo, s2)};
    const auto tiny_p = hn::RebindMask(d, hn::Lt(tail.e.n, min_n));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny_p))) {
      const auto n1 = hn::ShiftRight<1>(tail.e.n);
      const Vec<D> sub = hn::Mul(hn::Mul(hn::Add(dens.hi, dens.lo), Pow2I(d, n1)),
                                 Pow2I(d, hn::Sub(tail.e.n, n1)));
      pdf = {hn::IfThenElse(tiny_p, sub, pdf.hi), hn::IfThenZeroElse(tiny_p, pdf.lo)};
    }
    const Pair<D> xp = MulToPair(d, xc, pdf);
    const Pair<D> sum = TwoSum(d, cdf.hi, xp.hi);
    const Pair<D> deriv = {sum.hi, hn::Add(sum.lo, hn::Add(cdf.lo, xp.lo))};
    Vec<D> res = MulRound(d, dy, deriv);
    // Deep in the lower tail Phi and x phi are (near-)subnormal, and x times a subnormal phi
    // would multiply its rounding by |x|: there the sum is taken unscaled, Phi + x phi =
    // 2^n (q/2 + x dens) with e^(-x^2/2) = 2^n (1+m), and 2^n applied once, last.
    const auto deep = hn::And(is_neg, hn::RebindMask(d, hn::Lt(tail.e.n, hn::Set(di, -1000))));
    if (HWY_UNLIKELY(!hn::AllFalse(d, deep))) {
      const Vec<D> half = hn::Set(d, 0.5);
      const Pair<D> xd = MulToPair(d, xc, dens);
      const Pair<D> s0 = TwoSum(d, hn::Mul(tail.q.hi, half), xd.hi);
      const Pair<D> s = {s0.hi, hn::Add(s0.lo, hn::MulAdd(tail.q.lo, half, xd.lo))};
      const Vec<D> tiny = ScaleRound(d, MulToPair(d, dy, s),
                                     hn::IfThenElseZero(hn::RebindMask(di, deep), tail.e.n));
      res = hn::IfThenElse(deep, tiny, res);
    }
    // Past |x| = 39, gelu' is 1, or a negative number that underflows in double (-0).
    res = hn::IfThenElse(hn::Lt(x, hn::Set(d, -39.0)), hn::Mul(dy, hn::Set(d, -0.0)), res);
    res = hn::IfThenElse(hn::Gt(x, hn::Set(d, 39.0)), dy, res);
    return hn::IfThenElse(hn::IsNaN(x), x, res);
  }

  // e^(-x^2/2) for x clamped to [-40, 40]. x^2 is split exactly (x*x = xx + err) because
  // e^(-x^2/2) amplifies its rounding by x^2/2 in the tails.
  template <class D>
  HWY_INLINE static Vec<D> HalfGaussian(D d, Vec<D> xc) {
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
  HWY_INLINE static Vec<D> NormalTail(D d, Vec<D> x, Vec<D> gauss) {
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
  HWY_INLINE static Vec<D> Cdf(D d, Vec<D> x, Vec<D> gauss) {
    const Vec<D> tail = NormalTail(d, x, gauss);
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), tail, hn::Sub(hn::Set(d, 1.0), tail));
  }

  template <class D>
  HWY_INLINE static Vec<D> Clamp40(D d, Vec<D> x) {
    return hn::Min(hn::Max(x, hn::Set(d, -40.0)), hn::Set(d, 40.0));
  }

  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kForFloat32) {
      return MulProbability(d, x, Cdf(d, x, HalfGaussian(d, Clamp40(d, x))));
    } else {
      return Float64Forward(d, x);
    }
  }
  // gelu'(x) = Phi(x) + x*phi(x).
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    if constexpr (!kForFloat32) return Float64Backward(d, x, dy);
    const Vec<D> xc = Clamp40(d, x);
    const Vec<D> gauss = HalfGaussian(d, xc);
    const Vec<D> pdf = hn::Mul(gauss, hn::Set(d, 0.3989422804014327));
    // Past about x = -38.5 f' underflows in double; its sign stays in the zero.
    return NegativeTailZero(d, x, dy, hn::Mul(dy, hn::MulAdd(xc, pdf, Cdf(d, x, gauss))));
  }
};
