// elu: x > 0 ? x : alpha*(e^x - 1), with expm1 so that elu(-1e-30) is -1e-30. Included by the
// operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64
// and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct elu {
  // float32 arrays on FMA targets: float lanes (math_f32-inl.h). The forward pass needs no
  // rare path: below x = -86, alpha (e^x - 1) rounds to -alpha from e^-86 as well (NaN is
  // passed through by the caller); in the backward pass, lanes with x < -86 (results near or
  // below the subnormals) take the double lanes.
  static constexpr bool kFloatLanes = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      return ForwardF(d, x, hn::Set(d, static_cast<float>(a.p[0])), hn::Zero(d), x);
    } else if constexpr (!kForFloat32) {
      // alpha (e^x - 1) with e^x - 1 as a pair: one rounding instead of two.
      const Vec<D> alpha = hn::Set(d, a.p[0]);
      Vec<D> neg = MulRound(d, alpha, Expm1Pair(d, hn::Min(x, hn::Zero(d)), hn::Zero(d)));
      neg = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Mul(alpha, x), neg);  // sign of 0
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::IfThenElse(hn::IsNaN(x), x, neg));
    }
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(hn::Set(d, a.p[0]), Expm1(d, x)));
  }
  // Float lanes: x > 0 ? pos : (c.hi + c.lo)(e^x - 1), rounded once (also elu(-0) = -0); e^x
  // by eighths of an octave on AVX2 (kExpEighthsF, math_f32-inl.h).
  // With c.lo != 0 (selu) the product of c.lo and a tiny x would underflow: those lanes,
  // 0 < |x| < 2^-60, are outside ForwardFOk.
  template <class D>
  HWY_INLINE static Vec<D> ForwardF(D d, Vec<D> x, Vec<D> c_hi, Vec<D> c_lo, Vec<D> pos) {
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -86.0f)), hn::Zero(d));
    Vec<D> neg = MulPairRoundF(PairF<D>{c_hi, c_lo}, Expm1PairF<true>(d, xc));
    neg = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Mul(c_hi, x), neg);
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg);
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT): Forward's results (ForwardF with
  // c = alpha), its steps interleaved across the vectors (sigmoid's): AVX-512 with four,
  // 1.31x, 1.20x and 1.17x faster than one vector at a time at 4096, 262144 and 16777216
  // elements; AVX2 with two, 1.09x and 1.12x at 4096 and 262144 (alternated, loaded host).
  // Three on AVX2 measured 0.97x of two (its chain is shorter than sigmoid's, which takes four).
  static constexpr size_t kForwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    const Vec<D> c_hi = hn::Set(d, static_cast<float>(a.p[0]));
    Vec<D> xc[kK], tl[kK];
    for (size_t k = 0; k < kK; ++k) {
      xc[k] = hn::Min(hn::Max(v[k], hn::Set(d, -86.0f)), hn::Zero(d));
      tl[k] = hn::Zero(d);
    }
    PairF<D> em[kK];
    Expm1PairFN<kK, true>(d, xc, tl, em);
    for (size_t k = 0; k < kK; ++k) {
      // ForwardF's MulPairRoundF with c_lo = 0, its two products of zero left out: they add
      // zeros that change no result (a zero sum, alpha = 0 or x = 0, keeps the sign of the
      // rest), and cost two of the loop's FMA-pipe operations a vector.
      Vec<D> neg = hn::MulAdd(c_hi, em[k].hi, hn::Mul(c_hi, em[k].lo));
      neg = hn::IfThenElse(hn::Eq(v[k], hn::Zero(d)), hn::Mul(c_hi, v[k]), neg);
      v[k] = hn::IfThenElse(hn::Gt(v[k], hn::Zero(d)), v[k], neg);
    }
  }
  template <class D>
  HWY_INLINE static hn::Mask<D> ForwardFOk(D d, Vec<D> x) {
    return hn::Or(hn::Ge(hn::Abs(x), hn::Set(d, 0x1p-60f)), hn::Eq(x, hn::Zero(d)));
  }
  // Float lanes: x > 0 ? dy pos : dy (c.hi + c.lo) e^x, right where BackwardFOk holds.
  // e^x is rounded once (ExpRoundedF) and dy c is kept exact as a pair, so that the one
  // rounding of e^x (1 ULP at most) and the last (1/2) are the only errors of note: within the
  // backward bound of 2 ULP, with fewer operations than a pair for e^x. m comes halved and the
  // scale doubled, so that m (dy c) overflows only where dy c itself does.
  // BackwardFN: kK vectors at once, e^x for all of them first (ExpRoundedFN); BackwardF is its
  // kK = 1.
  template <size_t kK, class D>
  HWY_INLINE static void BackwardFN(D d, const Vec<D> (&x)[kK], const Vec<D> (&dy)[kK], Vec<D> c_hi,
                                    Vec<D> c_lo, Vec<D> pos, Vec<D> (&out)[kK]) {
    // No clamp: the lanes x > 0 take pos, those below -86 the double lanes (BackwardFOk).
    Vec<D> tl[kK];
    for (size_t k = 0; k < kK; ++k) tl[k] = hn::Zero(d);
    ExpRoundF<D> e[kK];
    ExpRoundedFN<kK>(d, x, tl, e);
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> a = TwoProdF<D>(dy[k], c_hi);
      const Vec<D> a_lo = hn::MulAdd(dy[k], c_lo, a.lo);
      // Rounded before the exact scaling by 2^n (a subnormal dx may round twice: within 1 ULP).
      const Vec<D> neg = hn::Mul(hn::MulAdd(e[k].m, a.hi, hn::Mul(e[k].m, a_lo)), e[k].scale);
      out[k] = hn::IfThenElse(hn::Gt(x[k], hn::Zero(d)), hn::Mul(dy[k], pos), neg);
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> BackwardF(D d, Vec<D> x, Vec<D> dy, Vec<D> c_hi, Vec<D> c_lo,
                                     Vec<D> pos) {
    const Vec<D> xv[1] = {x}, dyv[1] = {dy};
    Vec<D> out[1];
    BackwardFN<1>(d, xv, dyv, c_hi, c_lo, pos, out);
    return out[0];
  }
  // x >= -86 (results near or below the subnormals beyond), and dy c finite: where dy c
  // overflows, dy c e^x may not, and the double lanes have the range for it.
  template <class D>
  HWY_INLINE static hn::Mask<D> BackwardFOk(D d, Vec<D> x, Vec<D> dy, Vec<D> c_hi) {
    return hn::And(hn::Ge(x, hn::Set(d, -86.0f)), hn::IsFinite(hn::Mul(dy, c_hi)));
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      const Vec<D> alpha = hn::Set(d, static_cast<float>(a.p[0]));
      const Vec<D> dx = BackwardF(d, x, dy, alpha, hn::Zero(d), hn::Set(d, 1.0f));
      return PatchLanes2(d, BackwardFOk(d, x, dy, alpha), dx, x, dy,
                         [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
    }
    if constexpr (!kForFloat32) {
      // dy alpha e^x rounded once.
      const Vec<D> neg = MulExpPair(d, dy, {hn::Set(d, a.p[0]), hn::Zero(d)},
                                    hn::Min(x, hn::Zero(d)), hn::Zero(d));
      return PatchBackwardF64(d, x, dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg),
                              [&]() HWY_ATTR { return BackwardPlain(d, x, dy, a); });
    }
    return BackwardPlain(d, x, dy, a);
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (BackwardFN) and the rare lanes tested once for all of
  // them. AVX-512 with four: 1.07x faster than one vector at a time at 4096 and 262144 elements
  // (eight: 0.74x of four; CPU time, alternated, loaded host). AVX2 keeps Map (1): two
  // measured 1.0x, 63 instructions a vector against 57 in Map's four-vector loop, which already
  // gives this short chain independent work.
  static constexpr size_t kBackwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 1;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    const Vec<D> alpha = hn::Set(d, static_cast<float>(a.p[0]));
    Vec<D> dx[kK];
    hn::Mask<D> ok[kK];
    BackwardFN<kK>(d, x, dy, alpha, hn::Zero(d), hn::Set(d, 1.0f), dx);
    for (size_t k = 0; k < kK; ++k) ok[k] = BackwardFOk(d, x[k], dy[k], alpha);
    PatchLanes2N(d, ok, dx, x, dy,
                 [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
  }
  template <class D>
  static Vec<D> BackwardPlain(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> neg = hn::Mul(dy, hn::Mul(hn::Set(d, a.p[0]), Exp(d, hn::Min(x, hn::Zero(d)))));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg);
  }
  // alpha*e^x = y + alpha on the negative side; needs alpha >= 0 so that y <= 0 there.
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args& a) {
    const Vec<D> neg = hn::Mul(dy, hn::Add(y, hn::Set(d, a.p[0])));
    return hn::IfThenElse(hn::Gt(y, hn::Zero(d)), dy, neg);
  }
};
