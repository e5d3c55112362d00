// One operation's per-target loops and their runtime dispatch: the body of the translation unit
// that cmake/registry.cmake generates for each registry line, which defines ACTIV_UNIT (the
// operation's name) and ACTIV_UNIT_KERNELS (the list of math-inl.h and the kernel files the
// operation needs) and includes this file. Highway's foreach_target re-includes it once per SIMD
// target. The entry points are declared in op_units.h.
//
// The kernels are compiled twice: in namespace kernels::f64 for float64 results, with the
// primitives of math-inl.h at full double accuracy, and in kernels::f32 for float32 results
// (and the 16-bit ones, which are float32 results rounded once more), where kForFloat32 selects
// shorter polynomials and cheaper special-case handling: a relative error of 2^-40 in the double
// result still rounds to within 0.5 + 2^-16 ULP of float32.
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "op_units.h"
#include "streaming.h"

// The per-vector lambdas of the loops below, always inlined, as are the kernels' entry points
// (Forward, Backward, ... are HWY_INLINE). Left to its heuristics, GCC judged the call of a long
// kernel cold and kept it out of line: one call per vector, which reloaded the kernel's
// constants each time (float64 sigmoid on AVX-512: 10 instructions of loop plus 76 in
// the callee, against 65 inlined).
#ifndef ACTIV_LAMBDA
#define ACTIV_LAMBDA HWY_ATTR __attribute__((always_inline))
#endif

#ifndef ACTIV_UNIT
#error "op_unit-inl.h is included by a generated per-operation unit that defines ACTIV_UNIT"
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/op_unit-inl.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace activ::op_units::ACTIV_UNIT::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace kernels {
using detail::Args;
namespace f64 {
inline constexpr bool kForFloat32 = false;
#include ACTIV_UNIT_KERNELS  // generated: math-inl.h, then the kernel files of this operation
}  // namespace f64
namespace f32 {
inline constexpr bool kForFloat32 = true;
#include ACTIV_UNIT_KERNELS
#ifdef ACTIV_UNIT_FAST_KERNELS
// The fast kernel (Accuracy::fast), float32 lanes only: the fast table below.
namespace fast {
#include ACTIV_UNIT_FAST_KERNELS  // generated: fast/math_fast-inl.h, then fast/<name>-inl.h
}  // namespace fast
#endif
}  // namespace f32
}  // namespace kernels

// The kernel struct for results of type T.
template <typename T>
using K = std::conditional_t<std::is_same_v<T, double>, kernels::f64::ACTIV_UNIT,
                             kernels::f32::ACTIV_UNIT>;
inline constexpr unsigned kFlags = detail::FlagsOf(Op::ACTIV_UNIT);

using D = hn::ScalableTag<double>;
using V = hn::Vec<D>;
using detail::Args;
#include "simd_io-inl.h"

template <class Kernel>
concept HasFromY = requires(D d, V v, const detail::Args& a) {
  Kernel::BackwardFromY(d, v, v, a);
};
template <class Kernel>
concept HasParamGrad = requires(D d, V v, const detail::Args& a) {
  Kernel::ParamGrad(d, v, v, a);
};
// The registry's flags and the kernels must agree.
static_assert(HasFromY<K<double>> == ((kFlags & kFromY) != 0),
              "kFromY in ops.def must match a BackwardFromY in the kernel file");
static_assert(HasParamGrad<K<double>> == ((kFlags & kParamGrad) != 0),
              "kParamGrad in ops.def must match a ParamGrad in the kernel file");

// Kernels that declare kExactInFloat32 compute float32 arrays in float32 lanes, and so do those
// that declare kFloatLanes on targets with FMA; every other kernel, and every call with a 16-bit
// or float64 array, computes in double lanes.
template <class Kernel>
concept ExactInFloat32 = requires {
  requires Kernel::kExactInFloat32;
};
// Kernels that declare kForwardKeepsNaN return NaN for a NaN x in Forward by themselves, on
// every target and lane type (a select on a comparison that is false for NaN, then x or a
// product of it): Map then skips its own pass-through, two operations per vector that are half
// the work of the cheapest kernels (relu: load, compare, select, store).
template <class Kernel>
concept ForwardKeepsNaN = requires {
  requires Kernel::kForwardKeepsNaN;
};
// Kernels that declare kFloatLanes have a float-lane overload (src/kernels/math_f32-inl.h)
// for float32 arrays on targets with FMA; without FMA their error-free steps would not be.
template <class Kernel>
concept FloatLanes = requires {
  requires Kernel::kFloatLanes;
};
// float32 results stored as 16 bits are float32 results rounded once more, so the float-lane
// kernels serve the 16-bit arrays too: a 16-bit result is the float32 result of the same x
// rounded, whatever the types of the other arrays of the call.
template <typename T>
inline constexpr bool kFloatOr16 =
    std::is_same_v<T, float> || std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;
// The exact kernels serve the 16-bit arrays in float32 lanes too (the float32 result, rounded
// once more): in double lanes a 16-bit call ran 8 lanes a vector and 2-3x slower than the
// float32 call (relu forward at 16777216 elements: 0.322 against 0.227 ns per element).
template <class Kernel, typename... T>
using ComputeTag =
    std::conditional_t<((std::is_same_v<T, float> && ...) && ExactInFloat32<Kernel>) ||
                           ((kFloatOr16<T> && ...) && HWY_NATIVE_FMA &&
                            (FloatLanes<Kernel> || ExactInFloat32<Kernel>)),
                       hn::ScalableTag<float>, D>;
// kFloatLanes covers both directions; a kernel whose two passes pay differently in float lanes
// on AVX2 (16 registers: pairs spill) declares one direction on its own. kBackwardFloatLanes
// takes the backward pass in float lanes on every target with FMA even where kFloatLanes is
// false (its bound is 2 ULP: fewer pairs), kForwardFloatLanes the forward pass (a forward pass
// reworked to fit the registers, where the backward pass's pairs still spill).
template <class Kernel>
concept BackwardFloatLanes = requires {
  requires Kernel::kBackwardFloatLanes;
};
template <class Kernel>
concept ForwardFloatLanes = requires {
  requires Kernel::kForwardFloatLanes;
};
template <class Kernel, typename... T>
using BackwardTag =
    std::conditional_t<(kFloatOr16<T> && ...) && HWY_NATIVE_FMA && BackwardFloatLanes<Kernel>,
                       hn::ScalableTag<float>, ComputeTag<Kernel, T...>>;
template <class Kernel, typename... T>
using ForwardTag =
    std::conditional_t<(kFloatOr16<T> && ...) && HWY_NATIVE_FMA && ForwardFloatLanes<Kernel>,
                       hn::ScalableTag<float>, ComputeTag<Kernel, T...>>;
// Kernels that declare kFromYInFloat32 take their gradient from y in float32 lanes too, on
// targets with FMA (their float32 formula rounds once inside an FMA; without FMA it would not).
template <class Kernel>
concept FromYInFloat32 = requires {
  requires Kernel::kFromYInFloat32;
};
// Kernels that declare kFromYKeepsNaN compute their gradient from y by arithmetic alone (no
// select, no compare), which turns a NaN y or dy into a NaN result by itself: Map then skips its
// NaN probe, one FMA a vector and a compare a block, a third of the work of such a loop in L1.
template <class Kernel>
concept FromYKeepsNaN = requires {
  requires Kernel::kFromYKeepsNaN;
};
template <class Kernel, typename T>
using FromYTag =
    std::conditional_t<(std::is_same_v<T, float> &&
                        (ExactInFloat32<Kernel> || (HWY_NATIVE_FMA && FromYInFloat32<Kernel>))) ||
                           (kFloatOr16<T> && HWY_NATIVE_FMA &&
                            (ExactInFloat32<Kernel> || FromYInFloat32<Kernel>)),
                       hn::ScalableTag<float>, D>;

// Loads lanes of type T as lanes of dc's type. float32 lanes hold float32 arrays, and 16-bit
// ones only on the FMA targets (AVX2 and up), which all convert float16 with F16C.
template <class DC, typename T>
HWY_INLINE hn::Vec<DC> LoadLanes(DC dc, const T* p) {
  if constexpr (!std::is_same_v<hn::TFromD<DC>, float>) {
    return LoadAs(dc, p);
  } else if constexpr (std::is_same_v<T, float>) {
    return hn::LoadU(dc, p);
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    const hn::Rebind<uint16_t, DC> du16;
    const hn::Rebind<uint32_t, DC> du32;
    const auto h = hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p));
    return hn::BitCast(dc, hn::ShiftLeft<16>(hn::PromoteTo(du32, h)));
  } else {
    static_assert(std::is_same_v<T, float16> && HWY_TARGET <= HWY_AVX2);
    const hn::Rebind<hwy::float16_t, DC> dh;
    return hn::PromoteTo(dc, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
  }
}

