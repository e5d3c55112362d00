// Float32-lane primitives, for float32 arrays on targets with FMA (AVX2, AVX-512). Included
// after math-inl.h, twice per SIMD target (namespaces kernels::f64 and kernels::f32), by each
// operation's unit (src/simd/op_unit-inl.h); only kernels that declare kFloatLanes use them,
// and only through kernels::f32 (ComputeTag in src/simd/op_unit-inl.h).
//
// Why float pairs: a float32 result within 1 ULP, and correctly rounded in all but a few cases
// in ten thousand, needs the value before its one rounding to about 2^-35 relative, eleven bits
// more than a float holds. Only the steps whose rounding would show carry a second float (the
// reduced argument, the square of it, 2^(j/8), the sum 1 + e, the quotient); everything below
// 2^-16 of the result is evaluated in plain float. Every error-free step relies on FMA, which
// is why SSE4 and the scalar target keep the double lanes.
//
// Rare lanes: each primitive is valid on a stated range. Kernels test the whole vector once
// (one compare and one mask test); in a vector with any lane outside (tails whose result is
// subnormal, huge arguments, infinities, NaN), those lanes take the double-lane kernel's result
// (PatchLanes), so tails keep the accuracy of the double path and each result depends on its
// own input alone.

// True for float32 lanes: a kernel's float-lane overload.
template <class D>
inline constexpr bool kIsF32Lanes = std::is_same_v<hn::TFromD<D>, float>;

// Where the float-pair formula of a kernel direction measured slower than the double lanes on
// AVX2 (16 registers: the pairs spill), that direction keeps the double lanes there, behind
// OnDoubleLanes: kFloatPairsPay is false on AVX2.
inline constexpr bool kFloatPairsPay = HWY_TARGET <= HWY_AVX3;

