// Per-target loops around the kernels of src/kernels/, and their runtime dispatch.
//
// Every kernel computes on double vectors. float32 arrays are loaded half a double vector at a
// time, promoted, and demoted once on store: one rounding of an accurate double result (see
// src/kernels/math-inl.h). The switch over operations is generated from the registry.
//
// The kernels are compiled twice: in namespace kernels::f64 for float64 results, with the
// primitives of math-inl.h at full double accuracy, and in kernels::f32 for float32 results,
// where kForFloat32 selects shorter polynomials and cheaper special-case handling: a relative
// error of 2^-40 in the double result still rounds to within 0.5 + 2^-16 ULP of float32.
#include <bit>
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
  std::conditional_t<sizeof(T) == 4, kernels::f32::name, kernels::f64::name>

using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
using detail::Args;

template <class K>
concept HasFromY = requires(D d, V v, const detail::Args& a) { K::BackwardFromY(d, v, v, a); };
template <class K>
concept HasParamGrad = requires(D d, V v, const detail::Args& a) { K::ParamGrad(d, v, v, a); };

// The registry's flags and the kernels must agree.
#define ACTIV_OP(name, flags, ...)                                                         \
  static_assert(HasFromY<kernels::f64::name> == (((flags) & kFromY) != 0),                 \
                #name ": kFromY in ops.def must match a BackwardFromY in its kernel file"); \
  static_assert(HasParamGrad<kernels::f64::name> == (((flags) & kParamGrad) != 0),         \
                #name ": kParamGrad in ops.def must match a ParamGrad in its kernel file");
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS

// Kernels that declare kExactInFloat32 compute float32 arrays in float32 lanes; every other
// kernel computes in double lanes.
template <class K>
concept ExactInFloat32 = requires { requires K::kExactInFloat32; };
template <class K, typename T>
using ComputeTag =
    std::conditional_t<sizeof(T) == 4 && ExactInFloat32<K>, hn::ScalableTag<float>, D>;
// Kernels that declare kFromYInFloat32 take their gradient from y in float32 lanes too, on
// targets with FMA (their float32 formula rounds once inside an FMA; without FMA it would not).
template <class K>
concept FromYInFloat32 = requires { requires K::kFromYInFloat32; };
template <class K, typename T>
using FromYTag = std::conditional_t<
    sizeof(T) == 4 && (ExactInFloat32<K> || (HWY_NATIVE_FMA && FromYInFloat32<K>)),
    hn::ScalableTag<float>, D>;

// Loads lanes of type T as lanes of dc's type (promoting float32 to double).
template <class DC, typename T>
HWY_INLINE hn::Vec<DC> LoadAs(DC dc, const T* p) {
  if constexpr (std::is_same_v<hn::TFromD<DC>, T>) {
    return hn::LoadU(dc, p);
  } else {
    return hn::PromoteTo(dc, hn::LoadU(hn::Rebind<T, DC>(), p));
  }
}

template <class DC, typename T>
HWY_INLINE void StoreAs(DC dc, hn::Vec<DC> v, T* p) {
  if constexpr (std::is_same_v<hn::TFromD<DC>, T>) {
    hn::StoreU(v, dc, p);
  } else {
#if HWY_TARGET == HWY_SCALAR
    // Highway's scalar DemoteTo clamps to the float range; IEEE conversion rounds past
    // FLT_MAX to infinity, as the SIMD targets do.
    *p = static_cast<T>(hn::GetLane(v));
#else
    const hn::Rebind<T, DC> dt;
    hn::StoreU(hn::DemoteTo(dt, v), dt, p);
#endif
  }
}

// out[i] = f(in0[i], in1[i]) computed in lanes of dc's type, with NaN inputs passed through:
// NaN in gives NaN out in every direction, whatever a branch of the kernel would make of it.
// The tail goes through a zero-filled buffer so the vector code never reads past the arrays.
template <int kIn, class DC, typename T, class F>
HWY_INLINE void Map(DC dc, const T* in0, const T* in1, T* out, size_t n, F f) {
  using VC = hn::Vec<DC>;
  const size_t N = hn::Lanes(dc);
  auto body = [&](const T* a, const T* b, T* o) {
    const VC va = LoadAs(dc, a);
    VC r;
    if constexpr (kIn == 1) {
      r = f(dc, va, va);
    } else {
      const VC vb = LoadAs(dc, b);
      r = hn::IfThenElse(hn::IsNaN(vb), vb, f(dc, va, vb));
    }
    StoreAs(dc, hn::IfThenElse(hn::IsNaN(va), va, r), o);
  };
  size_t i = 0;
  // Cheap kernels (a few selects, at most a product) are bound by loads and stores: four
  // vectors per iteration halve the loop's overhead. The long transcendental kernels run best
  // one vector per iteration (measured: two at once run slower on AVX2, short of registers).
  if constexpr (std::is_same_v<hn::TFromD<DC>, float> && sizeof(T) == 4) {
    for (; i + 4 * N <= n; i += 4 * N) {
      for (size_t k = 0; k < 4 * N; k += N) {
        body(in0 + i + k, kIn == 1 ? nullptr : in1 + i + k, out + i + k);
      }
    }
  }
  for (; i + N <= n; i += N) body(in0 + i, kIn == 1 ? nullptr : in1 + i, out + i);
  if (i < n) {
    HWY_ALIGN T a[hn::MaxLanes(dc)] = {}, b[hn::MaxLanes(dc)] = {}, o[hn::MaxLanes(dc)];
    std::memcpy(a, in0 + i, (n - i) * sizeof(T));
    if constexpr (kIn == 2) std::memcpy(b, in1 + i, (n - i) * sizeof(T));
    body(a, b, o);
    std::memcpy(out + i, o, (n - i) * sizeof(T));
  }
}

template <typename T>
void ForwardT(Op op, const T* x, T* y, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                            \
  case Op::name: {                                                                     \
    using K = ACTIV_KERNEL(T, name);                                                   \
    return Map<1>(ComputeTag<K, T>(), x, x, y, n,                                      \
                  [&](auto d, auto v, auto) HWY_ATTR { return K::Forward(d, v, a); }); \
  }
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
}

template <typename T>
void BackwardT(Op op, const T* x, const T* dy, T* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                                                  \
  case Op::name: {                                                                           \
    using K = ACTIV_KERNEL(T, name);                                                         \
    return Map<2>(ComputeTag<K, T>(), x, dy, dx, n,                                          \
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
template <class K, typename T>
HWY_INLINE double ParamGradLoop(const T* x, const T* dy, size_t n, const Args& a) {
  const D d;
  const size_t N = hn::Lanes(d);
  V sum = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    sum = hn::Add(sum, K::ParamGrad(d, LoadAs(d, x + i), LoadAs(d, dy + i), a));
  }
  if (i < n) {
    HWY_ALIGN T xb[hn::MaxLanes(d)] = {}, gb[hn::MaxLanes(d)] = {};
    std::memcpy(xb, x + i, (n - i) * sizeof(T));
    std::memcpy(gb, dy + i, (n - i) * sizeof(T));
    const V g = K::ParamGrad(d, LoadAs(d, xb), LoadAs(d, gb), a);
    sum = hn::Add(sum, hn::IfThenElseZero(hn::FirstN(d, n - i), g));
  }
  return hn::GetLane(hn::SumOfLanes(d, sum));
}

template <typename T>
double ParamGradT(Op op, const T* x, const T* dy, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...)                                     \
  case Op::name:                                                \
    if constexpr (HasParamGrad<kernels::f64::name>) {           \
      return ParamGradLoop<ACTIV_KERNEL(T, name)>(x, dy, n, a); \
    }                                                           \
    break;
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
  }
  return 0.0;
}

void ForwardF32(Op op, const float* x, float* y, size_t n, const Args& a) {
  ForwardT(op, x, y, n, a);
}
void ForwardF64(Op op, const double* x, double* y, size_t n, const Args& a) {
  ForwardT(op, x, y, n, a);
}
void BackwardF32(Op op, const float* x, const float* dy, float* dx, size_t n, const Args& a) {
  BackwardT(op, x, dy, dx, n, a);
}
void BackwardF64(Op op, const double* x, const double* dy, double* dx, size_t n, const Args& a) {
  BackwardT(op, x, dy, dx, n, a);
}
void BackwardFromYF32(Op op, const float* y, const float* dy, float* dx, size_t n, const Args& a) {
  BackwardFromYT(op, y, dy, dx, n, a);
}
void BackwardFromYF64(Op op, const double* y, const double* dy, double* dx, size_t n,
                      const Args& a) {
  BackwardFromYT(op, y, dy, dx, n, a);
}
double ParamGradF32(Op op, const float* x, const float* dy, size_t n, const Args& a) {
  return ParamGradT(op, x, dy, n, a);
}
double ParamGradF64(Op op, const double* x, const double* dy, size_t n, const Args& a) {
  return ParamGradT(op, x, dy, n, a);
}
const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace activ::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace activ::detail {

HWY_EXPORT(ForwardF32);
HWY_EXPORT(ForwardF64);
HWY_EXPORT(BackwardF32);
HWY_EXPORT(BackwardF64);
HWY_EXPORT(BackwardFromYF32);
HWY_EXPORT(BackwardFromYF64);
HWY_EXPORT(ParamGradF32);
HWY_EXPORT(ParamGradF64);
HWY_EXPORT(TargetNameImpl);

void Forward(Op op, const float* x, float* y, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(ForwardF32)(op, x, y, n, a);
}
void Forward(Op op, const double* x, double* y, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(ForwardF64)(op, x, y, n, a);
}
void Backward(Op op, const float* x, const float* dy, float* dx, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(BackwardF32)(op, x, dy, dx, n, a);
}
void Backward(Op op, const double* x, const double* dy, double* dx, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(BackwardF64)(op, x, dy, dx, n, a);
}
void BackwardFromY(Op op, const float* y, const float* dy, float* dx, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(BackwardFromYF32)(op, y, dy, dx, n, a);
}
void BackwardFromY(Op op, const double* y, const double* dy, double* dx, size_t n, const Args& a) {
  HWY_DYNAMIC_DISPATCH(BackwardFromYF64)(op, y, dy, dx, n, a);
}
double ParamGrad(Op op, const float* x, const float* dy, size_t n, const Args& a) {
  return HWY_DYNAMIC_DISPATCH(ParamGradF32)(op, x, dy, n, a);
}
double ParamGrad(Op op, const double* x, const double* dy, size_t n, const Args& a) {
  return HWY_DYNAMIC_DISPATCH(ParamGradF64)(op, x, dy, n, a);
}
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
