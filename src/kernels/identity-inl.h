// identity: y = x. Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD target,
// inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor.
struct identity {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D, Vec<D> x, const Args&) {
    return x;
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D, Vec<D>, Vec<D> dy, const Args&) {
    return dy;
  }
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D, Vec<D>, Vec<D> dy, const Args&) {
    return dy;
  }
};
