// mish, fast (Accuracy::fast): x tanh(log(1 + e^x)) with e = e^-|x|:
//   x < 0: tanh(log(1 + e)) = n/(n + 2) with n = e (e + 2) = e (1 - h), h = e (1 + e)/(e^2 +
//          2e + 2) in [0, 2/5], so mish = x e - (x e) h: the tail x e^x keeps its digits (no
//          cancellation), and the quotient's roundings are damped by h (a plain x n/(n + 2)
//          took six roundings in a row: 4.7 ULP measured in a float32 model near x = -13.8,
//          2.9 with this form);
//   x >= 0: (1 + 2e)/(1 + 2e + 2e^2), the same ratio with e^x = 1/e (nothing overflows).
// One quotient serves both sides (numerator and denominator selected).
// AVX-512: e = (l + r) 2^floor(n) from the table (ExpLutPoly3SplitN); for x < 0 the products
// are taken on the unscaled l + r and the scale 2^floor(n) goes last by vscalefps, so results in
// the subnormals (below x = -87.3 or so) round once more at most instead of flushing. x is clamped
// at -200 for the products (past it the result rounds to -0 anyway; -inf then gives -0, not NaN).
// Other targets: the same with e from FastExp where every lane has |x| <= 87 (e and every
// product normal); the other lanes take mish = x e^x (to 2^-125 relative) with 2^n in three
// factors, or x past 87, where the ratio rounds to 1.
struct mish {
  static constexpr bool kForwardKeepsNaN = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3;

  // The result before the scale of the negative side: xp (1 - h) for x < 0, xp = x times the
  // unscaled factor of e (e = (l + r) 2^floor(n); or e itself where nothing is scaled), and
  // x q for x >= 0.
  template <class D>
  HWY_INLINE static Vec<D> Unscaled(D d, hn::Mask<D> neg, Vec<D> xm, Vec<D> e, Vec<D> xp) {
    const Vec<D> one = hn::Set(d, 1.0f);
    const Vec<D> two = hn::Set(d, 2.0f);
    const Vec<D> pnum = hn::MulAdd(two, e, one);
    const Vec<D> num = hn::IfThenElse(neg, hn::MulAdd(e, e, e), pnum);
    const Vec<D> den = hn::IfThenElse(neg, hn::MulAdd(e, hn::Add(e, two), two),
                                      hn::MulAdd(hn::Add(e, e), e, pnum));
    const Vec<D> q = hn::Div(num, den);
    return hn::IfThenElse(neg, hn::NegMulAdd(xp, q, xp), hn::Mul(xm, q));
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors (see HasForwardN). A NaN x stays itself through NegAbsClamped and
  // Max (its second operand), and every NaN made of it is its quiet form: kForwardKeepsNaN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    // e^-|x| = (l + r) 2^floor(n), and x (l + r) = x l + x r in one rounding (in a float32
    // model, 2.9 ULP with x p, p = l + r rounded, 2.4 with the sum left apart).
    Vec<D> z[K], l[K], r[K], n[K], e[K];
    for (size_t k = 0; k < K; ++k) z[k] = NegAbsClamped(v[k], 200.0f);
    ExpLutPoly3SplitN<K>(d, z, nullptr, l, r, n);
    for (size_t k = 0; k < K; ++k) e[k] = ScaleF(hn::Add(l[k], r[k]), n[k]);
    for (size_t k = 0; k < K; ++k) {
      const auto neg = hn::Lt(v[k], hn::Zero(d));
      const Vec<D> xm = hn::Max(hn::Set(d, -200.0f), v[k]);
      const Vec<D> xp = hn::MulAdd(xm, l[k], hn::Mul(xm, r[k]));
      v[k] = ScaleF(Unscaled(d, neg, xm, e[k], xp), hn::IfThenElseZero(neg, n[k]));
    }
  }
#else
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
          const Vec<D> e = FastExp(d, z);
          return Unscaled(d, hn::Lt(x, hn::Zero(d)), x, e, hn::Mul(x, e));
        },
        [&]() HWY_ATTR {
          const Vec<D> xm = hn::Max(x, hn::Set(d, -200.0f));
          const ExpSplitF<D> e = FastExpSplit(d, xm, hn::Zero(d));
          const Vec<D> tail = Scale3(hn::Mul(xm, e.p), SplitScale3(d, e.n));
          return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, tail);
        });
  }
#endif
};
