#include "yardstick.h"

#include <algorithm>

#include "activ_internal.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "yardstick.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace bench::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four vectors per iteration, as a kernel's loop would be unrolled; the tail one vector at a
// time and then one element at a time.
template <typename T>
void CopyT(const T* HWY_RESTRICT in, T* HWY_RESTRICT out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    const auto v0 = hn::LoadU(d, in + i), v1 = hn::LoadU(d, in + i + N);
    const auto v2 = hn::LoadU(d, in + i + 2 * N), v3 = hn::LoadU(d, in + i + 3 * N);
    hn::StoreU(v0, d, out + i);
    hn::StoreU(v1, d, out + i + N);
    hn::StoreU(v2, d, out + i + 2 * N);
    hn::StoreU(v3, d, out + i + 3 * N);
  }
  for (; i + N <= n; i += N) hn::StoreU(hn::LoadU(d, in + i), d, out + i);
  for (; i < n; ++i) out[i] = in[i];
}

template <typename T>
void AddT(const T* HWY_RESTRICT a, const T* HWY_RESTRICT b, T* HWY_RESTRICT out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    for (size_t k = 0; k < 4 * N; k += N) {
      hn::StoreU(hn::Add(hn::LoadU(d, a + i + k), hn::LoadU(d, b + i + k)), d, out + i + k);
    }
  }
  for (; i + N <= n; i += N)
    hn::StoreU(hn::Add(hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, out + i);
  for (; i < n; ++i) out[i] = a[i] + b[i];
}

void CopyF32(const float* in, float* out, size_t n) { CopyT(in, out, n); }
void CopyF64(const double* in, double* out, size_t n) { CopyT(in, out, n); }
void AddF32(const float* a, const float* b, float* out, size_t n) { AddT(a, b, out, n); }
void AddF64(const double* a, const double* b, double* out, size_t n) { AddT(a, b, out, n); }
void CopyU16(const uint16_t* in, uint16_t* out, size_t n) { CopyT(in, out, n); }
void AddU16(const uint16_t* a, const uint16_t* b, uint16_t* out, size_t n) { AddT(a, b, out, n); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace bench::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bench {
namespace {

HWY_EXPORT(CopyF32);
HWY_EXPORT(CopyF64);
HWY_EXPORT(AddF32);
HWY_EXPORT(AddF64);
HWY_EXPORT(CopyU16);
HWY_EXPORT(AddU16);

// Split as activ splits its own calls: ranges of whole cache lines, at least 16384 elements.
template <typename T, class F>
void Split(size_t n, F f) {
  constexpr size_t kLine = 64 / sizeof(T);
  activ::detail::ParallelFor((n + kLine - 1) / kLine, (size_t{1} << 14) / kLine,
                             [&](size_t b, size_t e) {
                               const size_t begin = b * kLine, end = std::min(n, e * kLine);
                               f(begin, end - begin);
                             });
}

}  // namespace

void Copy(const float* in, float* out, size_t n) {
  Split<float>(n, [&](size_t i, size_t m) { HWY_DYNAMIC_DISPATCH(CopyF32)(in + i, out + i, m); });
}
void Copy(const double* in, double* out, size_t n) {
  Split<double>(n, [&](size_t i, size_t m) { HWY_DYNAMIC_DISPATCH(CopyF64)(in + i, out + i, m); });
}
void Add(const float* a, const float* b, float* out, size_t n) {
  Split<float>(n, [&](size_t i, size_t m) {
    HWY_DYNAMIC_DISPATCH(AddF32)(a + i, b + i, out + i, m);
  });
}
void Add(const double* a, const double* b, double* out, size_t n) {
  Split<double>(n, [&](size_t i, size_t m) {
    HWY_DYNAMIC_DISPATCH(AddF64)(a + i, b + i, out + i, m);
  });
}

void Copy(const uint16_t* in, uint16_t* out, size_t n) {
  Split<uint16_t>(n, [&](size_t i, size_t m) {
    HWY_DYNAMIC_DISPATCH(CopyU16)(in + i, out + i, m);
  });
}
void Add(const uint16_t* a, const uint16_t* b, uint16_t* out, size_t n) {
  Split<uint16_t>(n, [&](size_t i, size_t m) {
    HWY_DYNAMIC_DISPATCH(AddU16)(a + i, b + i, out + i, m);
  });
}

}  // namespace bench
#endif  // HWY_ONCE
