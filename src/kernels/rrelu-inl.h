// rrelu: in evaluation a leaky_relu with slope (lower+upper)/2. Training mode draws one slope
// per element and runs in src/dispatch.cc, off the vector path. Included once per SIMD target by
// the generated activ_kernels-inl.h, inside namespace activ::HWY_NAMESPACE::kernels; math-inl.h
// comes first. D is a double descriptor.
struct rrelu {
  static Args Eval(const Args& a) {
    Args e = a;
    e.p[0] = 0.5 * (a.p[0] + a.p[1]);
    return e;
  }
  // v * (lower+upper)/2 for float64 results. The slope rounded to double and then the product
  // are two roundings (0.93 ULP with lower = 0.1, upper = 0.3); the slope is kept as the exact
  // pair sh + sl (halves first, so that the sum cannot overflow) and v*sh as an exact product,
  // leaving one rounding. Zero products (the sign of -0) and infinite ones (whose error term
  // is NaN) are the plain product.
  template <class D>
  static Vec<D> ScaleBySlope(D d, Vec<D> v, const Args& a) {
    const double h0 = 0.5 * a.p[0], h1 = 0.5 * a.p[1];
    const double sh = h0 + h1;
    const double bb = sh - h0;
    const double sl = (h0 - (sh - bb)) + (h1 - bb);
    const Pair<D> p = TwoProd(d, v, hn::Set(d, sh));
    const Vec<D> y = hn::Add(p.hi, hn::MulAdd(v, hn::Set(d, sl), p.lo));
    return hn::IfThenElse(hn::Or(hn::Eq(p.hi, hn::Zero(d)), hn::IsNaN(y)), p.hi, y);
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    if constexpr (kForFloat32) {
      return leaky_relu::Forward(d, x, Eval(a));
    } else {
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, ScaleBySlope(d, x, a));
    }
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    if constexpr (kForFloat32) {
      return leaky_relu::Backward(d, x, dy, Eval(a));
    } else {
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, ScaleBySlope(d, dy, a));
    }
  }
};
