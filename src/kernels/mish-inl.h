// mish: x*tanh(softplus x). Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
// With e = e^x and n = e(e+2): tanh(log(1+e)) = n/(n+2) exactly, so the tail x -> -inf keeps
// every digit (mish ~ x*e^x) instead of cancelling in 1 - ... . Past x = 40 the factor is 1.
struct mish {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> e = Exp(d, hn::Min(x, hn::Set(d, 40.0)));
    const Vec<D> n = hn::Mul(e, hn::Add(e, hn::Set(d, 2.0)));
    return MulProbability(d, x, hn::Div(n, hn::Add(n, hn::Set(d, 2.0))));
  }
  // mish' = n/(n+2) + 4x e(1+e)/(n+2)^2.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> limit = hn::Set(d, 40.0);
    const Vec<D> e = Exp(d, hn::Min(x, limit));
    const Vec<D> n = hn::Mul(e, hn::Add(e, hn::Set(d, 2.0)));
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(n, hn::Set(d, 2.0)));
    Vec<D> term = hn::Mul(hn::Mul(hn::Set(d, 4.0), x),
                          hn::Mul(hn::Mul(e, hn::Add(e, hn::Set(d, 1.0))), hn::Mul(inv, inv)));
    term = hn::IfThenZeroElse(hn::Or(hn::Gt(x, limit), hn::Eq(e, hn::Zero(d))), term);
    return hn::Mul(dy, hn::MulAdd(n, inv, term));
  }
};
