// logsigmoid: -(max(-x,0) + log1p(e^-|x|)); the outer negation makes logsigmoid(+inf) = -0.
// Included once per SIMD target by the generated activ_kernels-inl.h, inside namespace
// activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct logsigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
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
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
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
};
