// Primitives of the fast kernels (Accuracy::fast): plain float32 lanes, no float pairs.
// Included once per SIMD target inside kernels::f32::fast, after the faithful kernel files, by
// the generated <name>-fast-kernels-inl.h; only float32 lanes on FMA targets reach them
// (src/simd/op_unit-inl.h).
//
// The budget is 4 ULP forward (docs/SPEC.md, Accuracy modes), on every input, tails included.
// AVX-512: e^z from a 2^(j/32) table and a degree-2 or 3 polynomial, 2^n by vscalefps (one
// rounding, so subnormal results are right and no lane needs a test). Other targets: a common
// path for vectors whose e^z is normal on every lane (FastExp, FastExpm1: degree-6 polynomial on
// |r| <= ln2/2, 2^n from the bits of the magic sum), and for the rest 2^n as three exact
// power-of-two factors (SplitScale3), so that a result in the subnormal range rounds once, at
// the last product, instead of flushing to zero as a single 2^n (n < -126) would.

// Keeps K loaded vectors in registers for the rest of the kernel. With 16 registers GCC frees
// one by loading the input again from the array where the kernel needs it last (the select's
// other operand) rather than spilling it: elu's loop read each vector three times. In L1 that
// costs nothing, but from DRAM (16M elements, one thread) the loop ran at 0.57 ns per element
// against 0.22 with one load per vector (measured, bench/activ-bench, the same minutes), as if
// the loads that wait on each missing line filled the load queue and fewer lines were in
// flight. The empty asm makes each value opaque where it stands, so the compiler must keep it
// (in a register, or spilled to the stack, which stays in L1).
template <size_t K, class V>
HWY_INLINE void KeepLoadedN(V (&v)[K]) {
#if HWY_ARCH_X86 && defined(__GNUC__)
  for (size_t k = 0; k < K; ++k) asm volatile("" : "+v"(v[k].raw));
#else
  (void)v;
#endif
}

// 1/d for d in [1, 2], from the hardware estimate and Newton steps: one from AVX-512's rcp14
// (2^-28, plus the rounding of the step), two from AVX2's 12-bit rcpps (one step leaves
// 2^-23: measured, sigmoid's backward reached 6.2 ULP with it).
template <class D>
HWY_INLINE Vec<D> FastRecip(D d, Vec<D> den) {
  const Vec<D> one = hn::Set(d, 1.0f);
  Vec<D> r = hn::ApproximateReciprocal(den);
  if constexpr (HWY_TARGET > HWY_AVX3) r = hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);
  return hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// AVX-512: e^z through a table of 2^(j/32) (two registers, one vpermt2ps) and vscalefps,
// which applies 2^floor(n) with one rounding: a subnormal result rounds once and a huge
// exponent saturates, with no splitting of the scale and no check per lane.

// 2^(j/32) rounded, j = 0..31.
alignas(64) inline constexpr float kExp2Table32[32] = {
    0x1.000000p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f, 0x1.172b84p+0f, 0x1.1d4874p+0f,
    0x1.2387a6p+0f, 0x1.29e9e0p+0f, 0x1.306fe0p+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
    0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f, 0x1.6a09e6p+0f, 0x1.71f75ep+0f,
    0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f, 0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f,
    0x1.ae89fap+0f, 0x1.b7f770p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f, 0x1.d5818ep+0f, 0x1.dfc974p+0f,
    0x1.ea4afap+0f, 0x1.f50766p+0f};

// e^z = l e^t 2^floor(n) for z in [-217, 0] (no NaN or infinity): n = k/32 with k = round(32 z /
// ln2), l = 2^((k mod 32)/32) rounded to float, t = z - n ln2 in [-ln2/64, ln2/64].
template <class D>
struct ExpLutF {
  Vec<D> t;
  Vec<D> l;
  Vec<D> n;
};
template <class D>
HWY_INLINE ExpLutF<D> ExpLut32(D d, Vec<D> z) {
  // 1.5 2^18 has an ulp of 1/32: the sum holds 32 z/ln2 rounded, its low five mantissa bits
  // k mod 32 (the table index vpermt2ps reads).
  const Vec<D> magic = hn::Set(d, 0x1.8p18f);
  const Vec<D> vn = hn::MulAdd(z, hn::Set(d, 0x1.715476p+0f), magic);
  const Vec<D> l{_mm512_permutex2var_ps(_mm512_load_ps(kExp2Table32), _mm512_castps_si512(vn.raw),
                                        _mm512_load_ps(kExp2Table32 + 16))};
  const Vec<D> n = hn::Sub(vn, magic);
  // ln2 in two floats; the FMA takes n ln2_hi exactly and r is small, so t keeps its bits.
  Vec<D> t = hn::NegMulAdd(n, hn::Set(d, 0x1.62e430p-1f), z);
  t = hn::NegMulAdd(n, hn::Set(d, -0x1.05c610p-29f), t);
  return {t, l, n};
}

// l e^t for |t| <= ln2/64: l + t l (c1 + c2 t), relative error 2^-24.2 before rounding.
template <class D>
HWY_INLINE Vec<D> ExpLutPoly(D d, const ExpLutF<D>& e) {
  const Vec<D> p = hn::MulAdd(hn::Set(d, 0x1.000006p-1f), e.t, hn::Set(d, 0x1.0000f6p+0f));
  return hn::MulAdd(hn::Mul(e.t, e.l), p, e.l);
}

// -min(|v|, lim) for lim > 0, a NaN v left as it is (Min returns its second operand, v, on a
// NaN, and so does Max), so that every NaN the kernel makes of it is its quiet form: the kernel
// keeps NaN by itself. +-0 stay as they are. A sign flip and two selects, none waiting on a mask:
// the compare and masked flip this replaced cost a sigmoid loop 12% on this AVX-512 host
// (measured).
template <class V>
HWY_INLINE V NegAbsClamped(V v, float lim) {
  const __m512 neg = _mm512_castsi512_ps(_mm512_xor_si512(
      _mm512_castps_si512(v.raw), _mm512_set1_epi32(static_cast<int>(0x80000000u))));
  return V{_mm512_max_ps(_mm512_set1_ps(-lim), _mm512_min_ps(neg, v.raw))};
}

