// sigmoid, fast (Accuracy::fast): e = e^-|x| = p 2^n (math_fast-inl.h), 1/(1 + e) by reciprocal
// and one Newton step, then 1/(1 + e) for x >= 0 and p/(1 + e) 2^n for x < 0, the 2^n applied
// in two factors so that results down to 2^-149 (x near -103.97) round once instead of
// flushing. |x| is clamped at 104, beyond which the result rounds to 0 or 1 anyway.
struct sigmoid {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // e = e^-|x| from the table, f = e/(1 + e) = sigmoid(-|x|), and 1 - f for x > 0 (f <= 1/2,
    // so the subtraction adds half an ULP). -|x| is clamped at -105 for the infinities (the
    // result rounds to 0 there); Max keeps a NaN (its second operand) for the pass-through.
    const Vec<D> z = hn::Max(hn::Set(d, -105.0f), hn::Or(x, hn::SignBit(d)));
    const ExpLutF<D> el = ExpLut32(d, z);
    const Vec<D> e = ScaleF(ExpLutPoly(d, el), el.n);
    const Vec<D> f = FastQuot(e, hn::Add(e, hn::Set(d, 1.0f)));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Sub(hn::Set(d, 1.0f), f), f);
#else
    const Vec<D> t = hn::Max(hn::Neg(hn::Abs(x)), hn::Set(d, -104.0f));
    const ExpSplitF<D> e = FastExpSplit(d, t, hn::Zero(d));
    const Scale2F<D> s = SplitScale2(d, e.n);
    const Vec<D> den = hn::Add(hn::Set(d, 1.0f), hn::Mul(hn::Mul(e.p, s.s1), s.s2));
    const Vec<D> q = FastRecip(d, den);
    const Vec<D> neg = hn::Mul(hn::Mul(hn::Mul(e.p, q), s.s1), s.s2);
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, q);
#endif
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    return FastSigmoidSlope(d, x, dy);
  }
};
