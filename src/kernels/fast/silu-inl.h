// silu, fast (Accuracy::fast): x sigmoid(beta x). beta x is split into its rounded value and
// the error of that rounding (one FMA), and the error goes into the reduced argument of e^-|bx|:
// an argument rounded to float would cost |bx| 2^-24 relative (hundreds of ULP in the tail).
// |bx| is clamped at 193 (the error part dropped there): past it x sigmoid(bx) rounds to 0 for
// every float x. The negative side is x p/(1 + e) 2^n, scaled in three factors, the first before
// the product with x so that it cannot overflow, the last after it so that subnormal results
// round once instead of flushing (silu(-100) is about -3.7e-42).
struct silu {
  static constexpr bool kForwardKeepsNaN = true;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // kExp2Table32 halved (exact): l/2 for the product x l/2 below.
  struct Exp2Half {
    alignas(64) float v[32];
  };
  static constexpr Exp2Half kExp2Half = [] {
    Exp2Half h{};
    for (int j = 0; j < 32; ++j) h.v[j] = 0.5f * kExp2Table32[j];
    return h;
  }();
  // Forward on K vectors, steps interleaved across them (see HasForwardN); beta = 1 as in
  // Forward, other betas one vector at a time. e = e^z = 2h 2^floor(n), h = l e^t/2 from the
  // halved table (ExpLut32's steps, degree-3 polynomial), for z = x clamped to [-193, 20], and x
  // sigmoid(x) = (x h/(e/2 + 1/2)) 2^floor(n) for either sign: one quotient, the scale last (one
  // rounding into the subnormals; silu(-100) is about -3.7e-42), no -|x|, no compare and no
  // masked steps (17 operations a vector where they took 19). h < 1, so x h cannot overflow;
  // x is clamped at -2^127 so that -inf gives -0, as every x below -193 does (the scale is under
  // 2^-278 there). Past 20, e/(1 + e) = 1 - 2e-9, within half an ULP of 1. A NaN x stays itself
  // through Min and Max (their second operand) and every later NaN is its quiet form.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    if (static_cast<float>(a.p[0]) != 1.0f) {
      OtherBetaN<K>(d, v, a);
      return;
    }
    const __m512 tlo = _mm512_load_ps(kExp2Half.v), thi = _mm512_load_ps(kExp2Half.v + 16);
    const Vec<D> magic = hn::Set(d, 0x1.8p18f);
    Vec<D> z[K], vn[K], l[K], t[K], p[K];
    for (size_t k = 0; k < K; ++k) {
      z[k] = hn::Max(hn::Set(d, -193.0f), hn::Min(hn::Set(d, 20.0f), v[k]));
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), magic);
    for (size_t k = 0; k < K; ++k) {
      l[k] = Vec<D>{_mm512_permutex2var_ps(tlo, _mm512_castps_si512(vn[k].raw), thi)};
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
    for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
    for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, -0x1.05c610p-29f), t[k]);
    // Degree 3 (ExpLutPoly3): the product and the quotient take two more roundings after h.
    ExpLutPoly3PartsN<K>(d, l, t, p);
    for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(t[k], p[k], l[k]);
    for (size_t k = 0; k < K; ++k) t[k] = hn::Add(ScaleF(p[k], vn[k]), hn::Set(d, 0.5f));
    for (size_t k = 0; k < K; ++k) {
      p[k] = hn::Mul(hn::Max(hn::Set(d, -0x1.0p127f), v[k]), p[k]);
    }
    for (size_t k = 0; k < K; ++k) v[k] = ScaleF(hn::Div(p[k], t[k]), vn[k]);
  }
  // Forward on each vector, for beta other than 1. Out of line: Forward takes ForwardN<1> for
  // beta = 1, and through that cycle of always-inline calls GCC called ForwardN<4> from the fast
  // loops (once a block of four vectors, plain and streamed loops) instead of inlining it.
  // Inlined it measured the same at 4096 and 262144 (AVX-512, within 3%).
  template <size_t K, class D>
  HWY_NOINLINE static void OtherBetaN(D d, Vec<D> (&v)[K], const Args& a) {
    for (size_t k = 0; k < K; ++k) v[k] = Forward(d, v[k], a);
  }
  // swiglu's forward pass, silu(g) u for beta = 1, K vectors of g in place: e = e^z = (l + r)
  // 2^floor(n) for z = g clamped to [-193, 20] (ExpLutPoly3SplitN: the table's own rounding in
  // r, l + r not summed), g u as an exact pair hi + lo (one FMA), and silu(g) u = (hi l + (hi r +
  // lo l))/(e + 1) 2^floor(n): the numerator in one rounding, then the quotient and the scale
  // round the product once more, where rounding silu(g) and then the product doubled silu's
  // relative error where the product's significand is near 2 (4.05 ULP on a sweep, 3.80 with
  // ForwardN's numerator x h, h = l + r rounded, times up; 4.01 at gate -8.2546). Where the
  // caller keeps the result, finite and at least 2^-64, |g u| > 2^-100 (lo is exact), the
  // quotient is normal (2^floor(n) <= 2^29) and z was not clamped at -193 (the result there is
  // below 2^-150 for any float u); l + r < 2, so the steps overflow only to infinity or NaN.
  // Every other lane (infinite or NaN g or u, zero products) and beta other than 1 (all lanes
  // NaN) are the caller's faithful ones.
  template <size_t K, class D>
  static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args& a) {
    if (static_cast<float>(a.p[0]) != 1.0f) {
      for (size_t k = 0; k < K; ++k) v[k] = hn::NaN(d);
      return;
    }
    Vec<D> z[K], l[K], r[K], n[K];
    for (size_t k = 0; k < K; ++k) {
      z[k] = hn::Max(hn::Set(d, -193.0f), hn::Min(hn::Set(d, 20.0f), v[k]));
    }
    ExpLutPoly3SplitN<K>(d, z, nullptr, l, r, n);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> den = hn::Add(ScaleF(hn::Add(l[k], r[k]), n[k]), hn::Set(d, 1.0f));
      const Vec<D> hi = hn::Mul(v[k], u[k]);
      const Vec<D> lo = hn::MulSub(v[k], u[k], hi);
      const Vec<D> num = hn::MulAdd(hi, l[k], hn::MulAdd(hi, r[k], hn::Mul(lo, l[k])));
      v[k] = ScaleF(hn::Div(num, den), n[k]);
    }
  }
