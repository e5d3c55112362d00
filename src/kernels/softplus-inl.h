// softplus: log(1 + e^(beta x))/beta, written max(bx,0) + log1p(e^-|bx|) so that neither branch
// overflows and softplus(-100) keeps its 3.7e-44. Included by the operation's unit
// (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces kernels::f64 and kernels::f32;
// math-inl.h comes first. D is a double descriptor.
// Every other entry of a 32-entry table (softplus's 16-entry tables on AVX2).
constexpr std::array<float, 16> SoftplusEveryOther(const float (&t)[32]) {
  std::array<float, 16> h{};
  for (size_t i = 0; i < 16; ++i) h[i] = t[2 * i];
  return h;
}

struct softplus {
  // float32 arrays on AVX-512 and AVX2: both passes in float lanes, in the overloads for float
  // lanes below (the forward pass: ForwardInF; the backward pass: math_f32-inl.h's sigmoid);
  // lanes outside their ranges (results near the subnormals, infinities, NaN) take the double
  // lanes. AVX2 forward: one vector at a time the float-lane form (16-entry tables) measured no
  // faster than the double lanes (1.77 against 1.76 ns per element at 4096), but four at once
  // (ForwardN, below) 1.56x and 1.62x faster than them at 4096 and 262144 (1.14 and 1.10
  // against 1.78 ns per element, CPU time, medians; two at once 1.3x, three 1.45x at 4096; old
  // and new binaries alternated, loaded host).
  static constexpr bool kFloatLanes = true;
  static constexpr bool kBackwardFloatLanes = true;  // AVX2 too: no pairs to spill there
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    const Vec<D> beta = hn::Set(d, a.p[0]);
    if constexpr (!kForFloat32) {
      // beta x, e^-|beta x| and log1p as pairs, one pair division: a single rounding.
      const Pair<D> t = TwoProd(d, beta, x);
      const SoftplusParts<D> sp = SoftplusPair(d, t);
      const Pair<D> q = {beta, hn::Zero(d)};
      const Pair<D> yp = DivToPair(d, sp.sum, q);
      Vec<D> y = hn::Add(yp.hi, yp.lo);
      if (HWY_UNLIKELY(!hn::AllFalse(d, sp.tiny))) {
        // e^(beta x)/beta, rounded once where subnormal.
        const Vec<D> tiny = ScaleRound(d, DivToPair(d, sp.tiny_m, q), sp.tiny_n);
        y = hn::IfThenElse(sp.tiny, tiny, y);
      }
      y = hn::IfThenElse(hn::Gt(t.hi, hn::Set(d, a.p[1])), x, y);
      const Vec<D> big = hn::Set(d, 0x1p600);
      const auto ok = hn::And(hn::Lt(hn::Abs(x), big), hn::Lt(hn::Abs(t.hi), big));
      if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
      // Infinite, NaN and huge inputs (where the result is x, 0 or NaN): the plain formula.
      const Vec<D> bx = hn::Mul(beta, x);
      const Vec<D> l = Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx))));
      const Vec<D> plain = hn::Div(hn::Add(hn::Max(bx, hn::Zero(d)), l), beta);
      return hn::IfThenElse(ok, y, hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, plain));
    }
    const Vec<D> bx = hn::Mul(beta, x);
    const Vec<D> sp = hn::Add(hn::Max(bx, hn::Zero(d)), Log1pUnit(d, Exp(d, hn::Neg(hn::Abs(bx)))));
    // float32 results: multiplying by 1/beta (rounded) costs one more double rounding than
    // dividing, 2^-52, far below what float32 can show, and a division less.
    const Vec<D> y = kForFloat32 ? hn::Mul(sp, hn::Set(d, 1.0 / a.p[0])) : hn::Div(sp, beta);
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), x, y);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (!kForFloat32) {
      // sigmoid(beta x) with beta x as a pair, rounded once with dy (MulSigmoidSlopeSum with
      // v = 0); the linear branch on the rounded beta x, as the forward pass.
      const Pair<D> t0 = TwoProd(d, hn::Set(d, a.p[0]), x);
      const Vec<D> lim = hn::Set(d, 1400.0);
      const auto in = hn::Le(hn::Abs(t0.hi), lim);
      const Pair<D> t = {hn::Min(hn::Max(t0.hi, hn::Neg(lim)), lim), hn::IfThenElseZero(in, t0.lo)};
      const Vec<D> s = MulSigmoidSlopeSum<true>(d, dy, t, {hn::Zero(d), hn::Zero(d)});
      const Vec<D> y = hn::IfThenElse(hn::Gt(t0.hi, hn::Set(d, a.p[1])), dy, s);
      return PatchBackwardF64(d, x, dy, y, [&]() HWY_ATTR {
        const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
        return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy,
                              hn::Mul(dy, Sigmoid(d, bx).sigmoid));
      });
    }
    const Vec<D> bx = hn::Mul(hn::Set(d, a.p[0]), x);
    const Vec<D> s = Sigmoid(d, bx).sigmoid;
    return hn::IfThenElse(hn::Gt(bx, hn::Set(d, a.p[1])), dy, hn::Mul(dy, s));
  }

  // beta x as a pair (beta is a float: exact by FMA).
  template <class D>
  HWY_INLINE static PairF<D> BetaTimesF(D d, Vec<D> x, const Args& a) {
    return TwoProdF<D>(hn::Set(d, static_cast<float>(a.p[0])), x);
  }
  // Whole calls with a beta out of ForwardInF's range: the halves promoted here, inline (through
  // OnDoubleLanes, not inlined and made for rare lanes, the loop measured 10% slower).
  template <class D, class F>
  static Vec<D> InDoubleLanes(D d, Vec<D> x, F f) {
    const hn::Half<D> dh;
    const hn::Rebind<double, decltype(dh)> dd;
    const auto lo = f(dd, hn::PromoteTo(dd, hn::LowerHalf(dh, x)));
    const auto hi = f(dd, hn::PromoteTo(dd, UpperHalf(dh, x)));
    return Combine(d, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
  }
  // The forward pass in float lanes: y = max(t, 0)/beta + L/beta with L = log1p(e), e = e^-|t|,
  // t = beta x = th + tl exact (FMA), and for t > 0 max(t, 0)/beta = x exactly. Before, a float-
  // pair log1p of e (a 16-entry table of 8-bit c, a degree-7 series) measured 10% slower than
  // the double lanes on AVX-512; this form takes 31 multiplies and FMAs per vector against the
  // double lanes' 68 for two half vectors, and its steps are arranged for a short chain. One
  // vector's steps are one dependent chain, and one vector after another the loop ran near that
  // chain's latency: ForwardN takes four at once, each step for all four before the next
  // (ForwardInFN, Log1pExpFN), and ran 1.2x faster with two, 1.5x with four (4096 elements,
  // old and new alternated; the same four vectors one after another with the one mask test:
  // 1.05x). Every step that would show in the
  // result carries a second float, so that the sum before its one rounding is within about
  // 2^-35 of softplus(t) (over all 2^32 inputs: at most 0.5008 ULP, 7321 not correctly rounded):
  // - e = scale (thi + tlo)(1 + p), ExpReduceF's reduction (tl in its reduced argument), p = e^s
  //   - 1 as a pair (Estrin's form, degree 5), m = thi + thi p.hi exact and its low part within
  //   about 2^-23 of m (so that rl below stays small: a low part of 2^-11, as ExpPairF's, cost
  //   1.3 ULP through the terms rl (1 - r) leaves out);
  // - 1 + e = (1/c_j) (1 + r): c_j = 1/(1 + j/N) rounded to float from a table of N (32 on
  //   AVX-512: one two-register permute; 16 on AVX2: one 16-entry lookup), and c_0 = 1 so that
  //   the tail (e small, L = e - e^2/2 + ...) is r = e itself, with no cancellation against
  //   log c. j = round(N (1 - 2^-8) e0) from an early estimate e0 = ts (1 + sh) (within 2^-10
  //   of e: the table reads leave the chain), the bins shifted by more than that error, so that
  //   r = (c - 1) + c e.hi stays exact (c e.hi and 1 - c within a factor 2: Sterbenz) and
  //   |r| <= 1/(2N - 1) or so; rl = c e.lo + the product's error;
  // - L = -log c_j (a hi + lo table) + r + h + h r P(r) + rl (1 - r + r^2), with h = -r^2/2
  //   exact (TwoProd), P Taylor's (the first term left out is below 2^-38 of L), the two
  //   leading sums fast two-sums, the rest below 2^-11 of L in plain float;
  // - beta != 1: L/beta as y0 = L.hi (1/beta) corrected by the exact residual L.hi - y0 beta;
  // - then x (t > 0) + L/beta as a two-sum and one rounding.
  // Valid where t >= -78 (beta = 1; the low parts of e stay normal), -60 + max(e - 2, 0) ln 2 for
  // other betas with |beta| in [2^e, 2^(e+1)) (those of L/beta too), and t <= 86 (scale a
  // normal float), and where t is above the threshold (y = x); the other lanes (tiny and
  // subnormal results, huge inputs, infinities, NaN) take the double lanes through PatchLanes,
  // and betas outside [2^-60, 2^20] the double lanes for the whole call.
  static constexpr int kLogN = hn::MaxLanes(hn::ScalableTag<float>()) >= 16 ? 32 : 16;
  HWY_ALIGN static constexpr float kLogC[32] = {
      0x1.000000p+0f, 0x1.f07c20p-1f, 0x1.e1e1e2p-1f, 0x1.d41d42p-1f, 0x1.c71c72p-1f,
      0x1.bacf92p-1f, 0x1.af286cp-1f, 0x1.a41a42p-1f, 0x1.99999ap-1f, 0x1.8f9c18p-1f,
      0x1.861862p-1f, 0x1.7d05f4p-1f, 0x1.745d18p-1f, 0x1.6c16c2p-1f, 0x1.642c86p-1f,
      0x1.5c9882p-1f, 0x1.555556p-1f, 0x1.4e5e0ap-1f, 0x1.47ae14p-1f, 0x1.414142p-1f,
      0x1.3b13b2p-1f, 0x1.3521d0p-1f, 0x1.2f684cp-1f, 0x1.29e412p-1f, 0x1.24924ap-1f,
      0x1.1f7048p-1f, 0x1.1a7b96p-1f, 0x1.15b1e6p-1f, 0x1.111112p-1f, 0x1.0c9714p-1f,
      0x1.084210p-1f, 0x1.041042p-1f};
  HWY_ALIGN static constexpr float kLogHi[32] = {
      0.0f,           0x1.f82990p-6f, 0x1.f0a30ap-5f, 0x1.6f0d28p-4f, 0x1.e27074p-4f,
      0x1.29552cp-3f, 0x1.5ff306p-3f, 0x1.9525a8p-3f, 0x1.c8ff7ap-3f, 0x1.fb918cp-3f,
      0x1.1675cap-2f, 0x1.2e8e2cp-2f, 0x1.4618bap-2f, 0x1.5d1bdap-2f, 0x1.739d7ep-2f,
      0x1.89a33ap-2f, 0x1.9f323cp-2f, 0x1.b44f7ap-2f, 0x1.c8ff7ep-2f, 0x1.dd469ep-2f,
      0x1.f128f4p-2f, 0x1.02552ap-1f, 0x1.0be72ep-1f, 0x1.154c3ep-1f, 0x1.1e85f4p-1f,
      0x1.2795e0p-1f, 0x1.307d74p-1f, 0x1.393e0ep-1f, 0x1.41d8fcp-1f, 0x1.4a4f88p-1f,
      0x1.52a2d4p-1f, 0x1.5ad402p-1f};
  HWY_ALIGN static constexpr float kLogLo[32] = {0.0f,
                                                 0x1.cf0670p-31f,
                                                 0x1.162a76p-37f,
                                                 -0x1.a35296p-29f,
                                                 0x1.c55e5cp-29f,
                                                 0x1.07fd4cp-29f,
                                                 0x1.4f27aap-32f,
                                                 0x1.e8ad70p-32f,
                                                 0x1.e6a68ap-29f,
                                                 -0x1.50e0dep-30f,
                                                 -0x1.0a8b3ep-27f,
                                                 -0x1.1ee2d0p-30f,
                                                 0x1.0e2f66p-29f,
                                                 0x1.560274p-28f,
                                                 0x1.5de804p-29f,
                                                 0x1.18284cp-27f,
                                                 0x1.97f30ap-27f,
                                                 -0x1.c66e14p-27f,
                                                 -0x1.959768p-32f,
                                                 -0x1.3e3b54p-30f,
                                                 -0x1.0a1f20p-27f,
                                                 -0x1.2d1780p-28f,
                                                 0x1.295418p-32f,
                                                 0x1.fa6af8p-28f,
                                                 0x1.9c1036p-27f,
                                                 0x1.d13624p-26f,
                                                 -0x1.561de8p-26f,
                                                 -0x1.b53abcp-26f,
                                                 0x1.88ce58p-26f,
                                                 -0x1.13f04ep-27f,
                                                 -0x1.34874ap-26f,
                                                 0x1.a6b3e8p-26f};
  // The 16-entry tables (AVX2): every other entry of the 32 (c_j = 1/(1 + 2j/32)).
  alignas(64) static constexpr std::array<float, 16> kLogC16 = SoftplusEveryOther(kLogC);
  alignas(64) static constexpr std::array<float, 16> kLogHi16 = SoftplusEveryOther(kLogHi);
  alignas(64) static constexpr std::array<float, 16> kLogLo16 = SoftplusEveryOther(kLogLo);
  // t[j] for j in [0, kLogN) (higher bits of j ignored on AVX-512).
  template <class D>
  HWY_INLINE static Vec<D> LogTable(D d, const float* t32, const std::array<float, 16>& t16,
                                    hn::Vec<hn::RebindToSigned<D>> j) {
#if HWY_TARGET <= HWY_AVX3
    if constexpr (kLogN == 32) {
      (void)t16;
      return Vec<D>{_mm512_permutex2var_ps(hn::Load(d, t32).raw, j.raw, hn::Load(d, t32 + 16).raw)};
    } else
#endif
    {
      (void)t32;
      return Table16(d, t16.data(), j);
    }
  }
  // log1p(e^(u + ul)) as a pair (hi + lo within about 2^-35 of it), u in [-86, 0]. Arranged for
  // a short chain (one vector's steps are one dependent chain; Log1pExpFN interleaves several):
  // the table index from an early estimate of e, Estrin's form for both polynomials, and the
  // head of e formed before its low part.
  template <class D>
  HWY_INLINE static PairF<D> Log1pExpF(D d, Vec<D> u, Vec<D> ul) {
    const Vec<D> uv[1] = {u}, ulv[1] = {ul};
    PairF<D> l[1];
    Log1pExpFN<1>(d, uv, ulv, l);
    return l[0];
  }
  // The same for kK vectors at once, each step taken for all kK before the next (ForwardN).
  template <size_t kK, class D>
  HWY_INLINE static void Log1pExpFN(D d, const Vec<D> (&u)[kK], const Vec<D> (&ul)[kK],
                                    PairF<D> (&out)[kK]) {
    const hn::RebindToSigned<D> di;
    // e = scale (thi + tlo) e^s, s = sh + sl (ExpReduceF, as ExpPairF).
    ExpCoreF<D> x[kK];
    Vec<D> ts[kK], c[kK];
    hn::Vec<decltype(di)> j[kK];
    for (size_t k = 0; k < kK; ++k) x[k] = ExpReduceF(d, u[k], ul[k]);
    // j from e0 = ts (1 + sh), within 2^-10 of e, as round(N (1 - 2^-8) e0): the bins shifted
    // by more than e0's error, so that c e.hi and 1 - c stay within a factor 2 (below).
    constexpr float kN = static_cast<float>(kLogN);
    for (size_t k = 0; k < kK; ++k) {
      ts[k] = hn::Mul(x[k].thi, x[k].scale);
      const Vec<D> e0 = hn::MulAdd(ts[k], x[k].sh, ts[k]);
      const Vec<D> z = hn::MulAdd(hn::Min(e0, hn::Set(d, (kN - 1.0f) / kN)),
                                  hn::Set(d, kN * (1.0f - 0x1p-8f)), hn::Set(d, 0x1.8p23f));
      j[k] = hn::And(hn::BitCast(di, z), hn::Set(di, kLogN - 1));
    }
    for (size_t k = 0; k < kK; ++k) c[k] = LogTable(d, kLogC, kLogC16, j[k]);
    // e^s - 1 = sh + w, w = sh^2 (1/2 + sh/6 + sh^2/24 + sh^3/120) + sl (1 + sh); as a pair p.
    PairF<D> p[kK];
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> sq = hn::Mul(x[k].sh, x[k].sh);
      const Vec<D> q =
          hn::MulAdd(sq, hn::MulAdd(x[k].sh, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24)),
                     hn::MulAdd(x[k].sh, hn::Set(d, 1.0f / 6), hn::Set(d, 0.5f)));
      const Vec<D> w = hn::MulAdd(sq, q, hn::MulAdd(x[k].sl, x[k].sh, x[k].sl));
      p[k] = TwoSumF<D>(x[k].sh, w);
    }
    // m = thi + thi p.hi as a pair (exact), its low part within about 2^-23 of m.
    // c e = cs m with cs = c scale (exact: scale is a power of 2 and c e normal).
    Vec<D> r[kK], rl[kK];
    for (size_t k = 0; k < kK; ++k) {
      const PairF<D> tp = TwoProdF<D>(x[k].thi, p[k].hi);
      const PairF<D> m = FastTwoSumF<D>(x[k].thi, tp.hi);
      const Vec<D> m_lo =
          hn::Add(hn::Add(m.lo, tp.lo),
                  hn::MulAdd(x[k].thi, p[k].lo, hn::MulAdd(x[k].tlo, p[k].hi, x[k].tlo)));
      const Vec<D> cs = hn::Mul(c[k], x[k].scale);
      const PairF<D> ce = TwoProdF<D>(cs, m.hi);
      r[k] = hn::Add(hn::Sub(c[k], hn::Set(d, 1.0f)), ce.hi);  // exact
      rl[k] = hn::MulAdd(cs, m_lo, ce.lo);
    }
    // h = -r^2/2 exact (hr = -r/2 is); log1p(r) = r + h + h r P(r), P = -2/3 + r/2 + h (4/5
    // - 2r/3 (+ r^2 4/7 for N = 16)): Taylor's r^3/3 - r^4/4 + ... with -r^2/2 written h.
    for (size_t k = 0; k < kK; ++k) {
      const Vec<D> hr = hn::Mul(r[k], hn::Set(d, -0.5f));
      const PairF<D> h = TwoProdF<D>(r[k], hr);
      Vec<D> p2 = hn::MulAdd(r[k], hn::Set(d, -2.0f / 3), hn::Set(d, 4.0f / 5));
      if constexpr (kLogN == 16) p2 = hn::MulAdd(h.hi, hn::Set(d, -8.0f / 7), p2);
      const Vec<D> pr =
          hn::MulAdd(h.hi, p2, hn::MulAdd(r[k], hn::Set(d, 0.5f), hn::Set(d, -2.0f / 3)));
      const PairF<D> s1 = FastTwoSumF<D>(LogTable(d, kLogHi, kLogHi16, j[k]), r[k]);
      const PairF<D> s2 = FastTwoSumF<D>(s1.hi, h.hi);
      const Vec<D> tail = hn::MulAdd(hn::Mul(h.hi, r[k]), pr, h.lo);
      // rl/(1 + r) = rl (1 - (r - r^2)) + O(rl r^3).
      const Vec<D> rlq = hn::NegMulAdd(rl[k], hn::NegMulAdd(r[k], r[k], r[k]), rl[k]);
      const Vec<D> lo = hn::Add(hn::Add(hn::Add(s1.lo, s2.lo), tail),
                                hn::Add(LogTable(d, kLogLo, kLogLo16, j[k]), rlq));
      out[k] = {s2.hi, lo};
    }
  }
  // softplus with the lanes it is valid on (see above); the caller patches the others.
  template <class D>
  struct ForwardF {
    Vec<D> y;
    hn::Mask<D> ok;
  };
  template <bool kOne, class D>
  HWY_INLINE static ForwardF<D> ForwardInF(D d, Vec<D> x, float beta, float thr, float lower) {
    const Vec<D> xv[1] = {x};
    ForwardF<D> out[1];
    ForwardInFN<kOne, 1>(d, xv, beta, thr, lower, out);
    return out[0];
  }
  // The same for kK vectors at once, each step taken for all kK before the next (ForwardN).
  template <bool kOne, size_t kK, class D>
  HWY_INLINE static void ForwardInFN(D d, const Vec<D> (&x)[kK], float beta, float thr, float lower,
                                     ForwardF<D> (&out)[kK]) {
    constexpr bool one = kOne;  // beta = 1
    const Vec<D> vbeta = hn::Set(d, beta);
    Vec<D> th[kK], tl[kK], u[kK], ul[kK];
    hn::Mask<D> pos[kK];
    for (size_t k = 0; k < kK; ++k) {
      th[k] = one ? x[k] : hn::Mul(vbeta, x[k]);
      tl[k] = one ? hn::Zero(d) : hn::MulSub(vbeta, x[k], th[k]);
      pos[k] = hn::Gt(th[k], hn::Zero(d));
      // -|t| (clamped: lanes beyond take x or the double lanes), its low part with its sign.
      u[k] = hn::Max(hn::Or(th[k], hn::SignBit(d)), hn::Set(d, -86.0f));
      ul[k] = one ? hn::Zero(d) : hn::IfThenElse(pos[k], hn::Neg(tl[k]), tl[k]);
    }
    PairF<D> l[kK];
    Log1pExpFN<kK>(d, u, ul, l);
    for (size_t k = 0; k < kK; ++k) {
      if constexpr (!one) {
        const Vec<D> ib = hn::Set(d, 1.0f / beta);
        const Vec<D> y0 = hn::Mul(l[k].hi, ib);
        const Vec<D> rem = hn::Add(hn::NegMulAdd(y0, vbeta, l[k].hi), l[k].lo);
        l[k] = {y0, hn::Mul(rem, ib)};
      }
      const Vec<D> xp = hn::IfThenElseZero(pos[k], x[k]);
      PairF<D> s;
      if constexpr (one) {
        // Both terms nonnegative: the larger first, a fast two-sum (shorter than TwoSum's chain).
        s = FastTwoSumF<D>(hn::Max(xp, l[k].hi), hn::Min(xp, l[k].hi));
      } else {
        s = TwoSumF<D>(xp, l[k].hi);
      }
      out[k].y = hn::Add(s.hi, hn::Add(s.lo, l[k].lo));
      const Vec<D> vthr = hn::Set(d, thr);
      // Above the threshold: the exact t > thr (t = thr with a positive low part counts).
      const auto above = one ? hn::Gt(x[k], vthr)
                             : hn::Or(hn::Gt(th[k], vthr),
                                      hn::And(hn::Eq(th[k], vthr), hn::Gt(tl[k], hn::Zero(d))));
      out[k].y = hn::IfThenElse(above, x[k], out[k].y);
      out[k].ok = hn::Or(
          above, hn::And(hn::Ge(th[k], hn::Set(d, lower)), hn::Le(th[k], hn::Set(d, 86.0f))));
    }
  }
  // The lower bound of t for ForwardInF, or NaN where beta is out of its range. No call (std::log
  // here, evaluated per vector, cost 15%: 3523 against 3183 ns at 4096): ln(|beta|/8) bounded
  // from above by (e - 2) ln 2, e the exponent of |beta|.
  static float LowerBoundF(float beta) {
    const float m = std::fabs(beta);
    if (!(m >= 0x1p-60f && m <= 0x1p20f)) return NAN;
    if (beta == 1.0f) return -78.0f;
    const int e = static_cast<int>(std::bit_cast<uint32_t>(m) >> 23) - 127;
    return -60.0f + 0x1.62e430p-1f * static_cast<float>(std::max(e - 2, 0));
  }
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    auto on_double = [&](auto dd, auto v) HWY_ATTR { return Forward(dd, v, a); };
    const float beta = static_cast<float>(a.p[0]);
    const float thr = static_cast<float>(a.p[1]);
    const float lower = LowerBoundF(beta);
    if (HWY_UNLIKELY(std::isnan(lower))) return InDoubleLanes(d, x, on_double);
    const ForwardF<D> f = beta == 1.0f ? ForwardInF<true>(d, x, 1.0f, thr, -78.0f)
                                       : ForwardInF<false>(d, x, beta, thr, lower);
    return PatchLanes(d, f.ok, f.y, x, on_double);
  }
  // kForwardN vectors at once (op_unit-inl.h's ForwardT), Forward's results, the rare lanes
  // tested once for all of them (see ForwardInF): 1.68x, 1.39x and 1.22x faster than one
  // vector at a time at 4096, 262144 and 16777216 elements (AVX-512, alternated, loaded host);
  // eight at once measured no faster than four.
  static constexpr size_t kForwardN = 4;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[kK], const Args& a) {
    auto on_double = [&](auto dd, auto w) HWY_ATTR { return Forward(dd, w, a); };
    const float beta = static_cast<float>(a.p[0]);
    const float thr = static_cast<float>(a.p[1]);
    const float lower = LowerBoundF(beta);
    if (HWY_UNLIKELY(std::isnan(lower))) {
      for (size_t k = 0; k < kK; ++k) v[k] = InDoubleLanes(d, v[k], on_double);
      return;
    }
    ForwardF<D> f[kK];
    if (beta == 1.0f) {
      ForwardInFN<true, kK>(d, v, 1.0f, thr, -78.0f, f);
    } else {
      ForwardInFN<false, kK>(d, v, beta, thr, lower, f);
    }
    PatchForwardN(d, f, v, on_double);
  }
  // The rare lanes of kK vectors from the double lanes, one mask test for all in the common case.
  template <size_t kK, class D, class F>
  HWY_INLINE static void PatchForwardN(D d, const ForwardF<D> (&f)[kK], Vec<D> (&v)[kK],
                                       F on_double) {
    hn::Mask<D> ok[kK];
    Vec<D> y[kK];
    for (size_t k = 0; k < kK; ++k) {
      ok[k] = f[k].ok;
      y[k] = f[k].y;
    }
    PatchLanesN(d, ok, y, v, on_double);
  }
  // dy sigmoid(beta x) with e rounded once (MulSigmoidRoundedFN); dy past the threshold or
  // beyond t = 86 (no clamp: lanes beyond 86 take dy or the double lanes). BackwardN's
  // arithmetic for one vector, so that a result does not depend on where its element lies.
  template <class D>
  requires kIsF32Lanes<D> HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy,
                                                            const Args& a) {
    const Vec<D> xv[1] = {x};
    Vec<D> g[1] = {dy};
    BackwardN(d, xv, g, a);
    return g[0];
  }
  // kBackwardN vectors at once (op_unit-inl.h's BackwardT): Backward's results, left in dy, its
  // steps interleaved across the vectors (MulSigmoidRoundedFN) and the rare lanes tested once
  // for all of them. Two on both targets: AVX-512 1.11x and 1.13x faster than one vector at a
  // time at 4096 and 262144 elements (four 1.09x, eight slower than one), AVX2 1.09x-1.11x (CPU
  // time, alternated, loaded host). AVX2 takes the quotient by division (MulSigmoidRoundedFN's
  // kDivide): 1.14x faster than the series of 1/q at 4096 elements (same conditions).
  static constexpr size_t kBackwardN = 2;
  template <size_t kK, class D>
  requires kIsF32Lanes<D> HWY_INLINE static void BackwardN(D d, const Vec<D> (&x)[kK],
                                                           Vec<D> (&dy)[kK], const Args& a) {
    // beta = 1, the default: t = x exactly, its low part +0 (as TwoProdF gives it); the same
    // results with fewer steps.
    if (a.p[0] == 1.0) return BackwardFN<true>(d, x, dy, a);
    BackwardFN<false>(d, x, dy, a);
  }
  template <bool kUnitBeta, size_t kK, class D>
  HWY_INLINE static void BackwardFN(D d, const Vec<D> (&x)[kK], Vec<D> (&dy)[kK], const Args& a) {
    auto on_double = [&](auto dd, auto v, auto g) HWY_ATTR { return Backward(dd, v, g, a); };
    const Vec<D> lim = hn::Set(d, 86.0f);
    const Vec<D> threshold = hn::Set(d, static_cast<float>(a.p[1]));
    Vec<D> th[kK], tl[kK], dx[kK];
    hn::Mask<D> ok[kK];
    for (size_t k = 0; k < kK; ++k) {
      if constexpr (kUnitBeta) {
        th[k] = x[k];
        tl[k] = hn::Zero(d);
      } else {
        const PairF<D> t = BetaTimesF(d, x[k], a);
        th[k] = t.hi;
        tl[k] = t.lo;
      }
    }
    MulSigmoidRoundedFN<kK, kUnitBeta, (hn::MaxLanes(D()) < 16)>(d, dy, th, tl, dx);
    for (size_t k = 0; k < kK; ++k) {
      const auto take_dy = hn::Or(hn::Gt(th[k], threshold), hn::Gt(th[k], lim));
      dx[k] = hn::IfThenElse(take_dy, dy[k], dx[k]);
      ok[k] = hn::Or(hn::Ge(th[k], hn::Neg(lim)), take_dy);
    }
    PatchLanes2N(d, ok, dx, x, dy, on_double);
  }
};
