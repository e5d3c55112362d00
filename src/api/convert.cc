// The scalar conversions to and from the 16-bit element types, bit for bit those of the vector
// code in src/simd/simd_io-inl.h.
#include <bit>
#include <cmath>
#include <cstdint>

#include "activ/activ.h"

namespace activ {

float to_float(bfloat16 v) { return std::bit_cast<float>(static_cast<uint32_t>(v.bits) << 16); }

bfloat16 to_bfloat16(float f) {
  const uint32_t b = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return {static_cast<uint16_t>((b >> 16) | 0x40)};
  return {static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16)};
}

float to_float(float16 v) {
  const uint32_t sign = static_cast<uint32_t>(v.bits & 0x8000) << 16;
  const uint32_t em = v.bits & 0x7FFF, exponent = em >> 10;
  uint32_t r;
  if (exponent == 0) {
    r = std::bit_cast<uint32_t>(static_cast<float>(em) * 0x1p-24f);
  } else if (exponent == 31) {
    r = (em << 13) | 0x7F800000;
  } else {
    r = (em << 13) + ((127 - 15) << 23);
  }
  return std::bit_cast<float>(r | sign);
}

float16 to_float16(float f) {
  const uint32_t b = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (b >> 16) & 0x8000, a = b & 0x7FFFFFFF;
  uint32_t r;
  if (a > 0x7F800000) {
    r = ((a >> 13) & 0x3FF) | 0x7E00;
  } else if (a >= 0x477FF000) {
    r = 0x7C00;
  } else if (a < 0x38800000) {
    r = std::bit_cast<uint32_t>(std::bit_cast<float>(a) + 0.5f) - 0x3F000000;
  } else {
    const uint32_t v = a - 0x38000000;
    r = (v + 0xFFF + ((v >> 13) & 1)) >> 13;
  }
  return {static_cast<uint16_t>(r | sign)};
}

}  // namespace activ
