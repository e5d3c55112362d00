// Fast float32 row kernels (Accuracy::fast): softmax, log_softmax, softmin and their backward
// passes from y in float lanes, on x86 targets with FMA (AVX2 and AVX-512). Included by
// rowwise_unit-inl.h inside namespace rowops, once per target; the 16-bit rows, float64 and the
// other targets keep the faithful kernels, which meet the fast bound.
//
// Forward, one row, v = x (softmin: v = -x):
//  - M = max v and min v (float lanes): min decides the row's case below.
//  - e = e^(v - M) in float lanes: t = v - M rounds where v has bits below ulp(t), and |t| ULP
//    of e would follow; t's rounding error (exact: Fast2Sum where the exponents allow it, else
//    two-sum) goes into the reduced argument of the exp, so e carries only the exp's own error.
//    The exps are math_fast-inl.h's: on AVX-512 the 2^(j/32) table with its rounding and a
//    degree-3 polynomial (2^-30 before one rounding), vscalefps (one rounding, also where e is
//    subnormal); elsewhere FastExpNormal, and below e^-87 FastExpSplit's three factors (one
//    rounding instead of a flush). Where some v is below M - 87, v is clamped at M - 110 first,
//    where e rounds to 0 (and -inf gives exactly 0).
//  - softmax: e written to y, S = sum e (pairs of vectors added in float, 2^-24 of the pair at
//    most, then widened to double: S within 2^-24 relative whatever the row length), then
//    y = e (1/S) with 1/S as a float pair, one rounding. y is read back from L1 or L2; x is read
//    twice (max, exp).
//  - log_softmax: y = (v - M) - log S, two nonpositive terms, each at most half an ULP of y off
//    (float(v - M) and float(log S)); S widened to double per vector (no float sums: S - 1 may
//    be all of log S), log S once per row in double. Where S < 1 + 2^-10 (a dominant logit), a
//    second pass sums the terms below the maximum apart from its exact 1, each from the
//    double-lane exp (terms below 2^-126 keep their precision), and log S = log1p(rest).
//  - A row with M = -inf (all -inf, or NaN beside -inf), a NaN or +inf, or |M| > 2^20 (where
//    M - 110 would round away from the clamp) goes to the faithful kernel's rules: the special
//    rows filled as faithful fills them, the huge rows computed by the faithful kernel itself.
// Backward from y:
//  - softmax: s = sum dy y in double (products of floats are exact in double), kept as a float
//    pair s_hi + s_lo; dx = y ((dy - s_hi) - s_lo): dy - s_hi is exact where they are close.
//  - log_softmax: g = sum dy in double, kept as g_hi + g_lo; dx = dy - e^y g with e^y = m 2^n
//    from the fast exp split and G = g 2^n (exact for normal G), the product taken in FMAs
//    against dy so that the cancellation dy ~ e^y g leaves one rounding of the difference.
//    Lanes with y > 0 or NaN (and, without vscalefps, y < -87) take the faithful formula in
//    double.
//  - A row whose sum is not finite as a float takes the faithful kernel.
// The dispatch in rowwise_unit-inl.h tests the same condition.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
namespace fast_rows {
namespace fk = kernels32::fast;
using DF32 = hn::ScalableTag<float>;
using VF = hn::Vec<DF32>;
using DH = hn::Half<DF32>;
using DD = hn::Repartition<double, DF32>;
using VD = hn::Vec<DD>;

constexpr float kInfF = std::numeric_limits<float>::infinity();
// Rows whose max is larger in magnitude go to the faithful kernel (see above).
constexpr float kMaxShiftable = 0x1p20f;
// e^-110 rounds to 0 in float (it is below 2^-150).
constexpr float kClamp = 110.0f;

template <bool kNeg>
HWY_INLINE VF LoadX(DF32 d, const float* p) {
  const VF v = hn::LoadU(d, p);
  return kNeg ? hn::Neg(v) : v;
}

// The last n < Lanes(d) elements of p, the other lanes `pad`: a masked load (AVX-512's mask
// registers, AVX2's vmaskmovps), which reads nothing past p + n. A row's tail once went through a
// stack buffer filled element by element, whose vector load waited on the scalar stores (no
// forwarding) after as many compares and branches as lanes, in every pass over the row.
HWY_INLINE VF LoadPart(DF32 d, const float* p, size_t n, float pad) {
  const auto in = hn::FirstN(d, n);
  return hn::IfThenElse(in, hn::MaskedLoad(in, d, p), hn::Set(d, pad));
}
template <bool kNeg>
HWY_INLINE VF LoadXPart(DF32 d, const float* p, size_t n) {
  const VF v = LoadPart(d, p, n, kNeg ? kInfF : -kInfF);
  return kNeg ? hn::Neg(v) : v;
}
HWY_INLINE void StorePart(DF32 d, VF v, float* p, size_t n) {
  hn::BlendedStore(v, hn::FirstN(d, n), d, p);
}

// a - b and a + b, rounded as Sub and Add round them (an FMA by 1 rounds the exact sum once), but
// issued to the multiply pipes: the pair steps of some loops are nearly all additions, which
// would otherwise queue on the add pipes while the multiply pipes idle (AMD Zen 5 has two of
// each; Intel's add and FMA share ports, where this changes nothing).
HWY_INLINE VF SubOnMul(VF a, VF b, VF one) { return hn::NegMulAdd(b, one, a); }
HWY_INLINE VF AddOnMul(VF a, VF b, VF one) { return hn::MulAdd(b, one, a); }

// a += lower lanes of v, b += upper lanes, in double.
HWY_INLINE void AddWide(VF v, VD& a, VD& b) {
  const DD dd;
  const DH dh;
  a = hn::Add(a, hn::PromoteTo(dd, hn::LowerHalf(dh, v)));
  b = hn::Add(b, hn::PromoteTo(dd, hn::UpperHalf(dh, v)));
}
// a += u v over the lower lanes, b over the upper ones, in double (exact products).
HWY_INLINE void AddWideProducts(VF u, VF v, VD& a, VD& b) {
  const DD dd;
  const DH dh;
  a = hn::MulAdd(hn::PromoteTo(dd, hn::LowerHalf(dh, u)), hn::PromoteTo(dd, hn::LowerHalf(dh, v)),
                 a);
  b = hn::MulAdd(hn::PromoteTo(dd, hn::UpperHalf(dh, u)), hn::PromoteTo(dd, hn::UpperHalf(dh, v)),
                 b);
}
// As AddWideProducts and AddWide, from memory: each half loaded straight into its conversion
// (no extracts).
HWY_INLINE void AddWideProductsAt(const float* u, const float* v, VD& a, VD& b) {
  const DD dd;
  const DH dh;
  const size_t H = hn::Lanes(dh);
  a = hn::MulAdd(hn::PromoteTo(dd, hn::LoadU(dh, u)), hn::PromoteTo(dd, hn::LoadU(dh, v)), a);
  b = hn::MulAdd(hn::PromoteTo(dd, hn::LoadU(dh, u + H)), hn::PromoteTo(dd, hn::LoadU(dh, v + H)),
                 b);
}
HWY_INLINE void AddWideAt(const float* v, VD& a, VD& b) {
  const DD dd;
  const DH dh;
  a = hn::Add(a, hn::PromoteTo(dd, hn::LoadU(dh, v)));
  b = hn::Add(b, hn::PromoteTo(dd, hn::LoadU(dh, v + hn::Lanes(dh))));
}
HWY_INLINE double SumWide(VD a, VD b, VD c, VD e) {
  const DD dd;
  return hn::GetLane(hn::SumOfLanes(dd, hn::Add(hn::Add(a, b), hn::Add(c, e))));
}

// max v and min v over the row; a NaN may or may not reach them (the exp pass finds it).
template <bool kNeg>
HWY_INLINE void RowMaxMin(DF32 d, const float* x, size_t n, float* max, float* min) {
  const size_t N = hn::Lanes(d);
  VF m0 = hn::Set(d, -kInfF), m1 = m0, m2 = m0, m3 = m0;
  VF l0 = hn::Set(d, kInfF), l1 = l0;
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    const VF v0 = LoadX<kNeg>(d, x + i), v1 = LoadX<kNeg>(d, x + i + N);
    const VF v2 = LoadX<kNeg>(d, x + i + 2 * N), v3 = LoadX<kNeg>(d, x + i + 3 * N);
    m0 = hn::Max(m0, v0);
    m1 = hn::Max(m1, v1);
    m2 = hn::Max(m2, v2);
    m3 = hn::Max(m3, v3);
    l0 = hn::Min(l0, hn::Min(v0, v1));
    l1 = hn::Min(l1, hn::Min(v2, v3));
  }
  for (; i + N <= n; i += N) {
    const VF v = LoadX<kNeg>(d, x + i);
    m0 = hn::Max(m0, v);
    l0 = hn::Min(l0, v);
  }
  if (i < n) {
    m0 = hn::Max(m0, LoadXPart<kNeg>(d, x + i, n - i));
    // For the min, padded with an element of the tail.
    const VF v = LoadPart(d, x + i, n - i, x[i]);
    l0 = hn::Min(l0, kNeg ? hn::Neg(v) : v);
  }
  *max = hn::GetLane(hn::MaxOfLanes(d, hn::Max(hn::Max(m0, m1), hn::Max(m2, m3))));
  *min = hn::GetLane(hn::MinOfLanes(d, hn::Min(l0, l1)));
}

