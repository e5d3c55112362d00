// gelu: x*Phi(x), Phi the standard normal CDF. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor. float64: gelu::Float64Forward and
// Float64Backward, in vectors, on one normal tail (Float64Tail). float32: in float lanes on
// AVX-512 (TailF) and for the backward pass on AVX2, elsewhere in double lanes (NormalTail).
struct gelu {
  // float32 arrays on AVX-512: float lanes (math_f32-inl.h) for x >= -13 where the result is a
  // normal float (forward: and x is 0 or |x| >= 2^-100; backward: and |dy| <= 2^120), the
  // double lanes for vectors with any other lane (results near or below 2^-126, NaN, -inf,
  // huge dy). AVX2 keeps the double lanes for the forward pass (kFloatPairsPay): with the
  // coefficients read by piece (RowsOfF) its float lanes still measured slower there (CPU time
  // at 4096 elements, alternated, loaded host: 8.7 against 7.9 us; 9.1 with the four-permute
  // lookups, 8.9 with two vectors a step); the backward pass, with fewer pairs, is faster in
  // float lanes there (kBackwardFloatLanes; figures at RowsOfF).
  static constexpr bool kFloatLanes = kFloatPairsPay;
  static constexpr bool kBackwardFloatLanes = true;

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

  // ---- float lanes (float32 arrays on AVX-512) ----
  // The normal tail Q(a) = Phi(-a) = e^(-a^2/2) g(a)/2 for a in [0, 13], as scale R with
  // scale = 2^n exact and R = m g/2 a float pair, within about 2^-34 relative: g from kTableF32
  // (tools/fit_gelu_f32.py: 32 pieces of degree 8 in d = a - c, within 2^-35.6), e^(-a^2/2) =
  // scale m from ExpPairF (2^-36) of the exact square. In g = c0 + d (c1 + d (c2 + d S3)) the
  // terms d c1 and d^2 c2 reach 0.1 and 0.008 of g, so those steps and their coefficients are
  // pairs (the products d c exact, the sums fast two-sums: |c0| > 9 |d S1| and |c1| > 12
  // |d c2| on every piece); S3 = c3 + d c4 + ... is plain float: d^3 S3 is below 2^-10.9 of
  // g, so its roundings stay below 2^-34.7 of g. The index is computed in float and may fall
  // one piece off within 2^-20 of a boundary: each piece is fitted 2^-10 wider.
  template <class D>
  struct TailF {
    PairF<D> r;  // m g/2, Q = scale r
    Vec<D> scale;
  };
  // Rows: centre, c0 hi, c0 lo, c1 hi, c1 lo, c2 hi, c2 lo, c3 .. c8; 32 pieces each: a < 4.5
  // in pieces j = round(4a) with centre j/4, a >= 4.5 in pieces j = 19 + floor((a - 4.5)/0.75)
  // with centre 4.875 + 0.75 (j - 19); a - centre is exact (centres on the grid of 2^-3).
  alignas(64) static constexpr float kTableF32[13][32] = {
      {0.0f,       0x1p-2f,    0x1p-1f,    0x1.8p-1f,  0x1p+0f,    0x1.4p+0f,  0x1.8p+0f,
       0x1.cp+0f,  0x1p+1f,    0x1.2p+1f,  0x1.4p+1f,  0x1.6p+1f,  0x1.8p+1f,  0x1.ap+1f,
       0x1.cp+1f,  0x1.ep+1f,  0x1p+2f,    0x1.1p+2f,  0x1.2p+2f,  0x1.38p+2f, 0x1.68p+2f,
       0x1.98p+2f, 0x1.c8p+2f, 0x1.f8p+2f, 0x1.14p+3f, 0x1.2cp+3f, 0x1.44p+3f, 0x1.5cp+3f,
       0x1.74p+3f, 0x1.8cp+3f, 0x1.a4p+3f, 0x1.bcp+3f},
      {0x1p+0f,        0x1.a7f808p-1f, 0x1.66027ap-1f, 0x1.337024p-1f, 0x1.0bdb2ep-1f,
       0x1.d898dep-2f, 0x1.a57056p-2f, 0x1.7b5abep-2f, 0x1.5845dcp-2f, 0x1.3aaddep-2f,
       0x1.217252p-2f, 0x1.0bb968p-2f, 0x1.f1b89cp-3f, 0x1.d0b31cp-3f, 0x1.b396fap-3f,
       0x1.99c2b6p-3f, 0x1.82b4bcp-3f, 0x1.6e040ap-3f, 0x1.5b5acep-3f, 0x1.42938ap-3f,
       0x1.1a1398p-3f, 0x1.f4de08p-4f, 0x1.c22348p-4f, 0x1.989c1p-4f,  0x1.76037p-4f,
       0x1.58c356p-4f, 0x1.3fb7d8p-4f, 0x1.2a09fcp-4f, 0x1.17181cp-4f, 0x1.066664p-4f,
       0x1.ef28dcp-5f, 0x1.d4ac38p-5f},
      {-0x1.8f5032p-55f, 0x1.69e57p-29f,   0x1.a98496p-26f,  -0x1.086b3cp-26f, 0x1.cef98ep-32f,
       0x1.38de32p-31f,  -0x1.a5db52p-28f, -0x1.a05f8ap-27f, 0x1.5a54aap-27f,  -0x1.cc2dp-31f,
       0x1.8b805cp-29f,  0x1.9bdb28p-27f,  0x1.18f4dcp-30f,  0x1.04a878p-32f,  -0x1.870edp-30f,
       0x1.b67674p-28f,  -0x1.cdac8cp-29f, -0x1.1df0fcp-28f, -0x1.89d408p-28f, 0x1.15acfep-29f,
       -0x1.5804dap-29f, 0x1.356398p-29f,  0x1.7d3262p-30f,  -0x1.68e88ep-29f, -0x1.c85b62p-29f,
       -0x1.d39b6cp-29f, -0x1.82483ap-29f, 0x1.abd7dap-29f,  0x1.d5b938p-30f,  -0x1.5ffb06p-29f,
       -0x1.8fabd6p-30f, 0x1.1ff8b6p-30f},
      {-0x1.988454p-1f, -0x1.2e8652p-1f, -0x1.cb062cp-2f, -0x1.63e072p-2f, -0x1.19524ap-2f,
       -0x1.c49322p-3f, -0x1.71c04cp-3f, -0x1.3253b6p-3f, -0x1.00f9dap-3f, -0x1.b405ccp-4f,
       -0x1.75ab64p-4f, -0x1.432b1ap-4f, -0x1.19cef2p-4f, -0x1.ef2cc8p-5f, -0x1.b6038ap-5f,
       -0x1.85dc7cp-5f, -0x1.5cf97cp-5f, -0x1.3a0094p-5f, -0x1.1be2c6p-5f, -0x1.ec1058p-6f,
       -0x1.7b18bep-6f, -0x1.2c6c8cp-6f, -0x1.e739b2p-7f, -0x1.92ad0cp-7f, -0x1.5227dcp-7f,
       -0x1.1fdae2p-7f, -0x1.efd368p-8f, -0x1.af5fc6p-8f, -0x1.7aa4f2p-8f, -0x1.4ef8cep-8f,
       -0x1.2a67b4p-8f, -0x1.0b7d18p-8f},
      {0x1.857974p-26f,  0x1.90cc48p-26f,  0x1.68f58ep-28f,  0x1.7e5372p-27f,  -0x1.cd29a6p-28f,
       0x1.1b224p-30f,   -0x1.8b8e68p-30f, -0x1.9b694p-28f,  -0x1.0190aep-29f, -0x1.ae1eep-30f,
       0x1.11564ep-34f,  0x1.de3478p-29f,  0x1.d13904p-29f,  0x1.2b5c4cp-30f,  -0x1.012072p-30f,
       -0x1.f77bdp-30f,  0x1.ea2efep-30f,  0x1.5a9298p-30f,  0x1.4d558cp-31f,  0x1.d5fbb4p-31f,
       -0x1.8d3946p-31f, -0x1.fda336p-33f, -0x1.8c95d2p-35f, 0x1.1a2898p-33f,  -0x1.a25308p-32f,
       0x1.7f148ep-34f,  -0x1.b5194cp-33f, 0x1.8950fep-33f,  0x1.60e488p-33f,  -0x1.7f8c48p-33f,
       -0x1.30dfe2p-33f, -0x1.9a36ecp-35f},
      {0x1p-1f,         0x1.5c5674p-2f,  0x1.e681ep-3f,   0x1.5bf7f2p-3f,  0x1.fcc824p-4f,
       0x1.7b79d2p-4f,  0x1.204038p-4f,  0x1.bd45f4p-5f,  0x1.5d300ap-5f,  0x1.15aa6cp-5f,
       0x1.bf399ep-6f,  0x1.6c5e3cp-6f,  0x1.2c08cap-6f,  0x1.f2f5dp-7f,   0x1.a29f04p-7f,
       0x1.62200ep-7f,  0x1.2dda04p-7f,  0x1.031b68p-7f,  0x1.bfbaeep-8f,  0x1.6b9954p-8f,
       0x1.f0c63p-9f,   0x1.611092p-9f,  0x1.033e5cp-9f,  0x1.8736f8p-10f, 0x1.2e0ea2p-10f,
       0x1.dbb51ep-11f, 0x1.7d03bap-11f, 0x1.35b932p-11f, 0x1.fe229p-12f,  0x1.a8f9b4p-12f,
       0x1.65adbcp-12f, 0x1.2fd0a6p-12f},
      {-0x1.9f4168p-37f, -0x1.ba4e26p-29f, -0x1.4af5e6p-30f, 0x1.bcb61ap-33f,  -0x1.b03cf8p-29f,
       -0x1.00d69p-30f,  0x1.c5ce34p-29f,  0x1.de9024p-30f,  -0x1.339f06p-31f, -0x1.5bb9fcp-32f,
       -0x1.7c94e4p-32f, 0x1.24f962p-31f,  0x1.2aa93p-41f,   0x1.c2bcf4p-36f,  0x1.e9ff0ap-32f,
       -0x1.0c6d26p-32f, 0x1.ac59f8p-36f,  -0x1.6da9eap-32f, -0x1.ca7d7ap-34f, -0x1.6ddc44p-33f,
       0x1.94f22p-34f,   -0x1.5b36b2p-34f, 0x1.378138p-37f,  0x1.f5cb6p-38f,   -0x1.6bb66ep-35f,
       -0x1.b0682ap-37f, -0x1.b89d1cp-36f, -0x1.a6729cp-39f, 0x1.a14a9ap-37f,  -0x1.4321dp-39f,
       -0x1.ed98f2p-38f, -0x1.e52206p-39f},
      {-0x1.105838p-2f,  -0x1.594f5ap-3f,  -0x1.c1dcfp-4f,   -0x1.2c849ep-4f,  -0x1.9b00bp-5f,
       -0x1.1f33fep-5f,  -0x1.99805ap-6f,  -0x1.2962f4p-6f,  -0x1.b75f1cp-7f,  -0x1.49badep-7f,
       -0x1.f6275ep-8f,  -0x1.838c52p-8f,  -0x1.2ed734p-8f,  -0x1.dec5a2p-9f,  -0x1.7e822p-9f,
       -0x1.34a258p-9f,  -0x1.f6a4f6p-10f, -0x1.9ccf9p-10f,  -0x1.55bcp-10f,   -0x1.04f288p-10f,
       -0x1.3de43p-11f,  -0x1.96f20ap-12f, -0x1.0f7142p-12f, -0x1.76e94ap-13f, -0x1.0aac94p-13f,
       -0x1.85206ap-14f, -0x1.22398cp-14f, -0x1.b9563cp-15f, -0x1.554e04p-15f, -0x1.0bf246p-15f,
       -0x1.aa6598p-16f, -0x1.5762d2p-16f},
      {0x1.fffff6p-4f,  0x1.312c88p-4f,  0x1.760aa4p-5f,  0x1.d68c6ep-6f,  0x1.2f47ccp-6f,
       0x1.8ff2a6p-7f,  0x1.0d602ep-7f,  0x1.721ebep-8f,  0x1.0300f6p-8f,  0x1.70c53cp-9f,
       0x1.0ac206p-9f,  0x1.87b71p-10f,  0x1.239d8ep-10f, 0x1.b7d4f2p-11f, 0x1.4fb4ap-11f,
       0x1.031f6ep-11f, 0x1.943c4cp-12f, 0x1.3e6912p-12f, 0x1.fa3b68p-13f, 0x1.6c8de8p-13f,
       0x1.8dea6ep-14f, 0x1.cc7b1cp-15f, 0x1.17d7e4p-15f, 0x1.629532p-16f, 0x1.d1924p-17f,
       0x1.3b3218p-17f, 0x1.b65c94p-18f, 0x1.3812a6p-18f, 0x1.c5a66p-19f,  0x1.4fdddap-19f,
       0x1.f9995ep-20f, 0x1.823d12p-20f},
      {-0x1.b3be7p-5f,   -0x1.eb7558p-6f,  -0x1.1d14aep-6f,  -0x1.53a9b8p-7f,  -0x1.9efa82p-8f,
       -0x1.038ce2p-8f,  -0x1.4bf358p-9f,  -0x1.b177ccp-10f, -0x1.209684p-10f, -0x1.875934p-11f,
       -0x1.0dee0cp-11f, -0x1.7a6164p-12f, -0x1.0d3672p-12f, -0x1.8481e6p-13f, -0x1.1c0d02p-13f,
       -0x1.a48586p-14f, -0x1.3ae87cp-14f, -0x1.dccc48p-15f, -0x1.6caa2p-15f,  -0x1.f09772p-16f,
       -0x1.e7c296p-17f, -0x1.fffdcp-18f,  -0x1.1c3f22p-18f, -0x1.4b1eap-19f,  -0x1.91f8f2p-20f,
       -0x1.f9c50ap-21f, -0x1.484b86p-21f, -0x1.b61658p-22f, -0x1.2b8348p-22f, -0x1.a28998p-23f,
       -0x1.2a2d8ap-23f, -0x1.b05f2ap-24f},
      {0x1.552158p-6f,  0x1.6df11ep-7f,  0x1.93b174p-8f,  0x1.c9908p-9f,   0x1.0a0becp-9f,
       0x1.3cf874p-10f, 0x1.826216p-11f, 0x1.e145c4p-12f, 0x1.31e446p-12f, 0x1.8c5d2ap-13f,
       0x1.057874p-13f, 0x1.5ee006p-14f, 0x1.de6e34p-15f, 0x1.4b1e32p-15f, 0x1.d0dbb4p-16f,
       0x1.4aaefcp-16f, 0x1.dc6968p-17f, 0x1.5b42c2p-17f, 0x1.ffea8p-18f,  0x1.4a52c6p-18f,
       0x1.25159ap-19f, 0x1.17e8c2p-20f, 0x1.1ca144p-21f, 0x1.317074p-22f, 0x1.5763e4p-23f,
       0x1.920844p-24f, 0x1.e7ba24p-25f, 0x1.3146aap-25f, 0x1.88f3f4p-26f, 0x1.0346f6p-26f,
       0x1.5de0d2p-27f, 0x1.e1be96p-28f},
      {-0x1.eb848ap-8f,  -0x1.ff4054p-9f,  -0x1.0d0938p-9f,  -0x1.2307f8p-10f, -0x1.4325dp-11f,
       -0x1.6fce82p-12f, -0x1.ac95b6p-13f, -0x1.fea378p-14f, -0x1.36ac06p-14f, -0x1.81a032p-15f,
       -0x1.e7c17p-16f,  -0x1.3a003p-16f,  -0x1.9b2282p-17f, -0x1.11769cp-17f, -0x1.714748p-18f,
       -0x1.f9c704p-19f, -0x1.5f0858p-19f, -0x1.ed782ap-20f, -0x1.5f06b6p-20f, -0x1.b13p-21f,
       -0x1.5bede2p-22f, -0x1.2edbf2p-23f, -0x1.1a7152p-24f, -0x1.178adp-25f,  -0x1.2355d8p-26f,
       -0x1.3da55p-27f,  -0x1.685c2ap-28f, -0x1.a76fc2p-29f, -0x1.00ad6ep-29f, -0x1.400288p-30f,
       -0x1.9920a8p-31f, -0x1.0b89dcp-31f},
      {0x1.1c8bccp-9f,  0x1.4f3574p-10f, 0x1.51af54p-11f, 0x1.5dbe5cp-12f, 0x1.73f04ap-13f,
       0x1.95a136p-14f, 0x1.c51976p-15f, 0x1.02e422p-15f, 0x1.2e5144p-16f, 0x1.68594ap-17f,
       0x1.b5f6bp-18f,  0x1.0f1b3ep-18f, 0x1.559012p-19f, 0x1.b5866cp-20f, 0x1.1ca99ap-20f,
       0x1.77f8d6p-21f, 0x1.f7a13cp-22f, 0x1.55dc62p-22f, 0x1.d6089ep-23f, 0x1.13d714p-23f,
       0x1.92f424p-25f, 0x1.40dfdcp-26f, 0x1.13441cp-27f, 0x1.f7c636p-29f, 0x1.e7af66p-30f,
       0x1.f00318p-31f, 0x1.0779b6p-31f, 0x1.22f18cp-32f, 0x1.4c8c04p-33f, 0x1.8807f6p-34f,
       0x1.db3338p-35f, 0x1.27598cp-35f},
  };
  // kTableF32 with the coefficients halved (exact), so that the polynomial gives g/2 and the
  // tail and the backward pass's W = g/2 - a/sqrt(2 pi) need no multiplication by 1/2.
  alignas(64) static constexpr std::array<std::array<float, 32>, 13> kHalfF32 = [] {
    std::array<std::array<float, 32>, 13> t{};
    for (int r = 0; r < 13; ++r) {
      for (int j = 0; j < 32; ++j) t[r][j] = r == 0 ? kTableF32[r][j] : kTableF32[r][j] * 0.5f;
    }
    return t;
  }();
  // t[j mod 32] (the higher bits of j are ignored): one permute of two registers on AVX-512,
  // two 16-entry lookups and a blend elsewhere.
  template <class D>
  HWY_INLINE static Vec<D> Table32F(D d, const float* t, hn::Vec<hn::RebindToSigned<D>> j) {
#if HWY_TARGET <= HWY_AVX3
    if constexpr (hn::MaxLanes(D()) == 16) {
      return Vec<D>{_mm512_permutex2var_ps(hn::Load(d, t).raw, j.raw, hn::Load(d, t + 16).raw)};
    } else
#endif
    {
      const hn::RebindToSigned<D> di;
      const auto low = hn::And(j, hn::Set(di, 15));
      const auto upper = hn::RebindMask(d, hn::Ne(hn::And(j, hn::Set(di, 16)), hn::Zero(di)));
      return hn::IfThenElse(upper, Table16(d, t + 16, low), Table16(d, t, low));
    }
  }
  // AVX2 (8 lanes, 16 registers): a row of kTableF32 costs four permutes and three blends
  // (Table32F), 7 of the 8 shuffle-port operations of the loop per row, and they bounded it (a
  // test build with one permute a row, wrong values: forward 9.3 -> 5.3 us and backward 8.8 ->
  // 4.9 us at 4096). There each lane reads its piece's 12 coefficients from kRowsF32 (rows 1-12
  // of kHalfF32 by piece) in three 16-byte loads, and three 8x4 transposes (8 shuffles each)
  // give the 12 coefficient vectors; the centre is computed (kTableF32[0] is on its grid). The
  // values are those of the rows, so results are those of the AVX-512 lanes, bit for bit.
  // Backward pass at 4096 elements (CPU time, alternated, loaded host): 7.6 us against 8.4 in
  // double lanes and 8.8 with Table32F; 8-lane gathers instead of the permutes: 13 us.
#if HWY_TARGET == HWY_AVX2
  template <class D>
  static constexpr bool kRowsByPiece = hn::MaxLanes(D()) == 8;
#else
  template <class D>
  static constexpr bool kRowsByPiece = false;
#endif
  alignas(64) static constexpr std::array<float, 32 * 12> kRowsF32 = [] {
    std::array<float, 32 * 12> t{};
    for (int j = 0; j < 32; ++j) {
      for (int r = 1; r <= 12; ++r) t[j * 12 + r - 1] = kHalfF32[r][j];
    }
    return t;
  }();
  // The piece of a = min(|x|, 13) in kTableF32 and d = a - its centre (exact); on AVX2 also its
  // coefficients (c[r - 1] is kHalfF32[r][j]).
  template <class D>
  struct PieceF {
    hn::Vec<hn::RebindToSigned<D>> j;
    Vec<D> d;
    Vec<D> c[kRowsByPiece<D> ? 12 : 1];
  };
#if HWY_TARGET == HWY_AVX2
  template <class D>
  HWY_INLINE static void RowsOfF(D d, PieceF<D>& p) {
    const hn::RebindToSigned<D> di;
    const auto j = hn::And(p.j, hn::Set(di, 31));
    alignas(32) int32_t off[8];
    hn::Store(hn::ShiftLeft<2>(hn::Add(j, hn::ShiftLeft<1>(j))), di, off);  // 12 j
    const float* t = kRowsF32.data();
    for (int q = 0; q < 3; ++q) {
      __m256 r[4];
      for (int i = 0; i < 4; ++i) {
        r[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_load_ps(t + off[i] + 4 * q)),
                                    _mm_load_ps(t + off[i + 4] + 4 * q), 1);
      }
      const __m256d t0 = _mm256_castps_pd(_mm256_unpacklo_ps(r[0], r[1]));
      const __m256d t1 = _mm256_castps_pd(_mm256_unpackhi_ps(r[0], r[1]));
      const __m256d t2 = _mm256_castps_pd(_mm256_unpacklo_ps(r[2], r[3]));
      const __m256d t3 = _mm256_castps_pd(_mm256_unpackhi_ps(r[2], r[3]));
      p.c[4 * q + 0] = Vec<D>{_mm256_castpd_ps(_mm256_unpacklo_pd(t0, t2))};
      p.c[4 * q + 1] = Vec<D>{_mm256_castpd_ps(_mm256_unpackhi_pd(t0, t2))};
      p.c[4 * q + 2] = Vec<D>{_mm256_castpd_ps(_mm256_unpacklo_pd(t1, t3))};
      p.c[4 * q + 3] = Vec<D>{_mm256_castpd_ps(_mm256_unpackhi_pd(t1, t3))};
    }
  }
