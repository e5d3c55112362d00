// relu_squared: max(0,x)^2. Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD
// target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor, or a float one for float32 arrays.
struct relu_squared {
  // One product of float values, and a doubling that is exact where it is done: float32 lanes
  // give exactly the rounded double result, so float32 arrays are computed in float32 vectors.
  static constexpr bool kExactInFloat32 = true;
  // NaN: Le is false, so r and r*r are NaN (Max(x, 0) would not promise that).
  static constexpr bool kForwardKeepsNaN = true;
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> r = hn::IfThenZeroElse(hn::Le(x, hn::Zero(d)), x);
    return hn::Mul(r, r);
  }
  // 2 r dy. Doubling the rounded r*dy is the rounded 2 r dy (overflow included) wherever r*dy
  // is normal; where it is not, r < 2^(p+1) (p the significand bits), so 2r is exact and
  // 2r * dy rounds once. Neither 2r nor 2dy alone: each overflows where the product may not.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    using T = hn::TFromD<D>;
    const Vec<D> r = hn::Max(x, hn::Zero(d));
    const Vec<D> p = hn::Mul(r, dy);
    const auto subnormal =
        hn::Lt(hn::Abs(p), hn::Set(d, std::is_same_v<T, float> ? T(0x1p-126f) : T(0x1p-1022)));
    return hn::IfThenElse(subnormal, hn::Mul(hn::Add(r, r), dy), hn::Add(p, p));
  }
};