// t = v - M and its rounding error lo, v clamped at M - 110 first where the row has smaller
// values (kClamp). A NaN v stays NaN (x86's max returns its second operand on a NaN); -inf gives
// about -110. The error, by the row's case:
//  - kBelow, M <= 0: every v <= M has |v| >= |M|, so Fast2Sum with v first is exact;
//  - kAbove, M > 0 and every (clamped) v of an exponent no larger than M's: Fast2Sum with -M
//    first;
//  - kTwoSum otherwise: Knuth's two-sum (three operations more).
enum class Err { kTwoSum, kAbove, kBelow };
struct Shifted {
  VF t, lo;
};
struct RowConsts {
  VF m, neg_m, floor;
};
HWY_INLINE RowConsts MakeConsts(DF32 d, float max) {
  return {hn::Set(d, max), hn::Set(d, -max), hn::Set(d, max - kClamp)};
}
template <Err kErr, bool kClamp>
HWY_INLINE Shifted Shift(VF v, const RowConsts& c) {
  const VF a = kClamp ? hn::Max(c.floor, v) : v;
  const VF t = hn::Sub(a, c.m);
  if constexpr (kErr == Err::kAbove) return {t, hn::Sub(a, hn::Add(t, c.m))};
  if constexpr (kErr == Err::kBelow) return {t, hn::Sub(c.neg_m, hn::Sub(t, a))};
  const VF bp = hn::Sub(t, a);
  const VF ap = hn::Sub(t, bp);
  return {t, hn::Add(hn::Sub(a, ap), hn::Sub(c.neg_m, bp))};
}