// l e^t for |t| <= ln2/64 with a degree-3 polynomial, l + t l (1 + t (1/2 + t/6)) (relative
// error 2^-30 before rounding): for results that take more roundings after it (silu).
template <class D>
HWY_INLINE Vec<D> ExpLutPoly3(D d, const ExpLutF<D>& e) {
  Vec<D> p = hn::MulAdd(hn::Set(d, 0x1.555556p-3f), e.t, hn::Set(d, 0.5f));
  p = hn::MulAdd(p, e.t, hn::Set(d, 1.0f));
  return hn::MulAdd(hn::Mul(e.t, e.l), p, e.l);
}

// v 2^floor(n), one rounding.
template <class V>
HWY_INLINE V ScaleF(V v, V n) {
  return V{_mm512_scalef_ps(v.raw, n.raw)};
}
#endif  // AVX-512

// e^t = p * 2^n for t in [-150 ln2, 0], t_lo a correction of t (|t_lo| <= 2^-24 |t|, or 0):
// p in [2^-1/2, 2^1/2], n a whole number held in a float.
template <class D>
struct ExpSplitF {
  Vec<D> p;
  Vec<D> n;
  Vec<D> pm;  // p - 1 before the rounding of 1 + pm (expm1 near 0)
};
template <class D>
HWY_INLINE ExpSplitF<D> FastExpSplit(D d, Vec<D> t, Vec<D> t_lo) {
  const Vec<D> n = hn::Round(hn::Mul(t, hn::Set(d, 1.44269504088896341f)));
  // ln2 in two parts: the first has 16 trailing zero bits, so n * ln2_hi is exact for |n| < 2^8.
  Vec<D> r = hn::NegMulAdd(n, hn::Set(d, 0x1.62e4p-1f), t);
  r = hn::NegMulAdd(n, hn::Set(d, 0x1.7f7d1cp-20f), hn::Add(r, t_lo));
  // e^r - 1 - r = r^2 (c2 + c3 r + ... + c6 r^4), weighted least squares near minimax.
  Vec<D> q = hn::Set(d, 0x1.6bd906p-10f);
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.1239b0p-7f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555682p-5f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555492p-3f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.fffffep-2f));
  const Vec<D> pm = hn::MulAdd(hn::Mul(r, r), q, r);
  return {hn::Add(hn::Set(d, 1.0f), pm), n, pm};
}

// e^z = 2^n (1 + pm) for z in [-87, 0] (no NaN), where 2^n is a normal float: n = round(z/ln2)
// from a magic sum whose low mantissa bits hold 127 + n, shifted into 2^n (one shift, no
// conversion); r = z - n ln2 and pm = e^r - 1 from the degree-6 polynomial of FastExpSplit.
template <class D>
struct ExpNormalF {
  Vec<D> s;   // 2^n
  Vec<D> pm;  // e^r - 1
};
// tlo, when given, is a correction of z (celu's x/alpha), added to the reduced argument.
template <class D>
HWY_INLINE ExpNormalF<D> FastExpNormal(D d, Vec<D> z, const Vec<D>* tlo = nullptr) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8000fep23f);  // 1.5 2^23 + 127: an ulp of 1
  const Vec<D> vn = hn::MulAdd(z, hn::Set(d, 0x1.715476p+0f), magic);
  const Vec<D> n = hn::Sub(vn, magic);
  const Vec<D> s = hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, vn)));
  Vec<D> r = hn::NegMulAdd(n, hn::Set(d, 0x1.62e430p-1f), z);
  r = hn::NegMulAdd(n, hn::Set(d, -0x1.05c610p-29f), r);
  if (tlo != nullptr) r = hn::Add(r, *tlo);
  Vec<D> q = hn::Set(d, 0x1.6bd906p-10f);
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.1239b0p-7f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555682p-5f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.555492p-3f));
  q = hn::MulAdd(q, r, hn::Set(d, 0x1.fffffep-2f));
  return {s, hn::MulAdd(hn::Mul(r, r), q, r)};
}

