// quick_gelu: x*sigmoid(1.702x), silu with a fixed beta. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
struct quick_gelu {
  static constexpr bool kFloatLanes = true;  // silu's float lanes
  static constexpr double kBeta = 1.702;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return silu::ForwardBeta(d, x, kBeta);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return silu::BackwardBeta(d, x, dy, kBeta);
  }
};
