// exp, expm1, log1p, tanh and sigmoid in double lanes, each rounded once at the end: the
// primitives of the float32 results (kForFloat32: 2^-42 polynomials, rare lanes behind one mask
// test) and of the float64 ones at full accuracy. Included by math-inl.h, in this order, once per
// namespace (kernels::f64, kernels::f32) and SIMD target: no include guard.

// 2^n for integer-valued n in [-1022, 1023], built in the exponent field.
template <class D>
HWY_INLINE Vec<D> Pow2I(D d, hn::Vec<hn::RebindToSigned<D>> n) {
  const hn::RebindToSigned<D> di;
  return hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(n, hn::Set(di, 1023))));
}

// Rounds x/ln2 to an integer with one FMA and a "magic bias": the sum lands in [2^52, 2^53),
// where the spacing is 1, so the low mantissa bits hold the integer. Returns n as double and
// as int64. Valid for |x/ln2| < 2^50.
template <class D>
HWY_INLINE Vec<D> RoundLog2e(D d, Vec<D> x, hn::Vec<hn::RebindToSigned<D>>* ni) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8p52);
  const Vec<D> t = hn::MulAdd(x, hn::Set(d, 0x1.71547652b82fep0), magic);
  *ni = hn::Sub(hn::BitCast(di, t), hn::BitCast(di, magic));
  return hn::Sub(t, magic);
}

// e^r - 1 - r on |r| <= 0.35. float64: Taylor to degree 13 (truncation below 2^-60 relative
// to r). float32: r^2 Q(r) with Q of degree 7 interpolating (e^r - 1 - r)/r^2 at the Chebyshev
// nodes of [-0.3466, 0.3466] (computed in 200-bit arithmetic): r + r^2 Q(r) is within
// 2^-42.3 of e^r - 1, relative.
template <class D>
HWY_INLINE Vec<D> Expm1Core(D d, Vec<D> r) {
  if constexpr (kForFloat32) {
    static constexpr double kQ[8] = {
        0x1.fffffffffe062p-2,  0x1.5555555554f96p-3,  0x1.55555565c7e0ep-5,  0x1.111111170bc08p-7,
        0x1.6c166bde96885p-10, 0x1.a019c36bc053cp-13, 0x1.a136bf03ec612p-16, 0x1.72ad458027fbcp-19,
    };
    return hn::Mul(hn::Mul(r, r), PolyEstrin(d, r, kQ));
  }
  static constexpr double kInvFact[12] = {
      1.0 / 2,     1.0 / 6,      1.0 / 24,      1.0 / 120,      1.0 / 720,       1.0 / 5040,
      1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800,
  };
  return hn::Mul(hn::Mul(r, r), Poly(d, r, kInvFact));
}

// e^x for all x; subnormal results are rounded once. Max error about 1 ULP.
template <class D>
HWY_INLINE Vec<D> ExpFull(D d, Vec<D> x) {
  const hn::RebindToSigned<D> di;
  // Below -745.2 the result rounds to 0; above 709.79 it overflows.
  const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -746.0)), hn::Set(d, 710.0));
  hn::Vec<decltype(di)> ni;
  const Vec<D> n = RoundLog2e(d, xc, &ni);
  // Cody-Waite: ln2_hi has 32 significant bits, so n*ln2_hi is exact for |n| < 2^21.
  Vec<D> r = hn::NegMulAdd(n, hn::Set(d, 0x1.62e42fefa3800p-1), xc);
  r = hn::NegMulAdd(n, hn::Set(d, 0x1.ef35793c76730p-45), r);
  const Vec<D> p = hn::Add(hn::Add(Expm1Core(d, r), r), hn::Set(d, 1.0));
  // 2^n as two factors so that n in [-1076, 1024] neither overflows nor flushes early;
  // the second multiply is the only rounding of a subnormal result.
  const auto n1 = hn::ShiftRight<1>(ni);
  const auto n2 = hn::Sub(ni, n1);
  Vec<D> y = hn::Mul(hn::Mul(p, Pow2I(d, n1)), Pow2I(d, n2));
  y = hn::IfThenElse(hn::Gt(x, hn::Set(d, 709.8)), hn::Inf(d), y);
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

