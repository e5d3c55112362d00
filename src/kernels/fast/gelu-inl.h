// gelu, fast (Accuracy::fast): x Phi(x) through the tail Q = Phi(-a), a = |x| clamped at 14.5
// (past it every result rounds to x or to -0): x Q for x < 0, x - x Q for x >= 0 (x Q <= x/2,
// so the subtraction adds half an ULP and no cancellation).
//
// Q = e^(-a^2/2) G(a), G(a) = e^(a^2/2) erfc(a/sqrt 2)/2, smooth and within [0.027, 1/2] on
// [0, 14.5]. G = v H(v - 1/2) with v = c/(a + c), c = 5/2: G falls as 1/a, and v takes that
// fall, so H is within a factor 2.2 on the whole range and a polynomial of degree 10 in
// v - 1/2 holds it to 2^-26.5 relative with float32 coefficients (tools/fit_polynomials.py,
// gelu_fast_h). v is an unevaluated pair: its rounding would be a relative error of G of the
// same size (G is about proportional to v at large a), so only H, which barely moves with v,
// sees the rounded v. The quotient has no division: r0, the hardware estimate of 1/(a + c)
// with its low 8 bits cleared, makes c r0 and 1 - c r0 exact, so e = 1 - (a + c) r0 is exact
// but for one rounding of a number below 2^-11, and v = c r0 (1 + e + e^2) (e^3 < 2^-33).
// x v H goes into one rounding (x H as an exact pair, v as a pair).
//
// e^(-a^2/2): a^2 split exactly (one FMA), its low part in the reduced argument, which the
// tail multiplies by up to a^2/2 = 105 (a rounded argument measured 7.2 ULP). AVX-512: the
// 2^(j/32) table with its low part (ExpLutPoly3SplitN), x v H (l + r) in one rounding, 2^floor(n)
// by vscalefps last, so subnormal results (x below -13.2) round once. Other targets: 2^n (1 + m)
// from FastExpNormal where a <= 13 on every lane (e^(-a^2/2) and the result normal), x v H 2^n
// exact and one rounding with m; other lanes take x for x > 0 and x v H p 2^n in three factors
// (SplitScale3) for x < 0.
//
// Error budget, in units of 2^-24 relative (at most that many ULP): the fit 0.35, H's Horner
// steps about 1, the rounding of x v H 1, of its product with the exponential 1, the
// exponential's own error below 0.1; x >= 0 adds half an ULP. Measured exhaustively (all 2^32
// inputs): see the commit that added this file and docs/accuracy.json.
struct gelu {
  static constexpr bool kForwardKeepsNaN = true;

  // H(v - 1/2), degree 10 (tools/fit_polynomials.py gelu_fast_h).
  static constexpr float kH[11] = {0x1.217252p-2f,  0x1.6347d6p-2f, 0x1.b07f0cp-3f, -0x1.e461dep-6f,
                                   -0x1.ada00ep-4f, 0x1.53af76p-6f, 0x1.08e1f8p-4f, -0x1.328060p-5f,
                                   -0x1.f16756p-6f, 0x1.49c512p-5f, -0x1.3cd310p-7f};
  static constexpr float kClamp = 14.5f;

  // x v H for xc = x clamped to [-14.5, 14.5], a = |xc|, rounded once.
  template <class D>
  HWY_INLINE static Vec<D> ScaledG(D d, Vec<D> xc, Vec<D> a) {
    const hn::RebindToUnsigned<D> du;
    const Vec<D> c = hn::Set(d, 2.5f);
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> r0 = hn::ApproximateReciprocal(hn::Add(a, c));
    r0 = hn::And(r0, hn::BitCast(d, hn::Set(du, 0xFFFFFF00u)));
    const Vec<D> cr = hn::Mul(c, r0);
    const Vec<D> e = hn::NegMulAdd(r0, a, hn::NegMulAdd(r0, c, one));
    const Vec<D> ee = hn::MulAdd(e, e, e);
    const Vec<D> v = hn::MulAdd(cr, ee, cr);
    const Vec<D> vl = hn::MulAdd(cr, ee, hn::Sub(cr, v));
    const Vec<D> w = hn::Sub(v, hn::Set(d, 0.5f));
    Vec<D> h = hn::Set(d, kH[10]);
    for (int k = 9; k >= 0; --k) h = hn::MulAdd(h, w, hn::Set(d, kH[k]));
    const Vec<D> xh = hn::Mul(h, xc);
    const Vec<D> xhl = hn::MulSub(h, xc, xh);
    return hn::MulAdd(xh, v, hn::MulAdd(xhl, v, hn::Mul(xh, vl)));
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors (see HasForwardN). vrangeps clamps with x's sign and keeps a NaN x; the
  // last step, x - s where x is not below 0, returns x's NaN (the first operand): kForwardKeepsNaN.
  // -0 gives -0 - s = -0, +0 gives +0.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    Vec<D> xc[K], a[K], z[K], zl[K], l[K], r[K], n[K], b[K];
    for (size_t k = 0; k < K; ++k) {
      xc[k] = Vec<D>{_mm512_range_ps(v[k].raw, _mm512_set1_ps(kClamp), 2)};
      a[k] = hn::Abs(xc[k]);
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ha = hn::Mul(a[k], hn::Set(d, -0.5f));
      z[k] = hn::Mul(ha, a[k]);
      zl[k] = hn::MulSub(ha, a[k], z[k]);
    }
    ExpLutPoly3SplitN<K>(d, z, zl, l, r, n);
    for (size_t k = 0; k < K; ++k) b[k] = ScaledG(d, xc[k], a[k]);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> s = ScaleF(hn::MulAdd(b[k], l[k], hn::Mul(b[k], r[k])), n[k]);
      v[k] = hn::IfThenElse(hn::Lt(v[k], hn::Zero(d)), s, hn::Sub(v[k], s));
    }
  }
#else
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> lim = hn::Set(d, kClamp);
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(lim)), lim);
    const Vec<D> a = hn::Abs(xc);
    const Vec<D> ha = hn::Mul(a, hn::Set(d, -0.5f));
    const Vec<D> z = hn::Mul(ha, a);
    const Vec<D> zl = hn::MulSub(ha, a, z);
    const Vec<D> b = ScaledG(d, xc, a);
    const auto neg = hn::Lt(x, hn::Zero(d));
    // a <= 13: e^z >= 2^-122 and |x Q| >= 2^-125 where x < -1, so b 2^n is exact and normal.
    // A NaN lane fails the test and takes the other path, which returns x there.
    return PerLane(
        d, hn::Le(a, hn::Set(d, 13.0f)),
        [&]() HWY_ATTR {
          const ExpNormalF<D> e = FastExpNormal(d, z, &zl);
          const Vec<D> bs = hn::Mul(b, e.s);
          const Vec<D> s = hn::MulAdd(bs, e.pm, bs);
          return hn::IfThenElse(neg, s, hn::Sub(x, s));
        },
        [&]() HWY_ATTR {
          const ExpSplitF<D> e = FastExpSplit(d, z, zl);
          const Vec<D> tail = Scale3(hn::Mul(b, e.p), SplitScale3(d, e.n));
          return hn::IfThenElse(neg, tail, x);
        });
  }
#endif
};
