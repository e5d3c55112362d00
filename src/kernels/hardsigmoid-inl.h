// hardsigmoid: relu6(x+3)/6; the derivative is 0 at +-3. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first (and no other kernel file: hardswish includes this one before hardtanh's).
// D is a double descriptor, or a float one for the float-lane overloads.
struct hardsigmoid {
  // float32 arrays on FMA targets: float lanes, no rare path (x + 3 is clamped to [0, 6], and
  // every nonzero result is above 2^-25).
  static constexpr bool kFloatLanes = true;
  // 1/6 in the lane type as head + tail: the head rounded to nearest, the tail what is left
  // (float: -0x1.555556p-28, rounded; double: 2^-55/3, rounded).
  template <class D>
  HWY_INLINE static Vec<D> SixthHi(D d) {
    return hn::Set(d, static_cast<hn::TFromD<D>>(1.0 / 6.0));
  }
  template <class D>
  HWY_INLINE static Vec<D> SixthLo(D d) {
    if constexpr (kIsF32Lanes<D>) {
      return hn::Set(d, static_cast<float>(1.0 / 6.0 - static_cast<double>(1.0f / 6.0f)));
    } else {
      return hn::Set(d, 0x1.5555555555555p-57);
    }
  }
  // (hi + lo)/6 rounded once, for |lo| <= ulp(hi) and an FMA target: hi/6 = hi (h6 + l6) has
  // its head hi h6 exact inside the last FMA, and the terms below it (2^-24 of the result in
  // float, 2^-53 in double) are good to their own rounding. Correctly rounded but within
  // 2^-20 ULP of a midpoint; never more than 0.5 + 2^-20 ULP off. Both results must be normal
  // or zero.
  template <class D>
  HWY_INLINE static Vec<D> SixthOf(D d, Vec<D> hi, Vec<D> lo) {
    const Vec<D> h6 = SixthHi(d);
    return hn::MulAdd(hi, h6, hn::MulAdd(hi, SixthLo(d), hn::Mul(lo, h6)));
  }
  // (n.hi + n.lo)/6 rounded once (within 0.5 + 2^-50 ULP) when |n.lo| <= ulp(n.hi): a first
  // quotient by multiplication, its remainder computed exactly (n.hi - 6y is exact by Sterbenz),
  // and the remainder's sixth added last. No division: 1/6 is good enough for both guesses.
  // For the targets without FMA, where SixthOf would round its head product.
  template <class D>
  HWY_INLINE static Vec<D> DivideBy6(D d, Pair<D> n) {
    const Vec<D> sixth = hn::Set(d, 1.0 / 6.0);
    const Vec<D> y = hn::Mul(n.hi, sixth);
    const Pair<D> y6 = TwoProd(d, y, hn::Set(d, 6.0));
    const Vec<D> r = hn::Add(hn::Sub(hn::Sub(n.hi, y6.hi), y6.lo), n.lo);
    return hn::MulAdd(r, sixth, y);
  }
  // NaN: every clamp puts the bound first (x86's minps/maxps and minpd/maxpd return the second
  // operand where either is NaN; Arm's fmin and fmax return the NaN), and the rest adds,
  // multiplies or divides, so the FMA targets' Map needs no NaN test and blend (its block
  // probe and select were 1.5 of the 9.5 operations a vector, AVX-512). Declared for FMA
  // targets only: the emulated targets' Min and Max return the number.
  static constexpr bool kForwardKeepsNaN = HWY_NATIVE_FMA != 0;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    using T = hn::TFromD<D>;
    const Vec<D> three = hn::Set(d, T{3});
    if constexpr (kIsF32Lanes<D> || (!kForFloat32 && HWY_NATIVE_FMA)) {
      // x + 3 as an exact pair (|x| <= 3 after the clamp), then its sixth rounded once.
      const Vec<D> xc = hn::Min(three, hn::Max(hn::Neg(three), x));
      const Vec<D> s = hn::Add(three, xc);
      return SixthOf(d, s, hn::Sub(xc, hn::Sub(s, three)));
    } else if constexpr (kForFloat32) {
      const Vec<D> r = hn::Min(hn::Set(d, 6.0), hn::Max(hn::Zero(d), hn::Add(x, three)));
      return hn::Div(r, hn::Set(d, 6.0));
    } else {
      // x + 3 rounded and then divided by 6 is two roundings, up to 1 ULP; the exact sum as a pair
      // leaves one. Clamping x first keeps the pair finite.
      const Vec<D> xc = hn::Min(three, hn::Max(hn::Neg(three), x));
      return DivideBy6(d, TwoSum(d, xc, three));
    }
  }
  // The sixth of dy inside (-3, 3), 0 outside and at both ends.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    Vec<D> g;
    if constexpr (kIsF32Lanes<D>) {
      // dy/6 as dy (h6 + l6): one rounding but where dy l6 underflows (within 1 ULP there).
      g = hn::MulAdd(dy, SixthHi(d), hn::Mul(dy, SixthLo(d)));
    } else {
      g = hn::Div(dy, hn::Set(d, 6.0));
    }
    return hn::IfThenElseZero(hn::Lt(hn::Abs(x), hn::Set(d, hn::TFromD<D>{3})), g);
  }
};
