// Softmax, log_softmax and softmin over the rows of a [rows, cols] array, their backward passes
// from y, argmax and hardmax: per-target loops, their dispatch, and the checked entry points.
//
// Forward, one row, v = x (softmin: v = -x):
//  - Statistics, online in blocks of kBlock elements: a block's max b and sum of e^(v - b) (the
//    block is read twice while it sits in L1), merged into the row's max M and sum
//    S = sum e^(v - M) by rescaling the side with the smaller max. One exp per element.
//  - float32 softmax of a row up to kOnePassCols long keeps e^(v - b) (in a per-thread
//    double buffer) and writes e * e^(b - M) / S: x is read from memory once.
//    A longer row would not stay in cache, so its second pass reads x again and recomputes
//    e^(v - M) / S.
//  - log_softmax needs no exp after the statistics: y = (v - M) - log S.
// Accuracy (docs/ACCURACY.md): everything is computed in double and float32 is rounded once on
// store. float64 carries pairs (hi + lo) wherever a rounding would reach the result: v - M and
// its rounding error, each e^(v - M) (ExpReduce), the compensated sum S and the factors that
// rescale it, 1/S and log S; each y is rounded once. It reads x twice (softmax recomputes
// e^(v - M) rather than keep it rounded). float32 log_softmax sums with compensation too: S
// holds the term e^0 = 1 of the max exactly, and log S = log1p(S - 1) keeps the
// log-probability of a dominant element (about -1e-18 beside a logit 40 lower) to full
// precision instead of rounding it to 0.
//
// float32 forward on AVX2 and AVX-512 (softmax and softmin rows up to kOnePassCols, log_softmax
// rows of any length): float-lane kernels with float pairs, rowwise_faithful_f32-inl.h, within the
// same half ULP and a little; the code below serves the other targets, longer rows and the 16-bit
// types. The softmax and softmin backward from y of float32 rows (any length) on AVX2 and AVX-512
// are there too (rounded once, as here); log_softmax's backward keeps the code below.
// Accuracy::fast on float32 rows (AVX2, AVX-512): float-lane kernels, rowwise_fast-inl.h.
//
// This file is the body of the row-wise units, rowwise_f32.cc (float32 and the 16-bit types, which
// share its float32 code) and rowwise_f64.cc. Each defines ACTIV_ROW_UNIT (a namespace for the
// unit's own helpers) and ACTIV_ROW_UNIT_TYPES (its element types, as in ACTIV_ROW_TYPES) and
// includes it; Highway's foreach_target re-includes it once per SIMD target.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "element.h"
#include "kernel_args.h"
#include "rowwise_units.h"