// True in every lane where the one-step float32 paths below are valid: |x| <= 708 keeps 2^n a
// normal double (and excludes infinities and NaN).
template <class D>
HWY_INLINE bool AllModerate(D d, Vec<D> x) {
  return hn::AllTrue(d, hn::Le(hn::Abs(x), hn::Set(d, 708.0)));
}

// n = round(x / ln 2) and r = x - n ln 2 with one FMA each; 2^n from the low bits of the
// rounding sum, shifted into the exponent field. ln 2 rounded to double is exact enough here:
// for |n| <= 1022 the reduction errs by less than 2^-44, relative to e^x.
template <class D>
HWY_INLINE Vec<D> ReduceLn2(D d, Vec<D> x, Vec<D>* pow2n) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8p52);
  const Vec<D> t = hn::MulAdd(x, hn::Set(d, 0x1.71547652b82fep0), magic);
  const Vec<D> n = hn::Sub(t, magic);
  *pow2n = hn::BitCast(
      d, hn::Add(hn::ShiftLeft<52>(hn::BitCast(di, t)), hn::Set(di, int64_t{1023} << 52)));
  return hn::NegMulAdd(n, hn::Set(d, 0x1.62e42fefa39efp-1), x);
}

// e^x. float32 results: relative error below 2^-42 on the fast path.
template <class D>
HWY_INLINE Vec<D> Exp(D d, Vec<D> x) {
  if constexpr (kForFloat32) {
    if (HWY_LIKELY(AllModerate(d, x))) {
      Vec<D> scale;
      const Vec<D> r = ReduceLn2(d, x, &scale);
      const Vec<D> p = hn::Add(hn::Add(Expm1Core(d, r), r), hn::Set(d, 1.0));
      return hn::Mul(p, scale);
    }
  }
  return ExpFull(d, x);
}

// e^x - 1, accurate near 0 (no cancellation): n = 0 there, and the result is r + Expm1Core(r).
template <class D>
HWY_INLINE Vec<D> Expm1Full(D d, Vec<D> x) {
  const hn::RebindToSigned<D> di;
  // Below -40, e^x - 1 rounds to -1; n is capped at 1023 so 2^n stays finite.
  const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -40.0)), hn::Set(d, 709.0));
  hn::Vec<decltype(di)> ni;
  const Vec<D> n = RoundLog2e(d, xc, &ni);
  Vec<D> r = hn::NegMulAdd(n, hn::Set(d, 0x1.62e42fefa3800p-1), xc);
  r = hn::NegMulAdd(n, hn::Set(d, 0x1.ef35793c76730p-45), r);
  const Vec<D> pm1 = hn::Add(r, Expm1Core(d, r));
  const Vec<D> s = Pow2I(d, ni);
  Vec<D> y = hn::MulAdd(s, pm1, hn::Sub(s, hn::Set(d, 1.0)));
  // 709 < x: e^x - 1 equals e^x in double.
  y = hn::IfThenElse(hn::Gt(x, hn::Set(d, 709.0)), Exp(d, x), y);
  // Keep the sign of zero and let NaN through.
  y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

// e^x - 1. float32 results: relative error below 2^-42 on the fast path.
template <class D>
HWY_INLINE Vec<D> Expm1(D d, Vec<D> x) {
  if constexpr (kForFloat32) {
    if (HWY_LIKELY(AllModerate(d, x))) {
      Vec<D> s;
      const Vec<D> r = ReduceLn2(d, x, &s);
      const Vec<D> y = hn::MulAdd(s, hn::Add(r, Expm1Core(d, r)), hn::Sub(s, hn::Set(d, 1.0)));
      return hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);  // expm1(-0) = -0
    }
  }
  return Expm1Full(d, x);
}

