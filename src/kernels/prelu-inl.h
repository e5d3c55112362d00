// prelu: leaky_relu with a trainable slope (per channel through activ::prelu). Included by the
// operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64
// and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct prelu {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  static constexpr bool kForwardKeepsNaN = true;  // leaky_relu's Forward
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return leaky_relu::Forward(d, x, a);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return leaky_relu::Backward(d, x, dy, a);
  }
  // d/dweight = x where x <= 0.
  template <class D>
  HWY_INLINE static Vec<D> ParamGrad(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return hn::IfThenZeroElse(hn::Gt(x, hn::Zero(d)), hn::Mul(x, dy));
  }
};