#if !defined(ACTIV_ROW_UNIT) || !defined(ACTIV_ROW_UNIT_TYPES)
#error "rowwise_unit-inl.h is included by a row-wise unit that defines ACTIV_ROW_UNIT"
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/rowwise_unit-inl.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace activ::row_units::ACTIV_ROW_UNIT::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace kernels {
using detail::Args;
// The full-accuracy primitives: these functions round their float32 results from sums and
// products of kernel values, not from one kernel value.
inline constexpr bool kForFloat32 = false;
#include "math-inl.h"
}  // namespace kernels
// The float32 results' exp (2^-42, one step for |x| <= 708; the full one otherwise): a term of
// a float32 row is e^(v - M) times factors near 1, rounded once to float32, so 2^-42 costs at
// most 2^-18 ULP; the full exp's degree-13 polynomial and its two-factor scaling would buy
// nothing that float32 can show.
namespace kernels32 {
using detail::Args;
inline constexpr bool kForFloat32 = true;
#include "math-inl.h"
// The fast kernels' float-lane primitives (Accuracy::fast, rowwise_fast-inl.h).
namespace fast {
#include "fast/math_fast-inl.h"
}  // namespace fast
}  // namespace kernels32
using detail::RowFn;
// This file's helpers, apart from the per-target code of the other translation units.
namespace rowops {
using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
#include "simd_io-inl.h"

// Elements of a block: small enough to stay in L1 between its two reads.
constexpr size_t kBlock = 1024;
// softmax rows up to this long (a vocabulary of 32000) keep their exponentials: x, y and a
// float32 row's double buffer together take 512 KiB, an L2 cache. Recomputing e^x costs more
// than reading the buffer back even from L3; longer rows read x twice instead, which keeps
// many threads from competing for memory bandwidth with 2.5 times the traffic.
constexpr size_t kOnePassCols = 32 * kBlock;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The rounding error of s = a + b (Knuth's two-sum): the scalar twin of kernels::TwoSum, the
// one definition of the step for this file's scalar code.
inline double TwoSumLo(double a, double b, double s) {
  const double bp = s - a;
  return (a - (s - bp)) + (b - bp);
}

// hi + lo, unevaluated: additions go through TwoSum, so only the rounding of lo is lost.
struct Sum2 {
  double hi = 0, lo = 0;
  void Add(double v) {
    const double s = hi + v;
    lo += TwoSumLo(hi, v, s);
    hi = s;
  }
  void Add(const Sum2& o) {
    Add(o.hi);
    lo += o.lo;
  }
  void Scale(double f) {
    hi *= f;
    lo *= f;
  }
  // By f.hi + f.lo, the product of the heads split exactly.
  void Scale(const Sum2& f) {
    const double h = hi * f.hi;
    lo = std::fma(hi, f.lo, std::fma(hi, f.hi, -h) + lo * f.hi);
    hi = h;
  }
};

// e^(a - b) for a <= b (scalar, a block's rescaling factor), with the rounding of a - b
// corrected to first order. 0 when a is -inf.
inline double ExpOfDifference(double a, double b) {
  const double hi = a - b;
  if (!(hi > -kInf)) return 0.0;
  const double lo = TwoSumLo(a, -b, hi);
  const double e = std::exp(hi);
  return std::fma(e, lo, e);
}

// float64: e^x from its ExpReduce split (x in [-1400, 0]) as a pair. Where it is
// below 2^-1022, ExpFromSplit's stand-in would not do (these terms can be all that separates
// a log-probability from 0): there it is one double, rounded to the subnormal grid.
HWY_INLINE kernels::Pair<D> ExpTerm(D d, const kernels::ExpSplit<D>& es) {
  const hn::RebindToSigned<D> di;
  kernels::Pair<D> e = kernels::ExpFromSplit(d, es);
  const auto tiny = hn::RebindMask(d, hn::Lt(es.n, hn::Set(di, -1022)));
  if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
    const auto n1 = hn::ShiftRight<1>(es.n);
    const auto n2 = hn::Sub(es.n, n1);
    const V sub = hn::Mul(hn::Mul(hn::Add(hn::Set(d, 1.0), es.m.hi), kernels::Pow2I(d, n1)),
                          kernels::Pow2I(d, n2));
    e = {hn::IfThenElse(tiny, sub, e.hi), hn::IfThenZeroElse(tiny, e.lo)};
  }
  return e;
}

// float64: e^(hi + lo) as a pair (hi <= 0), through the vector ExpReduce; 0 below -1400,
// where it is under 2^-2019 and only ever scales a sum that is then added to one >= 1.
inline Sum2 ExpPair(double hi, double lo) {
  if (!(hi > -1400.0)) return {};
  const D d;
  const kernels::Pair<D> p = ExpTerm(d, kernels::ExpReduce(d, hn::Set(d, hi), hn::Set(d, lo)));
  return {hn::GetLane(p.hi), hn::GetLane(p.lo)};
}

// float64: e^(a - b) for a <= b as a pair, the rounding of a - b carried.
inline Sum2 ExpOfDifferencePair(double a, double b) {
  const double hi = a - b;
  if (!(hi > -1400.0)) return {};
  return ExpPair(hi, TwoSumLo(a, -b, hi));
}

// Rescales a block's or the row's sum from max a to max b >= a: by a pair for float64 (a
// rounded factor would add its error, up to an ULP, to every result of the row).
template <typename T>
inline void Rescale(Sum2& sum, double a, double b) {
  if constexpr (sizeof(T) == 8) {
    sum.Scale(ExpOfDifferencePair(a, b));
  } else {
    sum.Scale(ExpOfDifference(a, b));
  }
}

// float64: 1/s as a pair; the remainder 1 - inv s.hi is exact (FMA).
inline Sum2 ReciprocalPair(const Sum2& s) {
  const double inv = 1.0 / s.hi;
  const double r = std::fma(-inv, s.hi, 1.0) - inv * s.lo;
  return {inv, inv * r};
}

// float64: log S as a pair, S = s = count + rest >= 1. With one maximum and rest < 1,
// log1p(rest) in pairs, rest summed apart from the 1 so that it has its own precision: this
// keeps a log-probability near -1e-18 (or -1e-39) to full precision. Otherwise l0 = log s.hi
// corrected by one Newton step, log s = l0 + log(s e^-l0), s e^-l0 = 1 + r, |r| near 2^-52.
inline Sum2 LogPair(double count, const Sum2& rest, const Sum2& s) {
  const D d;
  if (count == 1.0 && rest.hi < 1.0) {
    const double h = rest.hi + rest.lo;
    const double l_lo = TwoSumLo(rest.hi, rest.lo, h);
    const kernels::Pair<D> l = kernels::Log1pPair(d, {hn::Set(d, h), hn::Set(d, l_lo)});
    return {hn::GetLane(l.hi), hn::GetLane(l.lo)};
  }
  const double l0 = std::log(s.hi);
  const Sum2 e = ExpPair(-l0, 0.0);
  return {l0, std::fma(s.hi, e.hi, -1.0) + (s.hi * e.lo + s.lo * e.hi)};
}

// The rounding error of s = a + b (kernels::TwoSum), zero where s is not finite.
HWY_INLINE V TwoSumError(V a, V b, V s) {
  return hn::IfThenElseZero(hn::IsFinite(s), kernels::TwoSum(D(), a, b).lo);
}

// e^(v - m) for v <= m. float64 adds the first-order correction for the rounding of v - m,
// which would otherwise cost |v - m| / 2 ULP; float32 values differ exactly in double.
template <typename T>
HWY_INLINE V ExpShifted(D d, V v, V m) {
  const V t = hn::Sub(v, m);
  if constexpr (sizeof(T) == 8) {
    const V e = kernels::Exp(d, t);
    return hn::MulAdd(e, TwoSumError(v, hn::Neg(m), t), e);
  } else {
    return kernels32::Exp(d, t);
  }
}

// float64: e^(v - m) for v <= m as 2^n (1 + mm), mm a pair, with the rounding of v - m carried
// (ExpReduce). Below -1400 (and for -inf) the argument is clamped: the value is 0 in double.
HWY_INLINE kernels::ExpSplit<D> ExpSplitShifted(D d, V v, V m) {
  const V t = hn::Sub(v, m);
  return kernels::ExpReduce(d, hn::Max(t, hn::Set(d, -1400.0)), TwoSumError(v, hn::Neg(m), t));
}

// Element values as the function sees them: x, or -x for softmin.
template <bool kNeg, typename T>
HWY_INLINE V LoadV(D d, const T* p) {
  const V v = LoadAs(d, p);
  return kNeg ? hn::Neg(v) : v;
}

// The last n < Lanes(d) elements; the other lanes are -inf as the function sees them, which
// neither raise a max nor add to a sum.
template <bool kNeg, typename T>
HWY_INLINE V LoadVTail(D d, const T* p, size_t n) {
  const T pad = detail::Narrow<T>(kNeg ? kInf : -kInf);
  const V v = LoadTail(d, p, n, pad);
  return kNeg ? hn::Neg(v) : v;
}

// s += e over lanes, compensated (c collects the TwoSum errors) when kComp.
template <bool kComp>
HWY_INLINE void Accumulate(V e, V& s, V& c) {
  if constexpr (kComp) {
    const kernels::Pair<D> t = kernels::TwoSum(D(), s, e);
    c = hn::Add(c, t.lo);
    s = t.hi;
  } else {
    s = hn::Add(s, e);
  }
}

HWY_INLINE Sum2 ReduceLanes(D d, V s, V c) {
  HWY_ALIGN double sl[hn::MaxLanes(d)], cl[hn::MaxLanes(d)];
  hn::Store(s, d, sl);
  hn::Store(c, d, cl);
  Sum2 r;
  for (size_t i = 0; i < hn::Lanes(d); ++i) {
    r.Add(sl[i]);
    r.lo += cl[i];
  }
  return r;
}

// The max of a block as the function sees it; false when a NaN or +inf makes the row NaN.
// Four accumulators: the latency of Max, not the loads, would bound one.
template <bool kNeg, typename T>
HWY_INLINE bool BlockMax(D d, const T* x, size_t n, double* max) {
  const size_t N = hn::Lanes(d);
  const V inf = hn::Inf(d);
  V m0 = hn::Neg(inf), m1 = m0, m2 = m0, m3 = m0;
  auto bad = hn::Lt(inf, m0);  // all false
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    const V v0 = LoadV<kNeg>(d, x + i), v1 = LoadV<kNeg>(d, x + i + N);
    const V v2 = LoadV<kNeg>(d, x + i + 2 * N), v3 = LoadV<kNeg>(d, x + i + 3 * N);
    // NaN fails every comparison: !(v < inf) is true for NaN and +inf alone.
    bad = hn::Or(bad, hn::Or(hn::Or(hn::Not(hn::Lt(v0, inf)), hn::Not(hn::Lt(v1, inf))),
                             hn::Or(hn::Not(hn::Lt(v2, inf)), hn::Not(hn::Lt(v3, inf)))));
    m0 = hn::Max(m0, v0);
    m1 = hn::Max(m1, v1);
    m2 = hn::Max(m2, v2);
    m3 = hn::Max(m3, v3);
  }
  for (; i + N <= n; i += N) {
    const V v = LoadV<kNeg>(d, x + i);
    bad = hn::Or(bad, hn::Not(hn::Lt(v, inf)));
    m0 = hn::Max(m0, v);
  }
  if (i < n) {
    const V v = LoadVTail<kNeg>(d, x + i, n - i);
    bad = hn::Or(bad, hn::Not(hn::Lt(v, inf)));
    m0 = hn::Max(m0, v);
  }
  *max = hn::GetLane(hn::MaxOfLanes(d, hn::Max(hn::Max(m0, m1), hn::Max(m2, m3))));
  return hn::AllFalse(d, bad);
}

