// quick_gelu, fast (Accuracy::fast): x sigmoid(beta x), beta = 1.702, fast::silu's method with
// beta x split into bx = beta_hi x rounded and lo, the error of that rounding (one FMA) plus
// beta_lo x: 1.702 is not a float, and beta_hi alone is off by 2^-25 relative, which e^-|bx|
// turns into |bx| 2^-25 relative (dozens of ULP in the tail), as would the rounding of bx. lo
// goes into the reduced argument of e^-|bx|. |bx| is clamped at 193 (lo dropped there): past
// it x sigmoid(bx) rounds to 0 for every float x.
struct quick_gelu {
  static constexpr bool kForwardKeepsNaN = true;
  static constexpr double kBeta = 1.702;
  static constexpr float kBetaHi = static_cast<float>(kBeta);
  static constexpr float kBetaLo = static_cast<float>(kBeta - static_cast<double>(kBetaHi));
  // beta x = bx + lo (lo to about 2^-48 |bx|); zlo is lo with the sign of -|bx|'s error, the
  // correction of z = -|bx|.
  template <class D>
  HWY_INLINE static void Split(D d, Vec<D> x, Vec<D>& bx, Vec<D>& zlo) {
    bx = hn::Mul(hn::Set(d, kBetaHi), x);
    const Vec<D> lo = hn::MulAdd(hn::Set(d, kBetaLo), x, hn::MulSub(hn::Set(d, kBetaHi), x, bx));
    zlo = hn::Xor(lo, hn::AndNot(bx, hn::SignBit(d)));
  }
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // K vectors, steps interleaved across them (see HasForwardN). e = e^-|bx| = p 2^floor(n)
  // from the table with a degree-3 polynomial (three more roundings follow), bx from x clamped
  // to [-113.4, 113.4] (vrangeps), so that |bx| <= 193.1 and its error term stays small without
  // a select; past 113.4 x sigmoid(bx) rounds to x or to 0 for every float x, and so does the
  // result from the clamped exponential. Then one quotient, fast::silu's: x/(1 + e) for x >= 0,
  // x p/(1 + e) 2^floor(n) for x < 0 with |x| clamped at 2^127 (x p < 2^128 cannot overflow), the
  // product and the scale masked operations on the negative lanes (one rounding at the scalef,
  // so a subnormal result is right). A NaN x stays itself through vrangeps and NegAbsClamped,
  // and every later NaN is its quiet form.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> z[K], zlo[K], vn[K], l[K], t[K], p[K], q[K];
    for (size_t k = 0; k < K; ++k) {
      Split(d, Vec<D>{_mm512_range_ps(v[k].raw, _mm512_set1_ps(113.4f), 2)}, z[k], zlo[k]);
      z[k] = NegAbsClamped(z[k], 193.5f);
    }
    ExpLut32N<K>(d, z, zlo, vn, l, t);
    ExpLutPoly3PartsN<K>(d, l, t, p);
    for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(t[k], p[k], l[k]);
    for (size_t k = 0; k < K; ++k) q[k] = hn::Add(ScaleF(p[k], vn[k]), one);
    for (size_t k = 0; k < K; ++k) {
      const __mmask16 neg = _mm512_cmp_ps_mask(v[k].raw, _mm512_setzero_ps(), _CMP_LT_OQ);
      const __m512 xm = _mm512_range_ps(v[k].raw, _mm512_set1_ps(0x1.0p127f), 2);
      const __m512 num = _mm512_mask_mul_ps(v[k].raw, neg, xm, p[k].raw);
      const __m512 y = _mm512_div_ps(num, q[k].raw);
      v[k] = Vec<D>{_mm512_mask_scalef_ps(y, neg, y, vn[k].raw)};
    }
  }
  // e^z (1 + zlo) for z in [-87, 0]: the table and scalef.
  template <class D>
  HWY_INLINE static Vec<D> ExpLo(D d, Vec<D> z, Vec<D> zlo) {
    ExpLutF<D> el = ExpLut32(d, z);
    el.t = hn::Add(el.t, zlo);
    return ScaleF(ExpLutPoly(d, el), el.n);
  }