#else
  // Forward on K vectors (see HasForwardN). Common path (beta = 1, |x| <= 87 on every lane of
  // the K, so e = e^-|x| from FastExpN is normal): one quotient, x/(1 + e) for x >= 0 and
  // (x e)/(1 + e) for x < 0 (|x e| >= 2^-149 e: at most one rounding in the subnormals before
  // the quotient). A vector with a lane outside takes General on those lanes (PerLane's rule),
  // x itself on a NaN lane: the kernel keeps NaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    if (static_cast<float>(a.p[0]) != 1.0f) {
      for (size_t k = 0; k < K; ++k) v[k] = KeepNaN(v[k], General(d, v[k], a));
      return;
    }
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K];
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    // AVX2: e^-|x| from the 8-entry table (ExpLut8N, 7 FMA-class operations where FastExpN
    // has 10), the same range test. x stays in registers (KeepLoadedN; GCC had loaded it
    // again where the quotient needs it): 0.220 ns against 0.228 at 4096, 0.23-0.24 against
    // 0.25 at 16777216.
    KeepLoadedN<K>(v);
    for (size_t k = 0; k < K; ++k) e[k] = hn::Or(v[k], hn::SignBit(d));
    auto ok = InExpRange(d, v[0]);
    for (size_t k = 1; k < K; ++k) ok = hn::And(ok, InExpRange(d, v[k]));
    const bool all_ok = hn::AllTrue(d, ok);
    ExpLut8N<K, true>(d, e);
#else
    const bool all_ok = NegAbsExpN<K>(d, v, e);