// sum of e^(v - b) over a block; with kKeep the exponentials also go to keep[0, n).
// float64 leaves out the terms of the block's maxima (each exactly 1) and counts them in *count:
// log_softmax needs S - 1 to its own precision where S is near 1.
template <bool kNeg, bool kComp, bool kKeep, typename T>
HWY_INLINE Sum2 BlockExpSum(D d, const T* x, size_t n, double b, double* keep, double* count) {
  const size_t N = hn::Lanes(d);
  const V m = hn::Set(d, b);
  V s = hn::Zero(d), c = hn::Zero(d);
  size_t i = 0;
  if constexpr (sizeof(T) == 8) {
    // The terms as pairs: a rounded e^(v - b) would add its error to S, and S's to every y.
    static_assert(!kKeep, "float64 rows are read twice");
    V k = hn::Zero(d);
    auto add = [&](V v) HWY_ATTR {
      const kernels::Pair<D> e = ExpTerm(d, ExpSplitShifted(d, v, m));
      const auto top = hn::Eq(v, m);
      k = hn::Add(k, hn::IfThenElseZero(top, hn::Set(d, 1.0)));
      Accumulate<true>(hn::IfThenZeroElse(top, e.hi), s, c);
      c = hn::Add(c, hn::IfThenZeroElse(top, e.lo));
    };
    for (; i + N <= n; i += N) add(LoadV<kNeg>(d, x + i));
    if (i < n) add(LoadVTail<kNeg>(d, x + i, n - i));
    *count = hn::GetLane(hn::SumOfLanes(d, k));
    return ReduceLanes(d, s, c);
  }
  for (; i + N <= n; i += N) {
    const V e = ExpShifted<T>(d, LoadV<kNeg>(d, x + i), m);
    if constexpr (kKeep) hn::StoreU(e, d, keep + i);
    Accumulate<kComp>(e, s, c);
  }
  if (i < n) {
    const V e = ExpShifted<T>(d, LoadVTail<kNeg>(d, x + i, n - i), m);
    if constexpr (kKeep) StoreTail(d, e, keep + i, n - i);
    Accumulate<kComp>(e, s, c);
  }
  return ReduceLanes(d, s, c);
}

