// logsigmoid: -(max(-x,0) + log1p(e^-|x|)); the outer negation makes logsigmoid(+inf) = -0.
// Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces
// kernels::f64 and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct logsigmoid {
  // float32 arrays on AVX-512 and AVX2: both passes in float lanes, in the overloads for float
  // lanes below (the forward pass: softplus's ForwardInF on -x; the backward pass:
  // math_f32-inl.h's sigmoid); lanes outside their ranges (results near the subnormals,
  // infinities, NaN) take the double lanes. AVX2 forward: one vector at a time the float-lane
  // form measured slower than the double lanes (1.62 against 1.55 ns per element at 4096), four
  // at once (ForwardN) 1.36x and 1.41x faster at 4096 and 262144 (1.16 and 1.11 against 1.58
  // and 1.56 ns per element, CPU time, medians, alternated, loaded host).
  static constexpr bool kFloatLanes = true;
  static constexpr bool kBackwardFloatLanes = true;  // AVX2 too: no pairs to spill there
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (!kForFloat32) {
      // -softplus(-x) with e^-|x| and log1p as pairs: one rounding.
      const SoftplusParts<D> sp = SoftplusPair(d, Pair<D>{hn::Neg(x), hn::Zero(d)});
      Vec<D> y = hn::Neg(hn::Add(sp.sum.hi, sp.sum.lo));
      if (HWY_UNLIKELY(!hn::AllFalse(d, sp.tiny))) {
        y = hn::IfThenElse(sp.tiny, hn::Neg(ScaleRound(d, sp.tiny_m, sp.tiny_n)), y);
      }
      if (HWY_LIKELY(hn::AllTrue(d, hn::IsFinite(x)))) return y;
      const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(x))));
      return hn::IfThenElse(hn::IsFinite(x), y,
                            hn::Neg(hn::Add(hn::Max(hn::Neg(x), hn::Zero(d)), l)));
    }
    const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(x))));
    return hn::Neg(hn::Add(hn::Max(hn::Neg(x), hn::Zero(d)), l));
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    if constexpr (!kForFloat32) {
      // sigmoid(-x) rounded once with dy (MulSigmoidSlopeSum with v = 0).
      const Vec<D> lim = hn::Set(d, 1400.0);
      const Vec<D> t = hn::Min(hn::Max(hn::Neg(x), hn::Neg(lim)), lim);
      const Vec<D> y =
          MulSigmoidSlopeSum<true>(d, dy, {t, hn::Zero(d)}, {hn::Zero(d), hn::Zero(d)});
      return PatchBackwardF64(
          d, x, dy, y, [&]() HWY_ATTR { return hn::Mul(dy, Sigmoid(d, hn::Neg(x)).sigmoid); });
    }
    return hn::Mul(dy, Sigmoid(d, hn::Neg(x)).sigmoid);
  }

  // float32 forward in float lanes: -softplus(-x), softplus's ForwardInF with beta 1 and the
  // threshold 20 (past which -x + log1p(e^x) rounds to -x), negated (exact). Lanes it leaves
  // out (x > 78, where the result nears the subnormals; x < -86, infinities, NaN: ForwardInF's
  // range) take the double lanes.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const softplus::ForwardF<D> f = softplus::ForwardInF<true>(d, hn::Neg(x), 1.0f, 20.0f, -78.0f);
    return PatchLanes(d, f.ok, hn::Neg(f.y), x,
                      [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT), Forward's results: softplus's
  // ForwardInFN, the rare lanes tested once for all of them; 1.57x, 1.30x and 1.40x faster than
  // one vector at a time at 4096, 262144 and 16777216 elements (AVX-512, alternated, loaded
  // host).
  static constexpr size_t kForwardN = softplus::kForwardN;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    Vec<D> t[kK];
    for (size_t k = 0; k < kK; ++k) t[k] = hn::Neg(v[k]);
    softplus::ForwardF<D> f[kK];
    softplus::ForwardInFN<true, kK>(d, t, 1.0f, 20.0f, -78.0f, f);
    for (size_t k = 0; k < kK; ++k) f[k].y = hn::Neg(f[k].y);
    softplus::PatchForwardN(d, f, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); });
  }
  // dy sigmoid(-x) with e rounded once (MulSigmoidRoundedFN); dy below x = -86. BackwardN's
  // arithmetic for one vector, so that a result does not depend on where its element lies.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy,
                                                            const Args& a) {
    const Vec<D> xv[1] = {x};
    Vec<D> g[1] = {dy};
    BackwardN(d, xv, g, a);
    return g[0];
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (MulSigmoidRoundedFN) and the rare lanes tested once
  // for all of them. AVX-512 with eight: 1.20x and 1.11x faster than one vector at a time at
  // 4096 and 262144 elements (four: 1.12x; CPU time, alternated, loaded host); AVX2 with two:
  // 1.01x-1.04x. AVX2 takes the quotient by division (MulSigmoidRoundedFN's kDivide): 1.13x
  // faster than the series of 1/q at 4096 elements (CPU time, alternated, loaded host).
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 8 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
    const Vec<D> lim = hn::Set(d, 86.0f);
    Vec<D> t[kK], tl[kK], dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      t[k] = hn::Neg(x[k]);
      tl[k] = hn::Zero(d);
    }
    MulSigmoidRoundedFN<kK, true, (hn::MaxLanes(D()) < 16)>(d, dy, t, tl, dx);
    for (size_t k = 0; k < kK; ++k) {
      dx[k] = hn::IfThenElse(hn::Lt(x[k], hn::Neg(lim)), dy[k], dx[k]);
      ok[k] = hn::Le(x[k], lim);
    }
    PatchLanes2N(d, ok, dx, x, dy, on_double);
  }
};
