// Per-target loops around the kernels of src/kernels/, and their runtime dispatch.
//
// Every kernel computes on double vectors. float32 arrays are loaded half a double vector at a
// time, promoted, and demoted once on store: one rounding of an accurate double result (see
// src/kernels/math-inl.h). The switch over operations is generated from the registry.
//
// The kernels are compiled twice: in namespace kernels::f64 for float64 results, with the
// primitives of math-inl.h at full double accuracy, and in kernels::f32 for float32 results
// (and the 16-bit ones, which are float32 results rounded once more),
// where kForFloat32 selects shorter polynomials and cheaper special-case handling: a relative
// error of 2^-40 in the double result still rounds to within 0.5 + 2^-16 ULP of float32.
#include "dispatch.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dispatch.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace activ::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace kernels {
using detail::Args;
namespace f64 {
inline constexpr bool kForFloat32 = false;
#include "activ_kernels-inl.h"  // generated: math-inl.h, then one kernel file per registry line
}  // namespace f64
namespace f32 {
inline constexpr bool kForFloat32 = true;
#include "activ_kernels-inl.h"
}  // namespace f32
}  // namespace kernels

// The kernel struct of `name` for results of type T.
#define ACTIV_KERNEL(T, name) \
  std::conditional_t<std::is_same_v<T, double>, kernels::f64::name, kernels::f32::name>

using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
using detail::Args;
#include "simd_io-inl.h"

template <class K>
concept HasFromY = requires(D d, V v, const detail::Args& a) {
  K::BackwardFromY(d, v, v, a);
};
template <class K>
concept HasParamGrad = requires(D d, V v, const detail::Args& a) {
  K::ParamGrad(d, v, v, a);
};