// Where `stream`, a non-temporal store (p aligned to the stored vector's bytes: StreamHead).
template <class DC, typename T>
HWY_INLINE void StoreLanes(DC dc, hn::Vec<DC> v, T* p, bool stream = false) {
  if constexpr (!std::is_same_v<hn::TFromD<DC>, float>) {
    StoreAs(dc, v, p, stream);
  } else if constexpr (std::is_same_v<T, float>) {
    StoreVec(dc, v, p, stream);
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    const hn::Rebind<uint16_t, DC> du16;
    StoreVec(du16, F32ToBf16Lanes(dc, v), reinterpret_cast<uint16_t*>(p), stream);
  } else {
    static_assert(std::is_same_v<T, float16> && HWY_TARGET <= HWY_AVX2);
    const hn::Rebind<hwy::float16_t, DC> dh;
    StoreVec(dh, hn::DemoteTo(dh, v), reinterpret_cast<hwy::float16_t*>(p), stream);
  }
}

// Streaming stores (Args::stream) need the address aligned to the stored vector's bytes: the
// elements of T before p is, which the loops store plainly first, or kNoStream where p never is
// (an address that is not a multiple of sizeof(T)): the call then stores plainly throughout.
inline constexpr size_t kNoStream = ~size_t{0};
template <typename T>
HWY_INLINE size_t StreamHead(const T* p, size_t vector_bytes) {
  const size_t gap = (vector_bytes - reinterpret_cast<uintptr_t>(p) % vector_bytes) % vector_bytes;
  return gap % sizeof(T) == 0 ? gap / sizeof(T) : kNoStream;
}

// Two results of one call of a Map functor, for a Map with two outputs.
template <class VC>
struct VecPair {
  VC first;
  VC second;
};
template <class R>
inline constexpr bool kIsVecPair = false;
template <class VC>
inline constexpr bool kIsVecPair<VecPair<VC>> = true;

// r where none of the first kPassNaN vectors of v is NaN, else the first NaN among them.
template <int kPassNaN, class VC>
HWY_INLINE VC PassNaN(VC r) {
  static_assert(kPassNaN == 0, "more NaN pass-throughs than inputs");
  return r;
}
template <int kPassNaN, class VC, class... VS>
HWY_INLINE VC PassNaN(VC r, VC v0, VS... v) {
  if constexpr (kPassNaN == 0) {
    return r;
  } else {
    return hn::IfThenElse(hn::IsNaN(v0), v0, PassNaN<kPassNaN - 1>(r, v...));
  }
}

// The lanes where a or b is NaN: one unordered compare on x86, where Highway has none.
template <class DC>
HWY_INLINE hn::Mask<DC> EitherNaN(DC dc, hn::Vec<DC> a, hn::Vec<DC> b) {
  using T = hn::TFromD<DC>;
  [[maybe_unused]] constexpr size_t kBytes = hn::MaxLanes(dc) * sizeof(T);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if constexpr (kBytes == 64 && std::is_same_v<T, float>) {
    return hn::Mask<DC>{_mm512_cmp_ps_mask(a.raw, b.raw, _CMP_UNORD_Q)};
  } else if constexpr (kBytes == 64 && std::is_same_v<T, double>) {
    return hn::Mask<DC>{_mm512_cmp_pd_mask(a.raw, b.raw, _CMP_UNORD_Q)};
  }
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  if constexpr (kBytes == 32 && std::is_same_v<T, float>) {
    return hn::Mask<DC>{_mm256_cmp_ps(a.raw, b.raw, _CMP_UNORD_Q)};
  } else if constexpr (kBytes == 32 && std::is_same_v<T, double>) {
    return hn::Mask<DC>{_mm256_cmp_pd(a.raw, b.raw, _CMP_UNORD_Q)};
  }
#endif
  return hn::Or(hn::IsNaN(a), hn::IsNaN(b));
}
// The lanes where one of the first kPassNaN vectors of v is NaN (kPassNaN >= 1).
template <int kPassNaN, class DC, class VC, class... VS>
HWY_INLINE hn::Mask<DC> AnyNaN(DC dc, VC v0, VS... v);
template <int kPassNaN, class DC, class VC, class... VS>
HWY_INLINE hn::Mask<DC> AnyNaNOfPair(DC dc, VC v0, VC v1, VS... v) {
  const auto m = EitherNaN(dc, v0, v1);
  if constexpr (kPassNaN == 2) {
    return m;
  } else {
    return hn::Or(m, AnyNaN<kPassNaN - 2>(dc, v...));
  }
}
template <int kPassNaN, class DC, class VC, class... VS>
HWY_INLINE hn::Mask<DC> AnyNaN(DC dc, VC v0, VS... v) {
  if constexpr (kPassNaN == 1) {
    return hn::IsNaN(v0);
  } else {
    return AnyNaNOfPair<kPassNaN>(dc, v0, v...);
  }
}

// f's result with the NaN pass-through. The blends run only for a vector that has a NaN input:
// one compare (of both inputs at once for two) and a branch per vector, not a compare and a
// blend per input, which were half the work of the cheapest kernels' backward passes (relu:
// two loads, a compare, a select, a store). Same results either way.
template <int kPassNaN, class DC, class F, class... VS>
HWY_INLINE auto MapResult(DC dc, F& f, VS... v) {
  auto r = f(dc, v...);
  if constexpr (kPassNaN > 0) {
    if (HWY_UNLIKELY(!hn::AllFalse(dc, AnyNaN<kPassNaN>(dc, v...)))) {
      if constexpr (kIsVecPair<std::remove_const_t<decltype(r)>>) {
        r.first = PassNaN<kPassNaN>(r.first, v...);
        r.second = PassNaN<kPassNaN>(r.second, v...);
      } else {
        r = PassNaN<kPassNaN>(r, v...);
      }
    }
  }
  return r;
}

// BlockNaNProbe's two-input test for the kK-vector blocks of the ...N loops (BackwardN's x and
// dy, GateFN's gate and up): true where a lane of a or b is NaN, or where infinities make a
// product or the sum NaN (such blocks only take the blending path).
template <size_t kK, class DC>
HWY_INLINE bool BlockHasNaN2(DC d, const hn::Vec<DC> (&a)[kK], const hn::Vec<DC> (&b)[kK]) {
  hn::Vec<DC> probe = hn::Mul(a[0], b[0]);
  for (size_t k = 1; k < kK; ++k) probe = hn::MulAdd(a[k], b[k], probe);
  return !hn::AllFalse(d, hn::IsNaN(probe));
}

// A vector that is NaN in every lane where one of the first kPassNaN inputs of the four vectors
// v[k] is: their products (two inputs) or sums, added up. It is NaN in other lanes too where an
// input is infinite or the sum overflows, which only sends such blocks to the blending path.
template <int kPassNaN, class VC, size_t kIn>
HWY_INLINE VC BlockNaNProbe(const VC (&v)[4][kIn]) {
  static_assert(kPassNaN >= 1 && static_cast<size_t>(kPassNaN) <= kIn);
  if constexpr (kPassNaN == 1) {
    return hn::Add(hn::Add(v[0][0], v[1][0]), hn::Add(v[2][0], v[3][0]));
  } else {
    VC p = hn::Mul(v[0][0], v[0][1]);
    for (size_t k = 1; k < 4; ++k) p = hn::MulAdd(v[k][0], v[k][1], p);
    for (size_t j = 2; j < static_cast<size_t>(kPassNaN); ++j) {
      p = hn::Add(p, hn::Add(hn::Add(v[0][j], v[1][j]), hn::Add(v[2][j], v[3][j])));
    }
    return p;
  }
}

template <typename T, class DC>
using LaneBuffer = std::array<T, hn::MaxLanes(DC())>;

// One vector of every input at a[k], its results stored at o[k]. Every result is computed before
// the first store: an output may be one of the inputs. Bit k of `streams`: output k is streamed.
template <int kPassNaN, class DC, class F, typename... TI, typename... TO, size_t... kI,
          size_t... kO>
HWY_INLINE void MapVector(DC dc, F& f, std::tuple<const TI*...> a, std::tuple<TO*...> o,
                          std::index_sequence<kI...>, std::index_sequence<kO...>,
                          unsigned streams = 0) {
  const auto r = MapResult<kPassNaN>(dc, f, LoadLanes(dc, std::get<kI>(a))...);
  if constexpr (sizeof...(TO) == 1) {
    StoreLanes(dc, r, std::get<0>(o), streams & 1);
  } else {
    StoreLanes(dc, r.first, std::get<0>(o), streams & 1);
    StoreLanes(dc, r.second, std::get<1>(o), (streams & 2) != 0);
  }
}

// The last m < Lanes(dc) elements, through zero-filled buffers. Out of line: its aligned
// buffers would otherwise give every call of the loop a frame realigned to 64 bytes.
template <int kPassNaN, class DC, class F, typename... TI, typename... TO, size_t... kI,
          size_t... kO>
HWY_NOINLINE void MapTail(DC dc, size_t m, F& f, std::tuple<const TI*...> in,
                          std::tuple<TO*...> out, std::index_sequence<kI...> si,
                          std::index_sequence<kO...> so) {
  std::tuple<LaneBuffer<TI, DC>...> a{};
  std::tuple<LaneBuffer<TO, DC>...> o;
  (std::memcpy(std::get<kI>(a).data(), std::get<kI>(in), m * sizeof(TI)), ...);
  MapVector<kPassNaN>(dc, f, std::tuple<const TI*...>(std::get<kI>(a).data()...),
                      std::tuple<TO*...>(std::get<kO>(o).data()...), si, so);
  (std::memcpy(std::get<kO>(out), std::get<kO>(o).data(), m * sizeof(TO)), ...);
}