// e^z - 1 = (2^n - 1) + 2^n (e^r - 1) for z in [-87, 0], 2^n - 1 exact; K vectors in place,
// each step across all K before the next (the same operations as FastExpNormal), so that the
// out-of-order core sees independent work beside each long chain. tlo, when given, holds a
// correction of each z (celu's x/alpha as x (1/alpha) plus its remainder), added to r.
template <size_t K, class D>
HWY_INLINE void FastExpm1N(D d, Vec<D> (&z)[K], const Vec<D> (*tlo)[K] = nullptr) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8000fep23f);
  Vec<D> vn[K], s[K], r[K], q[K];
  for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), magic);
  for (size_t k = 0; k < K; ++k) s[k] = hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, vn[k])));
  for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
  for (size_t k = 0; k < K; ++k) r[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
  for (size_t k = 0; k < K; ++k) r[k] = hn::NegMulAdd(vn[k], hn::Set(d, -0x1.05c610p-29f), r[k]);
  if (tlo != nullptr) {
    for (size_t k = 0; k < K; ++k) r[k] = hn::Add(r[k], (*tlo)[k]);
  }
  for (size_t k = 0; k < K; ++k) {
    q[k] = hn::MulAdd(hn::Set(d, 0x1.6bd906p-10f), r[k], hn::Set(d, 0x1.1239b0p-7f));
  }
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.555682p-5f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.555492p-3f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.fffffep-2f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(hn::Mul(r[k], r[k]), q[k], r[k]);
  for (size_t k = 0; k < K; ++k) {
    z[k] = hn::MulAdd(q[k], s[k], hn::Sub(s[k], hn::Set(d, 1.0f)));
  }
}
// e^z for z in [-87, 0] on K vectors in place, each step across all K before the next: 2^n
// (n = round(z/ln2)) from the bits of the magic sum, e^r - 1 from the degree-6 polynomial of
// FastExpNormal, one rounding at the last FMA. A lane outside [-87, 0] (or NaN) gets a
// meaningless value, without a trap: the callers replace it.
template <size_t K, class D>
HWY_INLINE void FastExpN(D d, Vec<D> (&z)[K]) {
  const hn::RebindToSigned<D> di;
  const Vec<D> magic = hn::Set(d, 0x1.8000fep23f);
  Vec<D> vn[K], s[K], r[K], q[K];
  for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), magic);
  for (size_t k = 0; k < K; ++k) s[k] = hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, vn[k])));
  for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
  for (size_t k = 0; k < K; ++k) r[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
  for (size_t k = 0; k < K; ++k) r[k] = hn::NegMulAdd(vn[k], hn::Set(d, -0x1.05c610p-29f), r[k]);
  for (size_t k = 0; k < K; ++k) {
    q[k] = hn::MulAdd(hn::Set(d, 0x1.6bd906p-10f), r[k], hn::Set(d, 0x1.1239b0p-7f));
  }
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.555682p-5f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.555492p-3f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], r[k], hn::Set(d, 0x1.fffffep-2f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(hn::Mul(r[k], r[k]), q[k], r[k]);
  for (size_t k = 0; k < K; ++k) z[k] = hn::MulAdd(q[k], s[k], s[k]);
}
template <class D>
HWY_INLINE Vec<D> FastExpm1(D d, Vec<D> z) {
  Vec<D> v[1] = {z};
  FastExpm1N<1>(d, v);
  return v[0];
}

// e^z for z in [-87, 0]: its least value, e^-87, is a normal float, so 2^n (1 + pm) rounds once.
template <class D>
HWY_INLINE Vec<D> FastExp(D d, Vec<D> z) {
  const ExpNormalF<D> e = FastExpNormal(d, z);
  return hn::MulAdd(e.pm, e.s, e.s);
}

// e^z for z in [kFastExpMin, 0]: AVX-512's table and scalef (fewer operations, 2.5 ULP), or
// FastExp elsewhere.
template <class D>
HWY_INLINE Vec<D> FastExpCommon(D d, Vec<D> z) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  const ExpLutF<D> el = ExpLut32(d, z);
  return ScaleF(ExpLutPoly(d, el), el.n);
#else
  return FastExp(d, z);
#endif
}

// The least argument of FastExp: the targets without vscalefps take a vector with a lane below it
// (or a NaN) through the careful scaling instead, one test per vector.
inline constexpr float kFastExpMin = -87.0f;

// e[k] = e^-|v[k]| by FastExpN on K vectors (-|v| as v with its sign bit set); true where every
// lane of the K is within FastExpN's range (|v| <= -kFastExpMin, not NaN), the one test of the
// common path. InExpRange is that test for one vector, for the lanes the caller patches.
template <class D>
HWY_INLINE hn::Mask<D> InExpRange(D d, Vec<D> v) {
  return hn::Ge(hn::Or(v, hn::SignBit(d)), hn::Set(d, kFastExpMin));
}
template <size_t K, class D>
HWY_INLINE bool NegAbsExpN(D d, const Vec<D> (&v)[K], Vec<D> (&e)[K]) {
  for (size_t k = 0; k < K; ++k) e[k] = hn::Or(v[k], hn::SignBit(d));
  auto ok = InExpRange(d, v[0]);
  for (size_t k = 1; k < K; ++k) ok = hn::And(ok, InExpRange(d, v[k]));
  const bool all_ok = hn::AllTrue(d, ok);
  FastExpN<K>(d, e);
  return all_ok;
}
// The gates' fallback after NegAbsExpN: where !all_ok, r is NaN on each lane of v outside
// InExpRange (|v| > 87 or NaN), so that the caller, which keeps only finite results, gives
// those lanes the faithful kernel's.
template <size_t K, class D>
HWY_INLINE void MarkOutOfRangeN(D d, bool all_ok, const Vec<D> (&v)[K], Vec<D> (&r)[K]) {
  if (HWY_UNLIKELY(!all_ok)) {
    for (size_t k = 0; k < K; ++k) r[k] = hn::IfThenElse(InExpRange(d, v[k]), r[k], hn::NaN(d));
  }
}

// fast() where ok holds on every lane, else fast() on the lanes where it holds and careful()
// on the others. Choosing per lane, not per vector, keeps each result a function of its own
// input: a vector-wide fallback made a lane's result depend on its neighbours, and so on where
// the threads split the array (two calls on the same array differed in the last bit).
// fast() must be harmless on the lanes it does not serve (its values there are discarded).
template <class D, class Fast, class Careful>
HWY_INLINE Vec<D> PerLane(D d, hn::Mask<D> ok, Fast fast, Careful careful) {
  const Vec<D> y = fast();
  if (HWY_LIKELY(hn::AllTrue(d, ok))) return y;
  return hn::IfThenElse(ok, y, careful());
}

