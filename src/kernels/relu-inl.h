// relu: max(0, x); relu'(0) = 0. Included by the operation's unit (src/simd/op_unit-inl.h) once per
// SIMD target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a
// double descriptor.
struct relu {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  // NaN: Le is false, x passes.
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return hn::IfThenZeroElse(hn::Le(x, hn::Zero(d)), x);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hn::IfThenZeroElse(hn::Le(x, hn::Zero(d)), dy);
  }
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args& a) {
    return Backward(d, y, dy, a);
  }
};