// A row's case: how Shift takes the error (Err) and whether some v is below M - 87 (kClamp:
// clamped, and without vscalefps the lanes below e^-87 scaled apart).
template <Err kE, bool kC>
struct Mode {
  static constexpr Err kErr = kE;
  static constexpr bool kClamp = kC;
};
template <class F>
HWY_INLINE auto WithMode(float max, float min, F f) {
  const bool clamp = !(min >= max - 87.0f);
  const float lo = std::max(min, max - kClamp);
  // The exponent fields compared: |lo| has an exponent no larger than max's.
  const uint32_t lo_exp = (std::bit_cast<uint32_t>(lo) & 0x7FFFFFFFu) >> 23;
  Err err = Err::kTwoSum;
  if (max <= 0.0f) {
    err = Err::kBelow;
  } else if (lo_exp <= std::bit_cast<uint32_t>(max) >> 23) {
    err = Err::kAbove;
  }
  switch (err) {
    case Err::kAbove:
      return clamp ? f(Mode<Err::kAbove, true>()) : f(Mode<Err::kAbove, false>());
    case Err::kBelow:
      return clamp ? f(Mode<Err::kBelow, true>()) : f(Mode<Err::kBelow, false>());
    case Err::kTwoSum:
      break;
  }
  return clamp ? f(Mode<Err::kTwoSum, true>()) : f(Mode<Err::kTwoSum, false>());
}