// Every lane of the K vectors is at least lo (a NaN lane is not): the test of a BackwardN's
// common path, one branch for the K.
template <size_t K, class D>
HWY_INLINE bool AllAtLeast(D d, const Vec<D> (&v)[K], float lo) {
  auto ok = hn::Ge(v[0], hn::Set(d, lo));
  for (size_t k = 1; k < K; ++k) ok = hn::And(ok, hn::Ge(v[k], hn::Set(d, lo)));
  return hn::AllTrue(d, ok);
}
// A BackwardN's rare path: backward(x, dy) on each of the K vectors (its lanes outside the
// common path take the faithful kernel), NaN passed through as Map's would be (x's first, then
// dy's), the results in dy. Out of line: inlined, the faithful kernels it calls made the
// common path of the BackwardN around it up to 1.6x slower (softplus, 4096 elements, AVX-512).
template <size_t K, class D, class B>
HWY_NOINLINE void BackwardEachN(D d, const Vec<D> (&x)[K], Vec<D> (&dy)[K], B backward) {
  for (size_t k = 0; k < K; ++k) {
    const Vec<D> r = backward(x[k], dy[k]);
    dy[k] = hn::IfThenElse(hn::IsNaN(x[k]), x[k], hn::IfThenElse(hn::IsNaN(dy[k]), dy[k], r));
  }
}

// BackwardN and Backward of a fast kernel Self whose common path, Self::BackwardCommonN, serves
// every lane with x >= Self::kBackwardMin; the other lanes (and NaN) take the faithful kernel
// Faithful, through BackwardEachN for K vectors and PerLane's rule for one (NaN passed through
// by the caller, Map, there). Self derives from it (gelu_tanh, mish).
template <class Self, class Faithful>
struct CommonPathBackward {
  template <size_t K, class D>
  static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& a) {
    if (HWY_UNLIKELY(!AllAtLeast<K>(d, x, Self::kBackwardMin))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, a); });
      return;
    }
    Self::template BackwardCommonN<K>(d, x, dy);
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return PerLane(
        d, hn::Ge(x, hn::Set(d, Self::kBackwardMin)),
        [&]() HWY_ATTR {
          const Vec<D> v[1] = {x};
          Vec<D> g[1] = {dy};
          Self::template BackwardCommonN<1>(d, v, g);
          return g[0];
        },
        [&]() HWY_ATTR { return Faithful::Backward(d, x, dy, a); });
  }
};

// 2^k as a float for whole k in [-126, 127] held in int32 lanes.
template <class DI>
HWY_INLINE Vec<hn::RebindToFloat<DI>> Pow2I(DI di, Vec<DI> k) {
  const hn::RebindToFloat<DI> df;
  return hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(k, hn::Set(di, 127))));
}

// The factors 2^n1, 2^n2, 2^n3 with n1 + n2 + n3 = n, for whole n in [-290, 0]: n1 = n2 about
// n/3 (floor of n * 21846 / 2^16), n3 the rest; each within [-97, 2]. For results scaled by
// dy, whose largest float (2^128) keeps e^t nonzero down to t = -193 (-194 with a factor 4); the
// kernels clamp at -200.
template <class D>
struct Scale3F {
  Vec<D> s1;
  Vec<D> s2;
  Vec<D> s3;
};
template <class D>
HWY_INLINE Scale3F<D> SplitScale3(D d, Vec<D> n) {
  const hn::RebindToSigned<D> di;
  const auto ni = hn::ConvertTo(di, n);
  const auto n1 = hn::ShiftRight<16>(hn::Mul(ni, hn::Set(di, 21846)));
  const auto s1 = Pow2I(di, n1);
  (void)d;
  return {s1, s1, Pow2I(di, hn::Sub(ni, hn::Add(n1, n1)))};
}

// v 2^n for the factors of SplitScale3: exact while the partial products stay normal, so a
// subnormal result rounds once, at the last product (n3, the one left, is about n/3: at least
// 24 in magnitude whenever a result of |v| >= 2^-54 is subnormal).
template <class D>
HWY_INLINE Vec<D> Scale3(Vec<D> v, const Scale3F<D>& s) {
  return hn::Mul(hn::Mul(hn::Mul(v, s.s1), s.s2), s.s3);
}

// dy sigmoid'(u) = dy e/(1 + e)^2, e = e^-|u|, the same on both sides of 0. |u| is clamped at
// 200, where the slope (times 4) is under 2^-286 and the result rounds to 0 for any finite dy; the
// scale (three factors) goes last, after dy, so that a subnormal result rounds once. p q^2 2^n1 is
// below 2, so the product with dy overflows only where the result itself is at the top of the
// range.
// kTimes4: dy 4 sigmoid'(u) (tanh's slope at u = 2x), the 4 taken into p rather than dy, where
// it could overflow.
template <bool kTimes4 = false, class D>
HWY_INLINE Vec<D> FastSigmoidSlope(D d, Vec<D> u, Vec<D> dy) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // e = p 2^floor(n) from the table, p < 2; h = 1/(2 (1 + e)) <= 1/2, so p h <= 1 and h dy <=
  // dy/2 cannot overflow; the 2^2 (2^4 for kTimes4) and 2^floor(n) go last, in one scalef.
  const Vec<D> z = hn::Max(hn::Set(d, -200.0f), hn::Or(u, hn::SignBit(d)));
  const ExpLutF<D> el = ExpLut32(d, z);
  const Vec<D> p = ExpLutPoly(d, el);
  const Vec<D> h = hn::Div(hn::Set(d, 0.5f), hn::Add(ScaleF(p, el.n), hn::Set(d, 1.0f)));
  const Vec<D> g = hn::Mul(hn::Mul(p, h), hn::Mul(h, dy));
  return ScaleF(g, hn::Add(el.n, hn::Set(d, kTimes4 ? 4.0f : 2.0f)));
