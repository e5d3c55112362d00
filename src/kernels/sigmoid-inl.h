// sigmoid: 1/(1+e^-x), evaluated on the side of 0 that cannot overflow. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct sigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) { return Sigmoid(d, x).sigmoid; }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hn::Mul(dy, SigmoidDerivative(Sigmoid(d, x)));
  }
  template <class D>
  static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args&) {
    return hn::Mul(dy, hn::Mul(y, hn::Sub(hn::Set(d, 1.0), y)));
  }
};