// e^(t + lo) for t in [-111, 0] (or NaN, which stays NaN), rounded once, subnormals included.
// AVX-512: the table's degree-3 polynomial with the table's own rounding (2^-30 before the one
// rounding of l + r, which vscalefps scales exactly or rounds once into the subnormals). Other
// targets: FastExpNormal, and where kClamp, the lanes below e^-87 from FastExpSplit's three
// factors.
template <bool kClamp>
HWY_INLINE VF ExpShiftedF(DF32 d, const Shifted& s) {
#if HWY_TARGET <= HWY_AVX3
  const VF z[1] = {s.t};
  VF l[1], r[1], n[1];
  fk::ExpLutPoly3SplitN<1>(d, z, &s.lo, l, r, n);
  return fk::ScaleF(hn::Add(l[0], r[0]), n[0]);
#else
  auto normal = [&]() HWY_ATTR {
    const fk::ExpNormalF<DF32> e = fk::FastExpNormal(d, s.t, &s.lo);
    return hn::MulAdd(e.pm, e.s, e.s);
  };
  if constexpr (!kClamp) return normal();
  return fk::PerLane(d, hn::Ge(s.t, hn::Set(d, fk::kFastExpMin)), normal, [&]() HWY_ATTR {
    const fk::ExpSplitF<DF32> e = fk::FastExpSplit(d, s.t, s.lo);
    return fk::Scale3(e.p, fk::SplitScale3(d, e.n));
  });
#endif
}

// softmax: y = e^(v - M) over the row; returns their sum (NaN when a v is NaN).
template <bool kNeg, class M, bool kStore = true>
HWY_INLINE double ExpStoreSum(DF32 d, const float* x, size_t n, const RowConsts& c, float* y) {
  const size_t N = hn::Lanes(d);
  const DD dd;
  VD s0 = hn::Zero(dd), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const VF e0 = ExpShiftedF<M::kClamp>(d, Shift<M::kErr, M::kClamp>(LoadX<kNeg>(d, x + i), c));
    const VF e1 =
        ExpShiftedF<M::kClamp>(d, Shift<M::kErr, M::kClamp>(LoadX<kNeg>(d, x + i + N), c));
    if constexpr (kStore) {
      hn::StoreU(e0, d, y + i);
      hn::StoreU(e1, d, y + i + N);
    }
    if constexpr (kStore) {
      // softmax: e0 + e1 rounded once in float (2^-24 of the pair at most, so of S whatever
      // the row's length), then widened: half the conversions.
      AddWide(hn::Add(e0, e1), s0, s1);
    } else {
      // log_softmax: S - 1 may be all that log S is made of, so no float sum.
      AddWide(e0, s0, s1);
      AddWide(e1, s2, s3);
    }
  }
  for (; i + N <= n; i += N) {
    const VF e = ExpShiftedF<M::kClamp>(d, Shift<M::kErr, M::kClamp>(LoadX<kNeg>(d, x + i), c));
    if constexpr (kStore) hn::StoreU(e, d, y + i);
    AddWide(e, s0, s1);
  }
  if (i < n) {
    // The padding (-inf) is clamped and gives 0 whatever the row's case.
    const VF e =
        ExpShiftedF<true>(d, Shift<Err::kTwoSum, true>(LoadXPart<kNeg>(d, x + i, n - i), c));
    if constexpr (kStore) StorePart(d, e, y + i, n - i);
    AddWide(e, s0, s1);
  }
  return SumWide(s0, s1, s2, s3);
}

