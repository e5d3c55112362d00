// tanh, fast (Accuracy::fast).
struct tanh {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    // tanh|x| = -m/(2 + m), m = e^-2|x| - 1 from FastExpm1 (relative error near 0 as good as
    // far from it, so one formula serves every |x|): the quotient of two terms with small
    // errors. |x| is clamped at 9.1, past which tanh rounds to 1; -2|x| is exact.
    const Vec<D> z = hn::Mul(hn::Min(hn::Abs(x), hn::Set(d, 9.1f)), hn::Set(d, -2.0f));
    const Vec<D> m = FastExpm1(d, z);
    return hn::CopySign(hn::Div(m, hn::Sub(hn::Set(d, -2.0f), m)), x);
  }
  // 1 - tanh^2 x = 4 sigmoid'(2x).
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope<true>(d, hn::Add(x, x), dy);
  }
};
