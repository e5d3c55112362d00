// tanh. Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside
// namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct tanh {
  // float32 arrays on AVX-512 and AVX2: float lanes (math_f32-inl.h). On AVX2 the forward pass
  // one vector at a time measured slower in them than in the double lanes (its pairs spill: 16
  // registers), four at once (ForwardN) 1.25x faster at 4096 and 262144 (0.77 and 0.78 against
  // 0.97 and 0.96 ns per element, CPU time, medians; two at once 1.0x, three 1.15x at 4096;
  // alternated, loaded host); the backward pass, which needs no pairs,
  // 1.3-1.6x faster (kBackwardFloatLanes). The forward pass needs no rare path (tanh is x below
  // 2^-13 and +-1 past 9.5, NaN passes through the first branch); the backward pass takes the
  // double lanes for vectors with a lane beyond |x| = 43 (results near or below the
  // subnormals), infinities or NaN.
  static constexpr bool kFloatLanes = true;
  static constexpr bool kBackwardFloatLanes = true;  // AVX2 too: no pairs to spill there
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kIsF32Lanes<D>) {
      const Vec<D> ax = hn::Abs(x);
      const TanhPartsF<D> t = TanhPartsOfF(d, ax);
      const Vec<D> y = hn::CopySign(MulPairRoundF(t.em, t.inv), x);
      return hn::IfThenElse(hn::Ge(ax, hn::Set(d, 0x1p-13f)), y, x);
    } else if constexpr (kForFloat32) {
      return Tanh(d, x);
    } else {
      // Below 1/4, x - x^3 S(x^2) (the tanhshrink series): the correction is under 2% of
      // the result, so its roundings barely show. Above, (1 - e)/(1 + e) as pairs.
      const Vec<D> ax = hn::Abs(x);
      const auto small = hn::Lt(ax, hn::Set(d, 0.25));
      Vec<D> y_small = x, y_large = x;
      if (!hn::AllFalse(d, small)) {
        static constexpr TanhSeries kSeries = MakeTanhSeries();
        // 12 terms: the series shrinks by (2x/pi)^2 < 1/39 a term below 1/4.
        static constexpr double kC[12] = {kSeries.c[0], kSeries.c[1], kSeries.c[2],  kSeries.c[3],
                                          kSeries.c[4], kSeries.c[5], kSeries.c[6],  kSeries.c[7],
                                          kSeries.c[8], kSeries.c[9], kSeries.c[10], kSeries.c[11]};
        const Vec<D> x2 = hn::Mul(x, x);
        y_small = hn::NegMulAdd(hn::Mul(x2, x), PolyEstrin(d, x2, kC), x);
      }
      if (!hn::AllTrue(d, small)) {
        const Pair<D> t = TanhPair(d, ax);
        y_large = hn::CopySign(hn::Add(t.hi, t.lo), x);
      }
      const Vec<D> y = hn::IfThenElse(small, y_small, y_large);
      return hn::IfThenElse(hn::IsNaN(x), x, y);
    }
  }
  // 1 - tanh^2 x = 4e/(1+e)^2 with e = e^-2|x|: no cancellation where tanh is near +-1.
  // Float lanes: 1 - tanh^2 x = 4 sigmoid'(2x), with e rounded once (MulSigmoidSlopeRoundedF).
  // kForwardN vectors at once (op_unit-inl.h's ForwardT), Forward's results, its steps
  // interleaved across the vectors (sigmoid's): 1.42x, 1.27x and 1.45x faster than one vector
  // at a time at 4096, 262144 and 16777216 elements (AVX-512, alternated, loaded host).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args&) {
    Vec<D> ax[kK];
    for (size_t k = 0; k < kK; ++k) ax[k] = hn::Abs(v[k]);
    TanhPartsF<D> t[kK];
    TanhPartsOfFN<kK>(d, ax, t);
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> y = hn::CopySign(MulPairRoundF(t[k].em, t[k].inv), v[k]);
      v[k] = hn::IfThenElse(hn::Ge(ax[k], hn::Set(d, 0x1p-13f)), y, v[k]);
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const Vec<D> lim = hn::Set(d, 43.0f);
      // No clamp: lanes beyond 43 take the double lanes.
      const Vec<D> dx = MulSigmoidSlopeRoundedF<true>(d, dy, hn::Add(x, x));
      return PatchLanes2(d, hn::Le(hn::Abs(x), lim), dx, x, dy,
                         [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
    } else if constexpr (!kForFloat32) {
      // 4 sigmoid'(2|x|) as a pair quotient, rounded once with dy (2|x| is exact; its clamp
      // keeps it finite, where the result is 0 anyway).
      const Vec<D> t = hn::Min(hn::Add(hn::Abs(x), hn::Abs(x)), hn::Set(d, 4096.0));
      const Vec<D> y =
          MulSigmoidSlopeSum<false>(d, dy, {t, hn::Zero(d)}, {hn::Set(d, 4.0), hn::Zero(d)});
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR { return BackwardPlain(d, x, dy); });
    } else {
      return BackwardPlain(d, x, dy);
    }
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (MulSigmoidSlopeRoundedFN) and the rare lanes tested
  // once for all of them. AVX-512 with eight: 1.35x and 1.28x faster than one vector at a time
  // at 4096 and 262144 elements (four: 1.17x and 1.15x); AVX2 with two: 1.08x and 1.09x (CPU
  // time, alternated, loaded host).
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 8 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    const Vec<D> lim = hn::Set(d, 43.0f);
    Vec<D> t[kK], dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      t[k] = hn::Add(x[k], x[k]);
      ok[k] = hn::Le(hn::Abs(x[k]), lim);
    }
    MulSigmoidSlopeRoundedFN<true, kK>(d, dy, t, dx);
    PatchLanes2N(d, ok, dx, x, dy,
                 [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
  }
  template <class D>
  static Vec<D> BackwardPlain(D d, Vec<D> x, Vec<D> dy) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> e = Exp(d, hn::Neg(hn::Add(ax, ax)));
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), e));
    return hn::Mul(dy, hn::Mul(hn::Mul(hn::Set(d, 4.0), e), hn::Mul(inv, inv)));
  }
  // (1 - y)(1 + y) is exact in double for a float y. float32 lanes, where the target has FMA
  // (FromYTag, src/simd/op_unit-inl.h): 1 - y^2 rounds once, then the product with dy: within
  // 1 ULP.
  static constexpr bool kFromYInFloat32 = true;
  // Arithmetic alone: a NaN y or dy gives NaN (Map's pass-through skipped, FromYKeepsNaN).
  static constexpr bool kFromYKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args&) {
    if constexpr (std::is_same_v<hn::TFromD<D>, float>) {
      return hn::Mul(dy, hn::NegMulAdd(y, y, hn::Set(d, 1.0f)));
    } else {
      const Vec<D> one = hn::Set(d, 1.0);
      return hn::Mul(dy, hn::Mul(hn::Sub(one, y), hn::Add(one, y)));
    }
  }
};
