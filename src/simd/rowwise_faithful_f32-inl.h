// Faithful float32 softmax, log_softmax and softmin forward, and their backward passes from y (at
// the end of the file), in float32 lanes, on AVX-512 and AVX2
// (the reduction's table and polynomial differ, see ExpPairScaled's constants). Included
// by rowwise_unit-inl.h inside namespace rowops, once per target, after rowwise_fast-inl.h, whose
// helpers it shares (the row's max and min, the exact rounding error of v - M by the row's
// case, the special rows, log_softmax's second pass for a dominant logit). Other targets, and
// softmax rows longer than kOnePassCols, keep the double-lane kernels of rowwise_unit-inl.h.
//
// Forward, one row, v = x (softmin: v = -x); the results are within 1 ULP and nearly always
// (about 2^-11 of the way to a midpoint at most on AVX-512, 2^-9 on AVX2) correctly rounded:
//  - M = max v and min v (float lanes), as the fast kernel takes them.
//  - e = e^(v - M) 2^64 as an unevaluated float pair hi + lo, within about 2^-37 relative (as
//    written here for AVX-512's 2^(j/32); AVX2's forward takes 2^(j/8), k = round(8 t/ln2),
//    |a| < 2^-4 and a degree-5 minimax q, and is within about 2^-33: r's rounding moves q by
//    2^-33.5 at most, the roundings of c + q and lo by 2^-35 each; see ExpPairScaled):
//    t = v - M and its exact rounding error tl (fast_rows::Shift; v clamped at M - 110, where
//    the probability is below 2^-158 and rounds to 0); k = round(32 t/ln2) = 32 N + j;
//    a = t - (k/32) ln2_hi is exact (k/32 ln2_hi is a multiple of 2^-26, t of 2^-30 where k is
//    not 0, and |a| < 2^-6); c = tl - (k/32) ln2_lo + ln(2^(j/32)/T[j]) (the table's rounding)
//    is below 2^-17; e^(a + c) - 1 = a + (c + q), q = e^r - 1 - r from Taylor to degree 4 on
//    r = a + c rounded (2^-40). With s = T[j] 2^(N + 64) (table bits plus the exponent, one
//    integer add: a normal float, N + 64 >= -95), hi = s + s a rounded (one FMA) and
//    lo = s (c + q) plus the FMA's own error (s - hi is exact by Sterbenz, so one more FMA gives
//    it). The factor 2^64 keeps hi and lo normal down to the clamp, so nothing needs a second
//    scaling: a subnormal probability is rounded once, by the last FMA.
//  - softmax: hi goes to y, lo to a per-thread float buffer (half the traffic of the double
//    buffer of the double-lane kernel); S = sum hi in double lanes plus sum lo in float lanes
//    (lo is below 2^-13 of hi; its float partial sums are widened every kLoFlush vectors, so
//    their rounding stays below 2^-33 of S), y = (hi + lo)(ih + il), 1/S as a float pair, in
//    one rounding: fma(hi, ih, fma(hi, il, lo ih)).
//  - log_softmax: the same exp and sum without the stores; L = log S in double (S within
//    about 2^-36 relative: for S >= 2, |y| >= log 2 and that is 2^-11 ULP of y). Where S < 2,
//    a dominant logit, L = log1p of the terms below M summed apart in double lanes
//    (fast_rows::ExpSumRest), so that L keeps its relative precision as it goes to 0. Then
//    y = (t + tl) - (lh + ll), L as a float pair, with the exact errors of t = v - M and of
//    t - lh (same signs: no cancellation), one rounding: a function of v - M alone, like the
//    double-lane kernel's (adding a constant to a row changes no bit).
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
namespace faithful_rows {
using fast_rows::DD;
using fast_rows::DF32;
using fast_rows::Err;
using fast_rows::kInfF;
using fast_rows::LoadPart;
using fast_rows::LoadX;
using fast_rows::LoadXPart;
using fast_rows::RowConsts;
using fast_rows::StorePart;
using fast_rows::VD;
using fast_rows::VF;
using DI32 = hn::RebindToSigned<DF32>;
namespace fk = kernels32::fast;

// The scale of the exponentials: e^-110 2^64 and its low part stay normal floats.
constexpr int kScaleExp = 64;
// Float sums of lo, per lane, widened to double after this many vectors each.
constexpr size_t kLoFlush = 16;
// log_softmax rows whose S is below this take the terms below M apart (see above).
constexpr double kRestBelow = 2.0;

// The exp's table, 2^(j/2^kL): kL = 5 on AVX-512 (two registers for vpermt2ps, |r| <= ln2/64,
// Taylor to degree 4, 2^-40). AVX2 has only vpermps (8 entries): the forward pass takes
// 2^(j/8), one vpermps for the bits and one for the correction (|r| <= ln2/16, a degree-5
// minimax polynomial, 2^-39; r's rounding moves q by up to 2^-33.5 of e, and c + q and lo, below
// 2^-10 of e, round to 2^-35 of e each: within about 2^-33, 2^-9 ULP of y; against 2^(j/16) it
// measured 6% to 13% faster), and the log_softmax backward pass 2^(j/16), two vpermps and a
// blend each, whose degree-5 Taylor polynomial (2^-44) and q (below 2^-12 of e, 2^-37) keep its
// error budget (see there).
#if HWY_TARGET <= HWY_AVX3
constexpr int kFwdTableLog2 = 5;
constexpr int kBwdTableLog2 = 5;
#else
constexpr int kFwdTableLog2 = 3;
constexpr int kBwdTableLog2 = 4;
// 2^(j/16), j = 0..15 (the even ones are 2^(j/8)).
alignas(32) inline constexpr float kExp2Table16[16] = {
    0x1p+0f,        0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f, 0x1.306fep+0f,  0x1.3dea64p+0f,
    0x1.4bfdaep+0f, 0x1.5ab07ep+0f, 0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
    0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f};
// ln(2^(j/16)/kExp2Table16[j]) rounded (mpmath): the table's rounding as a shift of r.
alignas(32) inline constexpr float kExp2Table16Ln[16] = {
    0x0p+0f,          0x1.8d96d4p-25f,  -0x1.9c0c22p-27f, 0x1.964902p-25f,
    0x1.125002p-25f,  0x1.370be4p-25f,  -0x1.0a3552p-25f, -0x1.00d8acp-27f,
    0x1.26055cp-26f,  -0x1.05cb44p-25f, 0x1.67a1cap-28f,  0x1.a3b5e4p-28f,
    -0x1.f9c306p-27f, -0x1.6961b4p-28f, -0x1.a5217cp-28f, 0x1.61428ep-28f};
#endif

// The table of 2^(j/2^kL), its bits less j 2^kIndexShift plus kScaleExp in the exponent (the
// magic sum shifted left by kIndexShift holds N 2^23 + j 2^kIndexShift, so one integer add gives
// T[j] 2^(N + kScaleExp)), and its rounding as a shift of r.
template <int kL>
struct ExpTable {
  static constexpr int kSize = 1 << kL;
  // The magic sum's ULP is 2^-kL: it holds k = round(2^kL t/ln2) in its low bits.
  static constexpr float kMagic = 1.5f * static_cast<float>(1 << (23 - kL));
  static constexpr int kIndexShift = 23 - kL;
  alignas(64) int32_t bits[kSize];
  alignas(64) float ln[kSize];
};
template <int kL>
inline constexpr ExpTable<kL> kExpTable = [] {
  ExpTable<kL> t{};
  for (int j = 0; j < t.kSize; ++j) {
#if HWY_TARGET <= HWY_AVX3
    const float v = fk::kExp2Table32[j << (5 - kL)], ln = fk::kExp2Table32Ln.v[j << (5 - kL)];
#else
    const float v = kExp2Table16[j << (4 - kL)], ln = kExp2Table16Ln[j << (4 - kL)];
#endif
    t.bits[j] = std::bit_cast<int32_t>(v) + (kScaleExp << 23) - j * (1 << t.kIndexShift);
    t.ln[j] = ln;
  }
  return t;
}();

struct PairF {
  VF hi, lo;
};

// T[j] 2^(N + kScaleExp) and the table's correction of r, from the magic sum vn.
template <int kL>
HWY_INLINE void LookUp(DF32 d, VF vn, VF& s, VF& corr) {
  const DI32 di;
  const hn::Vec<DI32> vb = hn::BitCast(di, vn);
  const ExpTable<kL>& tab = kExpTable<kL>;
#if HWY_TARGET <= HWY_AVX3
  static_assert(kL == 5);
  const hn::Vec<DI32> tb{_mm512_permutex2var_epi32(_mm512_load_si512(tab.bits), vb.raw,
                                                   _mm512_load_si512(tab.bits + 16))};
  corr = VF{_mm512_permutex2var_ps(_mm512_load_ps(tab.ln), vb.raw, _mm512_load_ps(tab.ln + 16))};
#else
  const float* bits = reinterpret_cast<const float*>(tab.bits);
  __m256 tb_f;
  if constexpr (kL == 3) {
    tb_f = _mm256_permutevar8x32_ps(_mm256_load_ps(bits), vb.raw);
    corr = VF{_mm256_permutevar8x32_ps(_mm256_load_ps(tab.ln), vb.raw)};
  } else {
    static_assert(kL == 4);
    // Bit 3 of the index, moved to the sign, picks the upper half.
    const __m256 upper = _mm256_castsi256_ps(_mm256_slli_epi32(vb.raw, 28));
    tb_f = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(bits), vb.raw),
                            _mm256_permutevar8x32_ps(_mm256_load_ps(bits + 8), vb.raw), upper);
    corr =
        VF{_mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(tab.ln), vb.raw),
                            _mm256_permutevar8x32_ps(_mm256_load_ps(tab.ln + 8), vb.raw), upper)};
  }
  const hn::Vec<DI32> tb{_mm256_castps_si256(tb_f)};
