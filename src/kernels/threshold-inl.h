// threshold: x > threshold ? x : value. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct threshold {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return hn::IfThenElse(hn::Gt(x, hn::Set(d, a.p[0])), x, hn::Set(d, a.p[1]));
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return hn::IfThenElseZero(hn::Gt(x, hn::Set(d, a.p[0])), dy);
  }
};