// The start of a streamed loop: the elements before the first output is aligned for streaming
// stores, stored plainly (through MapTail's buffers). Returns their count and sets `streams`
// (bit k: output k is aligned there too); 0 and no streams where the call has no aligned
// vector to stream. Out of line: it runs once per call.
template <int kPassNaN, class DC, class F, typename... TI, typename... TO, size_t... kI,
          size_t... kO>
HWY_NOINLINE size_t MapStreamHead(DC dc, size_t n, F& f, std::tuple<const TI*...> in,
                                  std::tuple<TO*...> out, std::index_sequence<kI...> si,
                                  std::index_sequence<kO...> so, unsigned& streams) {
  const size_t N = hn::Lanes(dc);
  using T0 = std::tuple_element_t<0, std::tuple<TO...>>;
  const size_t h = StreamHead(std::get<0>(out), N * sizeof(T0));
  if (h == kNoStream || h + N > n) return 0;
  if (h > 0) MapTail<kPassNaN>(dc, h, f, in, out, si, so);
  streams = 1;
  if constexpr (sizeof...(TO) == 2) {
    using T1 = std::tuple_element_t<1, std::tuple<TO...>>;
    if (StreamHead(std::get<1>(out) + h, N * sizeof(T1)) == 0) streams |= 2;
  }
  detail::AddStreamedElements((n - h) / N * N);
  return h;
}

// kStream: the outputs' aligned vectors are streamed (a separate instantiation, so that the plain
// loop is the same code as without streaming).
template <int kPassNaN, bool kStream, class DC, class F, typename... TI, typename... TO,
          size_t... kI, size_t... kO>
HWY_INLINE void MapLoop(DC dc, size_t n, F& f, std::tuple<const TI*...> in, std::tuple<TO*...> out,
                        std::index_sequence<kI...> si, std::index_sequence<kO...> so) {
  const size_t N = hn::Lanes(dc);
  auto in_at = [&](size_t i) { return std::tuple<const TI*...>(std::get<kI>(in) + i...); };
  auto out_at = [&](size_t i) { return std::tuple<TO*...>(std::get<kO>(out) + i...); };
  size_t i = 0;
  unsigned streams = 0;
  if constexpr (kStream) i = MapStreamHead<kPassNaN>(dc, n, f, in, out, si, so, streams);
  // Cheap kernels (a few selects, at most a product) are bound by loads and stores: four
  // vectors per iteration halve the loop's overhead. The long transcendental kernels run best
  // one vector per iteration (measured: two at once run slower on AVX2, short of registers).
  if constexpr (std::is_same_v<hn::TFromD<DC>, float> && sizeof...(TO) == 1) {
    // The NaN test of the block is one vector: NaN wherever a lane of an input is (and where
    // infinities or overflow make one: those blocks take the blends too, with the same results).
    // A compare per vector was the cost that remained (vector compares into a mask issue on
    // fewer ports than adds and FMAs): relu backward at 4096 elements on AVX-512, 172 ns with
    // a compare and a branch per vector, 127 with this, 100 with no NaN test at all.
    for (; i + 4 * N <= n; i += 4 * N) {
      hn::Vec<DC> v[4][sizeof...(TI)];
      for (size_t k = 0; k < 4; ++k) {
        ((v[k][kI] = LoadLanes(dc, std::get<kI>(in) + i + k * N)), ...);
      }
      if constexpr (kPassNaN > 0) {
        if (HWY_UNLIKELY(!hn::AllFalse(dc, hn::IsNaN(BlockNaNProbe<kPassNaN>(v))))) {
          // Nothing is stored yet: the blending path reads the inputs again.
          for (size_t k = 0; k < 4 * N; k += N) {
            MapVector<kPassNaN>(dc, f, in_at(i + k), out_at(i + k), si, so, streams);
          }
          continue;
        }
      }
      for (size_t k = 0; k < 4; ++k)
        StoreLanes(dc, f(dc, v[k][kI]...), std::get<0>(out) + i + k * N, streams & 1);
    }
  }
  for (; i + N <= n; i += N) MapVector<kPassNaN>(dc, f, in_at(i), out_at(i), si, so, streams);
  if (i < n) MapTail<kPassNaN>(dc, n - i, f, in_at(i), out_at(i), si, so);
}

// The one loop of the element-wise and gated code: for i < n, the outputs' elements are
// f(dc, the inputs' elements...), computed in lanes of dc's type; f returns a vector for one
// output or a VecPair for two. A NaN in one of the first kPassNaN inputs is passed through to
// every output (the first input's NaN first): NaN in gives NaN out in every direction, whatever
// a branch of the kernel would make of it; kPassNaN 0 where f keeps NaN by itself. The tail goes
// through zero-filled buffers so the vector code never reads past the arrays. Where kMayStream
// and `stream` (Args::stream), the outputs' aligned vectors are stored with streaming stores;
// the caller ends the call with FlushStreams.
template <int kPassNaN, bool kMayStream = false, class DC, class F, typename... TI, typename... TO>
HWY_INLINE void Map(DC dc, size_t n, F f, std::tuple<const TI*...> in, std::tuple<TO*...> out,
                    bool stream = false) {
  static_assert(sizeof...(TO) == 1 || sizeof...(TO) == 2, "one output, or a VecPair's two");
  if constexpr (kMayStream && kCanStream) {
    if (HWY_UNLIKELY(stream)) {
      MapLoop<kPassNaN, true>(dc, n, f, in, out, std::index_sequence_for<TI...>(),
                              std::index_sequence_for<TO...>());
      return;
    }
  }
  MapLoop<kPassNaN, false>(dc, n, f, in, out, std::index_sequence_for<TI...>(),
                           std::index_sequence_for<TO...>());
}

// The element-wise form: out[i] = f(dc, in0[i], in1[i]), NaN in either input passed through;
// kIn 1 reads in0 alone (f gets it twice), kPassNaN false where f keeps NaN (ForwardKeepsNaN,
// FromYKeepsNaN).
template <int kIn, bool kPassNaN = true, bool kMayStream = false, class DC, typename T0,
          typename T1, typename TO, class F>
HWY_INLINE void Map(DC dc, const T0* in0, const T1* in1, TO* out, size_t n, F f,
                    bool stream = false) {
  if constexpr (kIn == 1) {
    Map<kPassNaN ? 1 : 0, kMayStream>(
        dc, n, [&](DC d, hn::Vec<DC> v) ACTIV_LAMBDA { return f(d, v, v); },
        std::tuple<const T0*>(in0), std::tuple<TO*>(out), stream);
  } else {
    static_assert(kIn == 2);
    Map<kPassNaN ? 2 : 0, kMayStream>(dc, n, f, std::tuple<const T0*, const T1*>(in0, in1),
                                      std::tuple<TO*>(out), stream);
  }
}

// Kernels with a Prepare(a) get its result in place of a: scalar work on the parameters done
// once per call rather than once per vector (the compiler does not hoist it: a vector store may
// alias the parameters).
template <class Kernel>
concept HasPrepare = requires(const Args& a) {
  { Kernel::Prepare(a) } -> std::same_as<Args>;
};
template <class Kernel>
Args Prepared(const Args& a) {
  if constexpr (HasPrepare<Kernel>) {
    return Kernel::Prepare(a);
  } else {
    return a;
  }
}

// A faithful float-lane kernel may have ForwardN<kForwardN>(d, v, a): Forward's results for
// kForwardN vectors at once, in place, its steps interleaved across them (as the fast kernels'
// ForwardN): its chain is long and one vector's steps depend on each other, and the out-of-order
// core then sees independent work next to each latency. float32 arrays only, the rest through
// Map.
template <class Kernel>
concept HasFaithfulForwardN = requires(hn::ScalableTag<float> d,
                                       hn::Vec<decltype(d)> (&v)[Kernel::kForwardN],
                                       const Args& a) {
  Kernel::template ForwardN<Kernel::kForwardN>(d, v, a);
};
// Its counterpart for the backward pass: BackwardN<kBackwardN>(d, x, dy, a) leaves Backward's
// results for kBackwardN vectors in dy, its steps interleaved across them (kBackwardN 1: the
// kernel's one-vector Backward through Map, where interleaving measured no faster).
template <class Kernel>
concept HasFaithfulBackwardN = requires(hn::ScalableTag<float> d,
                                        hn::Vec<decltype(d)> (&v)[Kernel::kBackwardN],
                                        const Args& a) {
  requires(Kernel::kBackwardN > 1);
  Kernel::template BackwardN<Kernel::kBackwardN>(d, v, v, a);
};

// Every entry point below ends with this: a streamed call's stores are visible to whoever
// sees the call return.
HWY_INLINE void EndCall(const Args& a) {
  if constexpr (kCanStream) {
    if (HWY_UNLIKELY(a.stream)) FlushStreams();
  }
}