#endif
  s = hn::BitCast(d, hn::Add(tb, hn::ShiftLeft<ExpTable<kL>::kIndexShift>(vb)));
}

// e^(t + tl) 2^kScaleExp as hi + lo (see the file comment), for t in [-111, 0] and |tl| at
// most half an ULP of t; a NaN t gives NaN in hi. kTl false: tl is 0 (t exact), and ignored.
template <int kL, bool kTl = true>
HWY_INLINE PairF ExpPairScaled(DF32 d, VF t, VF tl) {
  using Tab = ExpTable<kL>;
  const VF magic = hn::Set(d, Tab::kMagic);
  const VF vn = hn::MulAdd(t, hn::Set(d, 0x1.715476p+0f), magic);
  VF s, corr;
  LookUp<kL>(d, vn, s, corr);
  // k/2^kL ln2_hi is a multiple of 2^-(21 + kL), and where k is not 0, t of 2^-(25 + kL) at
  // least: a, below 2^-(kL + 1), is exact.
  const VF n = hn::Sub(vn, magic);  // k/2^kL
  const VF a = hn::NegMulAdd(n, hn::Set(d, 0x1.62e430p-1f), t);
  const VF ln2_lo = hn::Set(d, -0x1.05c610p-29f);
  VF c;
  if constexpr (kTl) {
    c = hn::Add(hn::NegMulAdd(n, ln2_lo, tl), corr);
  } else {
    (void)tl;
    c = hn::NegMulAdd(n, ln2_lo, corr);
  }
  const VF r = hn::Add(a, c);
  VF p;
  if constexpr (kL == 5) {
    p = hn::MulAdd(r, hn::Set(d, 1.0f / 24), hn::Set(d, 1.0f / 6));
  } else if constexpr (kL == 4) {
    p = hn::MulAdd(r, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24));
    p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 6));
  } else {
    // (e^r - 1 - r)/r^2 - 1/2 on |r| <= ln2/16 + 2^-16, minimax (numpy, checked in mpmath:
    // 2^-39.3 after the float rounding of the coefficients).
    static_assert(kL == 3);
    p = hn::MulAdd(r, hn::Set(d, 0x1.11160ep-7f), hn::Set(d, 0x1.555a3ap-5f));
    p = hn::MulAdd(p, r, hn::Set(d, 0x1.555556p-3f));
  }
  p = hn::MulAdd(p, r, hn::Set(d, 0.5f));
  const VF cq = hn::MulAdd(hn::Mul(r, r), p, c);
  const VF hi = hn::MulAdd(s, a, s);
  const VF err = hn::MulAdd(s, a, hn::Sub(s, hi));
  return {hi, hn::MulAdd(s, cq, err)};
}

