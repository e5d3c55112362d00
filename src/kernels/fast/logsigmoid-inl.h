// logsigmoid, fast (Accuracy::fast). Forward: -softplus(-x), the fast softplus's forward pass
// (beta 1, no threshold) on -x, negated: the same log1p form, max(-x, 0) + log1p(e^-|x|), a sum of
// two nonnegative terms, with its tail e^-x rounded once into the subnormals (AVX-512's scalef,
// SplitScale3 elsewhere), and the same error as softplus at -x (negation is exact). Below x =
// -16.7 the sum rounds to x by itself (no threshold is applied). Backward: dy sigmoid(-x). Common
// path (|x| <= 87 on every lane, so e = e^-|x| is normal): q = 1/(1 + e), sigmoid(-x) is q for x <=
// 0 and e q for x > 0, one rounding each, and the product with dy rounds once more (e q <= 1/2 is
// normal, so at most once into the subnormals). Other vectors (tails, infinities, NaN) take the
// faithful kernel. The softplus kernel is included here (the unit of logsigmoid includes only its
// own fast file).
#include "fast/softplus-inl.h"

struct logsigmoid {
  static constexpr bool kForwardKeepsNaN = softplus::kForwardKeepsNaN;
  // softplus's parameters: beta 1, and a threshold no t exceeds (its test is left out).
  static Args SoftplusArgs() {
    Args s;
    s.p[0] = 1.0;
    s.p[1] = INFINITY;
    return s;
  }
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Forward on K vectors (see HasForwardN): softplus's ForwardN on -x. A NaN x is negated (its
  // sign bit flipped), kept by softplus as its quiet form, and negated back: kForwardKeepsNaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardN(D d, Vec<D> (&v)[K], const Args&) {
    for (size_t k = 0; k < K; ++k) v[k] = hn::Neg(v[k]);
    softplus::ForwardN<K>(d, v, SoftplusArgs());
    for (size_t k = 0; k < K; ++k) v[k] = hn::Neg(v[k]);
  }
#else
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return hn::Neg(softplus::Forward(d, hn::Neg(x), SoftplusArgs()));
  }
#endif
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // Backward on K vectors (see HasBackwardN): the common path with its steps interleaved across
  // the K, or, where a lane of one of them leaves it, Backward on each with NaN passed through.
  template <size_t K, class D>
  HWY_INLINE static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& a) {
    Vec<D> z[K], vn[K], l[K], t[K], p[K];
    for (size_t k = 0; k < K; ++k) z[k] = hn::Or(x[k], hn::SignBit(d));
    if (HWY_UNLIKELY(!AllAtLeast<K>(d, z, kFastExpMin))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, a); });
      return;
    }
    ExpLut32N<K>(d, z, nullptr, vn, l, t);
    ExpLutPolyN<K>(d, l, t);
    for (size_t k = 0; k < K; ++k) p[k] = ScaleF(t[k], vn[k]);
    for (size_t k = 0; k < K; ++k) {
      t[k] = hn::Div(hn::Set(d, 1.0f), hn::Add(p[k], hn::Set(d, 1.0f)));
    }
    for (size_t k = 0; k < K; ++k) {
      dy[k] = hn::Mul(dy[k], hn::IfThenElse(hn::Gt(x[k], hn::Zero(d)), hn::Mul(p[k], t[k]), t[k]));
    }
  }
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // AVX2, backward on K vectors: e = e^-|x| from the 8-entry table (ExpLut8N) where every lane
  // of the K has -|x| >= -87, and one quotient, (x > 0 ? dy e : dy)/(1 + e): three roundings
  // after e's, where the one-vector form before it (FastExpCommon's degree-6 polynomial, then
  // 1/(1 + e), e q and the product) took four, and twice the operations. dy e <= |dy| cannot
  // overflow, and where it lands in the subnormals the quotient (at least half of it) is there
  // too. A NaN dy makes the numerator its quiet form, as Map passes it; a vector with a NaN x or
  // a lane below -87 takes Backward on each vector (the faithful kernel on those lanes).
  template <size_t K, class D>
  HWY_INLINE static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& a) {
    Vec<D> e[K];
    for (size_t k = 0; k < K; ++k) e[k] = hn::Or(x[k], hn::SignBit(d));
    if (HWY_UNLIKELY(!AllAtLeast<K>(d, e, kFastExpMin))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, a); });
      return;
    }
    CommonN<K>(d, x, e, dy);
  }
  // The common path on K vectors, e = -|x| on entry (at least -87 on the lanes that keep it).
  // Backward takes it too, so that an element's value is the same in a block, a tail, or beside
  // a lane out of range.
  template <size_t K, class D>
  HWY_INLINE static void CommonN(D d, const Vec<D> (&x)[K], Vec<D> (&e)[K], Vec<D> (&dy)[K]) {
    ExpLut8N<K, false>(d, e);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> num = hn::IfThenElse(hn::Gt(x[k], hn::Zero(d)), hn::Mul(dy[k], e[k]), dy[k]);
      dy[k] = hn::Div(num, hn::Add(e[k], hn::Set(d, 1.0f)));
    }
  }
#endif
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    const Vec<D> z = hn::Or(x, hn::SignBit(d));
    return PerLane(
        d, hn::Ge(z, hn::Set(d, kFastExpMin)),
        [&]() HWY_ATTR {
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
          const Vec<D> xs[1] = {x};
          Vec<D> e[1] = {z}, g[1] = {dy};
          CommonN<1>(d, xs, e, g);
          return g[0];
#else
          const Vec<D> e = FastExpCommon(d, z);
          const Vec<D> q = hn::Div(hn::Set(d, 1.0f), hn::Add(e, hn::Set(d, 1.0f)));
          return hn::Mul(dy, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(e, q), q));
#endif
        },
        [&]() HWY_ATTR { return f32::logsigmoid::Backward(d, x, dy, a); });
  }
};
