// hardswish, fast (Accuracy::fast): x relu6(x + 3)/6 as c h, c = max(x, -3) and
// h = min(1, (c + 3) RN(1/6)): three roundings and RN(1/6)'s own error (2^-25.4 relative), where
// the faithful kernel rounds once (its exact pairs take 18 instructions per vector; this, 6).
// c + 3 is exact from -3 to -1.5 (Sterbenz), where the result nears 0, so every error is
// relative: the two roundings before the last cost at most 1 ULP of the result each, RN(1/6)
// 0.4, the last half an ULP (a 2.9 ULP bound). Below -3, h is +0 and the product -0, as the
// faithful kernel gives; from 3 up (infinity too), h is 1 and the product x itself.
struct hardswish {
  // A NaN x stays itself through the clamps (x86's Max and Min return their second operand
  // where either is NaN) and the product; the fast kernels run on x86's FMA targets only.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> c = hn::Max(hn::Set(d, -3.0f), v[k]);
      const Vec<D> s = hn::Mul(hn::Add(c, hn::Set(d, 3.0f)), hn::Set(d, 1.0f / 6.0f));
      v[k] = hn::Mul(c, hn::Min(hn::Set(d, 1.0f), s));
    }
  }
};
