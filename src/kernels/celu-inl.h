// celu: x > 0 ? x : alpha*(e^(x/alpha) - 1), which equals max(0,x)+min(0,...) for any alpha != 0.
// Included by the operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces
// kernels::f64 and kernels::f32; math-inl.h comes first. D is a double descriptor.
struct celu {
  // float32 arrays with alpha > 0: float lanes (math_f32-inl.h), elu's method with x/alpha as
  // a pair, in the overloads for float lanes below. alpha < 0 (x/alpha > 0, where e^(x/alpha)
  // may overflow) keeps the double lanes. On AVX2 the forward pass takes e^t - 1 from an
  // 8-entry table (Expm1Pair8FN) and eight vectors at once (kForwardFloatLanes): 0.57-0.60
  // against 0.75 ns per element in double lanes at 4096 and 262144 (four at once 0.63, two
  // 0.81-0.84; with Expm1PairFN's 16-entry table and two at once the float lanes had measured
  // 0.93). The backward pass, which needs no pairs after e^t, takes the float lanes on AVX2 too
  // (kBackwardFloatLanes): 0.665 against 0.781 ns per element at 262144.
  static constexpr bool kFloatLanes = kFloatPairsPay;
  static constexpr bool kForwardFloatLanes = true;
  static constexpr bool kBackwardFloatLanes = true;
  // x / alpha. float32 results: times 1/alpha, one more double rounding (2^-52 relative to
  // the argument of the exponential) and one division less.
  template <class D>
  HWY_INLINE static Vec<D> Scaled(D d, Vec<D> x, double alpha) {
    if constexpr (kForFloat32) return hn::Mul(x, hn::Set(d, 1.0 / alpha));
    return hn::Div(x, hn::Set(d, alpha));
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> alpha = hn::Set(d, a.p[0]);
    if constexpr (!kForFloat32) {
      // x/alpha as a pair (its remainder is exact), e^(x/alpha) - 1 as a pair, one rounding.
      const Vec<D> xs = hn::Min(x, hn::Zero(d));
      const Vec<D> qh = hn::Div(xs, alpha);
      const Pair<D> qa = TwoProd(d, qh, alpha);
      const Vec<D> ql = hn::Div(hn::Sub(hn::Sub(xs, qa.hi), qa.lo), alpha);
      const auto ok = hn::And(hn::Gt(qh, hn::Set(d, -0x1p600)), hn::Lt(qh, hn::Set(d, 700.0)));
      Vec<D> neg = MulRound(d, alpha, Expm1Pair(d, qh, hn::IfThenElseZero(ok, ql)));
      // Below 2^-900 the result is x (x/alpha could be subnormal and lose bits); also -0.
      neg = hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 0x1p-900)), x, neg);
      if (HWY_UNLIKELY(!hn::AllTrue(d, ok))) {
        // -inf, NaN, or x/alpha large (alpha < 0): the plain formula.
        neg = hn::IfThenElse(ok, neg, hn::Mul(alpha, Expm1(d, Scaled(d, x, a.p[0]))));
      }
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, neg);
    }
    const Vec<D> neg = hn::Mul(alpha, Expm1(d, Scaled(d, x, a.p[0])));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, neg);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (!kForFloat32) {
      // dy e^(x/alpha) rounded once, x/alpha as a pair (its rounding, times |x/alpha|, would
      // reach the result's ULP in the tail).
      const Vec<D> alpha = hn::Set(d, a.p[0]);
      const Vec<D> xn = hn::Min(x, hn::Zero(d));
      const Vec<D> q = hn::Div(xn, alpha);
      const Pair<D> qa = TwoProd(d, q, alpha);
      const Vec<D> q_lo = hn::Div(hn::Sub(hn::Sub(xn, qa.hi), qa.lo), alpha);
      const Vec<D> neg = MulExpPair(d, dy, {hn::Set(d, 1.0), hn::Zero(d)}, q,
                                    hn::IfThenElseZero(hn::IsFinite(q), q_lo));
      return PatchBackwardF64(d, x, dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg),
                              [&]() HWY_ATTR {
                                return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy,
                                                      hn::Mul(dy, Exp(d, Scaled(d, xn, a.p[0]))));
                              });
    }
    const Vec<D> neg = hn::Mul(dy, Exp(d, Scaled(d, hn::Min(x, hn::Zero(d)), a.p[0])));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg);
  }

  // x/alpha = th + tl with th = x (1/alpha) and the remainder x - th alpha exact (FMA): the
  // exponential multiplies the rounding of th by up to |th|. th is clamped to [-86, 0] (where
  // e^th is below 2^-124, celu is -alpha and its gradient below the normal floats).
  template <class D>
  HWY_INLINE static PairF<D> ScaledF(D d, Vec<D> x, float alpha) {
    const Vec<D> inv = hn::Set(d, 1.0f / alpha);
    const Vec<D> xs = hn::Min(x, hn::Zero(d));
    const Vec<D> q = hn::Mul(xs, inv);
    const Vec<D> th = hn::Max(q, hn::Set(d, -86.0f));
    const Vec<D> rem = hn::NegMulAdd(th, hn::Set(d, alpha), xs);
    return {th, hn::IfThenElseZero(hn::Eq(q, th), hn::Mul(rem, inv))};
  }
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    Vec<D> v[1] = {x};
    ForwardN<1>(d, v, a);
    return v[0];
  }
  // kK vectors at once (Forward is its kK = 1, ForwardT takes kForwardN, op_unit-inl.h), the
  // steps interleaved across the vectors (Expm1PairFN): alpha (e^t - 1) rounded once. Where
  // |t| < 2^-60 that rounds to x (e^t - 1 = t (1 + t/2)), which also keeps the sign of zero and
  // the x whose t would be subnormal. AVX-512 with four: 1.48x faster than one at a time
  // (0.336 against 0.496 ns per element at 262144, alternated, loaded host; the same results);
  // AVX2 with eight, see above (its loop is bound by the two FMA pipes, with spills).
  static constexpr size_t kForwardN = HWY_TARGET <= HWY_AVX3 ? 4 : 8;
  // e^t - 1 as Expm1PairFN gives it, for t = th + tl with th in [-86, 0], from 2^(j/8) where
  // Expm1PairFN has 2^(j/16): on AVX2 an 8-entry table is one vpermps for each of hi and lo
  // where a 16-entry one takes two and a blend (Table16). k = round(8 th/ln2) in [-993, 0],
  // s = th - k ln2/8 with ExpReduceF's three-part ln2/16 doubled (exact: |k| < 2^10, as
  // ExpReduceF's |k| < 2^11), |s| <= ln2/16, so e^s - 1 takes one more term (s^6/720; the next,
  // s^7/5040, is below 2^-39 of s). The last sum is a FastTwoSum: for k <= -1, |T scale - 1| >=
  // 1 - 2^(-1/8) > 0.08 is above |T scale (e^s - 1)| < 0.05, and for k = 0 it is 0.
  template <size_t kK, class D>
  HWY_INLINE static void Expm1Pair8FN(D d, const Vec<D> (&th)[kK], const Vec<D> (&tl)[kK],
                                      PairF<D> (&out)[kK]) {
    // ExpReduceF's eighths (AVX2's 2^(j/8), one vpermps a table), scaled here.
    static_assert(kExpEighthsF<true, D>, "the 2^(j/8) reduction is AVX2's");
    Vec<D> sh[kK], sl[kK], ts[kK], tls[kK];
    for (size_t k = 0; k < kK; ++k) {
      const ExpCoreF<D> c = ExpReduceF<false, true>(d, th[k], tl[k]);
      ts[k] = hn::Mul(c.thi, c.scale);
      tls[k] = hn::Mul(c.tlo, c.scale);
      sh[k] = c.sh;
      sl[k] = c.sl;
    }
    const Vec<D> half = hn::Set(d, 0.5f);
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> s = sh[k];
      const PairF<D> sq = TwoProdF<D>(s, s);
      // 1/6 + s/24 + s^2/120 + s^3/720 (Estrin's form).
      const Vec<D> q =
          hn::MulAdd(sq.hi, hn::MulAdd(s, hn::Set(d, 1.0f / 720), hn::Set(d, 1.0f / 120)),
                     hn::MulAdd(s, hn::Set(d, 1.0f / 24), hn::Set(d, 1.0f / 6)));
      // e^s - 1 = s + sq.hi/2 + rest, |rest| < 2^-11 |s|.
      const Vec<D> rest =
          hn::MulAdd(hn::Mul(sq.hi, s), q, hn::MulAdd(sq.lo, half, hn::MulAdd(sl[k], s, sl[k])));
      const PairF<D> em = FastTwoSumF<D>(s, hn::Mul(sq.hi, half));
      const Vec<D> em_lo = hn::Add(em.lo, rest);
      // T scale (1 + em) - 1.
      const PairF<D> a = FastTwoSumF<D>(hn::Set(d, -1.0f), ts[k]);  // |ts| <= 1
      const PairF<D> b = TwoProdF<D>(ts[k], em.hi);
      const Vec<D> small = hn::MulAdd(ts[k], em_lo, hn::MulAdd(tls[k], em.hi, tls[k]));
      const PairF<D> sum = FastTwoSumF<D>(a.hi, b.hi);
      out[k] = {sum.hi, hn::Add(hn::Add(sum.lo, a.lo), hn::Add(b.lo, small))};
    }
  }
  // alpha <= 0 (or NaN): the double lanes. Out of line: inlined into ForwardN, GCC 12 stopped
  // with an internal compiler error (early SRA) in the AVX2 ThreadSanitizer build (-O1).
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_NOINLINE static void ForwardOnDoubleN(D d, Vec<D> (&v)[kK],
                                                                    const Args& a) {
    auto on_double = [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); };
    for (size_t k = 0; k < kK; ++k) v[k] = OnDoubleLanes(d, v[k], on_double);
  }
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    const float alpha = static_cast<float>(a.p[0]);
    if (!(alpha > 0.0f)) return ForwardOnDoubleN(d, v, a);
    Vec<D> th[kK], tl[kK];
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> t = ScaledF(d, v[k], alpha);
      th[k] = t.hi;
      tl[k] = t.lo;
    }
    PairF<D> em[kK];
    if constexpr (kFloatPairsPay) {
      Expm1PairFN<kK>(d, th, tl, em);
    } else {
      Expm1Pair8FN<kK>(d, th, tl, em);
    }
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> neg = MulPairRoundF(PairF<D>{hn::Set(d, alpha), hn::Zero(d)}, em[k]);
      const auto keep =
          hn::Or(hn::Gt(v[k], hn::Zero(d)), hn::Lt(hn::Abs(th[k]), hn::Set(d, 0x1p-60f)));
      v[k] = hn::IfThenElse(keep, v[k], neg);
    }
  }
  // dy e^t with e^t rounded once (ExpRoundedF: 1 ULP at most, within the backward bound with
  // the last rounding), its m halved (and the scale doubled) so that dy m overflows only where dy
  // does, the scale applied last (a subnormal dx may round twice: within 1 ULP); lanes with t < -86
  // take the double lanes.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy,
                                                            const Args& a) {
    const float alpha = static_cast<float>(a.p[0]);
    auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
    if (!(alpha > 0.0f)) return OnDoubleLanes2(d, x, dy, on_double);
    const PairF<D> t = ScaledF(d, x, alpha);
    const ExpRoundF<D> e = ExpRoundedF(d, t.hi, t.lo);
    const Vec<D> neg = hn::Mul(hn::Mul(dy, e.m), e.scale);
    const Vec<D> dx = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, neg);
    const auto ok = hn::Ge(hn::Mul(x, hn::Set(d, 1.0f / alpha)), hn::Set(d, -86.0f));
    return PatchLanes2(d, ok, dx, x, dy, on_double);
  }
};
