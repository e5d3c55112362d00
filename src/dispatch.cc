// Per-target loops around the kernels of src/kernels/, and their runtime dispatch.
//
// Every kernel computes on double vectors. float32 arrays are loaded half a double vector at a
// time, promoted, and demoted once on store: one rounding of an accurate double result (see
// src/kernels/math-inl.h). The switch over operations is generated from the registry.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dispatch.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace activ::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace kernels {
using detail::Args;
#include "activ_kernels-inl.h"  // generated: math-inl.h, then one kernel file per registry line
}  // namespace kernels

using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
using detail::Args;

template <class K>
concept HasFromY = requires(D d, V v, const detail::Args& a) { K::BackwardFromY(d, v, v, a); };
template <class K>
concept HasParamGrad = requires(D d, V v, const detail::Args& a) { K::ParamGrad(d, v, v, a); };

// The registry's flags and the kernels must agree.
#define ACTIV_OP(name, flags, ...)                                                         \
  static_assert(HasFromY<kernels::name> == (((flags) & kFromY) != 0),                      \
                #name ": kFromY in ops.def must match a BackwardFromY in its kernel file"); \
  static_assert(HasParamGrad<kernels::name> == (((flags) & kParamGrad) != 0),              \
                #name ": kParamGrad in ops.def must match a ParamGrad in its kernel file");
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS

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

HWY_INLINE hn::Vec<DU16> F32ToBf16(hn::Vec<DF> f) {
  const DI32 di;
  const auto b = hn::BitCast(di, f);
  // Adding 0x7FFF plus the lowest kept bit rounds to nearest even; a carry into the exponent
  // is the right result, up to infinity.
  const auto odd = hn::And(hn::ShiftRight<16>(b), hn::Set(di, 1));
  const auto rounded =
      hn::And(hn::ShiftRight<16>(hn::Add(b, hn::Add(hn::Set(di, 0x7FFF), odd))), hn::Set(di, 0xFFFF));
  const auto quiet_nan = hn::Or(hn::And(hn::ShiftRight<16>(b), hn::Set(di, 0xFFFF)), hn::Set(di, 0x40));
  const auto r = hn::IfThenElse(hn::RebindMask(di, hn::IsNaN(f)), quiet_nan, rounded);
  return hn::DemoteTo(DU16(), r);
}

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

// 16-bit results are the float32 result rounded once more, to nearest even: the spec's
// "correctly rounded conversion of the float32 result".
template <typename T>
HWY_INLINE void StoreAs(D d, V v, T* p) {
  if constexpr (std::is_same_v<T, float>) {
    hn::StoreU(DemoteToFloat(v), DF(), p);
  } else if constexpr (std::is_same_v<T, double>) {
    hn::StoreU(v, d, p);
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    hn::StoreU(F32ToBf16(DemoteToFloat(v)), DU16(), reinterpret_cast<uint16_t*>(p));
  } else {
    hn::StoreU(F32ToF16(DemoteToFloat(v)), DU16(), reinterpret_cast<uint16_t*>(p));
  }
}

// out[i] = f(in0[i], in1[i]) with NaN inputs passed through: NaN in gives NaN out in every
// direction, whatever a branch of the kernel would make of it. The tail goes through a
// zero-filled buffer so the vector code never reads past the arrays.
template <int kIn, typename T0, typename T1, typename TO, class F>
HWY_INLINE void Map(const T0* in0, const T1* in1, TO* out, size_t n, F f) {
  const D d;
  const size_t N = hn::Lanes(d);
  auto body = [&](const T0* a, const T1* b, TO* o) {
    const V va = LoadAs(d, a);
    V r;
    if constexpr (kIn == 1) {
      r = f(d, va, va);
    } else {
      const V vb = LoadAs(d, b);
      r = hn::IfThenElse(hn::IsNaN(vb), vb, f(d, va, vb));
    }
    StoreAs(d, hn::IfThenElse(hn::IsNaN(va), va, r), o);
  };
  size_t i = 0;
  for (; i + N <= n; i += N) body(in0 + i, kIn == 1 ? nullptr : in1 + i, out + i);
  if (i < n) {
    HWY_ALIGN T0 a[hn::MaxLanes(d)] = {};
    HWY_ALIGN T1 b[hn::MaxLanes(d)] = {};
    HWY_ALIGN TO o[hn::MaxLanes(d)];
    std::memcpy(a, in0 + i, (n - i) * sizeof(T0));
    if constexpr (kIn == 2) std::memcpy(b, in1 + i, (n - i) * sizeof(T1));
    body(a, b, o);
    std::memcpy(out + i, o, (n - i) * sizeof(TO));
  }
}

template <typename TI, typename TO>
void ForwardT(Op op, const TI* x, TO* y, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                              \
  case Op::name:                                                                         \
    return Map<1>(x, x, y, n,                                                            \
                  [&](D d, V v, V) HWY_ATTR { return kernels::name::Forward(d, v, a); });
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

template <typename TX, typename TG>
void BackwardT(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                                \
  case Op::name:                                                                           \
    return Map<2>(x, dy, dx, n, [&](D d, V v, V g) HWY_ATTR {                              \
      return kernels::name::Backward(d, v, g, a);                                          \
    });
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

template <class K, typename T>
HWY_INLINE void BackwardFromYLoop(const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  Map<2>(y, dy, dx, n, [&](D d, V v, V g) HWY_ATTR { return K::BackwardFromY(d, v, g, a); });
}

template <typename T>
void BackwardFromYT(Op op, const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                       \
  case Op::name:                                                  \
    if constexpr (HasFromY<kernels::name>) {                      \
      return BackwardFromYLoop<kernels::name>(y, dy, dx, n, a);   \
    }                                                             \
    break;
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

// sum(dy * df/dparam), lanes past n masked out of the sum.
template <class K, typename TX, typename TG>
HWY_INLINE double ParamGradLoop(const TX* x, const TG* dy, size_t n, const Args& a) {
  const D d;
  const size_t N = hn::Lanes(d);
  V sum = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    sum = hn::Add(sum, K::ParamGrad(d, LoadAs(d, x + i), LoadAs(d, dy + i), a));
  }
  if (i < n) {
    HWY_ALIGN TX xb[hn::MaxLanes(d)] = {};
    HWY_ALIGN TG gb[hn::MaxLanes(d)] = {};
    std::memcpy(xb, x + i, (n - i) * sizeof(TX));
    std::memcpy(gb, dy + i, (n - i) * sizeof(TG));
    const V g = K::ParamGrad(d, LoadAs(d, xb), LoadAs(d, gb), a);
    sum = hn::Add(sum, hn::IfThenElseZero(hn::FirstN(d, n - i), g));
  }
  return hn::GetLane(hn::SumOfLanes(d, sum));
}

template <typename TX, typename TG>
double ParamGradT(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                   \
  case Op::name:                                              \
    if constexpr (HasParamGrad<kernels::name>) {              \
      return ParamGradLoop<kernels::name>(x, dy, n, a);       \
    }                                                         \
    break;
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
  return 0.0;
}

// The element-type combinations with an entry point: (name suffix, input type, output type).
#define ACTIV_FORWARD_TYPES(X)                                                         \
  X(F32, float, float) X(F64, double, double) X(BF16, bfloat16, bfloat16)              \
  X(F16, float16, float16) X(F32ToBF16, float, bfloat16) X(F32ToF16, float, float16)
// (suffix, type of x, type of dy and dx)
#define ACTIV_BACKWARD_TYPES(X)                                                        \
  X(F32, float, float) X(F64, double, double) X(BF16, bfloat16, bfloat16)              \
  X(F16, float16, float16) X(BF16F32, bfloat16, float) X(F16F32, float16, float)
#define ACTIV_FROM_Y_TYPES(X) \
  X(F32, float, float) X(F64, double, double) X(BF16, bfloat16, bfloat16) X(F16, float16, float16)

#define ACTIV_DEFINE_FORWARD(S, TI, TO)                                     \
  void Forward##S(Op op, const TI* x, TO* y, size_t n, const Args& a) {     \
    ForwardT(op, x, y, n, a);                                               \
  }
#define ACTIV_DEFINE_BACKWARD(S, TX, TG)                                                  \
  void Backward##S(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {   \
    BackwardT(op, x, dy, dx, n, a);                                                       \
  }                                                                                       \
  double ParamGrad##S(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {        \
    return ParamGradT(op, x, dy, n, a);                                                   \
  }
#define ACTIV_DEFINE_FROM_Y(S, TY, TG)                                                    \
  void BackwardFromY##S(Op op, const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardFromYT(op, y, dy, dx, n, a);                                                  \
  }