// f(dd, x) on the two halves of x promoted to double, demoted back (one rounding of a double
// result). The slow path of the float-lane kernels. UpperHalf and Combine are found by
// argument-dependent lookup: the scalar target, which never instantiates this, lacks them.
template <class DF, class F>
HWY_NOINLINE Vec<DF> OnDoubleLanes(DF df, Vec<DF> x, F f) {
  const hn::Half<DF> dh;
  const hn::Rebind<double, decltype(dh)> dd;
  const auto lo = f(dd, hn::PromoteTo(dd, hn::LowerHalf(dh, x)));
  const auto hi = f(dd, hn::PromoteTo(dd, UpperHalf(dh, x)));
  return Combine(df, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
}

// The same for a function of two vectors (x, dy).
template <class DF, class F>
HWY_NOINLINE Vec<DF> OnDoubleLanes2(DF df, Vec<DF> x, Vec<DF> g, F f) {
  const hn::Half<DF> dh;
  const hn::Rebind<double, decltype(dh)> dd;
  const auto lo =
      f(dd, hn::PromoteTo(dd, hn::LowerHalf(dh, x)), hn::PromoteTo(dd, hn::LowerHalf(dh, g)));
  const auto hi = f(dd, hn::PromoteTo(dd, UpperHalf(dh, x)), hn::PromoteTo(dd, UpperHalf(dh, g)));
  return Combine(df, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
}

// A float-lane result y whose lanes outside `ok` are replaced by the double-lane result f gives
// there: every lane's result depends on its own input alone, not on the others in its vector (so
// results do not change with how an array is split across threads or where it starts). The
// common case, every lane in range, pays one mask test.
template <class DF, class F>
HWY_INLINE Vec<DF> PatchLanes(DF df, hn::Mask<DF> ok, Vec<DF> y, Vec<DF> x, F f) {
  if (HWY_LIKELY(hn::AllTrue(df, ok))) return y;
  return hn::IfThenElse(ok, y, OnDoubleLanes(df, x, f));
}
// PatchLanes for kK vectors at once (a kernel's ForwardN): v[k] in is x, out the result; one
// mask test for the kK vectors in the common case.
template <size_t kK, class DF, class F>
HWY_INLINE void PatchLanesN(DF df, const hn::Mask<DF> (&ok)[kK], const Vec<DF> (&y)[kK],
                            Vec<DF> (&v)[kK], F f) {
  auto all = ok[0];
  for (size_t k = 1; k < kK; ++k) all = hn::And(all, ok[k]);
  if (HWY_LIKELY(hn::AllTrue(df, all))) {
    for (size_t k = 0; k < kK; ++k) v[k] = y[k];
    return;
  }
  for (size_t k = 0; k < kK; ++k) v[k] = PatchLanes(df, ok[k], y[k], v[k], f);
}
template <class DF, class F>
HWY_INLINE Vec<DF> PatchLanes2(DF df, hn::Mask<DF> ok, Vec<DF> y, Vec<DF> x, Vec<DF> g, F f) {
  if (HWY_LIKELY(hn::AllTrue(df, ok))) return y;
  return hn::IfThenElse(ok, y, OnDoubleLanes2(df, x, g, f));
}
// PatchLanes2 for kK vectors at once (a kernel's BackwardN): g[k] in is dy, out the result; one
// mask test for the kK vectors in the common case.
template <size_t kK, class DF, class F>
HWY_INLINE void PatchLanes2N(DF df, const hn::Mask<DF> (&ok)[kK], const Vec<DF> (&y)[kK],
                             const Vec<DF> (&x)[kK], Vec<DF> (&g)[kK], F f) {
  auto all = ok[0];
  for (size_t k = 1; k < kK; ++k) all = hn::And(all, ok[k]);
  if (HWY_LIKELY(hn::AllTrue(df, all))) {
    for (size_t k = 0; k < kK; ++k) g[k] = y[k];
    return;
  }
  for (size_t k = 0; k < kK; ++k) g[k] = PatchLanes2(df, ok[k], y[k], x[k], g[k], f);
}

template <class D>
struct PairF {
  Vec<D> hi;
  Vec<D> lo;
};

// a + b = hi + lo exactly, any magnitudes (Knuth).
template <class D>
HWY_INLINE PairF<D> TwoSumF(Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  const Vec<D> bb = hn::Sub(s, a);
  return {s, hn::Add(hn::Sub(a, hn::Sub(s, bb)), hn::Sub(b, bb))};
}

// a + b = hi + lo exactly where |a| >= |b| (Dekker).
template <class D>
HWY_INLINE PairF<D> FastTwoSumF(Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  return {s, hn::Sub(b, hn::Sub(s, a))};
}

// a b = hi + lo exactly (FMA), barring underflow of lo.
template <class D>
HWY_INLINE PairF<D> TwoProdF(Vec<D> a, Vec<D> b) {
  const Vec<D> p = hn::Mul(a, b);
  return {p, hn::MulSub(a, b, p)};
}

// e^(th + tl) = scale (m.hi + m.lo), with scale = 2^n exact and m in [0.97, 1.98].
// Contract: th in [-86, 86] (|k| < 2^11 below, n in [-125, 124]: scale a normal float),
// |tl| <= 2^-17; m within 2^-36 relative of e^(th+tl) 2^-n. Finite inputs only: the callers'
// range test keeps NaN and infinities out.
//
// Method: k = round(16 t/ln2), t = k ln2/16 + s with |s| <= 0.0217; e^t = 2^(k>>4)
// 2^((k&15)/16) e^s. ln2/16 is split in three: a 13-bit head and an 11-bit middle on the grid
// of 2^-29, so that k times each is exact and so are both differences (|s| < 2^-5 and every
// term a multiple of 2^-29 fit 24 bits), and a float tail whose product with k (< 2^-22)
// goes into the low part s_lo with tl. Hence s.hi is exact and no two-sum is needed.
// e^s = 1 + s.hi + w with w = s.hi^2 (1/2 + s/6 + s^2/24 + s^3/120) + s_lo (1 + s.hi): w is
// below 2^-11, so plain float costs 2^-35 at most. 2^(j/16) as hi + lo from a 16-entry table
// (one vpermps each on AVX-512; two and a blend on AVX2, no gather), and 2^(j/16) (1 + s.hi)
// is the one product carried exactly.
template <class D>
struct ExpF {
  PairF<D> m;
  Vec<D> scale;
};

// The pieces of e^(th + tl) = scale (thi + tlo) (1 + sh + w), see ExpPairF.
template <class D>
struct ExpCoreF {
  Vec<D> scale, thi, tlo, sh, sl;
};

// The tables halved, for ExpReduceF<true>.
template <size_t N>
constexpr std::array<float, N> HalvedF(const float (&t)[N]) {
  std::array<float, N> h{};
  for (size_t i = 0; i < N; ++i) h[i] = t[i] * 0.5f;
  return h;
}

// table[j] for j the low 4 bits of zi (the other bits are ignored). AVX2: vpermps reads only
// the low 3 bits of each index, so the two halves are looked up with zi itself, and bit 3 of j,
// shifted into the sign, picks between them (blendvps reads only the sign): a shift where
// Table16 masks j twice and builds a mask (compare, negation, conversion). sigmoid's AVX2 loop:
// 168 instructions for two vectors instead of 172. Elsewhere Table16 on j.
template <class D>
HWY_INLINE Vec<D> Table16F(D d, const float* table, hn::Vec<hn::RebindToSigned<D>> zi) {
#if HWY_TARGET == HWY_AVX2
  if constexpr (hn::MaxLanes(D()) == 8) {
    const Vec<D> lo{_mm256_permutevar8x32_ps(hn::Load(d, table).raw, zi.raw)};
    const Vec<D> hi{_mm256_permutevar8x32_ps(hn::Load(d, table + 8).raw, zi.raw)};
    return hn::IfNegativeThenElse(hn::BitCast(d, hn::ShiftLeft<28>(zi)), hi, lo);
  }
#endif
  const hn::RebindToSigned<D> di;
  return Table16(d, table, hn::And(zi, hn::Set(di, 15)));
}

// AVX2's 8-lane forward passes may take eighths of an octave instead of sixteenths (kEighths in
// ExpReduceF and its callers): k = round(8 t/ln2), 2^(j/8) the even entries of the table, so
// that each half of the table is one vpermps and no blend (Table16F's two lookups and blend
// were 8 of the sigmoid loop's 84 operations a vector). |s| doubles to ln2/16 (0.0434): the
// reduction stays exact (the three parts of ln2/8 are those of ln2/16 doubled; |s| < 2^-4 on
// the grid of 2^-28), e^s takes one more term (s^6/720, so that the first term left out stays
// near 2^-44), and w below 2^-10 costs 2^-34 at most in plain float (2^-35 with sixteenths).
// Opt-in per caller, as it changes results: AVX-512 (one vpermps for 16 entries) and the other
// callers keep sixteenths. Taken by the forward passes of sigmoid, silu, quick_gelu (their loops
// 168 -> 154, 216 -> 198 instructions for two vectors) and elu: AVX2 forward 1.02x faster for
// sigmoid, silu within noise, elu 1.13x (0.685 -> 0.608 ns at 4096, with two products of zero
// dropped from its ForwardN; CPU time, alternated, loaded host). Exhaustive AVX2 forward, all
// within 1 ULP: sigmoid max 0.5041 ULP (48192 results above 0.5, from 26952), silu 0.5038 (52040,
// from 30857), elu 0.5007 (2427, from 695).
template <bool kEighths, class D>
inline constexpr bool kExpEighthsF = (kEighths && HWY_TARGET == HWY_AVX2 && hn::MaxLanes(D()) == 8);

// kHalf: thi, tlo halved and the scale doubled (exact both), for callers that multiply the
// mantissa by a factor as large as a float allows (dy) and apply the scale last.
template <bool kHalf = false, bool kEighths = false, class D>
HWY_INLINE ExpCoreF<D> ExpReduceF(D d, Vec<D> th, Vec<D> tl) {
  const hn::RebindToSigned<D> di;
  using VI = hn::Vec<decltype(di)>;
  HWY_ALIGN static constexpr float kTableHi[16] = {
      0x1.000000p+0f, 0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f,
      0x1.306fe0p+0f, 0x1.3dea64p+0f, 0x1.4bfdaep+0f, 0x1.5ab07ep+0f,
      0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
      0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f};
  HWY_ALIGN static constexpr float kTableLo[16] = {0.0f,
                                                   0x1.9f3122p-25f,
                                                   -0x1.c15742p-27f,
                                                   0x1.ceac48p-25f,
                                                   0x1.4636e2p-25f,
                                                   0x1.824684p-25f,
                                                   -0x1.593abcp-25f,
                                                   -0x1.5bd5ecp-27f,
                                                   0x1.9fcef4p-26f,
                                                   -0x1.829fd0p-25f,
                                                   0x1.15506ep-27f,
                                                   0x1.51f848p-27f,
                                                   -0x1.a94b14p-26f,
                                                   -0x1.3d56b2p-27f,
                                                   -0x1.822dbcp-27f,
                                                   0x1.52486cp-27f};
  const Vec<D> magic = hn::Set(d, 0x1.8p23f);
#if HWY_TARGET == HWY_AVX2
  if constexpr (kExpEighthsF<kEighths, D>) {
    static_assert(!kHalf, "eighths for the forward primitives only");
    HWY_ALIGN static constexpr float kEighthHi[8] = {kTableHi[0],  kTableHi[2], kTableHi[4],
                                                     kTableHi[6],  kTableHi[8], kTableHi[10],
                                                     kTableHi[12], kTableHi[14]};
    HWY_ALIGN static constexpr float kEighthLo[8] = {kTableLo[0],  kTableLo[2], kTableLo[4],
                                                     kTableLo[6],  kTableLo[8], kTableLo[10],
                                                     kTableLo[12], kTableLo[14]};
    const Vec<D> z = hn::MulAdd(th, hn::Set(d, 0x1.715476p+3f), magic);
    const Vec<D> k = hn::Sub(z, magic);
    const VI zi = hn::BitCast(di, z);
    // 2^(k>>3); j = k & 7, the bits vpermps reads.
    const VI e2 = hn::And(hn::ShiftLeft<20>(zi), hn::Set(di, static_cast<int32_t>(0xFF800000u)));
    ExpCoreF<D> out;
    out.scale = hn::BitCast(d, hn::Add(e2, hn::Set(di, 127 << 23)));
    out.thi = Vec<D>{_mm256_permutevar8x32_ps(hn::Load(d, kEighthHi).raw, zi.raw)};
    out.tlo = Vec<D>{_mm256_permutevar8x32_ps(hn::Load(d, kEighthLo).raw, zi.raw)};
    const Vec<D> r1 = hn::NegMulAdd(k, hn::Set(d, 0x1.62ep-4f), th);  // exact
    out.sh = hn::NegMulAdd(k, hn::Set(d, 0x1.0cp-18f), r1);           // exact
    out.sl = hn::NegMulAdd(k, hn::Set(d, -0x1.05c61p-32f), tl);
    return out;
  }
#endif
  // k in the low mantissa bits of z: z = 1.5 2^23 + k.
  const Vec<D> z = hn::MulAdd(th, hn::Set(d, 0x1.715476p+4f), magic);
  const Vec<D> k = hn::Sub(z, magic);
  const VI zi = hn::BitCast(di, z);
  // 2^(k>>4): the low bits of z shifted up into the exponent field (the bias bits of z shift
  // out), the fraction bits cleared.
  const VI e2 = hn::And(hn::ShiftLeft<19>(zi), hn::Set(di, static_cast<int32_t>(0xFF800000u)));
  ExpCoreF<D> out;
  out.scale = hn::BitCast(d, hn::Add(e2, hn::Set(di, (kHalf ? 128 : 127) << 23)));
  if constexpr (kHalf) {
    alignas(64) static constexpr std::array<float, 16> kHalfHi = HalvedF(kTableHi);
    alignas(64) static constexpr std::array<float, 16> kHalfLo = HalvedF(kTableLo);
    out.thi = Table16F(d, kHalfHi.data(), zi);
    out.tlo = Table16F(d, kHalfLo.data(), zi);
  } else {
    out.thi = Table16F(d, kTableHi, zi);
    out.tlo = Table16F(d, kTableLo, zi);
  }

  const Vec<D> r1 = hn::NegMulAdd(k, hn::Set(d, 0x1.62ep-5f), th);  // exact
  out.sh = hn::NegMulAdd(k, hn::Set(d, 0x1.0cp-19f), r1);           // exact
  out.sl = hn::NegMulAdd(k, hn::Set(d, -0x1.05c61p-33f), tl);
  return out;
}

// The ...N forms take kK vectors at once, each step for all kK before the next: a kernel's
// ForwardN (src/simd/op_unit-inl.h's ForwardT) gives the out-of-order core independent work
// next to each latency. Same arithmetic as the one-vector forms, which are their kK = 1.
template <size_t kK, bool kEighths = false, class D>
HWY_INLINE void ExpPairFN(D d, const Vec<D> (&th)[kK], const Vec<D> (&tl)[kK], ExpF<D> (&out)[kK]) {
  ExpCoreF<D> c[kK];
  for (size_t k = 0; k < kK; ++k) c[k] = ExpReduceF<false, kEighths>(d, th[k], tl[k]);
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> sh = c[k].sh, sl = c[k].sl, thi = c[k].thi, tlo = c[k].tlo;
    out[k].scale = c[k].scale;

    const Vec<D> sq = hn::Mul(sh, sh);
    Vec<D> q = hn::MulAdd(sh, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24));
    if constexpr (kExpEighthsF<kEighths, D>) {
      q = hn::MulAdd(sh, hn::MulAdd(sh, hn::Set(d, 1.0f / 720), hn::Set(d, 1.0f / 120)),
                     hn::Set(d, 1.0f / 24));
    }
    q = hn::MulAdd(sh, q, hn::Set(d, 1.0f / 6));
    Vec<D> half = hn::Set(d, 0.5f);
    // With eighths s is twice as large and the dropped sl s^2/2 four times: with an argument
    // that has a low part (quick_gelu's 1.702 x: sl near 2^-17) it reached 0.556 ULP; kept
    // here, off the critical path.
    if constexpr (kExpEighthsF<kEighths, D>) half = hn::MulAdd(sl, half, half);
    q = hn::MulAdd(sh, q, half);
    const Vec<D> w = hn::MulAdd(sq, q, hn::MulAdd(sl, sh, sl));

    // m = (thi + tlo)(1 + sh + w), thi sh exact.
    const PairF<D> u = TwoProdF<D>(thi, sh);
    const PairF<D> m = FastTwoSumF<D>(thi, u.hi);
    const Vec<D> m_lo = hn::Add(hn::Add(m.lo, u.lo), hn::MulAdd(thi, w, hn::MulAdd(tlo, sh, tlo)));
    out[k].m = {m.hi, m_lo};
  }
}
template <class D>
HWY_INLINE ExpF<D> ExpPairF(D d, Vec<D> th, Vec<D> tl) {
  const Vec<D> thv[1] = {th}, tlv[1] = {tl};
  ExpF<D> out[1];
  ExpPairFN<1>(d, thv, tlv, out);
  return out[0];
}