// The loops that take Args::stream: those that run at memory speed on one thread, where
// streaming saves the output's read for ownership. Measured on AMD EPYC (Zen 5), 16M elements,
// one thread, streamed against plain (the same binary with the threshold forced, and the old and
// new benchmark binaries alternated; process CPU time, a shared machine):
// - the exact kernels (relu: 0.61-0.90x on AVX-512 and AVX2, every type and direction) and the
//   gradients from y in float lanes (sigmoid, tanh: 0.63-0.94x, bfloat16 too), whose loops are a
//   few operations a vector: streamed everywhere;
// - loops with a kernel of some length stream only where each store is a whole 64-byte line
//   (AVX-512 vectors of float32 or float64): there the fast mode's float32 loops ran at
//   0.67-0.89x and the faithful float32 backward passes 0.69-0.93x (sigmoid, elu, selu), but
//   the same loops with 32-byte stores (AVX2, 16-bit results, float32 results of double lanes)
//   ran 1.03-1.37x slower streamed, as if a line written in two halves, a kernel apart, went to
//   memory in two parts;
// - not streamed: the faithful forward passes of the transcendental kernels (1.03-1.06x slower
//   streamed even with whole-line stores: bound by their arithmetic), the gated units (0.996x
//   and 1.03x faithful, 1.03x for the fast backward pass).
template <class DC, typename TO>
inline constexpr bool kWholeLines = hn::MaxLanes(DC()) * sizeof(TO) >= 64;
template <class Kernel>
inline constexpr bool kStreamForward = ExactInFloat32<Kernel>;
template <class Kernel, typename TX, typename TG>
inline constexpr bool kStreamBackward =
    ExactInFloat32<Kernel> || kWholeLines<BackwardTag<Kernel, TX, TG>, TG>;
template <class Kernel, typename T>
inline constexpr bool kStreamFromY =
    ExactInFloat32<Kernel> || std::is_same_v<hn::TFromD<FromYTag<Kernel, T>>, float>;
template <typename TO>
inline constexpr bool kStreamFast = kWholeLines<hn::ScalableTag<float>, TO>;

template <typename TI, typename TO>
void ForwardT(const TI* x, TO* y, size_t n, const Args& args) {
  using Kernel = K<TO>;
  using DC = ForwardTag<Kernel, TI, TO>;
  const Args a = Prepared<Kernel>(args);
  auto f = [&](auto d, auto v, auto) ACTIV_LAMBDA { return Kernel::Forward(d, v, a); };
  size_t i = 0;
  if constexpr (std::is_same_v<TI, float> && std::is_same_v<TO, float> &&
                std::is_same_v<DC, hn::ScalableTag<float>> && HasFaithfulForwardN<Kernel>) {
    constexpr size_t kN = Kernel::kForwardN;
    const DC d;
    const size_t N = hn::Lanes(d);
    for (; i + kN * N <= n; i += kN * N) {
      hn::Vec<DC> v[kN];
      for (size_t k = 0; k < kN; ++k) v[k] = hn::LoadU(d, x + i + k * N);
      if constexpr (!ForwardKeepsNaN<Kernel>) {
        // Map's NaN test (BlockNaNProbe): a block with a NaN (or infinities that sum to one)
        // takes Map, whose blends pass NaN through; nothing is stored yet.
        hn::Vec<DC> probe = v[0];
        for (size_t k = 1; k < kN; ++k) probe = hn::Add(probe, v[k]);
        if (HWY_UNLIKELY(!hn::AllFalse(d, hn::IsNaN(probe)))) {
          Map<1, true>(d, x + i, x + i, y + i, kN * N, f);
          continue;
        }
      }
      Kernel::template ForwardN<kN>(d, v, a);
      for (size_t k = 0; k < kN; ++k) hn::StoreU(v[k], d, y + i + k * N);
    }
  }
  Map<1, !ForwardKeepsNaN<Kernel>, kStreamForward<Kernel>>(DC(), x + i, x + i, y + i, n - i, f,
                                                           args.stream);
}

// The head of a streamed loop over `out` that steps `block` elements at a time, as MapStreamHead
// for Map: the elements before `out` is aligned, stored plainly through MapTail (f as Map's
// tuple form takes it); returns their count, and sets `stream` where the loop has an aligned
// block to stream.
template <int kPassNaN, class DC, class F, typename... TI, typename TO>
HWY_NOINLINE size_t BlockStreamHead(DC dc, size_t n, size_t block, F& f,
                                    std::tuple<const TI*...> in, TO* out, bool& stream) {
  const size_t h = StreamHead(out, hn::Lanes(dc) * sizeof(TO));
  if (h == kNoStream || h + block > n) return 0;
  if (h > 0) {
    MapTail<kPassNaN>(dc, h, f, in, std::tuple<TO*>(out), std::index_sequence_for<TI...>(),
                      std::index_sequence<0>());
  }
  stream = true;
  detail::AddStreamedElements((n - h) / block * block);
  return h;
}
template <typename TX, typename TG>
void BackwardT(const TX* x, const TG* dy, TG* dx, size_t n, const Args& args) {
  using Kernel = K<TG>;
  using DC = BackwardTag<Kernel, TX, TG>;
  const Args a = Prepared<Kernel>(args);
  auto f = [&](auto d, auto v, auto g) ACTIV_LAMBDA { return Kernel::Backward(d, v, g, a); };
  if constexpr (std::is_same_v<TX, float> && std::is_same_v<TG, float> &&
                std::is_same_v<DC, hn::ScalableTag<float>> && HasFaithfulBackwardN<Kernel>) {
    // ForwardT's loop for BackwardN, with Map's streaming rules: instantiated once plain and,
    // where kStreamBackward, once streamed (the head before the aligned blocks and the tail
    // stored plainly), so that the plain loop is the same code as without streaming.
    constexpr size_t kN = Kernel::kBackwardN;
    const DC d;
    const size_t N = hn::Lanes(d);
    auto loop = [&](auto streamed) ACTIV_LAMBDA {
      constexpr bool kS = decltype(streamed)::value;
      size_t i = 0;
      bool stream = false;
      if constexpr (kS) {
        i = BlockStreamHead<2>(d, n, kN * N, f, std::tuple<const float*, const float*>(x, dy), dx,
                               stream);
      }
      for (; i + kN * N <= n; i += kN * N) {
        hn::Vec<DC> v[kN], g[kN];
        for (size_t k = 0; k < kN; ++k) v[k] = hn::LoadU(d, x + i + k * N);
        for (size_t k = 0; k < kN; ++k) g[k] = hn::LoadU(d, dy + i + k * N);
        // Map's NaN test (BlockNaNProbe): a block with a NaN in x or dy (or products that make
        // one) takes Map, whose blends pass NaN through; nothing is stored yet.
        if (HWY_UNLIKELY(BlockHasNaN2(d, v, g))) {
          Map<2, true, kS>(d, x + i, dy + i, dx + i, kN * N, f, kS && stream);
          continue;
        }
        Kernel::template BackwardN<kN>(d, v, g, a);
        for (size_t k = 0; k < kN; ++k) StoreVec(d, g[k], dx + i + k * N, kS && stream);
      }
      Map<2, true, kS>(d, x + i, dy + i, dx + i, n - i, f, kS);
    };
    if constexpr (kStreamBackward<Kernel, TX, TG> && kCanStream) {
      if (HWY_UNLIKELY(args.stream)) {
        loop(std::true_type());
        return;
      }
    }
    loop(std::false_type());
  } else {
    Map<2, true, kStreamBackward<Kernel, TX, TG>>(DC(), x, dy, dx, n, f, args.stream);
  }
}

// Compiled only for the operations that have it (if constexpr in a template discards the call).
template <typename T>
void BackwardFromYT(const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  using Kernel = K<T>;
  if constexpr (HasFromY<Kernel>) {
    Map<2, !FromYKeepsNaN<Kernel>, kStreamFromY<Kernel, T>>(
        FromYTag<Kernel, T>(), y, dy, dx, n,
        [&](auto d, auto v, auto g) ACTIV_LAMBDA { return Kernel::BackwardFromY(d, v, g, a); },
        a.stream);
  }
}

// sum(dy * df/dparam), lanes past n masked out of the sum.
template <typename TX, typename TG>
double ParamGradT(const TX* x, const TG* dy, size_t n, const Args& a) {
  using Kernel = K<TG>;
  if constexpr (!HasParamGrad<Kernel>)
    return 0.0;
  else {
    const D d;
    const size_t N = hn::Lanes(d);
    V sum = hn::Zero(d);
    size_t i = 0;
    for (; i + N <= n; i += N) {
      sum = hn::Add(sum, Kernel::ParamGrad(d, LoadAs(d, x + i), LoadAs(d, dy + i), a));
    }
    if (i < n) {
      HWY_ALIGN TX xb[hn::MaxLanes(d)] = {};
      HWY_ALIGN TG gb[hn::MaxLanes(d)] = {};
      std::memcpy(xb, x + i, (n - i) * sizeof(TX));
      std::memcpy(gb, dy + i, (n - i) * sizeof(TG));
      const V g = Kernel::ParamGrad(d, LoadAs(d, xb), LoadAs(d, gb), a);
      sum = hn::Add(sum, hn::IfThenElseZero(hn::FirstN(d, n - i), g));
    }
    return hn::GetLane(hn::SumOfLanes(d, sum));
  }
}

