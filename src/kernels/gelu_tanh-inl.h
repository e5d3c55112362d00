// gelu_tanh: x/2*(1+tanh u), u = sqrt(2/pi)(x + 0.044715x^3), evaluated as x*sigmoid(2u):
// 1 + tanh u cancels for negative u, the sigmoid form does not. Included once per SIMD target by
// the generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h
// comes first. D is a double descriptor.
struct gelu_tanh {
  template <class D>
  static Vec<D> TwoU(D d, Vec<D> x) {
    const Vec<D> inner = hn::MulAdd(hn::Mul(hn::Set(d, 0.044715), x), x, hn::Set(d, 1.0));
    return hn::Mul(hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654), x), inner);
  }
  // 2u as a pair, from the constants as pairs (2 sqrt(2/pi) and the decimal 0.044715): e^-|2u|
  // multiplies the rounding of 2u by |2u|, which passes 700 before the result underflows.
  template <class D>
  static Pair<D> TwoUPair(D d, Vec<D> x) {
    const Pair<D> cubic = {hn::Set(d, 0x1.6e4e26d4801f7p-5), hn::Set(d, 0x1.441355475a31ap-59)};
    const Pair<D> scale = {hn::Set(d, 0x1.9884533d43651p+0), hn::Set(d, -0x1.cbc0d30ebfd15p-54)};
    const Pair<D> c_x2 = MulPairs(d, cubic, TwoProd(d, x, x));
    const Pair<D> inner = TwoSum(d, hn::Set(d, 1.0), c_x2.hi);
    const Pair<D> v = MulToPair(d, x, {inner.hi, hn::Add(inner.lo, c_x2.lo)});
    return MulPairs(d, scale, v);
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (!kForFloat32) {
      // Past 2^100 the sigmoid is exactly 0 or 1 and x^3 would overflow the pairs.
      const auto ok = hn::Lt(hn::Abs(x), hn::Set(d, 0x1p100));
      const Vec<D> y = hn::CopySign(MulSigmoidPair(d, x, TwoUPair(d, x)), x);
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      return hn::IfThenElse(ok, y, MulProbability(d, x, Sigmoid(d, TwoU(d, x)).sigmoid));
    }
    return MulProbability(d, x, Sigmoid(d, TwoU(d, x)).sigmoid);
  }
  // float64: s(2u) + v s'(2u) with 2u and v = x (2u)' = 2 sqrt(2/pi) x (1 + 3 0.044715 x^2)
  // as pairs (the terms cancel at the zero of f' near x = -0.75), rounded once with dy. Past
  // |x| = 40 f' is 1 or 0 in double; the clamp keeps x^3 small.
  template <class D>
  static Vec<D> BackwardF64(D d, Vec<D> x, Vec<D> dy) {
    const Vec<D> limit = hn::Set(d, 40.0);
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(limit)), limit);
    const Pair<D> cubic = {hn::Set(d, 0x1.6e4e26d4801f7p-5), hn::Set(d, 0x1.441355475a31ap-59)};
    const Pair<D> scale = {hn::Set(d, 0x1.9884533d43651p+0), hn::Set(d, -0x1.cbc0d30ebfd15p-54)};
    const Pair<D> cubic3 = MulToPair(d, hn::Set(d, 3.0), cubic);
    const Pair<D> c_x2 = MulPairs(d, cubic3, TwoProd(d, xc, xc));
    const Pair<D> inner = TwoSum(d, hn::Set(d, 1.0), c_x2.hi);
    const Pair<D> w = MulToPair(d, xc, {inner.hi, hn::Add(inner.lo, c_x2.lo)});
    const Pair<D> v = MulPairs(d, scale, w);
    const Vec<D> y = MulSigmoidSlopeSum<true>(d, dy, TwoUPair(d, xc), v);
    return PatchBackwardF64(d, x, dy, hn::IfThenElse(hn::Gt(x, limit), dy, y),
                            [&]() HWY_ATTR { return BackwardPlain(d, x, dy); });
  }
  template <class D>
  static Vec<D> BackwardPlain(D d, Vec<D> x, Vec<D> dy) {
    const SigmoidParts<D> s = Sigmoid(d, TwoU(d, x));
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -1000.0)), hn::Set(d, 1000.0));
    const Vec<D> du2 =
        hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654),
                hn::MulAdd(hn::Mul(hn::Set(d, 3.0 * 0.044715), xc), xc, hn::Set(d, 1.0)));
    const Vec<D> term = hn::Mul(hn::Mul(xc, SigmoidDerivative(s)), du2);
    return hn::Mul(dy, hn::Add(s.sigmoid, term));
  }
  // d/dx x*s(2u) = s + x*s'(2u)*2u'. Past |x| = 1000 the second term is 0 in double; clamping
  // there keeps x^2 and x*0 away from inf and NaN.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    if constexpr (!kForFloat32) return BackwardF64(d, x, dy);
    const SigmoidParts<D> s = Sigmoid(d, TwoU(d, x));
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -1000.0)), hn::Set(d, 1000.0));
    const Vec<D> du2 =
        hn::Mul(hn::Set(d, 2.0 * 0.7978845608028654),
                hn::MulAdd(hn::Mul(hn::Set(d, 3.0 * 0.044715), xc), xc, hn::Set(d, 1.0)));
    const Vec<D> term = hn::Mul(hn::Mul(xc, SigmoidDerivative(s)), du2);
    return hn::Mul(dy, hn::Add(s.sigmoid, term));
  }
};
