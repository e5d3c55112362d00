// mish: x*tanh(softplus x). Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD
// target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor. With e = e^x and n = e(e+2): tanh(log(1+e)) = n/(n+2) exactly, so the tail x -> -inf
// keeps every digit (mish ~ x*e^x) instead of cancelling in 1 - ... . Past x = 40 the factor is 1.
struct mish {
  // float32 arrays on AVX-512: float lanes (math_f32-inl.h; on AVX2 they measured slower than
  // the double lanes, see kFloatPairsPay) for x >= -86 (results down to
  // 2^-117), the double lanes for vectors with a lane below (results near or below the
  // subnormals, -inf), NaN or, forward, a tiny nonzero x (whose products would underflow in the
  // pairs).
  static constexpr bool kFloatLanes = kFloatPairsPay;

  // With e = e^x = scale m (x <= limit, clamped by the caller), a = 2 + e and b = 2 + e a = n + 2
  // as pairs: n/(n+2) = scale m a/b. The factor scale is left out of every pair, so that for
  // very negative x nothing underflows but e's low part where it is added to 2.
  template <class D>
  struct PartsF {
    ExpF<D> e;
    PairF<D> a;      // 2 + e
    PairF<D> inv_b;  // 1/(2 + e (2 + e))
  };
  template <class D>
  HWY_INLINE static PartsF<D> PartsOfF(D d, Vec<D> xc) {
    PartsF<D> p;
    p.e = ExpPairF(d, xc, hn::Zero(d));
    const PairF<D> e = {hn::Mul(p.e.m.hi, p.e.scale), hn::Mul(p.e.m.lo, p.e.scale)};
    const Vec<D> two = hn::Set(d, 2.0f);
    const PairF<D> a = TwoSumF<D>(two, e.hi);
    p.a = {a.hi, hn::Add(a.lo, e.lo)};
    const PairF<D> n = MulPairsF(e, p.a);
    const PairF<D> b = TwoSumF<D>(two, n.hi);
    p.inv_b = InvPairF(d, PairF<D>{b.hi, hn::Add(b.lo, n.lo)});
    return p;
  }

  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      // Past 9.5, 2/(n+2) < 2^-25 and x n/(n+2) rounds to x.
      const Vec<D> lim = hn::Set(d, 9.5f);
      const PartsF<D> p = PartsOfF(d, hn::Min(x, lim));
      const PairF<D> q = MulPairsF(MulPairsF(p.e.m, p.a), p.inv_b);
      // Rounded before the exact scaling (the result is a normal float, see ok).
      const Vec<D> y0 = hn::Mul(hn::MulAdd(x, q.hi, hn::Mul(x, q.lo)), p.e.scale);
      const auto zero = hn::Eq(x, hn::Zero(d));
      // The sign of zero; x = inf would meet inf - inf in the product.
      const Vec<D> y = hn::IfThenElse(hn::Or(zero, hn::Gt(x, lim)), x, y0);
      const auto ok = hn::And(hn::Ge(x, hn::Set(d, -86.0f)),
                              hn::Or(hn::Ge(hn::Abs(x), hn::Set(d, 0x1p-60f)), zero));
      return PatchLanes(d, ok, y, x,
                        [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, args); });
    } else if constexpr (!kForFloat32) {
      // mish = x (1+m) 2^n (e+2)/(n+2) with e = 2^n (1+m), all as pairs; 2^n applied last so
      // that subnormal results (x < -708) round once.
      const Vec<D> limit = hn::Set(d, 40.0);
      const ExpSplit<D> es =
          ExpReduce(d, hn::Max(hn::Min(x, limit), hn::Set(d, -1400.0)), hn::Zero(d));
      const Pair<D> e = ExpFromSplit(d, es);
      const Pair<D> e2 = TwoSum(d, e.hi, hn::Set(d, 2.0));
      const Pair<D> ep2 = {e2.hi, hn::Add(e2.lo, e.lo)};
      const Pair<D> n = MulPairs(d, e, ep2);
      const Pair<D> n2 = TwoSum(d, n.hi, hn::Set(d, 2.0));
      // Tiny x is scaled up so that the low halves of the products stay normal.
      const hn::RebindToSigned<D> di;
      const auto tiny = hn::Lt(hn::Abs(x), hn::Set(d, 0x1p-900));
      const Vec<D> xs = hn::IfThenElse(tiny, hn::Mul(x, hn::Set(d, 0x1p200)), x);
      const auto scale =
          hn::Sub(es.n, hn::IfThenElseZero(hn::RebindMask(di, tiny), hn::Set(di, 200)));
      const Pair<D> num = MulPairs(d, MulToPair(d, xs, OnePlus(d, es.m)), ep2);
      const Pair<D> q = DivToPair(d, num, {n2.hi, hn::Add(n2.lo, n.lo)});
      Vec<D> y = hn::CopySign(ScaleRound(d, q, scale), x);
      y = hn::IfThenElse(hn::Gt(x, limit), x, y);
      const auto ok = hn::Lt(hn::Abs(x), hn::Set(d, 0x1p600));
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      // Infinite, NaN and huge inputs: mish is x, -0 or NaN there.
      const Vec<D> ex = Exp(d, hn::Min(x, limit));
      const Vec<D> nx = hn::Mul(ex, hn::Add(ex, hn::Set(d, 2.0)));
      return hn::IfThenElse(ok, y, MulProbability(d, x, hn::Div(nx, hn::Add(nx, hn::Set(d, 2.0)))));
    }
    const Vec<D> e = Exp(d, hn::Min(x, hn::Set(d, 40.0)));
    const Vec<D> n = hn::Mul(e, hn::Add(e, hn::Set(d, 2.0)));
    return MulProbability(d, x, hn::Div(n, hn::Add(n, hn::Set(d, 2.0))));
  }
  // float64: mish' = e ((e+2) q + 4x (1+e))/q^2 with q = n + 2, e = (1+m) 2^k, all as pairs
  // (the two terms cancel at the zero of mish' near x = -1.19), rounded once with dy, 2^k
  // applied last. Past x = 40 it is 1 in double; from -1400 down, 0.
  template <class D>
  HWY_INLINE static Vec<D> BackwardF64(D d, Vec<D> x, Vec<D> dy) {
    const Vec<D> limit = hn::Set(d, 40.0);
    const Vec<D> xc = hn::Max(hn::Min(x, limit), hn::Set(d, -1400.0));
    const ExpSplit<D> es = ExpReduce(d, xc, hn::Zero(d));
    const Pair<D> e = ExpFromSplit(d, es);
    const Pair<D> e2 = TwoSum(d, e.hi, hn::Set(d, 2.0));
    const Pair<D> ep2 = {e2.hi, hn::Add(e2.lo, e.lo)};
    const Pair<D> n = MulPairs(d, e, ep2);
    const Pair<D> q0 = TwoSum(d, n.hi, hn::Set(d, 2.0));
    const Pair<D> q = {q0.hi, hn::Add(q0.lo, n.lo)};
    const Pair<D> a = MulPairs(d, ep2, q);
    const Pair<D> e1 = TwoSum(d, e.hi, hn::Set(d, 1.0));
    const Pair<D> b = MulToPair(d, hn::Mul(hn::Set(d, 4.0), xc), {e1.hi, hn::Add(e1.lo, e.lo)});
    const Pair<D> s = TwoSum(d, a.hi, b.hi);
    const Pair<D> num = MulPairs(d, OnePlus(d, es.m), {s.hi, hn::Add(s.lo, hn::Add(a.lo, b.lo))});
    const Pair<D> y = DivToPair(d, MulToPair(d, dy, num), MulPairs(d, q, q));
    const Vec<D> res = hn::IfThenElse(hn::Gt(x, limit), dy, ScaleRound(d, y, es.n));
    return PatchBackwardF64(d, x, dy, res, [&]() HWY_ATTR {
      const Vec<D> ex = Exp(d, hn::Min(x, limit));
      const Vec<D> nx = hn::Mul(ex, hn::Add(ex, hn::Set(d, 2.0)));
      return hn::Mul(dy, hn::Div(nx, hn::Add(nx, hn::Set(d, 2.0))));
    });
  }
  // mish' = n/(n+2) + 4x e(1+e)/(n+2)^2.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      // mish' = scale m/b (a + 4x(1+e)/b), as pairs (the bracket crosses zero near x = -1.19,
      // where its terms cancel), scaled, then rounded once with dy. 1 + e = a - 1 exactly. Past
      // 11.5, 4x e^-2x < 2^-26 and mish' rounds to 1, as it does from the clamped x.
      const Vec<D> xc = hn::Min(x, hn::Set(d, 11.5f));
      const PartsF<D> p = PartsOfF(d, xc);
      const PairF<D> xc1 = TwoProdF<D>(xc, hn::Sub(p.a.hi, hn::Set(d, 1.0f)));
      const PairF<D> w = MulPairsF(PairF<D>{xc1.hi, hn::MulAdd(xc, p.a.lo, xc1.lo)}, p.inv_b);
      const Vec<D> four = hn::Set(d, 4.0f);
      const PairF<D> br = TwoSumF<D>(p.a.hi, hn::Mul(four, w.hi));
      const PairF<D> bracket = {br.hi, hn::Add(br.lo, hn::MulAdd(four, w.lo, p.a.lo))};
      const PairF<D> f = MulPairsF(MulPairsF(p.e.m, p.inv_b), bracket);
      const Vec<D> dx =
          hn::MulAdd(dy, hn::Mul(f.hi, p.e.scale), hn::Mul(dy, hn::Mul(f.lo, p.e.scale)));
      return PatchLanes2(d, hn::Ge(x, hn::Set(d, -86.0f)), dx, x, dy,
                         [&](auto dd, auto v, auto g)
                             HWY_ATTR { return Backward(dd, v, g, args); });
    }
    if constexpr (!kForFloat32) return BackwardF64(d, x, dy);
    const Vec<D> limit = hn::Set(d, 40.0);
    const Vec<D> e = Exp(d, hn::Min(x, limit));
    const Vec<D> n = hn::Mul(e, hn::Add(e, hn::Set(d, 2.0)));
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(n, hn::Set(d, 2.0)));
    Vec<D> term = hn::Mul(hn::Mul(hn::Set(d, 4.0), x),
                          hn::Mul(hn::Mul(e, hn::Add(e, hn::Set(d, 1.0))), hn::Mul(inv, inv)));
    term = hn::IfThenZeroElse(hn::Or(hn::Gt(x, limit), hn::Eq(e, hn::Zero(d))), term);
    return hn::Mul(dy, hn::MulAdd(n, inv, term));
  }
};