// The registry's flags and the kernels must agree.
#define ACTIV_OP(name, flags, ...)                                                          \
  static_assert(HasFromY<kernels::f64::name> == (((flags)&kFromY) != 0),                    \
                #name ": kFromY in ops.def must match a BackwardFromY in its kernel file"); \
  static_assert(HasParamGrad<kernels::f64::name> == (((flags)&kParamGrad) != 0),            \
                #name ": kParamGrad in ops.def must match a ParamGrad in its kernel file");
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS

// Kernels that declare kExactInFloat32 compute float32 arrays in float32 lanes; every other
// kernel, and every call with a 16-bit or float64 array, computes in double lanes.
template <class K>
concept ExactInFloat32 = requires {
  requires K::kExactInFloat32;
};
// Kernels that declare kFloatLanes have a float-lane overload (src/kernels/math_f32-inl.h)
// for float32 arrays on targets with FMA; without FMA their error-free steps would not be.
template <class K>
concept FloatLanes = requires {
  requires K::kFloatLanes;
};
template <class K, typename... T>
using ComputeTag = std::conditional_t<(std::is_same_v<T, float> && ...) &&
                                          (ExactInFloat32<K> || (HWY_NATIVE_FMA && FloatLanes<K>)),
                                      hn::ScalableTag<float>, D>;
// Kernels that declare kFromYInFloat32 take their gradient from y in float32 lanes too, on
// targets with FMA (their float32 formula rounds once inside an FMA; without FMA it would not).
template <class K>
concept FromYInFloat32 = requires {
  requires K::kFromYInFloat32;
};
template <class K, typename T>
using FromYTag =
    std::conditional_t<std::is_same_v<T, float> &&
                           (ExactInFloat32<K> || (HWY_NATIVE_FMA && FromYInFloat32<K>)),
                       hn::ScalableTag<float>, D>;

// Loads lanes of type T as lanes of dc's type: float32 lanes only ever hold float32 arrays.
template <class DC, typename T>
HWY_INLINE hn::Vec<DC> LoadLanes(DC dc, const T* p) {
  if constexpr (std::is_same_v<hn::TFromD<DC>, float>) {
    static_assert(std::is_same_v<T, float>);
    return hn::LoadU(dc, p);
  } else {
    return LoadAs(dc, p);
  }
}

template <class DC, typename T>
HWY_INLINE void StoreLanes(DC dc, hn::Vec<DC> v, T* p) {
  if constexpr (std::is_same_v<hn::TFromD<DC>, float>) {
    static_assert(std::is_same_v<T, float>);
    hn::StoreU(v, dc, p);
  } else {
    StoreAs(dc, v, p);
  }
}

// out[i] = f(in0[i], in1[i]) computed in lanes of dc's type, with NaN inputs passed through:
// NaN in gives NaN out in every direction, whatever a branch of the kernel would make of it.
// The tail goes through a zero-filled buffer so the vector code never reads past the arrays.
template <int kIn, class DC, typename T0, typename T1, typename TO, class F>
HWY_INLINE void Map(DC dc, const T0* in0, const T1* in1, TO* out, size_t n, F f) {
  using VC = hn::Vec<DC>;
  const size_t N = hn::Lanes(dc);
  auto body = [&](const T0* a, const T1* b, TO* o) {
    const VC va = LoadLanes(dc, a);
    VC r;
    if constexpr (kIn == 1) {
      r = f(dc, va, va);
    } else {
      const VC vb = LoadLanes(dc, b);
      r = hn::IfThenElse(hn::IsNaN(vb), vb, f(dc, va, vb));
    }
    StoreLanes(dc, hn::IfThenElse(hn::IsNaN(va), va, r), o);
  };
  size_t i = 0;
  // Cheap kernels (a few selects, at most a product) are bound by loads and stores: four
  // vectors per iteration halve the loop's overhead. The long transcendental kernels run best
  // one vector per iteration (measured: two at once run slower on AVX2, short of registers).
  if constexpr (std::is_same_v<hn::TFromD<DC>, float>) {
    for (; i + 4 * N <= n; i += 4 * N) {
      for (size_t k = 0; k < 4 * N; k += N) {
        body(in0 + i + k, kIn == 1 ? nullptr : in1 + i + k, out + i + k);
      }
    }
  }
  for (; i + N <= n; i += N) body(in0 + i, kIn == 1 ? nullptr : in1 + i, out + i);
  if (i < n) {
    HWY_ALIGN T0 a[hn::MaxLanes(dc)] = {};
    HWY_ALIGN T1 b[hn::MaxLanes(dc)] = {};
    HWY_ALIGN TO o[hn::MaxLanes(dc)];
    std::memcpy(a, in0 + i, (n - i) * sizeof(T0));
    if constexpr (kIn == 2) std::memcpy(b, in1 + i, (n - i) * sizeof(T1));
    body(a, b, o);
    std::memcpy(out + i, o, (n - i) * sizeof(TO));
  }
}

template <typename TI, typename TO>
void ForwardT(Op op, const TI* x, TO* y, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                            \
  case Op::name: {                                                                     \
    using K = ACTIV_KERNEL(TO, name);                                                  \
    return Map<1>(ComputeTag<K, TI, TO>(), x, x, y, n,                                 \
                  [&](auto d, auto v, auto) HWY_ATTR { return K::Forward(d, v, a); }); \
  }
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

template <typename TX, typename TG>
void BackwardT(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                                  \
  case Op::name: {                                                                           \
    using K = ACTIV_KERNEL(TG, name);                                                        \
    return Map<2>(ComputeTag<K, TX, TG>(), x, dy, dx, n,                                     \
                  [&](auto d, auto v, auto g) HWY_ATTR { return K::Backward(d, v, g, a); }); \
  }
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

template <class K, typename T>
HWY_INLINE void BackwardFromYLoop(const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  Map<2>(FromYTag<K, T>(), y, dy, dx, n,
         [&](auto d, auto v, auto g) HWY_ATTR { return K::BackwardFromY(d, v, g, a); });
}

template <typename T>
void BackwardFromYT(Op op, const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                             \
  case Op::name:                                                        \
    if constexpr (HasFromY<kernels::f64::name>) {                       \
      return BackwardFromYLoop<ACTIV_KERNEL(T, name)>(y, dy, dx, n, a); \
    }                                                                   \
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
#define ACTIV_OP(name, ...)                                      \
  case Op::name:                                                 \
    if constexpr (HasParamGrad<kernels::f64::name>) {            \
      return ParamGradLoop<ACTIV_KERNEL(TG, name)>(x, dy, n, a); \
    }                                                            \
    break;
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
  return 0.0;
}

// The element-type combinations with an entry point: (name suffix, input type, output type).
#define ACTIV_FORWARD_TYPES(X)                                                \
  X(F32, float, float)                                                        \
  X(F64, double, double) X(BF16, bfloat16, bfloat16) X(F16, float16, float16) \
      X(F32ToBF16, float, bfloat16) X(F32ToF16, float, float16)
// (suffix, type of x, type of dy and dx)
#define ACTIV_BACKWARD_TYPES(X)                                               \
  X(F32, float, float)                                                        \
  X(F64, double, double) X(BF16, bfloat16, bfloat16) X(F16, float16, float16) \
      X(BF16F32, bfloat16, float) X(F16F32, float16, float)
#define ACTIV_FROM_Y_TYPES(X) \
  X(F32, float, float) X(F64, double, double) X(BF16, bfloat16, bfloat16) X(F16, float16, float16)

#define ACTIV_DEFINE_FORWARD(S, TI, TO) \
  void Forward##S(Op op, const TI* x, TO* y, size_t n, const Args& a) { ForwardT(op, x, y, n, a); }
#define ACTIV_DEFINE_BACKWARD(S, TX, TG)                                                \
  void Backward##S(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardT(op, x, dy, dx, n, a);                                                     \
  }                                                                                     \
  double ParamGrad##S(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {      \
    return ParamGradT(op, x, dy, n, a);                                                 \
  }
#define ACTIV_DEFINE_FROM_Y(S, TY, TG)                                                       \
  void BackwardFromY##S(Op op, const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardFromYT(op, y, dy, dx, n, a);                                                     \
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

#define ACTIV_EXPORT_FORWARD(S, TI, TO)                              \
  HWY_EXPORT(Forward##S);                                            \
  void Forward(Op op, const TI* x, TO* y, size_t n, const Args& a) { \
    HWY_DYNAMIC_DISPATCH(Forward##S)(op, x, y, n, a);                \
  }
#define ACTIV_EXPORT_BACKWARD(S, TX, TG)                                             \
  HWY_EXPORT(Backward##S);                                                           \
  HWY_EXPORT(ParamGrad##S);                                                          \
  void Backward(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    HWY_DYNAMIC_DISPATCH(Backward##S)(op, x, dy, dx, n, a);                          \
  }                                                                                  \
  double ParamGrad(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {      \
    return HWY_DYNAMIC_DISPATCH(ParamGrad##S)(op, x, dy, n, a);                      \
  }
#define ACTIV_EXPORT_FROM_Y(S, TY, TG)                                                    \
  HWY_EXPORT(BackwardFromY##S);                                                           \
  void BackwardFromY(Op op, const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    HWY_DYNAMIC_DISPATCH(BackwardFromY##S)(op, y, dy, dx, n, a);                          \
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