// e^t = scale m with m rounded once, for the backward passes: their bound (docs/SPEC.md, 2 ULP
// of dy f'(x)) leaves room for one rounded factor beside the last rounding, and a factor e^t
// whose one rounding is its only error costs 1 ULP of the result at most (or less: the
// callers' sensitivity to e is at most 1). m is left unscaled, so that the products it enters
// stay normal and the scale (exact) goes last. m is halved and the scale doubled
// (ExpReduceF<true>), so that a product of m and any float (dy) overflows only where that float
// times 2 would. Contract: t in [-86, 86] (scale a normal float, as ExpReduceF), |tl| <= 2^-17 (the
// low part of a computed argument, or 0); m in [0.48, 0.99] within 2^-24 (its rounding) + 2^-28
// relative of e^(t + tl) / scale. Lanes outside the range give garbage but no trap: callers
// that replace those lanes (PatchLanes) need not clamp.
// Method: ExpReduceF's reduction and table, e^s - 1 = s + s^2 (1/2 + s/6 + s^2/24) (the s^5
// term is below 2^-34 for |s| <= ln2/32), m = thi + (thi p + tlo): the sum below 0.045 of m
// rounds twice at 2^-24 of itself, and only thi + that sum is rounded at m's precision. Two
// FMA fewer than ExpPairF's head and low part, and no pair downstream.
template <class D>
struct ExpRoundF {
  Vec<D> m;
  Vec<D> scale;
};
// The ...N forms of the backward primitives, as ExpPairFN: kK vectors at once, each step for all
// kK before the next (a kernel's BackwardN, op_unit-inl.h's BackwardT); the one-vector forms are
// their kK = 1.
template <size_t kK, class D>
HWY_INLINE void ExpRoundedFN(D d, const Vec<D> (&t)[kK], const Vec<D> (&tl)[kK],
                             ExpRoundF<D> (&out)[kK]) {
  ExpCoreF<D> c[kK];
  for (size_t k = 0; k < kK; ++k) c[k] = ExpReduceF<true>(d, t[k], tl[k]);
  for (size_t k = 0; k < kK; ++k) {
    Vec<D> q = hn::MulAdd(c[k].sh, hn::Set(d, 1.0f / 24), hn::Set(d, 1.0f / 6));
    q = hn::MulAdd(c[k].sh, q, hn::Set(d, 0.5f));
    const Vec<D> p = hn::Add(c[k].sh, hn::MulAdd(hn::Mul(c[k].sh, c[k].sh), q, c[k].sl));
    out[k] = {hn::Add(c[k].thi, hn::MulAdd(c[k].thi, p, c[k].tlo)), c[k].scale};
  }
}
template <class D>
HWY_INLINE ExpRoundF<D> ExpRoundedF(D d, Vec<D> t, Vec<D> tl) {
  const Vec<D> tv[1] = {t}, tlv[1] = {tl};
  ExpRoundF<D> out[1];
  ExpRoundedFN<1>(d, tv, tlv, out);
  return out[0];
}

