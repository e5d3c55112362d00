// softplus: log(1 + e^(beta x))/beta, written max(bx,0) + log1p(e^-|bx|) so that neither branch
// overflows and softplus(-100) keeps its 3.7e-44. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
struct softplus {
  // float32 arrays on AVX-512: the backward pass in float lanes (math_f32-inl.h), in the
  // overloads for float lanes below; lanes with beta x below -86 (gradients near the
  // subnormals), and infinities and NaN, take the double lanes. AVX2 keeps the double lanes for
  // the forward pass (kFloatPairsPay) and takes the float lanes for the backward pass
  // (kBackwardFloatLanes: 1.1-1.2x faster than its double lanes, measured loaded).
  static constexpr bool kFloatLanes = kFloatPairsPay;
  static constexpr bool kBackwardFloatLanes = true;  // AVX2 too: no pairs to spill there
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, a.p[0]);
    if constexpr (!kForFloat32) {
      // beta x, e^-|beta x| and log1p as pairs, one pair division: a single rounding.
      const Pair<D> t = TwoProd(d, beta, x);
      const SoftplusParts<D> sp = SoftplusPair(d, t);
      const Pair<D> q = {beta, hn::Zero(d)};
      const Pair<D> yp = DivToPair(d, sp.sum, q);
      Vec<D> y = hn::Add(yp.hi, yp.lo);
      if (HWY_UNLIKELY(!hn::AllFalse(d, sp.tiny))) {
        // e^(beta x)/beta, rounded once where subnormal.
        const Vec<D> tiny = ScaleRound(d, DivToPair(d, sp.tiny_m, q), sp.tiny_n);
        y = hn::IfThenElse(sp.tiny, tiny, y);
      }
      y = hn::IfThenElse(hn::Gt(t.hi, hn::Set(d, a.p[1])), x, y);
      const Vec<D> big = hn::Set(d, 0x1p600);
      const auto ok = hn::And(hn::Lt(hn::Abs(x), big), hn::Lt(hn::Abs(t.hi), big));
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      // Infinite, NaN and huge inputs (where the result is x, 0 or NaN): the plain formula.
      const Vec<D> bx = hn::Mul(beta, x);
      const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx))));
      const Vec<D> plain = hn::Div(hn::Add(hn::Max(bx, hn::Zero(d)), l), beta);
      return hn::IfThenElse(ok, y, hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, plain));
    }
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> sp = hn::Add(hn::Max(bx, hn::Zero(d)), Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx)))));
    // float32 results: multiplying by 1/beta (rounded) costs one more double rounding than
    // dividing, 2^-52, far below what float32 can show, and a division less.
    const Vec<D> y = kForFloat32 ? hn::Mul(sp, hn::Set(d, 1.0 / a.p[0])) : hn::Div(sp, beta);
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, y);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (!kForFloat32) {
      // sigmoid(beta x) with beta x as a pair, rounded once with dy (MulSigmoidSlopeSum with
      // v = 0); the linear branch on the rounded beta x, as the forward pass.
      const Pair<D> t0 = TwoProd(d, hn::Set(d, a.p[0]), x);
      const Vec<D> lim = hn::Set(d, 1400.0);
      const auto in = hn::Le(hn::Abs(t0.hi), lim);
      const Pair<D> t = {hn::Min(hn::Max(t0.hi, hn::Neg(lim)), lim), hn::IfThenElseZero(in, t0.lo)};
      const Vec<D> s = MulSigmoidSlopeSum<true>(d, dy, t, {hn::Zero(d), hn::Zero(d)});
      const Vec<D> y = hn::IfThenElse(hn::Gt(t0.hi, hn::Set(d, a.p[1])), dy, s);
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR {
        const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
        return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy,
                              hn::Mul(dy, Sigmoid(d, bx).sigmoid));
      });
    }
    const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
    const Vec<D> s = Sigmoid(d, bx).sigmoid;
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy, hn::Mul(dy, s));
  }

  // beta x as a pair (beta is a float: exact by FMA).
  template <class D>
  HWY_INLINE static PairF<D> BetaTimesF(D d, Vec<D> x, const Args& a) {
    return TwoProdF<D>(hn::Set(d, static_cast<float>(a.p[0])), x);
  }
  // The forward pass stays in double lanes: a float-pair log1p(e^-|t|) (a 16-entry table of
  // 8-bit c ~ 1/(1 + j/16), r = (1 + e) c - 1 exact, a degree-7 series; 0.5013 ULP over all
  // 2^32 inputs, 99.998% correctly rounded) measured about 10% slower on AVX3 and 50% on AVX2.
  // The halves are promoted here, inline: through OnDoubleLanes (not inlined, made for rare
  // lanes) the forward pass measured 10% slower than the double lanes' own loop.
  template <class D, class F>
  static Vec<D> InDoubleLanes(D d, Vec<D> x, F f) {
    const hn::Half<D> dh;
    const hn::Rebind<double, decltype(dh)> dd;
    const auto lo = f(dd, hn::PromoteTo(dd, hn::LowerHalf(dh, x)));
    const auto hi = f(dd, hn::PromoteTo(dd, UpperHalf(dh, x)));
    return Combine(d, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
  }
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return InDoubleLanes(d, x, [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
  }
  // dy sigmoid(beta x) with e rounded once (MulSigmoidRoundedF); dy past the threshold or
  // beyond t = 86.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy,
                                                            const Args& a) {
    auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
    const PairF<D> t = BetaTimesF(d, x, a);
    const Vec<D> lim = hn::Set(d, 86.0f);
    // No clamp: lanes beyond 86 take dy or the double lanes.
    Vec<D> dx = MulSigmoidRoundedF(d, dy, t.hi, t.lo);
    const auto take_dy =
        hn::Or(hn::Gt(t.hi, hn::Set(d, static_cast<float>(a.p[1]))), hn::Gt(t.hi, lim));
    dx = hn::IfThenElse(take_dy, dy, dx);
    return PatchLanes2(d, hn::Or(hn::Ge(t.hi, hn::Neg(lim)), take_dy), dx, x, dy, on_double);
  }
};