#endif
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> num = hn::IfNegativeThenElse(v[k], hn::Mul(v[k], e[k]), v[k]);
      e[k] = hn::Div(num, hn::Add(e[k], one));
    }
    if (HWY_UNLIKELY(!all_ok)) {
      for (size_t k = 0; k < K; ++k) {
        const auto ok_k = InExpRange(d, v[k]);
        if (hn::AllTrue(d, ok_k)) continue;
        e[k] = hn::IfThenElse(ok_k, e[k], KeepNaN(v[k], General(d, v[k], a)));
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
  // swiglu's forward pass, silu(g) u for beta = 1, K vectors of g in place: ForwardN's quotient
  // with g u as an exact pair (hi + lo, one FMA) in the numerator, hi for g >= 0 (hi/(1 + e))
  // and hi e + lo e for g < 0, so that the quotient rounds the product once instead of rounding
  // silu(g) and then the product (which doubled silu's relative error where the product's
  // significand is near 2). Where the caller keeps the result, finite and at least 2^-64,
  // |g u| > 2^-100 (lo is exact); every other lane (infinite or NaN g or u, zero products), a
  // gate below kFastExpMin (NaN here) and beta other than 1 (all lanes NaN) are the caller's
  // faithful ones.
  template <size_t K, class D>
  HWY_INLINE static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args& a) {
    if (static_cast<float>(a.p[0]) != 1.0f) {
      for (size_t k = 0; k < K; ++k) v[k] = hn::NaN(d);
      return;
    }
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K];
    const bool all_ok = NegAbsExpN<K>(d, v, e);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> hi = hn::Mul(v[k], u[k]);
      const Vec<D> lo = hn::MulSub(v[k], u[k], hi);
      const Vec<D> num = hn::IfNegativeThenElse(v[k], hn::MulAdd(hi, e[k], hn::Mul(lo, e[k])), hi);
      e[k] = hn::Div(num, hn::Add(e[k], one));
    }
    MarkOutOfRangeN<K>(d, all_ok, v, e);
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
  // r, or x where x is NaN.
  template <class V>
  HWY_INLINE static V KeepNaN(V x, V r) {
    return hn::IfThenElse(hn::IsNaN(x), x, r);
  }
  // Any beta, any x: beta x split into its rounded value and error, e^-|bx| = p 2^n from
  // FastExpSplit, 2^n in three factors (SplitScale3).
  template <class D>
  HWY_INLINE static Vec<D> General(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, static_cast<float>(a.p[0]));
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> lo = hn::MulSub(beta, x, bx);
    const auto neg = hn::Lt(bx, hn::Zero(d));
    const Vec<D> abx = hn::Abs(bx);
    const Vec<D> lim = hn::Set(d, 193.0f);
    const Vec<D> t_lo = hn::IfThenElseZero(hn::Le(abx, lim), hn::IfThenElse(neg, lo, hn::Neg(lo)));
    const ExpSplitF<D> e = FastExpSplit(d, hn::Neg(hn::Min(abx, lim)), t_lo);
    const Scale3F<D> s = SplitScale3(d, e.n);
    const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), Scale3(e.p, s)));
    // An infinite x meets a clamped sigmoid here: the largest float of its sign gives the
    // limit 0 of x sigmoid(bx) instead of inf times a tiny scale.
    const Vec<D> big = hn::Set(d, 3.40282347e38f);
    const Vec<D> xm = hn::Min(hn::Max(x, hn::Neg(big)), big);
    const Vec<D> y_neg = hn::Mul(hn::Mul(hn::Mul(hn::Mul(hn::Mul(e.p, q), s.s1), xm), s.s2), s.s3);
    return hn::IfThenElse(neg, y_neg, hn::Mul(x, q));
  }
#endif
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // e = e^-|bx| = p 2^floor(n) from the table: x/(1 + e) for bx >= 0, and x (p/2)/(1 + e)
    // 2^(floor(n) + 1) for bx < 0 (p/2 <= 1: no overflow; one rounding at the scalef, so a
    // subnormal result is right). beta = 1 (the default) skips the error term of beta x.
    const float beta = static_cast<float>(a.p[0]);
    if (beta == 1.0f) {
      Vec<D> v[1] = {x};
      ForwardN<1>(d, v, a);
      return v[0];
    }
    const Vec<D> bx = hn::Mul(hn::Set(d, beta), x);
    const Vec<D> lo = hn::MulSub(hn::Set(d, beta), x, bx);
    const Vec<D> z = NegAbsClamped(bx, 193.0f);
    ExpLutF<D> el = ExpLut32(d, z);
    // The error of beta x, with the sign of -|bx|; none where z was clamped.
    const Vec<D> zlo = hn::Xor(lo, hn::AndNot(bx, hn::SignBit(d)));
    el.t = hn::Add(el.t, hn::IfThenElseZero(hn::Gt(z, hn::Set(d, -193.0f)), zlo));
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> p = ExpLutPoly3(d, el);
    const Vec<D> den = hn::Add(ScaleF(p, el.n), one);
    // +-inf times a tiny scale would stay infinite: the largest float of x's sign gives the
    // limit 0 (vrangeps: the smaller magnitude, x's sign). One quotient, as in ForwardN.
    const Vec<D> xm{_mm512_range_ps(x.raw, _mm512_set1_ps(3.40282347e38f), 2)};
    const auto neg = hn::Lt(bx, hn::Zero(d));
    const Vec<D> num = hn::IfThenElse(neg, hn::Mul(xm, hn::Mul(p, hn::Set(d, 0.5f))), x);
    return ScaleF(hn::Div(num, den), hn::IfThenElseZero(neg, hn::Add(el.n, one)));