// 1/q for q = qh + ql (qh in [1, 2], |ql| <= 2^-23 qh) as y0 (1 + s): y0 the hardware
// estimate, rho = 1 - y0 q, s = rho + rho^2 (+ rho^3 with AVX2's 12-bit rcpps), below 2^-40
// of 1/q from the series' next term.
template <class D>
struct RecipSeriesF {
  Vec<D> y0;
  Vec<D> rho;
  Vec<D> s;
};
template <class D>
HWY_INLINE RecipSeriesF<D> RecipSeriesOfF(D d, PairF<D> q) {
  RecipSeriesF<D> r;
  r.y0 = hn::ApproximateReciprocal(q.hi);
  r.rho = hn::NegMulAdd(r.y0, q.lo, hn::NegMulAdd(r.y0, q.hi, hn::Set(d, 1.0f)));
  r.s = hn::MulAdd(r.rho, r.rho, r.rho);
  if constexpr (hn::MaxLanes(D()) < 16) r.s = hn::MulAdd(r.rho, r.s, r.rho);
  return r;
}

// The backward passes of the sigmoid family within their bound (2 ULP of the result, docs/
// SPEC.md), from e = e^-|t| rounded once (ExpRoundedF) and everything after it exact or
// below 2^-26 of the result before the last rounding: at most 1 ULP from e (the results'
// sensitivity to e is at most 1), 1/2 from the last rounding. e's m comes halved, and the 2
// goes back with the scale at the end, so that no intermediate overflows where the result
// does not. Contract: |t| <= 86, |tl| <= 2^-17 (other lanes give garbage, for PatchLanes).

