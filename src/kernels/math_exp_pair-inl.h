// exp, expm1, log1p, sigmoid, tanh and softplus with pair results, for float64 results that
// must round once (and the patching of their rare lanes). Built on math_pair-inl.h and
// math_poly-inl.h. Included by math-inl.h, in this order, once per namespace (kernels::f64,
// kernels::f32) and SIMD target: no include guard.

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
