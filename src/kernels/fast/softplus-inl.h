// softplus, fast (Accuracy::fast): log(1 + e^t)/beta, t = beta x, and x where t > threshold.
// With e = e^-|t| and s = e/(2 + e): log1p(e) = 2 atanh(s) = 2 g (1 + s^2 Q(s^2)), g = e/(2 + e)
// (FastAtanhQ), a quotient and a short polynomial in place of a logarithm; softplus is then
// max(t, 0) + log1p(e), a sum of two nonnegative terms (no cancellation), divided by beta.
// AVX-512: e = p 2^floor(n) from the table (ExpLutPoly3SplitN), g = p/(2 + e) is normal and the
// scale 2^(floor(n) + 1) goes last by vscalefps, so the tail (softplus(t) ~ e^t, subnormal below
// t = -87.3) rounds once instead of flushing. Other targets: beta = 1 and |x| <= 86 on every
// lane in one path (e and g normal), the rest with 2^n in three factors (SplitScale3).
// beta x is rounded, and its error carried into the reduced argument of e^-|t| (an argument
// rounded to float would cost |t| 2^-24 relative in the tail) and into the result through x
// itself: for t > 0 the result is x + log1p(e)/beta, where x is exactly t/beta.
// The threshold: t > threshold compares the exact product (t, and its error where t equals
// the threshold), as the faithful kernel's double lanes do. For a threshold of 16 or more the
// rule needs no select: past t = 16, x + log1p(e^-t)/beta rounds to x.
// Betas with |beta| outside [2^-60, 2^60] take the faithful kernel (the quotients by beta could
// overflow or underflow there).
// Backward: dy sigmoid(t), e = e^-|t| normal (|t| <= 87 on every lane of the vectors: others take
// the faithful kernel), q = 1/(1 + e), sigmoid(t) = q for t >= 0 and e q for t < 0, times dy (e q
// <= 1/2 is normal: one rounding into the subnormals at most). t is beta x rounded: its error,
// at most |t| 2^-24, moves the result by as much relative in the tail, which is the backward
// bound's allowance for x's own rounding (|x f''| = |t| sigmoid(t) (1 - sigmoid(t))), so unlike
// the forward pass it is not carried (measured: the same maxima with and without it, 3.43 ULP
// for beta 0.3 on AVX3). dy itself where the exact beta x is above the threshold
// (AboveThreshold), a test left out for thresholds of 17 or more, past which 1 + e rounds to 1
// and the quotient gives dy exactly.
struct softplus {
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3;

  static bool BetaOutOfRange(float beta) {
    const float m = beta < 0 ? -beta : beta;
    return !(m >= 0x1p-60f && m <= 0x1p60f);
  }
  // The exact beta x is greater than the threshold: t > thr, or t == thr and its error > 0.
  template <class D>
  HWY_INLINE static hn::Mask<D> AboveThreshold(D d, Vec<D> t, Vec<D> lo, float thr) {
    const Vec<D> th = hn::Set(d, thr);
    return hn::Or(hn::Gt(t, th), hn::And(hn::Eq(t, th), hn::Gt(lo, hn::Zero(d))));
  }

