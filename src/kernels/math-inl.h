// Double-precision vector math used by every kernel. Included twice per SIMD target, inside
// namespaces kernels::f64 and kernels::f32, by each operation's unit (src/simd/op_unit-inl.h,
// through its generated <name>-kernels-inl.h); kForFloat32 tells the two apart.
//
// Why double: the float32 kernels evaluate in double and round once on store. With the
// primitives below accurate to a few double ULP, the float32 result is within 0.5 ULP plus
// ~2^-28 ULP of the exact value, so float32 is faithfully rounded everywhere, tails included,
// without special float32 range reductions. float64 inherits the same code; its accuracy is
// measured per function in docs/ACCURACY.md.
//
// For float32 results (kForFloat32) the primitives trade the double accuracy they do not need
// for speed: polynomials accurate to about 2^-42 relative instead of 2^-60, one scaling step,
// and rare lanes (huge, tiny, infinite, NaN) sent to the full version behind one mask test
// per vector instead of blends on every lane.
//
// Conventions: D is a double descriptor, V = hn::Vec<D>. No SIMD constants at namespace scope
// (they would break runtime dispatch): constants are built inside each function.

using hn::Vec;

// A parameter or constant in the lane type of d. Kernels that declare kExactInFloat32 run on
// float32 lanes for float32 arrays (src/simd/op_unit-inl.h) and build their constants with this.
template <class D>
HWY_INLINE Vec<D> Param(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}

// Polynomial c[0] + c[1] x + ... + c[N-1] x^(N-1), Horner with FMA.
template <class D, size_t N>
HWY_INLINE Vec<D> Poly(D d, Vec<D> x, const double (&c)[N]) {
  Vec<D> p = hn::Set(d, c[N - 1]);
  for (size_t i = N - 1; i-- > 0;) p = hn::MulAdd(p, x, hn::Set(d, c[i]));
  return p;
}

// The same polynomial by Estrin's scheme: pairs of coefficients combined with x, pairs of
// pairs with x^2, and so on, in about log2(N) dependent steps instead of Horner's N. Used on
// the float32 paths, where the latency of a long chain, not the count of FMAs, limits speed.
template <size_t kBegin, size_t kCount, class D, size_t N>
HWY_INLINE Vec<D> EstrinPart(D d, const Vec<D>* powers, const double (&c)[N]) {
  if constexpr (kCount == 1) {
    return hn::Set(d, c[kBegin]);
  } else {
    constexpr int kLog = std::bit_width(kCount - 1) - 1;  // 2^kLog < kCount <= 2^(kLog+1)
    constexpr size_t kHalf = size_t{1} << kLog;
    return hn::MulAdd(EstrinPart<kBegin + kHalf, kCount - kHalf>(d, powers, c), powers[kLog],
                      EstrinPart<kBegin, kHalf>(d, powers, c));
  }
}

template <class D, size_t N>
HWY_INLINE Vec<D> PolyEstrin(D d, Vec<D> x, const double (&c)[N]) {
  constexpr int kPowers = std::bit_width(N - 1);  // x, x^2, x^4, ... as far as needed
  Vec<D> powers[kPowers > 0 ? kPowers : 1] = {x};
  for (int i = 1; i < kPowers; ++i) powers[i] = hn::Mul(powers[i - 1], powers[i - 1]);
  return EstrinPart<0, N>(d, powers, c);
}

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

// ---------------------------------------------------------------------------------------------
// Error-free transformations for float64 results. A double result rounded once is within 0.5
// ULP; every further rounding in a formula adds up to 0.5 more, so formulas of three or more
// operations (1/(1+e), x/(1+|x|), (x + s)/2) land above the spec's 1 ULP. Carrying the
// intermediate as an unevaluated sum hi + lo (about 106 bits) leaves one final rounding. Used
// only where !kForFloat32: the float32 results already have 29 spare bits in double.

template <class D>
struct Pair {
  Vec<D> hi;
  Vec<D> lo;
};

// a + b = hi + lo exactly, any magnitudes (Knuth's two-sum). Not for infinite inputs.
template <class D>
HWY_INLINE Pair<D> TwoSum(D /*d*/, Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  const Vec<D> bb = hn::Sub(s, a);
  const Vec<D> err = hn::Add(hn::Sub(a, hn::Sub(s, bb)), hn::Sub(b, bb));
  return {s, err};
}

// a + b = hi + lo exactly when |a| >= |b| or a is 0 (Dekker's fast two-sum).
template <class D>
HWY_INLINE Pair<D> FastTwoSum(D /*d*/, Vec<D> a, Vec<D> b) {
  const Vec<D> s = hn::Add(a, b);
  return {s, hn::Sub(b, hn::Sub(s, a))};
}

