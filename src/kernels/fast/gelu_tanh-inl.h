// gelu_tanh, fast (Accuracy::fast): x sigmoid(w), w = 2u = a x (1 + b x^2), a = 2 sqrt(2/pi),
// b = 0.044715. In the negative tail the result is about x e^w, so an error in w is a relative
// error of the result: w passes -100 before the result underflows, and w rounded to float
// would cost |w| 2^-24 relative, hundreds of ULP. So v = x (1 + b x^2) is taken as a float
// pair, each rounding's error by one FMA or subtraction: x^2 (FMA), b x^2 (FMA, and b's own
// rounding), 1 + b x^2 (exact error: (s - 1) is exact for s = 1 + c with c >= 0, so the
// error is c - (s - 1)), x s (FMA); its low part goes into the reduced argument of the
// exponential, as fast silu does with beta x.
// AVX-512: e^-|w| = 2^-c|v| with c = a/ln2, reduced in base 2: n = k/32 rounded from c|v|, and
// t = -c|v| - n by one FMA (c|v| taken exactly inside it, the result small), plus the low parts;
// 2^t = e^(t ln2) from a degree-3 polynomial on the 2^(j/32) table, 2^floor(n) by vscalefps.
// x >= 0: x/(1 + e); x < 0: x p/(1 + e) then the scale, one rounding into the subnormals
// (gelu_tanh(-10) is about -1.5e-39). |v| is clamped at 120 (c |v| = 276, where every result
// rounds to 0 or x), and x at -20 in the negative numerator (the result there is -0).
// Other targets: w as a pair (WOf). Where every lane has x >= -9.9, x/(1 + e^-w) with e^-w
// from FastExpNormal, x clamped at 6.125 for w (Forward: no -|w|, no selects; 4096 elements
// 1.31x faster on this AVX-512 host's AVX2 target, measured, and at most 2.34 ULP on all 2^32
// inputs against 2.16 before); other vectors (ForwardWide) take e^-|w| = p 2^n from
// FastExpSplit (the pair's low part in its reduced argument); where |w| <= 87 on every lane
// 2^n is one normal factor, the other lanes take x for x > 0 and x p 2^n in three factors
// (SplitScale3) for x < 0.
// Backward: f' = sigmoid(w) + x w' sigmoid'(w), w' = a (1 + 3b x^2). With e = e^-|w| and t = 1 +
// x w': f' = (1 + e t)/(1 + e)^2 for x >= 0 (no cancellation, t >= 1) and e (t + e)/(1 + e)^2 for
// x < 0, one quotient. x is clamped at 9.9 (|w| <= 85, past which f' rounds to 1 and the clamped
// x gives 1 exactly); vectors with a lane below -9.9 (e below the normal floats) or NaN take the
// faithful kernel. t + e vanishes at x = -0.7522, the zero of f': t is taken as ((3ab x^2) x +
// (a_lo x + (a_hi x + 1))), whose last two roundings are of values under 0.3, so that the
// bracket's error stays near 2^-24 there, against the bound's |x f''| of 0.3 (2^-24 units) after
// the factor e/(1 + e)^2 = 0.18. w = x (a + ab x^2) with the product's error and a's low part
// carried into the reduced argument of e^-|w|; the rounding of x^2 and of a + ab x^2 (|w| 2^-23
// at most) is within the bound's allowance for x's own rounding, |x w'| >= |w| (in 2^-24 units).
struct gelu_tanh : CommonPathBackward<gelu_tanh, f32::gelu_tanh> {
  // The least x of BackwardCommonN: below it (and at NaN) CommonPathBackward takes the faithful
  // one.
  static constexpr float kBackwardMin = -9.9f;
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3;