  // log1p(e) 2^-(n + 1) = g (1 + s^2 Q - dl/(2 + e)) for g = e 2^-n/(2 + e) rounded, with den
  // = 2 + e rounded and dl its error: the 1 + ... not rounded apart (one FMA), dl/(2 + e) as
  // 0.42 dl (within 26% for 2 + e in [2, 3], and dl <= 2^-23). Without it, and with p = l +
  // l t (...) (the table's rounding not carried), the exhaustive maximum on AVX-512 was 3.51
  // ULP at x = -2.02; with both, 2.01 (a float32 model put the rounding of 2 + e at 0.6 ULP).
  template <class D>
  HWY_INLINE static Vec<D> Combine1(D d, Vec<D> g, Vec<D> s2, Vec<D> dl) {
    const Vec<D> corr = hn::MulAdd(dl, hn::Set(d, -0.42f), hn::Mul(s2, FastAtanhQ(d, s2)));
    return hn::MulAdd(g, corr, g);
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors (see HasForwardN). beta = 1: t = x exactly, and the result is max(x, 0)
  // + L (0 + L = L exactly, a NaN x kept by Max's second operand). Other betas: t and its error
  // lo, the error in the reduced argument (with the sign of -|t|; none where -|t| was clamped,
  // where lo may be NaN), L/beta before the scale (one rounding into the subnormals), and
  // x + L/beta for t > 0. Every NaN made of a NaN x is its quiet form: kForwardKeepsNaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    const float thr = static_cast<float>(a.p[1]);
    if (BetaOutOfRange(beta)) {
      for (size_t k = 0; k < K; ++k) {
        v[k] = hn::IfThenElse(hn::IsNaN(v[k]), v[k], f32::softplus::Forward(d, v[k], a));
      }
      return;
    }
    const bool one = beta == 1.0f;
    const Vec<D> vbeta = hn::Set(d, beta);
    Vec<D> t[K], lo[K], z[K], zlo[K], p[K], n[K], g[K], s2[K], dl[K];
    for (size_t k = 0; k < K; ++k) t[k] = one ? v[k] : hn::Mul(vbeta, v[k]);
    for (size_t k = 0; k < K; ++k) z[k] = NegAbsClamped(t[k], 200.0f);
    if (!one) {
      for (size_t k = 0; k < K; ++k) lo[k] = hn::MulSub(vbeta, v[k], t[k]);
      for (size_t k = 0; k < K; ++k) {
        zlo[k] = hn::IfThenElseZero(hn::Gt(z[k], hn::Set(d, -200.0f)),
                                    hn::Xor(lo[k], hn::AndNot(t[k], hn::SignBit(d))));
      }
    }
    // p = l + r rounded once, the table's rounding in r (ExpLutPoly3SplitN).
    ExpLutPoly3SplitN<K>(d, z, one ? nullptr : zlo, g, p, n);
    for (size_t k = 0; k < K; ++k) p[k] = hn::Add(g[k], p[k]);
    // g = e/(2 + e) 2^-floor(n) = p/(2 + e), in [1/3, 1/2 sqrt 2] or so: normal. The rounding
    // error of 2 + e (exact: 2 >= e) goes into the correction below.
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> e = ScaleF(p[k], n[k]);
      const Vec<D> den = hn::Add(e, hn::Set(d, 2.0f));
      dl[k] = hn::Add(hn::Sub(hn::Set(d, 2.0f), den), e);
      g[k] = hn::Div(p[k], den);
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> s = ScaleF(g[k], n[k]);
      s2[k] = hn::Mul(s, s);
    }
    for (size_t k = 0; k < K; ++k) p[k] = Combine1(d, g[k], s2[k], dl[k]);
    if (!one) {
      for (size_t k = 0; k < K; ++k) p[k] = hn::Div(p[k], vbeta);
    }
    for (size_t k = 0; k < K; ++k) p[k] = ScaleF(p[k], hn::Add(n[k], hn::Set(d, 1.0f)));
    for (size_t k = 0; k < K; ++k) {
      p[k] = one ? hn::Add(hn::Max(hn::Zero(d), v[k]), p[k])
                 : hn::IfThenElse(hn::Gt(t[k], hn::Zero(d)), hn::Add(v[k], p[k]), p[k]);
    }
    if (thr < 16.0f) {
      for (size_t k = 0; k < K; ++k) {
        const auto above =
            one ? hn::Gt(v[k], hn::Set(d, thr)) : AboveThreshold(d, t[k], lo[k], thr);
        p[k] = hn::IfThenElse(above, v[k], p[k]);
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = p[k];
  }
#else
  // Every lane and beta: 2^n in three factors, each quotient taken on the unscaled p.
  template <class D>
  HWY_INLINE static Vec<D> General(D d, Vec<D> x, float beta, float thr) {
    const Vec<D> vbeta = hn::Set(d, beta);
    const Vec<D> t = hn::Mul(vbeta, x);
    const Vec<D> lo = hn::MulSub(vbeta, x, t);
    const Vec<D> at = hn::Abs(t);
    const Vec<D> lim = hn::Set(d, 200.0f);
    // The error of t with the sign of -|t|; none past the clamp (where lo may be NaN).
    const Vec<D> t_lo = hn::IfThenElseZero(hn::Le(at, lim),
                                           hn::IfThenElse(hn::Lt(t, hn::Zero(d)), lo, hn::Neg(lo)));
    const ExpSplitF<D> e = FastExpSplit(d, hn::Neg(hn::Min(at, lim)), t_lo);
    const Scale3F<D> s = SplitScale3(d, e.n);
    const Vec<D> ee = Scale3(e.p, s);
    const Vec<D> den = hn::Add(ee, hn::Set(d, 2.0f));
    const Vec<D> g = hn::Div(e.p, den);
    const Vec<D> gs = Scale3(g, s);
    Vec<D> w = Combine1(d, g, hn::Mul(gs, gs), hn::Add(hn::Sub(hn::Set(d, 2.0f), den), ee));
    w = hn::Add(w, w);
    if (beta != 1.0f) w = hn::Div(w, vbeta);
    const Vec<D> l = Scale3(w, s);
    Vec<D> y = hn::IfThenElse(hn::Gt(t, hn::Zero(d)), hn::Add(x, l), l);
    if (thr < 16.0f) y = hn::IfThenElse(AboveThreshold(d, t, lo, thr), x, y);
    return y;
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    const float thr = static_cast<float>(a.p[1]);
    if (BetaOutOfRange(beta)) return f32::softplus::Forward(d, x, a);
    if (beta != 1.0f) return General(d, x, beta, thr);
    // Common path (beta = 1, |x| <= 86 on every lane): e = e^-|x| >= 2^-124 and g = e/(2 + e)
    // normal, one rounding each.
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, -86.0f)),
        [&]() HWY_ATTR {
          const Vec<D> e = FastExp(d, z);
          const Vec<D> den = hn::Add(e, hn::Set(d, 2.0f));
          const Vec<D> g = hn::Div(e, den);
          const Vec<D> w =
              Combine1(d, g, hn::Mul(g, g), hn::Add(hn::Sub(hn::Set(d, 2.0f), den), e));
          const Vec<D> y = hn::Add(hn::Max(x, hn::Zero(d)), hn::Add(w, w));
          return thr < 16.0f ? hn::IfThenElse(hn::Gt(x, hn::Set(d, thr)), x, y) : y;
        },
        [&]() HWY_ATTR { return General(d, x, beta, thr); });
  }