// log_softmax where S is near 1: the sum of e^(v - M) over the elements below M (rest) and the
// number of maxima. Rare (a dominant logit), and then the terms can be all that log S is made
// of, even where they are below 2^-126 (a logit 100 above 32000 others): each term from the
// double-lane exp of the faithful kernels (2^-42), t + lo exact in double.
template <bool kNeg>
HWY_INLINE double ExpSumRest(DF32 d, const float* x, size_t n, const RowConsts& c, double* count) {
  const size_t N = hn::Lanes(d);
  const DD dd;
  const DH dh;
  VD s0 = hn::Zero(dd), s1 = s0;
  VF k = hn::Zero(d);
  const VF one = hn::Set(d, 1.0f);
  auto term = [&](hn::Vec<DH> t, hn::Vec<DH> lo) HWY_ATTR {
    const VD td = hn::Add(hn::PromoteTo(dd, t), hn::PromoteTo(dd, lo));
    return hn::IfThenZeroElse(hn::Eq(td, hn::Zero(dd)), kernels32::Exp(dd, td));
  };
  auto add = [&](VF v) HWY_ATTR {
    const Shifted sh = Shift<Err::kTwoSum, true>(v, c);
    k = hn::Add(k, hn::IfThenElseZero(hn::Eq(sh.t, hn::Zero(d)), one));
    s0 = hn::Add(s0, term(hn::LowerHalf(dh, sh.t), hn::LowerHalf(dh, sh.lo)));
    s1 = hn::Add(s1, term(hn::UpperHalf(dh, sh.t), hn::UpperHalf(dh, sh.lo)));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) add(LoadX<kNeg>(d, x + i));
  if (i < n) add(LoadXPart<kNeg>(d, x + i, n - i));
  *count = static_cast<double>(hn::GetLane(hn::SumOfLanes(d, k)));
  return hn::GetLane(hn::SumOfLanes(dd, hn::Add(s0, s1)));
}

HWY_INLINE bool AnyNaN(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) return true;
  }
  return false;
}

// One row's forward in three steps, so that two rows can interleave (ForwardRowsF).
struct RowState {
  float max = 0, min = 0;
  double sum = 0;
  bool done = false;  // a special or huge row, already written
};

template <bool kNeg>
HWY_INLINE void RowStart(DF32 d, const float* xr, size_t cols, RowState& st) {
  RowMaxMin<kNeg>(d, xr, cols, &st.max, &st.min);
}

// The special rows' fill or the faithful kernel, else the exp pass (softmax writes e to y).
template <bool kNeg, bool kLog>
HWY_INLINE void RowSum(DF32 d, const float* xr, float* yr, size_t cols, bool masked_zero,
                       RowState& st) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float max = st.max;
  st.done = true;
  if (max == -kInfF) {
    // All -inf, unless a NaN hid from the max: the faithful fill.
    Fill(yr, cols, !AnyNaN(xr, cols) && masked_zero ? 0.0f : nan);
    return;
  }
  if (!(max <= kInfF) || max == kInfF) {
    Fill(yr, cols, nan);
    return;
  }
  if (!(std::fabs(max) <= kMaxShiftable)) {
    ForwardRows<kNeg, kLog, float>(xr, 0, yr, 0, 1, cols, masked_zero);
    return;
  }
  st.done = false;
  const RowConsts c = MakeConsts(d, max);
  st.sum = WithMode(max, st.min, [&](auto mode) HWY_ATTR {
    return ExpStoreSum<kNeg, decltype(mode), !kLog>(d, xr, cols, c, yr);
  });
}