// a sigmoid(t + tl): for t >= 0 a/q, for t < 0 a e/q, q = 1 + e.
// kLowZero: tl is 0 (the same results, its steps left out). kDivide (AVX2): b/q as the
// correctly rounded b.hi / q.hi plus its residual (exact by FMA, with b.lo and q.lo) times the
// unrefined rcpps (2^-12): within 2^-35 before the last rounding, four operations fewer than
// the series of 1/q and the product with it.
template <size_t kK, bool kLowZero = false, bool kDivide = false, class D>
HWY_INLINE void MulSigmoidRoundedFN(D d, const Vec<D> (&a)[kK], const Vec<D> (&t)[kK],
                                    const Vec<D> (&tl)[kK], Vec<D> (&out)[kK]) {
  hn::Mask<D> neg[kK];
  Vec<D> et[kK], etl[kK];
  for (size_t k = 0; k < kK; ++k) {
    neg[k] = hn::Lt(t[k], hn::Zero(d));
    // e^-|t|: for t >= 0 the low part changes sign with the head.
    et[k] = hn::Neg(hn::Abs(t[k]));
    etl[k] = kLowZero ? hn::Zero(d) : hn::IfThenElse(neg[k], tl[k], hn::Neg(tl[k]));
  }
  ExpRoundF<D> e[kK];
  ExpRoundedFN<kK>(d, et, etl, e);
  PairF<D> b[kK];
  if constexpr (kDivide) {
    PairF<D> q[kK];
    for (size_t k = 0; k < kK; ++k) {
      q[k] = FastTwoSumF<D>(hn::Set(d, 1.0f), hn::Mul(e[k].m, e[k].scale));
      b[k] = TwoProdF<D>(a[k], hn::IfThenElse(neg[k], e[k].m, hn::Set(d, 0.5f)));
    }
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> y1 = hn::Div(b[k].hi, q[k].hi);
      const Vec<D> res =
          hn::Add(hn::NegMulAdd(y1, q[k].hi, b[k].hi), hn::NegMulAdd(y1, q[k].lo, b[k].lo));
      const Vec<D> y = hn::MulAdd(res, hn::ApproximateReciprocal(q[k].hi), y1);
      out[k] = hn::Mul(y, hn::IfThenElse(neg[k], e[k].scale, hn::Set(d, 2.0f)));
    }
    return;
  }
  RecipSeriesF<D> r[kK];
  for (size_t k = 0; k < kK; ++k) {
    const PairF<D> q = FastTwoSumF<D>(hn::Set(d, 1.0f), hn::Mul(e[k].m, e[k].scale));
    r[k] = RecipSeriesOfF(d, q);
    b[k] = TwoProdF<D>(a[k], hn::IfThenElse(neg[k], e[k].m, hn::Set(d, 0.5f)));
  }
  for (size_t k = 0; k < kK; ++k) {
    const PairF<D> c = TwoProdF<D>(b[k].hi, r[k].y0);
    const Vec<D> y = hn::Add(c.hi, hn::MulAdd(c.hi, r[k].s, hn::MulAdd(b[k].lo, r[k].y0, c.lo)));
    out[k] = hn::Mul(y, hn::IfThenElse(neg[k], e[k].scale, hn::Set(d, 2.0f)));
  }
}

// a sigmoid'(t) = a e/q^2 (kTimes4: 4 a sigmoid'(t), tanh's slope at t = 2x), tl = 0, as one
// corrected quotient: n = a m and Q = q^2 exact as pairs, y1 = n.hi r from the reciprocal
// estimate r of Q.hi (refined once on AVX2, whose rcpps has 12 bits), then y1 + (n - y1 Q) r,
// whose error is the square of y1's (2^-28 with AVX-512's rcp14) and whose residual
// n.hi - y1 Q.hi the FMA takes exactly enough (2^-38). Four FMA-class operations fewer than
// 1/q as a series and its square as a pair.
template <bool kTimes4 = false, size_t kK, class D>
HWY_INLINE void MulSigmoidSlopeRoundedFN(D d, const Vec<D> (&a)[kK], const Vec<D> (&t)[kK],
                                         Vec<D> (&out)[kK]) {
  Vec<D> et[kK], etl[kK];
  for (size_t k = 0; k < kK; ++k) {
    et[k] = hn::Neg(hn::Abs(t[k]));
    etl[k] = hn::Zero(d);
  }
  ExpRoundF<D> e[kK];
  ExpRoundedFN<kK>(d, et, etl, e);
  PairF<D> qq[kK], n[kK];
  Vec<D> qq_lo[kK], r[kK];
  for (size_t k = 0; k < kK; ++k) {
    const PairF<D> q = FastTwoSumF<D>(hn::Set(d, 1.0f), hn::Mul(e[k].m, e[k].scale));
    qq[k] = TwoProdF<D>(q.hi, q.hi);
    qq_lo[k] = hn::MulAdd(hn::Add(q.hi, q.hi), q.lo, qq[k].lo);
    n[k] = TwoProdF<D>(a[k], e[k].m);
    r[k] = hn::ApproximateReciprocal(qq[k].hi);
    if constexpr (hn::MaxLanes(D()) < 16) {
      r[k] = hn::MulAdd(r[k], hn::NegMulAdd(qq[k].hi, r[k], hn::Set(d, 1.0f)), r[k]);
    }
  }
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> y1 = hn::Mul(n[k].hi, r[k]);
    const Vec<D> res =
        hn::NegMulAdd(y1, qq_lo[k], hn::Add(hn::NegMulAdd(y1, qq[k].hi, n[k].hi), n[k].lo));
    const Vec<D> y = hn::MulAdd(res, r[k], y1);
    // The 4 joins the scale (at most 8), not y, which may be as large as dy.
    out[k] = hn::Mul(y, kTimes4 ? hn::Mul(e[k].scale, hn::Set(d, 4.0f)) : e[k].scale);
  }
}
template <bool kTimes4 = false, class D>
HWY_INLINE Vec<D> MulSigmoidSlopeRoundedF(D d, Vec<D> a, Vec<D> t) {
  const Vec<D> av[1] = {a}, tv[1] = {t};
  Vec<D> out[1];
  MulSigmoidSlopeRoundedFN<kTimes4, 1>(d, av, tv, out);
  return out[0];
}