// a * b = hi + lo exactly (barring underflow of lo). With FMA the error is one MulSub; the
// targets without it (SSE4, scalar) split each factor in two 26-bit halves (Veltkamp/Dekker).
template <class D>
HWY_INLINE Pair<D> TwoProd(D d, Vec<D> a, Vec<D> b) {
  const Vec<D> p = hn::Mul(a, b);
#if HWY_NATIVE_FMA
  (void)d;
  return {p, hn::MulSub(a, b, p)};
#else
  const Vec<D> split = hn::Set(d, 134217729.0);  // 2^27 + 1
  const auto halves = [&](Vec<D> v, Vec<D>* h, Vec<D>* l) {
    const Vec<D> c = hn::Mul(split, v);
    *h = hn::Sub(c, hn::Sub(c, v));
    *l = hn::Sub(v, *h);
  };
  Vec<D> ah, al, bh, bl;
  halves(a, &ah, &al);
  halves(b, &bh, &bl);
  const Vec<D> err =
      hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), p), hn::Mul(ah, bl)), hn::Mul(al, bh)),
              hn::Mul(al, bl));
  return {p, err};
#endif
}

// n / q as hi + lo, to about 2^-104 relative. Requires q.hi != 0 and finite. One division:
// y = n.hi (1/q.hi) is within an ULP or two of the quotient, which keeps n.hi - y q.hi exact
// (Sterbenz), and the remainder times 1/q.hi corrects it.
template <class D>
HWY_INLINE Pair<D> DivToPair(D d, Pair<D> n, Pair<D> q) {
  const Vec<D> inv = hn::Div(hn::Set(d, 1.0), q.hi);
  const Vec<D> y = hn::Mul(n.hi, inv);
  const Pair<D> yq = TwoProd(d, y, q.hi);
  const Vec<D> r = hn::Sub(hn::Add(hn::Sub(hn::Sub(n.hi, yq.hi), yq.lo), n.lo), hn::Mul(y, q.lo));
  return {y, hn::Mul(r, inv)};
}

// a (b.hi + b.lo) rounded once (to within ~2^-100 relative before that rounding).
template <class D>
HWY_INLINE Vec<D> MulRound(D d, Vec<D> a, Pair<D> b) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulAdd(a, b.hi, hn::Mul(a, b.lo));
#else
  const Pair<D> p = TwoProd(d, a, b.hi);
  return hn::Add(p.hi, hn::MulAdd(a, b.lo, p.lo));
#endif
}

// a (b.hi + b.lo) as a pair; |lo| may exceed half an ULP of hi slightly (not renormalised).
template <class D>
HWY_INLINE Pair<D> MulToPair(D d, Vec<D> a, Pair<D> b) {
  const Pair<D> p = TwoProd(d, a, b.hi);
  return {p.hi, hn::MulAdd(a, b.lo, p.lo)};
}

template <class D>
HWY_INLINE Pair<D> MulPairs(D d, Pair<D> a, Pair<D> b) {
  const Pair<D> p = TwoProd(d, a.hi, b.hi);
  return {p.hi, hn::Add(p.lo, hn::MulAdd(a.hi, b.lo, hn::Mul(a.lo, b.hi)))};
}

// e^(xh + xl) = 2^n (1 + m.hi + m.lo), for float64 results, m within about 2^-61 of its
// value (absolute; -0.16 < m < 0.69). xh = k ln2/2 + r with |r| <= ln2/4, so that
// e^r - 1 = r + r^2/2 + r^3 Q(r) has r^2 exact (TwoProd) and the rounded r^3 term under
// 2^-10; an odd k multiplies by sqrt 2 (as a pair). Needs xh in [-1400, 709.7] (callers
// clamp) and |xl| small against 1: xl carries the rounding of a computed argument (beta x,
// gelu_tanh's 2u), whose error e^x multiplies by |x|.
template <class D>
struct ExpSplit {
  Pair<D> m;
  hn::Vec<hn::RebindToSigned<D>> n;
};

