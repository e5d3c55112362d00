// Loading arrays of every element type (float32, float64, bfloat16, float16) as double vectors
// and storing them back, whole vectors and tails. Included once per SIMD target inside a
// namespace of activ::HWY_NAMESPACE, after `namespace hn = hwy::HWY_NAMESPACE` and the aliases
// D (ScalableTag<double>) and V, by src/simd/op_unit-inl.h and src/simd/rowwise_unit-inl.h.
//
// float32 is promoted on load and rounded once on store, so that every float32 result is one
// rounding of a double computation; a 16-bit result is that float32 result rounded once more.

// 16-bit storage. Conversions are written out (round to nearest even, NaN kept quiet) because
// Highway 1.0.3 truncates when it narrows to bfloat16, and so does its float16 emulation
// without F16C; every target must give the same bits. AVX2 and AVX-512 use F16C for float16.
using DF = hn::Rebind<float, D>;
using DU16 = hn::Rebind<uint16_t, D>;
using DU32 = hn::Rebind<uint32_t, D>;
using DI32 = hn::Rebind<int32_t, D>;

HWY_INLINE hn::Vec<DF> Bf16ToF32(hn::Vec<DU16> h) {
  return hn::BitCast(DF(), hn::ShiftLeft<16>(hn::PromoteTo(DU32(), h)));
}

// For any float descriptor: the float-lane kernels store full float vectors. In unsigned lanes,
// so that the logical shift leaves the 16 bits alone and no mask is needed: in a float-lane
// kernel these integer operations share the vector pipes with its arithmetic (a bfloat16
// sigmoid ran at 0.68 ns per element against 0.46 for float32, with 13 operations here).
// On AVX-512 CPUs with AVX512_BF16 (Zen 4, Cooper Lake, Sapphire Rapids), full vectors take
// VCVTNEPS2BF16, one instruction that rounds to nearest even and quiets NaN as the integer path
// does, bit for bit, but reads float32 subnormals as zero: a vector with a subnormal lane (one
// class test) takes the integer path. Highway 1.0.3 has no target for the extension and GCC
// will not inline an intrinsic of it into the AVX3 target's code, hence the inline assembly
// and the runtime check (a bit of libgcc's CPU model, read once per vector).
template <class DF32>
HWY_INLINE hn::Vec<hn::Rebind<uint16_t, DF32>> F32ToBf16Lanes([[maybe_unused]] DF32 df,
                                                              hn::Vec<DF32> f) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3 && defined(__GNUC__)
  if constexpr (hn::MaxLanes(df) == 16) {
    if (__builtin_cpu_supports("avx512bf16") && _mm512_fpclass_ps_mask(f.raw, 0x20) == 0) {
      __m256i r;
      asm("vcvtneps2bf16 %1, %0" : "=v"(r) : "v"(f.raw));
      return hn::Vec<hn::Rebind<uint16_t, DF32>>{r};
    }
  }
#endif
  const hn::RebindToUnsigned<DF32> du;
  const auto u = hn::BitCast(du, f);
  // Adding 0x7FFF plus the lowest kept bit rounds to nearest even; a carry into the exponent
  // is the right result, up to infinity. A NaN keeps its sign and top payload, made quiet.
  const auto odd = hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1));
  const auto rounded = hn::Add(u, hn::Add(hn::Set(du, 0x7FFF), odd));
  const auto r =
      hn::IfThenElse(hn::RebindMask(du, hn::IsNaN(f)), hn::Or(u, hn::Set(du, 0x400000)), rounded);
  return hn::TruncateTo(hn::Rebind<uint16_t, DF32>(), hn::ShiftRight<16>(r));
}

HWY_INLINE hn::Vec<DU16> F32ToBf16(hn::Vec<DF> f) { return F32ToBf16Lanes(DF(), f); }