  // v = x (1 + b x^2) as hi + lo (lo may be NaN where x^2 overflows: the callers clamp |v|
  // there and drop lo).
  template <class D>
  struct PairV {
    Vec<D> hi;
    Vec<D> lo;
  };
  template <class D>
  HWY_INLINE static PairV<D> VOf(D d, Vec<D> x) {
    const Vec<D> bh = hn::Set(d, 0x1.6e4e26p-5f);
    const Vec<D> x2 = hn::Mul(x, x);
    const Vec<D> x2l = hn::MulSub(x, x, x2);
    const Vec<D> c = hn::Mul(bh, x2);
    Vec<D> cl = hn::MulSub(bh, x2, c);
    cl = hn::MulAdd(hn::Set(d, 0x1.a9003ep-30f), x2, cl);
    cl = hn::MulAdd(bh, x2l, cl);
    const Vec<D> s = hn::Add(c, hn::Set(d, 1.0f));
    const Vec<D> sl = hn::Add(hn::Sub(c, hn::Sub(s, hn::Set(d, 1.0f))), cl);
    const Vec<D> v = hn::Mul(x, s);
    return {v, hn::MulAdd(x, sl, hn::MulSub(x, s, v))};
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // kExp2Table32 and kExp2Table32Lo halved (exact): l/2 and its rounding, for x l/2 below.
  struct Exp2Half {
    alignas(64) float v[32];
    alignas(64) float lo[32];
  };
  static constexpr Exp2Half kExp2Half = [] {
    Exp2Half h{};
    for (int j = 0; j < 32; ++j) {
      h.v[j] = 0.5f * kExp2Table32[j];
      h.lo[j] = 0.5f * kExp2Table32Lo[j];
    }
    return h;
  }();
  // Forward on K vectors (see HasForwardN): e = e^w = 2 (l + r) 2^floor(n) for w of either
  // sign, l + r = 2^(j/32) e^(t ln2)/2 from the halved table, and x sigmoid(w) = (x (l + r)/(e/2
  // + 1/2)) 2^floor(n), one quotient, the scale last (one rounding into the subnormals), x (l +
  // r) as x l + x r in one rounding; no -|v|, no sign flip of the low part, no compare and no
  // select (33 operations a vector where they took 42). x is clamped at -20 (the result there
  // is -0; v at -377.7, e at 2^-872 is 0) and, for v, at 6.125 (w = 2 37.76 ln2: e/(1 + e) is 1
  // within 2^-36; the numerator keeps x itself), so that v's low part is always finite. l + r <
  // 1, so x (l + r) cannot overflow; at 6.125 the reduced argument is positive, so r is, and x =
  // +inf gives +inf. A NaN x stays itself through Max and Min (their second operand) and every
  // NaN made of it is its quiet form: kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    ForwardOrGateN<false, K>(d, v, nullptr);
  }
  // geglu_tanh's forward pass, gelu_tanh(g) u, K vectors of g in place: ForwardN's steps with g u
  // as an exact pair (hi + lo, one FMA) in the numerator, hi l + (hi r + lo l) in one rounding
  // (lo r is under 2^-30 of it), so that the quotient and the scale round the product once
  // instead of rounding gelu_tanh(g) and then the product (which doubled its relative error where
  // the product's significand is near 2). Where the caller keeps the result, finite and at least
  // 2^-64, |g u| > 2^-100 (lo is exact), the quotient is normal (2^floor(n) <= 2^55) and g was
  // not clamped at -20 (the result there is below 2^-400 times g u); l + r < 1 and the denominator
  // is at least 1/2, so the steps overflow only to infinity or NaN (an infinite g), which the
  // caller sends to the faithful pass.
  template <size_t K, class D>
  static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args&) {
    ForwardOrGateN<true, K>(d, v, u);
  }
  // ForwardN's steps, times u[k] for kGate.
  template <bool kGate, size_t K, class D>
  HWY_INLINE static void ForwardOrGateN(D d, Vec<D> (&v)[K], const Vec<D>* u) {
    const Vec<D> ch = hn::Set(d, 0x1.26aec2p+1f);
    const Vec<D> magic = hn::Set(d, 0x1.8p18f);
    const __m512 lo = _mm512_load_ps(kExp2Half.v), hi = _mm512_load_ps(kExp2Half.v + 16);
    Vec<D> xn[K], z[K], zlo[K], vn[K], n[K], t[K], l[K], p[K];
    for (size_t k = 0; k < K; ++k) xn[k] = hn::Max(hn::Set(d, -20.0f), v[k]);
    for (size_t k = 0; k < K; ++k) {
      const PairV<D> pv = VOf(d, hn::Min(hn::Set(d, 6.125f), xn[k]));
      z[k] = pv.hi;
      zlo[k] = pv.lo;
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], ch, magic);
    for (size_t k = 0; k < K; ++k) {
      l[k] = Vec<D>{_mm512_permutex2var_ps(lo, _mm512_castps_si512(vn[k].raw), hi)};
    }
    for (size_t k = 0; k < K; ++k) n[k] = hn::Sub(vn[k], magic);
    // t = c (z + zlo) - n, c = ch + cl: ch z - n in one rounding of a small result.
    for (size_t k = 0; k < K; ++k) t[k] = hn::MulSub(z[k], ch, n[k]);
    for (size_t k = 0; k < K; ++k) {
      t[k] = hn::MulAdd(zlo[k], ch, hn::MulAdd(z[k], hn::Set(d, 0x1.bce75ap-27f), t[k]));
    }
    // 2^t = 1 + t (ln2 + t (ln2^2/2 + t ln2^3/6)), relative error 2^-30 for |t| <= 1/64.
    for (size_t k = 0; k < K; ++k) {
      p[k] = hn::MulAdd(hn::Set(d, 0x1.c6b08ep-5f), t[k], hn::Set(d, 0x1.ebfbe0p-3f));
    }
    for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(p[k], t[k], hn::Set(d, 0x1.62e430p-1f));
    for (size_t k = 0; k < K; ++k) t[k] = hn::Mul(t[k], l[k]);
    // 2^(j/32) e^(t ln2) = l + r, r = l t (...) + the table's rounding, not summed: x (l + r)
    // is x l + x r in one rounding, so the numerator carries neither l's nor the sum's rounding
    // (measured in a float32 model: 3.44 ULP at x = -1.83 with p = l + r rounded first).
    const __m512 llo = _mm512_load_ps(kExp2Half.lo), lhi = _mm512_load_ps(kExp2Half.lo + 16);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> tl{_mm512_permutex2var_ps(llo, _mm512_castps_si512(vn[k].raw), lhi)};
      p[k] = hn::MulAdd(t[k], p[k], tl);
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> den = hn::Add(ScaleF(hn::Add(l[k], p[k]), n[k]), hn::Set(d, 0.5f));
      Vec<D> num;
      if constexpr (!kGate) {
        num = hn::MulAdd(xn[k], l[k], hn::Mul(xn[k], p[k]));
      } else {
        const Vec<D> hi = hn::Mul(xn[k], u[k]);
        const Vec<D> lo = hn::MulSub(xn[k], u[k], hi);
        num = hn::MulAdd(hi, l[k], hn::MulAdd(lo, l[k], hn::Mul(hi, p[k])));
      }
      v[k] = ScaleF(hn::Div(num, den), n[k]);
    }
  }
