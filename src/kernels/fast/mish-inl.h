// mish, fast (Accuracy::fast): x tanh(log(1 + e^x)) with e = e^-|x|:
//   x < 0: tanh(log(1 + e)) = n/(n + 2) with n = e (e + 2) = e (1 - h), h = e (1 + e)/(e^2 +
//          2e + 2) in [0, 2/5], so mish = x e - (x e) h: the tail x e^x keeps its digits (no
//          cancellation), and the quotient's roundings are damped by h (a plain x n/(n + 2)
//          took six roundings in a row: 4.7 ULP measured in a float32 model near x = -13.8,
//          2.9 with this form);
//   x >= 0: (1 + 2e)/(1 + 2e + 2e^2), the same ratio with e^x = 1/e (nothing overflows).
// One quotient serves both sides (numerator and denominator selected).
// AVX-512: e = (l + r) 2^floor(n) from the table (ExpLutPoly3SplitN); for x < 0 the products
// are taken on the unscaled l + r and the scale 2^floor(n) goes last by vscalefps, so results in
// the subnormals (below x = -87.3 or so) round once more at most instead of flushing. x is clamped
// at -200 for the products (past it the result rounds to -0 anyway; -inf then gives -0, not NaN).
// Other targets: the same with e from FastExp where every lane has |x| <= 87 (e and every
// product normal); the other lanes take mish = x e^x (to 2^-125 relative) with 2^n in three
// factors, or x past 87, where the ratio rounds to 1.
// Backward: mish' = e W/B^2 with e = e^x, W = 4(x + 1) + e (4x + 6) + 4e^2 + e^3 and B = 2 + 2e +
// e^2, taken with u = e^-|x| (normal: |x| <= 87 on every lane of the vectors, the rest to the
// faithful kernel, x clamped at 20 first, past which mish' rounds to 1): x < 0: u W/B^2, W in
// Horner in u, ((u + 4) u + (4x + 6)) u + 4(x + 1); x >= 0 (e = 1/u, numerator and denominator
// times u^4): (1 + u (4 + u ((4x + 6) + u 4(x + 1))))/(1 + u (2 + 2u))^2. The same Horner steps
// with their coefficients selected, and one quotient. The square of the denominator is its own
// polynomial in u (four FMAs: the square of a rounded B doubled B's error, 5.25 ULP sampled on
// AVX3 against 4.01 with this and e^x of degree 3). Near the zero of mish' (x = -1.1924),
// 4(x + 1) and 4x + 6 are exact (Sterbenz) and the sum's rounding is damped by u/B^2 = 0.04;
// e's error moves mish' by e d(mish')/de = 0.05 e's relative error there, against the bound's
// |x mish''| = 0.32 (in units of 2^-24): far inside the 8 ULP of the fast mode.
struct mish : CommonPathBackward<mish, f32::mish> {
  // The least x of BackwardCommonN: below it (and at NaN) CommonPathBackward takes the faithful
  // one.
  static constexpr float kBackwardMin = kFastExpMin;
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;

  // The result before the scale of the negative side: xp (1 - h) for x < 0, xp = x times the
  // unscaled factor of e (e = (l + r) 2^floor(n); or e itself where nothing is scaled), and
  // x q for x >= 0.
  template <class D>
  HWY_INLINE static Vec<D> Unscaled(D d, hn::Mask<D> neg, Vec<D> xm, Vec<D> e, Vec<D> xp) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> two = hn::Set(d, 2.0f);
    const Vec<D> pnum = hn::MulAdd(two, e, one);
    const Vec<D> num = hn::IfThenElse(neg, hn::MulAdd(e, e, e), pnum);
    const Vec<D> den = hn::IfThenElse(neg, hn::MulAdd(e, hn::Add(e, two), two),
                                      hn::MulAdd(hn::Add(e, e), e, pnum));
    const Vec<D> q = hn::Div(num, den);
    return hn::IfThenElse(neg, hn::NegMulAdd(xp, q, xp), hn::Mul(xm, q));
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors (see HasForwardN). A NaN x stays itself through NegAbsClamped and
  // Max (its second operand), and every NaN made of it is its quiet form: kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    // e^-|x| = (l + r) 2^floor(n), and x (l + r) = x l + x r in one rounding (in a float32
    // model, 2.9 ULP with x p, p = l + r rounded, 2.4 with the sum left apart).
    Vec<D> z[K], l[K], r[K], n[K], e[K];
    for (size_t k = 0; k < K; ++k) z[k] = NegAbsClamped(v[k], 200.0f);
    ExpLutPoly3SplitN<K>(d, z, nullptr, l, r, n);
    for (size_t k = 0; k < K; ++k) e[k] = ScaleF(hn::Add(l[k], r[k]), n[k]);
    for (size_t k = 0; k < K; ++k) {
      const auto neg = hn::Lt(v[k], hn::Zero(d));
      const Vec<D> xm = hn::Max(hn::Set(d, -200.0f), v[k]);
      const Vec<D> xp = hn::MulAdd(xm, l[k], hn::Mul(xm, r[k]));
      v[k] = ScaleF(Unscaled(d, neg, xm, e[k], xp), hn::IfThenElseZero(neg, n[k]));
    }
  }
