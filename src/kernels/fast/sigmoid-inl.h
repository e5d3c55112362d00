// sigmoid, fast (Accuracy::fast). AVX-512: e = e^x from the 32-entry table, x clamped to 20,
// and e/(1 + e) for either sign; 2^n by an integer add where e is normal (x >= -87), by scalef
// (x clamped to [-105, 20]) on the other lanes. AVX2: the same with the 8-entry table
// (ExpLut8N). Other targets: e = e^-|x|, f = e/(1 + e) and 1 - f for x > 0, e from FastExpN
// (ForwardN) where every lane has |x| <= 87 (e normal). On AVX2 and the other targets the rest
// take e = p 2^n with 2^n in three factors (SplitScale3), so that results down to 2^-149 (x near
// -103.97) round once instead of flushing, and 1/(1 + e) by reciprocal and Newton steps. |x| is
// clamped at 104-105, beyond which the result rounds to 0 or 1 anyway.
struct sigmoid {
  static constexpr bool kForwardKeepsNaN = true;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors, each step across all K before the next (see HasForwardN): e = e^z
  // from the table on z = min(x, 20), then e/(1 + e), one quotient for either sign: no absolute
  // value, no select at the end. Where every lane of the K has z >= -87, e is normal and
  // 2^floor(n) joins it by one integer add of the magic sum's bits (kExp2Table32Bits), the same
  // value, bit for bit, as l e^t rounded and then scaled by vscalefps, which issues at half the
  // rate of an FMA here: 4096 elements from 0.090 to 0.081 ns, 1.14x XNNPACK (measured, this
  // Zen 5 host). Lanes below -87 or NaN take Scaled, the scalef path. Past 20, e/(1 + e) rounds
  // to 1 as sigmoid does from 17.4 on, and e^20 is far from overflow. For x > 0 the quotient
  // carries e's error times 1/(1 + e) <= 1/2. Min returns its second operand, x, on a NaN (the
  // compare fails there), and Scaled keeps it to the quotient, which gives its quiet form:
  // kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const __m512i lo = _mm512_load_si512(kExp2Table32Bits.v);
    const __m512i hi = _mm512_load_si512(kExp2Table32Bits.v + 16);
    const Vec<D> magic = hn::Set(d, 0x1.8p18f);
    Vec<D> z[K], vn[K], s[K], t[K], p[K];
    for (size_t k = 0; k < K; ++k) z[k] = hn::Min(hn::Set(d, 20.0f), v[k]);
    __mmask16 ok = 0xffff;
    for (size_t k = 0; k < K; ++k) {
      ok &= _mm512_cmp_ps_mask(z[k].raw, _mm512_set1_ps(kFastExpMin), _CMP_GE_OQ);
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), magic);
    for (size_t k = 0; k < K; ++k) {
      const __m512i vi = _mm512_castps_si512(vn[k].raw);
      s[k] = Vec<D>{_mm512_castsi512_ps(
          _mm512_add_epi32(_mm512_permutex2var_epi32(lo, vi, hi), _mm512_slli_epi32(vi, 18)))};
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
    for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
    for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, -0x1.05c610p-29f), t[k]);
    for (size_t k = 0; k < K; ++k) {
      p[k] = hn::MulAdd(hn::Set(d, 0x1.000006p-1f), t[k], hn::Set(d, 0x1.0000f6p+0f));
    }
    for (size_t k = 0; k < K; ++k) t[k] = hn::Mul(t[k], s[k]);
    for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(t[k], p[k], s[k]);
    for (size_t k = 0; k < K; ++k) p[k] = hn::Div(p[k], hn::Add(p[k], hn::Set(d, 1.0f)));
    if (HWY_UNLIKELY(ok != 0xffff)) {
      for (size_t k = 0; k < K; ++k) {
        const __mmask16 ok_k =
            _mm512_cmp_ps_mask(z[k].raw, _mm512_set1_ps(kFastExpMin), _CMP_GE_OQ);
        if (ok_k != 0xffff) p[k] = Vec<D>{_mm512_mask_mov_ps(Scaled(d, v[k]).raw, ok_k, p[k].raw)};
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = p[k];
  }
  // e^x from the table on x clamped to [-105, 20], 2^floor(n) by vscalefps (one rounding, so a
  // subnormal result is right; e^-105 rounds to 0), then e/(1 + e).
  template <class D>
  HWY_NOINLINE static Vec<D> Scaled(D d, Vec<D> x) {
    const Vec<D> z =
        Vec<D>{_mm512_max_ps(_mm512_set1_ps(-105.0f), _mm512_min_ps(_mm512_set1_ps(20.0f), x.raw))};
    const ExpLutF<D> el = ExpLut32(d, z);
    const Vec<D> p = ScaleF(ExpLutPoly(d, el), el.n);
    return hn::Div(p, hn::Add(p, hn::Set(d, 1.0f)));
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
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // AVX2, forward on K vectors: e = e^z from the 8-entry table (ExpLut8N) on z = min(x, 20),
  // then e/(1 + e) for either sign, as the AVX-512 loop does (no -|x|, no 1 - f and no blend:
  // 16 operations a vector, 7 of them FMA-class, where FastExpN's way took 19 with 11; 4096
  // elements from 0.26 to 0.17 ns, measured), where every lane of the K has z >=
  // -87 (e normal). Past 20 the quotient rounds to 1, as sigmoid does from 17.4 on; for x > 0
  // it carries e's error times 1/(1 + e) <= 1/2. A vector with a lane below -87 or NaN (Min
  // returns its second operand, x, on a NaN; the compare is false there) takes Careful on
  // those lanes.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> e[K];
    for (size_t k = 0; k < K; ++k) e[k] = hn::Min(hn::Set(d, 20.0f), v[k]);
    auto ok = hn::Ge(e[0], hn::Set(d, kFastExpMin));
    for (size_t k = 1; k < K; ++k) ok = hn::And(ok, hn::Ge(e[k], hn::Set(d, kFastExpMin)));
    const bool all_ok = hn::AllTrue(d, ok);
    ExpLut8N<K, false>(d, e);
    for (size_t k = 0; k < K; ++k) e[k] = hn::Div(e[k], hn::Add(e[k], one));
    if (HWY_UNLIKELY(!all_ok)) {
      for (size_t k = 0; k < K; ++k) {
        const auto ok_k = InExpRange(d, hn::Min(hn::Set(d, 20.0f), v[k]));
        if (hn::AllTrue(d, ok_k)) continue;
        e[k] = hn::IfThenElse(ok_k, e[k], Careful(d, v[k]));
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
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
        const auto ok_k = InExpRange(d, v[k]);
        if (hn::AllTrue(d, ok_k)) continue;
        e[k] = hn::IfThenElse(ok_k, e[k], Careful(d, v[k]));
      }
    }
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
#endif
  // The lanes outside the common path (|x| > 87, NaN): e = p 2^n with 2^n in three factors
  // (SplitScale3), so that results down to 2^-149 round once, x itself on a NaN lane.
  template <class D>
  HWY_NOINLINE static Vec<D> Careful(D d, Vec<D> x) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> t = hn::Max(hn::Neg(hn::Abs(x)), hn::Set(d, -104.0f));
    const ExpSplitF<D> es = FastExpSplit(d, t, hn::Zero(d));
    const Scale3F<D> s = SplitScale3(d, es.n);
    const Vec<D> q = FastRecip(d, hn::Add(one, Scale3(es.p, s)));
    const Vec<D> neg = Scale3(hn::Mul(es.p, q), s);
    return hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, q));
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
    MarkOutOfRangeN<K>(d, all_ok, v, e);
    for (size_t k = 0; k < K; ++k) v[k] = e[k];
  }
#endif
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope(d, x, dy);
  }
};
