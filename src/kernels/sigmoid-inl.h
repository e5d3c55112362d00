// sigmoid: 1/(1+e^-x), evaluated on the side of 0 that cannot overflow. Included once per SIMD
// target by the generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels;
// math-inl.h comes first. D is a double descriptor.
struct sigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kForFloat32) {
      return Sigmoid(d, x).sigmoid;
    } else {
      // 1/(1+e) and e/(1+e) round three times; as pairs they round once (spec: 1 ULP).
      const Vec<D> y = MulSigmoidPair(d, hn::Set(d, 1.0), Pair<D>{x, hn::Zero(d)});
      return hn::IfThenElse(hn::IsNaN(x), x, y);
    }
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hn::Mul(dy, SigmoidDerivative(Sigmoid(d, x)));
  }
  // Double lanes: y (1 - y) rounds once (1 - y is exact from y >= 0.5). float32 lanes, where
  // the target has FMA (src/dispatch.cc): y - y^2 rounds once, then the product with dy, so
  // the result stays within 1 ULP.
  static constexpr bool kFromYInFloat32 = true;
  template <class D>
  static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args&) {
    if constexpr (std::is_same_v<hn::TFromD<D>, float>) {
      return hn::Mul(dy, hn::NegMulAdd(y, y, y));
    } else {
      return hn::Mul(dy, hn::Mul(y, hn::Sub(hn::Set(d, 1.0), y)));
    }
  }
};
