// hardswish: x*relu6(x+3)/6. Above 3 it returns x itself, so hardswish(3e38) does not overflow.
// Included once per SIMD target by the generated activ_kernels-inl.h, inside namespace
// activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor, or a float
// one for the float-lane overloads.
struct hardswish {
  // float32 arrays on FMA targets: float lanes; the lanes with 0 < |x| < 2^-100 (results near
  // the subnormals, where the error-free products below lose their low parts) take the double
  // lanes.
  static constexpr bool kFloatLanes = true;
  // NaN: every path ends in a select on Lt(x, 3), false for NaN, that returns x.
  static constexpr bool kForwardKeepsNaN = true;
  // x (x + 3)/6 on [-3, 3] rounded once, FMA targets: x/6 = x (h6 + l6) as a pair (its head
  // product exact by FMA), x + 3 as an exact pair s (|x| <= 3), and their product with the head
  // term inside the last FMA; the terms dropped are 2^-46 (float) or 2^-104 (double) of the
  // result. Valid while the low product x h6 - hi is representable: |x| >= 2^-100 for float,
  // 2^-960 for double, or x = 0. The sign comes from x (-0 in, -0 out).
  template <class D>
  static Vec<D> MidF(D d, Vec<D> x) {
    using T = hn::TFromD<D>;
    const Vec<D> three = hn::Set(d, T{3});
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(three)), three);
    const Vec<D> s = hn::Add(three, xc);
    const Vec<D> s_lo = hn::Sub(xc, hn::Sub(s, three));
    const Vec<D> h6 = hardsigmoid::SixthHi(d);
    const Vec<D> a = hn::Mul(xc, h6);
    const Vec<D> a_lo = hn::MulAdd(xc, hardsigmoid::SixthLo(d), hn::MulSub(xc, h6, a));
    const Vec<D> y = hn::MulAdd(a, s, hn::MulAdd(a_lo, s, hn::Mul(a, s_lo)));
    return hn::CopySign(y, x);
  }
  // The lanes where MidF holds (NaN lanes too, which the caller passes through).
  template <class D>
  static hn::Mask<D> MidFOk(D d, Vec<D> x) {
    using T = hn::TFromD<D>;
    const T tiny = kIsF32Lanes<D> ? T(0x1p-100f) : T(0x1p-960);
    return hn::Not(hn::And(hn::Lt(hn::Abs(x), hn::Set(d, tiny)), hn::Ne(x, hn::Zero(d))));
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      // Lt rather than Ge so that NaN takes the x branch and stays NaN.
      const Vec<D> y = hn::IfThenElse(hn::Lt(x, hn::Set(d, 3.0f)), MidF(d, x), x);
      return PatchLanes(d, MidFOk(d, x), y, x,
                        [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); });
    }
    const Vec<D> three = hn::Set(d, 3.0);
    if constexpr (kForFloat32) {
      const Vec<D> r = hardtanh::Clamp(d, hn::Add(x, three), 0.0, 6.0);
      const Vec<D> mid = MulProbability(d, x, hn::Div(r, hn::Set(d, 6.0)));
      return hn::IfThenElse(hn::Lt(x, three), mid, x);
    } else {
      Vec<D> mid;
      if constexpr (HWY_NATIVE_FMA) {
        mid = MidF(d, x);
        const auto tiny = hn::Not(MidFOk(d, x));
        if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) mid = hn::IfThenElse(tiny, MidPairs(d, x), mid);
      } else {
        mid = MidPairs(d, x);
      }
      // Lt rather than Ge so that NaN takes the x branch and stays NaN.
      return hn::IfThenElse(hn::Lt(x, three), mid, x);
    }
  }
  // x(x+3)/6 with three roundings reaches 1.75 ULP. Here x + 3 and its product with x are
  // exact pairs (x*lo only loses bits far below the result's last one), so only the
  // division's final addition rounds. On (-3, 3) the result has the sign of x, which
  // CopySign restores where the correction's +0 would replace -0 (x = -0, x <= -3). Any
  // double x, with or without FMA.
  template <class D>
  static Vec<D> MidPairs(D d, Vec<D> x) {
    const Vec<D> three = hn::Set(d, 3.0);
    const Vec<D> xc = hardtanh::Clamp(d, x, -3.0, 3.0);
    const Pair<D> s = TwoSum(d, xc, three);
    const Pair<D> p = TwoProd(d, xc, s.hi);
    return hn::CopySign(hardsigmoid::DivideBy6(d, Pair<D>{p.hi, hn::MulAdd(xc, s.lo, p.lo)}), x);
  }
  // 0 below -3, (2x+3)/6 on [-3, 3] (so -0.5 at -3 and 1.5 at 3), 1 above.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
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
