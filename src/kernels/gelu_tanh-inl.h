// gelu_tanh: x/2*(1+tanh u), u = sqrt(2/pi)(x + 0.044715x^3), evaluated as x*sigmoid(2u): 1 + tanh
// u cancels for negative u, the sigmoid form does not. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
struct gelu_tanh {
  // float32 arrays on AVX-512 and AVX2: float lanes (math_f32-inl.h) for |x| <= 9.9 (|2u| <=
  // 85), the double lanes for vectors with a lane beyond (results near the subnormals,
  // infinities, NaN) or a tiny nonzero x (whose products would underflow in the pairs). On AVX2
  // the forward pass one vector at a time measured slower than the double lanes, four at once
  // (ForwardN) 1.39x and 1.43x faster at 4096 and 262144 (0.91 against 1.27 and 1.30 ns per
  // element, CPU time, medians; two at once 1.2x, three 1.35x at 4096; alternated, loaded
  // host); the backward pass, with no pairs past e^-|2u|, is a little faster there too
  // (kBackwardFloatLanes).
  static constexpr bool kFloatLanes = true;
  static constexpr bool kBackwardFloatLanes = true;
  static constexpr float kFloatLimit = 9.9f;

  // 2u = x (a + b x^2) and its derivative a + 3b x^2 as float pairs (a = 2 sqrt(2/pi), b =
  // 0.044715 a, both split in two floats): e^-|2u| multiplies the rounding of 2u by |2u| <= 85.
  template <class D>
  struct TwoUF {
    PairF<D> t;      // 2u
    PairF<D> slope;  // d(2u)/dx
  };
  template <class D>
  HWY_INLINE static TwoUF<D> TwoUOfF(D d, Vec<D> x) {
    const PairF<D> x2 = TwoProdF<D>(x, x);
    auto poly = [&](float ah, float al, float bh, float bl) {
      const PairF<D> bx2 = TwoProdF<D>(hn::Set(d, bh), x2.hi);
      const Vec<D> bx2_lo =
          hn::MulAdd(hn::Set(d, bh), x2.lo, hn::MulAdd(hn::Set(d, bl), x2.hi, bx2.lo));
      const PairF<D> g = TwoSumF<D>(hn::Set(d, ah), bx2.hi);
      return PairF<D>{g.hi, hn::Add(g.lo, hn::Add(bx2_lo, hn::Set(d, al)))};
    };
    TwoUF<D> out;
    const PairF<D> g = poly(0x1.988454p+0f, -0x1.857936p-25f, 0x1.2444f2p-4f, 0x1.49b16ap-29f);
    const PairF<D> xg = TwoProdF<D>(x, g.hi);
    out.t = {xg.hi, hn::MulAdd(x, g.lo, xg.lo)};
    out.slope = poly(0x1.988454p+0f, -0x1.857936p-25f, 0x1.b6676cp-3f, -0x1.175e20p-32f);
    return out;
  }

