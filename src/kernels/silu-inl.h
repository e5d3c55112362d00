// silu / swish: x*sigmoid(beta x), beta constant or trainable. Included once per SIMD target by the
// generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes
// first. D is a double descriptor.
struct silu {
  template <class D>
  static Vec<D> ForwardBeta(D d, Vec<D> x, double beta) {
    const Vec<D> vb = hn::Set(d, beta);
    if constexpr (!kForFloat32) {
      // beta x carried as a pair: e^(beta x) multiplies its rounding by |beta x|, up to ~745.
      const Pair<D> t = TwoProd(d, vb, x);
      const Vec<D> big = hn::Set(d, 0x1p600);
      const auto ok = hn::And(hn::Lt(hn::Abs(x), big), hn::Lt(hn::Abs(t.hi), big));
      const Vec<D> y = hn::CopySign(MulSigmoidPair(d, x, t), x);
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      // Infinite, NaN and huge inputs: there sigmoid is exactly 0 or 1 (or the NaN).
      return hn::IfThenElse(ok, y, MulProbability(d, x, Sigmoid(d, hn::Mul(vb, x)).sigmoid));
    }
    return MulProbability(d, x, Sigmoid(d, hn::Mul(vb, x)).sigmoid);
  }
  // d/dx = s + bx*s'(bx). Where s' is exactly 0 the product is 0, also for infinite bx.
  template <class D>
  static Vec<D> BackwardBeta(D d, Vec<D> x, Vec<D> dy, double beta) {
    const Vec<D> bx = hn::Mul(hn::Set(d, beta), x);
    const SigmoidParts<D> s = Sigmoid(d, bx);
    const Vec<D> ds = SigmoidDerivative(s);
    const Vec<D> term = hn::IfThenZeroElse(hn::Eq(ds, hn::Zero(d)), hn::Mul(bx, ds));
    return hn::Mul(dy, hn::Add(s.sigmoid, term));
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return ForwardBeta(d, x, a.p[0]);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return BackwardBeta(d, x, dy, a.p[0]);
  }
  // d/dbeta = x^2 * s'(bx).
  template <class D>
  static Vec<D> ParamGrad(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> ds = SigmoidDerivative(Sigmoid(d, hn::Mul(hn::Set(d, a.p[0]), x)));
    return hn::IfThenZeroElse(hn::Eq(ds, hn::Zero(d)), hn::Mul(hn::Mul(hn::Mul(x, x), ds), dy));
  }
};
