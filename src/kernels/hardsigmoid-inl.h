// hardsigmoid: relu6(x+3)/6; the derivative is 0 at +-3. Included once per SIMD target by the
// generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes
// first. D is a double descriptor.
struct hardsigmoid {
  // (n.hi + n.lo)/6 rounded once (within 0.5 + 2^-50 ULP) when |n.lo| <= ulp(n.hi): a first
  // quotient by multiplication, its remainder computed exactly (n.hi - 6y is exact by Sterbenz),
  // and the remainder's sixth added last. No division: 1/6 is good enough for both guesses.
  template <class D>
  static Vec<D> DivideBy6(D d, Pair<D> n) {
    const Vec<D> sixth = hn::Set(d, 1.0 / 6.0);
    const Vec<D> y = hn::Mul(n.hi, sixth);
    const Pair<D> y6 = TwoProd(d, y, hn::Set(d, 6.0));
    const Vec<D> r = hn::Add(hn::Sub(hn::Sub(n.hi, y6.hi), y6.lo), n.lo);
    return hn::MulAdd(r, sixth, y);
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kForFloat32) {
      const Vec<D> r = hardtanh::Clamp(d, hn::Add(x, hn::Set(d, 3.0)), 0.0, 6.0);
      return hn::Div(r, hn::Set(d, 6.0));
    } else {
      // x + 3 rounded and then divided by 6 is two roundings, up to 1 ULP; the exact sum as a pair
      // leaves one. Clamping x first keeps the pair finite.
      const Vec<D> xc = hardtanh::Clamp(d, x, -3.0, 3.0);
      return DivideBy6(d, TwoSum(d, xc, hn::Set(d, 3.0)));
    }
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hardtanh::Inside(d, x, hn::Div(dy, hn::Set(d, 6.0)), -3.0, 3.0);
  }
};
