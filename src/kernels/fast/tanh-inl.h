// tanh, fast (Accuracy::fast).
struct tanh {
  // On x86, a NaN x stays NaN through the clamp (Min and Max return their second operand, x,
  // on a NaN) with its payload, and every NaN made of it is its quiet form (its sign too: AVX-512
  // takes none from elsewhere, the other targets put it back by CopySign): the kernel keeps NaN.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // 2^(-j/32) rounded (kExp2Table32[32 - j]/2), its bits less j 2^18: the magic sum of 2x/ln2
  // shifted left by 18 holds k 2^18, so one integer subtraction gives 2^(-k/32) for k = 32 f + j
  // (exact powers of two times the table's value; normal for |x| <= 9.1).
  struct NegExp2Bits {
    alignas(64) int32_t v[32];
  };
  static constexpr NegExp2Bits kNegExp2Bits = [] {
    NegExp2Bits b{};
    for (int j = 0; j < 32; ++j) {
      const float t = j == 0 ? 1.0f : kExp2Table32[32 - j] * 0.5f;
      b.v[j] = std::bit_cast<int32_t>(t) + j * (1 << 18);
    }
    return b;
  }();
  // The table's rounding: e^-2x = 2^-f kNegExp2[j] e^(c_j - 2u), c_j = ln(2^(i/32)/
  // kExp2Table32[i]) for i = 32 - j (|c_j| < 2^-25). Entry 0 is -0: see ForwardN.
  struct NegExp2Ln {
    alignas(64) float v[32];
  };
  static constexpr NegExp2Ln kNegExp2Ln = [] {
    NegExp2Ln c{};
    c.v[0] = -0.0f;
    for (int j = 1; j < 32; ++j) c.v[j] = kExp2Table32Ln.v[32 - j];
    return c;
  }();

