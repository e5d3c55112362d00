// A random stream that is the same on every platform and compiler: xoshiro256** seeded through
// SplitMix64. <random>'s engines are portable but its distributions are not, and a run must be
// reproducible from its seed alone, so the distributions are written here too.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace lab {

// What a stream is for: the same seed gives independent streams for each purpose, so that
// changing, say, the dropout rate does not change the initial weights.
enum class Stream : uint64_t { kInit = 1, kShuffle, kDropout, kData, kSplit };

class Rng {
 public:
  Rng(uint64_t seed, Stream stream, uint64_t index = 0) {
    uint64_t z = seed ^ (static_cast<uint64_t>(stream) * 0x9E3779B97F4A7C15ull) ^
                 (index * 0xD1B54A32D192ED03ull);
    for (uint64_t& s : s_) s = SplitMix(z);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Box-Muller; the second value of each pair is dropped so that the stream's position does not
  // depend on how many normals were drawn before.
  double Normal() {
    double u1 = Uniform();
    while (u1 <= 0) u1 = Uniform();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Uniform in [0, n) without modulo bias: values from the incomplete last block are redrawn.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x = Next();
    while (x >= limit) x = Next();
    return x % n;
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Below(i)]);
  }

 private:
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace lab
