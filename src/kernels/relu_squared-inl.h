// relu_squared: max(0,x)^2. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct relu_squared {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> r = hn::Max(x, hn::Zero(d));
    return hn::Mul(r, r);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> r = hn::Max(x, hn::Zero(d));
    // r * 2dy, not 2r * dy: 2r overflows for r > DBL_MAX/2 where the product may not.
    return hn::Mul(r, hn::Add(dy, dy));
  }
};