template <class D>
HWY_INLINE ExpSplit<D> ExpReduce(D d, Vec<D> xh, Vec<D> xl) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8p52);
  const Vec<D> t = hn::MulAdd(xh, hn::Set(d, 0x1.71547652b82fep+1), magic);  // 2/ln2
  const auto ki = hn::Sub(hn::BitCast(di, t), hn::BitCast(di, magic));
  const Vec<D> k = hn::Sub(t, magic);
  // ln2/2 in a 36-bit head (k times it is exact for |k| < 2^17, and so is the difference,
  // by Sterbenz) and a tail; what both leave out is below 2^-93.
  const Vec<D> r1 = hn::NegMulAdd(k, hn::Set(d, 0x1.62e42fefa0000p-2), xh);
  const Vec<D> c = hn::Mul(k, hn::Set(d, 0x1.cf79abc9e3b3ap-41));
  const Vec<D> rh = hn::Sub(r1, c);
  const Vec<D> rl = hn::Add(hn::Sub(hn::Sub(r1, rh), c), xl);
  const Pair<D> r2 = TwoProd(d, rh, rh);
  const Vec<D> half_r2 = hn::Mul(r2.hi, hn::Set(d, 0.5));
  // Taylor from 1/3! to 1/12!: truncation below 2^-65 on |r| <= ln2/4.
  static constexpr double kInvFact[10] = {
      1.0 / 6,     1.0 / 24,     1.0 / 120,     1.0 / 720,      1.0 / 5040,
      1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
  };
  const Vec<D> cubic = hn::Mul(hn::Mul(r2.hi, rh), PolyEstrin(d, rh, kInvFact));
  const Pair<D> s = FastTwoSum(d, rh, half_r2);  // |r^2/2| < |r|
  // e^(rh+rl) - 1 = (e^rh - 1) + e^rh rl to first order in rl (|rl| reaches 2^-43 for
  // gelu_tanh, so e^rh there needs its cubic term too).
  Vec<D> lo = hn::Add(hn::MulAdd(r2.lo, hn::Set(d, 0.5), cubic), s.lo);
  lo = hn::Add(lo, hn::MulAdd(rl, hn::Add(s.hi, lo), rl));
  // Renormalised: the pair divisions take lo as a correction of order 2^-53 relative.
  const Pair<D> m = FastTwoSum(d, s.hi, lo);
  // Odd k: sqrt2 (1 + m) - 1 = (sqrt2 - 1) + sqrt2 m.
  const Pair<D> sqrt2 = {hn::Set(d, 0x1.6a09e667f3bcdp+0), hn::Set(d, -0x1.bdd3413b26456p-54)};
  const Pair<D> sm = MulPairs(d, sqrt2, m);
  const Pair<D> om = TwoSum(d, hn::Set(d, 0x1.a827999fcef32p-2), sm.hi);
  const Vec<D> om_lo = hn::Add(om.lo, hn::Add(sm.lo, hn::Set(d, 0x1.08b2fb1366ea9p-56)));
  const auto odd = hn::RebindMask(d, hn::Eq(hn::And(ki, hn::Set(di, 1)), hn::Set(di, 1)));
  ExpSplit<D> out;
  out.m = {hn::IfThenElse(odd, om.hi, m.hi), hn::IfThenElse(odd, om_lo, m.lo)};
  out.n = hn::ShiftRight<1>(ki);  // floor(k/2)
  return out;
}

// 1 + m as a pair.
template <class D>
HWY_INLINE Pair<D> OnePlus(D d, Pair<D> m) {
  const Pair<D> s = FastTwoSum(d, hn::Set(d, 1.0), m.hi);
  return {s.hi, hn::Add(s.lo, m.lo)};
}

// e^x as a pair from ExpReduce, for results not below 2^-1000 (n >= -1000): lo stays a
// normal number there. Lanes with smaller n get a tiny positive stand-in, for callers that
// add it to 1 or replace those lanes with ScaleRound.
template <class D>
HWY_INLINE Pair<D> ExpFromSplit(D d, const ExpSplit<D>& e) {
  const hn::RebindToSigned<D> di;
  const Vec<D> s = Pow2I(d, hn::Max(e.n, hn::Set(di, -1022)));
  const Pair<D> p = OnePlus(d, e.m);
  return {hn::Mul(p.hi, s), hn::Mul(p.lo, s)};
}