// The pair of one vector of v, shifted by the row's case.
template <class M, bool kNeg>
HWY_INLINE PairF ExpOf(DF32 d, const float* p, const RowConsts& c) {
  const fast_rows::Shifted sh = fast_rows::Shift<M::kErr, M::kClamp>(LoadX<kNeg>(d, p), c);
  return ExpPairScaled<kFwdTableLog2>(d, sh.t, sh.lo);
}

// Sums of hi (double lanes) and lo (float lanes, widened every kLoFlush vectors).
struct RowSums {
  VD h0, h1, h2, h3, l0, l1;
  VF lf;
  size_t since = 0;
  RowSums() {
    const DD dd;
    h0 = h1 = h2 = h3 = l0 = l1 = hn::Zero(dd);
    lf = hn::Zero(DF32());
  }
  HWY_INLINE void Flush() {
    fast_rows::AddWide(lf, l0, l1);
    lf = hn::Zero(DF32());
    since = 0;
  }
  HWY_INLINE void AddLo(VF lo) {
    lf = hn::Add(lf, lo);
    if (++since == kLoFlush) Flush();
  }
  HWY_INLINE double Total() {
    Flush();
    const DD dd;
    return hn::GetLane(
        hn::SumOfLanes(dd, hn::Add(hn::Add(hn::Add(h0, h1), hn::Add(h2, h3)), hn::Add(l0, l1))));
  }
};

// S 2^kScaleExp = sum e over the row; with kStore, hi to y and lo to lo_buf. NaN where a v is
// NaN.
template <bool kNeg, class M, bool kStore>
HWY_INLINE double ExpPairSum(DF32 d, const float* x, size_t n, const RowConsts& c, float* y,
                             float* lo_buf) {
  const size_t N = hn::Lanes(d);
  RowSums sums;
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const PairF e0 = ExpOf<M, kNeg>(d, x + i, c);
    const PairF e1 = ExpOf<M, kNeg>(d, x + i + N, c);
    if constexpr (kStore) {
      hn::StoreU(e0.hi, d, y + i);
      hn::StoreU(e1.hi, d, y + i + N);
      hn::StoreU(e0.lo, d, lo_buf + i);
      hn::StoreU(e1.lo, d, lo_buf + i + N);
    }
    fast_rows::AddWide(e0.hi, sums.h0, sums.h1);
#if HWY_TARGET <= HWY_AVX3
    fast_rows::AddWide(e1.hi, sums.h2, sums.h3);
#else
    // AVX2 has 16 registers: two accumulators (a chain of two adds per iteration, well within
    // its length) spill less.
    fast_rows::AddWide(e1.hi, sums.h0, sums.h1);
#endif
    sums.AddLo(hn::Add(e0.lo, e1.lo));
  }
  for (; i + N <= n; i += N) {
    const PairF e = ExpOf<M, kNeg>(d, x + i, c);
    if constexpr (kStore) {
      hn::StoreU(e.hi, d, y + i);
      hn::StoreU(e.lo, d, lo_buf + i);
    }
    fast_rows::AddWide(e.hi, sums.h0, sums.h1);
    sums.AddLo(e.lo);
  }
  if (i < n) {
    // The padding (-inf, clamped) would add e^-110 2^64: its lanes are zeroed.
    const fast_rows::Shifted sh =
        fast_rows::Shift<Err::kTwoSum, true>(LoadXPart<kNeg>(d, x + i, n - i), c);
    PairF e = ExpPairScaled<kFwdTableLog2>(d, sh.t, sh.lo);
    const auto in = hn::FirstN(d, n - i);
    e = {hn::IfThenElseZero(in, e.hi), hn::IfThenElseZero(in, e.lo)};
    if constexpr (kStore) {
      StorePart(d, e.hi, y + i, n - i);
      StorePart(d, e.lo, lo_buf + i, n - i);
    }
    fast_rows::AddWide(e.hi, sums.h0, sums.h1);
    sums.AddLo(e.lo);
  }
  return sums.Total();
}

// One row in three steps, so that two rows can interleave (ForwardRowsF).
struct RowState {
  float max = 0, min = 0;
  double sum = 0;  // S 2^kScaleExp
  bool done = false;
};

