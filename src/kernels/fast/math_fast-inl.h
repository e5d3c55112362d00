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

// 1/d for d in [1, 2], from the hardware estimate and one Newton step: 2^-28 on AVX-512
// (rcp14), about 2^-23 on AVX2 (rcpps, 12 bits), plus the rounding of the step.
template <class D>
HWY_INLINE Vec<D> FastRecip(D d, Vec<D> den) {
  const Vec<D> r0 = hn::ApproximateReciprocal(den);
  return hn::MulAdd(r0, hn::NegMulAdd(den, r0, hn::Set(d, 1.0f)), r0);
}

// e^t = p * 2^n for t in [-150 ln2, 0], t_lo a correction of t (|t_lo| <= 2^-24 |t|, or 0):
// p in [2^-1/2, 2^1/2], n a whole number held in a float.
template <class D>
struct ExpSplitF {
  Vec<D> p;
  Vec<D> n;
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
  const Vec<D> r2 = hn::Mul(r, r);
  return {hn::Add(hn::Set(d, 1.0f), hn::MulAdd(r2, q, r)), n};
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
