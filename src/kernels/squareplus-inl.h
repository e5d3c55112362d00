// squareplus: (x + sqrt(x^2+b))/2. Included once per SIMD target by the generated
// activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is
// a double descriptor. For x < 0 the sum cancels; (x+s)/2 = b/(2(s-x)) there. Past |x| = 1e150, s =
// |x| in double and x^2 would overflow.
struct squareplus {
  template <class D>
  static Vec<D> Root(D d, Vec<D> x, double b) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> s = hn::Sqrt(hn::MulAdd(x, x, hn::Set(d, b)));
    return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 1e150)), ax, s);
  }
  // s + |x| as a pair, s = sqrt(x^2 + b) to about 2^-100: x^2 + b is an exact pair (h, l) up to
  // the rounding of l, and sqrt(h) is corrected to first order, s0 + (h - s0^2 + l)/(2 s0), with
  // s0^2 exact. Both terms are positive, so the final sum has no cancellation. For |x| <= 1e150.
  template <class D>
  static Pair<D> RootPlusAbs(D d, Vec<D> x, double b) {
    const Pair<D> xx = TwoProd(d, x, x);
    const Pair<D> h = TwoSum(d, xx.hi, hn::Set(d, b));
    const Vec<D> l = hn::Add(h.lo, xx.lo);
    const Vec<D> s0 = hn::Sqrt(h.hi);
    const Pair<D> s2 = TwoProd(d, s0, s0);
    const Vec<D> res = hn::Add(hn::Sub(hn::Sub(h.hi, s2.hi), s2.lo), l);
    const Vec<D> s_lo = hn::Div(hn::Mul(hn::Set(d, 0.5), res), s0);
    const Pair<D> t = TwoSum(d, s0, hn::Abs(x));
    return {t.hi, hn::Add(t.lo, s_lo)};
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> half = hn::Set(d, 0.5);
    const auto neg_mask = hn::Lt(x, hn::Zero(d));
    if constexpr (kForFloat32) {
      const Vec<D> s = Root(d, x, a.p[0]);
      const Vec<D> pos = hn::MulAdd(half, x, hn::Mul(half, s));
      // Halved so that s - x cannot overflow for x near -DBL_MAX.
      const Vec<D> neg = hn::Div(hn::Set(d, 0.25 * a.p[0]), hn::MulSub(half, s, hn::Mul(half, x)));
      return hn::IfThenElse(neg_mask, neg, pos);
    } else {
      // The double formulas round s, then the sum or the quotient (2.7 ULP); with t = s + |x| as
      // a pair only the last step rounds: t/2 for x >= 0, (b/2)/t for x < 0.
      const Vec<D> ax = hn::Abs(x);
      const Pair<D> t = RootPlusAbs(d, x, a.p[0]);
      const Vec<D> pos = hn::Mul(half, hn::Add(t.hi, t.lo));
      const Vec<D> neg = DivPair(d, Pair<D>{hn::Set(d, 0.5 * a.p[0]), hn::Zero(d)}, t);
      // Past 1e150 (and for infinities) s = |x|: x itself above 0, b/(4|x|) below, halved first
      // so that 2|x| cannot overflow.
      const Vec<D> big_neg = hn::Div(hn::Set(d, 0.25 * a.p[0]), ax);
      const Vec<D> y = hn::IfThenElse(neg_mask, neg, pos);
      return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 1e150)), hn::IfThenElse(neg_mask, big_neg, x), y);
    }
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
