// selu, fast (Accuracy::fast): scale x for x > 0, (scale alpha) (e^x - 1) otherwise: fast::elu's
// method, with scale alpha (exact in double for float parameters) as two floats, so that m hi +
// m lo rounds once and the product costs no more than elu's alpha. x is clamped at -20, past
// which e^x - 1 rounds to -1. Parameters whose product is beyond the range below take the
// faithful kernel.
struct selu {
  // On x86 a NaN x stays itself through Min and Max (their second operand), and every NaN made
  // of it is its quiet form (as in fast::elu); the faithful fallback returns x on NaN lanes.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  // |scale alpha| within [2^-100, 2^100] forward (its low part stays a normal float and the
  // products cannot overflow), within [2^-100, 2] backward (dy (scale alpha)/4 times e^x's
  // mantissa, below 2, cannot overflow).
  static bool FastParams(const Args& a, double hi) {
    const double sa = std::fabs(a.p[0] * a.p[1]);
    return sa >= 0x1p-100 && sa <= hi;
  }
  // HWY_INLINE: once the faithful selu's Forward (the fallback below) became ForwardN<1>, GCC
  // called this once a block from the plain and the streamed loop (4096 elements: 531-536 ns);
  // inlined, 380-385 ns, as before that change (381-395; AVX-512, alternated).
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args& a) {
    if (!FastParams(a, 0x1p100)) {
      for (size_t k = 0; k < K; ++k) {
        v[k] = hn::IfThenElse(hn::IsNaN(v[k]), v[k], f32::selu::Forward(d, v[k], a));
      }
      return;
    }
    const double sa = a.p[0] * a.p[1];
    const float sa_hi = static_cast<float>(sa);
    const Vec<D> hi = hn::Set(d, sa_hi);
    const Vec<D> lo = hn::Set(d, static_cast<float>(sa - static_cast<double>(sa_hi)));
    const Vec<D> scale = hn::Set(d, static_cast<float>(a.p[1]));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // AVX-512: fast::elu's way, e^z - 1 from the table (Expm1Lut32N, 6 FMA-class operations of
    // 12 where FastExpm1N has 10 of 13) on z = max(-20, x), and scale x wherever x < 0 is false: x
    // >= 0
    // (-0 gives scale -0 = -0, as (scale alpha) x does in the faithful kernel) and NaN, which the
    // product keeps as its quiet form. The other lanes' values are discarded.
    Vec<D> m[K];
    __mmask16 neg[K];
    NegativeExpm1N<K>(d, v, m, neg);
    for (size_t k = 0; k < K; ++k) {
      const __m512 y = _mm512_mask_fmadd_ps(m[k].raw, neg[k], hi.raw, hn::Mul(m[k], lo).raw);
      v[k] = Vec<D>{_mm512_mask_mul_ps(y, static_cast<__mmask16>(~neg[k]), scale.raw, v[k].raw)};
    }
#else
    const Vec<D> zero = hn::Zero(d);
    // z keeps x's NaN and x's sign of zero (Min and Max return their second operand), which
    // CopySign puts on e^z - 1: (scale alpha) x at x = -0, as the faithful kernel does.
    Vec<D> z[K], m[K];
    for (size_t k = 0; k < K; ++k) z[k] = hn::Max(hn::Set(d, -20.0f), hn::Min(zero, v[k]));
    for (size_t k = 0; k < K; ++k) m[k] = z[k];
    FastExpm1N<K>(d, m);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> e = hn::CopySign(m[k], z[k]);
      v[k] = hn::IfThenElse(hn::Gt(v[k], zero), hn::Mul(scale, v[k]),
                            hn::MulAdd(e, hi, hn::Mul(e, lo)));
    }
#endif
  }
  // x > 0 ? dy scale : dy (scale alpha) e^x, x clamped at -200 (below, the result rounds to 0
  // for every float dy) and 2^n applied last, as fast::elu.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if (!FastParams(a, 2.0)) return f32::selu::Backward(d, x, dy, a);
    const double sa = a.p[0] * a.p[1];
    const Vec<D> zero = hn::Zero(d);
    const Vec<D> pos = hn::Mul(dy, hn::Set(d, static_cast<float>(a.p[1])));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // p < 2 from the table and |scale alpha|/4 <= 1/2: p (dy scale alpha/4) cannot overflow
    // (with alpha/2, as fast::elu has it, it did at dy = FLT_MAX); the 4 and 2^floor(n) go
    // last in one scalef.
    const ExpLutF<D> el = ExpLut32(d, hn::Max(hn::Set(d, -200.0f), hn::Min(x, zero)));
    const Vec<D> ad = hn::Mul(dy, hn::Set(d, static_cast<float>(0.25 * sa)));
    const Vec<D> neg = ScaleF(hn::Mul(ExpLutPoly(d, el), ad), hn::Add(el.n, hn::Set(d, 2.0f)));
    return hn::IfThenElse(hn::Gt(x, zero), pos, neg);
#else
    const Vec<D> z = hn::Min(x, zero);
    const Vec<D> vsa = hn::Set(d, static_cast<float>(sa));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          // e^x normal and at most 1: e^x dy cannot overflow, then scale alpha.
          const Vec<D> neg = hn::Mul(hn::Mul(FastExp(d, z), dy), vsa);
          return hn::IfThenElse(hn::Gt(x, zero), pos, neg);
        },
        [&]() HWY_ATTR {
          const Vec<D> t = hn::Min(hn::Max(x, hn::Set(d, -200.0f)), zero);
          const ExpSplitF<D> e = FastExpSplit(d, t, zero);
          const Scale3F<D> s = SplitScale3(d, e.n);
          const Vec<D> g = hn::Mul(hn::Mul(e.p, s.s1), vsa);
          const Vec<D> neg = hn::Mul(hn::Mul(hn::Mul(g, dy), s.s2), s.s3);
          return hn::IfThenElse(hn::Gt(x, zero), pos, neg);
        });
#endif
  }
};
