// tanh, fast (Accuracy::fast). |x| < atanh(1/2): x + x^3 P(x^2), P of degree 4 in x^2
// (relative error 2^-29.7 before rounding); beyond, 1 - 2e/(1 + e) with e = e^-2|x|, where
// the result is at least 1/2 so the subtraction loses nothing, and the sign put back. |x| is
// clamped at 9.1, past which tanh rounds to 1.
struct tanh {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> x2 = hn::Mul(x, x);
    Vec<D> p = hn::Set(d, -0x1.9a6510p-8f);
    p = hn::MulAdd(p, x2, hn::Set(d, 0x1.5916acp-6f));
    p = hn::MulAdd(p, x2, hn::Set(d, -0x1.b92368p-5f));
    p = hn::MulAdd(p, x2, hn::Set(d, 0x1.110d04p-3f));
    p = hn::MulAdd(p, x2, hn::Set(d, -0x1.55554ap-2f));
    // On |x|, the sign put back on either branch: x + x^3 P would make tanh(-0) = +0.
    const Vec<D> small = hn::MulAdd(hn::Mul(ax, x2), p, ax);
    // 2|x| is exact; e >= e^-18.2, so 2^n (n >= -27) is one normal factor.
    const Vec<D> t = hn::Mul(hn::Min(ax, hn::Set(d, 9.1f)), hn::Set(d, -2.0f));
    const ExpSplitF<D> es = FastExpSplit(d, t, hn::Zero(d));
    const hn::RebindToSigned<D> di;
    const Vec<D> e = hn::Mul(es.p, Pow2I(di, hn::ConvertTo(di, es.n)));
    const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), e));
    const Vec<D> large = hn::NegMulAdd(hn::Add(e, e), q, hn::Set(d, 1.0f));
    return hn::CopySignToAbs(hn::IfThenElse(hn::Lt(ax, hn::Set(d, 0.5493061443f)), small, large),
                             x);
  }
  // 1 - tanh^2 x = 4 sigmoid'(2x).
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope<true>(d, hn::Add(x, x), dy);
  }
};
