// squareplus: (x + sqrt(x^2+b))/2. Included by the operation's unit (src/simd/op_unit-inl.h) once
// per SIMD target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a
// double descriptor. For x < 0 the sum cancels; (x+s)/2 = b/(2(s-x)) there. Past |x| = 1e150, s =
// |x| in double and x^2 would overflow.
struct squareplus {
  // float32 arrays on FMA targets: float lanes when b is in [2^-60, 2^60] (otherwise, and for
  // the lanes past |x| = 2^40 or, backward, with f' below 2^-100, the double lanes).
  static constexpr bool kFloatLanes = true;
  // sqrt(x^2 + b) = s0 + res/(2 s0) to about 2^-46 of s0, for ax = |x| <= 2^40 and b (vb) in
  // [2^-60, 2^60]: x^2 exact as a pair, the sum's rounding error kept, s0 = sqrt of its head
  // and res = h - s0^2 + h_lo by FMA. Shared by ForwardF and BackwardF.
  template <class D>
  struct RootPartsF {
    Vec<D> s0;
    Vec<D> res;
  };
  template <class D>
  HWY_INLINE static RootPartsF<D> RootF(D, Vec<D> ax, Vec<D> vb) {
    const Vec<D> xx = hn::Mul(ax, ax);
    const Vec<D> xx_lo = hn::MulSub(ax, ax, xx);
    const Vec<D> h = hn::Add(xx, vb);
    const Vec<D> h_lo = hn::Add(hn::Add(hn::Sub(hn::Max(xx, vb), h), hn::Min(xx, vb)), xx_lo);
    const Vec<D> s0 = hn::Sqrt(h);
    return {s0, hn::Add(hn::NegMulAdd(s0, s0, h), h_lo)};
  }
  // Float lanes, |x| <= 2^40 and b in [2^-60, 2^60] (vb = b, hb = b/2): s = sqrt(x^2 + b) as
  // a pair (x^2 exact, the sum's error kept, s0 = sqrt of its head corrected to first order by
  // the exact FMA remainder h - s0^2, over 2 s0), t = s + |x| as a pair, then t/2 for x >= 0
  // or (b/2)/t for x < 0 rounded once (a quotient from the refined reciprocal, corrected by its
  // remainder). Both results are normal floats on that range (above 2^-103).
  // The correction of s0 is below 2^-23 of s, so 1/(2 s0) needs only 2^-14 for 2^-37 of s:
  // on AVX-512 rcp14 as it is, its product with the remainder going into t's low part in one
  // FMA. AVX2's 12-bit rcpps would leave 2^-35: there 1/s0 is refined once, then halved (the
  // form that AVX-512 had too; the AVX2 results are unchanged).
  // Cost: the loop is bound by its multiplies, FMAs and reciprocals (two pipes on this host,
  // Zen 5), not by the square root: 14 of those per vector on AVX-512, 19 before (the refined
  // 1/s0, then halved; b/2 formed per vector), against softsign's 6 (one pair and one corrected
  // quotient, to squareplus's two pairs, a root's correction and the quotient, both results
  // formed for every vector). 0.219 against 0.243 ns per element at 262144 (AVX-512,
  // alternated with the old form, softsign 0.096). Measured and dropped: the root from rsqrt14
  // and a Newton step in place of the square root and the reciprocal (three multiplies more,
  // one root less): 0.232 against 0.216.
  template <class D>
  HWY_INLINE static Vec<D> ForwardF(D d, Vec<D> x, Vec<D> vb, Vec<D> hb) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> ax = hn::Abs(x);
    const RootPartsF<D> root = RootF(d, ax, vb);
    const Vec<D> s0 = root.s0, res = root.res;
    const Vec<D> t = hn::Add(s0, ax);
    const Vec<D> t_err = hn::Add(hn::Sub(hn::Max(s0, ax), t), hn::Min(s0, ax));
    Vec<D> t_lo;
    if constexpr (hn::MaxLanes(D()) >= 16) {
      t_lo = hn::MulAdd(res, hn::ApproximateReciprocal(hn::Add(s0, s0)), t_err);
    } else {
      const Vec<D> r0 = hn::ApproximateReciprocal(s0);
      const Vec<D> rs = hn::MulAdd(r0, hn::NegMulAdd(r0, s0, one), r0);
      t_lo = hn::Add(t_err, hn::Mul(res, hn::Mul(hn::Set(d, 0.5f), rs)));
    }
    const Vec<D> pos = hn::Mul(hn::Add(t, t_lo), hn::Set(d, 0.5f));
    const Vec<D> q0 = hn::ApproximateReciprocal(t);
    const Vec<D> rt = hn::MulAdd(q0, hn::NegMulAdd(q0, t, one), q0);
    const Vec<D> y0 = hn::Mul(hb, rt);
    const Vec<D> rem = hn::NegMulAdd(y0, t_lo, hn::NegMulAdd(y0, t, hb));
    const Vec<D> neg = hn::MulAdd(rem, rt, y0);
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }
  template <class D>
  HWY_INLINE static Vec<D> Root(D d, Vec<D> x, double b) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> s = hn::Sqrt(hn::MulAdd(x, x, hn::Set(d, b)));
    return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 1e150)), ax, s);
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D> && kFloatPairsPay) {
      Vec<D> v[1] = {x};
      ForwardN<1>(d, v, a);
      return v[0];
    } else if constexpr (kIsF32Lanes<D>) {
      const float b = static_cast<float>(a.p[0]);
      auto on_double = [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); };
      if (!(b >= 0x1p-60f && b <= 0x1p60f)) return OnDoubleLanes(d, x, on_double);
      const Vec<D> y = ForwardF(d, x, hn::Set(d, b), hn::Set(d, 0.5f * b));
      return PatchLanes(d, hn::Le(hn::Abs(x), hn::Set(d, 0x1p40f)), y, x, on_double);
    } else {
      return ForwardDouble(d, x, a);
    }
  }
  // AVX-512: kK vectors at once (Forward is its kK = 1, ForwardT takes kForwardN,
  // op_unit-inl.h): b's range test and its broadcasts once per kK vectors (in Map's loop they
  // were reloaded and tested per vector: the store may alias the parameters), ForwardF on each.
  // Alone this measured about even (0.242 against 0.248; Map's loop already had four
  // independent vectors, and the chain is short). AVX2 has no ForwardN: with two vectors, and
  // with four, its loop ran 1.03-1.05x slower than Map's (0.472 and 0.462-0.473 against 0.450).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires(kIsF32Lanes<D>&& kFloatPairsPay) HWY_INLINE
      static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    const float b = static_cast<float>(a.p[0]);
    auto on_double = [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); };
    if (!(b >= 0x1p-60f && b <= 0x1p60f)) {
      for (size_t k = 0; k < kK; ++k) v[k] = OnDoubleLanes(d, v[k], on_double);
      return;
    }
    const Vec<D> vb = hn::Set(d, b), hb = hn::Set(d, 0.5f * b);
    Vec<D> y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      y[k] = ForwardF(d, v[k], vb, hb);
      ok[k] = hn::Le(hn::Abs(v[k]), hn::Set(d, 0x1p40f));
    }
    PatchLanesN(d, ok, y, v, on_double);
  }
  // f' in float lanes as a quotient of pairs, rounded once, then its product with dy (two
  // roundings, within the spec's 2 ULP): s = s0 + sl (RootF), t = s + |x|; x >= 0: t/(2s),
  // x < 0: (b/2)/(s t), which does not cancel. The divisor's reciprocal as a pair (InvPairF,
  // 2^-40) and the products' low parts keep f' to about 2^-40 before its rounding. sl needs
  // 1/s0 only to 2^-11 (it is below 2^-23 of s0), which the reciprocal estimate gives. Lanes
  // with f' below 2^-100 (x < 0, x^2 far above b), where the pairs' low parts would reach the
  // subnormals, take the double lanes, as do |x| > 2^40, infinities and NaN.
  template <class D>
  HWY_INLINE static Vec<D> BackwardF(D d, Vec<D> x, Vec<D> dy, Vec<D> vb, Vec<D> hb,
                                     hn::Mask<D>& ok) {
    const Vec<D> ax = hn::Abs(x);
    const RootPartsF<D> root = RootF(d, ax, vb);
    const Vec<D> s0 = root.s0;
    const Vec<D> sl2 = hn::Mul(root.res, hn::ApproximateReciprocal(s0));  // 2 sl
    const PairF<D> t0 = FastTwoSumF<D>(hn::Max(s0, ax), hn::Min(s0, ax));
    const PairF<D> t = {t0.hi, hn::MulAdd(sl2, hn::Set(d, 0.5f), t0.lo)};
    const PairF<D> st = MulPairsF(PairF<D>{s0, hn::Mul(sl2, hn::Set(d, 0.5f))}, t);
    const auto neg = hn::Lt(x, hn::Zero(d));
    const PairF<D> num = {hn::IfThenElse(neg, hb, t.hi), hn::IfThenZeroElse(neg, t.lo)};
    const PairF<D> den = {hn::IfThenElse(neg, st.hi, hn::Add(s0, s0)),
                          hn::IfThenElse(neg, st.lo, sl2)};
    const Vec<D> fd = MulPairRoundF(num, InvPairF(d, den));
    ok = hn::And(hn::Le(ax, hn::Set(d, 0x1p40f)), hn::Ge(fd, hn::Set(d, 0x1p-100f)));
    return hn::Mul(dy, fd);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const float b = static_cast<float>(a.p[0]);
      auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
      if (!(b >= 0x1p-60f && b <= 0x1p60f)) return OnDoubleLanes2(d, x, dy, on_double);
      hn::Mask<D> ok;
      const Vec<D> y = BackwardF(d, x, dy, hn::Set(d, b), hn::Set(d, 0.5f * b), ok);
      return PatchLanes2(d, ok, y, x, dy, on_double);
    } else if constexpr (!kForFloat32) {
      return BackwardF64(d, x, dy, a);
    } else {
      return BackwardPlain(d, x, dy, a);
    }
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): b's range test and broadcasts once,
  // BackwardF on each (independent chains, each long: a square root and three reciprocal
  // estimates in sequence), the rare lanes tested once for all of them.
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    const float b = static_cast<float>(a.p[0]);
    auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
    if (!(b >= 0x1p-60f && b <= 0x1p60f)) {
      for (size_t k = 0; k < kK; ++k) dy[k] = OnDoubleLanes2(d, x[k], dy[k], on_double);
      return;
    }
    const Vec<D> vb = hn::Set(d, b), hb = hn::Set(d, 0.5f * b);
    Vec<D> y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) y[k] = BackwardF(d, x[k], dy[k], vb, hb, ok[k]);
    PatchLanes2N(d, ok, y, x, dy, on_double);
  }
  template <class D>
  HWY_INLINE static Vec<D> ForwardDouble(D d, Vec<D> x, const Args& a) {
    const Vec<D> half = hn::Set(d, 0.5);
    const auto neg_mask = hn::Lt(x, hn::Zero(d));
    if constexpr (kForFloat32) {
      const Vec<D> s = Root(d, x, a.p[0]);
      const Vec<D> pos = hn::MulAdd(half, x, hn::Mul(half, s));
      // Halved so that s - x cannot overflow for x near -DBL_MAX.
      const Vec<D> neg = hn::Div(hn::Set(d, 0.25 * a.p[0]), hn::MulSub(half, s, hn::Mul(half, x)));
      return hn::IfThenElse(neg_mask, neg, pos);
    } else {
      // The double formulas round s, then the sum or the quotient (2.7 ULP). Here t = s + |x| is
      // a pair, so only the last step rounds: t/2 for x >= 0, (b/2)/t for x < 0. s = sqrt(h + l)
      // to about 2^-100, where x^2 + b = h + l is exact up to the rounding of l: sqrt(h) = s0
      // corrected to first order, s0 + (h - s0^2 + l)/(2 s0), with s0^2 exact. For |x| <= 1e150.
      const Vec<D> one = hn::Set(d, 1.0);
      const Vec<D> ax = hn::Abs(x);
      const Pair<D> xx = TwoProd(d, x, x);
      const Pair<D> h = TwoSum(d, xx.hi, hn::Set(d, a.p[0]));
      const Vec<D> s0 = hn::Sqrt(h.hi);
      const Pair<D> s2 = TwoProd(d, s0, s0);
      const Vec<D> res = hn::Add(hn::Sub(hn::Sub(h.hi, s2.hi), s2.lo), hn::Add(h.lo, xx.lo));
      const Pair<D> t0 = TwoSum(d, s0, ax);
      // One division gives both 1/s0 and 1/t to about 2^-51, which is all the corrections need.
      const Vec<D> inv_st = hn::Div(one, hn::Mul(s0, t0.hi));
      const Vec<D> t_lo = hn::MulAdd(hn::Mul(half, res), hn::Mul(t0.hi, inv_st), t0.lo);
      const Vec<D> pos = hn::Mul(half, hn::Add(t0.hi, t_lo));
      // (b/2)/t: a first quotient from the reciprocal, corrected by its remainder (the first
      // difference is exact by Sterbenz).
      const Vec<D> inv_t = hn::Mul(s0, inv_st);
      const Vec<D> hb = hn::Set(d, 0.5 * a.p[0]);
      const Vec<D> y0 = hn::Mul(hb, inv_t);
      const Pair<D> yq = TwoProd(d, y0, t0.hi);
      const Vec<D> r = hn::Sub(hn::Sub(hn::Sub(hb, yq.hi), yq.lo), hn::Mul(y0, t_lo));
      const Vec<D> neg = hn::MulAdd(r, inv_t, y0);
      Vec<D> y = hn::IfThenElse(neg_mask, neg, pos);
      // Past 1e150 (and for infinities) s = |x|: x itself above 0, b/(4|x|) below, halved first
      // so that 2|x| cannot overflow.
      const auto big = hn::Gt(ax, hn::Set(d, 1e150));
      if (!hn::AllFalse(d, big)) {
        const Vec<D> big_neg = hn::Div(hn::Set(d, 0.25 * a.p[0]), ax);
        y = hn::IfThenElse(big, hn::IfThenElse(neg_mask, big_neg, x), y);
      }
      return y;
    }
  }
  // f' = (1 + x/s)/2, for x < 0 written b/(2 s (s-x)): Backward above.
  // float64: s = sqrt(x^2 + b) as a pair (one Newton step on the rounded root), then
  // (s + x)/(2s) or b/(2 s (s + |x|)) as pair quotients, rounded once with dy. Past 2^400
  // (x^2's error-free product, split in halves without FMA, would overflow) f' is 1, or b/(4x^2)
  // from two roundings.
  template <class D>
  HWY_INLINE static Vec<D> BackwardF64(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> b = hn::Set(d, a.p[0]);
    const Vec<D> big = hn::Set(d, 0x1p400);
    const Vec<D> ax = hn::Min(hn::Abs(x), big);
    const Pair<D> x2 = TwoProd(d, ax, ax);
    const Pair<D> r0 = TwoSum(d, x2.hi, b);
    const Pair<D> r = {r0.hi, hn::Add(r0.lo, x2.lo)};
    const Vec<D> sh = hn::Sqrt(r.hi);
    const Pair<D> sq = TwoProd(d, sh, sh);
    const Vec<D> sl = hn::Div(hn::Add(hn::Sub(hn::Sub(r.hi, sq.hi), sq.lo), r.lo), hn::Add(sh, sh));
    const Pair<D> two_s = {hn::Add(sh, sh), hn::Add(sl, sl)};
    // x >= 0: (s + x)/(2s); x < 0: b/(2s (s + |x|)).
    const Pair<D> spx0 = TwoSum(d, sh, ax);
    const Pair<D> spx = {spx0.hi, hn::Add(spx0.lo, sl)};
    const auto neg = hn::Lt(x, hn::Zero(d));
    const Pair<D> num = {hn::IfThenElse(neg, b, spx.hi), hn::IfThenElseZero(hn::Not(neg), spx.lo)};
    const Pair<D> den0 = MulPairs(d, two_s, spx);
    const Pair<D> den = {hn::IfThenElse(neg, den0.hi, two_s.hi),
                         hn::IfThenElse(neg, den0.lo, two_s.lo)};
    const Pair<D> q = DivToPair(d, num, den);
    Vec<D> y = MulRound(d, dy, q);
    const auto huge = hn::Ge(hn::Abs(x), big);
    if (HWY_UNLIKELY(!hn::AllFalse(d, huge))) {
      const Vec<D> two_ax = hn::Add(hn::Abs(x), hn::Abs(x));
      const Vec<D> tail = hn::Div(hn::Div(hn::Mul(dy, b), two_ax), two_ax);
      y = hn::IfThenElse(huge, hn::IfThenElse(neg, tail, dy), y);
    }
    return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR { return BackwardPlain(d, x, dy, a); });
  }
  template <class D>
  static Vec<D> BackwardPlain(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> s = Root(d, x, a.p[0]);
    const Vec<D> half = hn::Set(d, 0.5);
    // Where s = |x| stands in for the root, x/s is the sign (and inf/inf must not become NaN).
    const Vec<D> ratio = hn::IfThenElse(hn::Gt(hn::Abs(x), hn::Set(d, 1e150)),
                                        hn::CopySign(hn::Set(d, 1.0), x), hn::Div(x, s));
    const Vec<D> pos = hn::MulAdd(half, ratio, half);
    const Vec<D> neg =
        hn::Div(hn::Div(hn::Set(d, 0.25 * a.p[0]), s), hn::MulSub(half, s, hn::Mul(half, x)));
    return hn::Mul(dy, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos));
  }
};
