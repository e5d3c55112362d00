// softplus: log(1 + e^(beta x))/beta, written max(bx,0) + log1p(e^-|bx|) so that neither
// branch overflows and softplus(-100) keeps its 3.7e-44. Included once per SIMD target by the
// generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes
// first. D is a double descriptor.
struct softplus {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
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
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
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
};
