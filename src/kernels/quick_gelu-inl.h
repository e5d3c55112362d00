// quick_gelu: x*sigmoid(1.702x), silu with a fixed beta. Included once per SIMD target by the
// generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes
// first. D is a double descriptor.
struct quick_gelu {
  static constexpr bool kFloatLanes = true;  // silu's float lanes
  static constexpr double kBeta = 1.702;
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return silu::ForwardBeta(d, x, kBeta);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return silu::BackwardBeta(d, x, dy, kBeta);
  }
};