// y = e (1/S), or y = (v - M) - log S.
template <bool kNeg, bool kLog>
HWY_INLINE void RowFinish(DF32 d, const float* xr, float* yr, size_t cols, const RowState& st) {
  if (st.done) return;
  const size_t N = hn::Lanes(d);
  const double sum = st.sum;
  if (std::isnan(sum)) {
    Fill(yr, cols, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  if constexpr (kLog) {
    const RowConsts c = MakeConsts(d, st.max);
    // S near 1: one maximum, every other term small, and S - 1 in double (its partial sums
    // near 1 rounded to 2^-53 each) too coarse for log S; a second pass sums them apart.
    double log_sum = std::log(sum);
    if (sum < 1.0 + 0x1p-10) {
      double count = 0;
      const double rest = ExpSumRest<kNeg>(d, xr, cols, c, &count);
      log_sum = count == 1.0 ? std::log1p(rest) : std::log(count + rest);
    }
    const VF l = hn::Set(d, static_cast<float>(log_sum));
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      hn::StoreU(hn::Sub(hn::Sub(LoadX<kNeg>(d, xr + i), c.m), l), d, yr + i);
    }
    if (i < cols) {
      StorePart(d, hn::Sub(hn::Sub(LoadXPart<kNeg>(d, xr + i, cols - i), c.m), l), yr + i,
                cols - i);
    }
  } else {
    // 1/S as a float pair: y = e hi + e lo, one rounding of e/S.
    const double inv = 1.0 / sum;
    const float inv_hi = static_cast<float>(inv);
    const VF ih = hn::Set(d, inv_hi), il = hn::Set(d, static_cast<float>(inv - inv_hi));
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      const VF e = hn::LoadU(d, yr + i);
      hn::StoreU(hn::MulAdd(e, ih, hn::Mul(e, il)), d, yr + i);
    }
    if (i < cols) {
      const VF e = LoadPart(d, yr + i, cols - i, 0.0f);
      StorePart(d, hn::MulAdd(e, ih, hn::Mul(e, il)), yr + i, cols - i);
    }
  }
}

// Rows up to this long go two at a time, step by step, so that one row's reductions (chains of
// dependent steps between its passes) overlap the other row's passes. Both rows' arrays must stay
// in L1 between the passes: at 4096 columns (64 KiB for backward's y and dy) pairs measured 1.5x
// slower than single rows on this AVX-512 host (softmax backward 1024x4096, 0.47 against 0.31 ns
// per element), at 128 columns 1.1x faster.
constexpr size_t kPairCols = 1024;

template <bool kNeg, bool kLog>
void ForwardRowsF(const float* x, size_t xs, float* y, size_t ys, size_t rows, size_t cols,
                  bool masked_zero) {
  const DF32 d;
  size_t r = 0;
  if (cols <= kPairCols) {
    for (; r + 2 <= rows; r += 2) {
      const float *x0 = x + r * xs, *x1 = x0 + xs;
      float *y0 = y + r * ys, *y1 = y0 + ys;
      RowState s0, s1;
      RowStart<kNeg>(d, x0, cols, s0);
      RowStart<kNeg>(d, x1, cols, s1);
      RowSum<kNeg, kLog>(d, x0, y0, cols, masked_zero, s0);
      RowSum<kNeg, kLog>(d, x1, y1, cols, masked_zero, s1);
      RowFinish<kNeg, kLog>(d, x0, y0, cols, s0);
      RowFinish<kNeg, kLog>(d, x1, y1, cols, s1);
    }
  }
  for (; r < rows; ++r) {
    RowState st;
    RowStart<kNeg>(d, x + r * xs, cols, st);
    RowSum<kNeg, kLog>(d, x + r * xs, y + r * ys, cols, masked_zero, st);
    RowFinish<kNeg, kLog>(d, x + r * xs, y + r * ys, cols, st);
  }
}

