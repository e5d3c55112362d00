// gelu_tanh: x/2*(1+tanh u), u = sqrt(2/pi)(x + 0.044715x^3), evaluated as x*sigmoid(2u):
// 1 + tanh u cancels for negative u, the sigmoid form does not. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct gelu_tanh {
  template <class D>
  static Vec<D> TwoU(D d, Vec<D> x) {
    const Vec<D> inner = hn::MulAdd(hn::Mul(hn::Set(d, 0.044715), x), x, hn::Set(d, 1.0));
    return hn::Mul(hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654), x), inner);
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return MulProbability(d, x, Sigmoid(d, TwoU(d, x)).sigmoid);
  }
  // d/dx x*s(2u) = s + x*s'(2u)*2u'. Past |x| = 1000 the second term is 0 in double; clamping
  // there keeps x^2 and x*0 away from inf and NaN.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const SigmoidParts<D> s = Sigmoid(d, TwoU(d, x));
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -1000.0)), hn::Set(d, 1000.0));
    const Vec<D> du2 = hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654),
                               hn::MulAdd(hn::Mul(hn::Set(d, 3.0 * 0.044715), xc), xc,
                                          hn::Set(d, 1.0)));
    const Vec<D> term = hn::Mul(hn::Mul(xc, SigmoidDerivative(s)), du2);
    return hn::Mul(dy, hn::Add(s.sigmoid, term));
  }
};
