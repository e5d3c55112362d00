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
  // kForwardN vectors at once (op_unit-inl.h's ForwardT): silu's ForwardBetaN with beta = 1.702,
  // the same results as Forward (bit for bit). Without it quick_gelu ran 1.28x behind silu on
  // AVX-512 (0.505 against 0.396 ns per element at 262144) and 1.15x on AVX2; with it, AVX-512
  // with four vectors and AVX2 with two as silu, 1.29x and 1.16x faster (0.390 and 0.890 ns,
  // silu 0.391 and 0.898 in the same runs; alternated, loaded host). AVX2 now takes four, as
  // silu (silu::kForwardN).
  static constexpr size_t kForwardN = silu::kForwardN;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args&) {
    silu::ForwardBetaN<kK>(d, v, kBeta);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return silu::BackwardBeta(d, x, dy, kBeta);
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): silu's BackwardN with beta = 1.702,
  // the same results as Backward (bit for bit). AVX-512 with four: 1.31x faster than one vector
  // at a time at 4096 and 262144 elements (0.40 and 0.41 against 0.53 and 0.54 ns per element,
  // CPU time, alternated, loaded host); AVX2 keeps one, as silu.
  static constexpr size_t kBackwardN = silu::kBackwardN;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args&) {
    silu::BackwardBetaN(d, x, dy, kBeta);
  }
};