// a (s + w s (1 - s)) with s = sigmoid(t), t = th + tl, w = wh + wl: the slope of x sigmoid(t(x))
// with w = x t'(x) (silu and quick_gelu: w = t = beta x; gelu_tanh: t = 2u), within the
// backward bound. With e = e^-|t| (ExpRoundedF: m halved, scale doubled) and q = 1 + e, the
// slope is A/q^2 with A = 1 + e (1 + w) for t >= 0 and A = e (1 + w + e) for t < 0, then the
// quotient as in MulSigmoidSlopeRoundedF.
// Error budget, in units of 2^-24 of the result (each costs at most that many ULP), against
// the allowance 2 ULP + 2^-24 |a x f''| (R units, R = |x f''/f'|); the callers give its sum:
// - e's one rounding (1.0625 relative) times the result's sensitivity to e, S = d ln f'/d ln e:
//   at most 1/2 for t >= 0; for t < 0 it tends to 1 in the tail (where R ~ |t|) and is large
//   only near the zero of 1 + w + e (silu: t = -1.28), where R is larger (both grow as its
//   inverse).
// - t >= 0: e (1 + w) rounded once (fma) before the exact 1 + it: at most 1/2 (e (1 + w) is at
//   most about 1 for these callers).
// - t < 0: 1 + wh is exact for wh <= -0.5 (Sterbenz, or |1 + wh| < |wh| on wh's grid) and off
//   by 2^-25 above; (1 + wh) + e as a fast two-sum is exact for wh <= -2 (|1 + wh| >= 1 > e)
//   and above -0.5 (same binade: e >= e^w there, as |w| >= |t|), and in between off by 2^-25
//   (the correction is exact by Sterbenz, its input rounded once): 2^-25 absolute in 1 + w + e
//   for w in (-2, 0), against 1 + w + e itself, whose zero R covers.
// - the rest (q, q^2, a A, the quotient's residual step) below 2^-27.
// A stays below 2.1 (t >= 0) and 1 + |w| (t < 0): callers bound |a| so that a A cannot
// overflow. The scale goes last (t < 0), so that a A does not underflow where the result is
// normal. Contract: |th| <= 86, |tl| <= 2^-17; other lanes give garbage, for PatchLanes.
// kLowZero: tl and wl are +0 (silu with beta = 1: t = w = x exactly), the same results with the
// steps that carry them left out.
template <size_t kK, bool kLowZero = false, class D>
HWY_INLINE void MulSiluSlopeRoundedFN(D d, const Vec<D> (&a)[kK], const Vec<D> (&th)[kK],
                                      const Vec<D> (&tl)[kK], const Vec<D> (&wh)[kK],
                                      const Vec<D> (&wl)[kK], Vec<D> (&out)[kK]) {
  const Vec<D> one = hn::Set(d, 1.0f);
  hn::Mask<D> neg[kK];
  Vec<D> et[kK], etl[kK];
  for (size_t k = 0; k < kK; ++k) {
    neg[k] = hn::Lt(th[k], hn::Zero(d));
    et[k] = hn::Neg(hn::Abs(th[k]));
    etl[k] = kLowZero ? hn::Zero(d) : hn::IfThenElse(neg[k], tl[k], hn::Neg(tl[k]));
  }
  ExpRoundF<D> e[kK];
  ExpRoundedFN<kK>(d, et, etl, e);
  PairF<D> qq[kK], n[kK];
  Vec<D> qq_lo[kK], r[kK];
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> eh = hn::Mul(e[k].m, e[k].scale);  // exact: normal for |t| <= 86
    const PairF<D> q = FastTwoSumF<D>(one, eh);
    qq[k] = TwoProdF<D>(q.hi, q.hi);
    qq_lo[k] = hn::MulAdd(hn::Add(q.hi, q.hi), q.lo, qq[k].lo);
    // t >= 0: 1 + e (1 + w).
    const PairF<D> ap = FastTwoSumF<D>(one, hn::MulAdd(eh, wh[k], eh));
    const Vec<D> ap_lo = kLowZero ? ap.lo : hn::MulAdd(eh, wl[k], ap.lo);
    // t < 0: m (1 + w + e), the scale applied last.
    const PairF<D> v = FastTwoSumF<D>(hn::Add(one, wh[k]), eh);
    const PairF<D> an = TwoProdF<D>(e[k].m, v.hi);
    const Vec<D> an_lo = hn::MulAdd(e[k].m, kLowZero ? v.lo : hn::Add(v.lo, wl[k]), an.lo);
    n[k] = TwoProdF<D>(a[k], hn::IfThenElse(neg[k], an.hi, ap.hi));
    n[k].lo = hn::MulAdd(a[k], hn::IfThenElse(neg[k], an_lo, ap_lo), n[k].lo);
    r[k] = hn::ApproximateReciprocal(qq[k].hi);
    if constexpr (hn::MaxLanes(D()) < 16) {
      r[k] = hn::MulAdd(r[k], hn::NegMulAdd(qq[k].hi, r[k], one), r[k]);
    }
  }
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> y1 = hn::Mul(n[k].hi, r[k]);
    const Vec<D> res =
        hn::NegMulAdd(y1, qq_lo[k], hn::Add(hn::NegMulAdd(y1, qq[k].hi, n[k].hi), n[k].lo));
    const Vec<D> y = hn::MulAdd(res, r[k], y1);
    out[k] = hn::Mul(y, hn::IfThenElse(neg[k], e[k].scale, one));
  }
}
template <class D>
HWY_INLINE Vec<D> MulSiluSlopeRoundedF(D d, Vec<D> a, Vec<D> th, Vec<D> tl, Vec<D> wh, Vec<D> wl) {
  const Vec<D> av[1] = {a}, thv[1] = {th}, tlv[1] = {tl}, whv[1] = {wh}, wlv[1] = {wl};
  Vec<D> out[1];
  MulSiluSlopeRoundedFN<1>(d, av, thv, tlv, whv, wlv, out);
  return out[0];
}

// The parts of sigmoid(t) for t = th + tl, with e = e^-|t| = scale m and q = 1 + e:
// for t >= 0 sigmoid(t) = 1/q and 1 - sigmoid(t) = scale m/q; for t < 0 the other way round.
// Contract: |th| <= 86 (so scale >= 2^-125 and every result below a normal float), |tl| <=
// 2^-17; 1/q within about 2^-36 relative.
template <class D>
struct SigmoidPartsF {
  ExpF<D> e;
  PairF<D> inv_q;   // 1/q
  hn::Mask<D> neg;  // t < 0
};

