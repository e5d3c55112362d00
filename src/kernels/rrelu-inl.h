// rrelu: in evaluation a leaky_relu with slope (lower+upper)/2. Training mode draws one slope
// per element and runs in src/dispatch.cc, off the vector path. Included once per SIMD target by the generated activ_kernels-inl.h, inside
// namespace activ::HWY_NAMESPACE::kernels; math-inl.h comes first. D is a double descriptor.
struct rrelu {
  static Args Eval(const Args& a) {
    Args e = a;
    e.p[0] = 0.5 * (a.p[0] + a.p[1]);
    return e;
  }
  template <class D>
  static Vec<D> Forward(D d, Vec<D> x, const Args& a) { return leaky_relu::Forward(d, x, Eval(a)); }
  template <class D>
  static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return leaky_relu::Backward(d, x, dy, Eval(a));
  }
};