struct RowStats {
  double max = -kInf;                       // M
  Sum2 sum;                                 // S = sum e^(v - M), >= 1 when M is finite
  double count = 0;                         // float64: how many elements equal M
  Sum2 rest;                                // float64: S - count
  bool bad = false;                         // a NaN or +inf: the row is NaN
  double block_max[kOnePassCols / kBlock];  // with kKeep: the b that keep[] is relative to
};

template <bool kNeg, bool kComp, bool kKeep, typename T>
HWY_INLINE void ComputeStats(D d, const T* x, size_t cols, double* keep, RowStats& st) {
  st.max = -kInf;
  st.sum = Sum2{};
  st.count = 0;
  st.rest = Sum2{};
  st.bad = false;
  for (size_t b0 = 0, k = 0; b0 < cols; b0 += kBlock, ++k) {
    const size_t n = std::min(kBlock, cols - b0);
    double b;
    if (!BlockMax<kNeg>(d, x + b0, n, &b)) {
      st.bad = true;
      return;
    }
    if constexpr (kKeep) st.block_max[k] = b;
    if (b == -kInf) continue;  // an all -inf block adds nothing
    double count = 0;
    Sum2 bs = BlockExpSum<kNeg, kComp, kKeep>(d, x + b0, n, b, kKeep ? keep + b0 : nullptr, &count);
    if constexpr (sizeof(T) == 8) {
      if (b == st.max) {
        st.count += count;
      } else {
        // The side with the smaller max, its maxima included, rescaled into rest.
        Sum2 lower = bs;
        double lower_max = b;
        if (b > st.max) {
          lower = st.rest;
          lower.Add(st.count);
          lower_max = st.max;
          st.rest = bs;
          st.count = count;
          st.max = b;
        } else {
          lower.Add(count);
        }
        if (lower_max > -kInf) Rescale<T>(lower, lower_max, st.max);
        bs = lower;
      }
      st.rest.Add(bs);
      st.sum = st.rest;
      st.sum.Add(st.count);
      continue;
    }
    if (b > st.max) {
      // The block holds the new max, whose term e^0 = 1 is exact: the old sum is rescaled
      // and added to it.
      Rescale<T>(st.sum, st.max, b);
      st.max = b;
    } else {
      Rescale<T>(bs, b, st.max);
    }
    st.sum.Add(bs);
  }
}

template <typename T>
void Fill(T* y, size_t n, T v) {
  std::fill(y, y + n, v);
}