HWY_INLINE hn::Vec<DF> F16ToF32(hn::Vec<DU16> h) {
#if HWY_TARGET <= HWY_AVX2
  return hn::PromoteTo(DF(), hn::BitCast(hn::Rebind<hwy::float16_t, D>(), h));
#else
  const DI32 di;
  const DF df;
  const auto w = hn::BitCast(di, hn::PromoteTo(DU32(), h));
  const auto sign = hn::ShiftLeft<16>(hn::And(w, hn::Set(di, 0x8000)));
  const auto em = hn::And(w, hn::Set(di, 0x7FFF));
  const auto exponent = hn::ShiftRight<10>(em);
  const auto normal = hn::Add(hn::ShiftLeft<13>(em), hn::Set(di, (127 - 15) << 23));
  const auto inf_nan = hn::Or(hn::ShiftLeft<13>(em), hn::Set(di, 0x7F800000));
  // Subnormals (and zero) are em * 2^-24, exact in float.
  const auto sub = hn::BitCast(di, hn::Mul(hn::ConvertTo(df, em), hn::Set(df, 0x1p-24f)));
  auto r = hn::IfThenElse(hn::Eq(exponent, hn::Set(di, 31)), inf_nan, normal);
  r = hn::IfThenElse(hn::Eq(exponent, hn::Zero(di)), sub, r);
  return hn::BitCast(df, hn::Or(r, sign));
#endif
}

HWY_INLINE hn::Vec<DU16> F32ToF16(hn::Vec<DF> f) {
#if HWY_TARGET <= HWY_AVX2
  return hn::BitCast(DU16(), hn::DemoteTo(hn::Rebind<hwy::float16_t, D>(), f));
#else
  const DI32 di;
  const DF df;
  const auto b = hn::BitCast(di, f);
  const auto sign = hn::And(hn::ShiftRight<16>(b), hn::Set(di, 0x8000));
  const auto a = hn::And(b, hn::Set(di, 0x7FFFFFFF));
  // Normal results: rebias the exponent and round to nearest even at bit 13.
  const auto v = hn::Sub(a, hn::Set(di, 0x38000000));
  const auto odd = hn::And(hn::ShiftRight<13>(v), hn::Set(di, 1));
  const auto normal = hn::ShiftRight<13>(hn::Add(v, hn::Add(hn::Set(di, 0xFFF), odd)));
  // Subnormal results: adding 0.5 puts the spacing of the float at 2^-24, the subnormal step of
  // float16, and the float addition rounds to nearest even.
  const auto sub = hn::Sub(hn::BitCast(di, hn::Add(hn::BitCast(df, a), hn::Set(df, 0.5f))),
                           hn::Set(di, 0x3F000000));
  auto r = hn::IfThenElse(hn::Lt(a, hn::Set(di, 0x38800000)), sub, normal);
  r = hn::IfThenElse(hn::Gt(a, hn::Set(di, 0x477FEFFF)), hn::Set(di, 0x7C00), r);
  const auto nan = hn::Or(hn::And(hn::ShiftRight<13>(a), hn::Set(di, 0x3FF)), hn::Set(di, 0x7E00));
  r = hn::IfThenElse(hn::Gt(a, hn::Set(di, 0x7F800000)), nan, r);
  return hn::DemoteTo(DU16(), hn::Or(r, sign));
#endif
}

template <typename T>
HWY_INLINE V LoadAs(D d, const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    return hn::PromoteTo(d, hn::LoadU(DF(), p));
  } else if constexpr (std::is_same_v<T, double>) {
    return hn::LoadU(d, p);
  } else {
    const auto h = hn::LoadU(DU16(), reinterpret_cast<const uint16_t*>(p));
    if constexpr (std::is_same_v<T, bfloat16>) {
      return hn::PromoteTo(d, Bf16ToF32(h));
    } else {
      return hn::PromoteTo(d, F16ToF32(h));
    }
  }
}

