// softsign, fast (Accuracy::fast): x/(1 + |x|) as one division of x by 1 + |x| rounded (two
// roundings: within 1.5 ULP), where the faithful kernel takes 1 + |x| as an exact pair and
// corrects the quotient (14 operations per vector). x is clamped to [-2^26, 2^26], past which
// the quotient rounds to +-1 (infinities too). The quotient carries x's sign (-0 included), and
// rounding is symmetric in sign, so the bits are those of |x|/(1 + |x|) with x's sign copied on:
// 5 operations a vector where the copy took 7 (the copy also read x again from memory).
struct softsign {
  // A NaN x stays itself through the clamps (x86's Min and Max return their second operand)
  // and the division makes its quiet form.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> xc = hn::Min(hn::Set(d, 0x1p26f), hn::Max(hn::Set(d, -0x1p26f), v[k]));
      v[k] = hn::Div(xc, hn::Add(hn::Abs(xc), hn::Set(d, 1.0f)));
    }
  }
};
