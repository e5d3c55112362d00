// gelu: x*Phi(x), Phi the standard normal CDF. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
// Phi(x) = erfc(-x/sqrt 2)/2 through the C library's erfc, lane by lane: the vector erfc is not
// written yet (docs/PERFORMANCE.md). In the lower tail the rounding of z = -x/sqrt 2 would cost
// about 2 z^2 double ULP; the first-order term -dz * 2/sqrt(pi) * e^(-z^2) gives it back.
inline double NormalCdf(double x) {
  const double kInvSqrt2 = 0x1.6a09e667f3bcdp-1;
  const double kInvSqrt2Lo = -0x1.bdd3413b26456p-55;  // 1/sqrt 2 - kInvSqrt2
  const double z = -x * kInvSqrt2;
  const double dz = std::fma(-x, kInvSqrt2, -z) + (-x) * kInvSqrt2Lo;
  double e = std::erfc(z);
  // Past z = 27 erfc underflows; an infinite z has no rounding to repair.
  if (z > 0.5 && z < 28.0) e -= dz * 0x1.20dd750429b6dp+0 * std::exp(-z * z);
  return 0.5 * e;
}

struct gelu {
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    return MulProbability(d, x, Lanewise(d, x, NormalCdf));
  }
  // gelu'(x) = Phi(x) + x*phi(x). x^2 is split exactly (x*x = xx + err) because e^(-x^2/2)
  // amplifies its rounding by x^2/2 in the tails.
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Set(d, -40.0)), hn::Set(d, 40.0));
    const Vec<D> xx = hn::Mul(xc, xc);
    const Vec<D> err = hn::MulSub(xc, xc, xx);
    const Vec<D> half = hn::Set(d, 0.5);
    Vec<D> pdf = Exp(d, hn::Neg(hn::Mul(half, xx)));
    pdf = hn::Mul(hn::Mul(pdf, hn::NegMulAdd(half, err, hn::Set(d, 1.0))),
                  hn::Set(d, 0.3989422804014327));
    const Vec<D> cdf = Lanewise(d, x, NormalCdf);
    return hn::Mul(dy, hn::MulAdd(xc, pdf, cdf));
  }
};
