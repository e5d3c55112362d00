// Loading float32 or float64 arrays as double vectors and storing them back, whole vectors and
// tails. Included once per SIMD target inside namespace activ::HWY_NAMESPACE, after
// `namespace hn = hwy::HWY_NAMESPACE`, by src/rowwise.cc and src/gated.cc.
//
// float32 is promoted on load and rounded once on store, so that every float32 result is one
// rounding of a double computation.

template <typename T>
HWY_INLINE hn::Vec<hn::ScalableTag<double>> LoadAs(hn::ScalableTag<double> d, const T* p) {
  if constexpr (sizeof(T) == 4) {
    return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, decltype(d)>(), p));
  } else {
    return hn::LoadU(d, p);
  }
}

template <typename T>
HWY_INLINE void StoreAs(hn::ScalableTag<double> d, hn::Vec<decltype(d)> v, T* p) {
  if constexpr (sizeof(T) == 4) {
#if HWY_TARGET == HWY_SCALAR
    // Highway's scalar DemoteTo clamps to the float range; IEEE conversion rounds past
    // FLT_MAX to infinity, as the SIMD targets do.
    *p = static_cast<float>(hn::GetLane(v));
#else
    const hn::Rebind<float, decltype(d)> df;
    hn::StoreU(hn::DemoteTo(df, v), df, p);
#endif
  } else {
    hn::StoreU(v, d, p);
  }
}

// The first n < Lanes(d) elements of p, the other lanes set to `fill`; reads nothing past p + n.
template <typename T>
HWY_INLINE hn::Vec<hn::ScalableTag<double>> LoadTail(hn::ScalableTag<double> d, const T* p,
                                                     size_t n, T fill) {
  HWY_ALIGN T buf[hn::MaxLanes(d)];
  for (size_t i = 0; i < hn::MaxLanes(d); ++i) buf[i] = i < n ? p[i] : fill;
  return LoadAs(d, buf);
}

// Stores the first n < Lanes(d) lanes of v; writes nothing past p + n.
template <typename T>
HWY_INLINE void StoreTail(hn::ScalableTag<double> d, hn::Vec<decltype(d)> v, T* p, size_t n) {
  HWY_ALIGN T buf[hn::MaxLanes(d)];
  StoreAs(d, v, buf);
  for (size_t i = 0; i < n; ++i) p[i] = buf[i];
}
