// Polynomials and table lookups for the vector math: parameters in the lane type, Horner and
// Estrin evaluation, and a 16-entry table read by permutes. Included by math-inl.h, in this order,
// once per namespace (kernels::f64, kernels::f32) and SIMD target: no include guard.

// A parameter or constant in the lane type of d. Kernels that declare kExactInFloat32 run on
// float32 lanes for float32 arrays (src/simd/op_unit-inl.h) and build their constants with this.
template <class D>
HWY_INLINE Vec<D> Param(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}

// Polynomial c[0] + c[1] x + ... + c[N-1] x^(N-1), Horner with FMA.
template <class D, size_t N>
HWY_INLINE Vec<D> Poly(D d, Vec<D> x, const double (&c)[N]) {
  Vec<D> p = hn::Set(d, c[N - 1]);
  for (size_t i = N - 1; i-- > 0;) p = hn::MulAdd(p, x, hn::Set(d, c[i]));
  return p;
}

// The same polynomial by Estrin's scheme: pairs of coefficients combined with x, pairs of
// pairs with x^2, and so on, in about log2(N) dependent steps instead of Horner's N. Used on
// the float32 paths, where the latency of a long chain, not the count of FMAs, limits speed.
template <size_t kBegin, size_t kCount, class D, size_t N>
HWY_INLINE Vec<D> EstrinPart(D d, const Vec<D>* powers, const double (&c)[N]) {
  if constexpr (kCount == 1) {
    return hn::Set(d, c[kBegin]);
  } else {
    constexpr int kLog = std::bit_width(kCount - 1) - 1;  // 2^kLog < kCount <= 2^(kLog+1)
    constexpr size_t kHalf = size_t{1} << kLog;
    return hn::MulAdd(EstrinPart<kBegin + kHalf, kCount - kHalf>(d, powers, c), powers[kLog],
                      EstrinPart<kBegin, kHalf>(d, powers, c));
  }
}

template <class D, size_t N>
HWY_INLINE Vec<D> PolyEstrin(D d, Vec<D> x, const double (&c)[N]) {
  constexpr int kPowers = std::bit_width(N - 1);  // x, x^2, x^4, ... as far as needed
  Vec<D> powers[kPowers > 0 ? kPowers : 1] = {x};
  for (int i = 1; i < kPowers; ++i) powers[i] = hn::Mul(powers[i - 1], powers[i - 1]);
  return EstrinPart<0, N>(d, powers, c);
}

// table[j] for j in [0, 16), float or double lanes: one permute where a vector holds 16 lanes,
// two and a blend where it holds 8 (no gather), a gather below that.
template <class D>
HWY_INLINE Vec<D> Table16(D d, const hn::TFromD<D>* table, hn::Vec<hn::RebindToSigned<D>> j) {
  if constexpr (hn::MaxLanes(D()) >= 16) {
    return hn::TableLookupLanes(hn::Load(d, table), hn::IndicesFromVec(d, j));
  } else if constexpr (hn::MaxLanes(D()) == 8) {
    const hn::RebindToSigned<D> di;
    const auto idx = hn::IndicesFromVec(d, hn::And(j, hn::Set(di, 7)));
    const Vec<D> lo = hn::TableLookupLanes(hn::Load(d, table), idx);
    const Vec<D> hi = hn::TableLookupLanes(hn::Load(d, table + 8), idx);
    const auto upper = hn::RebindMask(d, hn::Ne(hn::And(j, hn::Set(di, 8)), hn::Zero(di)));
    return hn::IfThenElse(upper, hi, lo);
  } else {
    return hn::GatherIndex(d, table, j);
  }
}