#else
  // Common path: e = e^-|u| normal and (4) e q q <= 1, so the product with dy neither overflows
  // nor rounds into the subnormals before its last rounding.
  const Vec<D> z0 = hn::Or(u, hn::SignBit(d));
  return PerLane(
      d, hn::Ge(z0, hn::Set(d, kFastExpMin)),
      [&]() HWY_ATTR {
        const Vec<D> e = FastExp(d, z0);
        const Vec<D> q = hn::Div(hn::Set(d, 1.0f), hn::Add(e, hn::Set(d, 1.0f)));
        const Vec<D> e4 = kTimes4 ? hn::Mul(e, hn::Set(d, 4.0f)) : e;
        return hn::Mul(hn::Mul(hn::Mul(e4, q), q), dy);
      },
      [&]() HWY_ATTR {
        const Vec<D> t = hn::Max(hn::Neg(hn::Abs(u)), hn::Set(d, -200.0f));
        const ExpSplitF<D> e = FastExpSplit(d, t, hn::Zero(d));
        const Scale3F<D> s = SplitScale3(d, e.n);
        const Vec<D> q = FastRecip(d, hn::Add(hn::Set(d, 1.0f), Scale3(e.p, s)));
        const Vec<D> p = kTimes4 ? hn::Mul(e.p, hn::Set(d, 4.0f)) : e.p;
        const Vec<D> g = hn::Mul(hn::Mul(hn::Mul(p, q), q), s.s1);
        return hn::Mul(hn::Mul(hn::Mul(g, dy), s.s2), s.s3);
      });
#endif
}

// ---------------------------------------------------------------------------------------------
// Shared by the fast softplus, mish and gelu_tanh kernels (added with them; the functions above
// are left as they are).

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// 2^(j/32) - kExp2Table32[j] rounded, j = 0..31: the table's own rounding, for a result that
// takes l e^t unrounded (softplus, mish, gelu_tanh).
alignas(64) inline constexpr float kExp2Table32Lo[32] = {
    0x0p+0f,          -0x1.9d4f52p-25f, 0x1.9f3122p-25f,  -0x1.fdb496p-25f, -0x1.c15742p-27f,
    -0x1.d2e8cap-25f, 0x1.ceac48p-25f,  -0x1.5c0424p-25f, 0x1.4636e2p-25f,  -0x1.18aac6p-25f,
    0x1.824684p-25f,  0x1.8624b4p-30f,  -0x1.593abcp-25f, -0x1.2c5610p-25f, -0x1.5bd5ecp-27f,
    -0x1.f8b550p-25f, 0x1.9fcef4p-26f,  0x1.1d8beep-25f,  -0x1.829fd0p-25f, -0x1.accc7cp-26f,
    0x1.15506ep-27f,  -0x1.e64744p-25f, 0x1.51f848p-27f,  -0x1.b83b54p-25f, -0x1.a94b14p-26f,
    -0x1.a09438p-25f, -0x1.3d56b2p-27f, -0x1.8837ccp-27f, -0x1.822dbcp-27f, -0x1.908c94p-25f,
    0x1.52486cp-27f,  -0x1.246eb0p-26f};

