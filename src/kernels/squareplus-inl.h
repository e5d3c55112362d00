// squareplus: (x + sqrt(x^2+b))/2. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
// For x < 0 the sum cancels; (x+s)/2 = b/(2(s-x)) there. Past |x| = 1e150, s = |x| in double and
// x^2 would overflow.
struct squareplus {
  template <class D>
  static Vec<D> Root(D d, Vec<D> x, double b) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> s = hn::Sqrt(hn::MulAdd(x, x, hn::Set(d, b)));
    return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 1e150)), ax, s);
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> s = Root(d, x, a.p[0]);
    const Vec<D> half = hn::Set(d, 0.5);
    const Vec<D> pos = hn::MulAdd(half, x, hn::Mul(half, s));
    // Halved so that s - x cannot overflow for x near -DBL_MAX.
    const Vec<D> neg = hn::Div(hn::Set(d, 0.25 * a.p[0]), hn::MulSub(half, s, hn::Mul(half, x)));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }
  // f' = (1 + x/s)/2, for x < 0 written b/(2 s (s-x)).
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> s = Root(d, x, a.p[0]);
    const Vec<D> half = hn::Set(d, 0.5);
    // Where s = |x| stands in for the root, x/s is the sign (and inf/inf must not become NaN).
    const Vec<D> ratio = hn::IfThenElse(hn::Gt(hn::Abs(x), hn::Set(d, 1e150)),
                                        hn::CopySign(hn::Set(d, 1.0), x), hn::Div(x, s));
    const Vec<D> pos = hn::MulAdd(half, ratio, half);
    const Vec<D> neg =
        hn::Div(hn::Div(hn::Set(d, 0.25 * a.p[0]), s), hn::MulSub(half, s, hn::Mul(half, x)));
    return hn::Mul(dy, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos));
  }
};