HWY_INLINE hn::Vec<DF> DemoteToFloat(V v) {
#if HWY_TARGET == HWY_SCALAR
  // Highway's scalar DemoteTo clamps to the float range; IEEE conversion rounds past FLT_MAX to
  // infinity, as the SIMD targets do.
  return hn::Set(DF(), static_cast<float>(hn::GetLane(v)));
#else
  return hn::DemoteTo(DF(), v);
#endif
}

// Whether this target streams: Highway's scalar and emulated targets store plainly anyway.
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
inline constexpr bool kCanStream = true;
#else
inline constexpr bool kCanStream = false;
#endif

// Stores v at p; where `stream`, with a non-temporal store, p then aligned to the vector's
// bytes (src/simd/streaming.h says when). Highway's Stream writes 16 bytes for a vector of 4 or
// 8 (the float32 or 16-bit results of double lanes on SSE4 and AVX2): those take MOVNTI.
template <class DS>
HWY_INLINE void StoreVec(DS d, hn::Vec<DS> v, hn::TFromD<DS>* p, [[maybe_unused]] bool stream) {
  [[maybe_unused]] constexpr size_t kBytes = hn::MaxLanes(d) * sizeof(hn::TFromD<DS>);
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  if (stream) {
    if constexpr (kBytes >= 16) {
      const hn::RebindToUnsigned<DS> du;
      hn::Stream(hn::BitCast(du, v), du, reinterpret_cast<hn::TFromD<decltype(du)>*>(p));
      return;
    } else if constexpr (kBytes == 8) {
      const hn::Repartition<uint64_t, DS> d64;
      _mm_stream_si64(reinterpret_cast<long long*>(p),
                      static_cast<long long>(hn::GetLane(hn::BitCast(d64, v))));
      return;
    } else if constexpr (kBytes == 4) {
      const hn::Repartition<uint32_t, DS> d32;
      _mm_stream_si32(reinterpret_cast<int*>(p),
                      static_cast<int>(hn::GetLane(hn::BitCast(d32, v))));
      return;
    }
  }
#endif
  hn::StoreU(v, d, p);
}

// Ends a call's streaming stores: they are weakly ordered, and the caller (or the thread that
// joins this one) must see them all once the call returns.
HWY_INLINE void FlushStreams() {
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  _mm_sfence();
#endif
}

// 16-bit results are a float32 result rounded once more, to nearest even (docs/SPEC.md: within
// one 16-bit step of the correctly rounded float32 value rounded once more).
template <typename T>
HWY_INLINE void StoreAs(D d, V v, T* p, bool stream = false) {
  if constexpr (std::is_same_v<T, float>) {
    StoreVec(DF(), DemoteToFloat(v), p, stream);
  } else if constexpr (std::is_same_v<T, double>) {
    StoreVec(d, v, p, stream);
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    StoreVec(DU16(), F32ToBf16(DemoteToFloat(v)), reinterpret_cast<uint16_t*>(p), stream);
  } else {
    StoreVec(DU16(), F32ToF16(DemoteToFloat(v)), reinterpret_cast<uint16_t*>(p), stream);
  }
}

// The first n < Lanes(d) elements of p, the other lanes set to `fill`; reads nothing past p + n.
template <typename T>
HWY_INLINE V LoadTail(D d, const T* p, size_t n, T fill) {
  HWY_ALIGN T buf[hn::MaxLanes(d)];
  for (size_t i = 0; i < hn::MaxLanes(d); ++i) buf[i] = i < n ? p[i] : fill;
  return LoadAs(d, buf);
}

// Stores the first n < Lanes(d) lanes of v; writes nothing past p + n.
template <typename T>
HWY_INLINE void StoreTail(D d, V v, T* p, size_t n) {
  HWY_ALIGN T buf[hn::MaxLanes(d)];
  StoreAs(d, v, buf);
  for (size_t i = 0; i < n; ++i) p[i] = buf[i];
}