  // AVX-512: tanh x = m/(-2 - m), m = e^-2x - 1, on the signed x clamped to [-9.1, 9.1] (past
  // 9.1 tanh rounds to +-1): no absolute value, no -2x and no sign put back, 16 operations a
  // vector where -2|x|, CopySign and the table's correction as a separate sum took 19.
  // e^-2x = 2^(-k/32) e^(c - 2u), k = round(64 x/ln2) (the magic sum), u = x - (k/32) ln2/2
  // (|u| <= ln2/128), s = 2^(-k/32) as the table gives it, c its rounding (kNegExp2Ln);
  // e^(c - 2u) - 1 = q = c + u (-2 + u (4 c2 - 8 u/6)), Chebyshev c2 as in Expm1Lut32N
  // (relative error 2^-26 on the interval), less the product 2 c (e^-2u - 1), under 2^-31.5:
  // 0.35 ULP of the least m it meets (k = 1) at most, and none where k = 0 (c = 0). Then m =
  // s q - (1 - s) in one FMA (1 - s exact for s in [1/2, 2]; for s > 2, x < -0.34, m's relative
  // rounding moves the quotient by 2/m of it; for s < 1/2 it is under half an ULP of m). Where
  // k = 0, m is q itself: no cancellation near 0. Zeros: u = -(0 ln2/2) + x is x, c = -0 where
  // k = 0, so q = (-2 u) + -0 and m = q - (+0) are zeros of the sign of -x, and m/(-2 - m) one of
  // x's. For x < 0, m is up to e^18.2 (no overflow) and -2 - m rounds to -m past 2^25: the
  // quotient is -1, as tanh.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const __m512i lo = _mm512_load_si512(kNegExp2Bits.v);
    const __m512i hi = _mm512_load_si512(kNegExp2Bits.v + 16);
    const __m512 clo = _mm512_load_ps(kNegExp2Ln.v), chi = _mm512_load_ps(kNegExp2Ln.v + 16);
    const Vec<D> magic = hn::Set(d, 0x1.8p18f);
    Vec<D> x[K], vn[K], s[K], c[K], q[K];
    // Min and Max return their second operand, x, on a NaN: a NaN x reaches every later step
    // as itself (vrangeps, one operation for the two, gives the bound there instead).
    for (size_t k = 0; k < K; ++k) {
      x[k] = hn::Max(hn::Set(d, -9.1f), hn::Min(hn::Set(d, 9.1f), v[k]));
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(x[k], hn::Set(d, 0x1.715476p+1f), magic);
    for (size_t k = 0; k < K; ++k) {
      const __m512i vi = _mm512_castps_si512(vn[k].raw);
      s[k] = Vec<D>{_mm512_castsi512_ps(
          _mm512_sub_epi32(_mm512_permutex2var_epi32(lo, vi, hi), _mm512_slli_epi32(vi, 18)))};
      c[k] = Vec<D>{_mm512_permutex2var_ps(clo, vi, chi)};
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
    // ln2/2 in one float (0x1.62e430p-2, 2^-28.4 relative off): e^-2x moves by 2^-27.4 |k/32|
    // relative at most, which for x > 0 is under 0.02 ULP of m and for x < 0 is divided by m.
    for (size_t k = 0; k < K; ++k) {
      x[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-2f), x[k]);
    }
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::MulAdd(x[k], hn::Set(d, -0x1.555556p+0f), hn::Set(d, 0x1.00007ap+1f));
    }
    for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], x[k], hn::Set(d, -2.0f));
    for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], x[k], c[k]);
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::MulSub(s[k], q[k], hn::Sub(hn::Set(d, 1.0f), s[k]));
    }
    for (size_t k = 0; k < K; ++k) v[k] = hn::Div(q[k], hn::Sub(hn::Set(d, -2.0f), q[k]));
  }
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // AVX2: the AVX-512 loop's method with 8-entry tables (one vpermd and one vpermps where a
  // 32-entry table takes several permutes and blends) and a polynomial one degree longer: 18
  // operations a vector, 7 of them FMA-class, where FastExpm1N's way took 20 with 11 (on this
  // Zen 5 host the FMA pipes are what the loop waits on). 2^(-j/8) rounded, its bits plus
  // j 2^20: the magic sum of 16 x/ln2 shifted left by 20 holds k 2^20, so one integer
  // subtraction gives 2^(-k/8) for k = 8 f + j (normal for |x| <= 9.1).
  struct NegExp2Bits8 {
    alignas(32) int32_t v[8];
  };
  static constexpr NegExp2Bits8 kNegExp2Bits8 = [] {
    constexpr float t[8] = {0x1p+0f,        0x1.d5818ep-1f, 0x1.ae89fap-1f, 0x1.8ace54p-1f,
                            0x1.6a09e6p-1f, 0x1.4bfdaep-1f, 0x1.306fep-1f,  0x1.172b84p-1f};
    NegExp2Bits8 b{};
    for (int j = 0; j < 8; ++j) b.v[j] = std::bit_cast<int32_t>(t[j]) + j * (1 << 20);
    return b;
  }();
  // ln(2^(-j/8)/t[j]), the table's rounding; entry 0 is -0, as kNegExp2Ln's.
  alignas(32) static constexpr float kNegExp2Ln8[8] = {
      -0x0p+0f,        -0x1.a5217cp-28f, -0x1.f9c306p-27f, 0x1.67a1cap-28f,
      0x1.26055cp-26f, -0x1.0a3552p-25f, 0x1.125002p-25f,  -0x1.9c0c22p-27f};
  // tanh x = m/(-2 - m), m = e^-2x - 1, on x clamped to [-9.1, 9.1]: k = round(16 x/ln2), u =
  // x - (k/8) ln2/2 (|u| <= ln2/32), s = 2^(-k/8) from the table, c its rounding, q = e^(c - 2u)
  // - 1 = c + u (-2 + u (4 b2 + u (-8 b3 + 16 b4 u))), b2..b4 Expm1Lut8N's (relative error
  // 2^-27.4 for e^w - 1 on |w| <= ln2/16; the product c (e^-2u - 1) left out is under 2^-29.4),
  // m = s q - (1 - s) in one FMA. Zeros, the sign of the result, the clamp and NaN as in the
  // AVX-512 loop (where k = 0, c = -0 and m is q itself: no cancellation near 0).
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    const __m256i tab = _mm256_load_si256(reinterpret_cast<const __m256i*>(kNegExp2Bits8.v));
    const __m256 cln = _mm256_load_ps(kNegExp2Ln8);
    const Vec<D> magic = hn::Set(d, 0x1.8p23f);
    Vec<D> x[K], vn[K], s[K], c[K], q[K];
    for (size_t k = 0; k < K; ++k) {
      x[k] = hn::Max(hn::Set(d, -9.1f), hn::Min(hn::Set(d, 9.1f), v[k]));
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(x[k], hn::Set(d, 0x1.715476p+4f), magic);
    for (size_t k = 0; k < K; ++k) {
      const __m256i vi = _mm256_castps_si256(vn[k].raw);
      s[k] = Vec<D>{_mm256_castsi256_ps(
          _mm256_sub_epi32(_mm256_permutevar8x32_epi32(tab, vi), _mm256_slli_epi32(vi, 20)))};
      c[k] = Vec<D>{_mm256_permutevar8x32_ps(cln, vi)};
    }
    for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
    for (size_t k = 0; k < K; ++k) x[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e43p-5f), x[k]);
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::MulAdd(x[k], hn::Set(d, 0x1.555d38p-1f), hn::Set(d, -0x1.555c44p+0f));
    }
    for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], x[k], hn::Set(d, 2.0f));
    for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], x[k], hn::Set(d, -2.0f));
    for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], x[k], c[k]);
    for (size_t k = 0; k < K; ++k) {
      q[k] = hn::MulSub(s[k], q[k], hn::Sub(hn::Set(d, 1.0f), s[k]));
    }
    for (size_t k = 0; k < K; ++k) v[k] = hn::Div(q[k], hn::Sub(hn::Set(d, -2.0f), q[k]));
  }
#else
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    // tanh|x| = -m/(2 + m), m = e^-2|x| - 1 from FastExpm1 (relative error near 0 as good as
    // far from it, so one formula serves every |x|): the quotient of two terms with small
    // errors. |x| is clamped at 9.1, past which tanh rounds to 1; -2|x| is exact.
    Vec<D> m[K];
    for (size_t k = 0; k < K; ++k) {
      m[k] = hn::Mul(hn::Min(hn::Set(d, 9.1f), hn::Abs(v[k])), hn::Set(d, -2.0f));
    }
    FastExpm1N<K>(d, m);
    for (size_t k = 0; k < K; ++k) {
      v[k] = hn::CopySign(hn::Div(m[k], hn::Sub(hn::Set(d, -2.0f), m[k])), v[k]);
    }
  }
#endif
  // 1 - tanh^2 x = 4 sigmoid'(2x).
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope<true>(d, hn::Add(x, x), dy);
  }
};