#else
  // K vectors (see HasForwardN). Common path (|bx| <= 87 on every lane of the K, so e =
  // e^-|bx| from FastExpNormal is normal): one quotient, x/(1 + e) for x >= 0 and (x e)/(1 +
  // e) for x < 0 (|x e| >= 2^-149 e: at most one rounding in the subnormals before the
  // quotient). A vector with a lane outside takes General on those lanes (PerLane's rule), x
  // itself on a NaN lane: the kernel keeps NaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K], zlo[K];
    for (size_t k = 0; k < K; ++k) {
      Split(d, v[k], e[k], zlo[k]);
      e[k] = hn::Or(e[k], hn::SignBit(d));
    }
    auto ok = hn::Ge(e[0], hn::Set(d, kFastExpMin));
    for (size_t k = 1; k < K; ++k) ok = hn::And(ok, hn::Ge(e[k], hn::Set(d, kFastExpMin)));
    const bool all_ok = hn::AllTrue(d, ok);
    for (size_t k = 0; k < K; ++k) {
      const ExpNormalF<D> en = FastExpNormal(d, e[k], &zlo[k]);
      e[k] = hn::MulAdd(en.pm, en.s, en.s);
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> num = hn::IfNegativeThenElse(v[k], hn::Mul(v[k], e[k]), v[k]);
      e[k] = hn::Div(num, hn::Add(e[k], one));
    }
    if (HWY_UNLIKELY(!all_ok)) {
      for (size_t k = 0; k < K; ++k) {
        Vec<D> bx, lo;
        Split(d, v[k], bx, lo);
        const auto ok_k = InExpRange(d, bx);
        if (hn::AllTrue(d, ok_k)) continue;
        e[k] = hn::IfThenElse(ok_k, e[k], hn::IfThenElse(hn::IsNaN(v[k]), v[k], General(d, v[k])));
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
  // Any x: e^-|bx| = p 2^n from FastExpSplit (zlo in its reduced argument), 2^n in three
  // factors (SplitScale3), so that a subnormal result rounds once, at the last product.
  template <class D>
  HWY_INLINE static Vec<D> General(D d, Vec<D> x) {
    Vec<D> bx, zlo;
    Split(d, x, bx, zlo);
    const auto neg = hn::Lt(bx, hn::Zero(d));
    const Vec<D> abx = hn::Abs(bx);
    const Vec<D> lim = hn::Set(d, 193.0f);
    const ExpSplitF<D> e =
        FastExpSplit(d, hn::Neg(hn::Min(abx, lim)), hn::IfThenElseZero(hn::Le(abx, lim), zlo));
    const Scale3F<D> s = SplitScale3(d, e.n);
    const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), Scale3(e.p, s)));
    // An infinite x meets a clamped sigmoid here: the largest float of its sign gives the
    // limit 0 of x sigmoid(bx) instead of inf times a tiny scale.
    const Vec<D> big = hn::Set(d, 3.40282347e38f);
    const Vec<D> xm = hn::Min(hn::Max(x, hn::Neg(big)), big);
    const Vec<D> y_neg = hn::Mul(hn::Mul(hn::Mul(hn::Mul(hn::Mul(e.p, q), s.s1), xm), s.s2), s.s3);
    return hn::IfThenElse(neg, y_neg, hn::Mul(x, q));
  }
  // e^z (1 + zlo) for z in [-87, 0], one rounding at the last FMA.
  template <class D>
  HWY_INLINE static Vec<D> ExpLo(D d, Vec<D> z, Vec<D> zlo) {
    const ExpNormalF<D> e = FastExpNormal(d, z, &zlo);
    return hn::MulAdd(e.pm, e.s, e.s);
  }
#endif
  // dy (s + u s (1 - s)), s = sigmoid(u), u = beta x = bx + lo. Common path (|bx| <= 87, so e
  // = e^-|u| is normal), q = 1/(1 + e): for x >= 0, q (1 + u e q), a sum of positive terms; for
  // x < 0, e q q ((1 + bx) + (e + lo)), where 1 + bx is exact on [-2, -1/2], so the zero near
  // u = -1.28 costs only e's own error. The other lanes (tails, infinities, NaN) take the
  // faithful kernel, limits and signs of zero included.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    Vec<D> bx, zlo;
    Split(d, x, bx, zlo);
    const Vec<D> z = hn::Or(bx, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          const Vec<D> one = hn::Set(d, 1.0f);
          const Vec<D> e = ExpLo(d, z, zlo);
          const Vec<D> q = hn::Div(one, hn::Add(e, one));
          const Vec<D> eq = hn::Mul(e, q);
          const auto neg = hn::Lt(x, hn::Zero(d));
          const Vec<D> s = hn::IfThenElse(neg, eq, q);
          // zlo is the error of -|bx|: + lo where bx < 0.
          const Vec<D> f = hn::IfThenElse(
              neg, hn::Mul(hn::Add(hn::Add(bx, one), hn::Add(e, zlo)), q), hn::MulAdd(bx, eq, one));
          return hn::Mul(dy, hn::Mul(s, f));
        },
        [&]() HWY_ATTR { return f32::quick_gelu::Backward(d, x, dy, a); });
  }
};
