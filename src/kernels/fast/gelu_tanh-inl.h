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
// Other targets: w as a pair, e^-|w| = p 2^n from FastExpSplit (the pair's low part in its
// reduced argument); where |w| <= 87 on every lane 2^n is one normal factor, the other lanes
// take x for x > 0 and x p 2^n in three factors (SplitScale3) for x < 0.
struct gelu_tanh {
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
  // Forward on K vectors (see HasForwardN). A NaN x makes v NaN, kept by NegAbsClamped; its
  // low part is dropped (the comparison is false), and every NaN made of it is its quiet form:
  // kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const Vec<D> ch = hn::Set(d, 0x1.26aec2p+1f);
    const Vec<D> magic = hn::Set(d, 0x1.8p18f);
    const __m512 lo = _mm512_load_ps(kExp2Table32), hi = _mm512_load_ps(kExp2Table32 + 16);
    Vec<D> z[K], zlo[K], vn[K], n[K], t[K], l[K], p[K];
    for (size_t k = 0; k < K; ++k) {
      const PairV<D> pv = VOf(d, v[k]);
      z[k] = NegAbsClamped(pv.hi, 120.0f);
      // The low part with the sign of -|v|; none where |v| was clamped.
      zlo[k] = hn::IfThenElseZero(hn::Gt(z[k], hn::Set(d, -120.0f)),
                                  hn::Xor(pv.lo, hn::AndNot(pv.hi, hn::SignBit(d))));
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
    // is x l + x r in one rounding, so the negative side's numerator carries neither l's nor
    // the sum's rounding (measured in a float32 model: 3.44 ULP at x = -1.83 with p = l + r
    // rounded first).
    const __m512 llo = _mm512_load_ps(kExp2Table32Lo), lhi = _mm512_load_ps(kExp2Table32Lo + 16);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> tl{_mm512_permutex2var_ps(llo, _mm512_castps_si512(vn[k].raw), lhi)};
      p[k] = hn::MulAdd(t[k], p[k], tl);
    }
    for (size_t k = 0; k < K; ++k) {
      const auto neg = hn::Lt(v[k], hn::Zero(d));
      const Vec<D> den = hn::Add(ScaleF(hn::Add(l[k], p[k]), n[k]), hn::Set(d, 1.0f));
      const Vec<D> xm = hn::Max(hn::Set(d, -20.0f), v[k]);
      const Vec<D> num = hn::IfThenElse(neg, hn::MulAdd(xm, l[k], hn::Mul(xm, p[k])), v[k]);
      v[k] = ScaleF(hn::Div(num, den), hn::IfThenElseZero(neg, n[k]));
    }
  }
#else
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const PairV<D> pv = VOf(d, x);
    const Vec<D> ah = hn::Set(d, 0x1.988454p+0f);
    // w = a v as a pair; -|w| and its low part with the same sign flip.
    const Vec<D> w = hn::Mul(ah, pv.hi);
    Vec<D> wl = hn::MulSub(ah, pv.hi, w);
    wl = hn::MulAdd(ah, pv.lo, hn::MulAdd(hn::Set(d, -0x1.857936p-25f), pv.hi, wl));
    const Vec<D> aw = hn::Abs(w);
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
#endif
};