// ExpLut32 on K vectors, each step across all K before the next (the out-of-order core then
// overlaps the K chains): n, l and t as ExpLut32 gives them (n still to be applied, by ScaleF);
// tlo, when given, added to t (the rounding error of z, carried into e^z); ll, when given, the
// table's rounding (kExp2Table32Lo) read with the same index.
template <size_t K, class D>
HWY_INLINE void ExpLut32N(D d, const Vec<D> (&z)[K], const Vec<D>* tlo, Vec<D> (&n)[K],
                          Vec<D> (&l)[K], Vec<D> (&t)[K], Vec<D>* ll = nullptr) {
  const __m512 lo = _mm512_load_ps(kExp2Table32), hi = _mm512_load_ps(kExp2Table32 + 16);
  for (size_t k = 0; k < K; ++k) {
    n[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), hn::Set(d, 0x1.8p18f));
  }
  for (size_t k = 0; k < K; ++k) {
    l[k] = Vec<D>{_mm512_permutex2var_ps(lo, _mm512_castps_si512(n[k].raw), hi)};
  }
  if (ll != nullptr) {
    const __m512 llo = _mm512_load_ps(kExp2Table32Lo), lhi = _mm512_load_ps(kExp2Table32Lo + 16);
    for (size_t k = 0; k < K; ++k) {
      ll[k] = Vec<D>{_mm512_permutex2var_ps(llo, _mm512_castps_si512(n[k].raw), lhi)};
    }
  }
  for (size_t k = 0; k < K; ++k) n[k] = hn::Sub(n[k], hn::Set(d, 0x1.8p18f));
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(n[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(n[k], hn::Set(d, -0x1.05c610p-29f), t[k]);
  if (tlo != nullptr) {
    for (size_t k = 0; k < K; ++k) t[k] = hn::Add(t[k], tlo[k]);
  }
}
// ExpLutPoly on K vectors: l e^t, before the scale 2^floor(n), in place of t.
template <size_t K, class D>
HWY_INLINE void ExpLutPolyN(D d, const Vec<D> (&l)[K], Vec<D> (&t)[K]) {
  Vec<D> p[K];
  for (size_t k = 0; k < K; ++k) {
    p[k] = hn::MulAdd(hn::Set(d, 0x1.000006p-1f), t[k], hn::Set(d, 0x1.0000f6p+0f));
  }
  for (size_t k = 0; k < K; ++k) t[k] = hn::Mul(t[k], l[k]);
  for (size_t k = 0; k < K; ++k) t[k] = hn::MulAdd(t[k], p[k], l[k]);
}
// ExpLutPoly3's polynomial on K vectors: 1 + t (1/2 + t/6) in p, and t l in place of t, so that
// l e^t = t p + l (the callers round that sum with the table's rounding or without it).
template <size_t K, class D>
HWY_INLINE void ExpLutPoly3PartsN(D d, const Vec<D> (&l)[K], Vec<D> (&t)[K], Vec<D> (&p)[K]) {
  for (size_t k = 0; k < K; ++k) {
    p[k] = hn::MulAdd(hn::Set(d, 0x1.555556p-3f), t[k], hn::Set(d, 0.5f));
  }
  for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(p[k], t[k], hn::Set(d, 1.0f));
  for (size_t k = 0; k < K; ++k) t[k] = hn::Mul(t[k], l[k]);
}

// ExpLut32 then ExpLutPoly3 on K vectors, each step across all K before the next, with the sum
// left apart: e^z[k] = (l[k] + r[k]) 2^n[k], n[k] = floor(n), r = l t (1 + t/2 + t^2/6) plus
// the table's rounding (kExp2Table32Lo), so that a product with it, x l + x r, rounds once (l +
// r rounded, and l itself, cost two more roundings of the product), and l + r rounded is e's
// factor within one rounding (relative error 2^-30 before it). tlo, when given, is added to
// the reduced argument (the rounding error of z, carried into e^z).
template <size_t K, class D>
HWY_INLINE void ExpLutPoly3SplitN(D d, const Vec<D> (&z)[K], const Vec<D>* tlo, Vec<D> (&l)[K],
                                  Vec<D> (&r)[K], Vec<D> (&n)[K]) {
  Vec<D> t[K], ll[K];
  ExpLut32N<K>(d, z, tlo, n, l, t, ll);
  ExpLutPoly3PartsN<K>(d, l, t, r);
  for (size_t k = 0; k < K; ++k) r[k] = hn::MulAdd(t[k], r[k], ll[k]);
}
#endif  // AVX-512

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// kExp2Table32's bits less j 2^18: the magic sum of ExpLut32 shifted left by 18 holds k 2^18 (k =
// 32 floor(n) + j), so one integer add gives the bits of kExp2Table32[j] 2^floor(n) where that is
// a normal float, without vscalefps (which issues at half the rate of an FMA on this AVX-512 host,
// measured).
struct Exp2Table32Bits {
  alignas(64) int32_t v[32];
};
inline constexpr Exp2Table32Bits kExp2Table32Bits = [] {
  Exp2Table32Bits b{};
  for (int j = 0; j < 32; ++j) b.v[j] = std::bit_cast<int32_t>(kExp2Table32[j]) - j * (1 << 18);
  return b;
}();
// ln(2^(j/32)/kExp2Table32[j]) to 2^-50: the table's rounding as a shift of the reduced argument.
struct Exp2Table32Ln {
  alignas(64) float v[32];
};
inline constexpr Exp2Table32Ln kExp2Table32Ln = [] {
  Exp2Table32Ln c{};
  for (int j = 0; j < 32; ++j) c.v[j] = kExp2Table32Lo[j] / kExp2Table32[j];
  return c;
}();

// e^z - 1 for z in [-25, 0] on K vectors in place, each step across all K before the next: s =
// 2^(k/32) (k = round(32 z/ln2)) from the table, bits and all (kExp2Table32Bits, one integer add,
// normal for z >= -87), t = z - (k/32) ln2 in one FMA, and e^z - 1 = (s - 1) + s q in one FMA,
// q = e^(t + c) - 1 = t (1 + t (c2 + c3 t)) + c (e^t - 1 to a relative error of 2^-26.1 on |t|
// <= ln2/64, Chebyshev c2), c the table's rounding (kExp2Table32Ln) as Horner's constant: one
// operation fewer than t + c summed first and t + t^2 (c2 + c3 t) (the product c t left out is
// under 2^-31.5). s - 1 is exact for s >= 1/2 (below, it rounds: half
// an ULP of the result, which tanh's quotient multiplies), and where k = 0 the result is the
// polynomial itself, so no cancellation near 0. One step of the reduction suffices here:
// the float ln2 is off by 2^-28.4 relative, which moves e^z by |z| e^z 2^-28.9 at most, under
// 0.03 ULP of e^z - 1 (measured by the exhaustive runs of elu and tanh). A NaN z gives NaN, its
// payload kept where s is not itself a NaN (the quiet NaN without payload: s = 1); the callers
// that must keep every NaN bit select x there themselves. The sign of a zero is not kept (-0
// gives +0).
template <size_t K, class D>
HWY_INLINE void Expm1Lut32N(D d, Vec<D> (&z)[K]) {
  const __m512i lo = _mm512_load_si512(kExp2Table32Bits.v);
  const __m512i hi = _mm512_load_si512(kExp2Table32Bits.v + 16);
  const __m512 clo = _mm512_load_ps(kExp2Table32Ln.v), chi = _mm512_load_ps(kExp2Table32Ln.v + 16);
  Vec<D> vn[K], s[K], c[K], t[K], q[K];
  for (size_t k = 0; k < K; ++k) {
    vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+0f), hn::Set(d, 0x1.8p18f));
  }
  for (size_t k = 0; k < K; ++k) {
    const __m512i vi = _mm512_castps_si512(vn[k].raw);
    s[k] = Vec<D>{_mm512_castsi512_ps(
        _mm512_add_epi32(_mm512_permutex2var_epi32(lo, vi, hi), _mm512_slli_epi32(vi, 18)))};
    c[k] = Vec<D>{_mm512_permutex2var_ps(clo, vi, chi)};
  }
  for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], hn::Set(d, 0x1.8p18f));
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e430p-1f), z[k]);
  for (size_t k = 0; k < K; ++k) {
    q[k] = hn::MulAdd(hn::Set(d, 0x1.555556p-3f), t[k], hn::Set(d, 0x1.00007ap-1f));
  }
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], t[k], hn::Set(d, 1.0f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], t[k], c[k]);
  for (size_t k = 0; k < K; ++k) {
    z[k] = hn::MulAdd(s[k], q[k], hn::Sub(s[k], hn::Set(d, 1.0f)));
  }
}