// (p.hi + p.lo) 2^n rounded once, also where the result is subnormal (a double rounding
// there, first to 53 bits and then to the subnormal's fewer, would err by up to 0.75 ULP).
// n in [-2040, 1023]; p.hi 2^(n/2) must stay a normal number.
template <class D>
HWY_INLINE Vec<D> ScaleRound(D d, Pair<D> p, hn::Vec<hn::RebindToSigned<D>> n) {
  const hn::RebindToSigned<D> di;
  const Vec<D> y = hn::Mul(hn::Add(p.hi, p.lo), Pow2I(d, hn::Max(n, hn::Set(di, -1022))));
  // Scaling is exact (the sum was the only rounding) where the result is normal and 2^n a
  // double, or n = 0.
  const auto exact = hn::Or(hn::And(hn::RebindMask(d, hn::Gt(n, hn::Set(di, -1023))),
                                    hn::Ge(hn::Abs(y), hn::Set(d, 0x1p-1022))),
                            hn::RebindMask(d, hn::Eq(n, hn::Zero(di))));
  if (HWY_LIKELY(hn::AllTrue(d, exact))) return y;
  const auto n1 = hn::ShiftRight<1>(n);
  const auto n2 = hn::Sub(n, n1);
  const Vec<D> y1 = hn::Mul(hn::Mul(p.hi, Pow2I(d, n1)), Pow2I(d, n2));
  // p.hi - y1 2^-n is exact, and so is adding the remainder, rounded to the grid of y1.
  const Vec<D> back = hn::Mul(hn::Mul(y1, Pow2I(d, hn::Sub(hn::Zero(di), n2))),
                              Pow2I(d, hn::Sub(hn::Zero(di), n1)));
  const Vec<D> rest = hn::Add(hn::Sub(p.hi, back), p.lo);
  const Vec<D> y2 = hn::Add(y1, hn::Mul(hn::Mul(rest, Pow2I(d, n1)), Pow2I(d, n2)));
  return hn::IfThenElse(exact, y, y2);
}

// e^(xh + xl) - 1 as a pair, for xh in [-40, 709] (below -40 the result is -1 in double).
// 2^n - 1 and 2^n m are exact, so the only cancellation is in their exact sum.
template <class D>
HWY_INLINE Pair<D> Expm1Pair(D d, Vec<D> xh, Vec<D> xl) {
  const ExpSplit<D> e = ExpReduce(d, hn::Max(xh, hn::Set(d, -40.0)), xl);
  const Vec<D> s = Pow2I(d, e.n);
  const Pair<D> a = TwoSum(d, s, hn::Set(d, -1.0));
  const Pair<D> b = TwoSum(d, a.hi, hn::Mul(s, e.m.hi));
  return {b.hi, hn::Add(b.lo, hn::MulAdd(s, e.m.lo, a.lo))};
}

// log(1 + e.hi + e.lo) as a pair, for e in [0, 1]. With 1 + e = 2^k m, m in [sqrt(2)/2,
// sqrt(2)], f = m - 1 and s = f/(2 + f) (both as pairs): log m = 2 s + s R(s^2), R the atanh
// series 2z/3 + 2z^2/5 + ...; |s| < 0.172 keeps s R under 2% of the result, so its rounding
// costs little, and 12 terms truncate below 2^-64.
template <class D>
HWY_INLINE Pair<D> Log1pPair(D d, Pair<D> e) {
  // f = m - 1 straight from e (1 + e as a pair would drop the low bits of a tiny e): e itself
  // for k = 0, (e - 1)/2 for k = 1.
  const auto big = hn::Gt(e.hi, hn::Set(d, 0.41421356237309503));
  const Pair<D> em1 = TwoSum(d, e.hi, hn::Set(d, -1.0));
  const Pair<D> half = FastTwoSum(d, hn::Mul(em1.hi, hn::Set(d, 0.5)),
                                  hn::Mul(hn::Add(em1.lo, e.lo), hn::Set(d, 0.5)));
  const Pair<D> f = {hn::IfThenElse(big, half.hi, e.hi), hn::IfThenElse(big, half.lo, e.lo)};
  const Pair<D> den0 = FastTwoSum(d, hn::Set(d, 2.0), f.hi);
  const Pair<D> s = DivToPair(d, f, {den0.hi, hn::Add(den0.lo, f.lo)});
  static constexpr double kAtanh[12] = {2.0 / 3,  2.0 / 5,  2.0 / 7,  2.0 / 9,  2.0 / 11, 2.0 / 13,
                                        2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21, 2.0 / 23, 2.0 / 25};
  const Vec<D> z = hn::Mul(s.hi, s.hi);
  const Vec<D> sr = hn::Mul(hn::Mul(s.hi, z), PolyEstrin(d, z, kAtanh));
  const Vec<D> k_ln2_hi = hn::IfThenElseZero(big, hn::Set(d, 0x1.62e42fefa39efp-1));
  const Vec<D> k_ln2_lo = hn::IfThenElseZero(big, hn::Set(d, 0x1.abc9e3b39803fp-56));
  const Vec<D> two_sh = hn::Add(s.hi, s.hi);
  const Pair<D> sum = TwoSum(d, k_ln2_hi, two_sh);
  const Vec<D> lo = hn::Add(hn::Add(sum.lo, k_ln2_lo), hn::MulAdd(hn::Set(d, 2.0), s.lo, sr));
  return {sum.hi, lo};
}