// The special rows as the fast kernel fills them, the huge ones by the double-lane kernel, else
// the exp pass.
template <bool kNeg, bool kLog>
HWY_INLINE void RowSum(DF32 d, const float* xr, float* yr, float* lo_buf, size_t cols,
                       bool masked_zero, RowState& st) {
  const float max = st.max;
  st.done = true;
  if (max == -kInfF) {
    Fill(yr, cols,
         !fast_rows::AnyNaN(xr, cols) && masked_zero ? 0.0f
                                                     : std::numeric_limits<float>::quiet_NaN());
    return;
  }
  if (!(max <= kInfF) || max == kInfF) {
    Fill(yr, cols, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  if (!(std::fabs(max) <= fast_rows::kMaxShiftable)) {
    ForwardRows<kNeg, kLog, float>(xr, 0, yr, 0, 1, cols, masked_zero);
    return;
  }
  st.done = false;
  const RowConsts c = fast_rows::MakeConsts(d, max);
  st.sum = fast_rows::WithMode(max, st.min, [&](auto mode) HWY_ATTR {
    return ExpPairSum<kNeg, decltype(mode), !kLog>(d, xr, cols, c, yr, lo_buf);
  });
}

// y = (t + tl) - (lh + ll) rounded once: t = v - M and its exact error tl by the row's case
// (as Shift takes it), u = t - lh and its exact error (two-sum: t and -lh have the same sign, so
// u is no smaller than either and nothing cancels), then u plus the small terms. A function of
// v - M alone, as the double-lane kernel is: adding a constant to the row changes no bit.
// kInf: the row has -inf, whose error terms (NaN) are dropped.
// Every step is an addition: about half go to the multiply pipes (fast_rows::SubOnMul).
template <Err kErr, bool kInf>
HWY_INLINE VF LogOne(VF v, VF m, VF neg_m, VF neg_lh, VF neg_ll, VF one) {
  using fast_rows::AddOnMul;
  using fast_rows::SubOnMul;
  const VF t = hn::Sub(v, m);
  VF tl;
  if constexpr (kErr == Err::kAbove) {
    tl = SubOnMul(v, hn::Add(t, m), one);
  } else if constexpr (kErr == Err::kBelow) {
    tl = SubOnMul(neg_m, hn::Sub(t, v), one);
  } else {
    const VF bp = hn::Sub(t, v);
    const VF ap = SubOnMul(t, bp, one);
    tl = hn::Add(hn::Sub(v, ap), SubOnMul(neg_m, bp, one));
  }
  const VF u = hn::Add(t, neg_lh);
  const VF bp = SubOnMul(u, t, one);
  const VF ap = hn::Sub(u, bp);
  const VF ul = AddOnMul(SubOnMul(t, ap, one), hn::Sub(neg_lh, bp), one);
  VF e = hn::Add(AddOnMul(tl, ul, one), neg_ll);
  if constexpr (kInf) e = hn::IfThenElseZero(hn::IsFinite(u), e);
  return hn::Add(u, e);
}

template <bool kNeg, Err kErr, bool kInf>
HWY_INLINE void LogPass(DF32 d, const float* xr, float* yr, size_t cols, float max, float lh,
                        float ll) {
  const size_t N = hn::Lanes(d);
  const VF m = hn::Set(d, max), neg_m = hn::Set(d, -max);
  const VF neg_lh = hn::Set(d, -lh), neg_ll = hn::Set(d, -ll), one = hn::Set(d, 1.0f);
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    hn::StoreU(LogOne<kErr, kInf>(LoadX<kNeg>(d, xr + i), m, neg_m, neg_lh, neg_ll, one), d,
               yr + i);
  }
  if (i < cols) {
    StorePart(
        d, LogOne<kErr, true>(LoadXPart<kNeg>(d, xr + i, cols - i), m, neg_m, neg_lh, neg_ll, one),
        yr + i, cols - i);
  }
}

// y = (hi + lo)(ih + il), 1/S as a float pair, rounded once; kScaled: sum is S itself, the
// product is y 2^64, and vscalefps takes it to y.
template <bool kScaled>
HWY_INLINE void SoftmaxPass(DF32 d, float* yr, const float* lo_buf, size_t cols, double sum) {
  const size_t N = hn::Lanes(d);
  const double inv = 1.0 / sum;
  const float inv_hi = static_cast<float>(inv);
  const VF ih = hn::Set(d, inv_hi), il = hn::Set(d, static_cast<float>(inv - inv_hi));
  const VF down = hn::Set(d, 0x1p-64f);     // exact on both grids below
  const VF sub_top = hn::Set(d, 0x1p-62f);  // 2^-126 2^64
  auto one = [&](VF hi, VF lo) HWY_ATTR {
    const VF inner = hn::MulAdd(hi, il, hn::Mul(lo, ih));
    const VF y = hn::MulAdd(hi, ih, inner);
    if constexpr (!kScaled) return y;
    // A subnormal y: the product rounded once to the grid of 2^-149 2^64 by adding it to
    // 2^-62 (whose ULP that is): w and its exact error, then the corrections in one sum.
    const VF w = hn::MulAdd(hi, ih, sub_top);
    const VF w_err = hn::MulAdd(hi, ih, hn::Sub(sub_top, w));
    const VF z = hn::Add(w, hn::Add(w_err, inner));
    return hn::Mul(hn::IfThenElse(hn::Lt(y, sub_top), hn::Sub(z, sub_top), y), down);
  };
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    hn::StoreU(one(hn::LoadU(d, yr + i), hn::LoadU(d, lo_buf + i)), d, yr + i);
  }
  if (i < cols) {
    StorePart(d, one(LoadPart(d, yr + i, cols - i, 0.0f), LoadPart(d, lo_buf + i, cols - i, 0.0f)),
              yr + i, cols - i);
  }
}