// Gated units, out = act(gate) * up, one row at a time through the element-wise Map. float32
// computes in double and rounds once on store; the float32 kernels serve the float32 and 16-bit
// results: act(gate) * up is one more double rounding on a kernel value good to 2^-40, which
// still rounds to float32 within 0.5 + 2^-16 ULP.
// A float32 kernel's value (double lanes) need only be right where float32 can show it, but a
// large up or dout brings a value far below float32's range back into it: gelu(-18) 2^126 is
// 1.2e-33, and the float32 kernel's gelu(-18) was 20% off. Where act(gate) is below 2^-126, the
// float64 kernel's value and slope replace them (never for the exact kernels, whose zeros are
// exact); with gates in [-8, 8] no vector has such a lane.
// kSlope: also act'(g) gu in dg, from the same kernel as f.
template <typename T, bool kSlope>
HWY_INLINE void PatchTinyGates(D d, V g, V gu, const Args& a, V& f, V& dg) {
  if constexpr (!std::is_same_v<T, double> && !ExactInFloat32<K<T>>) {
    const auto tiny = hn::Lt(hn::Abs(f), hn::Set(d, 0x1p-126));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
      f = hn::IfThenElse(tiny, K<double>::Forward(d, g, a), f);
      if constexpr (kSlope) dg = hn::IfThenElse(tiny, K<double>::Backward(d, g, gu, a), dg);
    }
  }
}
template <typename T>
HWY_INLINE V GateValue(D d, V g, const Args& a) {
  V f = K<T>::Forward(d, g, a), unused;
  PatchTinyGates<T, false>(d, g, g, a, f, unused);
  return f;
}
// (d_gate, d_up) in double lanes, rounded once to the array's type on store.
template <typename T>
HWY_INLINE VecPair<V> GateGrads(D d, V g, V u, V dy, const Args& a) {
  const V gu = hn::Mul(dy, u);
  V f = K<T>::Forward(d, g, a);
  V dg = K<T>::Backward(d, g, gu, a);
  PatchTinyGates<T, true>(d, g, gu, a, f, dg);
  return VecPair<V>{dg, hn::Mul(dy, f)};
}

template <class Kernel>
concept HasGateF = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> v, const Args& a) {
  Kernel::GateF(d, v, v, a);
};
// A float-lane gate may have GateFN<kGateN>(d, g, u, a): GateF's results for kGateN vectors at
// once, in g, its steps interleaved across them (as ForwardN). float32 rows only.
template <class Kernel>
concept HasGateFN = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> (&v)[Kernel::kGateN],
                             const Args& a) {
  Kernel::template GateFN<Kernel::kGateN>(d, v, v, a);
};
template <typename T>
void GatedRowsImpl(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) {
  using Kernel = K<T>;
  if constexpr (kFloatOr16<T> && HWY_NATIVE_FMA && HasGateF<Kernel>) {
    // Kernels with a float-lane gate (act(g) u rounded once in float lanes): glu, swiglu.
    using DL = hn::ScalableTag<float>;
    auto f = [&](auto d, auto g, auto u) ACTIV_LAMBDA { return Kernel::GateF(d, g, u, a); };
    for (size_t r = 0; r < gate.rows; ++r) {
      size_t i = 0;
      if constexpr (std::is_same_v<T, float> && HasGateFN<Kernel>) {
        constexpr size_t kN = Kernel::kGateN;
        const DL d;
        const size_t N = hn::Lanes(d);
        const T* g_row = gate.row(r);
        const T* u_row = up.row(r);
        T* y_row = out.row(r);
        for (; i + kN * N <= gate.cols; i += kN * N) {
          hn::Vec<DL> g[kN], u[kN];
          for (size_t k = 0; k < kN; ++k) g[k] = hn::LoadU(d, g_row + i + k * N);
          for (size_t k = 0; k < kN; ++k) u[k] = hn::LoadU(d, u_row + i + k * N);
          // Map's NaN test (BlockNaNProbe): a block with a NaN (or infinities whose products
          // make one) takes Map, whose blends pass NaN through; nothing is stored yet.
          if (HWY_UNLIKELY(BlockHasNaN2(d, g, u))) {
            Map<2>(d, g_row + i, u_row + i, y_row + i, kN * N, f);
            continue;
          }
          Kernel::template GateFN<kN>(d, g, u, a);
          for (size_t k = 0; k < kN; ++k) hn::StoreU(g[k], d, y_row + i + k * N);
        }
      }
      Map<2>(DL(), gate.row(r) + i, up.row(r) + i, out.row(r) + i, gate.cols - i, f);
    }
    return;
  }
  for (size_t r = 0; r < gate.rows; ++r) {
    Map<2>(D(), gate.row(r), up.row(r), out.row(r), gate.cols,
           [&](auto d, auto g, auto u) ACTIV_LAMBDA { return hn::Mul(GateValue<T>(d, g, a), u); });
  }
}

// d_gate = act'(gate) * (dout * up), d_up = dout * act(gate), NaN gates passed to both. dout *
// up is exact in double for float32; for float64 it adds one rounding. Map computes both before
// storing either: d_gate may be gate, d_up may be up.
template <class Kernel>
concept HasGateBackwardF = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> v,
                                    const Args& a) {
  Kernel::GateBackwardF(d, v, v, v, a, v, v);
};
// GateGrads on the two halves of float vectors promoted to double, demoted back: the float-lane
// gradients' slow path.
template <typename T, class DF>
HWY_NOINLINE VecPair<hn::Vec<DF>> GateGradsOnDoubleLanes(DF df, hn::Vec<DF> g, hn::Vec<DF> u,
                                                         hn::Vec<DF> dy, const Args& a) {
  const hn::Half<DF> dh;
  const D d;
  static_assert(hn::MaxLanes(dh) == hn::MaxLanes(d));
  const auto lo = GateGrads<T>(d, hn::PromoteTo(d, hn::LowerHalf(dh, g)),
                               hn::PromoteTo(d, hn::LowerHalf(dh, u)),
                               hn::PromoteTo(d, hn::LowerHalf(dh, dy)), a);
  const auto hi =
      GateGrads<T>(d, hn::PromoteTo(d, UpperHalf(dh, g)), hn::PromoteTo(d, UpperHalf(dh, u)),
                   hn::PromoteTo(d, UpperHalf(dh, dy)), a);
  return {Combine(df, hn::DemoteTo(dh, hi.first), hn::DemoteTo(dh, lo.first)),
          Combine(df, hn::DemoteTo(dh, hi.second), hn::DemoteTo(dh, lo.second))};
}
// Kernels with float-lane gradients (swiglu): the lanes they leave out (the returned mask)
// take the double lanes' results.
template <typename T, class DL>
HWY_INLINE VecPair<hn::Vec<DL>> GateGradsF(DL df, hn::Vec<DL> g, hn::Vec<DL> u, hn::Vec<DL> dy,
                                           const Args& a) {
  hn::Vec<DL> dg, du;
  const auto ok = K<T>::GateBackwardF(df, g, u, dy, a, dg, du);
  if (HWY_LIKELY(hn::AllTrue(df, ok))) return VecPair<hn::Vec<DL>>{dg, du};
  const auto slow = GateGradsOnDoubleLanes<T>(df, g, u, dy, a);
  return VecPair<hn::Vec<DL>>{hn::IfThenElse(ok, dg, slow.first),
                              hn::IfThenElse(ok, du, slow.second)};
}
template <typename T>
void GatedBackwardRowsImpl(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
                           Rows<T> d_up, const Args& a) {
  using Kernel = K<T>;
  if constexpr (kFloatOr16<T> && HWY_NATIVE_FMA && HasGateBackwardF<Kernel>) {
    using DL = hn::ScalableTag<float>;
    for (size_t r = 0; r < gate.rows; ++r) {
      Map<1>(
          DL(), gate.cols,
          [&](DL df, hn::Vec<DL> g, hn::Vec<DL> u, hn::Vec<DL> dy)
              ACTIV_LAMBDA { return GateGradsF<T>(df, g, u, dy, a); },
          std::tuple{gate.row(r), up.row(r), dout.row(r)}, std::tuple{d_gate.row(r), d_up.row(r)});
    }
    return;
  }
  for (size_t r = 0; r < gate.rows; ++r) {
    Map<1>(
        D(), gate.cols,
        [&](auto d, auto g, auto u, auto dy) ACTIV_LAMBDA { return GateGrads<T>(d, g, u, dy, a); },
        std::tuple{gate.row(r), up.row(r), dout.row(r)}, std::tuple{d_gate.row(r), d_up.row(r)});
  }
}

// Compiled only for the operations flagged kGates.
template <typename T>
void GatedRows(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) {
  if constexpr ((kFlags & kGates) != 0) GatedRowsImpl(gate, up, out, a);
}
template <typename T>
void GatedBackwardRows(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
                       Rows<T> d_up, const Args& a) {
  if constexpr ((kFlags & kGates) != 0) GatedBackwardRowsImpl(gate, up, dout, d_gate, d_up, a);
}

