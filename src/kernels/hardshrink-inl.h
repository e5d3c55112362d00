// hardshrink: |x| > lambd ? x : 0. Included by the operation's unit (src/simd/op_unit-inl.h) once
// per SIMD target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a
// double descriptor.
struct hardshrink {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  // NaN: Le is false, x passes.
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return hn::IfThenZeroElse(hn::Le(hn::Abs(x), Param(d, a.p[0])), x);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return hn::IfThenElseZero(hn::Gt(hn::Abs(x), Param(d, a.p[0])), dy);
  }
};