// The negative side of elu and selu: e^x - 1 from Expm1Lut32N on x clamped at -20 (past it
// e^x - 1 rounds to -1) in m, and in neg the lanes where x < 0 (not NaN, not -0), the only
// lanes whose m the callers use.
template <size_t K, class D>
HWY_INLINE void NegativeExpm1N(D d, const Vec<D> (&v)[K], Vec<D> (&m)[K], __mmask16 (&neg)[K]) {
  for (size_t k = 0; k < K; ++k) m[k] = hn::Max(hn::Set(d, -20.0f), v[k]);
  for (size_t k = 0; k < K; ++k) {
    neg[k] = _mm512_cmp_ps_mask(v[k].raw, _mm512_setzero_ps(), _CMP_LT_OQ);
  }
  Expm1Lut32N<K>(d, m);
}
#endif  // AVX-512

// The 32 pieces of R(a) on [0, max] of the direct forward forms of fast gelu and gelu_tanh
// (x Phi(x) and x sigmoid(2u(x)) = q - R(a) without an exponential), each P(a - c) of degree
// Deg: the piece is floor(a (k1 a + k2)) (widths about 1/(k1 (2a + k2/k1))), piece 0 with c = 0
// and no constant term (tools/fit_polynomials.py direct_pieces). Each row 64-byte aligned, two
// zmm registers.
template <int Deg>
struct DirectTable {
  static constexpr int kDegree = Deg;
  float max, k1, k2;
  alignas(64) float c[32];
  alignas(64) float p[Deg + 1][32];
};

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// q - R(a) on K vectors, every lane, from a DirectTable: a = min(|x|, max) by one vrangeps,
// q = max(-0, x), and R = P(a - c) on the piece floor(a (k1 a + k2)), taken by one FMA rounded
// down (embedded rounding) into the low bits of 2^23 + y, which vpermt2ps reads.
template <size_t K, class D, int Deg>
HWY_INLINE void DirectPiecesN(D d, Vec<D> (&v)[K], const DirectTable<Deg>& table) {
  Vec<D> a[K], u[K], g[K];
  __m512i idx[K];
  for (size_t k = 0; k < K; ++k) {
    a[k] = Vec<D>{_mm512_range_ps(v[k].raw, _mm512_set1_ps(table.max), 10)};
  }
  for (size_t k = 0; k < K; ++k) {
    const Vec<D> t = hn::MulAdd(a[k], hn::Set(d, table.k1), hn::Set(d, table.k2));
    idx[k] = _mm512_castps_si512(_mm512_fmadd_round_ps(t.raw, a[k].raw, _mm512_set1_ps(0x1p23f),
                                                       _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
  }
  const auto tab = [&](const float* c, size_t k) HWY_ATTR {
    return Vec<D>{_mm512_permutex2var_ps(_mm512_load_ps(c), idx[k], _mm512_load_ps(c + 16))};
  };
  for (size_t k = 0; k < K; ++k) u[k] = hn::Sub(a[k], tab(table.c, k));
  for (size_t k = 0; k < K; ++k) g[k] = tab(table.p[Deg], k);
  for (int j = Deg - 1; j >= 0; --j) {
    for (size_t k = 0; k < K; ++k) g[k] = hn::MulAdd(g[k], u[k], tab(table.p[j], k));
  }
  for (size_t k = 0; k < K; ++k) {
    v[k] = hn::Sub(Vec<D>{_mm512_max_ps(_mm512_set1_ps(-0.0f), v[k].raw)}, g[k]);
  }
}
#endif  // AVX-512

// log1p(e)/(2 e/(2 + e)) = atanh(s)/s for s = e/(2 + e), e in [0, 1] (s^2 <= 1/9), as
// 1 + s2 Q(s2): Q of degree 3 fitted for the absolute error of the whole, 2^-27.1 with float32
// coefficients in Horner (least squares on [0, 1/9], reweighted toward the minimax error).
template <class D>
HWY_INLINE Vec<D> FastAtanhQ(D d, Vec<D> s2) {
  Vec<D> q = hn::MulAdd(hn::Set(d, 0x1.1ef192p-3f), s2, hn::Set(d, 0x1.1eb75ap-3f));
  q = hn::MulAdd(q, s2, hn::Set(d, 0x1.99d26ap-3f));
  return hn::MulAdd(q, s2, hn::Set(d, 0x1.5555p-2f));
}

#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
// AVX2: e^z from an 8-entry table of 2^(j/8), one vpermps/vpermd (a 32-entry table takes four
// and three blends here), and a degree-3 polynomial (degree 4 for e^z - 1) on |t| <= ln2/16,
// 2^floor(k/8) joined by one integer add of the magic sum's bits. On this Zen 5 host ymm and zmm
// operations issue at the same rate, so the AVX2 loops pay per element twice what AVX-512 pays
// per operation, and the FMA pipes are the ones these loops fill: FastExpN's degree-6
// polynomial and two-step reduction are 10 FMA-class operations a vector, ExpLut8N's 7, and
// Expm1Lut8N's 7 where FastExpm1N has 10.

// 2^(j/8) rounded, j = 0..7 (kExp2Table32[4 j]), its bits less j 2^20: the magic sum of 8 z/ln2
// (ulp 1) shifted left by 20 holds k 2^20 for k = round(8 z/ln2) = 8 floor(k/8) + j, so one
// integer add gives the bits of 2^(j/8) 2^floor(k/8) where that is a normal float.
struct Exp2Table8Bits {
  alignas(32) int32_t v[8];
};
inline constexpr Exp2Table8Bits kExp2Table8Bits = [] {
  constexpr float t[8] = {0x1p+0f,        0x1.172b84p+0f, 0x1.306fep+0f,  0x1.4bfdaep+0f,
                          0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
  Exp2Table8Bits b{};
  for (int j = 0; j < 8; ++j) b.v[j] = std::bit_cast<int32_t>(t[j]) - j * (1 << 20);
  return b;
}();
// ln(2^(j/8)/t[j]): the table's rounding as a shift of the reduced argument (e^z - 1, whose
// result near -1/2^(1/8) + 1 the table's half ULP would move by up to 8 of its ULPs).
alignas(32) inline constexpr float kExp2Table8Ln[8] = {
    0x0p+0f,         -0x1.9c0c22p-27f, 0x1.125002p-25f,  -0x1.0a3552p-25f,
    0x1.26055cp-26f, 0x1.67a1cap-28f,  -0x1.f9c306p-27f, -0x1.a5217cp-28f};

// The table step shared by ExpLut8N and Expm1Lut8N: k = round(8 z/ln2) by the magic sum (left
// in vn as a float), s = 2^(k/8) from kExp2Table8Bits with 2^floor(k/8) added to its exponent,
// and c the table's rounding (kExp2Table8Ln) where kRounding, else 0.
template <size_t K, bool kRounding, class D>
HWY_INLINE void Lut8Scale(D d, const Vec<D> (&z)[K], Vec<D> (&vn)[K], Vec<D> (&s)[K],
                          Vec<D> (&c)[K]) {
  const __m256i tab = _mm256_load_si256(reinterpret_cast<const __m256i*>(kExp2Table8Bits.v));
  const __m256 cln = _mm256_load_ps(kExp2Table8Ln);
  const Vec<D> magic = hn::Set(d, 0x1.8p23f);
  for (size_t k = 0; k < K; ++k) vn[k] = hn::MulAdd(z[k], hn::Set(d, 0x1.715476p+3f), magic);
  for (size_t k = 0; k < K; ++k) {
    const __m256i vi = _mm256_castps_si256(vn[k].raw);
    s[k] = Vec<D>{_mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_permutevar8x32_epi32(tab, vi), _mm256_slli_epi32(vi, 20)))};
    c[k] = kRounding ? Vec<D>{_mm256_permutevar8x32_ps(cln, vi)} : hn::Zero(d);
  }
  for (size_t k = 0; k < K; ++k) vn[k] = hn::Sub(vn[k], magic);
}

// e^z for z in [-87, 30] on K vectors in place, each step across all K before the next: s =
// 2^(k/8) from kExp2Table8Bits (k = round(8 z/ln2), s normal), t = z - (k/8) ln2 in two FMAs
// (ln2/8 in two floats: one would move e^z by |z| 2^-28.4 relative, 2 ULP at z = -87), and e^z
// = s + s (t (1 + t (c2 + c3 t)) + c), c2 and c3 fitted for the relative error of e^t on |t| <=
// 1.01 ln2/16 (2^-25.1), c the table's rounding (kExp2Table8Ln), taken in as the constant of
// the last FMA but one for the price of its vpermps (kRounding): without it silu forward reached
// 3.87 ULP (AVX2, exhaustive; 3.33 with it), while sigmoid, 2.88 ULP without it, ran 10% slower
// with it (measured). A lane outside [-87, 30] (or NaN) gets a meaningless value without a
// trap: the callers replace it.
template <size_t K, bool kRounding, class D>
HWY_INLINE void ExpLut8N(D d, Vec<D> (&z)[K]) {
  Vec<D> vn[K], s[K], c[K], t[K], p[K];
  Lut8Scale<K, kRounding>(d, z, vn, s, c);
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e43p-4f), z[k]);
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, -0x1.05c61p-32f), t[k]);
  for (size_t k = 0; k < K; ++k) {
    p[k] = hn::MulAdd(hn::Set(d, 0x1.55587p-3f), t[k], hn::Set(d, 0x1.0008a4p-1f));
  }
  for (size_t k = 0; k < K; ++k) p[k] = hn::MulAdd(p[k], t[k], hn::Set(d, 1.0f));
  for (size_t k = 0; k < K; ++k)
    p[k] = kRounding ? hn::MulAdd(t[k], p[k], c[k]) : hn::Mul(t[k], p[k]);
  for (size_t k = 0; k < K; ++k) z[k] = hn::MulAdd(s[k], p[k], s[k]);
}