#else
    Vec<D> v[1] = {x};
    ForwardN<1>(d, v, a);
    return v[0];
#endif
  }
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // AVX2, backward on K vectors (beta = 1): dy silu'(x) = dy e ((1 + x) + e)/(1 + e)^2 with e =
  // e^z from the 8-entry table (ExpLut8N) on z = min(x, 20), x itself clamped there too (past
  // 20, silu' is within 2^-24.5 of 1 and rounds to 1, as the clamped value does): no -|x|, no
  // blends, one quotient and then dy, 22 operations a vector where Backward's took 26 and the
  // longer FastExp (4096 elements: 0.51 to 0.27 ns an element, measured). 1 + x is exact on [-2,
  // -1/2], so the zero near x = -1.28 costs only e's own error (as in Backward); e^2 <= e^40
  // cannot overflow, and the quotient is at most 1.1, so only dy's product can, where the
  // result itself does. Vectors with a lane below -87 (e not normal), NaN, or beta other than 1
  // take Backward on each vector, whose lanes at or above -87 take BackwardCommonN too (so that
  // each result is a function of its own input, wherever the array is split).
  template <size_t K, class D>
  HWY_INLINE static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& a) {
    if (HWY_UNLIKELY(static_cast<float>(a.p[0]) != 1.0f || !AllAtLeast<K>(d, x, kFastExpMin))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, a); });
      return;
    }
    BackwardCommonN<K>(d, x, dy);
  }
  template <size_t K, class D>
  HWY_INLINE static void BackwardCommonN(D d, const Vec<D> (&x)[K], Vec<D> (&dy)[K]) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> xc[K], e[K];
    for (size_t k = 0; k < K; ++k) xc[k] = hn::Min(hn::Set(d, 20.0f), x[k]);
    for (size_t k = 0; k < K; ++k) e[k] = xc[k];
    ExpLut8N<K, true>(d, e);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ep1 = hn::Add(e[k], one);
      const Vec<D> num = hn::Mul(e[k], hn::Add(hn::Add(xc[k], one), e[k]));
      dy[k] = hn::Mul(hn::Div(num, hn::Mul(ep1, ep1)), dy[k]);
    }
  }
#endif
  // dy (s + bx s (1 - s)), s = sigmoid(bx). Common path (beta = 1, |x| <= 87 on every lane,
  // so e = e^-|x| is normal and no scaling is needed), q = 1/(1 + e): for x >= 0, q (1 + x e q),
  // a sum of positive terms; for x < 0, e q (1 + x q) = e q q ((1 + x) + e), where 1 + x is
  // exact on [-2, -1/2], so the zero near x = -1.28 costs only e's own error. The other vectors
  // (beta other than 1, tails, infinities, NaN) take the faithful kernel, limits and signs of
  // zero included.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if (static_cast<float>(a.p[0]) != 1.0f) return f32::silu::Backward(d, x, dy, a);
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    return PerLane(
        d, hn::Ge(x, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          const Vec<D> v[1] = {x};
          Vec<D> g[1] = {dy};
          BackwardCommonN<1>(d, v, g);
          return g[0];
        },
        [&]() HWY_ATTR { return f32::silu::Backward(d, x, dy, a); });
#endif
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          const Vec<D> one = hn::Set(d, 1.0f);
          const Vec<D> e = FastExpCommon(d, z);
          const Vec<D> q = hn::Div(one, hn::Add(e, one));
          const Vec<D> eq = hn::Mul(e, q);
          const auto neg = hn::Lt(x, hn::Zero(d));
          const Vec<D> s = hn::IfThenElse(neg, eq, q);
          const Vec<D> f =
              hn::IfThenElse(neg, hn::Mul(hn::Add(hn::Add(x, one), e), q), hn::MulAdd(x, eq, one));
          return hn::Mul(dy, hn::Mul(s, f));
        },
        [&]() HWY_ATTR { return f32::silu::Backward(d, x, dy, a); });
  }
};
