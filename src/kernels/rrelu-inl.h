// rrelu: in evaluation a leaky_relu with slope (lower+upper)/2. Training mode draws one slope
// per element and runs in src/api/elementwise.cc, off the vector path. Included by the
// operation's unit (src/simd/op_unit-inl.h) once per SIMD target, inside namespaces
// kernels::f64 and kernels::f32; math-inl.h comes first. D is a double descriptor, or a float
// one for the float-lane overloads.
struct rrelu {
  // float32 arrays on FMA targets: float lanes, no rare path.
  static constexpr bool kFloatLanes = true;
  // NaN: Gt is false, and every Scale of NaN is NaN.
  static constexpr bool kForwardKeepsNaN = true;
  static Args Eval(const Args& a) {
    Args e = a;
    e.p[0] = 0.5 * (a.p[0] + a.p[1]);
    return e;
  }
  // The slope (lower + upper)/2 as head + tail in type T, the head rounded toward zero so that
  // the tail has its sign (or is 0): then v*head and v*tail are infinities of the same sign for
  // an infinite v, and their sum is no NaN. The tail is within 2^-24 (float) or 2^-53 (double)
  // of the rest of the slope, whose size is below one ULP of the head.
  template <typename T>
  struct Slope {
    T hi, lo;
  };
  template <typename T>
  static Slope<T> SlopeOf(const Args& a) {
    if constexpr (std::is_same_v<T, float>) {
      // Two floats sum exactly in double for exponents up to 29 apart; beyond, the double
      // rounding is 2^-53 of the slope.
      const double s = 0.5 * (a.p[0] + a.p[1]);
      // One step toward zero by the bits (no libm call, so the compiler hoists it from the
      // loop over the vectors).
      float hi = static_cast<float>(s);
      if (std::fabs(static_cast<double>(hi)) > std::fabs(s)) {
        hi = std::bit_cast<float>(std::bit_cast<uint32_t>(hi) - 1u);
      }
      return {hi, static_cast<float>(s - static_cast<double>(hi))};
    } else {
      // The halves first, so that the sum cannot overflow; their two-sum is exact.
      const double h0 = 0.5 * a.p[0], h1 = 0.5 * a.p[1];
      double hi = h0 + h1;
      const double bb = hi - h0;
      double lo = (h0 - (hi - bb)) + (h1 - bb);
      if (lo != 0 && std::signbit(lo) != std::signbit(hi)) {
        // One step toward zero moves the difference into the tail (rounded: 2^-53 of it).
        const double t = std::bit_cast<double>(std::bit_cast<uint64_t>(hi) - 1u);
        lo += hi - t;
        hi = t;
      }
      return {hi, lo};
    }
  }
  // The slope's split in the lane type of the float-lane (f32) or float64 kernels, in p[2] and
  // p[3] (in evaluation mode the flag and the seed of training, which the kernels do not read),
  // worked out once per call.
  using LaneT = std::conditional_t<kForFloat32, float, double>;
  static Args Prepare(const Args& a) {
    Args e = a;
    const Slope<LaneT> s = SlopeOf<LaneT>(a);
    e.p[2] = static_cast<double>(s.hi);
    e.p[3] = static_cast<double>(s.lo);
    return e;
  }
  // v (hi + lo) rounded once but for the rounding of v*lo (2^-46 of the result in float), FMA
  // targets. Where v*lo underflows its rounding error is below half the smallest subnormal:
  // within 1 ULP still. Zeros keep the sign of the product (-0*s + -0*t = -0).
  template <class D>
  HWY_INLINE static Vec<D> MulSlope(D d, Vec<D> v, const Args& a) {
    using T = hn::TFromD<D>;
    const Vec<D> hi = hn::Set(d, static_cast<T>(a.p[2]));
    if (a.p[3] == 0) return hn::Mul(v, hi);
    return hn::MulAdd(v, hi, hn::Mul(v, hn::Set(d, static_cast<T>(a.p[3]))));
  }
  // v * (lower+upper)/2 for float64 results without FMA. The slope rounded to double and then the
  // product are two roundings (0.93 ULP with lower = 0.1, upper = 0.3); the slope is kept as the
  // exact pair sh + sl (halves first, so that the sum cannot overflow) and v*sh as an exact
  // product, leaving one rounding. The product's error term would underflow near the subnormal
  // range, and without FMA the split of |v| > 2^996 overflows, so |v| < 2^-900 is scaled by
  // 2^128 and |v| > 2^900 by 2^-128 first: a normal result is then scaled back exactly; a
  // result on the subnormal grid (below 2^-1021) is the product rounded there directly plus the
  // rest rounded to the same grid, so the sum is exact. Zero products (the sign of -0) and
  // infinite ones (whose error term is NaN) are the plain product.
  template <class D>
  HWY_INLINE static Vec<D> ScaleBySlope(D d, Vec<D> v, const Args& a) {
    const double h0 = 0.5 * a.p[0], h1 = 0.5 * a.p[1];
    const double sh = h0 + h1;
    const double bb = sh - h0;
    const double sl = (h0 - (sh - bb)) + (h1 - bb);
    const Vec<D> vsh = hn::Set(d, sh);
    const Vec<D> plain = hn::Mul(v, vsh);
    const Vec<D> av = hn::Abs(v);
    const auto tiny = hn::And(hn::Lt(av, hn::Set(d, 0x1p-900)), hn::Ne(v, hn::Zero(d)));
    const auto huge = hn::Gt(av, hn::Set(d, 0x1p900));
    const auto keep_plain = [&](Vec<D> y) {
      return hn::IfThenElse(hn::Or(hn::Eq(plain, hn::Zero(d)), hn::IsNaN(y)), plain, y);
    };
    // The scaling costs more than the product; most vectors need none of it.
    if (hn::AllFalse(d, hn::Or(tiny, huge))) {
      const Pair<D> p = TwoProd(d, v, vsh);
      return keep_plain(hn::Add(p.hi, hn::MulAdd(v, hn::Set(d, sl), p.lo)));
    }
    const Vec<D> one = hn::Set(d, 1.0);
    const Vec<D> up =
        hn::IfThenElse(tiny, hn::Set(d, 0x1p128), hn::IfThenElse(huge, hn::Set(d, 0x1p-128), one));
    const Vec<D> down =
        hn::IfThenElse(tiny, hn::Set(d, 0x1p-128), hn::IfThenElse(huge, hn::Set(d, 0x1p128), one));
    const Vec<D> vs = hn::Mul(v, up);
    const Pair<D> p = TwoProd(d, vs, vsh);
    const Vec<D> c = hn::MulAdd(vs, hn::Set(d, sl), p.lo);
    const Vec<D> rest = hn::Add(hn::Sub(p.hi, hn::Mul(plain, up)), c);
    const Vec<D> sub = hn::MulAdd(rest, down, plain);
    const Vec<D> y = hn::IfThenElse(hn::Lt(hn::Abs(plain), hn::Set(d, 0x1p-1021)), sub,
                                    hn::Mul(hn::Add(p.hi, c), down));
    return keep_plain(y);
  }
  // v times the slope: float lanes and FMA targets through MulSlope, the others as before.
  template <class D>
  HWY_INLINE static Vec<D> Scale(D d, Vec<D> v, const Args& a) {
    if constexpr (kIsF32Lanes<D> || (!kForFloat32 && HWY_NATIVE_FMA)) {
      // Prepare's split, made for these lanes: float lanes only in kernels::f32, double
      // lanes here only in kernels::f64.
      static_assert(std::is_same_v<hn::TFromD<D>, LaneT>);
      return MulSlope(d, v, a);
    } else if constexpr (kForFloat32) {
      return hn::Mul(v, hn::Set(d, Eval(a).p[0]));
    } else {
      return ScaleBySlope(d, v, a);
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args& a) {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, Scale(d, x, a));
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args& a) {
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy, Scale(d, dy, a));
  }
};