// log(1 + x) from u = 1 + x rounded and `c`, the first-order correction for that rounding
// (c = (x - (u - 1))/u). No special cases.
template <class D>
HWY_INLINE Vec<D> Log1pCore(D d, Vec<D> u, Vec<D> c) {
  const hn::RebindToSigned<D> di;
  const Vec<D> one = hn::Set(d, 1.0);
  // u = 2^k * m with m in [sqrt(2)/2, sqrt(2)).
  auto bits = hn::Add(hn::BitCast(di, u),
                      hn::Set(di, int64_t{0x3ff0000000000000} - int64_t{0x3fe6a09e667f3bcd}));
  const auto k = hn::Sub(hn::ShiftRight<52>(bits), hn::Set(di, 1023));
  bits = hn::Add(hn::And(bits, hn::Set(di, int64_t{0x000fffffffffffff})),
                 hn::Set(di, int64_t{0x3fe6a09e667f3bcd}));
  const Vec<D> f = hn::Sub(hn::BitCast(d, bits), one);
  const Vec<D> dk = hn::ConvertTo(d, k);
  // log(1+f) = f - hfsq + s*(hfsq + R(s^2)) with s = f/(2+f), R the atanh series
  // sum_{j>=1} 2 z^j/(2j+1); |s| <= 0.1716, so ten terms leave < 2^-60, seven (enough for
  // float32 results) < 2^-44.
  static constexpr double kAtanh[10] = {2.0 / 3,  2.0 / 5,  2.0 / 7,  2.0 / 9,  2.0 / 11,
                                        2.0 / 13, 2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21};
  static constexpr double kAtanhShort[7] = {2.0 / 3,  2.0 / 5,  2.0 / 7, 2.0 / 9,
                                            2.0 / 11, 2.0 / 13, 2.0 / 15};
  const Vec<D> s = hn::Div(f, hn::Add(hn::Set(d, 2.0), f));
  const Vec<D> z = hn::Mul(s, s);
  Vec<D> R;
  if constexpr (kForFloat32) {
    R = hn::Mul(z, PolyEstrin(d, z, kAtanhShort));
  } else {
    R = hn::Mul(z, Poly(d, z, kAtanh));
  }
  const Vec<D> hfsq = hn::Mul(hn::Set(d, 0.5), hn::Mul(f, f));
  const Vec<D> lo = hn::MulAdd(dk, hn::Set(d, 0x1.ef35793c76730p-45), c);
  Vec<D> y = hn::MulAdd(s, hn::Add(hfsq, R), lo);
  y = hn::Sub(hn::Sub(hfsq, y), f);
  return hn::MulSub(dk, hn::Set(d, 0x1.62e42fefa3800p-1), y);
}

// log(1 + x), accurate near 0. Error about 1 ULP.
template <class D>
HWY_INLINE Vec<D> Log1p(D d, Vec<D> x) {
  const Vec<D> one = hn::Set(d, 1.0);
  const Vec<D> u = hn::Add(one, x);
  const Vec<D> c = hn::Sub(x, hn::Sub(u, one));
  if constexpr (kForFloat32) {
    // On (-0.5, 1] (softplus's log1p(e^-|x|) is always there) the correction c/u may be c:
    // they differ by c (u - 1)/u, within 2^-52 of the result. No special case but -0 arises.
    const auto usual = hn::And(hn::Gt(x, hn::Set(d, -0.5)), hn::Le(x, one));
    if (HWY_LIKELY(hn::AllTrue(d, usual))) {
      return hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, Log1pCore(d, u, c));
    }
  }
  Vec<D> y = Log1pCore(d, u, hn::Div(c, u));
  // Special cases: log1p(+-0) = +-0, log1p(-1) = -inf, x < -1 gives NaN, +inf stays.
  y = hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, y);
  y = hn::IfThenElse(hn::Eq(x, hn::Inf(d)), x, y);
  y = hn::IfThenElse(hn::Eq(x, hn::Set(d, -1.0)), hn::Neg(hn::Inf(d)), y);
  y = hn::IfThenElse(hn::Lt(x, hn::Set(d, -1.0)), hn::Set(d, NAN), y);
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

