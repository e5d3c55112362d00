// silu, fast (Accuracy::fast): x sigmoid(beta x). beta x is split into its rounded value and
// the error of that rounding (one FMA), and the error goes into the reduced argument of e^-|bx|:
// an argument rounded to float would cost |bx| 2^-24 relative (hundreds of ULP in the tail).
// |bx| is clamped at 193 (the error part dropped there): past it x sigmoid(bx) rounds to 0 for
// every float x. The negative side is x p/(1 + e) 2^n, scaled in three factors, the first before
// the product with x so that it cannot overflow, the last after it so that subnormal results
// round once instead of flushing (silu(-100) is about -3.7e-42).
struct silu {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, static_cast<float>(a.p[0]));
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> lo = hn::MulSub(beta, x, bx);
    const auto neg = hn::Lt(bx, hn::Zero(d));
    const Vec<D> abx = hn::Abs(bx);
    const Vec<D> lim = hn::Set(d, 193.0f);
    const Vec<D> t_lo = hn::IfThenElseZero(hn::Le(abx, lim), hn::IfThenElse(neg, lo, hn::Neg(lo)));
    const ExpSplitF<D> e = FastExpSplit(d, hn::Neg(hn::Min(abx, lim)), t_lo);
    const Scale3F<D> s = SplitScale3(d, e.n);
    const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), Scale3(e.p, s)));
    // An infinite x meets a clamped sigmoid here: the largest float of its sign gives the
    // limit 0 of x sigmoid(bx) instead of inf times a tiny scale.
    const Vec<D> big = hn::Set(d, 3.40282347e38f);
    const Vec<D> xm = hn::Min(hn::Max(x, hn::Neg(big)), big);
    const Vec<D> y_neg = hn::Mul(hn::Mul(hn::Mul(hn::Mul(hn::Mul(e.p, q), s.s1), xm), s.s2), s.s3);
    return hn::IfThenElse(neg, y_neg, hn::Mul(x, q));
  }
};
