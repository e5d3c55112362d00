// selu: scale * elu(x, alpha). Included by the operation's unit (src/simd/op_unit-inl.h) once per
// SIMD target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a
// double descriptor.
struct selu {
  // float32 arrays on FMA targets: elu's float lanes with scale alpha (exact in double, for
  // float parameters) as two floats.
  static constexpr bool kFloatLanes = true;
  template <class D>
  HWY_INLINE static PairF<D> ScaleAlphaF(D d, const Args& a) {
    const double sa = a.p[0] * a.p[1];
    const float hi = static_cast<float>(sa);
    return {hn::Set(d, hi), hn::Set(d, static_cast<float>(sa - static_cast<double>(hi)))};
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      Vec<D> v[1] = {x};
      ForwardN<1>(d, v, a);
      return v[0];
    } else if constexpr (!kForFloat32) {
      // scale*alpha as a pair (its rounding alone is 0.5 ULP) times e^x - 1 as a pair.
      const double sa = a.p[0] * a.p[1];
      const Pair<D> sa_pair = {hn::Set(d, sa), hn::Set(d, std::fma(a.p[0], a.p[1], -sa))};
      const Pair<D> p = MulPairs(d, sa_pair, Expm1Pair(d, hn::Min(x, hn::Zero(d)), hn::Zero(d)));
      Vec<D> neg = hn::Add(p.hi, p.lo);
      const auto tiny = hn::Lt(hn::Abs(x), hn::Set(d, 0x1p-900));
      if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
        // e^x - 1 = x there; scaled up so that the low half of the product stays normal.
        const hn::RebindToSigned<D> di;
        const Pair<D> px = MulToPair(d, hn::Mul(x, hn::Set(d, 0x1p200)), sa_pair);
        neg = hn::IfThenElse(tiny, ScaleRound(d, px, hn::Set(di, -200)), neg);
      }
      neg = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Mul(hn::Set(d, sa), x), neg);
      neg = hn::IfThenElse(hn::IsNaN(x), x, neg);
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(hn::Set(d, a.p[1]), x), neg);
    }
    const Vec<D> neg = hn::Mul(hn::Set(d, a.p[0] * a.p[1]), Expm1(d, x));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(hn::Set(d, a.p[1]), x), neg);
  }
  // Float lanes, kK vectors at once (Forward is its kK = 1, ForwardT takes kForwardN,
  // op_unit-inl.h): elu::ForwardF with c = scale alpha as two floats and pos = scale x, its
  // steps interleaved across the vectors (Expm1PairFN), the lanes outside elu::ForwardFOk
  // patched from the double lanes. AVX-512 with four: 1.23x faster than one at a time (0.315
  // against 0.388 ns per element at 262144); AVX2 with two, where one at a time had measured
  // slower than the double lanes: 1.09x faster than them (0.796 against 0.868; alternated,
  // loaded host).
  static constexpr size_t kForwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    const PairF<D> sa = ScaleAlphaF(d, a);
    const Vec<D> scale = hn::Set(d, static_cast<float>(a.p[1]));
    Vec<D> xc[kK], tl[kK], y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      xc[k] = hn::Min(hn::Max(v[k], hn::Set(d, -86.0f)), hn::Zero(d));
      tl[k] = hn::Zero(d);
    }
    PairF<D> em[kK];
    Expm1PairFN<kK>(d, xc, tl, em);
    for (size_t k = 0; k < kK; ++k) {
      Vec<D> neg = MulPairRoundF(sa, em[k]);
      neg = hn::IfThenElse(hn::Eq(v[k], hn::Zero(d)), hn::Mul(sa.hi, v[k]), neg);
      y[k] = hn::IfThenElse(hn::Gt(v[k], hn::Zero(d)), hn::Mul(scale, v[k]), neg);
      ok[k] = elu::ForwardFOk(d, v[k]);
    }
    PatchLanesN(d, ok, y, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); });
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const PairF<D> sa = ScaleAlphaF(d, a);
      const Vec<D> dx =
          elu::BackwardF(d, x, dy, sa.hi, sa.lo, hn::Set(d, static_cast<float>(a.p[1])));
      return PatchLanes2(d, elu::BackwardFOk(d, x, dy, sa.hi), dx, x, dy,
                         [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
    }
    const Vec<D> plain_neg = hn::Mul(hn::Set(d, a.p[0] * a.p[1]), Exp(d, hn::Min(x, hn::Zero(d))));
    const Vec<D> plain =
        hn::Mul(dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Set(d, a.p[1]), plain_neg));
    if constexpr (!kForFloat32) {
      // dy (scale alpha) e^x rounded once, scale alpha as an exact pair.
      const Pair<D> sa = TwoProd(d, hn::Set(d, a.p[1]), hn::Set(d, a.p[0]));
      const Vec<D> neg = MulExpPair(d, dy, sa, hn::Min(x, hn::Zero(d)), hn::Zero(d));
      const Vec<D> y = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(dy, hn::Set(d, a.p[1])), neg);
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR { return plain; });
    }
    return plain;
  }
};
