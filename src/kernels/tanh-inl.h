// tanh. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct tanh {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) { return Tanh(d, x); }
  // 1 - tanh^2 x = 4e/(1+e)^2 with e = e^-2|x|: no cancellation where tanh is near +-1.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> ax = hn::Abs(x);
    const Vec<D> e = Exp(d, hn::Neg(hn::Add(ax, ax)));
    const Vec<D> inv = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), e));
    return hn::Mul(dy, hn::Mul(hn::Mul(hn::Set(d, 4.0), e), hn::Mul(inv, inv)));
  }
  // (1 - y)(1 + y) is exact in double for a float y. float32 lanes, where the target has FMA
  // (src/dispatch.cc): 1 - y^2 rounds once, then the product with dy: within 1 ULP.
  static constexpr bool kFromYInFloat32 = true;
  template <class D>
  static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args&) {
    if constexpr (std::is_same_v<hn::TFromD<D>, float>) {
      return hn::Mul(dy, hn::NegMulAdd(y, y, hn::Set(d, 1.0f)));
    } else {
      const Vec<D> one = hn::Set(d, 1.0);
      return hn::Mul(dy, hn::Mul(hn::Sub(one, y), hn::Add(one, y)));
    }
  }
};