// The fast table (Accuracy::fast), defined only for the operations with a fast kernel
// (src/kernels/fast/<name>-inl.h, struct fast::<name>). Its float-lane Forward and Backward,
// where it has them, serve float32 and 16-bit arrays on FMA targets; every other combination, and
// the directions it lacks, are the faithful kernels' (which meet the fast bound).
#ifdef ACTIV_UNIT_FAST_KERNELS
using FastKernel = kernels::f32::fast::ACTIV_UNIT;
template <class Kernel>
concept HasFastBackward = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> v,
                                   const Args& a) {
  Kernel::Backward(d, v, v, a);
};
template <class Kernel>
concept HasOwnForward = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> v, const Args& a) {
  Kernel::Forward(d, v, a);
};
// A fast kernel may have ForwardN<K>(d, v, a), K vectors at once in place, its steps
// interleaved across the K: the out-of-order core then sees independent work next to each long
// latency (the division, the scalef) instead of one vector's chain after another's. Taken where
// the kernel keeps NaN by itself (kForwardKeepsNaN); float32 arrays only, the rest through Map.
template <class Kernel>
concept HasForwardN = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> (&v)[4],
                               const Args& a) {
  Kernel::template ForwardN<4>(d, v, a);
};
template <class Kernel>
concept HasFastForward = HasOwnForward<Kernel> || HasForwardN<Kernel>;
// One vector: the kernel's Forward, or ForwardN<1> where that is all it has.
template <class FK, class DF>
HWY_INLINE hn::Vec<DF> FastForward1(DF d, hn::Vec<DF> x, const Args& a) {
  if constexpr (HasOwnForward<FK>) {
    return FK::Forward(d, x, a);
  } else {
    hn::Vec<DF> v[1] = {x};
    FK::template ForwardN<1>(d, v, a);
    return v[0];
  }
}
template <typename... T>
inline constexpr bool kFastLanes = (kFloatOr16<T> && ...) && HWY_NATIVE_FMA;

// Vectors per step of ForwardN: AVX-512 has 32 registers for four chains and their constants;
// AVX2 has 16, and at two chains some constants already live on the stack.
#ifndef ACTIV_FAST_N
#define ACTIV_FAST_N (HWY_TARGET <= HWY_AVX3 ? 4 : 2)
#endif
inline constexpr size_t kFastN = ACTIV_FAST_N;
// FK is FastKernel, a template parameter so that the checks of HasForwardN wait for it.
template <typename TI, typename TO, class FK = FastKernel>
void FastForwardT(const TI* x, TO* y, size_t n, const Args& args) {
  if constexpr (kFastLanes<TI, TO> && std::is_same_v<TI, float> && std::is_same_v<TO, float> &&
                HasForwardN<FK> && ForwardKeepsNaN<FK>) {
    const Args a = Prepared<FastKernel>(args);
    const hn::ScalableTag<float> d;
    const size_t N = hn::Lanes(d);
    auto one = [&](auto dd, auto v) ACTIV_LAMBDA { return FastForward1<FK>(dd, v, a); };
    // Instantiated once plain and, where kStreamFast, once streamed.
    auto loop = [&](auto streamed) ACTIV_LAMBDA {
      constexpr bool kS = decltype(streamed)::value;
      size_t i = 0;
      bool stream = false;
      if constexpr (kS) {
        i = BlockStreamHead<0>(d, n, kFastN * N, one, std::tuple<const float*>(x), y, stream);
      }
      for (; i + kFastN * N <= n; i += kFastN * N) {
        hn::Vec<decltype(d)> v[kFastN];
        for (size_t k = 0; k < kFastN; ++k) v[k] = hn::LoadU(d, x + i + k * N);
        FK::template ForwardN<kFastN>(d, v, a);
        for (size_t k = 0; k < kFastN; ++k) StoreVec(d, v[k], y + i + k * N, kS && stream);
      }
      Map<1, false, kS>(
          d, x + i, x + i, y + i, n - i,
          [&](auto dd, auto v, auto) ACTIV_LAMBDA { return FastForward1<FK>(dd, v, a); }, kS);
    };
    if constexpr (kStreamFast<TO> && kCanStream) {
      if (HWY_UNLIKELY(args.stream)) {
        loop(std::true_type());
        return;
      }
    }
    loop(std::false_type());
  } else if constexpr (kFastLanes<TI, TO> && HasFastForward<FK>) {
    const Args a = Prepared<FK>(args);
    Map<1, !ForwardKeepsNaN<FK>, kStreamFast<TO>>(
        hn::ScalableTag<float>(), x, x, y, n,
        [&](auto d, auto v, auto) ACTIV_LAMBDA { return FastForward1<FK>(d, v, a); }, args.stream);
  } else {
    ForwardT(x, y, n, args);
  }
}
// The same for Backward: BackwardN<K>(d, x, dy, a) leaves K results in dy, NaN passed through
// by the kernel itself as Map<2> would (x's NaN first, then dy's).
template <class Kernel>
concept HasBackwardN = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> (&v)[4],
                                const Args& a) {
  Kernel::template BackwardN<4>(d, v, v, a);
};
// FK is FastKernel, a template parameter so that a kernel without Backward discards the call.
template <typename TX, typename TG, class FK = FastKernel>
void FastBackwardT(const TX* x, const TG* dy, TG* dx, size_t n, const Args& args) {
  if constexpr (kFastLanes<TX, TG> && std::is_same_v<TX, float> && std::is_same_v<TG, float> &&
                HasBackwardN<FK>) {
    const Args a = Prepared<FK>(args);
    const hn::ScalableTag<float> d;
    const size_t N = hn::Lanes(d);
    auto one = [&](auto dd, auto v, auto g) ACTIV_LAMBDA { return FK::Backward(dd, v, g, a); };
    auto loop = [&](auto streamed) ACTIV_LAMBDA {
      constexpr bool kS = decltype(streamed)::value;
      size_t i = 0;
      bool stream = false;
      if constexpr (kS) {
        i = BlockStreamHead<2>(d, n, 4 * N, one, std::tuple<const float*, const float*>(x, dy), dx,
                               stream);
      }
      for (; i + 4 * N <= n; i += 4 * N) {
        hn::Vec<decltype(d)> v[4], g[4];
        for (size_t k = 0; k < 4; ++k) v[k] = hn::LoadU(d, x + i + k * N);
        for (size_t k = 0; k < 4; ++k) g[k] = hn::LoadU(d, dy + i + k * N);
        FK::template BackwardN<4>(d, v, g, a);
        for (size_t k = 0; k < 4; ++k) StoreVec(d, g[k], dx + i + k * N, kS && stream);
      }
      Map<2, true, kS>(d, x + i, dy + i, dx + i, n - i, one, kS);
    };
    if constexpr (kStreamFast<TG> && kCanStream) {
      if (HWY_UNLIKELY(args.stream)) {
        loop(std::true_type());
        return;
      }
    }
    loop(std::false_type());
  } else if constexpr (kFastLanes<TX, TG> && HasFastBackward<FK>) {
    const Args a = Prepared<FK>(args);
    Map<2, true, kStreamFast<TG>>(
        hn::ScalableTag<float>(), x, dy, dx, n,
        [&](auto d, auto v, auto g) ACTIV_LAMBDA { return FK::Backward(d, v, g, a); }, args.stream);
  } else {
    BackwardT(x, dy, dx, n, args);
  }
}
#define ACTIV_UNIT_DEFINE_FAST(S, TI, TO)                            \
  void FastForward##S(const TI* x, TO* y, size_t n, const Args& a) { \
    FastForwardT(x, y, n, a);                                        \
    EndCall(a);                                                      \
  }
#define ACTIV_UNIT_DEFINE_FAST_BACKWARD(S, TX, TG)                                   \
  void FastBackward##S(const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    FastBackwardT(x, dy, dx, n, a);                                                  \
    EndCall(a);                                                                      \
  }
ACTIV_FORWARD_TYPES(ACTIV_UNIT_DEFINE_FAST)
ACTIV_BACKWARD_TYPES(ACTIV_UNIT_DEFINE_FAST_BACKWARD)
#undef ACTIV_UNIT_DEFINE_FAST
#undef ACTIV_UNIT_DEFINE_FAST_BACKWARD