// log(1 + e) for e in [0, 1] (softplus's log1p(e^-|x|)). float32 results: e Q(e), Q of degree
// 15 interpolating log1p(e)/e at the Chebyshev nodes of [0, 1], 2^-43.3 relative
// (tools/fit_polynomials.py): no division, no special case (0 gives 0, NaN stays NaN).
template <class D>
HWY_INLINE Vec<D> Log1pUnit(D d, Vec<D> e) {
  if constexpr (kForFloat32) {
    static constexpr double kQ[16] = {
        0x1.ffffffffffcd5p-1, -0x1.ffffffff34fb6p-2, 0x1.555555114fc5bp-2,  -0x1.ffffedd836604p-3,
        0x1.999851250c42cp-3, -0x1.554728c727c65p-3, 0x1.242a3fcd576b5p-3,  -0x1.fbd005e95841bp-4,
        0x1.b7613b67e4375p-4, -0x1.6d43b29342842p-4, 0x1.14683ae15cf42p-4,  -0x1.644385f2828efp-5,
        0x1.6b06140ff85afp-6, -0x1.0b9e7ca8f9daap-7, 0x1.f3dab6dbfa7a6p-10, -0x1.b7c91e18c27c2p-13,
    };
    return hn::Mul(e, PolyEstrin(d, e, kQ));
  }
  return Log1p(d, e);
}

// tanh x = expm1(2|x|) / (expm1(2|x|) + 2) with the sign of x; beyond |x| = 20 it is +-1 in
// double. Error about 2 ULP.
template <class D>
HWY_INLINE Vec<D> Tanh(D d, Vec<D> x) {
  const Vec<D> ax = hn::Min(hn::Abs(x), hn::Set(d, 20.0));
  const Vec<D> em = Expm1(d, hn::Add(ax, ax));
  const Vec<D> t = hn::Div(em, hn::Add(em, hn::Set(d, 2.0)));
  const Vec<D> y = hn::CopySign(t, x);
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

// e^-|x| and the two sigmoid branches that avoid overflow and cancellation:
// sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
template <class D>
struct SigmoidParts {
  Vec<D> e;        // e^-|x|
  Vec<D> inv_1pe;  // 1/(1+e)
  Vec<D> sigmoid;  // sigmoid(x)
};

template <class D>
HWY_INLINE SigmoidParts<D> Sigmoid(D d, Vec<D> x) {
  SigmoidParts<D> s;
  s.e = Exp(d, hn::Neg(hn::Abs(x)));
  s.inv_1pe = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), s.e));
  s.sigmoid = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(s.e, s.inv_1pe), s.inv_1pe);
  return s;
}

// sigmoid(x) * (1 - sigmoid(x)) = e^-|x| / (1 + e^-|x|)^2, free of cancellation.
template <class D>
HWY_INLINE Vec<D> SigmoidDerivative(const SigmoidParts<D>& s) {
  return hn::Mul(s.e, hn::Mul(s.inv_1pe, s.inv_1pe));
}

// Applies a scalar double function lane by lane. Used for the few functions (erfc) whose vector
// form is not written yet; see docs/ACCURACY.md for what this costs in speed.
template <class D, class F>
HWY_INLINE Vec<D> Lanewise(D d, Vec<D> x, F f) {
  HWY_ALIGN double buf[hn::MaxLanes(d)];
  hn::Store(x, d, buf);
  for (size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = f(buf[i]);
  return hn::Load(d, buf);
}

// x * s where s is a factor in [0, 1] (a probability): exact zero factors give a signed zero
// even for infinite x, which is the limit of every x*sigmoid-shaped function at -inf.
template <class D>
HWY_INLINE Vec<D> MulProbability(D d, Vec<D> x, Vec<D> s) {
  const Vec<D> y = hn::Mul(x, s);
  return hn::IfThenElse(hn::Eq(s, hn::Zero(d)), hn::CopySign(hn::Zero(d), x), y);
}
