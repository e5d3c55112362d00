// elu: x > 0 ? x : alpha*(e^x - 1), with expm1 so that elu(-1e-30) is -1e-30. Included once per
// SIMD target by the generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels;
// math-inl.h comes first. D is a double descriptor.
struct elu {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (!kForFloat32) {
      // alpha (e^x - 1) with e^x - 1 as a pair: one rounding instead of two.
      const Vec<D> alpha = hn::Set(d, a.p[0]);
      Vec<D> neg = MulRound(d, alpha, Expm1Pair(d, hn::Min(x, hn::Zero(d)), hn::Zero(d)));
      neg = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Mul(alpha, x), neg);  // sign of 0
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::IfThenElse(hn::IsNaN(x), x, neg));
    }
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(hn::Set(d, a.p[0]), Expm1(d, x)));
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> neg = hn::Mul(dy, hn::Mul(hn::Set(d, a.p[0]), Exp(d, hn::Min(x, hn::Zero(d)))));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg);
  }
  // alpha*e^x = y + alpha on the negative side; needs alpha >= 0 so that y <= 0 there.
  template <class D>
  static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args& a) {
    const Vec<D> neg = hn::Mul(dy, hn::Add(y, hn::Set(d, a.p[0])));
    return hn::IfThenElse(hn::Gt(y, hn::Zero(d)), dy, neg);
  }
};