// The gated units' fast table: act(g) from the fast kernel, then the products in float lanes
// (float32 and 16-bit arrays on FMA targets, gates with a fast Forward and Backward; every other
// call is the faithful path's). A lane whose factors leave float32's normal range takes the
// faithful result, tested once per vector: a subnormal or zero act(g) at a nonzero gate (gelu(-18)
// times up 2^126 is a normal float that the fast value, flushed or short of digits, would lose;
// sigmoid(-104) rounds to 0), and in the backward pass a dout * up that overflows, is zero or
// falls below 2^-60 (the exact d_gate may still be a normal float, and a fast kernel's own steps
// with such a dy may round into the subnormals).
// The faithful pass's results on one vector, as its loops compute them (float lanes where the
// kernel has them): the fast mode's lanes that leave take the faithful results (for 16-bit
// arrays, double-lane results pass through float32 before their last rounding).
template <typename T, class DF>
HWY_NOINLINE hn::Vec<DF> FaithfulGate(DF df, hn::Vec<DF> g, hn::Vec<DF> u, const Args& a) {
  if constexpr (HasGateF<K<T>>) {
    return K<T>::GateF(df, g, u, a);
  } else {
    const hn::Half<DF> dh;
    const D d;
    static_assert(hn::MaxLanes(dh) == hn::MaxLanes(d));
    const V lo = hn::Mul(GateValue<T>(d, hn::PromoteTo(d, hn::LowerHalf(dh, g)), a),
                         hn::PromoteTo(d, hn::LowerHalf(dh, u)));
    const V hi = hn::Mul(GateValue<T>(d, hn::PromoteTo(d, UpperHalf(dh, g)), a),
                         hn::PromoteTo(d, UpperHalf(dh, u)));
    return Combine(df, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
  }
}
template <typename T, class DF>
HWY_NOINLINE VecPair<hn::Vec<DF>> FaithfulGateGrads(DF df, hn::Vec<DF> g, hn::Vec<DF> u,
                                                    hn::Vec<DF> dy, const Args& a) {
  if constexpr (HasGateBackwardF<K<T>>) {
    return GateGradsF<T>(df, g, u, dy, a);
  } else {
    return GateGradsOnDoubleLanes<T>(df, g, u, dy, a);
  }
}
// The lanes where act(g) = f is below float32's normal range while g is not zero (the zeros of
// the gates are exact at g = 0).
template <class DF>
HWY_INLINE hn::Mask<DF> TinyGate(DF df, hn::Vec<DF> g, hn::Vec<DF> f) {
  return hn::AndNot(hn::Eq(g, hn::Zero(df)), hn::Lt(hn::Abs(f), hn::Set(df, 0x1p-126f)));
}
template <class FK>
inline constexpr bool kFastGate = HasFastForward<FK>&& HasFastBackward<FK>;
// A fast kernel may have GateN<K>(d, g, u, a): act(g) u for K vectors of g in place, the
// product rounded inside the kernel's last step (see FastGatedT).
template <class Kernel>
concept HasFastGate = requires(hn::ScalableTag<float> d, hn::Vec<decltype(d)> (&v)[4],
                               const Args& a) {
  Kernel::template GateN<4>(d, v, v, a);
};
// A fast act(g) with a relative error of r 2^-23 gives act(g) * up within 2 r + 1/2 ULP (up
// can put the product's significand near 2 where act(g)'s is near 1). gelu's stays under 1.75
// (r measured on every 31st float32 of [-12, 12] and every 509th elsewhere, AVX2 and AVX-512:
// 1.68 at most), so geglu multiplies the fast gelu(g) by up. sigmoid's, silu's and gelu_tanh's
// (AVX2) reach 2.05, 1.97 and 2.05 where e^x's error passes through to the quotient, up to 4.6
// ULP for such a product: glu, swiglu and geglu_tanh take up into the kernel instead (GateN:
// g up, or up, in the numerator of the last quotient, the table's rounding kept apart on
// AVX-512), so that the product is rounded once, its error the kernel's before its last
// rounding plus that rounding (a sweep of every 257th float32 gate, each with 24 ups that
// put the product's significand across [1, 2): at most 3.18, 3.06 and 3.08 ULP on AVX-512,
// 3.29, 3.37 and 3.33 on AVX2, where the rounded act(g) times up reached 4.50, 5.27 and 4.13
// on AVX-512, 4.41, 3.84 and 4.20 on AVX2).
// A fast kernel without GateN keeps its gated forward pass faithful. The backward pass takes
// every fast gate: d_up is held to 8 ULP beyond its faithful bound.
template <class FK>
inline constexpr bool kFastGateForward = Op::ACTIV_UNIT == Op::gelu || HasFastGate<FK>;
// GateN's results kept where they are at least 2^-64 in magnitude and finite: GateN rounds
// once into the normal range there (g u, where the kernel takes it as an exact pair, is then
// above 2^-100 and its error exact; a quotient before a scale by up to 2^55 stays normal; an
// intermediate that overflows stays infinite or NaN, and NaN is also GateN's mark for a lane
// outside its range). The other lanes, tested once per
// vector, are the faithful pass's: zero products and their signs, NaN and infinite inputs,
// subnormal results.
template <typename T, class DF>
HWY_INLINE hn::Vec<DF> KeepFusedGate(DF df, hn::Vec<DF> g, hn::Vec<DF> u, hn::Vec<DF> y,
                                     const Args& args) {
  const hn::Vec<DF> ay = hn::Abs(y);
  const auto ok =
      hn::And(hn::Ge(ay, hn::Set(df, 0x1p-64f)), hn::Le(ay, hn::Set(df, 3.40282347e38f)));
  if (HWY_LIKELY(hn::AllTrue(df, ok))) return y;
  // A NaN input is passed through as Map<2> passes it (gate's first).
  return PassNaN<2>(hn::IfThenElse(ok, y, FaithfulGate<T>(df, g, u, args)), g, u);
}
template <typename T, class FK = FastKernel>
void FastGatedT(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& args) {
  if constexpr ((kFlags & kGates) != 0 && kFastLanes<T> && kFastGate<FK> && kFastGateForward<FK> &&
                HasFastGate<FK>) {
    const Args a = Prepared<FK>(args);
    using DL = hn::ScalableTag<float>;
    const DL df;
    auto one = [&](DL d1, hn::Vec<DL> g, hn::Vec<DL> u) ACTIV_LAMBDA {
      hn::Vec<DL> y[1] = {g};
      const hn::Vec<DL> uu[1] = {u};
      FK::template GateN<1>(d1, y, uu, a);
      return KeepFusedGate<T>(d1, g, u, y[0], args);
    };
    auto rows = [&](auto streamed) ACTIV_LAMBDA {
      constexpr bool kS = decltype(streamed)::value;
      for (size_t r = 0; r < gate.rows; ++r) {
        const T* g_row = gate.row(r);
        const T* u_row = up.row(r);
        T* y_row = out.row(r);
        size_t i = 0;
        if constexpr (std::is_same_v<T, float>) {
          const size_t N = hn::Lanes(df);
          bool stream = false;
          if constexpr (kS) {
            i = BlockStreamHead<2>(df, gate.cols, kFastN * N, one,
                                   std::tuple<const T*, const T*>(g_row, u_row), y_row, stream);
          }
          for (; i + kFastN * N <= gate.cols; i += kFastN * N) {
            hn::Vec<DL> g[kFastN], u[kFastN], y[kFastN];
            for (size_t k = 0; k < kFastN; ++k) g[k] = hn::LoadU(df, g_row + i + k * N);
            for (size_t k = 0; k < kFastN; ++k) u[k] = hn::LoadU(df, u_row + i + k * N);
            for (size_t k = 0; k < kFastN; ++k) y[k] = g[k];
            FK::template GateN<kFastN>(df, y, u, a);
            for (size_t k = 0; k < kFastN; ++k) {
              StoreVec(df, KeepFusedGate<T>(df, g[k], u[k], y[k], args), y_row + i + k * N,
                       kS && stream);
            }
          }
        }
        Map<2, true, kS>(df, g_row + i, u_row + i, y_row + i, gate.cols - i, one, kS);
      }
    };
    if constexpr (kStreamFast<T> && kCanStream) {
      if (HWY_UNLIKELY(args.stream)) {
        rows(std::true_type());
        return;
      }
    }
    rows(std::false_type());
  } else if constexpr ((kFlags & kGates) != 0 && kFastLanes<T> && kFastGate<FK> &&
                       kFastGateForward<FK>) {
    const Args a = Prepared<FK>(args);
    using DL = hn::ScalableTag<float>;
    for (size_t r = 0; r < gate.rows; ++r) {
      Map<2, true, kStreamFast<T>>(
          DL(), gate.row(r), up.row(r), out.row(r), gate.cols,
          [&](DL df, hn::Vec<DL> g, hn::Vec<DL> u) ACTIV_LAMBDA {
            const hn::Vec<DL> f = FastForward1<FK>(df, g, a);
            const auto tiny = TinyGate(df, g, f);
            if (HWY_LIKELY(hn::AllFalse(df, tiny))) return hn::Mul(f, u);
            return hn::IfThenElse(tiny, FaithfulGate<T>(df, g, u, args), hn::Mul(f, u));
          },
          args.stream);
    }
  } else {
    GatedRows(gate, up, out, args);
  }
}
template <typename T, class FK = FastKernel>
void FastGatedBackwardT(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
                        Rows<T> d_up, const Args& args) {
  if constexpr ((kFlags & kGates) != 0 && kFastLanes<T> && kFastGate<FK>) {
    const Args a = Prepared<FK>(args);
    using DL = hn::ScalableTag<float>;
    for (size_t r = 0; r < gate.rows; ++r) {
      Map<1>(
          DL(), gate.cols,
          [&](DL df, hn::Vec<DL> g, hn::Vec<DL> u, hn::Vec<DL> dy) ACTIV_LAMBDA {
            const hn::Vec<DL> gu = hn::Mul(dy, u);
            const hn::Vec<DL> f = FastForward1<FK>(df, g, a);
            const hn::Vec<DL> dg = FK::Backward(df, g, gu, a);
            const hn::Vec<DL> du = hn::Mul(dy, f);
            // The fast kernels' backward passes are held to their bounds for |dy| from 2^-60 to
            // the largest float; zero products take the faithful pass too, for its signs of zero.
            // NaN fails the compares: such vectors take the test below.
            const hn::Vec<DL> agu = hn::Abs(gu);
            const auto in_range = hn::And(hn::Ge(agu, hn::Set(df, 0x1p-60f)),
                                          hn::Le(agu, hn::Set(df, 3.40282347e38f)));
            const auto ok = hn::And(in_range, hn::Ge(hn::Abs(f), hn::Set(df, 0x1p-126f)));
            if (HWY_LIKELY(hn::AllTrue(df, ok))) return VecPair<hn::Vec<DL>>{dg, du};
            // Rare vectors: d_gate where dout * up is out of that range or NaN (infinity times
            // zero) and at infinite gates (the sign of a zero slope there is the faithful
            // pass's), d_up where act(g) is tiny, from the faithful pass.
            const auto slow_g = hn::Or(hn::Not(in_range), hn::IsInf(g));
            const auto slow_u = TinyGate(df, g, f);
            if (hn::AllFalse(df, hn::Or(slow_g, slow_u))) return VecPair<hn::Vec<DL>>{dg, du};
            const auto exact = FaithfulGateGrads<T>(df, g, u, dy, args);
            return VecPair<hn::Vec<DL>>{hn::IfThenElse(slow_g, exact.first, dg),
                                        hn::IfThenElse(slow_u, exact.second, du)};
          },
          std::tuple{gate.row(r), up.row(r), dout.row(r)}, std::tuple{d_gate.row(r), d_up.row(r)});
    }
  } else {
    GatedBackwardRows(gate, up, dout, d_gate, d_up, args);
  }
}
#define ACTIV_UNIT_DEFINE_FAST_GATED(S, T)                                              \
  void FastGated##S(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) { \
    FastGatedT(gate, up, out, a);                                                       \
    EndCall(a);                                                                         \
  }                                                                                     \
  void FastGatedBackward##S(Rows<const T> gate, Rows<const T> up, Rows<const T> dout,   \
                            Rows<T> d_gate, Rows<T> d_up, const Args& a) {              \
    FastGatedBackwardT(gate, up, dout, d_gate, d_up, a);                                \
    EndCall(a);                                                                         \
  }
