// softsign: x/(1+|x|). Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct softsign {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> one = hn::Set(d, 1.0);
    if constexpr (kForFloat32) {
      const Vec<D> y = hn::Div(x, hn::Add(one, hn::Abs(x)));
      return hn::IfThenElse(hn::IsInf(x), hn::CopySign(one, x), y);
    } else {
      // Rounding 1+|x| and then the quotient costs up to 1.5 ULP; the exact sum as a pair leaves
      // one rounding. Past 2^60 the result is +-1 correctly rounded, and the pair arithmetic
      // (a Dekker split without FMA) would overflow near DBL_MAX. CopySign keeps -0, which the
      // remainder correction would turn into +0.
      const Vec<D> ax = hn::Abs(x);
      const Pair<D> den = TwoSum(d, one, ax);
      // One division: the first quotient is x times the reciprocal, and its remainder (x -
      // y0 den.hi is exact by Sterbenz) corrects it; both need the reciprocal only to 2^-52.
      const Vec<D> inv = hn::Div(one, den.hi);
      const Vec<D> y0 = hn::Mul(x, inv);
      const Pair<D> yq = TwoProd(d, y0, den.hi);
      const Vec<D> r = hn::Sub(hn::Sub(hn::Sub(x, yq.hi), yq.lo), hn::Mul(y0, den.lo));
      const Vec<D> y = hn::CopySign(hn::MulAdd(r, inv, y0), x);
      return hn::IfThenElse(hn::Gt(ax, hn::Set(d, 0x1p60)), hn::CopySign(one, x), y);
    }
  }
  // Squares 1/(1+|x|) rather than dividing by (1+|x|)^2, which would overflow first.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    if constexpr (!kForFloat32) {
      // dy/(1 + |x|)^2 with 1 + |x| and its square as pairs: one rounding. Past 2^400 the
      // square's error-free products (split in halves without FMA) would overflow; the result is
      // below 2^-799 there, dy/(1+|x|)/(1+|x|) (within 1 ULP).
      const Vec<D> ax = hn::Abs(x);
      const Pair<D> s0 = TwoSum(d, hn::Set(d, 1.0), hn::Min(ax, hn::Set(d, 0x1p400)));
      const Pair<D> q = MulPairs(d, s0, s0);
      const Pair<D> r = DivToPair(d, {dy, hn::Zero(d)}, q);
      Vec<D> y = hn::Add(r.hi, r.lo);
      const auto huge = hn::Gt(ax, hn::Set(d, 0x1p400));
      if (HWY_UNLIKELY(!hn::AllFalse(d, huge))) {
        const Vec<D> den = hn::Add(hn::Set(d, 1.0), ax);
        y = hn::IfThenElse(huge, hn::Div(hn::Div(dy, den), den), y);
      }
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR {
        const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), ax));
        return hn::Mul(dy, hn::Mul(inv, inv));
      });
    }
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), hn::Abs(x)));
    return hn::Mul(dy, hn::Mul(inv, inv));
  }
};
