// softplus: log(1 + e^(beta x))/beta, written max(bx,0) + log1p(e^-|bx|) so that neither
// branch overflows and softplus(-100) keeps its 3.7e-44. Included once per SIMD target by the
// generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes
// first. D is a double descriptor.
struct softplus {
  // float32 arrays on FMA targets: float lanes (math_f32-inl.h), in the overloads for float
  // lanes below; lanes with beta x below -80 (forward) or -86 (backward), where the results
  // near the subnormals need the double lanes, and infinities and NaN, take the double lanes.
  static constexpr bool kFloatLanes = true;
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, a.p[0]);
    if constexpr (!kForFloat32) {
      // beta x, e^-|beta x| and log1p as pairs, one pair division: a single rounding.
      const Pair<D> t = TwoProd(d, beta, x);
      const SoftplusParts<D> sp = SoftplusPair(d, t);
      const Pair<D> q = {beta, hn::Zero(d)};
      const Pair<D> yp = DivToPair(d, sp.sum, q);
      Vec<D> y = hn::Add(yp.hi, yp.lo);
      if (HWY_UNLIKELY(!hn::AllFalse(d, sp.tiny))) {
        // e^(beta x)/beta, rounded once where subnormal.
        const Vec<D> tiny = ScaleRound(d, DivToPair(d, sp.tiny_m, q), sp.tiny_n);
        y = hn::IfThenElse(sp.tiny, tiny, y);
      }
      y = hn::IfThenElse(hn::Gt(t.hi, hn::Set(d, a.p[1])), x, y);
      const Vec<D> big = hn::Set(d, 0x1p600);
      const auto ok = hn::And(hn::Lt(hn::Abs(x), big), hn::Lt(hn::Abs(t.hi), big));
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      // Infinite, NaN and huge inputs (where the result is x, 0 or NaN): the plain formula.
      const Vec<D> bx = hn::Mul(beta, x);
      const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx))));
      const Vec<D> plain = hn::Div(hn::Add(hn::Max(bx, hn::Zero(d)), l), beta);
      return hn::IfThenElse(ok, y, hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, plain));
    }
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> sp = hn::Add(hn::Max(bx, hn::Zero(d)), Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx)))));
    // float32 results: multiplying by 1/beta (rounded) costs one more double rounding than
    // dividing, 2^-52, far below what float32 can show, and a division less.
    const Vec<D> y = kForFloat32 ? hn::Mul(sp, hn::Set(d, 1.0 / a.p[0])) : hn::Div(sp, beta);
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, y);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
    const Vec<D> s = Sigmoid(d, bx).sigmoid;
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy, hn::Mul(dy, s));
  }

  // max(t, 0) + log1p(e^-|t|) as a pair, about 2^-38 relative, for t = th + tl with |th| <=
  // 86 and |tl| <= 2^-17 (also logsigmoid's, at t = -x).
  //
  // e = e^-|t| is a pair (ExpPairF). log1p(e) = -log c + log1p(r) with r = (1 + e) c - 1,
  // where c ~ 1/(1 + j/16), j = round(16 e) (a 16-entry table), has 8 bits: then c e is a pair
  // by FMA and its head plus c - 1 is exact (|r| < 2^-5 and every term a multiple of 2^-29),
  // so r needs no 1 + e (which would lose e's low bits where e is tiny: j = 0, c = 1, r = e).
  // log1p(r) = r - r^2/2 as a pair, the terms from r^3/3 to r^7/7 in plain float (below 2^-11
  // of r: their rounding costs 2^-35; the truncation 2^-38).
  template <class D>
  static PairF<D> LogOnePlusExpF(D d, Vec<D> th, Vec<D> tl) {
    HWY_ALIGN static constexpr float kC[16] = {
        0x1.0p+0f,   0x1.e2p-1f, 0x1.c8p-1f, 0x1.bp-1f,  0x1.9ap-1f, 0x1.86p-1f,
        0x1.74p-1f,  0x1.64p-1f, 0x1.56p-1f, 0x1.48p-1f, 0x1.3cp-1f, 0x1.3p-1f,
        0x1.24p-1f,  0x1.1ap-1f, 0x1.12p-1f, 0x1.08p-1f};
    // -log c as hi + lo (mpmath).
    HWY_ALIGN static constexpr float kLogHi[16] = {
        0.0f,          0x1.eea31cp-5f, 0x1.da7276p-4f, 0x1.5bf406p-3f,
        0x1.c6ffbcp-3f, 0x1.16b5ccp-2f, 0x1.4718dcp-2f, 0x1.741d88p-2f,
        0x1.9d32bep-2f, 0x1.c7ff9cp-2f, 0x1.ee2a16p-2f, 0x1.0ae76ep-1f,
        0x1.1f8636p-1f, 0x1.315da4p-1f, 0x1.4019c2p-1f, 0x1.5322e2p-1f};
    HWY_ALIGN static constexpr float kLogLo[16] = {
        0.0f,           0x1.ae1eecp-39f,  0x1.c22352p-31f, 0x1.6a87b6p-28f,
        0x1.bc03dcp-29f, 0x1.759f6ep-27f,  0x1.38e20ep-29f, -0x1.27308ap-27f,
        0x1.42bda8p-27f, 0x1.d15532p-28f,  -0x1.297d84p-27f, 0x1.682a7ep-28f,
        -0x1.cf4d3ap-32f, 0x1.0d01a2p-27f, 0x1.25ca94p-29f, 0x1.a19e16p-27f};
    const hn::RebindToSigned<D> di;
    const auto pos = hn::Gt(th, hn::Zero(d));
    // e^-|t|: for t > 0 the low part changes sign with the head.
    const ExpF<D> e = ExpPairF(d, hn::Neg(hn::Abs(th)), hn::IfThenElse(pos, hn::Neg(tl), tl));
    // Renormalised (m.lo reaches 2^-11 of m.hi), so that r's low part is below 2^-23 of r.
    const PairF<D> en = FastTwoSumF<D>(hn::Mul(e.m.hi, e.scale), hn::Mul(e.m.lo, e.scale));
    const Vec<D> eh = en.hi, el = en.lo;
    const auto j = hn::Min(hn::NearestInt(hn::Mul(eh, hn::Set(d, 16.0f))), hn::Set(di, 15));
    const Vec<D> c = Table16F(d, kC, j);
    const PairF<D> ce = TwoProdF<D>(c, eh);
    const Vec<D> rh = hn::Add(ce.hi, hn::Sub(c, hn::Set(d, 1.0f)));  // exact
    const Vec<D> rl = hn::MulAdd(c, el, ce.lo);
    const PairF<D> sq = TwoProdF<D>(rh, rh);
    const Vec<D> mhalf = hn::Set(d, -0.5f);
    const PairF<D> a = FastTwoSumF<D>(rh, hn::Mul(sq.hi, mhalf));
    Vec<D> p = hn::MulAdd(rh, hn::Set(d, 1.0f / 7), hn::Set(d, -1.0f / 6));
    p = hn::MulAdd(rh, p, hn::Set(d, 1.0f / 5));
    p = hn::MulAdd(rh, p, hn::Set(d, -0.25f));
    p = hn::MulAdd(rh, p, hn::Set(d, 1.0f / 3));
    const Vec<D> low = hn::Add(hn::MulAdd(sq.lo, mhalf, a.lo),
                               hn::MulAdd(hn::Mul(sq.hi, rh), p, hn::NegMulAdd(rl, rh, rl)));
    const PairF<D> l = FastTwoSumF<D>(Table16F(d, kLogHi, j), a.hi);
    const Vec<D> l_lo = hn::Add(hn::Add(l.lo, Table16F(d, kLogLo, j)), low);
    // Plus max(t, 0).
    const PairF<D> s = TwoSumF<D>(hn::IfThenElseZero(pos, th), l.hi);
    return {s.hi, hn::Add(hn::Add(s.lo, l_lo), hn::IfThenElseZero(pos, tl))};
  }
  // beta x as a pair (beta is a float: exact by FMA).
  template <class D>
  static PairF<D> BetaTimesF(D d, Vec<D> x, const Args& a) {
    return TwoProdF<D>(hn::Set(d, static_cast<float>(a.p[0])), x);
  }
  template <class D>
    requires kIsF32Lanes<D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    const PairF<D> t = BetaTimesF(d, x, a);
    const Vec<D> lim = hn::Set(d, 86.0f);
    const PairF<D> sum = LogOnePlusExpF(d, hn::Min(t.hi, lim), hn::IfThenElseZero(hn::Le(t.hi, lim), t.lo));
    // Divided by beta as a product with 1/beta as a pair: rounded once.
    const double inv = 1.0 / static_cast<double>(beta);
    const float inv_hi = static_cast<float>(inv);
    const PairF<D> q = {hn::Set(d, inv_hi), hn::Set(d, static_cast<float>(inv - inv_hi))};
    Vec<D> y = MulPairRoundF(sum, q);
    // Past the threshold, or where log1p(e^-|t|) is below 2^-124 of t, the result is x.
    const auto take_x = hn::Or(hn::Gt(t.hi, hn::Set(d, static_cast<float>(a.p[1]))), hn::Gt(t.hi, lim));
    y = hn::IfThenElse(take_x, x, y);
    // Below t = -80 the low part of e^t would lose bits to the subnormals.
    return PatchLanes(d, hn::Or(hn::Ge(t.hi, hn::Set(d, -80.0f)), take_x), y, x,
                      [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
  }
  // dy sigmoid(beta x), rounded once (MulSigmoidF); dy past the threshold or beyond t = 86.
  template <class D>
    requires kIsF32Lanes<D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const PairF<D> t = BetaTimesF(d, x, a);
    const Vec<D> lim = hn::Set(d, 86.0f);
    const Vec<D> th = hn::Min(hn::Max(t.hi, hn::Neg(lim)), lim);
    Vec<D> dx = MulSigmoidF(d, dy, SigmoidPartsOfF(d, th, hn::IfThenElseZero(hn::Eq(th, t.hi), t.lo)));
    const auto take_dy = hn::Or(hn::Gt(t.hi, hn::Set(d, static_cast<float>(a.p[1]))), hn::Gt(t.hi, lim));
    dx = hn::IfThenElse(take_dy, dy, dx);
    return PatchLanes2(d, hn::Or(hn::Ge(t.hi, hn::Neg(lim)), take_dy), dx, x, dy,
                       [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
  }
};