// e^z - 1 for z in [-25, 0] on K vectors in place, each step across all K before the next: s =
// 2^(k/8) as in ExpLut8N, t = z - (k/8) ln2 in one FMA, and e^z - 1 = (s - 1) + s q, q =
// e^(t + c) - 1 = t (1 + t (c2 + t (c3 + c4 t))) + c, c the table's rounding (kExp2Table8Ln) as
// Horner's constant (no separate sum; the product c t left out is under 2^-29.4), c2..c4 fitted
// for the relative error of e^t - 1 on |t| <= 1.01 ln2/16 (2^-27.4). s - 1 is exact for s >=
// 1/2 (below, half an ULP of the result), and where k = 0 (c = 0) the result is q itself: no
// cancellation near 0. One step
// of the reduction: the float ln2/8 moves e^z by |z| e^z 2^-28.4 at most, under 0.03 ULP of e^z
// - 1 for z >= -25. A lane outside (or NaN) gets a meaningless value, without a trap. The sign
// of a zero is not kept.
template <size_t K, class D>
HWY_INLINE void Expm1Lut8N(D d, Vec<D> (&z)[K]) {
  Vec<D> vn[K], s[K], c[K], t[K], q[K];
  Lut8Scale<K, true>(d, z, vn, s, c);
  for (size_t k = 0; k < K; ++k) t[k] = hn::NegMulAdd(vn[k], hn::Set(d, 0x1.62e43p-4f), z[k]);
  for (size_t k = 0; k < K; ++k) {
    q[k] = hn::MulAdd(hn::Set(d, 0x1.555d38p-5f), t[k], hn::Set(d, 0x1.555c44p-3f));
  }
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], t[k], hn::Set(d, 0.5f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], t[k], hn::Set(d, 1.0f));
  for (size_t k = 0; k < K; ++k) q[k] = hn::MulAdd(q[k], t[k], c[k]);
  for (size_t k = 0; k < K; ++k) {
    z[k] = hn::MulAdd(s[k], q[k], hn::Sub(s[k], hn::Set(d, 1.0f)));
  }
}
#endif  // AVX2