// sum y dy over a row, in double (products of floats are exact there).
HWY_INLINE double DotRow(DF32 d, const float* yr, const float* gr, size_t cols) {
  const DD dd;
  const size_t N = hn::Lanes(d);
  VD s0 = hn::Zero(dd), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 2 * N <= cols; i += 2 * N) {
    AddWideProductsAt(yr + i, gr + i, s0, s1);
    AddWideProductsAt(yr + i + N, gr + i + N, s2, s3);
  }
  for (; i + N <= cols; i += N) AddWideProductsAt(yr + i, gr + i, s0, s1);
  if (i < cols) {
    AddWideProducts(LoadPart(d, yr + i, cols - i, 0.0f), LoadPart(d, gr + i, cols - i, 0.0f), s0,
                    s1);
  }
  return SumWide(s0, s1, s2, s3);
}

// dx = y ((dy - s_hi) - s_lo) (softmin: the negative) over a row; a sum that is not a finite
// float takes the faithful kernel.
template <bool kNeg>
HWY_INLINE void SoftmaxBackwardRow(DF32 d, const float* yr, const float* gr, float* out,
                                   size_t cols, double s) {
  const size_t N = hn::Lanes(d);
  if (!(std::fabs(s) <= std::numeric_limits<float>::max())) {
    BackwardRows<kNeg ? RowFn::kSoftmin : RowFn::kSoftmax, float>(yr, 0, gr, 0, out, 0, 1, cols);
    return;
  }
  const float s_hi = static_cast<float>(s);
  const VF sh = hn::Set(d, s_hi), sl = hn::Set(d, static_cast<float>(s - s_hi));
  auto one = [&](VF yv, VF gv) HWY_ATTR {
    if constexpr (kNeg) return hn::Mul(yv, hn::Add(hn::Sub(sh, gv), sl));
    return hn::Mul(yv, hn::Sub(hn::Sub(gv, sh), sl));
  };
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    hn::StoreU(one(hn::LoadU(d, yr + i), hn::LoadU(d, gr + i)), d, out + i);
  }
  if (i < cols) {
    StorePart(d, one(LoadPart(d, yr + i, cols - i, 0.0f), LoadPart(d, gr + i, cols - i, 0.0f)),
              out + i, cols - i);
  }
}

// softmax (softmin: kNeg) backward: dx = y ((dy - s_hi) - s_lo), s = sum dy y; two rows at a
// time up to kPairCols (both sums, then both results).
template <bool kNeg>
void SoftmaxBackwardRowsF(const float* y, size_t ys, const float* dy, size_t dys, float* dx,
                          size_t dxs, size_t rows, size_t cols) {
  const DF32 d;
  size_t r = 0;
  if (cols <= kPairCols) {
    for (; r + 2 <= rows; r += 2) {
      const double s0 = DotRow(d, y + r * ys, dy + r * dys, cols);
      const double s1 = DotRow(d, y + (r + 1) * ys, dy + (r + 1) * dys, cols);
      SoftmaxBackwardRow<kNeg>(d, y + r * ys, dy + r * dys, dx + r * dxs, cols, s0);
      SoftmaxBackwardRow<kNeg>(d, y + (r + 1) * ys, dy + (r + 1) * dys, dx + (r + 1) * dxs, cols,
                               s1);
    }
  }
  for (; r < rows; ++r) {
    const double s = DotRow(d, y + r * ys, dy + r * dys, cols);
    SoftmaxBackwardRow<kNeg>(d, y + r * ys, dy + r * dys, dx + r * dxs, cols, s);
  }
}

// The faithful formula dy - e^y g in double, for the lanes the fast one does not serve.
HWY_INLINE VF LogSoftmaxBackwardDouble(DF32 d, VF yv, VF gv, double g) {
  const DD dd;
  const DH dh;
  const VD gd = hn::Set(dd, g);
  auto half = [&](hn::Vec<DH> yh, hn::Vec<DH> dh_) HWY_ATTR {
    return hn::DemoteTo(
        dh, hn::NegMulAdd(kernels32::Exp(dd, hn::PromoteTo(dd, yh)), gd, hn::PromoteTo(dd, dh_)));
  };
  return hn::Combine(d, half(hn::UpperHalf(dh, yv), hn::UpperHalf(dh, gv)),
                     half(hn::LowerHalf(dh, yv), hn::LowerHalf(dh, gv)));
}