// e^(b - M) / S, a block's factor, as hi + lo in double pairs (ExpPair and ReciprocalPair, to
// about 2^-100 relative), so that the factor adds far less than an ULP to a float64 result and
// no step relies on long double being wider than double (it is not on every platform). float32
// needs only hi. NaN propagates (b - M is NaN only for a row the special-value policy already
// decided, but the factor must not turn it into a number).
inline Sum2 BlockFactor(double b, double m, const Sum2& sum) {
  if (std::isnan(b - m)) return {b - m, 0.0};
  Sum2 f = ExpOfDifferencePair(b, m);
  f.Scale(ReciprocalPair(sum));
  return f;
}

// e * f with f = hi + lo: one rounding of the product for float64.
template <typename T>
HWY_INLINE V MulFactor(D d, V e, const Sum2& f) {
  if constexpr (sizeof(T) == 8) {
    return hn::MulAdd(e, hn::Set(d, f.hi), hn::Mul(e, hn::Set(d, f.lo)));
  } else {
    return hn::Mul(e, hn::Set(d, f.hi));
  }
}

// y = e^(v - M) / S from x, a second read.
template <bool kNeg, typename T>
HWY_INLINE void SoftmaxFromX(D d, const T* x, size_t cols, const RowStats& st, T* y) {
  const size_t N = hn::Lanes(d);
  const V m = hn::Set(d, st.max);
  if constexpr (sizeof(T) == 8) {
    // y = 2^n (1 + mm) (1/S), the pairs multiplied and rounded once, also where y is subnormal.
    const Sum2 inv = ReciprocalPair(st.sum);
    const kernels::Pair<D> f = {hn::Set(d, inv.hi), hn::Set(d, inv.lo)};
    auto one = [&](V v) HWY_ATTR {
      const kernels::ExpSplit<D> es = ExpSplitShifted(d, v, m);
      return kernels::ScaleRound(d, kernels::MulPairs(d, kernels::OnePlus(d, es.m), f), es.n);
    };
    size_t i = 0;
    for (; i + N <= cols; i += N) StoreAs(d, one(LoadV<kNeg>(d, x + i)), y + i);
    if (i < cols) StoreTail(d, one(LoadVTail<kNeg>(d, x + i, cols - i)), y + i, cols - i);
    return;
  }
  const Sum2 f = BlockFactor(st.max, st.max, st.sum);
  size_t i = 0;
  for (; i + N <= cols; i += N) {
    StoreAs(d, MulFactor<T>(d, ExpShifted<T>(d, LoadV<kNeg>(d, x + i), m), f), y + i);
  }
  if (i < cols) {
    const V e = ExpShifted<T>(d, LoadVTail<kNeg>(d, x + i, cols - i), m);
    StoreTail(d, MulFactor<T>(d, e, f), y + i, cols - i);
  }
}

// y = e^(v - b) * (e^(b - M) / S) from the kept exponentials, one factor per block.
template <typename T>
HWY_INLINE void SoftmaxFromKept(D d, const double* keep, size_t cols, const RowStats& st, T* y) {
  const size_t N = hn::Lanes(d);
  for (size_t b0 = 0, k = 0; b0 < cols; b0 += kBlock, ++k) {
    const size_t n = std::min(kBlock, cols - b0);
    if (st.block_max[k] == -kInf) {
      Fill(y + b0, n, detail::Narrow<T>(0.0));
      continue;
    }
    const Sum2 f = BlockFactor(st.block_max[k], st.max, st.sum);
    size_t i = b0;
    for (; i + N <= b0 + n; i += N) StoreAs(d, MulFactor<T>(d, hn::LoadU(d, keep + i), f), y + i);
    if (i < b0 + n) {
      const V e = LoadTail(d, keep + i, b0 + n - i, 0.0);
      StoreTail(d, MulFactor<T>(d, e, f), y + i, b0 + n - i);
    }
  }
}

// y = (v - M) - log S, where log S = log1p(S - 1) while S < 2 (S - 1 is then exact in hi - 1).
template <bool kNeg, typename T>
HWY_INLINE void LogSoftmaxFromX(D d, const T* x, size_t cols, const RowStats& st, T* y) {
  const size_t N = hn::Lanes(d);
  if constexpr (sizeof(T) == 8) {
    // (t + tl) - (L.hi + L.lo), t = v - M and tl its rounding error, L = log S: one TwoSum
    // of the heads, then one rounding.
    const Sum2 ls = LogPair(st.count, st.rest, st.sum);
    const V m = hn::Set(d, st.max), neg_m = hn::Set(d, -st.max);
    const V lh = hn::Set(d, -ls.hi), ll = hn::Set(d, -ls.lo);
    auto one = [&](V v) HWY_ATTR {
      const V t = hn::Sub(v, m);
      const V u = hn::Add(t, lh);
      const V lo = hn::Add(hn::Add(TwoSumError(t, lh, u), TwoSumError(v, neg_m, t)), ll);
      return hn::Add(u, lo);
    };
    size_t i = 0;
    for (; i + N <= cols; i += N) StoreAs(d, one(LoadV<kNeg>(d, x + i)), y + i);
    if (i < cols) StoreTail(d, one(LoadVTail<kNeg>(d, x + i, cols - i)), y + i, cols - i);
    return;
  }
  const double log_sum =
      st.sum.hi < 2.0 ? std::log1p((st.sum.hi - 1.0) + st.sum.lo) : std::log(st.sum.hi + st.sum.lo);
  const V m = hn::Set(d, st.max), neg_m = hn::Set(d, -st.max), l = hn::Set(d, log_sum);
  auto one = [&](V v) HWY_ATTR {
    const V t = hn::Sub(v, m);
    if constexpr (sizeof(T) == 8) return hn::Add(hn::Sub(t, l), TwoSumError(v, neg_m, t));
    return hn::Sub(t, l);
  };
  size_t i = 0;
  for (; i + N <= cols; i += N) StoreAs(d, one(LoadV<kNeg>(d, x + i)), y + i);
  if (i < cols) StoreTail(d, one(LoadVTail<kNeg>(d, x + i, cols - i)), y + i, cols - i);
}

