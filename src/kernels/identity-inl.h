// identity: y = x. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct identity {
  // Selects and one product of float values: float32 lanes give exactly the rounded double
  // result, so float32 arrays are computed in float32 vectors, twice as many lanes.
  static constexpr bool kExactInFloat32 = true;
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  static Vec<D> Forward(D, Vec<D> x, const Args&) {
    return x;
  }
  template <class D>
  static Vec<D> Backward(D, Vec<D>, Vec<D> dy, const Args&) {
    return dy;
  }
  template <class D>
  static Vec<D> BackwardFromY(D, Vec<D>, Vec<D> dy, const Args&) {
    return dy;
  }
};