#endif
  // Row r (1 to 12) of kHalfF32 at the piece p.
  template <class D>
  HWY_INLINE static Vec<D> CoefF(D d, const PieceF<D>& p, int row) {
    if constexpr (kRowsByPiece<D>) {
      return p.c[row - 1];
    } else {
      return Table32F(d, kHalfF32[row].data(), p.j);
    }
  }
  template <class D>
  HWY_INLINE static PieceF<D> PieceOfF(D d, Vec<D> a) {
    const hn::RebindToSigned<D> di;
    // The index rounded to the nearest integer by adding 2^23 (it lands in the low bits; the
    // lookups read only those): round(4a) below 4.5, round(4a/3 + 12.5) = floor(4a/3 + 13)
    // above. A tie or a double rounding falls on a boundary, where either piece serves.
    const Vec<D> u = hn::IfThenElse(hn::Lt(a, hn::Set(d, 4.5f)), hn::Mul(a, hn::Set(d, 4.0f)),
                                    hn::MulAdd(a, hn::Set(d, 0x1.555556p+0f), hn::Set(d, 12.5f)));
    PieceF<D> p;
    p.j = hn::BitCast(di, hn::Add(u, hn::Set(d, 0x1p23f)));
#if HWY_TARGET == HWY_AVX2
    if constexpr (kRowsByPiece<D>) {
      // kTableF32[0]: j/4 below piece 19, 0.75 j - 9.375 from there (both exact).
      const auto j = hn::And(p.j, hn::Set(di, 31));
      const Vec<D> jf = hn::ConvertTo(d, j);
      const Vec<D> centre = hn::IfThenElse(hn::RebindMask(d, hn::Lt(j, hn::Set(di, 19))),
                                           hn::Mul(jf, hn::Set(d, 0.25f)),
                                           hn::MulAdd(jf, hn::Set(d, 0.75f), hn::Set(d, -9.375f)));
      p.d = hn::Sub(a, centre);
      RowsOfF(d, p);
      return p;
    }
#endif
    p.d = hn::Sub(a, Table32F(d, kTableF32[0], p.j));
    return p;
  }
  // TailOfF for kK vectors at once, each step for all kK before the next (ForwardN); the
  // arithmetic of TailOfF, which is its kK = 1.
  template <size_t kK, class D>
  HWY_INLINE static void TailOfFN(D d, const Vec<D> (&a)[kK], TailF<D> (&out)[kK]) {
    PieceF<D> pc[kK];
    for (size_t k = 0; k < kK; ++k) pc[k] = PieceOfF(d, a[k]);
    auto coef = [&](int row, size_t k) HWY_ATTR { return CoefF(d, pc[k], row); };
    // S3 by Estrin: the chain from a to the result is what bounds the speed (independent
    // vectors overlap only as far as the out-of-order window reaches).
    Vec<D> s[kK];
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> dd = pc[k].d;
      const Vec<D> d2 = hn::Mul(dd, dd);
      const Vec<D> q34 = hn::MulAdd(coef(8, k), dd, coef(7, k));
      const Vec<D> q56 = hn::MulAdd(coef(10, k), dd, coef(9, k));
      const Vec<D> q78 = hn::MulAdd(coef(12, k), dd, coef(11, k));
      s[k] = hn::MulAdd(hn::MulAdd(q78, d2, q56), d2, q34);
    }
    PairF<D> g[kK];
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> dd = pc[k].d;
      // c2 + d S3 kept as c2 hi + l2, unnormalised (l2 below 0.07 of it).
      const Vec<D> l2 = hn::MulAdd(dd, s[k], coef(6, k));
      const PairF<D> p1 = TwoProdF<D>(dd, coef(5, k));
      const PairF<D> s1 = FastTwoSumF<D>(coef(3, k), p1.hi);
      const Vec<D> l1 = hn::Add(hn::Add(s1.lo, coef(4, k)), hn::MulAdd(dd, l2, p1.lo));
      const PairF<D> p0 = TwoProdF<D>(dd, s1.hi);
      const PairF<D> s0 = FastTwoSumF<D>(coef(1, k), p0.hi);
      g[k] = {s0.hi, hn::Add(hn::Add(s0.lo, coef(2, k)), hn::MulAdd(dd, l1, p0.lo))};
    }
    // e^(-a^2/2): -a^2/2 <= 84.5 split exactly (a times -a/2, exact), its low part below 2^-18.
    Vec<D> th[kK], tl[kK];
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> sq = TwoProdF<D>(a[k], hn::Mul(a[k], hn::Set(d, -0.5f)));
      th[k] = sq.hi;
      tl[k] = sq.lo;
    }
    ExpF<D> e[kK];
    ExpPairFN<kK>(d, th, tl, e);
    // m g/2 without the product of the low parts (below 2^-45 of it).
    for (size_t k = 0; k < kK; ++k) {
      out[k] = {MulPairsF(e[k].m, g[k]), e[k].scale};
    }
  }
  template <class D>
  HWY_INLINE static TailF<D> TailOfF(D d, Vec<D> a) {
    const Vec<D> av[1] = {a};
    TailF<D> t[1];
    TailOfFN<1>(d, av, t);
    return t[0];
  }

  // v Q for x < 0 and v (1 - Q) for x >= 0, Q = scale (q.hi + q.lo) with scale a power of two
  // and Q <= 1/2: on the negative side the product rounded once before the exact scale (the
  // callers check the result normal), on the positive side 1 - Q an exact pair. The forward
  // pass (v = x, Q the tail) and the backward pass (v = dy, Q = e^(-a^2/2) W) share it.
  template <class D>
  HWY_INLINE static Vec<D> TailOrComplementF(D d, Vec<D> x, Vec<D> v, PairF<D> q, Vec<D> scale) {
    const Vec<D> neg = hn::Mul(hn::MulAdd(v, q.hi, hn::Mul(v, q.lo)), scale);
    const PairF<D> p = FastTwoSumF<D>(hn::Set(d, 1.0f), hn::Neg(hn::Mul(q.hi, scale)));
    const Vec<D> pos = hn::MulAdd(v, p.hi, hn::Mul(v, hn::NegMulAdd(q.lo, scale, p.lo)));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }

  // gelu(x) in float lanes: x < 0: x Q, the product rounded before the exact scale (the
  // result is checked normal); x >= 0: x (1 - Q), 1 - Q exact as a pair (Q <= 1/2). Past x =
  // 13 the result is x. One rounding of a value within about 2^-34.
  template <class D>
  HWY_INLINE static Vec<D> ResultOfF(D d, Vec<D> x, const TailF<D>& t) {
    return hn::IfThenElse(hn::Gt(x, hn::Set(d, 13.0f)), x,
                          TailOrComplementF(d, x, x, t.r, t.scale));
  }
  // Results are normal floats for x in [-13, -2^-100] (|gelu| >= 7.8e-38 at -13, about |x|/2
  // near 0), so the test is on x alone and resolves early. Tiny x: the products with x would
  // leave the normal range (x < 0) or x/2 round twice.
  template <class D>
  HWY_INLINE static hn::Mask<D> ForwardOkF(D d, Vec<D> x) {
    return hn::And(hn::Ge(x, hn::Set(d, -13.0f)),
                   hn::Or(hn::Eq(x, hn::Zero(d)), hn::Ge(hn::Abs(x), hn::Set(d, 0x1p-100f))));
  }
  template <class D>
  HWY_INLINE static Vec<D> ForwardF(D d, Vec<D> x, const Args& args) {
    const TailF<D> t = TailOfF(d, hn::Min(hn::Abs(x), hn::Set(d, 13.0f)));
    return PatchLanes(d, ForwardOkF(d, x), ResultOfF(d, x, t), x,
                      [&](auto dv, auto v) HWY_ATTR { return Forward(dv, v, args); });
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT): ForwardF's results, its steps
  // interleaved across the vectors and the rare lanes tested once for all of them. One vector at
  // a time left the out-of-order core waiting on a chain of about 110 operations: with four,
  // 0.71 -> 0.575 ns an element at 4096 and 262144 (1.23x; best of many calls, x uniform in
  // [-8, 8], one thread, loaded host), with two 0.61, three 0.61, eight 0.58. The loop is now
  // about 148 instructions a vector: some 82 floating-point operations, 15 permutes, and copies
  // and reloads of the hoisted tables; a test build with the 12 coefficient lookups replaced by
  // broadcasts was only 10% faster, so the time is spread over the arithmetic (what is left to
  // gain is fewer operations: fewer pair steps or rows, not a cheaper lookup).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& args) {
    Vec<D> a[kK], y[kK];
    for (size_t k = 0; k < kK; ++k) a[k] = hn::Min(hn::Abs(v[k]), hn::Set(d, 13.0f));
    TailF<D> t[kK];
    TailOfFN<kK>(d, a, t);
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      y[k] = ResultOfF(d, v[k], t[k]);
      ok[k] = ForwardOkF(d, v[k]);
    }
    PatchLanesN(d, ok, y, v, [&](auto dv, auto w) HWY_ATTR { return Forward(dv, w, args); });
  }

  // dy gelu'(x) = dy (Phi(x) + x phi(x)) in float lanes, within the backward bound (2 ULP of
  // the result plus 2^-24 |dy x f''|, docs/SPEC.md) with fewer pairs than the forward pass.
  // With e^(-a^2/2) = scale m, m rounded once (ExpRoundedF: m halved, scale doubled), and W =
  // g/2 - a/sqrt(2 pi), Phi + x phi = scale m W for x < 0 (scale applied last, after the one
  // rounding with dy; the result is checked normal) and 1 - scale m W for x >= 0 (scale m W
  // in (-0.13, 1/2], the difference exact as a pair). g = c0 + d S1 with c0 a pair and S1 in
  // float (Estrin): d S1 is at most 0.1 of g, so g is within 2^-26.5. W is a pair (exact
  // product and sum; the terms cancel near a = 0.75, where the bound's second term grows).
  // Error, in units of 2^-24 of the result: m's rounding (1.06 at most, the result's
  // sensitivity to e being at most 1), g's (0.18 times W's amplification g/|2W|, which is
  // below 1 outside the zero of W), the last rounding 1/2. Past x = 13 the result is dy.
  // BackwardF's values y and range tests ok for kK vectors, each step for all kK before the next.
  template <size_t kK, class D>
  HWY_INLINE static void BackwardFN(D d, const Vec<D> (&x)[kK], const Vec<D> (&dy)[kK],
                                    Vec<D> (&y)[kK], hn::Mask<D> (&ok)[kK]) {
    Vec<D> a[kK], th[kK], tl[kK];
    PieceF<D> pc[kK];
    for (size_t k = 0; k < kK; ++k) {
      a[k] = hn::Min(hn::Abs(x[k]), hn::Set(d, 13.0f));
      pc[k] = PieceOfF(d, a[k]);
    }
    // g/2 from the halved coefficients.
    Vec<D> g_hi[kK], g_lo[kK];
    for (size_t k = 0; k < kK; ++k) {
      auto coef = [&](int row) HWY_ATTR { return CoefF(d, pc[k], row); };
      const Vec<D> dd = pc[k].d;
      const Vec<D> d2 = hn::Mul(dd, dd);
      const Vec<D> q12 = hn::MulAdd(coef(5), dd, coef(3));
      const Vec<D> q34 = hn::MulAdd(coef(8), dd, coef(7));
      const Vec<D> q56 = hn::MulAdd(coef(10), dd, coef(9));
      const Vec<D> q78 = hn::MulAdd(coef(12), dd, coef(11));
      const Vec<D> s1 = hn::MulAdd(hn::MulAdd(hn::MulAdd(q78, d2, q56), d2, q34), d2, q12);
      g_hi[k] = coef(1);
      g_lo[k] = hn::MulAdd(dd, s1, coef(2));
    }
    const Vec<D> mhalf = hn::Set(d, -0.5f);
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> sq = TwoProdF<D>(a[k], a[k]);
      th[k] = hn::Mul(sq.hi, mhalf);
      tl[k] = hn::Mul(sq.lo, mhalf);
    }
    ExpRoundF<D> e[kK];
    ExpRoundedFN<kK>(d, th, tl, e);
    for (size_t k = 0; k < kK; ++k) {
      // W = g/2 - a C, C = 1/sqrt(2 pi) as two floats.
      const PairF<D> ac = TwoProdF<D>(a[k], hn::Set(d, 0x1.988454p-2f));
      const PairF<D> w = TwoSumF<D>(g_hi[k], hn::Neg(ac.hi));
      const Vec<D> w_lo =
          hn::Add(w.lo, hn::Sub(g_lo[k], hn::MulAdd(a[k], hn::Set(d, -0x1.857936p-27f), ac.lo)));
      const PairF<D> mw = TwoProdF<D>(e[k].m, w.hi);
      const PairF<D> q = {mw.hi, hn::MulAdd(e[k].m, w_lo, mw.lo)};
      y[k] = hn::IfThenElse(hn::Gt(x[k], hn::Set(d, 13.0f)), dy[k],
                            TailOrComplementF(d, x[k], dy[k], q, e[k].scale));
      ok[k] = hn::And(
          hn::And(hn::Ge(x[k], hn::Set(d, -13.0f)), hn::Le(hn::Abs(dy[k]), hn::Set(d, 0x1p120f))),
          hn::Ge(hn::Abs(y[k]), hn::Set(d, 0x1p-126f)));
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> BackwardF(D d, Vec<D> x, Vec<D> dy, const Args& args) {
    const Vec<D> xv[1] = {x}, gv[1] = {dy};
    Vec<D> y[1];
    hn::Mask<D> ok[1];
    BackwardFN<1>(d, xv, gv, y, ok);
    return PatchLanes2(d, ok[0], y[0], x, dy,
                       [&](auto dv, auto v, auto g) HWY_ATTR { return Backward(dv, v, g, args); });
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): BackwardF's results, left in dy, its
  // steps interleaved across the vectors and the rare lanes tested once for all of them. AVX-512
  // with four: 2.06-2.16 against 2.46-2.54 us at 4096 and 140 against 159-166 us at 262144 (CPU
  // time, alternated, loaded host); two 2.3 and 148-153, eight 2.4-2.5 and 167-175. AVX2 with
  // two measured slower than one (8.0-8.5 against 7.6 us at 4096: the coefficients spill).
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 1;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& args) {
    Vec<D> y[kK];
    hn::Mask<D> ok[kK];
    BackwardFN<kK>(d, x, dy, y, ok);
    PatchLanes2N(d, ok, y, x, dy,
                 [&](auto dv, auto v, auto g) HWY_ATTR { return Backward(dv, v, g, args); });
  }

  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      return ForwardF(d, x, args);
    } else if constexpr (kForFloat32) {
      return MulProbability(d, x, Cdf(d, x, HalfGaussian(d, Clamp40(d, x))));
    } else {
      return Float64Forward(d, x);
    }
  }
  // gelu'(x) = Phi(x) + x*phi(x).
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      return BackwardF(d, x, dy, args);
    } else if constexpr (!kForFloat32) {
      return Float64Backward(d, x, dy);
    } else {
      const Vec<D> xc = Clamp40(d, x);
      const Vec<D> gauss = HalfGaussian(d, xc);
      const Vec<D> pdf = hn::Mul(gauss, hn::Set(d, 0.3989422804014327));
      // Past about x = -38.5 f' underflows in double; its sign stays in the zero.
      const Vec<D> y =
          NegativeTailZero(d, x, dy, hn::Mul(dy, hn::MulAdd(xc, pdf, Cdf(d, x, gauss))));
      // Below x = -15 NormalTail's argument is clamped: its f' is right in size only, below
      // 1e-48, which a large dy brings back into float32's range (gelu'(-18) 2^126 is -2.7e-32):
      // those lanes take the float64 formula.
      const auto deep = hn::Lt(x, hn::Set(d, -15.0));
      if (HWY_UNLIKELY(!hn::AllFalse(d, deep))) {
        return hn::IfThenElse(deep, Float64Backward(d, x, dy), y);
      }
      return y;
    }
  }
};
