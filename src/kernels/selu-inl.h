// selu: scale * elu(x, alpha). Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct selu {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> neg = hn::Mul(hn::Set(d, a.p[0] * a.p[1]), Expm1(d, x));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(hn::Set(d, a.p[1]), x), neg);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> neg = hn::Mul(hn::Set(d, a.p[0] * a.p[1]), Exp(d, hn::Min(x, hn::Zero(d))));
    return hn::Mul(dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Set(d, a.p[1]), neg));
  }
};