  template <class D>
  HWY_INLINE static Vec<D> TwoU(D d, Vec<D> x) {
    const Vec<D> inner = hn::MulAdd(hn::Mul(hn::Set(d, 0.044715), x), x, hn::Set(d, 1.0));
    return hn::Mul(hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654), x), inner);
  }
  // 2u as a pair, from the constants as pairs (2 sqrt(2/pi) and the decimal 0.044715): e^-|2u|
  // multiplies the rounding of 2u by |2u|, which passes 700 before the result underflows.
  template <class D>
  HWY_INLINE static Pair<D> TwoUPair(D d, Vec<D> x) {
    const Pair<D> cubic = {hn::Set(d, 0x1.6e4e26d4801f7p-5), hn::Set(d, 0x1.441355475a31ap-59)};
    const Pair<D> scale = {hn::Set(d, 0x1.9884533d43651p+0), hn::Set(d, -0x1.cbc0d30ebfd15p-54)};
    const Pair<D> c_x2 = MulPairs(d, cubic, TwoProd(d, x, x));
    const Pair<D> inner = TwoSum(d, hn::Set(d, 1.0), c_x2.hi);
    const Pair<D> v = MulToPair(d, x, {inner.hi, hn::Add(inner.lo, c_x2.lo)});
    return MulPairs(d, scale, v);
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT): Forward's results, its steps
  // interleaved across the vectors and the rare lanes tested once for all of them (sigmoid's):
  // 1.39x, 1.51x and 1.30x faster than one vector at a time at 4096, 262144 and 16777216
  // elements (AVX-512, alternated, loaded host).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    Vec<D> th[kK], tl[kK], y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      const TwoUF<D> u = TwoUOfF(d, v[k]);
      th[k] = u.t.hi;
      tl[k] = u.t.lo;
    }
    SigmoidPartsF<D> s[kK];
    SigmoidPartsOfFN<kK>(d, th, tl, s);
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> y0 = MulSigmoidF(d, v[k], s[k]);
      const auto zero = hn::Eq(v[k], hn::Zero(d));
      y[k] = hn::IfThenElse(zero, v[k], y0);  // the sign of zero
      const Vec<D> ax = hn::Abs(v[k]);
      ok[k] = hn::And(hn::Le(ax, hn::Set(d, kFloatLimit)),
                      hn::Or(hn::Ge(ax, hn::Set(d, 0x1p-60f)), zero));
    }
    PatchLanesN(d, ok, y, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); });
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const TwoUF<D> u = TwoUOfF(d, x);
      const Vec<D> y0 = MulSigmoidF(d, x, SigmoidPartsOfF(d, u.t.hi, u.t.lo));
      const auto zero = hn::Eq(x, hn::Zero(d));
      const Vec<D> y = hn::IfThenElse(zero, x, y0);  // the sign of zero
      const Vec<D> ax = hn::Abs(x);
      const auto ok = hn::And(hn::Le(ax, hn::Set(d, kFloatLimit)),
                              hn::Or(hn::Ge(ax, hn::Set(d, 0x1p-60f)), zero));
      return PatchLanes(d, ok, y, x, [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
    } else if constexpr (!kForFloat32) {
      // Past 2^100 the sigmoid is exactly 0 or 1 and x^3 would overflow the pairs.
      const auto ok = hn::Lt(hn::Abs(x), hn::Set(d, 0x1p100));
      const Vec<D> y = hn::CopySign(MulSigmoidPair(d, x, TwoUPair(d, x)), x);
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      return hn::IfThenElse(ok, y, MulProbability(d, x, Sigmoid(d, TwoU(d, x)).sigmoid));
    }
    return MulProbability(d, x, Sigmoid(d, TwoU(d, x)).sigmoid);
  }
  // float64: s(2u) + v s'(2u) with 2u and v = x (2u)' = 2 sqrt(2/pi) x (1 + 3 0.044715 x^2)
  // as pairs (the terms cancel at the zero of f' near x = -0.75), rounded once with dy. Past
  // |x| = 40 f' is 1 or 0 in double; the clamp keeps x^3 small.
  template <class D>
  HWY_INLINE static Vec<D> BackwardF64(D d, Vec<D> x, Vec<D> dy) {
    const Vec<D> limit = hn::Set(d, 40.0);
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(limit)), limit);
    const Pair<D> cubic = {hn::Set(d, 0x1.6e4e26d4801f7p-5), hn::Set(d, 0x1.441355475a31ap-59)};
    const Pair<D> scale = {hn::Set(d, 0x1.9884533d43651p+0), hn::Set(d, -0x1.cbc0d30ebfd15p-54)};
    const Pair<D> cubic3 = MulToPair(d, hn::Set(d, 3.0), cubic);
    const Pair<D> c_x2 = MulPairs(d, cubic3, TwoProd(d, xc, xc));
    const Pair<D> inner = TwoSum(d, hn::Set(d, 1.0), c_x2.hi);
    const Pair<D> w = MulToPair(d, xc, {inner.hi, hn::Add(inner.lo, c_x2.lo)});
    const Pair<D> v = MulPairs(d, scale, w);
    const Vec<D> y = MulSigmoidSlopeSum<true>(d, dy, TwoUPair(d, xc), v);
    return PatchBackwardF64(d, x, dy, hn::IfThenElse(hn::Gt(x, limit), dy, y),
                            [&]() HWY_ATTR { return BackwardPlain(d, x, dy); });
  }
  template <class D>
  static Vec<D> BackwardPlain(D d, Vec<D> x, Vec<D> dy) {
    const SigmoidParts<D> s = Sigmoid(d, TwoU(d, x));
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -1000.0)), hn::Set(d, 1000.0));
    const Vec<D> du2 =
        hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654),
                hn::MulAdd(hn::Mul(hn::Set(d, 3.0 * 0.044715), xc), xc, hn::Set(d, 1.0)));
    const Vec<D> term = hn::Mul(hn::Mul(xc, SigmoidDerivative(s)), du2);
    return hn::Mul(dy, hn::Add(s.sigmoid, term));
  }
  // d/dx x*s(2u) = s + x*s'(2u)*2u'. Past |x| = 1000 the second term is 0 in double; clamping
  // there keeps x^2 and x*0 away from inf and NaN.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      // s + w s (1 - s) with w = x d(2u)/dx (MulSiluSlopeRoundedF, t = 2u): 1.0625 |S| plus
      // the roundings after e, less R, peaks at 1.13 units (x -> 0+, where S = -1/2, R = 0 and
      // e (1 + w) rounds near 1): 1.63 ULP at most. Past x = 9.9 the result is dy, which the
      // clamped x gives as well; below -9.9 (|2u| > 85), NaN and |dy| > 2^118 (dy A with
      // |A| <= 224 could overflow) the double lanes.
      const Vec<D> lim = hn::Set(d, kFloatLimit);
      const Vec<D> xc = hn::Min(x, lim);
      const TwoUF<D> u = TwoUOfF(d, xc);
      const PairF<D> xs = TwoProdF<D>(xc, u.slope.hi);
      const Vec<D> dx =
          MulSiluSlopeRoundedF(d, dy, u.t.hi, u.t.lo, xs.hi, hn::MulAdd(xc, u.slope.lo, xs.lo));
      const auto ok = hn::And(hn::Ge(x, hn::Neg(lim)), hn::Le(hn::Abs(dy), hn::Set(d, 0x1p118f)));
      return PatchLanes2(d, ok, dx, x, dy,
                         [&](auto dd, auto v, auto gv) HWY_ATTR { return Backward(dd, v, gv, a); });
    }
    // Past about x = -21.5, f' underflows in double; its sign stays in the zero.
    if constexpr (kForFloat32) return NegativeTailZero(d, x, dy, BackwardPlain(d, x, dy));
    return NegativeTailZero(d, x, dy, BackwardF64(d, x, dy));
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (MulSiluSlopeRoundedFN) and the rare lanes tested once
  // for all of them. AVX-512 with four: 1.28x and 1.30x faster than one vector at a time at 4096
  // and 262144 elements (eight: 0.87x of four); AVX2 with two: 1.03x and 1.04x (CPU time,
  // alternated, loaded host).
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    const Vec<D> lim = hn::Set(d, kFloatLimit);
    Vec<D> th[kK], tl[kK], wh[kK], wl[kK], dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> xc = hn::Min(x[k], lim);
      const TwoUF<D> u = TwoUOfF(d, xc);
      const PairF<D> xs = TwoProdF<D>(xc, u.slope.hi);
      th[k] = u.t.hi;
      tl[k] = u.t.lo;
      wh[k] = xs.hi;
      wl[k] = hn::MulAdd(xc, u.slope.lo, xs.lo);
      ok[k] = hn::And(hn::Ge(x[k], hn::Neg(lim)), hn::Le(hn::Abs(dy[k]), hn::Set(d, 0x1p118f)));
    }
    MulSiluSlopeRoundedFN<kK>(d, dy, th, tl, wh, wl, dx);
    PatchLanes2N(d, ok, dx, x, dy,
                 [&](auto dd, auto v, auto gv) HWY_ATTR { return Backward(dd, v, gv, a); });
  }
};
