// softplus: log(1 + e^(beta x))/beta, written max(bx,0) + log1p(e^-|bx|) so that neither
// branch overflows and softplus(-100) keeps its 3.7e-44. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct softplus {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, a.p[0]);
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> sp = hn::Add(hn::Max(bx, hn::Zero(d)), Log1p(d, Exp(d, hn::Neg(hn::Abs(bx)))));
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, hn::Div(sp, beta));
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
    const Vec<D> s = Sigmoid(d, bx).sigmoid;
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy, hn::Mul(dy, s));
  }
};
