// elu, fast (Accuracy::fast): x > 0 ? x : alpha (e^x - 1). e^x - 1 = p 2^n - 1 is taken as
// (p - 1) 2^n + (2^n - 1), one FMA of exact terms, with p - 1 from the polynomial without its
// leading 1: no cancellation near 0 (elu(-1e-30) is -1e-30). x is clamped at -20, past which
// e^x - 1 rounds to -1.
struct elu {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> alpha = hn::Set(d, static_cast<float>(a.p[0]));
    const Vec<D> zero = hn::Zero(d);
    const Vec<D> t = hn::Min(hn::Max(x, hn::Set(d, -20.0f)), zero);
    const ExpSplitF<D> e = FastExpSplit(d, t, zero);
    const hn::RebindToSigned<D> di;
    const Vec<D> s = Pow2I(di, hn::ConvertTo(di, e.n));
    const Vec<D> em1 = hn::MulAdd(e.pm, s, hn::Sub(s, hn::Set(d, 1.0f)));
    // alpha x at x = 0 keeps the sign of zero, as the faithful kernel does.
    const Vec<D> neg = hn::IfThenElse(hn::Eq(x, zero), hn::Mul(alpha, x), hn::Mul(alpha, em1));
    return hn::IfThenElse(hn::Gt(x, zero), x, neg);
  }
  // x > 0 ? dy : dy alpha e^x, x clamped at -200 (below, dy alpha e^x rounds to 0 while
  // |dy alpha| < 2^138) and 2^n applied last, in three factors.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> zero = hn::Zero(d);
    const Vec<D> t = hn::Min(hn::Max(x, hn::Set(d, -200.0f)), zero);
    const ExpSplitF<D> e = FastExpSplit(d, t, zero);
    const Scale3F<D> s = SplitScale3(d, e.n);
    const Vec<D> g = hn::Mul(hn::Mul(e.p, s.s1), hn::Set(d, static_cast<float>(a.p[0])));
    const Vec<D> neg = hn::Mul(hn::Mul(hn::Mul(g, dy), s.s2), s.s3);
    return hn::IfThenElse(hn::Gt(x, zero), dy, neg);
  }
};