// x sigmoid(t.hi + t.lo) rounded once, for float64 results: e = e^-|t| and 1 + e as pairs,
// one pair quotient, and for t < 0 the factor 2^n of e applied last (ScaleRound), so that
// x e^t keeps its digits where it is subnormal. Needs finite x and t, |x|, |t| < 2^600;
// the sign of a zero result is the caller's to fix.
template <class D>
HWY_INLINE Vec<D> MulSigmoidPair(D d, Vec<D> x, Pair<D> t) {
  const hn::RebindToSigned<D> di;
  const auto neg = hn::Lt(t.hi, hn::Zero(d));
  const Vec<D> limit = hn::Set(d, -1400.0);  // e^-1400 2^600 is 0 in double
  const Vec<D> a = hn::Neg(hn::Abs(t.hi));
  const auto clamped = hn::Lt(a, limit);
  const Vec<D> al = hn::IfThenZeroElse(clamped, hn::IfThenElse(neg, t.lo, hn::Neg(t.lo)));
  const ExpSplit<D> es = ExpReduce(d, hn::Max(a, limit), al);
  const Pair<D> q = OnePlus(d, ExpFromSplit(d, es));
  const Pair<D> one_m = OnePlus(d, es.m);
  const Pair<D> f = {hn::IfThenElse(neg, one_m.hi, hn::Set(d, 1.0)),
                     hn::IfThenElseZero(neg, one_m.lo)};
  const Pair<D> y = DivToPair(d, MulToPair(d, x, f), q);
  return ScaleRound(d, y, hn::IfThenElseZero(hn::RebindMask(di, neg), es.n));
}

// dy (w s(t) + v s'(t)) rounded once, float64 results, for the backward passes built on the
// logistic s (sigmoid w = 0, v = 1; tanh 4 s'(2x); silu w = 1, v = t; gelu_tanh w = 1,
// v = x dt/dx), where the two terms cancel at the zero of f' and s' is relatively tiny in the
// tails. With e = e^-|t| = (1 + m) 2^n and q = 1 + e: s' = e/q^2 for both signs of t, and
//   t < 0:  2^n (1 + m) (w q + v)/q^2,   t >= 0:  (w q + v e)/q^2,
// one pair quotient, the factor 2^n applied last (ScaleRound) so that subnormal results keep
// their digits. t.hi is clamped to +-1400 (e^-1400 2^600 is 0 in double), with v read at the
// clamped t by the caller where it depends on t. Needs finite dy and v; NaN lanes of t are the
// caller's to patch.
template <bool kWithSigmoid, class D>
HWY_INLINE Vec<D> MulSigmoidSlopeSum(D d, Vec<D> dy, Pair<D> t, Pair<D> v) {
  const hn::RebindToSigned<D> di;
  const auto neg = hn::Lt(t.hi, hn::Zero(d));
  const Vec<D> limit = hn::Set(d, -1400.0);
  const Vec<D> a = hn::Neg(hn::Abs(t.hi));
  const auto clamped = hn::Lt(a, limit);
  const Vec<D> al = hn::IfThenZeroElse(clamped, hn::IfThenElse(neg, t.lo, hn::Neg(t.lo)));
  const ExpSplit<D> es = ExpReduce(d, hn::Max(a, limit), al);
  const Pair<D> one_m = OnePlus(d, es.m);
  const Pair<D> q = OnePlus(d, ExpFromSplit(d, es));
  const Pair<D> q2 = MulPairs(d, q, q);
  Pair<D> num;
  auto n = es.n;
  if constexpr (kWithSigmoid) {
    const Pair<D> e = ExpFromSplit(d, es);
    // t < 0: q + v, times 1 + m; t >= 0: q + v e.
    const Pair<D> ve = MulPairs(d, v, e);
    const Pair<D> add = {hn::IfThenElse(neg, v.hi, ve.hi), hn::IfThenElse(neg, v.lo, ve.lo)};
    const Pair<D> sum = TwoSum(d, q.hi, add.hi);
    const Pair<D> wq_v = {sum.hi, hn::Add(sum.lo, hn::Add(q.lo, add.lo))};
    const Pair<D> scaled = MulPairs(d, one_m, wq_v);
    num = {hn::IfThenElse(neg, scaled.hi, wq_v.hi), hn::IfThenElse(neg, scaled.lo, wq_v.lo)};
    n = hn::IfThenElseZero(hn::RebindMask(di, neg), n);
  } else {
    num = MulPairs(d, one_m, v);
  }
  const Pair<D> y = DivToPair(d, MulToPair(d, dy, num), q2);
  return ScaleRound(d, y, n);
}

