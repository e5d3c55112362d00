// hardswish: x*relu6(x+3)/6. Above 3 it returns x itself, so hardswish(3e38) does not overflow.
// Included once per SIMD target by the generated activ_kernels-inl.h, inside namespace
// activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct hardswish {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> three = hn::Set(d, 3.0);
    if constexpr (kForFloat32) {
      const Vec<D> r = hardtanh::Clamp(d, hn::Add(x, three), 0.0, 6.0);
      const Vec<D> mid = MulProbability(d, x, hn::Div(r, hn::Set(d, 6.0)));
      return hn::IfThenElse(hn::Ge(x, three), x, mid);
    } else {
      // x(x+3)/6 with three roundings reaches 1.75 ULP. Here x + 3 and its product with x are
      // exact pairs (x*lo only loses bits far below the result's last one), so only the
      // division's final addition rounds. On (-3, 3) the result has the sign of x, which
      // CopySign restores where the correction's +0 would replace -0 (x = -0, x <= -3).
      const Vec<D> xc = hardtanh::Clamp(d, x, -3.0, 3.0);
      const Pair<D> s = TwoSum(d, xc, three);
      const Pair<D> p = TwoProd(d, xc, s.hi);
      const Vec<D> mid =
          hn::CopySign(hardsigmoid::DivideBy6(d, Pair<D>{p.hi, hn::MulAdd(xc, s.lo, p.lo)}), x);
      // Lt rather than Ge so that NaN takes the x branch and stays NaN.
      return hn::IfThenElse(hn::Lt(x, three), mid, x);
    }
  }
  // 0 below -3, (2x+3)/6 on [-3, 3] (so -0.5 at -3 and 1.5 at 3), 1 above.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> three = hn::Set(d, 3.0);
    const Vec<D> mid = hn::Div(hn::MulAdd(hn::Set(d, 2.0), x, three), hn::Set(d, 6.0));
    Vec<D> g = hn::IfThenElse(hn::Gt(x, three), hn::Set(d, 1.0), mid);
    g = hn::IfThenZeroElse(hn::Lt(x, hn::Neg(three)), g);
    return hn::Mul(dy, g);
  }
};
