// logsigmoid, fast (Accuracy::fast): the backward pass, dy sigmoid(-x); the forward pass is
// the faithful kernel's. Common path (|x| <= 87 on every lane, so e = e^-|x| is normal):
// q = 1/(1 + e), sigmoid(-x) is q for x <= 0 and e q for x > 0, one rounding each, and the
// product with dy rounds once more (e q <= 1/2 is normal, so at most once into the
// subnormals). Other vectors (tails, infinities, NaN) take the faithful kernel.
struct logsigmoid {
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    if (HWY_LIKELY(hn::AllTrue(d, hn::Ge(z, hn::Set(d, kFastExpMin))))) {
      const Vec<D> e = FastExpCommon(d, z);
      const Vec<D> q = hn::Div(hn::Set(d, 1.0f), hn::Add(e, hn::Set(d, 1.0f)));
      return hn::Mul(dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(e, q), q));
    }
    return f32::logsigmoid::Backward(d, x, dy, a);
  }
};
