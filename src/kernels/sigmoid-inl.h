// sigmoid: 1/(1+e^-x), evaluated on the side of 0 that cannot overflow. Included by the
// operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64
// and kernels::f32; math-inl.h comes first. D is a double descriptor, or a float one for the
// float-lane overloads.
struct sigmoid {
  // float32 arrays on FMA targets: float lanes (math_f32-inl.h), the double lanes for vectors
  // with a lane beyond |x| = 86 (subnormal results, infinities, NaN). e^-|x| by eighths of an
  // octave on AVX2 (kExpEighthsF).
  static constexpr bool kFloatLanes = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const Vec<D> lim = hn::Set(d, 86.0f);
      const SigmoidPartsF<D> s =
          SigmoidPartsOfF<true>(d, hn::Min(hn::Max(x, hn::Neg(lim)), lim), hn::Zero(d));
      // 1/q, or m/q times the scale of e (exact: the result is a normal float).
      const PairF<D> num = {hn::IfThenElse(s.neg, s.e.m.hi, hn::Set(d, 1.0f)),
                            hn::IfThenElseZero(s.neg, s.e.m.lo)};
      const Vec<D> y =
          hn::Mul(MulPairRoundF(num, s.inv_q), hn::IfThenElse(s.neg, s.e.scale, hn::Set(d, 1.0f)));
      return PatchLanes(d, hn::Le(hn::Abs(x), lim), y, x,
                        [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
    } else if constexpr (kForFloat32) {
      return Sigmoid(d, x).sigmoid;
    } else {
      // 1/(1+e) and e/(1+e) round three times; as pairs they round once (spec: 1 ULP).
      const auto slow = [&]() HWY_ATTR {
        const Vec<D> y = MulSigmoidPair(d, hn::Set(d, 1.0), Pair<D>{x, hn::Zero(d)});
        return hn::IfThenElse(hn::IsNaN(x), x, y);
      };
#if HWY_NATIVE_FMA
      // |x| <= 700: SigmoidQuotientD; the tails (subnormal results), infinities and NaN take
      // the ExpReduce route, tested once per vector.
      const auto ok = hn::Le(hn::Abs(x), hn::Set(d, 700.0));
      const Vec<D> y = SigmoidRoundD(SigmoidQuotientD(d, Pair<D>{x, hn::Zero(d)}));
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      return hn::IfThenElse(ok, y, slow());
#else
      return slow();
#endif
    }
  }
  // glu in float lanes: u sigmoid(g), rounded once (MulSigmoidF); lanes where u m could
  // overflow or the result is below 2^-100 take the double lanes.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> GateF(D d, Vec<D> g, Vec<D> u, const Args& a) {
    const Vec<D> lim = hn::Set(d, 86.0f);
    // A zero up is the result itself (sigmoid is positive): the pair arithmetic would lose its
    // sign.
    const auto zero = hn::Eq(u, hn::Zero(d));
    const Vec<D> y = hn::IfThenElse(zero, u, MulSigmoidF(d, u, SigmoidPartsOfF(d, g, hn::Zero(d))));
    const auto ok =
        hn::And(hn::And(hn::Le(hn::Abs(g), lim), hn::Le(hn::Abs(u), hn::Set(d, 0x1p126f))),
                hn::Or(hn::Ge(hn::Abs(y), hn::Set(d, 0x1p-100f)), zero));
    return PatchLanes2(d, ok, y, g, u, [&](auto dd, auto gv, auto uv) HWY_ATTR {
      return hn::Mul(Forward(dd, gv, a), uv);
    });
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT), Forward's results, its steps
  // interleaved across the vectors and the rare lanes tested once for all of them: one
  // vector's steps are one dependent chain, and one vector after another the loop ran near its
  // latency. Measured against one vector at a time (old and new alternated, medians, loaded
  // host): AVX-512 with four, 1.40x, 1.25x and 1.26x at 4096, 262144 and 16777216 elements;
  // AVX2 with two, 1.12x and 1.15x at 4096 and 262144. AVX2 takes four too, although 16
  // registers spill (345 instructions and 123 stack accesses for four vectors, 154 and 43 for
  // two): CPU time per element at 4096 and 262144 (alternated, loaded host) 0.750 and 0.756 ns
  // with two, 0.684 and 0.680 with three, 0.614 and 0.626 with four, 0.660 and 0.705 with eight.
  // The chain's latency bounds this loop there, not its instruction count.
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    const Vec<D> lim = hn::Set(d, 86.0f);
    Vec<D> th[kK], tl[kK], y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      th[k] = hn::Min(hn::Max(v[k], hn::Neg(lim)), lim);
      tl[k] = hn::Zero(d);
    }
    SigmoidPartsF<D> s[kK];
    SigmoidPartsOfFN<kK, true>(d, th, tl, s);
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> num = {hn::IfThenElse(s[k].neg, s[k].e.m.hi, hn::Set(d, 1.0f)),
                            hn::IfThenElseZero(s[k].neg, s[k].e.m.lo)};
      y[k] = hn::Mul(MulPairRoundF(num, s[k].inv_q),
                     hn::IfThenElse(s[k].neg, s[k].e.scale, hn::Set(d, 1.0f)));
      ok[k] = hn::Le(hn::Abs(v[k]), lim);
    }
    PatchLanesN(d, ok, y, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); });
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      // dy e/(1 + e)^2 with e rounded once (MulSigmoidSlopeRoundedF: within the backward bound).
      const Vec<D> lim = hn::Set(d, 86.0f);
      // No clamp: lanes beyond 86 take the double lanes.
      const Vec<D> dx = MulSigmoidSlopeRoundedF(d, dy, x);
      return PatchLanes2(d, hn::Le(hn::Abs(x), lim), dx, x, dy,
                         [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
    } else if constexpr (!kForFloat32) {
      // e/(1 + e)^2 as a pair quotient, rounded once with dy.
      const Vec<D> y =
          MulSigmoidSlopeSum<false>(d, dy, {x, hn::Zero(d)}, {hn::Set(d, 1.0), hn::Zero(d)});
      return PatchBackwardF64(
          d, x, dy, y, [&]() HWY_ATTR { return hn::Mul(dy, SigmoidDerivative(Sigmoid(d, x))); });
    } else {
      return hn::Mul(dy, SigmoidDerivative(Sigmoid(d, x)));
    }
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (MulSigmoidSlopeRoundedFN) and the rare lanes tested
  // once for all of them. AVX-512 with eight: 1.24x and 1.19x faster than one vector at a time
  // at 4096 and 262144 elements (four: 1.06x-1.09x); AVX2 with two: 1.04x-1.06x (CPU time,
  // alternated, loaded host).
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 8 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    const Vec<D> lim = hn::Set(d, 86.0f);
    Vec<D> dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) ok[k] = hn::Le(hn::Abs(x[k]), lim);
    MulSigmoidSlopeRoundedFN<false, kK>(d, dy, x, dx);
    PatchLanes2N(d, ok, dx, x, dy,
                 [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
  }
  // Double lanes: y (1 - y) rounds once (1 - y is exact from y >= 0.5). float32 lanes, where
  // the target has FMA (FromYTag, src/simd/op_unit-inl.h): y - y^2 rounds once, then the
  // product with dy, so the result stays within 1 ULP.
  static constexpr bool kFromYInFloat32 = true;
  // Arithmetic alone: a NaN y or dy gives NaN (Map's pass-through skipped, FromYKeepsNaN).
  static constexpr bool kFromYKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args&) {
    if constexpr (std::is_same_v<hn::TFromD<D>, float>) {
      return hn::Mul(dy, hn::NegMulAdd(y, y, y));
    } else {
      return hn::Mul(dy, hn::Mul(y, hn::Sub(hn::Set(d, 1.0), y)));
    }
  }
};