template <size_t kK, bool kEighths = false, class D>
HWY_INLINE void SigmoidPartsOfFN(D d, const Vec<D> (&th)[kK], const Vec<D> (&tl)[kK],
                                 SigmoidPartsF<D> (&s)[kK]) {
  Vec<D> ah[kK], al[kK];
  for (size_t k = 0; k < kK; ++k) {
    s[k].neg = hn::Lt(th[k], hn::Zero(d));
    // e^-|t|: for t >= 0 the low part changes sign with the head.
    ah[k] = hn::Neg(hn::Abs(th[k]));
    al[k] = hn::IfThenElse(s[k].neg, tl[k], hn::Neg(tl[k]));
  }
  ExpF<D> e[kK];
  ExpPairFN<kK, kEighths>(d, ah, al, e);
  const Vec<D> one = hn::Set(d, 1.0f);
  for (size_t k = 0; k < kK; ++k) {
    s[k].e = e[k];
    const Vec<D> eh = hn::Mul(e[k].m.hi, e[k].scale);
    const Vec<D> el = hn::Mul(e[k].m.lo, e[k].scale);  // may underflow, where 1 + e ignores it
    const PairF<D> q = FastTwoSumF<D>(one, eh);
    const Vec<D> q_lo = hn::Add(q.lo, el);
    // 1/q = y0 (1 + rho + rho^2 + ...) with rho = 1 - y0 q: from the approximate reciprocal
    // (2^-14 on AVX-512: the cubic term is below 2^-40; 2^-11.4 on AVX2, which takes the cubic
    // term too).
    const Vec<D> y0 = hn::ApproximateReciprocal(q.hi);
    const Vec<D> rho = hn::NegMulAdd(y0, q_lo, hn::NegMulAdd(y0, q.hi, one));
    Vec<D> series = hn::MulAdd(rho, rho, rho);
    if constexpr (hn::MaxLanes(D()) < 16) series = hn::MulAdd(rho, series, rho);  // AVX2: rcpps
    s[k].inv_q = {y0, hn::Mul(y0, series)};
  }
}
template <bool kEighths = false, class D>
HWY_INLINE SigmoidPartsF<D> SigmoidPartsOfF(D d, Vec<D> th, Vec<D> tl) {
  const Vec<D> thv[1] = {th}, tlv[1] = {tl};
  SigmoidPartsF<D> s[1];
  SigmoidPartsOfFN<1, kEighths>(d, thv, tlv, s);
  return s[0];
}

// a b rounded once: a.hi b.hi is exact inside the FMA. The pairs here are not renormalised
// (a low part reaches 2^-11 of its head: the reciprocal's correction, the terms of e^s), so
// the product of the low parts (up to 2^-22) is kept.
template <class D>
HWY_INLINE Vec<D> MulPairRoundF(PairF<D> a, PairF<D> b) {
  const Vec<D> cross = hn::MulAdd(a.hi, b.lo, hn::MulAdd(a.lo, b.lo, hn::Mul(a.lo, b.hi)));
  return hn::MulAdd(a.hi, b.hi, cross);
}

// a b as a pair (head exact by FMA), low parts as in MulPairRoundF.
template <class D>
HWY_INLINE PairF<D> MulPairsF(PairF<D> a, PairF<D> b) {
  const PairF<D> p = TwoProdF<D>(a.hi, b.hi);
  const Vec<D> cross = hn::MulAdd(a.hi, b.lo, hn::MulAdd(a.lo, b.lo, hn::Mul(a.lo, b.hi)));
  return {p.hi, hn::Add(p.lo, cross)};
}

// sigmoid(t) as a pair (about 2^-35 relative), without the scale of e on the negative side:
// sigmoid(t) = sig * (neg ? scale : 1).
template <class D>
HWY_INLINE PairF<D> SigmoidUnscaledF(const SigmoidPartsF<D>& s) {
  const PairF<D> mq = MulPairsF(s.e.m, s.inv_q);
  return {hn::IfThenElse(s.neg, mq.hi, s.inv_q.hi), hn::IfThenElse(s.neg, mq.lo, s.inv_q.lo)};
}

// a sigmoid(t) rounded once. For t < 0 the product is rounded before its exact scaling by
// 2^n: the caller checks that the result is a normal float (or takes the double lanes).
template <class D>
HWY_INLINE Vec<D> MulSigmoidF(D d, Vec<D> a, const SigmoidPartsF<D>& s) {
  // a (neg ? m : 1) as a pair, then times 1/q.
  const PairF<D> am = TwoProdF<D>(a, s.e.m.hi);
  const PairF<D> num = {hn::IfThenElse(s.neg, am.hi, a),
                        hn::IfThenElseZero(s.neg, hn::MulAdd(a, s.e.m.lo, am.lo))};
  const Vec<D> y = MulPairRoundF(num, s.inv_q);
  return hn::Mul(y, hn::IfThenElse(s.neg, s.e.scale, hn::Set(d, 1.0f)));
}

// (a.hi + a.lo) sigmoid(t) rounded once, for an exact product a (a gated unit's gate times its
// up input); as MulSigmoidF, the caller checks that the result is a normal float.
template <class D>
HWY_INLINE Vec<D> MulSigmoidPairF(D d, PairF<D> a, const SigmoidPartsF<D>& s) {
  const PairF<D> am = TwoProdF<D>(a.hi, s.e.m.hi);
  const Vec<D> am_lo = hn::MulAdd(a.lo, s.e.m.hi, hn::MulAdd(a.hi, s.e.m.lo, am.lo));
  const PairF<D> num = {hn::IfThenElse(s.neg, am.hi, a.hi), hn::IfThenElse(s.neg, am_lo, a.lo)};
  const Vec<D> y = MulPairRoundF(num, s.inv_q);
  return hn::Mul(y, hn::IfThenElse(s.neg, s.e.scale, hn::Set(d, 1.0f)));
}

