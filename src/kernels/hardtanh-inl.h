// hardtanh: clamp(x, min_val, max_val); the derivative is 0 at both ends. Included by the
// operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64
// and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct hardtanh {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  template <class D>
  HWY_INLINE static Vec<D> Clamp(D d, Vec<D> x, double lo, double hi) {
    return hn::Min(hn::Max(x, Param(d, lo)), Param(d, hi));
  }
  template <class D>
  HWY_INLINE static Vec<D> Inside(D d, Vec<D> x, Vec<D> dy, double lo, double hi) {
    const auto in = hn::And(hn::Gt(x, Param(d, lo)), hn::Lt(x, Param(d, hi)));
    return hn::IfThenElseZero(in, dy);
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return Clamp(d, x, a.p[0], a.p[1]);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return Inside(d, x, dy, a.p[0], a.p[1]);
  }
};
