// softsign: x/(1+|x|). Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct softsign {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> y = hn::Div(x, hn::Add(hn::Set(d, 1.0), hn::Abs(x)));
    return hn::IfThenElse(hn::IsInf(x), hn::CopySign(hn::Set(d, 1.0), x), y);
  }
  // Squares 1/(1+|x|) rather than dividing by (1+|x|)^2, which would overflow first.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), hn::Abs(x)));
    return hn::Mul(dy, hn::Mul(inv, inv));
  }
};