// e^(x + tl) - 1 as a pair, for x in [-86, 0] and |tl| <= 2^-17 |x| (the low part of a
// computed argument), about 2^-33 relative (also near 0: no cancellation
// is left to the plain floats). With e^x = scale T (1 + s + w) (ExpReduceF):
// e^x - 1 = (scale T.hi - 1) + scale T.hi s + [scale T.hi w + scale T.lo (1 + s)], where the
// first difference is exact (scale T.hi <= 1) and so is the product (FMA); w's head s^2/2 is
// exact too, so that what plain float rounds is below s^3/6 + 2^-26 |s|, of every result's
// size. Where k = 0 the first term is 0 and the result is s + s^2/2 + ... itself. -0 gives +0:
// the callers restore the sign.
template <size_t kK, bool kEighths = false, class D>
HWY_INLINE void Expm1PairFN(D d, const Vec<D> (&x)[kK], const Vec<D> (&tl)[kK],
                            PairF<D> (&out)[kK]) {
  ExpCoreF<D> c[kK];
  for (size_t k = 0; k < kK; ++k) c[k] = ExpReduceF<false, kEighths>(d, x[k], tl[k]);
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> sh = c[k].sh;
    const PairF<D> sq = TwoProdF<D>(sh, sh);
    const Vec<D> half = hn::Set(d, 0.5f);
    Vec<D> q = hn::MulAdd(sh, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24));
    if constexpr (kExpEighthsF<kEighths, D>) {
      q = hn::MulAdd(sh, hn::MulAdd(sh, hn::Set(d, 1.0f / 720), hn::Set(d, 1.0f / 120)),
                     hn::Set(d, 1.0f / 24));
    }
    q = hn::MulAdd(sh, q, hn::Set(d, 1.0f / 6));
    // e^s - 1 = sh + sq.hi/2 + rest, |rest| < 2^-16 |sh|.
    const Vec<D> rest = hn::MulAdd(hn::Mul(sq.hi, sh), q,
                                   hn::MulAdd(sq.lo, half, hn::MulAdd(c[k].sl, sh, c[k].sl)));
    const PairF<D> em = FastTwoSumF<D>(sh, hn::Mul(sq.hi, half));
    const Vec<D> em_lo = hn::Add(em.lo, rest);
    // T scale (1 + em) - 1.
    const Vec<D> ts = hn::Mul(c[k].thi, c[k].scale);
    const Vec<D> tls = hn::Mul(c[k].tlo, c[k].scale);
    const PairF<D> a = FastTwoSumF<D>(hn::Set(d, -1.0f), ts);  // exact: ts <= 1
    const PairF<D> b = TwoProdF<D>(ts, em.hi);
    const Vec<D> small = hn::MulAdd(ts, em_lo, hn::MulAdd(tls, em.hi, tls));
    const PairF<D> sum = TwoSumF<D>(a.hi, b.hi);
    out[k] = {sum.hi, hn::Add(hn::Add(sum.lo, a.lo), hn::Add(b.lo, small))};
  }
}
template <bool kEighths = false, class D>
HWY_INLINE PairF<D> Expm1PairF(D d, Vec<D> x, Vec<D> tl) {
  const Vec<D> xv[1] = {x}, tlv[1] = {tl};
  PairF<D> out[1];
  Expm1PairFN<1, kEighths>(d, xv, tlv, out);
  return out[0];
}
template <bool kEighths = false, class D>
HWY_INLINE PairF<D> Expm1PairF(D d, Vec<D> x) {
  return Expm1PairF<kEighths>(d, x, hn::Zero(d));
}

// ---------------------------------------------------------------------------------------------
// The tanh family (tanh, tanhshrink, gelu_tanh, mish) in float lanes.

// 1/(q.hi + q.lo) as a pair, about 2^-40 relative, for q.hi a positive normal float and |q.lo|
// <= 2^-20 q.hi: y0 (1 + rho + rho^2 [+ rho^3]) with rho = 1 - y0 q from the approximate
// reciprocal (2^-14 on AVX-512; 2^-11.4 on AVX2, which takes the cubic term too).
template <class D>
HWY_INLINE PairF<D> InvPairF(D d, PairF<D> q) {
  const Vec<D> y0 = hn::ApproximateReciprocal(q.hi);
  const Vec<D> rho = hn::NegMulAdd(y0, q.lo, hn::NegMulAdd(y0, q.hi, hn::Set(d, 1.0f)));
  Vec<D> series = hn::MulAdd(rho, rho, rho);
  if constexpr (hn::MaxLanes(D()) < 16) series = hn::MulAdd(rho, series, rho);
  return {y0, hn::Mul(y0, series)};
}

// tanh a = -em/(2 + em) with em = e^(-2a) - 1, for a >= 2^-13 (about 2^-33 relative; the
// quotient is formed by the caller: rounded once, or as a pair). Past 9.5 tanh rounds to 1 and
// a is taken as 9.5 (also for a = inf); below 2^-13 tanh a rounds to a, which callers return
// instead. On the negative side e^-2a <= 1, so the difference that Expm1PairF needs exact is,
// and 2 + em lies in (1, 2].
template <class D>
struct TanhPartsF {
  PairF<D> em;   // e^(-2a) - 1, negative
  PairF<D> inv;  // 1/(2 + em)
};

template <size_t kK, class D>
HWY_INLINE void TanhPartsOfFN(D d, const Vec<D> (&a)[kK], TanhPartsF<D> (&t)[kK]) {
  Vec<D> m2a[kK], zero[kK];
  for (size_t k = 0; k < kK; ++k) {
    const Vec<D> ac = hn::Min(a[k], hn::Set(d, 9.5f));
    m2a[k] = hn::Neg(hn::Add(ac, ac));
    zero[k] = hn::Zero(d);
  }
  PairF<D> em[kK];
  Expm1PairFN<kK>(d, m2a, zero, em);
  for (size_t k = 0; k < kK; ++k) {
    t[k].em = em[k];
    const PairF<D> q = FastTwoSumF<D>(hn::Set(d, 2.0f), em[k].hi);
    t[k].inv = InvPairF(d, PairF<D>{q.hi, hn::Add(q.lo, em[k].lo)});
  }
}
template <class D>
HWY_INLINE TanhPartsF<D> TanhPartsOfF(D d, Vec<D> a) {
  const Vec<D> av[1] = {a};
  TanhPartsF<D> t[1];
  TanhPartsOfFN<1>(d, av, t);
  return t[0];
}
