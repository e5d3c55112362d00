// Primitives of the fast kernels (Accuracy::fast): plain float32 lanes, no float pairs, no
// table. Included once per SIMD target inside kernels::f32::fast, after the faithful kernel
// files, by the generated <name>-fast-kernels-inl.h; only float32 lanes on FMA targets reach
// them (src/simd/op_unit-inl.h).
//
// The budget is 4 ULP forward (docs/SPEC.md, Accuracy modes), on every input: e^t is a
// degree-6 polynomial on |r| <= ln2/2 (relative error 2^-28 before rounding, so its own
// evaluation, under 1 ULP, dominates), and 2^n is applied as two or three exact power-of-two
// factors so that a result in the subnormal range rounds once, at the last product, instead of
// flushing to zero as a single 2^n (n < -126) would.

// 1/d for d in [1, 2], from the hardware estimate and Newton steps: one from AVX-512's rcp14
// (2^-28, plus the rounding of the step), two from AVX2's 12-bit rcpps (one step leaves
// 2^-23: measured, sigmoid's backward reached 6.2 ULP with it).
template <class D>
HWY_INLINE Vec<D> FastRecip(D d, Vec<D> den) {
  const Vec<D> one = hn::Set(d, 1.0f);
  Vec<D> r = hn::ApproximateReciprocal(den);
  if constexpr (HWY_TARGET > HWY_AVX3) r = hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);
  return hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);
}

// e^t = p * 2^n for t in [-150 ln2, 0], t_lo a correction of t (|t_lo| <= 2^-24 |t|, or 0):
// p in [2^-1/2, 2^1/2], n a whole number held in a float.
template <class D>
struct ExpSplitF {
  Vec<D> p;
  Vec<D> n;
  Vec<D> pm;  // p - 1 before the rounding of 1 + pm (expm1 near 0)
};
template <class D>
HWY_INLINE ExpSplitF<D> FastExpSplit(D d, Vec<D> t, Vec<D> t_lo) {
  const Vec<D> n = hn::Round(hn::Mul(t, hn::Set(d, 1.44269504088896341f)));
  // ln2 in two parts: the first has 16 trailing zero bits, so n * ln2_hi is exact for |n| < 2^8.
  Vec<D> r = hn::NegMulAdd(n, hn::Set(d, 0x1.62e4p-1f), t);
  r = hn::NegMulAdd(n, hn::Set(d, 0x1.7f7d1cp-20f), hn::Add(r, t_lo));
  // e^r - 1 - r = r^2 (c2 + c3 r + ... + c6 r^4), weighted least squares near minimax.
  Vec<D> q = hn::Set(d, 0x1.6bd906p-10f);
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.1239b0p-7f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555682p-5f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555492p-3f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.fffffep-2f));
  const Vec<D> pm = hn::MulAdd(hn::Mul(r, r), q, r);
  return {hn::Add(hn::Set(d, 1.0f), pm), n, pm};
}

// 2^k as a float for whole k in [-126, 127] held in int32 lanes.
template <class DI>
HWY_INLINE Vec<hn::RebindToFloat<DI>> Pow2I(DI di, Vec<DI> k) {
  const hn::RebindToFloat<DI> df;
  return hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(k, hn::Set(di, 127))));
}

// The factors 2^n1, 2^n2 with n1 + n2 = n, for whole n in [-252, 0] (each factor >= 2^-126).
template <class D>
struct Scale2F {
  Vec<D> s1;
  Vec<D> s2;
};
template <class D>
HWY_INLINE Scale2F<D> SplitScale2(D d, Vec<D> n) {
  const hn::RebindToSigned<D> di;
  const auto ni = hn::ConvertTo(di, n);
  const auto n1 = hn::ShiftRight<1>(ni);  // floor(n/2) >= n/2 - 1/2
  (void)d;
  return {Pow2I(di, n1), Pow2I(di, hn::Sub(ni, n1))};
}

// The factors 2^n1, 2^n2, 2^n3 with n1 + n2 + n3 = n, for whole n in [-290, 0]: n1 = n2 about
// n/3 (floor of n * 21846 / 2^16), n3 the rest; each within [-97, 2]. For results scaled by
// dy, whose largest float (2^128) keeps e^t nonzero down to t = -193 (-194 with a factor 4); the
// kernels clamp at -200.
template <class D>
struct Scale3F {
  Vec<D> s1;
  Vec<D> s2;
  Vec<D> s3;
};
template <class D>
HWY_INLINE Scale3F<D> SplitScale3(D d, Vec<D> n) {
  const hn::RebindToSigned<D> di;
  const auto ni = hn::ConvertTo(di, n);
  const auto n1 = hn::ShiftRight<16>(hn::Mul(ni, hn::Set(di, 21846)));
  const auto s1 = Pow2I(di, n1);
  (void)d;
  return {s1, s1, Pow2I(di, hn::Sub(ni, hn::Add(n1, n1)))};
}

// v 2^n for the factors of SplitScale3: exact while the partial products stay normal, so a
// subnormal result rounds once, at the last product (n3, the one left, is about n/3: at least
// 24 in magnitude whenever a result of |v| >= 2^-54 is subnormal).
template <class D>
HWY_INLINE Vec<D> Scale3(Vec<D> v, const Scale3F<D>& s) {
  return hn::Mul(hn::Mul(hn::Mul(v, s.s1), s.s2), s.s3);
}

// dy sigmoid'(u) = dy e/(1 + e)^2, e = e^-|u|, the same on both sides of 0. |u| is clamped at
// 200, where the slope (times 4) is under 2^-286 and the result rounds to 0 for any finite dy; the
// scale (three factors) goes last, after dy, so that a subnormal result rounds once. p q^2 2^n1 is
// below 2, so the product with dy overflows only where the result itself is at the top of the
// range.
// kTimes4: dy 4 sigmoid'(u) (tanh's slope at u = 2x), the 4 taken into p rather than dy, where
// it could overflow.
template <bool kTimes4 = false, class D>
HWY_INLINE Vec<D> FastSigmoidSlope(D d, Vec<D> u, Vec<D> dy) {
  const Vec<D> t = hn::Max(hn::Neg(hn::Abs(u)), hn::Set(d, -200.0f));
  const ExpSplitF<D> e = FastExpSplit(d, t, hn::Zero(d));
  const Scale3F<D> s = SplitScale3(d, e.n);
  const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), Scale3(e.p, s)));
  const Vec<D> p = kTimes4 ? hn::Mul(e.p, hn::Set(d, 4.0f)) : e.p;
  const Vec<D> g = hn::Mul(hn::Mul(hn::Mul(p, q), q), s.s1);
  return hn::Mul(hn::Mul(hn::Mul(g, dy), s.s2), s.s3);
}
