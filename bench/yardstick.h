// The memory-bandwidth limits an element-wise call is measured against: a copy (one read, one
// write: a forward call) and an add (two reads, one write: a backward call). Plain SIMD loops
// with ordinary stores, as the kernels use, split over activ's threads like activ's own calls.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bench {

void Copy(const float* in, float* out, size_t n);
void Copy(const double* in, double* out, size_t n);
void Add(const float* a, const float* b, float* out, size_t n);
void Add(const double* a, const double* b, double* out, size_t n);
// 16-bit elements (bfloat16, float16) as integers: the same bytes moved.
void Copy(const uint16_t* in, uint16_t* out, size_t n);
void Add(const uint16_t* a, const uint16_t* b, uint16_t* out, size_t n);

}  // namespace bench