// y = e (1/S), or y = (v - M) - log S.
template <bool kNeg, bool kLog>
HWY_INLINE void RowFinish(DF32 d, const float* xr, float* yr, const float* lo_buf, size_t cols,
                          const RowState& st) {
  if (st.done) return;
  const size_t N = hn::Lanes(d);
  const double sum = st.sum;
  if (std::isnan(sum)) {
    Fill(yr, cols, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  if constexpr (kLog) {
    const double s = sum * 0x1p-64;
    double log_sum;
    if (s < kRestBelow) {
      double count = 0;
      const double rest =
          fast_rows::ExpSumRest<kNeg>(d, xr, cols, fast_rows::MakeConsts(d, st.max), &count);
      log_sum = count == 1.0 ? std::log1p(rest) : std::log(count + rest);
    } else {
      log_sum = std::log(s);
    }
    // L = lh + ll; the error of v - M by the row's case, as Shift takes it (the exponents of
    // the unclamped min here).
    const float lh = static_cast<float>(log_sum);
    const float ll = static_cast<float>(log_sum - lh);
    const float max = st.max;
    const bool has_inf = !(st.min > -kInfF);
    const uint32_t lo_exp = (std::bit_cast<uint32_t>(st.min) & 0x7FFFFFFFu) >> 23;
    if (max <= 0.0f) {
      return has_inf ? LogPass<kNeg, Err::kBelow, true>(d, xr, yr, cols, max, lh, ll)
                     : LogPass<kNeg, Err::kBelow, false>(d, xr, yr, cols, max, lh, ll);
    }
    if (!has_inf && lo_exp <= std::bit_cast<uint32_t>(max) >> 23) {
      return LogPass<kNeg, Err::kAbove, false>(d, xr, yr, cols, max, lh, ll);
    }
    return has_inf ? LogPass<kNeg, Err::kTwoSum, true>(d, xr, yr, cols, max, lh, ll)
                   : LogPass<kNeg, Err::kTwoSum, false>(d, xr, yr, cols, max, lh, ll);
  } else {
    (void)xr;
    // Where some y may be below 2^-100 (e^(min - M)/S, by the exponents), the products with
    // the low parts would be subnormal, on a grid as coarse as half an ULP of y: there y is
    // formed at 2^64 times its size, and a subnormal y rounded once to its own grid there
    // (rounded to 24 bits first, it would err by up to 0.75 ULP near 2^-126).
    const double log2_y_min =
        (static_cast<double>(st.min) - st.max) * 1.4426950408889634 - (std::ilogb(sum) - 63);
    if (!(log2_y_min > -98.0)) {
      return SoftmaxPass<true>(d, yr, lo_buf, cols, sum * 0x1p-64);
    }
    SoftmaxPass<false>(d, yr, lo_buf, cols, sum);
  }
}

// Rows up to fast_rows::kPairCols long go two at a time, as in the fast kernel.
template <bool kNeg, bool kLog>
void ForwardRowsF(const float* x, size_t xs, float* y, size_t ys, size_t rows, size_t cols,
                  bool masked_zero) {
  const DF32 d;
  float* lo0 = nullptr;
  float* lo1 = nullptr;
  if constexpr (!kLog) {
    thread_local std::vector<float> buffer;
    if (buffer.size() < 2 * cols) buffer.resize(2 * cols);
    lo0 = buffer.data();
    lo1 = lo0 + cols;
  }
  size_t r = 0;
  if (cols <= fast_rows::kPairCols) {
    for (; r + 2 <= rows; r += 2) {
      const float *x0 = x + r * xs, *x1 = x0 + xs;
      float *y0 = y + r * ys, *y1 = y0 + ys;
      RowState s0, s1;
      fast_rows::RowMaxMin<kNeg>(d, x0, cols, &s0.max, &s0.min);
      fast_rows::RowMaxMin<kNeg>(d, x1, cols, &s1.max, &s1.min);
      RowSum<kNeg, kLog>(d, x0, y0, lo0, cols, masked_zero, s0);
      RowSum<kNeg, kLog>(d, x1, y1, lo1, cols, masked_zero, s1);
      RowFinish<kNeg, kLog>(d, x0, y0, lo0, cols, s0);
      RowFinish<kNeg, kLog>(d, x1, y1, lo1, cols, s1);
    }
  }
  for (; r < rows; ++r) {
    RowState st;
    fast_rows::RowMaxMin<kNeg>(d, x + r * xs, cols, &st.max, &st.min);
    RowSum<kNeg, kLog>(d, x + r * xs, y + r * ys, lo0, cols, masked_zero, st);
    RowFinish<kNeg, kLog>(d, x + r * xs, y + r * ys, lo0, cols, st);
  }
}

// Backward from y, softmax (softmin: kNeg, the negative), one row (log_softmax: after these):
//  - s = sum y dy in double lanes from exact products, as the double-lane kernel takes it: four
//    conversions, each loading half a vector of y or dy (no extracts), and two double FMAs per
//    vector. A float two-product sum, y dy = p + pe with p in double and pe in float,
//    measured no faster; all in float lanes (a two-product and a two-sum per vector, the error
//    terms in float) counts ten float operations against these six.
//  - s = s_hi + s_lo as floats (2^-48 |s|); dx = y ((dy - s_hi) - s_lo) = fma(y, d, y c), with
//    d = dy - s_hi and c = (its two-sum error) - s_lo, rounded once.
// Error budget, against the spec's backward bound (1 ULP of dx beyond the second term
// 2^-24 |y| (|dy| + |s|)): the sum's double rounding (the double-lane kernel's, at most
// n 2^-53 sum |y dy|); s_hi + s_lo, 2^-48 |s|; c's rounding, 2^-24 of |c| <= 2^-24 (|d| + |s|);
// y c's rounding, 2^-24 of that or 2^-150 where it is subnormal; the FMA's half an ULP. Times
// |y|, all but the last and the 2^-150 are below 2^-23 of the second term, so dx is within half
// an ULP and a little beyond it, and also without it: each dx is within half an ULP and 2^-47
// |y| |s| of y (dy - s), as in double (tests/rowwise_test.cc checks 0.5 + 2^-6 ULP with no second
// term). Without the two-sum error, dy - s_hi would round where dy and s_hi are more than a factor
// 2 apart (it is exact within, Sterbenz): inside the second term, but up to 1.3 ULP measured
// without it; that variant measured 10% to 15% faster. Where 2^-150 could reach an ULP of dx
// (|dx| < 2^-100, which includes y = 0, a masked row, and subnormal probabilities), or dx is not
// a finite float (dy - s_hi or y d overflowing), the vector is taken again in double lanes: one
// test per vector (vfpclassps on AVX-512). A row whose s is not a finite float (an inf or NaN in
// y or dy) takes the double-lane kernel, which gives the special values.
// No buffer and the same double sum at any length: rows of every length take these kernels (the
// forward's limit is its per-thread buffer). Rows up to fast_rows::kPairCols go two at a time;
// rows longer than kFuseCols take the next row's sum in the loop of this row's results, so that
// its loads stream in while the arithmetic runs; the others read y and dy back from L1.
using fast_rows::DH;

template <bool kNeg>
HWY_INLINE VF SoftmaxBackwardDouble(DF32 d, VF yv, VF gv, double s) {
  const DD dd;
  const DH dh;
  const VD sd = hn::Set(dd, s);
  auto half = [&](hn::Vec<DH> yh, hn::Vec<DH> gh) HWY_ATTR {
    const VD g = hn::PromoteTo(dd, gh);
    return hn::DemoteTo(dh, hn::Mul(hn::PromoteTo(dd, yh), kNeg ? hn::Sub(sd, g) : hn::Sub(g, sd)));
  };
  return hn::Combine(d, half(hn::UpperHalf(dh, yv), hn::UpperHalf(dh, gv)),
                     half(hn::LowerHalf(dh, yv), hn::LowerHalf(dh, gv)));
}

// sum y dy over a row in double lanes (products of floats are exact there), four accumulators.
struct DotAcc {
  VD a0, a1, a2, a3;
  DotAcc() {
    const DD dd;
    a0 = a1 = a2 = a3 = hn::Zero(dd);
  }
  HWY_INLINE void Add(VF y0, VF g0) { fast_rows::AddWideProducts(y0, g0, a0, a1); }
  // Two vectors from memory, each half loaded straight into its conversion (no extracts), the
  // lower half of the first into a0, its upper half into a1, the second's into a2 and a3.
  HWY_INLINE void Add2At(const float* yp, const float* gp) {
    const DD dd;
    const DH dh;
    const size_t H = hn::Lanes(dh);
    auto prod = [&](size_t o, VD acc) HWY_ATTR {
      return hn::MulAdd(hn::PromoteTo(dd, hn::LoadU(dh, yp + o)),
                        hn::PromoteTo(dd, hn::LoadU(dh, gp + o)), acc);
    };
    a0 = prod(0, a0);
    a1 = prod(H, a1);
    a2 = prod(2 * H, a2);
    a3 = prod(3 * H, a3);
  }
  HWY_INLINE double Total() { return fast_rows::SumWide(a0, a1, a2, a3); }
};

HWY_INLINE double Dot(DF32 d, const float* yr, const float* gr, size_t cols) {
  const size_t N = hn::Lanes(d);
  DotAcc acc;
  size_t i = 0;
  for (; i + 2 * N <= cols; i += 2 * N) acc.Add2At(yr + i, gr + i);
  for (; i + N <= cols; i += N) acc.Add(hn::LoadU(d, yr + i), hn::LoadU(d, gr + i));
  if (i < cols) acc.Add(LoadPart(d, yr + i, cols - i, 0.0f), LoadPart(d, gr + i, cols - i, 0.0f));
  return acc.Total();
}

// s_hi, s_lo and the constants of a row's results.
struct BackConsts {
  VF sh, sl, tiny, big, one;
  double s;
};
template <bool kNeg>
HWY_INLINE BackConsts MakeBackConsts(DF32 d, double s) {
  const float s_hi = static_cast<float>(s);
  const float s_lo = static_cast<float>(s - s_hi);
#if HWY_TARGET <= HWY_AVX3
  const float tiny = 0x1p-26f;  // the scale of the fpclass test
#else
  const float tiny = 0x1p-100f;
#endif
  return {hn::Set(d, s_hi), hn::Set(d, kNeg ? s_lo : -s_lo),
          hn::Set(d, tiny), hn::Set(d, std::numeric_limits<float>::max()),
          hn::Set(d, 1.0f), s};
}

template <bool kNeg>
HWY_INLINE VF SoftmaxBackwardOne(DF32 d, VF yv, VF gv, const BackConsts& k) {
  // a - b and its exact error (two-sum of a and -b): dy - s_hi, softmin s_hi - dy.
  const VF a = kNeg ? k.sh : gv, b = kNeg ? gv : k.sh;
  // Two of its seven additions on the multiply pipes (fast_rows::SubOnMul).
  const VF dv = hn::Sub(a, b);
  const VF bp = hn::Sub(dv, a);
  const VF ap = fast_rows::SubOnMul(dv, bp, k.one);
  const VF c = hn::Add(fast_rows::SubOnMul(hn::Sub(a, ap), hn::Add(b, bp), k.one), k.sl);
  const VF r = hn::MulAdd(yv, dv, hn::Mul(yv, c));
#if HWY_TARGET <= HWY_AVX3
  // r 2^-26 zero, subnormal, infinite or NaN (vfpclassps categories 0x3F): |r| < 2^-100 or not
  // finite.
  const hn::Mask<DF32> bad{_mm512_fpclass_ps_mask(hn::Mul(r, k.tiny).raw, 0x3F)};
#else
  const VF ar = hn::Abs(r);
  const auto bad = hn::Not(hn::And(hn::Ge(ar, k.tiny), hn::Le(ar, k.big)));
#endif
  if (HWY_LIKELY(hn::AllFalse(d, bad))) return r;
  return hn::IfThenElse(bad, SoftmaxBackwardDouble<kNeg>(d, yv, gv, k.s), r);
}

HWY_INLINE bool FloatSum(double s) { return std::fabs(s) <= std::numeric_limits<float>::max(); }

template <bool kNeg>
HWY_INLINE void SoftmaxBackwardRow(DF32 d, const float* yr, const float* gr, float* out,
                                   size_t cols, double s) {
  const size_t N = hn::Lanes(d);
  if (!FloatSum(s)) {
    BackwardRows<kNeg ? RowFn::kSoftmin : RowFn::kSoftmax, float>(yr, 0, gr, 0, out, 0, 1, cols);
    return;
  }
  const BackConsts k = MakeBackConsts<kNeg>(d, s);
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    hn::StoreU(SoftmaxBackwardOne<kNeg>(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d,
               out + i);
  }
  if (i < cols) {
    StorePart(d,
              SoftmaxBackwardOne<kNeg>(d, LoadPart(d, yr + i, cols - i, 0.0f),
                                       LoadPart(d, gr + i, cols - i, 0.0f), k),
              out + i, cols - i);
  }
}

// The results of one row and the sum of the next in one loop: the next row's loads stream from
// memory or L3 while this row's arithmetic runs (one row's two passes would leave the first
// waiting on memory and the second on arithmetic). Returns the next row's sum.
template <bool kNeg>
HWY_INLINE double SoftmaxBackwardRowAndDot(DF32 d, const float* yr, const float* gr, float* out,
                                           const float* yn, const float* gn, size_t cols,
                                           double s) {
  const size_t N = hn::Lanes(d);
  const BackConsts k = MakeBackConsts<kNeg>(d, s);
  DotAcc acc;
  size_t i = 0;
  for (; i + 2 * N <= cols; i += 2 * N) {
    acc.Add2At(yn + i, gn + i);
    hn::StoreU(SoftmaxBackwardOne<kNeg>(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d,
               out + i);
    hn::StoreU(SoftmaxBackwardOne<kNeg>(d, hn::LoadU(d, yr + i + N), hn::LoadU(d, gr + i + N), k),
               d, out + i + N);
  }
  for (; i + N <= cols; i += N) {
    acc.Add(hn::LoadU(d, yn + i), hn::LoadU(d, gn + i));
    hn::StoreU(SoftmaxBackwardOne<kNeg>(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d,
               out + i);
  }
  if (i < cols) {
    acc.Add(LoadPart(d, yn + i, cols - i, 0.0f), LoadPart(d, gn + i, cols - i, 0.0f));
    StorePart(d,
              SoftmaxBackwardOne<kNeg>(d, LoadPart(d, yr + i, cols - i, 0.0f),
                                       LoadPart(d, gr + i, cols - i, 0.0f), k),
              out + i, cols - i);
  }
  return acc.Total();
}

constexpr size_t kFuseCols = 4096;
template <bool kNeg>
void SoftmaxBackwardRowsF(const float* y, size_t ys, const float* dy, size_t dys, float* dx,
                          size_t dxs, size_t rows, size_t cols) {
  const DF32 d;
  if (rows == 0) return;
  size_t r0 = 0;
  if (cols <= fast_rows::kPairCols) {
    // Short rows: two sums, then two rows of results (the next row's loads would not hide the
    // reduction and the constants between rows).
    for (; r0 + 2 <= rows; r0 += 2) {
      const double s0 = Dot(d, y + r0 * ys, dy + r0 * dys, cols);
      const double s1 = Dot(d, y + (r0 + 1) * ys, dy + (r0 + 1) * dys, cols);
      SoftmaxBackwardRow<kNeg>(d, y + r0 * ys, dy + r0 * dys, dx + r0 * dxs, cols, s0);
      SoftmaxBackwardRow<kNeg>(d, y + (r0 + 1) * ys, dy + (r0 + 1) * dys, dx + (r0 + 1) * dxs, cols,
                               s1);
    }
    if (r0 == rows) return;
  }
  // Rows whose y and dy fit in L1 together read them back from there; the fused loop (four
  // streams and a store) measured slower for them (1024x4096: 1.20x oneDNN's time against 1.00x
  // in the same runs).
  const bool fuse = cols > kFuseCols;
  double s = Dot(d, y + r0 * ys, dy + r0 * dys, cols);
  for (size_t r = r0; r < rows; ++r) {
    const float* yr = y + r * ys;
    const float* gr = dy + r * dys;
    float* out = dx + r * dxs;
    if (fuse && r + 1 < rows && FloatSum(s)) {
      s = SoftmaxBackwardRowAndDot<kNeg>(d, yr, gr, out, yr + ys, gr + dys, cols, s);
      continue;
    }
    SoftmaxBackwardRow<kNeg>(d, yr, gr, out, cols, s);
    if (r + 1 < rows) s = Dot(d, yr + ys, gr + dys, cols);
  }
}

// Backward from y, log_softmax: dx = dy - e^y g, g = sum dy, one row:
//  - g in double lanes (two conversions and two adds per vector), as G = g 2^-64 = G_hi + G_lo
//    (floats, 2^-48 |g|); the 2^-64 undoes the 2^64 of ExpPairScaled, so q = e^y g comes out
//    unscaled.
//  - e^y 2^64 = e_hi + e_lo by ExpPairScaled (y exact, no tl), within about 2^-37 relative.
//  - q = e G: q_hi = e_hi G_hi, d = dy - q_hi with its exact two-sum error, into which q_hi's
//    own rounding error goes with one FMA (see LogSoftmaxBackwardOne), then e_hi G_lo and
//    e_lo G_hi (two FMAs; e_lo G_lo, 2^-37 of q, is dropped); dx = d + (err - those), rounded
//    once by the last add.
// Error budget, against the spec's backward bound (1 ULP of dx beyond the second term
// 2^-24 (|dy| + e^y |g|)): g's double rounding (the double-lane kernel's); G_lo's rounding,
// 2^-48 |g| (G_lo normal: |g| >= 2^-38, below which a row takes the double-lane kernel); the
// exponential, 2^-37 |q| (2^-36 on AVX2); the three FMAs' roundings and the dropped e_lo G_lo,
// each below 2^-37 |q| (the first 2^-24 of an ULP of d or q_hi); err - low's rounding, 2^-24 of at
// most half an ULP of d and 2^-12 |q|; the last add's half an ULP. All but the last are below 2^-10
// of the second term: dx is within half an ULP and about 2^-35 |q| of dy - e^y g
// (tests/rowwise_test.cc checks 0.5 + 2^-6 ULP plus 2^-34 (|dy| + e^y |g|), with no second term,
// where dy and q cancel to 2^-13). A vector with y outside [-110, -0] or NaN (where ExpPairScaled's
// scaling does not hold), |dx| < 2^-100 (the products' subnormal roundings, 2^-150, could reach
// 2^-27 of an ULP) or dx not finite (q or dy - q_hi overflowing) is taken again in double lanes;
// one test per vector. Rows with |g| not in [2^-38, FLT_MAX] take the double-lane kernel.
constexpr double kLogMinSum = 0x1p-38;

struct LogBackConsts {
  VF gh, gl, tiny, big;
  hn::Vec<DI32> y_min_bits;
  double g;
};
HWY_INLINE bool LogFloatSum(double g) {
  return std::fabs(g) >= kLogMinSum && std::fabs(g) <= std::numeric_limits<float>::max();
}
HWY_INLINE LogBackConsts MakeLogBackConsts(DF32 d, double g) {
  const double gs = g * 0x1p-64;
  const float g_hi = static_cast<float>(gs);
#if HWY_TARGET <= HWY_AVX3
  const float tiny = 0x1p-26f;  // the scale of the fpclass test
#else
  const float tiny = 0x1p-100f;
#endif
  return {hn::Set(d, g_hi),
          hn::Set(d, static_cast<float>(gs - g_hi)),
          hn::Set(d, tiny),
          hn::Set(d, std::numeric_limits<float>::max()),
          hn::Set(DI32(), std::bit_cast<int32_t>(-110.0f)),
          g};
}

HWY_INLINE VF LogSoftmaxBackwardOne(DF32 d, VF yv, VF gv, const LogBackConsts& k) {
  const PairF e = ExpPairScaled<kBwdTableLog2, false>(d, yv, yv);
  // d = dy - q_hi by two-sum: its error is (dy - ap) - (q_hi + bp), both parts exact, and
  // q_hi + bp plus q_hi's own rounding error e_hi G_hi - q_hi is e_hi G_hi + bp: one FMA (of a
  // sum below an ULP of q_hi and d, so its rounding is 2^-24 of that), then the low parts.
  // q_hi as an FMA with +0: a product whose only use is dy - q_hi may be contracted into one
  // FMA (GCC's -ffp-contract=fast), and the two-sum needs q_hi rounded.
  const VF qh = hn::MulAdd(e.hi, k.gh, hn::Zero(d));
  const VF dv = hn::Sub(gv, qh);
  const VF bp = hn::Sub(dv, gv);
  const VF ap = hn::Sub(dv, bp);
  const VF low = hn::MulAdd(e.lo, k.gh, hn::MulAdd(e.hi, k.gl, hn::MulAdd(e.hi, k.gh, bp)));
  const VF r = hn::Add(dv, hn::Sub(hn::Sub(gv, ap), low));
  // y outside [-110, -0] (and NaN, and +0, rare: the double path takes it) by one signed
  // compare of the bits: from -0 (INT_MIN) to -110 they rise, and every other float is above.
  const DI32 di;
  const hn::Vec<DI32> y_bits = hn::BitCast(di, yv);
#if HWY_TARGET <= HWY_AVX3
  // r 2^-26 zero, subnormal, infinite or NaN (vfpclassps categories 0x3F): |r| < 2^-100 or not
  // finite.
  const __mmask16 y_bad = _mm512_cmpgt_epi32_mask(y_bits.raw, k.y_min_bits.raw);
  const __mmask16 bad = _mm512_fpclass_ps_mask(hn::Mul(r, k.tiny).raw, 0x3F);
  if (HWY_LIKELY(_kortestz_mask16_u8(y_bad, bad))) return r;
  const hn::Mask<DF32> redo{static_cast<__mmask16>(y_bad | bad)};
#else
  const VF ar = hn::Abs(r);
  const __m256 bad = _mm256_or_ps(_mm256_cmp_ps(ar.raw, k.tiny.raw, _CMP_NGE_UQ),
                                  _mm256_cmp_ps(ar.raw, k.big.raw, _CMP_GT_OQ));
  const __m256 redo_raw =
      _mm256_or_ps(bad, _mm256_castsi256_ps(_mm256_cmpgt_epi32(y_bits.raw, k.y_min_bits.raw)));
  if (HWY_LIKELY(_mm256_testz_ps(redo_raw, redo_raw))) return r;
  const auto redo = hn::MaskFromVec(VF{redo_raw});
#endif
  return hn::IfThenElse(redo, fast_rows::LogSoftmaxBackwardDouble(d, yv, gv, k.g), r);
}

// sum dy over a row in double lanes, four accumulators.
struct SumAcc {
  VD a0, a1, a2, a3;
  SumAcc() {
    const DD dd;
    a0 = a1 = a2 = a3 = hn::Zero(dd);
  }
  HWY_INLINE void Add(VF g0) { fast_rows::AddWide(g0, a0, a1); }
  // As DotAcc::Add2At.
  HWY_INLINE void Add2At(const float* gp) {
    const DD dd;
    const DH dh;
    const size_t H = hn::Lanes(dh);
    a0 = hn::Add(a0, hn::PromoteTo(dd, hn::LoadU(dh, gp)));
    a1 = hn::Add(a1, hn::PromoteTo(dd, hn::LoadU(dh, gp + H)));
    a2 = hn::Add(a2, hn::PromoteTo(dd, hn::LoadU(dh, gp + 2 * H)));
    a3 = hn::Add(a3, hn::PromoteTo(dd, hn::LoadU(dh, gp + 3 * H)));
  }
  HWY_INLINE double Total() { return fast_rows::SumWide(a0, a1, a2, a3); }
};

HWY_INLINE double RowSumOf(DF32 d, const float* gr, size_t cols) {
  const size_t N = hn::Lanes(d);
  SumAcc acc;
  size_t i = 0;
  for (; i + 2 * N <= cols; i += 2 * N) acc.Add2At(gr + i);
  for (; i + N <= cols; i += N) acc.Add(hn::LoadU(d, gr + i));
  if (i < cols) acc.Add(LoadPart(d, gr + i, cols - i, 0.0f));
  return acc.Total();
}

HWY_INLINE void LogSoftmaxBackwardRow(DF32 d, const float* yr, const float* gr, float* out,
                                      size_t cols, double g) {
  const size_t N = hn::Lanes(d);
  if (!LogFloatSum(g)) {
    BackwardRows<RowFn::kLogSoftmax, float>(yr, 0, gr, 0, out, 0, 1, cols);
    return;
  }
  const LogBackConsts k = MakeLogBackConsts(d, g);
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    hn::StoreU(LogSoftmaxBackwardOne(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d, out + i);
  }
  if (i < cols) {
    // The padding's y = -1 keeps the vector off the double path.
    StorePart(d,
              LogSoftmaxBackwardOne(d, LoadPart(d, yr + i, cols - i, -1.0f),
                                    LoadPart(d, gr + i, cols - i, 0.0f), k),
              out + i, cols - i);
  }
}

// This row's results and the next row's sum in one loop (see SoftmaxBackwardRowAndDot).
HWY_INLINE double LogSoftmaxBackwardRowAndSum(DF32 d, const float* yr, const float* gr, float* out,
                                              const float* gn, size_t cols, double g) {
  const size_t N = hn::Lanes(d);
  const LogBackConsts k = MakeLogBackConsts(d, g);
  SumAcc acc;
  size_t i = 0;
  for (; i + 2 * N <= cols; i += 2 * N) {
    acc.Add2At(gn + i);
    hn::StoreU(LogSoftmaxBackwardOne(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d, out + i);
    hn::StoreU(LogSoftmaxBackwardOne(d, hn::LoadU(d, yr + i + N), hn::LoadU(d, gr + i + N), k), d,
               out + i + N);
  }
  for (; i + N <= cols; i += N) {
    acc.Add(hn::LoadU(d, gn + i));
    hn::StoreU(LogSoftmaxBackwardOne(d, hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), k), d, out + i);
  }
  if (i < cols) {
    acc.Add(LoadPart(d, gn + i, cols - i, 0.0f));
    StorePart(d,
              LogSoftmaxBackwardOne(d, LoadPart(d, yr + i, cols - i, -1.0f),
                                    LoadPart(d, gr + i, cols - i, 0.0f), k),
              out + i, cols - i);
  }
  return acc.Total();
}

// The rows as SoftmaxBackwardRowsF takes them.
inline void LogSoftmaxBackwardRowsF(const float* y, size_t ys, const float* dy, size_t dys,
                                    float* dx, size_t dxs, size_t rows, size_t cols) {
  const DF32 d;
  if (rows == 0) return;
  size_t r0 = 0;
  if (cols <= fast_rows::kPairCols) {
    for (; r0 + 2 <= rows; r0 += 2) {
      const double g0 = RowSumOf(d, dy + r0 * dys, cols);
      const double g1 = RowSumOf(d, dy + (r0 + 1) * dys, cols);
      LogSoftmaxBackwardRow(d, y + r0 * ys, dy + r0 * dys, dx + r0 * dxs, cols, g0);
      LogSoftmaxBackwardRow(d, y + (r0 + 1) * ys, dy + (r0 + 1) * dys, dx + (r0 + 1) * dxs, cols,
                            g1);
    }
    if (r0 == rows) return;
  }
  const bool fuse = cols > kFuseCols;
  double g = RowSumOf(d, dy + r0 * dys, cols);
  for (size_t r = r0; r < rows; ++r) {
    const float* yr = y + r * ys;
    const float* gr = dy + r * dys;
    float* out = dx + r * dxs;
    if (fuse && r + 1 < rows && LogFloatSum(g)) {
      g = LogSoftmaxBackwardRowAndSum(d, yr, gr, out, gr + dys, cols, g);
      continue;
    }
    LogSoftmaxBackwardRow(d, yr, gr, out, cols, g);
    if (r + 1 < rows) g = RowSumOf(d, gr + dys, cols);
  }
}

}  // namespace faithful_rows
#endif
