// tanhshrink: x - tanh x. Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD
// target, inside namespaces kernels::f64 and kernels::f32; math-inl.h comes first. D is a double
// descriptor. Near 0, x - tanh x ~ x^3/3 cancels: below |x| = 1/2 it is summed from the Taylor
// series instead (TanhSeries in math-inl.h).
struct tanhshrink {
  // float32 arrays: float lanes (math_f32-inl.h). The backward pass keeps the double lanes on
  // AVX2 (kFloatPairsPay: 1.25 against 1.11 ns per element at 262144); the forward pass takes
  // the float lanes there too with its own form above 1/2 (LargeFN) and four vectors at once:
  // 1.31-1.36 against 1.69-1.76 ns per element in double lanes at 4096 and 262144 (with one
  // FMA fewer, eight at once measured 1.06x and two 1.2x slower than four; the AVX-512 form
  // with two at once, 1.74 against 1.72).
  // Forward: x^3 S(x^2) below |x| = 1/2, x - tanh x with tanh as a pair above; the double lanes
  // for vectors with a lane 0 < |x| < 2^-32 (x^3 would lose its low part to underflow).
  static constexpr bool kFloatLanes = kFloatPairsPay;
  static constexpr bool kForwardFloatLanes = true;

  // x^3 S(x^2) for |x| < 1/2, S the Taylor series of (x - tanh x)/x^3 in u = x^2 (11 terms:
  // each is about u/2.5 of the one before, the first left out is below 2^-36 of the sum). The
  // terms from u^3 on are below 2^-9.8 of the sum and take plain float; the first three, their
  // coefficients split in two floats, and u and x^3 are pairs.
  // kK vectors at once, each step for all kK before the next (as the K-vector primitives of
  // math_f32-inl.h).
  template <size_t kK, class D>
  HWY_INLINE static void SmallFN(D d, const Vec<D> (&x)[kK], Vec<D> (&y)[kK]) {
    PairF<D> u[kK], sum[kK];
    Vec<D> tail[kK];
    for (size_t k = 0; k < kK; ++k) {
      u[k] = TwoProdF<D>(x[k], x[k]);
      tail[k] = hn::Set(d, 0x1.497d8ep-15f);
    }
    for (float c : {-0x1.967e18p-14f, 0x1.f57d78p-13f, -0x1.355824p-11f, 0x1.7da364p-10f,
                    -0x1.d6d3d0p-9f, 0x1.226e36p-7f, -0x1.664f48p-6f}) {
      for (size_t k = 0; k < kK; ++k) tail[k] = hn::MulAdd(tail[k], u[k].hi, hn::Set(d, c));
    }
    // s = c + u s as a pair; |u s| < |c|/4 at every step.
    for (size_t k = 0; k < kK; ++k) sum[k] = {tail[k], hn::Zero(d)};
    auto step = [&](float ch, float cl) {
      for (size_t k = 0; k < kK; ++k) {
        const Vec<D> uh = u[k].hi;
        const PairF<D> p = TwoProdF<D>(uh, sum[k].hi);
        const Vec<D> p_lo = hn::MulAdd(uh, sum[k].lo, hn::MulAdd(u[k].lo, sum[k].hi, p.lo));
        const PairF<D> r = FastTwoSumF<D>(hn::Set(d, ch), p.hi);
        sum[k] = {r.hi, hn::Add(r.lo, hn::Add(p_lo, hn::Set(d, cl)))};
      }
    };
    step(0x1.ba1ba2p-5f, -0x1.17917ap-31f);
    step(-0x1.111112p-3f, 0x1.dddddep-28f);
    step(0x1.555556p-2f, -0x1.555556p-27f);
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> x3 = TwoProdF<D>(x[k], u[k].hi);
      y[k] = MulPairRoundF(PairF<D>{x3.hi, hn::MulAdd(x[k], u[k].lo, x3.lo)}, sum[k]);
    }
  }
  // float64 results. Below 1/2: x^3 S(x^2) with x^2, x^3 and the leading 1/3 of S as pairs,
  // so that only the tail of S (under 10% of it) and the last step round. Above: x - tanh x
  // with tanh as a pair; at 1/2 the difference is 13 times smaller than x, so the pair's
  // error (about 2^-60) is what is left besides the final rounding.
  // |x|^3 S(x^2) = |x| - tanh |x| as a pair, for |x| < 1/2: x^2, x^3 and the leading 1/3 of S
  // as pairs, only the tail of S (under 10% of it) in plain double.
  template <class D>
  HWY_INLINE static Pair<D> CubeSeriesF64(D d, Vec<D> ax) {
    static constexpr TanhSeries kSeries = MakeTanhSeries();
    static constexpr double kTail[TanhSeries::kTerms - 1] = {
        kSeries.c[1],  kSeries.c[2],  kSeries.c[3],  kSeries.c[4],  kSeries.c[5],  kSeries.c[6],
        kSeries.c[7],  kSeries.c[8],  kSeries.c[9],  kSeries.c[10], kSeries.c[11], kSeries.c[12],
        kSeries.c[13], kSeries.c[14], kSeries.c[15], kSeries.c[16], kSeries.c[17]};
    const Pair<D> x2 = TwoProd(d, ax, ax);
    const Pair<D> x3 = MulToPair(d, ax, x2);
    const Vec<D> s1 = Poly(d, x2.hi, kTail);
    // kSeries.c[0] is 1/3 rounded; 0x1.5555555555555p-56 is the rest of 1/3.
    const Pair<D> s0 = FastTwoSum(d, hn::Set(d, kSeries.c[0]), hn::Mul(x2.hi, s1));
    const Vec<D> s_lo = hn::Add(s0.lo, hn::MulAdd(x2.lo, s1, hn::Set(d, 0x1.5555555555555p-56)));
    return MulPairs(d, x3, {s0.hi, s_lo});
  }
  template <class D>
  HWY_INLINE static Vec<D> ForwardF64(D d, Vec<D> x) {
    static constexpr TanhSeries kSeries = MakeTanhSeries();
    const Vec<D> ax = hn::Abs(x);
    const auto small = hn::Lt(ax, hn::Set(d, 0.5));
    Vec<D> y_small = ax, y_large = ax;
    if (!hn::AllFalse(d, small)) {
      const Pair<D> p = CubeSeriesF64(d, ax);
      y_small = hn::Add(p.hi, p.lo);
    }
    if (!hn::AllTrue(d, small)) {
      const Pair<D> t = TanhPair(d, ax);
      const Pair<D> s = FastTwoSum(d, ax, hn::Neg(t.hi));
      y_large = hn::Add(s.hi, hn::Sub(s.lo, t.lo));
    }
    Vec<D> y = hn::IfThenElse(small, y_small, y_large);
    const auto tiny = hn::Lt(ax, hn::Set(d, 0x1p-300));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
      // x^3/3, scaled up by 2^600 so that the low halves of the products stay normal.
      const hn::RebindToSigned<D> di;
      const Vec<D> xs = hn::Mul(ax, hn::Set(d, 0x1p200));
      const Pair<D> x3 = MulToPair(d, xs, TwoProd(d, xs, xs));
      const Pair<D> third = {hn::Set(d, kSeries.c[0]), hn::Set(d, 0x1.5555555555555p-56)};
      y = hn::IfThenElse(tiny, ScaleRound(d, MulPairs(d, x3, third), hn::Set(di, -600)), y);
    }
    y = hn::CopySign(y, x);
    // Infinities: x - 1 = x; NaN stays.
    return hn::IfThenElse(hn::IsFinite(x), y, hn::Sub(x, hn::Set(d, 1.0)));
  }
  // float64: dy tanh^2 x rounded once, tanh |x| as a pair: below 1/2 |x| - |x|^3 S(x^2) (the
  // forward pass's series), above TanhPair; below 2^-300 (x^2 S would leave the normal range)
  // dy x x, whose first rounding is relative and second one ULP of the result.
  template <class D>
  HWY_INLINE static Vec<D> BackwardF64(D d, Vec<D> x, Vec<D> dy) {
    const Vec<D> ax = hn::Min(hn::Abs(x), hn::Set(d, 20.0));
    const auto small = hn::Lt(ax, hn::Set(d, 0.5));
    Pair<D> t = {ax, hn::Zero(d)};
    Pair<D> t_small = t, t_large = t;
    if (!hn::AllFalse(d, small)) {
      const Pair<D> p = CubeSeriesF64(d, ax);
      const Pair<D> diff = FastTwoSum(d, ax, hn::Neg(p.hi));
      t_small = {diff.hi, hn::Sub(diff.lo, p.lo)};
    }
    if (!hn::AllTrue(d, small)) t_large = TanhPair(d, ax);
    t = {hn::IfThenElse(small, t_small.hi, t_large.hi),
         hn::IfThenElse(small, t_small.lo, t_large.lo)};
    Vec<D> y = MulRound(d, dy, MulPairs(d, t, t));
    const auto tiny = hn::Lt(ax, hn::Set(d, 0x1p-300));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
      y = hn::IfThenElse(tiny, hn::Mul(hn::Mul(dy, x), x), y);
    }
    return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR {
      const Vec<D> th = Tanh(d, x);
      return hn::Mul(dy, hn::Mul(th, th));
    });
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kIsF32Lanes<D>) {
      Vec<D> v[1] = {x};
      ForwardN<1>(d, v, a);
      return v[0];
    }
    if constexpr (!kForFloat32) return ForwardF64(d, x);
    static constexpr TanhSeries kSeries = MakeTanhSeries();
    const Vec<D> x2 = hn::Mul(x, x);
    const Vec<D> small = hn::Mul(hn::Mul(x2, x), Poly(d, x2, kSeries.c));
    const Vec<D> large = hn::Sub(x, Tanh(d, x));
    return hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 0.5)), small, large);
  }
  // a - tanh a for a >= 1/2 (up to 9.5: the caller takes a - 1 beyond), kK vectors at once, on
  // AVX2, where ForwardN's form (a + em/(2 + em) with em = e^-2a - 1, the quotient as a pair)
  // spills its pairs (16 registers): (a - 1) + 2/(1 + E) with E = e^2a as a pair (ExpPairFN,
  // 16 operations fewer than Expm1PairFN after the shared reduction) and the quotient y1 + res r
  // from r = 1/(1 + E) to about 2^-23 (the approximate reciprocal of the head and one Newton
  // step on the pair: E's low part, ExpPairFN's m.lo scaled, reaches 2^-12 of it, and a
  // reciprocal of the head alone measured 4.85 ULP), y1 = 2 r and its residual
  // res = 2 - y1 (1 + E) by FMA (r's error is then a factor 2^-23 on a term 2^-22 of the
  // quotient). a - 1 is exact (a in [1/2, 2^24)); the sum cancels as much as in the other form
  // (14 times at most, at 1/2).
  template <size_t kK, class D>
  HWY_INLINE static void LargeFN(D d, const Vec<D> (&ax)[kK], Vec<D> (&large)[kK]) {
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> a2[kK], zero[kK];
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> ac = hn::Min(ax[k], hn::Set(d, 9.5f));
      a2[k] = hn::Add(ac, ac);
      zero[k] = hn::Zero(d);
    }
    ExpF<D> e[kK];
    ExpPairFN<kK>(d, a2, zero, e);
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> b = FastTwoSumF<D>(hn::Mul(e[k].m.hi, e[k].scale), one);  // E >= 1
      const Vec<D> b_lo = hn::MulAdd(e[k].m.lo, e[k].scale, b.lo);
      Vec<D> r = hn::ApproximateReciprocal(b.hi);
      r = hn::MulAdd(r, hn::NegMulAdd(r, b_lo, hn::NegMulAdd(b.hi, r, one)), r);
      const Vec<D> y1 = hn::Add(r, r);
      const Vec<D> res = hn::NegMulAdd(y1, b_lo, hn::NegMulAdd(y1, b.hi, hn::Set(d, 2.0f)));
      const PairF<D> sum = TwoSumF<D>(hn::Sub(ax[k], one), y1);
      large[k] = hn::Add(sum.hi, hn::MulAdd(res, r, sum.lo));
    }
  }
  // Float lanes, kK vectors at once, each step for all kK before the next; Forward is its
  // kK = 1, and ForwardT takes kForwardN (op_unit-inl.h). Above 1/2: |x| - tanh|x| = |x| +
  // em/(2 + em) as a pair (AVX2: LargeFN; the difference is more than 1/13 of |x|, so the
  // pair's error grows at most 13 times), rounded once. Past 9.5 tanh is 1 (and |x| - 1 keeps
  // infinities). Below 1/2 the series (SmallFN). With x uniform in [-8, 8] most vectors have lanes
  // of both (a 16-lane vector has none below 1/2 with odds 0.36, four of them 0.02), so both are
  // computed for every vector. Four vectors at once (AVX-512): 1.41x faster than one at a time
  // (0.703 against 0.992 ns per element at 262144, alternated, loaded host; the same results).
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    Vec<D> ax[kK], small[kK], y[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) ax[k] = hn::Abs(v[k]);
    TanhPartsF<D> t[kK];  // AVX-512
    Vec<D> large2[kK];    // AVX2
    if constexpr (kFloatPairsPay) {
      TanhPartsOfFN<kK>(d, ax, t);
    } else {
      LargeFN<kK>(d, ax, large2);
    }
    SmallFN<kK>(d, v, small);
    for (size_t k = 0; k < kK; ++k) {
      Vec<D> large;
      if constexpr (kFloatPairsPay) {
        const PairF<D> q = MulPairsF(t[k].em, t[k].inv);
        const PairF<D> r = FastTwoSumF<D>(ax[k], q.hi);
        large = hn::Add(r.hi, hn::Add(r.lo, q.lo));
      } else {
        large = large2[k];
      }
      large =
          hn::IfThenElse(hn::Gt(ax[k], hn::Set(d, 9.5f)), hn::Sub(ax[k], hn::Set(d, 1.0f)), large);
      const Vec<D> y0 =
          hn::IfThenElse(hn::Lt(ax[k], hn::Set(d, 0.5f)), small[k], hn::CopySign(large, v[k]));
      const auto zero = hn::Eq(v[k], hn::Zero(d));
      y[k] = hn::IfThenElse(zero, v[k], y0);  // the sign of zero
      ok[k] = hn::Or(hn::Ge(ax[k], hn::Set(d, 0x1p-32f)), zero);
    }
    PatchLanesN(d, ok, y, v, [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); });
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    if constexpr (kIsF32Lanes<D>) {
      // tanh^2 x as a pair, rounded once with dy; below 2^-13 tanh x rounds to x and (dy x) x
      // (NaN too) is within 1 ULP.
      const Vec<D> ax = hn::Abs(x);
      const TanhPartsF<D> t = TanhPartsOfF(d, ax);
      const PairF<D> th = MulPairsF(t.em, t.inv);
      const PairF<D> t2 = MulPairsF(th, th);
      const Vec<D> dx = hn::MulAdd(dy, t2.hi, hn::Mul(dy, t2.lo));
      return hn::IfThenElse(hn::Ge(ax, hn::Set(d, 0x1p-13f)), dx, hn::Mul(hn::Mul(dy, x), x));
    }
    if constexpr (!kForFloat32) return BackwardF64(d, x, dy);
    const Vec<D> t = Tanh(d, x);
    return hn::Mul(dy, hn::Mul(t, t));
  }
};