template <bool kNeg, bool kLog, typename T>
void ForwardRows(const T* x, size_t xs, T* y, size_t ys, size_t rows, size_t cols,
                 bool masked_zero) {
  const D d;
  constexpr bool kComp = kLog || sizeof(T) == 8;
  // float64 reads x twice: a kept e^(v - b), rounded to double, would add up to an ULP to y.
  const bool one_pass = !kLog && sizeof(T) != 8 && cols <= kOnePassCols;
  double* scratch = nullptr;
  if constexpr (sizeof(T) != 8) {
    if (one_pass) {
      thread_local std::vector<double> buffer;
      if (buffer.size() < cols) buffer.resize(cols);
      scratch = buffer.data();
    }
  }
  RowStats st;
  for (size_t r = 0; r < rows; ++r) {
    const T* xr = x + r * xs;
    T* yr = y + r * ys;
    double* keep = scratch;
    if (one_pass) {
      if constexpr (sizeof(T) != 8) ComputeStats<kNeg, kComp, true>(d, xr, cols, keep, st);
    } else {
      ComputeStats<kNeg, kComp, false>(d, xr, cols, nullptr, st);
    }
    if (st.bad || st.max == -kInf) {
      const bool zero = !st.bad && masked_zero;
      Fill(yr, cols, detail::Narrow<T>(zero ? 0.0 : std::numeric_limits<double>::quiet_NaN()));
      continue;
    }
    if constexpr (kLog) {
      LogSoftmaxFromX<kNeg>(d, xr, cols, st, yr);
    } else if (one_pass) {
      SoftmaxFromKept(d, keep, cols, st, yr);
    } else {
      SoftmaxFromX<kNeg>(d, xr, cols, st, yr);
    }
  }
}

// Backward from y. softmax: dx = y * (dy - sum(dy * y)); softmin: the negative of that;
// log_softmax: dx = dy - e^y * sum(dy). float64 sums with compensation, products split exactly
// (FMA), so that the sum is as good as the rounding of its result.
template <RowFn kFn, typename T>
void BackwardRows(const T* y, size_t ys, const T* dy, size_t dys, T* dx, size_t dxs, size_t rows,
                  size_t cols) {
  const D d;
  const size_t N = hn::Lanes(d);
  constexpr bool kLog = kFn == RowFn::kLogSoftmax;
  for (size_t r = 0; r < rows; ++r) {
    const T* yr = y + r * ys;
    const T* gr = dy + r * dys;
    T* out = dx + r * dxs;
    V s = hn::Zero(d), c = hn::Zero(d);
    auto add = [&](V yv, V gv) HWY_ATTR {
      if constexpr (kLog) {
        Accumulate<sizeof(T) == 8>(gv, s, c);
      } else if constexpr (sizeof(T) == 8) {
        const V p = hn::Mul(yv, gv);
        c = hn::Add(c, hn::MulSub(yv, gv, p));
        Accumulate<true>(p, s, c);
      } else {
        s = hn::MulAdd(yv, gv, s);  // float products are exact in double
      }
    };
    size_t i = 0;
    for (; i + N <= cols; i += N) add(LoadAs(d, yr + i), LoadAs(d, gr + i));
    if (i < cols) add(LoadTail(d, yr + i, cols - i, T{}), LoadTail(d, gr + i, cols - i, T{}));
    const Sum2 total = ReduceLanes(d, s, c);
    const V sum = hn::Set(d, total.hi + total.lo);
    auto one = [&](V yv, V gv) HWY_ATTR {
      if constexpr (kLog && sizeof(T) == 8) return hn::NegMulAdd(kernels::Exp(d, yv), sum, gv);
      if constexpr (kLog) return hn::NegMulAdd(kernels32::Exp(d, yv), sum, gv);
      if constexpr (kFn == RowFn::kSoftmin) return hn::Mul(yv, hn::Sub(sum, gv));
      return hn::Mul(yv, hn::Sub(gv, sum));
    };
    for (i = 0; i + N <= cols; i += N)
      StoreAs(d, one(LoadAs(d, yr + i), LoadAs(d, gr + i)), out + i);
    if (i < cols) {
      StoreTail(d, one(LoadTail(d, yr + i, cols - i, T{}), LoadTail(d, gr + i, cols - i, T{})),
                out + i, cols - i);
    }
  }
}