// dy c e^(xh + xl) rounded once, float64 results (the negative side of elu, selu, celu):
// e^x = (1 + m) 2^n from ExpReduce, times c and dy as pairs, 2^n applied last so that
// subnormal results round once. xh is clamped to [-1400, 0] (e^-1400 2^600 is 0 in double).
template <class D>
HWY_INLINE Vec<D> MulExpPair(D d, Vec<D> dy, Pair<D> c, Vec<D> xh, Vec<D> xl) {
  const Vec<D> lim = hn::Set(d, -1400.0);
  const auto in = hn::Ge(xh, lim);
  const ExpSplit<D> es =
      ExpReduce(d, hn::Min(hn::Max(xh, lim), hn::Zero(d)), hn::IfThenElseZero(in, xl));
  const Pair<D> p = MulPairs(d, MulToPair(d, dy, c), OnePlus(d, es.m));
  return ScaleRound(d, p, es.n);
}

// table[j] for j in [0, 16), float or double lanes: one permute where a vector holds 16 lanes,
// two and a blend where it holds 8 (no gather), a gather below that.
template <class D>
HWY_INLINE Vec<D> Table16(D d, const hn::TFromD<D>* table, hn::Vec<hn::RebindToSigned<D>> j) {
  if constexpr (hn::MaxLanes(D()) >= 16) {
    return hn::TableLookupLanes(hn::Load(d, table), hn::IndicesFromVec(d, j));
  } else if constexpr (hn::MaxLanes(D()) == 8) {
    const hn::RebindToSigned<D> di;
    const auto idx = hn::IndicesFromVec(d, hn::And(j, hn::Set(di, 7)));
    const Vec<D> lo = hn::TableLookupLanes(hn::Load(d, table), idx);
    const Vec<D> hi = hn::TableLookupLanes(hn::Load(d, table + 8), idx);
    const auto upper = hn::RebindMask(d, hn::Ne(hn::And(j, hn::Set(di, 8)), hn::Zero(di)));
    return hn::IfThenElse(upper, hi, lo);
  } else {
    return hn::GatherIndex(d, table, j);
  }
}

// sigmoid(t.hi + t.lo) = (nh + nl) y0 (1 + rho), for float64 results: the fast path of
// sigmoid, silu and quick_gelu on float64 arrays.
// Contract: |t.hi| <= 700 (callers patch the other lanes), |t.lo| <= 2^-40. The bound keeps
// 2^n >= 2^-1010, so that P below, 2^-5 of the result, is a normal number too: at 708 it was
// subnormal and cost 0.15 ULP near the bound. The product is within 2^-56 of
// sigmoid(t) relative, so one final rounding leaves at most 0.5 + 2^-3 ULP.
// Method: e = e^-|t| = 2^n 2^(j/16) e^r with k = round(-16|t|/ln2) = 16n + j and
// |r| <= ln2/32. r.hi = -|t.hi| - k ln2/16 is exact in one FMA (the difference is a multiple
// of 2^-58 below 2^-5), the rest of ln2/16 and t.lo go into r.lo, whose products with r.hi
// and r.hi^2/2 (up to 2^-49 and 2^-56) are kept. e^r - 1 is Taylor to degree 7 (truncation
// 2^-59.5). 2^(j/16) is a table pair, so e = A + P with A = 2^n 2^(j/16) exact and P = 2^n (T.lo +
// T.hi p) within 2^-57.5 of A. 1 + e is a normalised pair (two fast two-sums, A <= 1), and its
// reciprocal is y0 = 1/q.hi corrected by rho = 1 - y0 q (exact to 2^-105: 1 - y0 q.hi is exact).
// The numerator is 1 for t >= 0 and e for t < 0. Half the operations of the ExpReduce route
// (MulSigmoidPair), which stays for the lanes outside the contract.
template <class D>
struct SigmoidQuotD {
  Vec<D> nh, nl, y0, rho;
};