#else
  // w = a v as a pair (a = ah + al), the prologue of Forward and Gate1: the rounding of ah v by
  // one FMA, al v and ah times v's low part added to it.
  template <class D>
  HWY_INLINE static PairV<D> WOf(D d, Vec<D> x) {
    const PairV<D> pv = VOf(d, x);
    const Vec<D> ah = hn::Set(d, 0x1.988454p+0f);
    const Vec<D> w = hn::Mul(ah, pv.hi);
    const Vec<D> wl = hn::MulSub(ah, pv.hi, w);
    return {w, hn::MulAdd(ah, pv.lo, hn::MulAdd(hn::Set(d, -0x1.857936p-25f), pv.hi, wl))};
  }
  // Forward where every lane has x >= -9.9 (w >= -85): x/(1 + E), E = e^-w = 2^n (1 + m) from
  // FastExpNormal with the pair's low part in the reduced argument, normal on that range (x is
  // clamped at 6.125 for w, E = 2^-75 there: x/(1 + E) is x within 2^-75), so that no -|w|, sign
  // flip, select or conversion is needed: the same steps as AVX-512's ForwardN, and 4 roundings
  // (E's, 1 + E, the quotient) against 3 of the general path. -w as a pair is WOf(-x), exactly
  // the negated pair (VOf and WOf are odd, every rounding symmetric). Other lanes (and NaN)
  // take ForwardWide, lane by lane (PerLane), so that a result does not depend on its
  // neighbours.
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& args) {
    return PerLane(
        d, hn::Ge(x, hn::Set(d, -9.9f)),
        [&]() HWY_ATTR {
          const PairV<D> pw = WOf(d, hn::Neg(hn::Min(x, hn::Set(d, 6.125f))));
          const ExpNormalF<D> e = FastExpNormal(d, pw.hi, &pw.lo);
          return hn::Div(x, hn::Add(hn::MulAdd(e.pm, e.s, e.s), hn::Set(d, 1.0f)));
        },
        [&]() HWY_ATTR { return ForwardWide(d, x, args); });
  }
  // Forward on any vector: e^-|w| = p 2^n from FastExpSplit, where |w| <= 87 on every lane one
  // normal factor, the other lanes in three (SplitScale3).
  template <class D>
  HWY_NOINLINE static Vec<D> ForwardWide(D d, Vec<D> x, const Args&) {
    const PairV<D> pw = WOf(d, x);
    const Vec<D> wl = pw.lo;
    const Vec<D> aw = hn::Abs(pw.hi);
    const Vec<D> lim = hn::Set(d, 193.0f);
    const auto neg = hn::Lt(x, hn::Zero(d));
    const Vec<D> t_lo = hn::IfThenElseZero(hn::Le(aw, lim), hn::IfThenElse(neg, wl, hn::Neg(wl)));
    const ExpSplitF<D> e = FastExpSplit(d, hn::Neg(hn::Min(aw, lim)), t_lo);
    const hn::RebindToSigned<D> di;
    return PerLane(
        d, hn::Le(aw, hn::Set(d, 87.0f)),
        [&]() HWY_ATTR {
          // e = p 2^n normal, one rounding; x e normal for x >= -10 (|w| <= 87).
          const Vec<D> ee = hn::Mul(e.p, Pow2I(di, hn::ConvertTo(di, e.n)));
          return hn::Div(hn::IfThenElse(neg, hn::Mul(x, ee), x), hn::Add(ee, hn::Set(d, 1.0f)));
        },
        [&]() HWY_ATTR {
          const Vec<D> xm = hn::Max(x, hn::Set(d, -20.0f));
          const Vec<D> tail = Scale3(hn::Mul(xm, e.p), SplitScale3(d, e.n));
          return hn::IfThenElse(neg, tail, x);
        });
  }
  // geglu_tanh's forward pass, gelu_tanh(g) u, K vectors of g in place: Forward's common path
  // with g u as an exact pair (hi + lo, one FMA) in the numerator, hi for g >= 0 (hi/(1 + e))
  // and hi e + lo e for g < 0, so that the quotient rounds the product once instead of rounding
  // gelu_tanh(g) and then the product (which doubled its relative error where the product's
  // significand is near 2). A lane with |w| > 87 (e not normal) or NaN gets NaN: the caller,
  // which keeps only finite results of at least 2^-64 (|g u| > 2^-100 there: lo is exact),
  // gives it the faithful result.
  template <size_t K, class D>
  HWY_INLINE static void GateN(D d, Vec<D> (&v)[K], const Vec<D> (&u)[K], const Args&) {
    for (size_t k = 0; k < K; ++k) v[k] = Gate1(d, v[k], u[k]);
  }
  template <class D>
  HWY_INLINE static Vec<D> Gate1(D d, Vec<D> x, Vec<D> u) {
    const PairV<D> pw = WOf(d, x);
    const Vec<D> wl = pw.lo;
    const Vec<D> aw = hn::Abs(pw.hi);
    const auto neg = hn::Lt(x, hn::Zero(d));
    const auto ok = hn::Le(aw, hn::Set(d, 87.0f));
    const Vec<D> t_lo = hn::IfThenElseZero(ok, hn::IfThenElse(neg, wl, hn::Neg(wl)));
    const ExpSplitF<D> e = FastExpSplit(d, hn::Neg(hn::Min(aw, hn::Set(d, 87.0f))), t_lo);
    const hn::RebindToSigned<D> di;
    const Vec<D> ee = hn::Mul(e.p, Pow2I(di, hn::ConvertTo(di, e.n)));
    const Vec<D> hi = hn::Mul(x, u);
    const Vec<D> lo = hn::MulSub(x, u, hi);
    const Vec<D> num = hn::IfThenElse(neg, hn::MulAdd(hi, ee, hn::Mul(lo, ee)), hi);
    return hn::IfThenElse(ok, hn::Div(num, hn::Add(ee, hn::Set(d, 1.0f))), hn::NaN(d));
  }
