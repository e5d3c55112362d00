// tanh, fast (Accuracy::fast).
struct tanh {
  // On x86, a NaN x stays NaN through Min (its second operand) with its payload, CopySign puts
  // its sign back, and every NaN made of it is its quiet form: the kernel keeps NaN.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    // tanh|x| = -m/(2 + m), m = e^-2|x| - 1 from FastExpm1 (relative error near 0 as good as
    // far from it, so one formula serves every |x|): the quotient of two terms with small
    // errors. |x| is clamped at 9.1, past which tanh rounds to 1; -2|x| is exact.
    Vec<D> m[K];
    for (size_t k = 0; k < K; ++k) {
      m[k] = hn::Mul(hn::Min(hn::Set(d, 9.1f), hn::Abs(v[k])), hn::Set(d, -2.0f));
    }
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // AVX-512: the table's e^z - 1, 6 FMA-class operations of 13 where FastExpm1N has 10 (the
    // FMA pipes bound this loop). A NaN keeps its payload where Expm1Lut32N says so (the quiet NaN
    // without one does), and CopySign its sign.
    Expm1Lut32N<K>(d, m);
#else
    FastExpm1N<K>(d, m);
#endif
    for (size_t k = 0; k < K; ++k) {
      v[k] = hn::CopySign(hn::Div(m[k], hn::Sub(hn::Set(d, -2.0f), m[k])), v[k]);
    }
  }
  // 1 - tanh^2 x = 4 sigmoid'(2x).
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope<true>(d, hn::Add(x, x), dy);
  }
};
