// Pair (double-double) arithmetic: error-free sums and products and the few pair operations
// the float64 kernels need. Included by math-inl.h, in this order, once per namespace
// (kernels::f64, kernels::f32) and SIMD target: no include guard.

// ---------------------------------------------------------------------------------------------
// Error-free transformations for float64 results. A double result rounded once is within 0.5
// ULP; every further rounding in a formula adds up to 0.5 more, so formulas of three or more
// operations (1/(1+e), x/(1+|x|), (x + s)/2) land above the spec's 1 ULP. Carrying the
// intermediate as an unevaluated sum hi + lo (about 106 bits) leaves one final rounding. Used
// only where !kForFloat32: the float32 results already have 29 spare bits in double.

template <class D>
struct Pair {
  Vec<D> hi;
  Vec<D> lo;
};

// a + b = hi + lo exactly, any magnitudes (Knuth's two-sum). Not for infinite inputs.
template <class D>
HWY_INLINE Pair<D> TwoSum(D /*d*/, Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  const Vec<D> bb = hn::Sub(s, a);
  const Vec<D> err = hn::Add(hn::Sub(a, hn::Sub(s, bb)), hn::Sub(b, bb));
  return {s, err};
}

// a + b = hi + lo exactly when |a| >= |b| or a is 0 (Dekker's fast two-sum).
template <class D>
HWY_INLINE Pair<D> FastTwoSum(D /*d*/, Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  return {s, hn::Sub(b, hn::Sub(s, a))};
}

// a * b = hi + lo exactly (barring underflow of lo). With FMA the error is one MulSub; the
// targets without it (SSE4, scalar) split each factor in two 26-bit halves (Veltkamp/Dekker).
template <class D>
HWY_INLINE Pair<D> TwoProd(D d, Vec<D> a, Vec<D> b) {
  const Vec<D> p = hn::Mul(a, b);
#if HWY_NATIVE_FMA
  (void)d;
  return {p, hn::MulSub(a, b, p)};
#else
  const Vec<D> split = hn::Set(d, 134217729.0);  // 2^27 + 1
  const auto halves = [&](Vec<D> v, Vec<D>* h, Vec<D>* l) {
    const Vec<D> c = hn::Mul(split, v);
    *h = hn::Sub(c, hn::Sub(c, v));
    *l = hn::Sub(v, *h);
  };
  Vec<D> ah, al, bh, bl;
  halves(a, &ah, &al);
  halves(b, &bh, &bl);
  const Vec<D> err =
      hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), p), hn::Mul(ah, bl)), hn::Mul(al, bh)),
              hn::Mul(al, bl));
  return {p, err};
#endif
}

// n / q as hi + lo, to about 2^-104 relative. Requires q.hi != 0 and finite. One division:
// y = n.hi (1/q.hi) is within an ULP or two of the quotient, which keeps n.hi - y q.hi exact
// (Sterbenz), and the remainder times 1/q.hi corrects it.
template <class D>
HWY_INLINE Pair<D> DivToPair(D d, Pair<D> n, Pair<D> q) {
  const Vec<D> inv = hn::Div(hn::Set(d, 1.0), q.hi);
  const Vec<D> y = hn::Mul(n.hi, inv);
  const Pair<D> yq = TwoProd(d, y, q.hi);
  const Vec<D> r = hn::Sub(hn::Add(hn::Sub(hn::Sub(n.hi, yq.hi), yq.lo), n.lo), hn::Mul(y, q.lo));
  return {y, hn::Mul(r, inv)};
}

// a (b.hi + b.lo) rounded once (to within ~2^-100 relative before that rounding).
template <class D>
HWY_INLINE Vec<D> MulRound(D d, Vec<D> a, Pair<D> b) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulAdd(a, b.hi, hn::Mul(a, b.lo));
#else
  const Pair<D> p = TwoProd(d, a, b.hi);
  return hn::Add(p.hi, hn::MulAdd(a, b.lo, p.lo));
#endif
}

// a (b.hi + b.lo) as a pair; |lo| may exceed half an ULP of hi slightly (not renormalised).
template <class D>
HWY_INLINE Pair<D> MulToPair(D d, Vec<D> a, Pair<D> b) {
  const Pair<D> p = TwoProd(d, a, b.hi);
  return {p.hi, hn::MulAdd(a, b.lo, p.lo)};
}

template <class D>
HWY_INLINE Pair<D> MulPairs(D d, Pair<D> a, Pair<D> b) {
  const Pair<D> p = TwoProd(d, a.hi, b.hi);
  return {p.hi, hn::Add(p.lo, hn::MulAdd(a.hi, b.lo, hn::Mul(a.lo, b.hi)))};
}
