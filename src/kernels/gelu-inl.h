// gelu: x*Phi(x), Phi the standard normal CDF. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
// float64: Phi(x) = erfc(-x/sqrt 2)/2 through the C library's erfc, lane by lane (a vector erfc
// accurate to a few double ULP is not written yet). In the lower tail the rounding of
// z = -x/sqrt 2 would cost about 2 z^2 double ULP; the first-order term -dz * 2/sqrt(pi) *
// e^(-z^2) gives it back. float32: in vectors, see NormalTail.
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
  // e^(-x^2/2) for x clamped to [-40, 40]. x^2 is split exactly (x*x = xx + err) because
  // e^(-x^2/2) amplifies its rounding by x^2/2 in the tails.
  template <class D>
  static Vec<D> HalfGaussian(D d, Vec<D> xc) {
    const Vec<D> xx = hn::Mul(xc, xc);
    const Vec<D> err = hn::MulSub(xc, xc, xx);
    const Vec<D> half = hn::Set(d, 0.5);
    const Vec<D> e = Exp(d, hn::Neg(hn::Mul(half, xx)));
    return hn::Mul(e, hn::NegMulAdd(half, err, hn::Set(d, 1.0)));
  }

  // float32 results: erfc(|x|/sqrt 2)/2 = e^(-x^2/2) g(t)/2 with t = |x|/sqrt 2 and g(t) =
  // e^(t^2) erfc(t), which is smooth and within [0.05, 1] on [0, 15/sqrt 2]: a polynomial of
  // degree 15 in y = (t - 4)/(t + 4), interpolated at Chebyshev nodes, gives it within 2^-40.1
  // relative (tools/fit_polynomials.py). Past |x| = 15 (t is clamped) the tail is below 1e-50,
  // far under the float32 range, so only its size matters. gauss = HalfGaussian(xc).
  template <class D>
  static Vec<D> NormalTail(D d, Vec<D> x, Vec<D> gauss) {
    static constexpr double kG[16] = {
        0x1.18932bf08e6c2p-3,  -0x1.0949227373be5p-2, 0x1.bff01a5f30f65p-3,
        -0x1.506666f74413bp-3, 0x1.be502c5810005p-4,  -0x1.027d56ff89c29p-4,
        0x1.0066dcd8511bdp-5,  -0x1.a4df0077c233ep-7, 0x1.0a18b5181684fp-8,
        -0x1.a2dff516b9832p-11, -0x1.6d831ad4651eap-16, 0x1.4848f7f6ed6dep-14,
        -0x1.86a6adb9bfb22p-16, -0x1.4f1970c95f949p-20, 0x1.3fdb08514d585p-18,
        0x1.f62a94d8ce101p-21,
    };
    const Vec<D> t =
        hn::Mul(hn::Min(hn::Abs(x), hn::Set(d, 15.0)), hn::Set(d, 0x1.6a09e667f3bcdp-1));
    const Vec<D> four = hn::Set(d, 4.0);
    const Vec<D> y = hn::Div(hn::Sub(t, four), hn::Add(t, four));
    return hn::Mul(hn::Mul(hn::Set(d, 0.5), gauss), PolyEstrin(d, y, kG));
  }

  // Phi(x) from the tail erfc(|x|/sqrt 2)/2: the tail itself below 0, 1 minus it above.
  template <class D>
  static Vec<D> Cdf(D d, Vec<D> x, Vec<D> gauss) {
    const Vec<D> tail = NormalTail(d, x, gauss);
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), tail, hn::Sub(hn::Set(d, 1.0), tail));
  }

  template <class D>
  static Vec<D> Clamp40(D d, Vec<D> x) {
    return hn::Min(hn::Max(x, hn::Set(d, -40.0)), hn::Set(d, 40.0));
  }

  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    if constexpr (kForFloat32) {
      return MulProbability(d, x, Cdf(d, x, HalfGaussian(d, Clamp40(d, x))));
    }
    return MulProbability(d, x, Lanewise(d, x, NormalCdf));
  }
  // gelu'(x) = Phi(x) + x*phi(x).
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> xc = Clamp40(d, x);
    const Vec<D> gauss = HalfGaussian(d, xc);
    const Vec<D> pdf = hn::Mul(gauss, hn::Set(d, 0.3989422804014327));
    Vec<D> cdf;
    if constexpr (kForFloat32) {
      cdf = Cdf(d, x, gauss);
    } else {
      cdf = Lanewise(d, x, NormalCdf);
    }
    return hn::Mul(dy, hn::MulAdd(xc, pdf, cdf));
  }
};