ACTIV_FORWARD_TYPES(ACTIV_DEFINE_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_DEFINE_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_DEFINE_FROM_Y)

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace activ::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace activ::detail {

#define ACTIV_EXPORT_FORWARD(S, TI, TO)                                      \
  HWY_EXPORT(Forward##S);                                                    \
  void Forward(Op op, const TI* x, TO* y, size_t n, const Args& a) {         \
    HWY_DYNAMIC_DISPATCH(Forward##S)(op, x, y, n, a);                        \
  }
#define ACTIV_EXPORT_BACKWARD(S, TX, TG)                                                 \
  HWY_EXPORT(Backward##S);                                                               \
  HWY_EXPORT(ParamGrad##S);                                                              \
  void Backward(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {     \
    HWY_DYNAMIC_DISPATCH(Backward##S)(op, x, dy, dx, n, a);                              \
  }                                                                                      \
  double ParamGrad(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {          \
    return HWY_DYNAMIC_DISPATCH(ParamGrad##S)(op, x, dy, n, a);                          \
  }
#define ACTIV_EXPORT_FROM_Y(S, TY, TG)                                                   \
  HWY_EXPORT(BackwardFromY##S);                                                          \
  void BackwardFromY(Op op, const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    HWY_DYNAMIC_DISPATCH(BackwardFromY##S)(op, y, dy, dx, n, a);                         \
  }
ACTIV_FORWARD_TYPES(ACTIV_EXPORT_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_EXPORT_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_EXPORT_FROM_Y)
HWY_EXPORT(TargetNameImpl);

std::string_view TargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

std::vector<int64_t> CompiledTargets() {
  std::vector<int64_t> targets;
  // Lower bits are better targets in Highway's numbering.
  for (int bit = 0; bit < 63; ++bit) {
    if (HWY_TARGETS & (int64_t{1} << bit)) targets.push_back(int64_t{1} << bit);
  }
  return targets;
}

}  // namespace activ::detail
#endif  // HWY_ONCE
