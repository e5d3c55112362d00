// elu, fast (Accuracy::fast): x > 0 ? x : alpha (e^x - 1), e^x - 1 from Expm1Lut32N on AVX-512,
// Expm1Lut8N on AVX2 and FastExpm1 elsewhere (one FMA of exact terms, no cancellation near 0:
// elu(-1e-30) is -1e-30). x is clamped at -20, past which e^x - 1 rounds to -1.
struct elu {
  // On x86, a NaN x stays itself through Min and Max (their second operand) and every NaN made
  // of it is its quiet form (CopySign keeps x's sign): the kernel keeps NaN.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    const Vec<D> alpha = hn::Set(d, static_cast<float>(a.p[0]));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // AVX-512: e^z - 1 from the table (Expm1Lut32N: 6 FMA-class operations of its 12, where
    // FastExpm1N takes 10 of 13; the FMA pipes are what this loop waits on) on z = max(-20, x),
    // and x itself wherever x < 0 is false: x >= 0 (-0 included, so its sign stays) and NaN, whose
    // bits then stay as they are. The other lanes' values are discarded, whatever they are.
    Vec<D> m[K];
    __mmask16 neg[K];
    NegativeExpm1N<K>(d, v, m, neg);
    for (size_t k = 0; k < K; ++k) {
      v[k] = Vec<D>{_mm512_mask_mul_ps(v[k].raw, neg[k], alpha.raw, m[k].raw)};
    }
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    // AVX2: e^z - 1 from the 8-entry table (Expm1Lut8N: 7 FMA-class operations of 13, where
    // FastExpm1N takes 10 of 13) on z = max(-20, x), and x itself wherever x < 0 is false, as on
    // AVX-512: x >= 0 (-0 included, so its sign stays) and NaN, whose bits then stay as they are.
    // x stays in registers (KeepLoadedN): reloaded for the select, the loop ran 2.5x slower from
    // DRAM.
    KeepLoadedN<K>(v);
    Vec<D> m[K];
    for (size_t k = 0; k < K; ++k) m[k] = hn::Max(hn::Set(d, -20.0f), v[k]);
    Expm1Lut8N<K>(d, m);
    for (size_t k = 0; k < K; ++k) {
      v[k] = hn::IfThenElse(hn::Lt(v[k], hn::Zero(d)), hn::Mul(alpha, m[k]), v[k]);
    }
#else
    const Vec<D> zero = hn::Zero(d);
    // Min and Max return their second operand on a NaN or equal zeros: z keeps x's NaN and
    // x's sign of zero, which CopySign puts on e^z - 1 (its polynomial makes +0 of -0): alpha x
    // at x = 0, as the faithful kernel does.
    Vec<D> z[K], m[K];
    for (size_t k = 0; k < K; ++k) z[k] = hn::Max(hn::Set(d, -20.0f), hn::Min(zero, v[k]));
    for (size_t k = 0; k < K; ++k) m[k] = z[k];
    FastExpm1N<K>(d, m);
    for (size_t k = 0; k < K; ++k) {
      v[k] = hn::IfThenElse(hn::Gt(v[k], zero), v[k], hn::Mul(alpha, hn::CopySign(m[k], z[k])));
    }
#endif
  }
  // alpha (as a float) = am 2^k with am in [1/4, 1/2), from the exponent bits (exact, and no
  // library call in the loop); a zero, subnormal or non-finite alpha is am itself, k = 0.
  struct AlphaSplit {
    float am;
    float k;
  };
  static AlphaSplit SplitAlpha(double alpha) {
    const float af = static_cast<float>(alpha);
    const uint32_t bits = std::bit_cast<uint32_t>(af);
    const int e = static_cast<int>((bits >> 23) & 0xff);
    if (e == 0 || e == 0xff) return {af, 0.0f};
    return {std::bit_cast<float>((bits & 0x807fffffu) | (125u << 23)), static_cast<float>(e - 125)};
  }
  // x > 0 ? dy : dy alpha e^x, x clamped at -200 (below, dy alpha e^x rounds to 0 while
  // |dy alpha| < 2^138) and 2^n applied last. alpha = am 2^k with am in [1/4, 1/2) (exact): am
  // times p < 2 (the exponential's mantissa) is below 1, so p (am dy) cannot overflow where the
  // result does not, for any alpha, and 2^k joins the exponent.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> zero = hn::Zero(d);
    const AlphaSplit as = SplitAlpha(a.p[0]);
    const float am = as.am;
    const Vec<D> vk = hn::Set(d, as.k);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // p from the table; 2^(k+1) and 2^floor(n) go last in one scalef.
    const ExpLutF<D> el = ExpLut32(d, hn::Max(hn::Set(d, -200.0f), hn::Min(x, zero)));
    const Vec<D> ad = hn::Mul(dy, hn::Set(d, am));
    const Vec<D> neg = ScaleF(hn::Mul(ExpLutPoly(d, el), ad), hn::Add(el.n, vk));
    return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
#else
    const Vec<D> z = hn::Min(x, zero);
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          // e^x normal and at most 1: e^x dy cannot overflow, then alpha.
          const Vec<D> neg =
              hn::Mul(hn::Mul(FastExp(d, z), dy), hn::Set(d, static_cast<float>(a.p[0])));
          return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
        },
        [&]() HWY_ATTR {
          const Vec<D> t = hn::Min(hn::Max(x, hn::Set(d, -200.0f)), zero);
          const ExpSplitF<D> e = FastExpSplit(d, t, zero);
          const Scale3F<D> s = SplitScale3(d, hn::Add(e.n, vk));
          const Vec<D> g = hn::Mul(hn::Mul(e.p, s.s1), hn::Set(d, am));
          const Vec<D> neg = hn::Mul(hn::Mul(hn::Mul(g, dy), s.s2), s.s3);
          return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
        });
#endif
  }
};
