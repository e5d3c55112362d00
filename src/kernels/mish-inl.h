// mish: x*tanh(softplus x). Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD
// target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor. With e = e^x and n = e(e+2): tanh(log(1+e)) = n/(n+2) exactly, so the tail x -> -inf
// keeps every digit (mish ~ x*e^x) instead of cancelling in 1 - ... . Past x = 40 the factor is 1.
struct mish {
  // float32 arrays: float lanes (math_f32-inl.h) for x >= -86 (results down to 2^-117), the
  // double lanes for vectors with a lane below (results near or below the subnormals, -inf),
  // NaN or, forward, a tiny nonzero x (whose products would underflow in the pairs). The
  // backward pass on AVX2 measured slower in float lanes than in double lanes (kFloatPairsPay);
  // the forward pass there, with its own e^x and quotient (FactorFN) and four vectors at once,
  // is faster (kForwardFloatLanes), if only a little: 1.01x to 1.10x in four alternated runs
  // at 4096 and 262144 (0.84-0.95 against 0.92-1.00 ns per element; two at once 0.97, eight
  // 0.96). llvm-mca (znver3) has its loop at the two FMA pipes' limit; 24 of its 107
  // instructions a vector are stack moves.
  static constexpr bool kFloatLanes = kFloatPairsPay;
  static constexpr bool kForwardFloatLanes = true;