template <class D>
HWY_INLINE SigmoidQuotD<D> SigmoidQuotientD(D d, Pair<D> t) {
  const hn::RebindToSigned<D> di;
  HWY_ALIGN static constexpr double kTableHi[16] = {
      0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
      0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
      0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
      0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
  HWY_ALIGN static constexpr double kTableLo[16] = {0.0,
                                                    0x1.8a62e4adc610bp-54,
                                                    -0x1.19041b9d78a76p-55,
                                                    0x1.9b07eb6c70573p-54,
                                                    0x1.6f46ad23182e4p-55,
                                                    0x1.ada0911f09ebcp-55,
                                                    0x1.d4397afec42e2p-56,
                                                    0x1.6324c054647adp-54,
                                                    -0x1.bdd3413b26456p-54,
                                                    -0x1.41577ee04992fp-55,
                                                    0x1.6e9f156864b27p-54,
                                                    0x1.c7c46b071f2bep-56,
                                                    0x1.7a1cd345dcc81p-54,
                                                    0x1.11065895048ddp-55,
                                                    0x1.2ed02d75b3707p-55,
                                                    -0x1.e9c23179c2893p-54};
  const auto neg = hn::Lt(t.hi, hn::Zero(d));
  // u = -|t| as a pair, clamped (NaN lanes become -700: they are patched by the caller).
  const Vec<D> uh = hn::Max(hn::Or(t.hi, hn::SignBit(d)), hn::Set(d, -700.0));
  const Vec<D> ul = hn::IfThenElse(neg, t.lo, hn::Neg(t.lo));
  const Vec<D> magic = hn::Set(d, 0x1.8p52);
  const Vec<D> kf = hn::MulAdd(uh, hn::Set(d, 0x1.71547652b82fep+4), magic);
  const Vec<D> k = hn::Sub(kf, magic);
  const auto zi = hn::BitCast(di, kf);
  // 2^(k>>4): bits 4..15 of kf's mantissa shifted into the exponent field (n >= -1022).
  const auto e2 =
      hn::And(hn::ShiftLeft<48>(zi), hn::Set(di, static_cast<int64_t>(0xFFF0ull << 48)));
  const Vec<D> scale = hn::BitCast(d, hn::Add(e2, hn::Set(di, int64_t{1023} << 52)));
  const auto j = hn::And(zi, hn::Set(di, 15));
  const Vec<D> th = Table16(d, kTableHi, j);
  const Vec<D> tl = Table16(d, kTableLo, j);
  const Vec<D> rh = hn::NegMulAdd(k, hn::Set(d, 0x1.62e42fefa39efp-5), uh);
  const Vec<D> rl = hn::NegMulAdd(k, hn::Set(d, 0x1.abc9e3b39803fp-60), ul);
  const Vec<D> r2 = hn::Mul(rh, rh);
  static constexpr double kInvFact[6] = {1.0 / 2,   1.0 / 6,   1.0 / 24,
                                         1.0 / 120, 1.0 / 720, 1.0 / 5040};
  // e^(rh + rl) = e^rh (1 + rl): rl reaches 2^-43.8 (k ln2/16's tail, and t.lo up to 2^-53 of
  // 700), so its product with rh^2/2 (2^-56) counts too.
  const Vec<D> rl_e = hn::MulAdd(rl, hn::MulAdd(r2, hn::Set(d, 0.5), rh), rl);
  const Vec<D> w = hn::MulAdd(r2, PolyEstrin(d, rh, kInvFact), rl_e);
  const Vec<D> p = hn::Add(rh, w);
  const Vec<D> a = hn::Mul(th, scale);
  const Vec<D> pl = hn::Mul(hn::MulAdd(th, p, tl), scale);
  const Vec<D> one = hn::Set(d, 1.0);
  const Vec<D> s = hn::Add(one, a);
  const Vec<D> ql0 = hn::Add(hn::Add(hn::Sub(one, s), a), pl);
  const Vec<D> qh = hn::Add(s, ql0);
  const Vec<D> ql = hn::Add(hn::Sub(s, qh), ql0);
  SigmoidQuotD<D> out;
  out.y0 = hn::Div(one, qh);
  out.rho = hn::NegMulAdd(out.y0, ql, hn::NegMulAdd(out.y0, qh, one));
  out.nh = hn::IfThenElse(neg, a, one);
  out.nl = hn::IfThenElseZero(neg, pl);
  return out;
}

// sigmoid(t) from SigmoidQuotientD, rounded once.
template <class D>
HWY_INLINE Vec<D> SigmoidRoundD(const SigmoidQuotD<D>& q) {
  return hn::MulAdd(q.nh, q.y0, hn::Mul(q.y0, hn::MulAdd(q.nh, q.rho, q.nl)));
}

// x sigmoid(t) from SigmoidQuotientD, rounded once: nh y0 is carried exactly.
template <class D>
HWY_INLINE Vec<D> MulSigmoidRoundD(D d, Vec<D> x, const SigmoidQuotD<D>& q) {
  const Pair<D> h = TwoProd(d, q.nh, q.y0);
  const Vec<D> lo = hn::MulAdd(q.y0, hn::MulAdd(q.nh, q.rho, q.nl), h.lo);
  return hn::MulAdd(x, h.hi, hn::Mul(x, lo));
}

// A float64 backward result y from the pair paths, with the lanes they do not take (x NaN,
// dy not finite, or what the caller's `ok` leaves out) from plain(), dy times the double f'.
template <class D, class F>
HWY_INLINE Vec<D> PatchBackwardF64(D d, hn::Mask<D> ok, Vec<D> x, Vec<D> dy, Vec<D> y, F plain) {
  ok = hn::And(ok, hn::AndNot(hn::IsNaN(x), hn::IsFinite(dy)));
  if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
  return hn::IfThenElse(ok, y, plain());
}
template <class D, class F>
HWY_INLINE Vec<D> PatchBackwardF64(D d, Vec<D> x, Vec<D> dy, Vec<D> y, F plain) {
  return PatchBackwardF64(d, hn::IsFinite(dy), x, dy, y, plain);
}

// tanh of ax in [0, 20] as a pair, (1 - e)/(1 + e) with e = e^-2ax, for float64 results where
// ax is not small (1 - e cancels: at ax = 1/4 it loses 1.4 bits, which the pairs absorb).
template <class D>
HWY_INLINE Pair<D> TanhPair(D d, Vec<D> ax) {
  const Vec<D> a = hn::Min(ax, hn::Set(d, 20.0));
  const Pair<D> e = ExpFromSplit(d, ExpReduce(d, hn::Neg(hn::Add(a, a)), hn::Zero(d)));
  const Pair<D> num0 = FastTwoSum(d, hn::Set(d, 1.0), hn::Neg(e.hi));
  return DivToPair(d, {num0.hi, hn::Sub(num0.lo, e.lo)}, OnePlus(d, e));
}

// x - tanh x = x^3 sum c[k] (x^2)^k; tanh = sum a_k x^(2k+1) satisfies t' = 1 - t^2, so
// (2k+1) a_k = -sum_{i+j=k-1} a_i a_j. Converges for |x| < pi/2; 18 terms reach 2^-60 at 1/2.
struct TanhSeries {
  static constexpr int kTerms = 18;
  double c[kTerms];
};

constexpr TanhSeries MakeTanhSeries() {
  constexpr int n = TanhSeries::kTerms;
  double a[n + 1] = {1.0};
  for (int k = 1; k <= n; ++k) {
    double s = 0;
    for (int i = 0; i <= k - 1; ++i) s += a[i] * a[k - 1 - i];
    a[k] = -s / (2 * k + 1);
  }
  TanhSeries out{};
  for (int k = 0; k < n; ++k) out.c[k] = -a[k + 1];
  return out;
}

// max(t, 0) + log(1 + e^-|t|) for t = t.hi + t.lo as a pair (softplus, -logsigmoid), and
// for the lanes where e^-|t| is below 2^-1000 with t < 0 (the result is e^t, possibly
// subnormal) 1 + m and n such that the result is (1 + m) 2^n: `tiny` marks them.
template <class D>
struct SoftplusParts {
  Pair<D> sum;
  Pair<D> tiny_m;
  hn::Vec<hn::RebindToSigned<D>> tiny_n;
  hn::Mask<D> tiny;
};

template <class D>
HWY_INLINE SoftplusParts<D> SoftplusPair(D d, Pair<D> t) {
  const hn::RebindToSigned<D> di;
  const Vec<D> limit = hn::Set(d, -1400.0);
  const auto pos = hn::Gt(t.hi, hn::Zero(d));
  const Vec<D> a = hn::Neg(hn::Abs(t.hi));
  const auto clamped = hn::Lt(a, limit);
  const Vec<D> al = hn::IfThenZeroElse(clamped, hn::IfThenElse(pos, hn::Neg(t.lo), t.lo));
  const ExpSplit<D> es = ExpReduce(d, hn::Max(a, limit), al);
  const Pair<D> l = Log1pPair(d, ExpFromSplit(d, es));
  const Pair<D> s = TwoSum(d, hn::IfThenElseZero(pos, t.hi), l.hi);
  SoftplusParts<D> out;
  out.sum = {s.hi, hn::Add(hn::Add(s.lo, l.lo), hn::IfThenElseZero(pos, t.lo))};
  out.tiny = hn::AndNot(pos, hn::RebindMask(d, hn::Lt(es.n, hn::Set(di, -1000))));
  out.tiny_m = OnePlus(d, es.m);
  out.tiny_n = es.n;
  return out;
}
