// hardswish: x*relu6(x+3)/6. Above 3 it returns x itself, so hardswish(3e38) does not overflow.
// Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside
// namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double descriptor, or
// a float one for the float-lane overloads.
struct hardswish {
  // float32 arrays on FMA targets: float lanes, with no rare path (see Mid).
  static constexpr bool kFloatLanes = true;
  // NaN: the FMA paths' lower clamp keeps it (Max(-3, NaN) is the NaN: x86's maxps and maxpd
  // return the second operand where either is NaN); the others end in a select on Lt(x, 3),
  // false for NaN, that returns x.
  static constexpr bool kForwardKeepsNaN = true;
  // x (x + 3)/6 on [-3, 3] rounded once, FMA targets, float or double lanes: h = (x + 3)/6 as a
  // pair from the exact pair s = x + 3 (|x| <= 3): h.hi = s h6 with its rounding error
  // recovered by FMA, plus s l6 and s.lo h6, each below one ULP of h; then x h rounded once in
  // the last FMA, the terms dropped 2^-46 (float) or 2^-104 (double) of the result. Nothing
  // here scales with x but the last two products, so no low part underflows for tiny or
  // subnormal x (x/6 as a pair, the earlier form, did below 2^-100 in float and needed the
  // double lanes there): x h.lo, which does underflow, is below 2^-23 of an ULP of the result.
  // Above 3 no select is needed: x is clamped only below in the last FMA's first factor, and at
  // s = 6, h.hi = RN(6 h6) is 1 exactly (6 h6 is 1 - 2^-54 in double, 1 + 2^-25 in float), so
  // the FMA gives x plus 3 h.lo (about 2^-47 in float, 2^-100 in double: far below half an ULP
  // of any x >= 3), which rounds to x, infinity included.
  // Zeros: below -3, s and h are +0 and the last FMA gives -3 (+0) + -3 (+0) = -0, as x
  // relu6(x+3)/6 does. At x = -0 it gives -0 (1/2) + -0 h_lo, and h_lo there, 3 (l6 - (1/6 - h6)),
  // is negative in both types (the tail of 1/6 rounded down): +0. Or-ing in x's sign bit mends
  // that alone: every other result already has x's sign (a nonzero exact result keeps its sign
  // through rounding, even to zero). One operation where CopySign took three on AVX2. Rounding
  // the tail up instead made h_lo positive but moved the rounding of exact ties and near-ties
  // (in 7 of the 24 blocks of 2^24 float inputs that changed: 1404 ties, and two near-ties to
  // 0.50000001 ULP).
  template <class D>
  HWY_INLINE static Vec<D> Mid(D d, Vec<D> x) {
    using T = hn::TFromD<D>;
    const Vec<D> three = hn::Set(d, T{3});
    const Vec<D> xu = hn::Max(hn::Neg(three), x);
    const Vec<D> xc = hn::Min(xu, three);
    const Vec<D> s = hn::Add(three, xc);
    const Vec<D> s_lo = hn::Sub(xc, hn::Sub(s, three));
    const Vec<D> h6 = hardsigmoid::SixthHi(d);
    const Vec<D> h = hn::Mul(s, h6);
    const Vec<D> h_lo =
        hn::MulAdd(s, hardsigmoid::SixthLo(d), hn::MulAdd(s_lo, h6, hn::MulSub(s, h6, h)));
    return hn::OrAnd(hn::MulAdd(xu, h, hn::Mul(xc, h_lo)), x, hn::SignBit(d));
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kIsF32Lanes<D>) return Mid(d, x);
    const Vec<D> three = hn::Set(d, 3.0);
    if constexpr (kForFloat32) {
      const Vec<D> r = hardtanh::Clamp(d, hn::Add(x, three), 0.0, 6.0);
      const Vec<D> mid = MulProbability(d, x, hn::Div(r, hn::Set(d, 6.0)));
      return hn::IfThenElse(hn::Lt(x, three), mid, x);
    } else if constexpr (HWY_NATIVE_FMA) {
      return Mid(d, x);
    } else {
      return hn::IfThenElse(hn::Lt(x, three), MidPairs(d, x), x);
    }
  }
  // x(x+3)/6 with three roundings reaches 1.75 ULP. Here x + 3 and its product with x are
  // exact pairs (x*lo only loses bits far below the result's last one), so only the
  // division's final addition rounds. On (-3, 3) the result has the sign of x, which
  // CopySign restores where the correction's +0 would replace -0 (x = -0, x <= -3). Any
  // double x, with or without FMA.
  template <class D>
  HWY_INLINE static Vec<D> MidPairs(D d, Vec<D> x) {
    const Vec<D> three = hn::Set(d, 3.0);
    const Vec<D> xc = hardtanh::Clamp(d, x, -3.0, 3.0);
    const Pair<D> s = TwoSum(d, xc, three);
    const Pair<D> p = TwoProd(d, xc, s.hi);
    return hn::CopySign(hardsigmoid::DivideBy6(d, Pair<D>{p.hi, hn::MulAdd(xc, s.lo, p.lo)}), x);
  }
  // 0 below -3, (2x+3)/6 on [-3, 3] (so -0.5 at -3 and 1.5 at 3), 1 above.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    using T = hn::TFromD<D>;
    const Vec<D> three = hn::Set(d, T{3});
    Vec<D> mid;
    if constexpr (kIsF32Lanes<D>) {
      // x/3 + 1/2 rounded once; 1/3's rounding moves it by 2^-25 x/3, inside the bound's
      // 2^-24 |dy x f''| (f'' = 1/3). At -3 the sum, -1/2 - 2^-25, ties to -1/2 (even); at 3,
      // 3/2 + 2^-25 rounds to 3/2.
      mid = hn::MulAdd(x, hn::Set(d, 1.0f / 3.0f), hn::Set(d, 0.5f));
    } else {
      mid = hn::Div(hn::MulAdd(hn::Set(d, 2.0), x, three), hn::Set(d, 6.0));
    }
    Vec<D> g = hn::IfThenElse(hn::Gt(x, three), hn::Set(d, T{1}), mid);
    g = hn::IfThenZeroElse(hn::Lt(x, hn::Neg(three)), g);
    return hn::Mul(dy, g);
  }
};
