// logsigmoid: -(max(-x,0) + log1p(e^-|x|)); the outer negation makes logsigmoid(+inf) = -0. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct logsigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(x))));
    return hn::Neg(hn::Add(hn::Max(hn::Neg(x), hn::Zero(d)), l));
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hn::Mul(dy, Sigmoid(d, hn::Neg(x)).sigmoid);
  }
};
