// tanhshrink: x - tanh x. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
// Near 0, x - tanh x ~ x^3/3 cancels: below |x| = 1/2 it is summed from the Taylor series
// instead. tanh = sum a_k x^(2k+1) satisfies t' = 1 - t^2, so (2k+1) a_k = -sum_{i+j=k-1} a_i a_j.
struct tanhshrink {
  static constexpr int kTerms = 18;
  struct Series {
    double c[kTerms];  // x - tanh x = x^3 * sum c[k] (x^2)^k
  };
  static constexpr Series MakeSeries() {
    double a[kTerms + 1] = {1.0};
    for (int k = 1; k <= kTerms; ++k) {
      double s = 0;
      for (int i = 0; i <= k - 1; ++i) s += a[i] * a[k - 1 - i];
      a[k] = -s / (2 * k + 1);
    }
    Series out{};
    for (int k = 0; k < kTerms; ++k) out.c[k] = -a[k + 1];
    return out;
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    static constexpr Series kSeries = MakeSeries();
    const Vec<D> x2 = hn::Mul(x, x);
    const Vec<D> small = hn::Mul(hn::Mul(x2, x), Poly(d, x2, kSeries.c));
    const Vec<D> large = hn::Sub(x, Tanh(d, x));
    return hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 0.5)), small, large);
  }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> t = Tanh(d, x);
    return hn::Mul(dy, hn::Mul(t, t));
  }
};