#include "rowwise_fast-inl.h"
// After the fast kernels, whose helpers it shares.
#include "rowwise_faithful_f32-inl.h"

// Accuracy::fast runs the float32 fast kernels where the target has them.
template <typename T>
void ForwardT(RowFn fn, const T* x, size_t xs, T* y, size_t ys, size_t rows, size_t cols,
              bool masked_zero, bool fast) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2  // kFastRows
  if constexpr (std::is_same_v<T, float>) {
    if (fast) {
      switch (fn) {
        case RowFn::kSoftmax:
          return fast_rows::ForwardRowsF<false, false>(x, xs, y, ys, rows, cols, masked_zero);
        case RowFn::kLogSoftmax:
          return fast_rows::ForwardRowsF<false, true>(x, xs, y, ys, rows, cols, masked_zero);
        case RowFn::kSoftmin:
          return fast_rows::ForwardRowsF<true, false>(x, xs, y, ys, rows, cols, masked_zero);
      }
    }
  }
#else
  (void)fast;
#endif
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2  // the faithful float-lane kernels
  if constexpr (std::is_same_v<T, float>) {
    if (!fast) {
      switch (fn) {
        case RowFn::kSoftmax:
          if (cols > kOnePassCols) break;
          return faithful_rows::ForwardRowsF<false, false>(x, xs, y, ys, rows, cols, masked_zero);
        case RowFn::kLogSoftmax:
          return faithful_rows::ForwardRowsF<false, true>(x, xs, y, ys, rows, cols, masked_zero);
        case RowFn::kSoftmin:
          if (cols > kOnePassCols) break;
          return faithful_rows::ForwardRowsF<true, false>(x, xs, y, ys, rows, cols, masked_zero);
      }
    }
  }
#endif
  switch (fn) {
    case RowFn::kSoftmax:
      return ForwardRows<false, false>(x, xs, y, ys, rows, cols, masked_zero);
    case RowFn::kLogSoftmax:
      return ForwardRows<false, true>(x, xs, y, ys, rows, cols, masked_zero);
    case RowFn::kSoftmin:
      return ForwardRows<true, false>(x, xs, y, ys, rows, cols, masked_zero);
  }
}

template <typename T>
void BackwardT(RowFn fn, const T* y, size_t ys, const T* dy, size_t dys, T* dx, size_t dxs,
               size_t rows, size_t cols, bool fast) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2  // the fast and faithful float-lane kernels
  if constexpr (std::is_same_v<T, float>) {
    switch (fn) {
      case RowFn::kSoftmax:
        return fast ? fast_rows::SoftmaxBackwardRowsF<false>(y, ys, dy, dys, dx, dxs, rows, cols)
                    : faithful_rows::SoftmaxBackwardRowsF<false>(y, ys, dy, dys, dx, dxs, rows,
                                                                 cols);
      case RowFn::kLogSoftmax:
        return fast ? fast_rows::LogSoftmaxBackwardRowsF(y, ys, dy, dys, dx, dxs, rows, cols)
                    : faithful_rows::LogSoftmaxBackwardRowsF(y, ys, dy, dys, dx, dxs, rows, cols);
      case RowFn::kSoftmin:
        return fast
                   ? fast_rows::SoftmaxBackwardRowsF<true>(y, ys, dy, dys, dx, dxs, rows, cols)
                   : faithful_rows::SoftmaxBackwardRowsF<true>(y, ys, dy, dys, dx, dxs, rows, cols);
    }
  }
#else
  (void)fast;
#endif
  switch (fn) {
    case RowFn::kSoftmax:
      return BackwardRows<RowFn::kSoftmax>(y, ys, dy, dys, dx, dxs, rows, cols);
    case RowFn::kLogSoftmax:
      return BackwardRows<RowFn::kLogSoftmax>(y, ys, dy, dys, dx, dxs, rows, cols);
    case RowFn::kSoftmin:
      return BackwardRows<RowFn::kSoftmin>(y, ys, dy, dys, dx, dxs, rows, cols);
  }
}