#endif
  // The backward pass's common path on K vectors, steps interleaved across them: every lane
  // has x >= -9.9 (other lanes get meaningless values).
  template <size_t K, class D>
  HWY_INLINE static void BackwardCommonN(D d, const Vec<D> (&x)[K], Vec<D> (&dy)[K]) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> ah = hn::Set(d, 0x1.988454p+0f), al = hn::Set(d, -0x1.857936p-25f);
    Vec<D> xc[K], x2[K], w[K], wl[K], e[K], t[K];
    // Min(9.9, x): a NaN x would stay NaN (Min's second operand); the caller sends it elsewhere.
    for (size_t k = 0; k < K; ++k) xc[k] = hn::Min(hn::Set(d, 9.9f), x[k]);
    for (size_t k = 0; k < K; ++k) x2[k] = hn::Mul(xc[k], xc[k]);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> s = hn::MulAdd(hn::Set(d, 0x1.2444f2p-4f), x2[k], ah);
      w[k] = hn::Mul(xc[k], s);
      wl[k] = hn::MulAdd(al, xc[k], hn::MulSub(xc[k], s, w[k]));
    }
    // -|w| and its low part with the same sign flip.
    for (size_t k = 0; k < K; ++k) {
      e[k] = hn::Or(w[k], hn::SignBit(d));
      wl[k] = hn::Xor(wl[k], hn::AndNot(w[k], hn::SignBit(d)));
    }
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    {
      Vec<D> vn[K], l[K], r[K];
      ExpLut32N<K>(d, e, wl, vn, l, r);
      ExpLutPolyN<K>(d, l, r);
      for (size_t k = 0; k < K; ++k) e[k] = ScaleF(r[k], vn[k]);
    }
#else
    for (size_t k = 0; k < K; ++k) {
      const ExpNormalF<D> en = FastExpNormal(d, e[k], &wl[k]);
      e[k] = hn::MulAdd(en.pm, en.s, en.s);
    }
#endif
    // t = 1 + x w' = 1 + a x + 3ab x^3.
    for (size_t k = 0; k < K; ++k) {
      t[k] = hn::MulAdd(al, xc[k], hn::MulAdd(ah, xc[k], one));
      t[k] = hn::MulAdd(hn::Mul(hn::Set(d, 0x1.b6676cp-3f), x2[k]), xc[k], t[k]);
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> g =
          hn::IfThenElse(hn::Lt(xc[k], hn::Zero(d)), hn::Mul(e[k], hn::Add(t[k], e[k])),
                         hn::MulAdd(e[k], t[k], one));
      const Vec<D> den = hn::MulAdd(e[k], hn::Add(e[k], hn::Set(d, 2.0f)), one);
      dy[k] = hn::Mul(dy[k], hn::Div(g, den));
    }
  }
};