  // With e = e^x = scale m (x <= limit, clamped by the caller), a = 2 + e and b = 2 + e a = n + 2
  // as pairs: n/(n+2) = scale m a/b. The factor scale is left out of every pair, so that for
  // very negative x nothing underflows but e's low part where it is added to 2.
  template <class D>
  struct PartsF {
    ExpF<D> e;
    PairF<D> a;      // 2 + e
    PairF<D> inv_b;  // 1/(2 + e (2 + e))
  };
  // The forward pass on AVX2 takes e^x from 2^(j/8) (Exp8PairFN); every other pass and target
  // from ExpPairFN's 2^(j/16).
  static constexpr bool kForwardExp8 = !kFloatPairsPay;
  // e^x = scale (m.hi + m.lo) as ExpPairFN gives it (x in [-86, 86]), from 2^(j/8) where
  // ExpPairFN has 2^(j/16): on AVX2 an 8-entry table is one vpermps for each of hi and lo
  // where a 16-entry one takes two and a blend (Table16). k = round(8 x/ln2), s = x - k ln2/8
  // with ExpReduceF's three-part ln2/16 doubled (exact: |k| < 2^10, the products and
  // differences stay on the grid of 2^-28 within 24 bits), |s| <= ln2/16, so e^s takes one
  // more term (s^6/720; the next, s^7/5040, is below 2^-44 of it).
  template <size_t kK, class D>
  HWY_INLINE static void Exp8PairFN(D d, const Vec<D> (&th)[kK], ExpF<D> (&out)[kK]) {
    // ExpReduceF's eighths (AVX2's 2^(j/8), one vpermps a table); the tail of k ln2/8 goes
    // into tlo (the argument has no low part).
    static_assert(kExpEighthsF<true, D>, "the 2^(j/8) reduction is AVX2's");
    Vec<D> sh[kK], thi[kK], tlo[kK];
    for (size_t k = 0; k < kK; ++k) {
      const ExpCoreF<D> c = ExpReduceF<false, true>(d, th[k], hn::Zero(d));
      out[k].scale = c.scale;
      thi[k] = c.thi;
      sh[k] = c.sh;
      tlo[k] = hn::MulAdd(c.thi, c.sl, c.tlo);
    }
    for (size_t k = 0; k < kK; ++k) {
      // e^s = 1 + s + w, w = s^2 (1/2 + s/6 + s^2 (1/24 + s/120 + s^2/720)) (Estrin's form).
      const Vec<D> s = sh[k];
      const Vec<D> sq = hn::Mul(s, s);
      const Vec<D> a = hn::MulAdd(s, hn::Set(d, 1.0f / 6), hn::Set(d, 0.5f));
      const Vec<D> b = hn::MulAdd(s, hn::MulAdd(s, hn::Set(d, 1.0f / 720), hn::Set(d, 1.0f / 120)),
                                  hn::Set(d, 1.0f / 24));
      const Vec<D> w = hn::Mul(sq, hn::MulAdd(sq, b, a));
      // m = (thi + tlo)(1 + s + w), thi s exact.
      const PairF<D> u = TwoProdF<D>(thi[k], s);
      const PairF<D> m = FastTwoSumF<D>(thi[k], u.hi);
      const Vec<D> m_lo =
          hn::Add(hn::Add(m.lo, u.lo), hn::MulAdd(thi[k], w, hn::MulAdd(tlo[k], s, tlo[k])));
      out[k].m = {m.hi, m_lo};
    }
  }
  // The same for kK vectors at once, each step for all kK before the next (ForwardN).
  template <size_t kK, class D>
  HWY_INLINE static void PartsOfFN(D d, const Vec<D> (&xc)[kK], PartsF<D> (&p)[kK]) {
    Vec<D> zero[kK];
    for (size_t k = 0; k < kK; ++k) zero[k] = hn::Zero(d);
    ExpF<D> ex[kK];
    ExpPairFN<kK>(d, xc, zero, ex);
    for (size_t k = 0; k < kK; ++k) {
      p[k].e = ex[k];
      const PairF<D> e = {hn::Mul(ex[k].m.hi, ex[k].scale), hn::Mul(ex[k].m.lo, ex[k].scale)};
      const Vec<D> two = hn::Set(d, 2.0f);
      const PairF<D> a = TwoSumF<D>(two, e.hi);
      p[k].a = {a.hi, hn::Add(a.lo, e.lo)};
      const PairF<D> n = MulPairsF(e, p[k].a);
      const PairF<D> b = TwoSumF<D>(two, n.hi);
      p[k].inv_b = InvPairF(d, PairF<D>{b.hi, hn::Add(b.lo, n.lo)});
    }
  }
  template <class D>
  HWY_INLINE static PartsF<D> PartsOfF(D d, Vec<D> xc) {
    const Vec<D> xv[1] = {xc};
    PartsF<D> p[1];
    PartsOfFN<1>(d, xv, p);
    return p[0];
  }
  // The forward pass's factor n/(n+2) = scale q (q as a pair, scale exact) for kK vectors of
  // clamped x at once. AVX-512: m a (1/b) from PartsOfFN. AVX2 (kForwardExp8): e from
  // Exp8PairFN and the quotient q = (m a)/b as y1 = (m a).hi r, r = 1/b.hi to about 2^-23 (the
  // 12-bit estimate and one Newton step), corrected by its residual: q.lo = (m a - y1 b) r,
  // the residual's head exact by FMA and r's error a factor 2^-23 on a term 2^-22 of q (four
  // FMA-class operations fewer than 1/b as a pair and its product).
  template <size_t kK, class D>
  HWY_INLINE static void FactorFN(D d, const Vec<D> (&xc)[kK], PairF<D> (&q)[kK],
                                  Vec<D> (&scale)[kK]) {
    if constexpr (!kForwardExp8) {
      PartsF<D> p[kK];
      PartsOfFN<kK>(d, xc, p);
      for (size_t k = 0; k < kK; ++k) {
        q[k] = MulPairsF(MulPairsF(p[k].e.m, p[k].a), p[k].inv_b);
        scale[k] = p[k].e.scale;
      }
    } else {
      ExpF<D> ex[kK];
      Exp8PairFN<kK>(d, xc, ex);
      const Vec<D> two = hn::Set(d, 2.0f);
      for (size_t k = 0; k < kK; ++k) {
        scale[k] = ex[k].scale;
        const PairF<D> e = {hn::Mul(ex[k].m.hi, ex[k].scale), hn::Mul(ex[k].m.lo, ex[k].scale)};
        const PairF<D> a0 = TwoSumF<D>(two, e.hi);
        const PairF<D> a = {a0.hi, hn::Add(a0.lo, e.lo)};
        const PairF<D> n = MulPairsF(e, a);
        const PairF<D> b = TwoSumF<D>(two, n.hi);
        const Vec<D> b_lo = hn::Add(b.lo, n.lo);
        const PairF<D> num0 = MulPairsF(ex[k].m, a);
        const PairF<D> num = FastTwoSumF<D>(num0.hi, num0.lo);
        Vec<D> r = hn::ApproximateReciprocal(b.hi);
        r = hn::MulAdd(r, hn::NegMulAdd(r, b_lo, hn::NegMulAdd(b.hi, r, hn::Set(d, 1.0f))), r);
        const Vec<D> y1 = hn::Mul(num.hi, r);
        const Vec<D> res =
            hn::NegMulAdd(y1, b_lo, hn::Add(hn::NegMulAdd(y1, b.hi, num.hi), num.lo));
        q[k] = {y1, hn::Mul(res, r)};
      }
    }
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT): Forward's results, its steps
  // interleaved across the vectors and the rare lanes tested once for all of them (sigmoid's):
  // 1.51x, 1.42x and 1.13x faster than one vector at a time at 4096, 262144 and 16777216
  // elements (AVX-512, alternated, loaded host).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& args) {
    const Vec<D> lim = hn::Set(d, 9.5f);
    Vec<D> xc[kK], y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) xc[k] = hn::Min(v[k], lim);
    PairF<D> q[kK];
    Vec<D> scale[kK];
    FactorFN<kK>(d, xc, q, scale);
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> y0 = hn::Mul(hn::MulAdd(v[k], q[k].hi, hn::Mul(v[k], q[k].lo)), scale[k]);
      const auto zero = hn::Eq(v[k], hn::Zero(d));
      y[k] = hn::IfThenElse(hn::Or(zero, hn::Gt(v[k], lim)), v[k], y0);
      ok[k] = hn::And(hn::Ge(v[k], hn::Set(d, -86.0f)),
                      hn::Or(hn::Ge(hn::Abs(v[k]), hn::Set(d, 0x1p-60f)), zero));
    }
    PatchLanesN(d, ok, y, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, args); });
  }

  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      // Past 9.5, 2/(n+2) < 2^-25 and x n/(n+2) rounds to x.
      const Vec<D> lim = hn::Set(d, 9.5f);
      const Vec<D> xc[1] = {hn::Min(x, lim)};
      PairF<D> q[1];
      Vec<D> scale[1];
      FactorFN<1>(d, xc, q, scale);
      // Rounded before the exact scaling (the result is a normal float, see ok).
      const Vec<D> y0 = hn::Mul(hn::MulAdd(x, q[0].hi, hn::Mul(x, q[0].lo)), scale[0]);
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
  // a mish'(x) within the backward bound (2 ULP, docs/SPEC.md), for x in [-86, 11.5]: with
  // e = e^x = scale m rounded once (ExpRoundedF: m halved, scale doubled), q = 1 + e and
  // b = n + 2 = 1 + q^2, mish' = e K/b^2 with K = (1 + q) b + 4x q = b + q (b + 4x), and
  // everything after e exact as pairs (q, q^2, b, b + 4x, q (b + 4x), K, m K, b^2: below 2^-40)
  // up to the quotient, corrected once as in MulSigmoidSlopeRoundedF (2^-28).
  // Error budget, in units of 2^-24 of the result against the allowance 2 ULP + 2^-24 |a x f''|
  // (R units, R = |x mish''/mish'|): e's rounding (1.0625) times the result's sensitivity to e,
  // |S| = |d ln mish'/d ln e|, which tends to 1 in the tail (where R ~ |x|), is small for
  // x > 0, and grows near the zero of K (x = -1.19) more slowly than R. 1.0625 |S| - R peaks
  // at 0.89 (x = -2.26, where mish'' = 0, S = 0.83); with the last rounding, 1.39 ULP at most.
  // Rounding b + 4x or K once instead would add up to 0.8 there (1.72 or 1.64 in all, too
  // close). m K stays below 2^50 (x = 11.5): the caller keeps |a| <= 2^76. The scale goes
  // last, so that a m K does not underflow where the result is normal.
  // MulSlopeRoundedFN: kK vectors at once, each step for all of them before the next (a
  // BackwardN); MulSlopeRoundedF is its kK = 1.
  template <size_t kK, class D>
  HWY_INLINE static void MulSlopeRoundedFN(D d, const Vec<D> (&a)[kK], const Vec<D> (&x)[kK],
                                           Vec<D> (&out)[kK]) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> tl[kK];
    for (size_t j = 0; j < kK; ++j) tl[j] = hn::Zero(d);
    ExpRoundF<D> e[kK];
    ExpRoundedFN<kK>(d, x, tl, e);
    PairF<D> bb[kK], n[kK];
    Vec<D> bb_lo[kK], r[kK];
    for (size_t j = 0; j < kK; ++j) {
      const PairF<D> q = TwoSumF<D>(one, hn::Mul(e[j].m, e[j].scale));  // e exact: a normal float
      const PairF<D> q2 = TwoProdF<D>(q.hi, q.hi);
      const PairF<D> b = FastTwoSumF<D>(q2.hi, one);
      const Vec<D> b_lo = hn::Add(b.lo, hn::MulAdd(hn::Add(q.hi, q.hi), q.lo, q2.lo));
      const PairF<D> c = TwoSumF<D>(b.hi, hn::Mul(hn::Set(d, 4.0f), x[j]));
      const Vec<D> c_lo = hn::Add(c.lo, b_lo);
      const PairF<D> qc = TwoProdF<D>(q.hi, c.hi);
      const Vec<D> qc_lo = hn::MulAdd(q.hi, c_lo, hn::MulAdd(q.lo, c.hi, qc.lo));
      const PairF<D> k = TwoSumF<D>(b.hi, qc.hi);
      const PairF<D> mk = TwoProdF<D>(e[j].m, k.hi);
      const Vec<D> mk_lo = hn::MulAdd(e[j].m, hn::Add(k.lo, hn::Add(b_lo, qc_lo)), mk.lo);
      bb[j] = TwoProdF<D>(b.hi, b.hi);
      bb_lo[j] = hn::MulAdd(hn::Add(b.hi, b.hi), b_lo, bb[j].lo);
      n[j] = TwoProdF<D>(a[j], mk.hi);
      n[j].lo = hn::MulAdd(a[j], mk_lo, n[j].lo);
      r[j] = hn::ApproximateReciprocal(bb[j].hi);
      if constexpr (hn::MaxLanes(D()) < 16) {
        r[j] = hn::MulAdd(r[j], hn::NegMulAdd(bb[j].hi, r[j], one), r[j]);
      }
    }
    for (size_t j = 0; j < kK; ++j) {
      const Vec<D> y1 = hn::Mul(n[j].hi, r[j]);
      const Vec<D> res =
          hn::NegMulAdd(y1, bb_lo[j], hn::Add(hn::NegMulAdd(y1, bb[j].hi, n[j].hi), n[j].lo));
      out[j] = hn::Mul(hn::MulAdd(res, r[j], y1), e[j].scale);
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> MulSlopeRoundedF(D d, Vec<D> a, Vec<D> x) {
    const Vec<D> av[1] = {a}, xv[1] = {x};
    Vec<D> out[1];
    MulSlopeRoundedFN<1>(d, av, xv, out);
    return out[0];
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's float-lane results, left
  // in dy, its steps interleaved across the vectors (MulSlopeRoundedFN) and the rare lanes tested
  // once for all of them. AVX-512 with four: 1.46x and 1.43x faster than one vector at a time at
  // 4096 and 262144 elements (eight: 0.9x of four; CPU time, alternated, loaded host). AVX2 with
  // two.
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  // The backward pass takes the float lanes on AVX2 too (op_unit-inl.h's BackwardFloatLanes),
  // where the forward pass keeps the double lanes (kFloatPairsPay): its pairs all come after e,
  // which is rounded once. 1.05x faster there than the double lanes at 4096 elements (CPU time,
  // alternated, loaded host).
  static constexpr bool kBackwardFloatLanes = true;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& args) {
    Vec<D> xc[kK], dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      xc[k] = hn::Min(x[k], hn::Set(d, 11.5f));
      ok[k] =
          hn::And(hn::Ge(x[k], hn::Set(d, -86.0f)), hn::Le(hn::Abs(dy[k]), hn::Set(d, 0x1p76f)));
    }
    MulSlopeRoundedFN<kK>(d, dy, xc, dx);
    PatchLanes2N(d, ok, dx, x, dy,
                 [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, args); });
  }
  // mish' = n/(n+2) + 4x e(1+e)/(n+2)^2.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& args) {
    if constexpr (kIsF32Lanes<D>) {
      // Past 11.5, 4x e^-2x < 2^-26 and mish' rounds to 1, as it does from the clamped x. The
      // lanes below -86 (e^x below the normal floats), NaN and |dy| > 2^76 (dy A below could
      // overflow where the result does not) take the double lanes.
      const Vec<D> xc = hn::Min(x, hn::Set(d, 11.5f));
      const auto ok =
          hn::And(hn::Ge(x, hn::Set(d, -86.0f)), hn::Le(hn::Abs(dy), hn::Set(d, 0x1p76f)));
      return PatchLanes2(d, ok, MulSlopeRoundedF(d, dy, xc), x, dy,
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