#endif
  // The backward pass's common path on K vectors, steps interleaved across them: every lane
  // has |t| <= 87 and beta is in range (other lanes get meaningless values, without a trap).
  template <size_t K, class D>
  HWY_INLINE static void BackwardCommonN(D d, const Vec<D> (&x)[K], Vec<D> (&dy)[K],
                                         const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    const float thr = static_cast<float>(a.p[1]);
    const bool one = beta == 1.0f;
    const Vec<D> vbeta = hn::Set(d, beta);
    Vec<D> t[K], e[K], q[K];
    for (size_t k = 0; k < K; ++k) t[k] = one ? x[k] : hn::Mul(vbeta, x[k]);
    for (size_t k = 0; k < K; ++k) e[k] = hn::Or(t[k], hn::SignBit(d));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    Vec<D> vn[K], l[K], r[K];
    ExpLut32N<K>(d, e, nullptr, vn, l, r);
    ExpLutPolyN<K>(d, l, r);
    for (size_t k = 0; k < K; ++k) e[k] = ScaleF(r[k], vn[k]);
#else
    FastExpN<K>(d, e);
#endif
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::Div(hn::Set(d, 1.0f), hn::Add(e[k], hn::Set(d, 1.0f)));
    }
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::Mul(dy[k], hn::IfThenElse(hn::Lt(t[k], hn::Zero(d)), hn::Mul(e[k], q[k]), q[k]));
    }
    if (thr < 17.0f) {
      for (size_t k = 0; k < K; ++k) {
        const auto above = one ? hn::Gt(x[k], hn::Set(d, thr))
                               : AboveThreshold(d, t[k], hn::MulSub(vbeta, x[k], t[k]), thr);
        q[k] = hn::IfThenElse(above, dy[k], q[k]);
      }
    }
    for (size_t k = 0; k < K; ++k) dy[k] = q[k];
  }
  // Backward on K vectors (see HasBackwardN): the common path, or, where a lane of one of them
  // leaves it (|t| > 87, NaN) or beta is out of range, Backward on each with NaN passed through.
  // The rare path is written out here rather than through BackwardEachN: with it the AVX2 loop
  // ran 3.3x slower (4065 against 1294 ns at 4096 elements, alternated runs), the others not.
  template <size_t K, class D>
  HWY_INLINE static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    const Vec<D> vbeta = hn::Set(d, beta);
    auto ok = InExpRange(d, hn::Mul(vbeta, x[0]));
    for (size_t k = 1; k < K; ++k) {
      ok = hn::And(ok, InExpRange(d, hn::Mul(vbeta, x[k])));
    }
    if (HWY_UNLIKELY(BetaOutOfRange(beta) || !hn::AllTrue(d, ok))) {
      for (size_t k = 0; k < K; ++k) {
        const Vec<D> b = Backward(d, x[k], dy[k], a);
        dy[k] = hn::IfThenElse(hn::IsNaN(x[k]), x[k], hn::IfThenElse(hn::IsNaN(dy[k]), dy[k], b));
      }
      return;
    }
    BackwardCommonN<K>(d, x, dy, a);
  }
  // One vector: the common path on the lanes with |t| <= 87, the faithful kernel on the others
  // (PerLane's rule); NaN passed through by the caller (Map).
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const float beta = static_cast<float>(a.p[0]);
    if (BetaOutOfRange(beta)) return f32::softplus::Backward(d, x, dy, a);
    const Vec<D> t = hn::Mul(hn::Set(d, beta), x);
    return PerLane(
        d, InExpRange(d, t),
        [&]() HWY_ATTR {
          const Vec<D> v[1] = {x};
          Vec<D> g[1] = {dy};
          BackwardCommonN<1>(d, v, g, a);
          return g[0];
        },
        [&]() HWY_ATTR { return f32::softplus::Backward(d, x, dy, a); });
  }
};
