// celu, fast (Accuracy::fast): x > 0 ? x : alpha (e^(x/alpha) - 1), fast::elu's method with t =
// x/alpha as th = x (1/alpha) and its remainder tl = (x - th alpha)/alpha (exact FMA), tl added
// to the reduced argument of the exponential: th alone is off by up to 2^-23 |t|, which the
// exponential carries into the result (2 ULP near t = 0, |t| ULP in the backward tail).
// alpha <= 0 (e^(x/alpha) grows), and alpha outside [2^-60, 2^60] (1/alpha or the remainder
// leaves the normal floats), take the faithful kernel.
struct celu {
  // On x86 a NaN x stays itself through Min and Max (their second operand), and every NaN made
  // of it is its quiet form (as in fast::elu); the faithful fallback returns x on NaN lanes.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  static bool FastAlpha(float alpha) { return alpha >= 0x1p-60f && alpha <= 0x1p60f; }
  // th and tl for x <= 0 (xs = min(0, x)); tl is 0 where th < lim (clamped by the caller) or
  // is not finite.
  template <class D>
  HWY_INLINE static Vec<D> Low(D d, Vec<D> xs, Vec<D> th, Vec<D> alpha, Vec<D> inv, float lim) {
    return hn::IfThenElseZero(hn::Ge(th, hn::Set(d, lim)),
                              hn::Mul(hn::NegMulAdd(th, alpha, xs), inv));
  }
  // HWY_INLINE: with two call sites (the plain and the streamed loop) GCC called it once a
  // block; inlined, AVX-512 ran 1.10x to 1.16x faster at 4096 and 262144 (measured).
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    const float alpha = static_cast<float>(a.p[0]);
    if (!FastAlpha(alpha)) {
      for (size_t k = 0; k < K; ++k) {
        v[k] = hn::IfThenElse(hn::IsNaN(v[k]), v[k], f32::celu::Forward(d, v[k], a));
      }
      return;
    }
    const Vec<D> va = hn::Set(d, alpha), inv = hn::Set(d, 1.0f / alpha);
    const Vec<D> zero = hn::Zero(d);
    // Min returns its second operand on a NaN: th keeps x's NaN, and so does the result.
    Vec<D> th[K], tl[K], m[K];
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> xs = hn::Min(zero, v[k]);
      th[k] = hn::Mul(xs, inv);
      tl[k] = Low(d, xs, th[k], va, inv, -20.0f);
    }
    // Past -20, e^t - 1 rounds to -1.
    for (size_t k = 0; k < K; ++k) m[k] = hn::Max(hn::Set(d, -20.0f), th[k]);
    FastExpm1N<K>(d, m, &tl);
    // Where |t| < 2^-60, alpha (e^t - 1) rounds to x (e^t - 1 = t (1 + t/2)): x itself also
    // keeps the sign of zero and the x whose t would be subnormal.
    for (size_t k = 0; k < K; ++k) {
      const auto keep = hn::Or(hn::Gt(v[k], zero), hn::Lt(hn::Abs(th[k]), hn::Set(d, 0x1p-60f)));
      v[k] = hn::IfThenElse(keep, v[k], hn::Mul(va, m[k]));
    }
  }
  // x > 0 ? dy : dy e^t, t clamped at -200 (below, the result rounds to 0 for every float dy)
  // and 2^n applied last, as fast::elu.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const float alpha = static_cast<float>(a.p[0]);
    if (!FastAlpha(alpha)) return f32::celu::Backward(d, x, dy, a);
    const Vec<D> va = hn::Set(d, alpha), inv = hn::Set(d, 1.0f / alpha);
    const Vec<D> zero = hn::Zero(d);
    const Vec<D> xs = hn::Min(x, zero);
    const Vec<D> th = hn::Mul(xs, inv);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // p < 2 from the table: p (dy/2) cannot overflow; the 2 and 2^floor(n) go last in one
    // scalef.
    ExpLutF<D> el = ExpLut32(d, hn::Max(hn::Set(d, -200.0f), th));
    el.t = hn::Add(el.t, Low(d, xs, th, va, inv, -200.0f));
    const Vec<D> hd = hn::Mul(dy, hn::Set(d, 0.5f));
    const Vec<D> neg = ScaleF(hn::Mul(ExpLutPoly(d, el), hd), hn::Add(el.n, hn::Set(d, 1.0f)));
    return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
#else
    return PerLane(
        d, hn::Ge(th, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          // e^t normal and at most 1: e^t dy cannot overflow.
          const Vec<D> tl = Low(d, xs, th, va, inv, kFastExpMin);
          const ExpNormalF<D> e = FastExpNormal(d, th, &tl);
          const Vec<D> neg = hn::Mul(hn::MulAdd(e.pm, e.s, e.s), dy);
          return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
        },
        [&]() HWY_ATTR {
          const Vec<D> t = hn::Max(th, hn::Set(d, -200.0f));
          const ExpSplitF<D> e = FastExpSplit(d, t, Low(d, xs, th, va, inv, -200.0f));
          const Scale3F<D> s = SplitScale3(d, e.n);
          const Vec<D> neg = hn::Mul(hn::Mul(hn::Mul(hn::Mul(e.p, s.s1), dy), s.s2), s.s3);
          return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
        });
#endif
  }
};