// log_softmax backward: dx = dy - e^y g.
inline void LogSoftmaxBackwardRowsF(const float* y, size_t ys, const float* dy, size_t dys,
                                    float* dx, size_t dxs, size_t rows, size_t cols) {
  const DF32 d;
  const DD dd;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    const float* yr = y + r * ys;
    const float* gr = dy + r * dys;
    float* out = dx + r * dxs;
    VD s0 = hn::Zero(dd), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 2 * N <= cols; i += 2 * N) {
      AddWideAt(gr + i, s0, s1);
      AddWideAt(gr + i + N, s2, s3);
    }
    for (; i + N <= cols; i += N) AddWideAt(gr + i, s0, s1);
    if (i < cols) AddWide(LoadPart(d, gr + i, cols - i, 0.0f), s0, s1);
    const double g = SumWide(s0, s1, s2, s3);
    if (!(std::fabs(g) <= std::numeric_limits<float>::max())) {
      BackwardRows<RowFn::kLogSoftmax, float>(yr, ys, gr, dys, out, dxs, 1, cols);
      continue;
    }
    const float g_hi = static_cast<float>(g);
    const VF gh = hn::Set(d, g_hi), gl = hn::Set(d, static_cast<float>(g - g_hi));
    auto one = [&](VF yv, VF gv) HWY_ATTR {
#if HWY_TARGET <= HWY_AVX3
      // e^y = (l + r) 2^n from the table (relative error 2^-30 before the sum), G = g 2^n by
      // vscalefps; dy - r G - l G in two FMAs, the larger product last. y = -inf is clamped
      // to -200, where e^y g is below 2^-160 for any float g.
      const VF z[1] = {hn::Max(hn::Set(d, -200.0f), yv)};
      VF l[1], rr[1], n[1];
      fk::ExpLutPoly3SplitN<1>(d, z, nullptr, l, rr, n);
      const VF big = fk::ScaleF(gh, n[0]), small = fk::ScaleF(gl, n[0]);
      const VF fast =
          hn::NegMulAdd(l[0], big, hn::NegMulAdd(rr[0], big, hn::NegMulAdd(l[0], small, gv)));
      return fk::PerLane(
          d, hn::Le(yv, hn::Zero(d)), [&]() HWY_ATTR { return fast; },
          [&]() HWY_ATTR { return LogSoftmaxBackwardDouble(d, yv, gv, g); });
#else
      // e^y = (1 + pm) 2^n, 2^n a normal float for y >= -87: G = g 2^n exact where normal;
      // dy - G - pm G in two roundings, the second an FMA.
      const auto ok = hn::And(hn::Ge(yv, hn::Set(d, fk::kFastExpMin)), hn::Le(yv, hn::Zero(d)));
      return fk::PerLane(
          d, ok,
          [&]() HWY_ATTR {
            const fk::ExpNormalF<DF32> e = fk::FastExpNormal(d, yv);
            const VF big = hn::Mul(gh, e.s), small = hn::Mul(gl, e.s);
            return hn::NegMulAdd(e.pm, big,
                                 hn::Sub(hn::NegMulAdd(e.pm, small, hn::Sub(gv, small)), big));
          },
          [&]() HWY_ATTR { return LogSoftmaxBackwardDouble(d, yv, gv, g); });
#endif
    };
    for (i = 0; i + N <= cols; i += N) {
      hn::StoreU(one(hn::LoadU(d, yr + i), hn::LoadU(d, gr + i)), d, out + i);
    }
    if (i < cols) {
      StorePart(d, one(LoadPart(d, yr + i, cols - i, 0.0f), LoadPart(d, gr + i, cols - i, 0.0f)),
                out + i, cols - i);
    }
  }
}

}  // namespace fast_rows
#endif