ACTIV_GATED_TYPES(ACTIV_UNIT_DEFINE_FAST_GATED)
#undef ACTIV_UNIT_DEFINE_FAST_GATED
#endif  // ACTIV_UNIT_FAST_KERNELS

// The faithful table's 16-bit results come from the fast kernels where the operation has one for
// that direction (on FMA targets; FastForwardT and FastBackwardT fall back to ForwardT and
// BackwardT otherwise). A 16-bit result only has to be within one step of the 16-bit type of
// the correctly rounded value (docs/SPEC.md): a float32 value within 4 ULP of the exact one (the
// fast forward bound, every float32 input) lies between the same two neighbours of the 8- or
// 11-bit type as the exact value, or rounds to one of them (half a step is 2^15 or 2^12 float32
// ULP), and so does the correctly rounded float32 value. The same holds where the 16-bit
// results are subnormal (float32's ULP is then 2^-149, a 16-bit step 2^-133 or 2^-24) and at
// float16's overflow edge (infinity is the step after 65504). The backward pass's 8 ULP beyond
// its float32 bound are far inside the 16-bit bound (2 ULP of the 16-bit type plus the f'' term
// with p = 8 or 11). The faithful float32 kernels, with their pairs, are compute-bound, and the
// 16-bit calls ran at 0.72-0.95x float32's element rate at 16M elements.
// Not the backward calls with float32 dy and dx (their results are held to float32's bound),
// nor the gradients from y (no fast kernel takes y) or the gated units (their 16-bit results are
// the faithful float32 products rounded once more, with their own tiny-gate patches).
template <typename T>
inline constexpr bool kIs16 = std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;
template <typename TI, typename TO>
void FaithfulForwardT(const TI* x, TO* y, size_t n, const Args& a) {
#ifdef ACTIV_UNIT_FAST_KERNELS
  if constexpr (kIs16<TO>) {
    FastForwardT(x, y, n, a);
    return;
  }
#endif
  ForwardT(x, y, n, a);
}
template <typename TX, typename TG>
void FaithfulBackwardT(const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {
#ifdef ACTIV_UNIT_FAST_KERNELS
  if constexpr (kIs16<TG>) {
    FastBackwardT(x, dy, dx, n, a);
    return;
  }
#endif
  BackwardT(x, dy, dx, n, a);
}

#define ACTIV_UNIT_DEFINE_FORWARD(S, TI, TO)                     \
  void Forward##S(const TI* x, TO* y, size_t n, const Args& a) { \
    FaithfulForwardT(x, y, n, a);                                \
    EndCall(a);                                                  \
  }
#define ACTIV_UNIT_DEFINE_BACKWARD(S, TX, TG)                                    \
  void Backward##S(const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    FaithfulBackwardT(x, dy, dx, n, a);                                          \
    EndCall(a);                                                                  \
  }                                                                              \
  double ParamGrad##S(const TX* x, const TG* dy, size_t n, const Args& a) {      \
    return ParamGradT(x, dy, n, a);                                              \
  }
#define ACTIV_UNIT_DEFINE_FROM_Y(S, TY, TG)                                           \
  void BackwardFromY##S(const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardFromYT(y, dy, dx, n, a);                                                  \
    EndCall(a);                                                                       \
  }
#define ACTIV_UNIT_DEFINE_GATED(S, T)                                                             \
  void Gated##S(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) {               \
    GatedRows(gate, up, out, a);                                                                  \
    EndCall(a);                                                                                   \
  }                                                                                               \
  void GatedBackward##S(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate, \
                        Rows<T> d_up, const Args& a) {                                            \
    GatedBackwardRows(gate, up, dout, d_gate, d_up, a);                                           \
    EndCall(a);                                                                                   \
  }
ACTIV_FORWARD_TYPES(ACTIV_UNIT_DEFINE_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_UNIT_DEFINE_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_UNIT_DEFINE_FROM_Y)
ACTIV_GATED_TYPES(ACTIV_UNIT_DEFINE_GATED)
#undef ACTIV_UNIT_DEFINE_FORWARD
#undef ACTIV_UNIT_DEFINE_BACKWARD
#undef ACTIV_UNIT_DEFINE_FROM_Y
#undef ACTIV_UNIT_DEFINE_GATED

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace activ::op_units::ACTIV_UNIT::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace activ::op_units::ACTIV_UNIT {
using detail::Args;

// One table per call: the fast one when the call asks for it and the unit has one.
#ifdef ACTIV_UNIT_FAST_KERNELS
#define ACTIV_UNIT_EXPORT_FAST(fast_fn) HWY_EXPORT(fast_fn);
#define ACTIV_UNIT_PICK(faithful_fn, fast_fn, a)                  \
  ((a).accuracy == Accuracy::fast ? HWY_DYNAMIC_DISPATCH(fast_fn) \
                                  : HWY_DYNAMIC_DISPATCH(faithful_fn))
// HWY_NAMESPACE is the static target's here; whether the kernel has Backward is the same on all.
bool HasFastKernel(bool backward) {
  return backward ? HWY_NAMESPACE::HasFastBackward<HWY_NAMESPACE::FastKernel>
                  : HWY_NAMESPACE::HasFastForward<HWY_NAMESPACE::FastKernel>;
}
#else
#define ACTIV_UNIT_EXPORT_FAST(fast_fn)
#define ACTIV_UNIT_PICK(faithful_fn, fast_fn, a) HWY_DYNAMIC_DISPATCH(faithful_fn)
bool HasFastKernel(bool) { return false; }
#endif

#define ACTIV_UNIT_EXPORT_FORWARD(S, TI, TO)                    \
  HWY_EXPORT(Forward##S);                                       \
  ACTIV_UNIT_EXPORT_FAST(FastForward##S)                        \
  void Forward(const TI* x, TO* y, size_t n, const Args& a) {   \
    ACTIV_UNIT_PICK(Forward##S, FastForward##S, a)(x, y, n, a); \
  }
#define ACTIV_UNIT_EXPORT_BACKWARD(S, TX, TG)                                 \
  HWY_EXPORT(Backward##S);                                                    \
  ACTIV_UNIT_EXPORT_FAST(FastBackward##S)                                     \
  void Backward(const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    ACTIV_UNIT_PICK(Backward##S, FastBackward##S, a)(x, dy, dx, n, a);        \
  }                                                                           \
  HWY_EXPORT(ParamGrad##S);                                                   \
  double ParamGrad(const TX* x, const TG* dy, size_t n, const Args& a) {      \
    return HWY_DYNAMIC_DISPATCH(ParamGrad##S)(x, dy, n, a);                   \
  }
#define ACTIV_UNIT_EXPORT_FROM_Y(S, TY, TG)                                        \
  HWY_EXPORT(BackwardFromY##S);                                                    \
  void BackwardFromY(const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    HWY_DYNAMIC_DISPATCH(BackwardFromY##S)(y, dy, dx, n, a);                       \
  }
#define ACTIV_UNIT_EXPORT_GATED(S, T)                                                            \
  HWY_EXPORT(Gated##S);                                                                          \
  ACTIV_UNIT_EXPORT_FAST(FastGated##S)                                                           \
  void Gated(Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) {                 \
    ACTIV_UNIT_PICK(Gated##S, FastGated##S, a)(gate, up, out, a);                                \
  }                                                                                              \
  HWY_EXPORT(GatedBackward##S);                                                                  \
  ACTIV_UNIT_EXPORT_FAST(FastGatedBackward##S)                                                   \
  void GatedBackward(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,   \
                     Rows<T> d_up, const Args& a) {                                              \
    ACTIV_UNIT_PICK(GatedBackward##S, FastGatedBackward##S, a)(gate, up, dout, d_gate, d_up, a); \
  }
ACTIV_FORWARD_TYPES(ACTIV_UNIT_EXPORT_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_UNIT_EXPORT_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_UNIT_EXPORT_FROM_Y)
ACTIV_GATED_TYPES(ACTIV_UNIT_EXPORT_GATED)

}  // namespace activ::op_units::ACTIV_UNIT
#endif  // HWY_ONCE
