// softsign: x/(1+|x|). Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD
// target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor, or a float one for the float-lane overloads.
struct softsign {
  // Every path keeps a NaN. The clamps of the FMA paths put the bound first: x86's minps and
  // minpd return the second operand where either is NaN (Arm's fmin returns the NaN). The
  // other paths only divide and select. The loop then needs no NaN test and blend (2 of the
  // 15 operations per vector of float64 on AVX-512).
  static constexpr bool kForwardKeepsNaN = true;
  // float32 arrays on FMA targets: float lanes. Forward has no rare path; backward sends the
  // lanes with |x| > 2^50 (where (1/(1+|x|))^2 nears the subnormals) to the double lanes.
  static constexpr bool kFloatLanes = true;
  // 1 + ax = hi + lo exactly (fast two-sum with the larger addend first).
  template <class D>
  HWY_INLINE static PairF<D> OnePlusF(D d, Vec<D> ax) {
    const Vec<D> one = hn::Set(d, hn::TFromD<D>{1});
    const Vec<D> hi = hn::Add(one, ax);
    return {hi, hn::Add(hn::Sub(hn::Max(one, ax), hi), hn::Min(one, ax))};
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> one = hn::Set(d, hn::TFromD<D>{1});
    if constexpr (kIsF32Lanes<D>) {
      // q = ax/(1 + ax) with 1 + ax an exact pair: a first quotient from the reciprocal (one
      // Newton step: 2^-22 on AVX2's rcpps, 2^-27 on AVX-512's), its remainder ax - y0 (hi + lo)
      // (one rounding, of a term 2^-22 of q), and the remainder's quotient added last: within
      // 2^-43 of q before the one rounding. Past 2^25 q rounds to 1, and ax is taken as 2^26
      // (also for infinities). CopySignToAbs restores the sign, -0 included.
      const Vec<D> ax = hn::Min(hn::Set(d, 0x1p26f), hn::Abs(x));
      const PairF<D> den = OnePlusF(d, ax);
      const Vec<D> r0 = hn::ApproximateReciprocal(den.hi);
      const Vec<D> r = hn::MulAdd(r0, hn::NegMulAdd(r0, den.hi, one), r0);
      const Vec<D> y0 = hn::Mul(ax, r);
      const Vec<D> rem = hn::NegMulAdd(y0, den.lo, hn::NegMulAdd(y0, den.hi, ax));
      return hn::CopySignToAbs(hn::MulAdd(rem, r, y0), x);
    } else if constexpr (kForFloat32) {
      const Vec<D> y = hn::Div(x, hn::Add(one, hn::Abs(x)));
      return hn::IfThenElse(hn::IsInf(x), hn::CopySign(one, x), y);
    } else {
      const Vec<D> ax = hn::Abs(x);
      if constexpr (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3) {
        // As below, but the remainder's quotient takes 1/(1 + ax) from vrcp14pd (2^-14, of
        // which it needs 2^-9), good at every magnitude: no lane needs ForwardPairs, and the
        // loop has no mask test. ax is clamped at 2^60, where q rounds to 1 (infinities too).
        const Vec<D> axc = hn::Min(hn::Set(d, 0x1p60), ax);
        const PairF<D> den = OnePlusF(d, axc);
        const Vec<D> y0 = hn::Div(axc, den.hi);
        const Vec<D> rem = hn::NegMulAdd(y0, den.lo, hn::NegMulAdd(y0, den.hi, axc));
        return hn::CopySignToAbs(hn::MulAdd(rem, Vec<D>{_mm512_rcp14_pd(den.hi.raw)}, y0), x);
      } else if constexpr (HWY_NATIVE_FMA) {
        // One division, ax/(hi + lo) with 1 + ax = hi + lo exact: the first quotient y0 is
        // rounded, its remainder ax - y0 (hi + lo) is a term 2^-52 of q (the first FMA exact),
        // and the remainder's quotient needs 1/(1 + ax) only to 2^-9: 1 - y0, which is within
        // 2^-52 of it, so for ax <= 2^40 the correction is good to 2^-61 of q. The lanes past
        // 2^40 (and infinities) take ForwardPairs.
        const PairF<D> den = OnePlusF(d, ax);
        const Vec<D> y0 = hn::Div(ax, den.hi);
        const Vec<D> rem = hn::NegMulAdd(y0, den.lo, hn::NegMulAdd(y0, den.hi, ax));
        Vec<D> y = hn::CopySignToAbs(hn::MulAdd(rem, hn::Sub(one, y0), y0), x);
        const auto big = hn::Gt(ax, hn::Set(d, 0x1p40));
        if (HWY_UNLIKELY(!hn::AllFalse(d, big))) y = hn::IfThenElse(big, ForwardPairs(d, x), y);
        return y;
      } else {
        return ForwardPairs(d, x);
      }
    }
  }
  // Rounding 1+|x| and then the quotient costs up to 1.5 ULP; the exact sum as a pair leaves
  // one rounding. Past 2^60 the result is +-1 correctly rounded, and the pair arithmetic
  // (a Dekker split without FMA) would overflow near DBL_MAX. CopySign keeps -0, which the
  // remainder correction would turn into +0. Any double x, with or without FMA.
  template <class D>
  static Vec<D> ForwardPairs(D d, Vec<D> x) {
    const Vec<D> one = hn::Set(d, 1.0);
    const Vec<D> ax = hn::Abs(x);
    const Pair<D> den = TwoSum(d, one, ax);
    // One division: the first quotient is x times the reciprocal, and its remainder (x -
    // y0 den.hi is exact by Sterbenz) corrects it; both need the reciprocal only to 2^-52.
    const Vec<D> inv = hn::Div(one, den.hi);
    const Vec<D> y0 = hn::Mul(x, inv);
    const Pair<D> yq = TwoProd(d, y0, den.hi);
    const Vec<D> r = hn::Sub(hn::Sub(hn::Sub(x, yq.hi), yq.lo), hn::Mul(y0, den.lo));
    const Vec<D> y = hn::CopySign(hn::MulAdd(r, inv, y0), x);
    return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 0x1p60)), hn::CopySign(one, x), y);
  }
  // Squares 1/(1+|x|) rather than dividing by (1+|x|)^2, which would overflow first.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      // 1/(1 + |x|) as a pair (2^-40) from the exact pair 1 + |x|, its square rounded once,
      // then the product with dy: two roundings, within 1 ULP.
      const Vec<D> ax = hn::Abs(x);
      const PairF<D> inv = InvPairF(d, OnePlusF(d, ax));
      const Vec<D> dx = hn::Mul(dy, MulPairRoundF(inv, inv));
      return PatchLanes2(d, hn::Le(ax, hn::Set(d, 0x1p50f)), dx, x, dy,
                         [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); });
    } else if constexpr (!kForFloat32) {
      // dy/(1 + |x|)^2 with 1 + |x| and its square as pairs: one rounding. Past 2^400 the
      // square's error-free products (split in halves without FMA) would overflow; the result is
      // below 2^-799 there, dy/(1+|x|)/(1+|x|) (within 1 ULP).
      const Vec<D> ax = hn::Abs(x);
      const Pair<D> s0 = TwoSum(d, hn::Set(d, 1.0), hn::Min(ax, hn::Set(d, 0x1p400)));
      const Pair<D> q = MulPairs(d, s0, s0);
      const Pair<D> r = DivToPair(d, {dy, hn::Zero(d)}, q);
      Vec<D> y = hn::Add(r.hi, r.lo);
      const auto huge = hn::Gt(ax, hn::Set(d, 0x1p400));
      if (HWY_UNLIKELY(!hn::AllFalse(d, huge))) {
        const Vec<D> den = hn::Add(hn::Set(d, 1.0), ax);
        y = hn::IfThenElse(huge, hn::Div(hn::Div(dy, den), den), y);
      }
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR {
        const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), ax));
        return hn::Mul(dy, hn::Mul(inv, inv));
      });
    }
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), hn::Abs(x)));
    return hn::Mul(dy, hn::Mul(inv, inv));
  }
};
