// softshrink: x > l ? x-l : x < -l ? x+l : 0. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
struct softshrink {
  // One subtraction or a select: float32 lanes round x - lambd once, as the double result is
  // rounded once, so float32 arrays are computed in float32 vectors.
  static constexpr bool kExactInFloat32 = true;
  // NaN: Le is false, and NaN - lambd is NaN.
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> l = Param(d, a.p[0]);
    const Vec<D> shifted = hn::Sub(x, hn::CopySign(l, x));
    return hn::IfThenZeroElse(hn::Le(hn::Abs(x), l), shifted);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return hardshrink::Backward(d, x, dy, a);
  }
};
