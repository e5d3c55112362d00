// softsign, fast (Accuracy::fast): x/(1 + |x|) as one division of |x| by 1 + |x| rounded (two
// roundings: within 1.5 ULP), where the faithful kernel takes 1 + |x| as an exact pair and
// corrects the quotient (14 operations per vector). |x| is clamped at 2^26, past which the
// quotient rounds to 1 (infinities too); CopySign restores the sign, -0 included.
struct softsign {
  // A NaN x stays itself through the clamp (x86's Min returns its second operand) and the
  // division makes its quiet form.
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86;
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ax = hn::Min(hn::Set(d, 0x1p26f), hn::Abs(v[k]));
      v[k] = hn::CopySign(hn::Div(ax, hn::Add(ax, hn::Set(d, 1.0f))), v[k]);
    }
  }
};
