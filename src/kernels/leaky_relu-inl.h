// leaky_relu: x > 0 ? x : a*x; leaky_relu'(0) = a. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
struct leaky_relu {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  // NaN: Gt is false, and slope * NaN is NaN.
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(Param(d, a.p[0]), x));
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, hn::Mul(Param(d, a.p[0]), dy));
  }
  // y > 0 exactly where x > 0 because the slope is checked to be >= 0 for this direction.
  template <class D>
  HWY_INLINE static Vec<D> BackwardFromY(D d, Vec<D> y, Vec<D> dy, const Args& a) {
    return Backward(d, y, dy, a);
  }
};