#else
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // AVX2, forward on K vectors: e = e^-|x| from the 8-entry table (ExpLut8N with the table's
  // rounding: 8 FMA-class operations where FastExp takes 10, no PerLane blend) where every lane
  // of the K has -|x| >= -87, then Unscaled's one quotient, the K interleaved; any other vector
  // (a tail, infinity or NaN) takes Forward one vector at a time, out of line: its lanes in
  // range take these same steps. Forward keeps NaN (x itself), so the loop needs no NaN probe:
  // kForwardKeepsNaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    KeepLoadedN<K>(v);
    Vec<D> e[K];
    for (size_t k = 0; k < K; ++k) e[k] = hn::Or(v[k], hn::SignBit(d));
    if (HWY_UNLIKELY(!AllAtLeast<K>(d, e, kFastExpMin))) {
      ForwardEachN<K>(d, v, a);
      return;
    }
    ExpLut8N<K, true>(d, e);
    for (size_t k = 0; k < K; ++k) {
      v[k] = Unscaled(d, hn::Lt(v[k], hn::Zero(d)), v[k], e[k], hn::Mul(v[k], e[k]));
    }
  }
  template <size_t K, class D>
  HWY_NOINLINE static void ForwardEachN(D d, Vec<D> (&v)[K], const Args& a) {
    for (size_t k = 0; k < K; ++k) v[k] = Forward(d, v[k], a);
  }
#endif
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
          // ForwardN's steps on one vector: the same value for an element in a block, in a
          // tail, or beside an out-of-range lane.
          Vec<D> e[1] = {z};
          ExpLut8N<1, true>(d, e);
          return Unscaled(d, hn::Lt(x, hn::Zero(d)), x, e[0], hn::Mul(x, e[0]));
#else
          const Vec<D> e = FastExp(d, z);
          return Unscaled(d, hn::Lt(x, hn::Zero(d)), x, e, hn::Mul(x, e));
#endif
        },
        [&]() HWY_ATTR {
          const Vec<D> xm = hn::Max(x, hn::Set(d, -200.0f));
          const ExpSplitF<D> e = FastExpSplit(d, xm, hn::Zero(d));
          const Vec<D> tail = Scale3(hn::Mul(xm, e.p), SplitScale3(d, e.n));
          // x itself on a NaN lane (Max gave -200 there) and past 87.
          return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), tail, x);
        });
  }
#endif
  // The backward pass's common path on K vectors, steps interleaved across them: every lane
  // has x >= -87 (after the clamp at 20, |x| <= 87); other lanes get meaningless values.
  template <size_t K, class D>
  HWY_INLINE static void BackwardCommonN(D d, const Vec<D> (&x)[K], Vec<D> (&dy)[K]) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> two = hn::Set(d, 2.0f);
    const Vec<D> four = hn::Set(d, 4.0f);
    Vec<D> xc[K], u[K], a[K], b[K], w[K], den[K];
    // Min(20, x): a NaN x stays NaN (Min's second operand); the caller has sent it elsewhere.
    for (size_t k = 0; k < K; ++k) xc[k] = hn::Min(hn::Set(d, 20.0f), x[k]);
    for (size_t k = 0; k < K; ++k) u[k] = hn::Or(xc[k], hn::SignBit(d));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    for (size_t k = 0; k < K; ++k) {
      const ExpLutF<D> el = ExpLut32(d, u[k]);
      u[k] = ScaleF(ExpLutPoly3(d, el), el.n);
    }
#else
    FastExpN<K>(d, u);
#endif
    for (size_t k = 0; k < K; ++k) {
      a[k] = hn::MulAdd(xc[k], four, four);              // 4(x + 1)
      b[k] = hn::MulAdd(xc[k], four, hn::Set(d, 6.0f));  // 4x + 6
    }
    for (size_t k = 0; k < K; ++k) {
      const auto neg = hn::Lt(xc[k], hn::Zero(d));
      const Vec<D> c3 = hn::IfThenElse(neg, one, a[k]);
      const Vec<D> c2 = hn::IfThenElse(neg, four, b[k]);
      const Vec<D> c1 = hn::IfThenElse(neg, b[k], four);
      const Vec<D> c0 = hn::IfThenElse(neg, a[k], one);
      w[k] = hn::MulAdd(hn::MulAdd(hn::MulAdd(c3, u[k], c2), u[k], c1), u[k], c0);
      // B^2 = 4 + 8u + 8u^2 + 4u^3 + u^4 (x < 0), 1 + 4u + 8u^2 + 8u^3 + 4u^4 (x >= 0).
      const Vec<D> eight = hn::Set(d, 8.0f);
      den[k] = hn::MulAdd(hn::IfThenElse(neg, one, four), u[k], hn::IfThenElse(neg, four, eight));
      den[k] = hn::MulAdd(den[k], u[k], eight);
      den[k] = hn::MulAdd(den[k], u[k], hn::IfThenElse(neg, eight, four));
      den[k] = hn::MulAdd(den[k], u[k], hn::IfThenElse(neg, four, one));
      w[k] = hn::Mul(w[k], hn::IfThenElse(neg, u[k], one));
    }
    for (size_t k = 0; k < K; ++k) dy[k] = hn::Mul(dy[k], hn::Div(w[k], den[k]));
  }
};