// Index of the first NaN, else of the first maximum; on the element type's own vectors, or
// one element at a time for the 16-bit types (widening keeps the order and the NaNs).
template <typename T>
int64_t ArgmaxRow(const T* x, size_t n) {
  if constexpr (!std::is_floating_point_v<T>) {
    size_t best = 0;
    double max = -kInf;
    for (size_t j = 0; j < n; ++j) {
      const double v = detail::Widen(x[j]);
      if (std::isnan(v)) return static_cast<int64_t>(j);
      if (v > max) {
        max = v;
        best = j;
      }
    }
    return static_cast<int64_t>(best);
  } else {
    const hn::ScalableTag<T> d;
    const size_t N = hn::Lanes(d);
    auto m = hn::Set(d, -std::numeric_limits<T>::infinity());
    size_t i = 0;
    for (; i + N <= n; i += N) {
      const auto v = hn::LoadU(d, x + i);
      const auto nan = hn::IsNaN(v);
      if (!hn::AllFalse(d, nan)) return static_cast<int64_t>(i) + hn::FindFirstTrue(d, nan);
      m = hn::Max(m, v);
    }
    T max = hn::GetLane(hn::MaxOfLanes(d, m));
    for (size_t j = i; j < n; ++j) {
      if (std::isnan(x[j])) return static_cast<int64_t>(j);
      max = std::max(max, x[j]);
    }
    const auto mv = hn::Set(d, max);
    for (i = 0; i + N <= n; i += N) {
      const auto eq = hn::Eq(hn::LoadU(d, x + i), mv);
      if (!hn::AllFalse(d, eq)) return static_cast<int64_t>(i) + hn::FindFirstTrue(d, eq);
    }
    for (; i < n; ++i) {
      if (x[i] == max) return static_cast<int64_t>(i);
    }
    return 0;  // not reached for n >= 1
  }
}

template <typename T>
void ArgmaxT(const T* x, size_t xs, size_t rows, size_t cols, int64_t* index) {
  for (size_t r = 0; r < rows; ++r) index[r] = ArgmaxRow(x + r * xs, cols);
}

}  // namespace rowops

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace activ::row_units::ACTIV_ROW_UNIT::HWY_NAMESPACE

// Each element type's entry points, in its own namespace of rowwise_units.h.
#define ACTIV_ROW_UNIT_DEFINE(S, T)                                                             \
  namespace activ::row_units::S::HWY_NAMESPACE {                                                \
  using detail::RowFn;                                                                          \
  namespace rowops = ACTIV_ROW_UNIT::HWY_NAMESPACE::rowops;                                     \
  void RowForward(RowFn fn, const T* x, size_t xs, T* y, size_t ys, size_t rows, size_t cols,   \
                  bool masked_zero, bool fast) {                                                \
    rowops::ForwardT(fn, x, xs, y, ys, rows, cols, masked_zero, fast);                          \
  }                                                                                             \
  void RowBackward(RowFn fn, const T* y, size_t ys, const T* dy, size_t dys, T* dx, size_t dxs, \
                   size_t rows, size_t cols, bool fast) {                                       \
    rowops::BackwardT(fn, y, ys, dy, dys, dx, dxs, rows, cols, fast);                           \
  }                                                                                             \
  void Argmax(const T* x, size_t xs, size_t rows, size_t cols, int64_t* index) {                \
    rowops::ArgmaxT(x, xs, rows, cols, index);                                                  \
  }                                                                                             \
  }
ACTIV_ROW_UNIT_TYPES(ACTIV_ROW_UNIT_DEFINE)
#undef ACTIV_ROW_UNIT_DEFINE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#define ACTIV_ROW_UNIT_EXPORT(S, T)                                                             \
  namespace activ::row_units::S {                                                               \
  using detail::RowFn;                                                                          \
  HWY_EXPORT(RowForward);                                                                       \
  HWY_EXPORT(RowBackward);                                                                      \
  HWY_EXPORT(Argmax);                                                                           \
  void RunForward(RowFn fn, const T* x, size_t xs, T* y, size_t ys, size_t rows, size_t cols,   \
                  bool masked_zero, bool fast) {                                                \
    HWY_DYNAMIC_DISPATCH(RowForward)(fn, x, xs, y, ys, rows, cols, masked_zero, fast);          \
  }                                                                                             \
  void RunBackward(RowFn fn, const T* y, size_t ys, const T* dy, size_t dys, T* dx, size_t dxs, \
                   size_t rows, size_t cols, bool fast) {                                       \
    HWY_DYNAMIC_DISPATCH(RowBackward)(fn, y, ys, dy, dys, dx, dxs, rows, cols, fast);           \
  }                                                                                             \
  void RunArgmax(const T* x, size_t xs, size_t rows, size_t cols, int64_t* index) {             \
    HWY_DYNAMIC_DISPATCH(Argmax)(x, xs, rows, cols, index);                                     \
  }                                                                                             \
  }
ACTIV_ROW_UNIT_TYPES(ACTIV_ROW_UNIT_EXPORT)
#undef ACTIV_ROW_UNIT_EXPORT
#endif  // HWY_ONCE
