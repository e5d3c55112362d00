// sigmoid, fast (Accuracy::fast). AVX-512: e = e^x from the table and scalef (math_fast-inl.h),
// x clamped to [-105, 20], and e/(1 + e) for either sign. Other targets: e = e^-|x|, f = e/(1 + e)
// and 1 - f for x > 0, e from FastExpN (ForwardN) where every lane has |x| <= 87 (e normal); the
// rest take e = p 2^n with 2^n in three factors (SplitScale3), so that results down to 2^-149 (x
// near -103.97) round once instead of flushing, and 1/(1 + e) by reciprocal and Newton steps. |x|
// is clamped at 104-105, beyond which the result rounds to 0 or 1 anyway.
struct sigmoid {
  static constexpr bool kForwardKeepsNaN = true;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors, each step across all K before the next (see HasForwardN): e = e^x
  // from the table on x clamped to [-105, 20], then e/(1 + e), one quotient for either sign: no
  // absolute value, no select at the end (13 operations a vector; -|x|, the choice of branch and
  // 1 - f took 3 more). Past 20, e/(1 + e) rounds to 1 as sigmoid does from 17.4 on, and e^20 is
  // far from overflow; e^-105 rounds to 0. For x > 0 the quotient carries e's error times 1/(1 +
  // e) <= 1/2. Min and Max return their second operand, x, on a NaN, so a NaN x reaches every
  // later step as itself and the quotient gives its quiet form: kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    Vec<D> z[K], vn[K], l[K], t[K], p[K];
    for (size_t k = 0; k < K; ++k) {
      z[k] = Vec<D>{
          _mm512_max_ps(_mm512_set1_ps(-105.0f), _mm512_min_ps(_mm512_set1_ps(20.0f), v[k].raw))};
    }
    ExpLut32N<K>(d, z, nullptr, vn, l, t);
    ExpLutPolyN<K>(d, l, t);
    for (size_t k = 0; k < K; ++k) p[k] = ScaleF(t[k], vn[k]);
    for (size_t k = 0; k < K; ++k) {
      v[k] = hn::Div(p[k], hn::Add(p[k], hn::Set(d, 1.0f)));
    }
  }
  // glu's forward pass, sigmoid(g) u, K vectors of g in place: e = e^z = (l + r) 2^floor(n) for
  // z = g clamped to [-192, 20] (ExpLutPoly3SplitN: the table's own rounding in r, l + r not
  // summed), and sigmoid(g) u = (u l + u r)/(e + 1) 2^floor(n): the numerator in one rounding,
  // then the quotient and the scale round the product once more, where rounding sigmoid(g) and
  // then the product doubled sigmoid's relative error where the product's significand is near 2
  // (4.58 ULP on a sweep; 4.35 with ForwardN's e, l + r rounded, times u). Past -192 the result
  // is below 2^-148 for any float u, so the caller, which keeps only finite results of at least
  // 2^-64, takes the faithful one (a clamp at -105 would give u e^-105 for every smaller gate);
  // there the quotient is normal too (2^floor(n) <= 2^29). An overflow stays infinite; NaN
  // gates and ups give NaN.
  template <size_t K, class D>
  static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args&) {
    Vec<D> z[K], l[K], r[K], n[K];
    for (size_t k = 0; k < K; ++k) {
      z[k] = Vec<D>{
          _mm512_max_ps(_mm512_set1_ps(-192.0f), _mm512_min_ps(_mm512_set1_ps(20.0f), v[k].raw))};
    }
    ExpLutPoly3SplitN<K>(d, z, nullptr, l, r, n);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> den = hn::Add(ScaleF(hn::Add(l[k], r[k]), n[k]), hn::Set(d, 1.0f));
      const Vec<D> num = hn::MulAdd(u[k], l[k], hn::Mul(u[k], r[k]));
      v[k] = ScaleF(hn::Div(num, den), n[k]);
    }
  }
#else
  // Forward on K vectors: e = e^-|x| from FastExpN where every lane of the K has |x| <= 87 (e
  // normal, one rounding), f = e/(1 + e), and 1 - f where x's sign bit is clear (one blend on
  // the sign, +-0 give 1/2 either way). A vector with a lane outside (|x| > 87, NaN) takes the
  // careful path on those lanes (PerLane's rule: each result a function of its own input), x
  // itself on a NaN lane: the kernel keeps NaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K];
    const bool all_ok = NegAbsExpN<K>(d, v, e);
    for (size_t k = 0; k < K; ++k) e[k] = hn::Div(e[k], hn::Add(e[k], one));
    for (size_t k = 0; k < K; ++k) e[k] = hn::IfNegativeThenElse(v[k], e[k], hn::Sub(one, e[k]));
    if (HWY_UNLIKELY(!all_ok)) {
      for (size_t k = 0; k < K; ++k) {
        const Vec<D> x = v[k];
        const auto ok_k = InExpRange(d, x);
        if (hn::AllTrue(d, ok_k)) continue;
        const Vec<D> t = hn::Max(hn::Neg(hn::Abs(x)), hn::Set(d, -104.0f));
        const ExpSplitF<D> es = FastExpSplit(d, t, hn::Zero(d));
        const Scale3F<D> s = SplitScale3(d, es.n);
        const Vec<D> q = FastRecip(d, hn::Add(one, Scale3(es.p, s)));
        const Vec<D> neg = Scale3(hn::Mul(es.p, q), s);
        const Vec<D> careful =
            hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, q));
        e[k] = hn::IfThenElse(ok_k, e[k], careful);
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
  // glu's forward pass, sigmoid(g) u, K vectors of g in place: e = e^-|g| from FastExpN, then
  // (e u)/(1 + e) for g < 0 and u/(1 + e) for g >= 0, one quotient that rounds the product
  // (with e u rounded once before it) instead of rounding sigmoid(g), 1 - f, and then the
  // product. A lane with |g| > 87 (e not normal) or NaN gets NaN: the caller, which keeps only
  // finite results of at least 2^-64, gives it the faithful result.
  template <size_t K, class D>
  HWY_INLINE static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args&) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K];
    const bool all_ok = NegAbsExpN<K>(d, v, e);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> num = hn::IfNegativeThenElse(v[k], hn::Mul(e[k], u[k]), u[k]);
      e[k] = hn::Div(num, hn::Add(e[k], one));
    }
    if (HWY_UNLIKELY(!all_ok)) {
      for (size_t k = 0; k < K; ++k) {
        const auto ok_k = InExpRange(d, v[k]);
        e[k] = hn::IfThenElse(ok_k, e[k], hn::NaN(d));
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
#endif
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope(d, x, dy);
  }
};
