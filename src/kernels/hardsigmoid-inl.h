// hardsigmoid: relu6(x+3)/6; the derivative is 0 at +-3. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct hardsigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> r = hardtanh::Clamp(d, hn::Add(x, hn::Set(d, 3.0)), 0.0, 6.0);
    return hn::Div(r, hn::Set(d, 6.0));
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hardtanh::Inside(d, x, hn::Div(dy, hn::Set(d, 6.0)), -3.0, 3.0);
  }
};
