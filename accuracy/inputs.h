// The inputs every accuracy check runs on: a sweep over bit patterns that reaches every binade
// of both signs (subnormals and the largest values included), the special values, and the points
// where the spec fixes a kink value.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "activ/activ.h"
#include "reference.h"
#include "ulp.h"

namespace activ::ref {

template <typename T>
std::vector<T> SpecialInputs() {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0),
                      -T(0),
                      L::infinity(),
                      -L::infinity(),
                      L::quiet_NaN(),
                      L::denorm_min(),
                      -L::denorm_min(),
                      L::min(),
                      -L::min(),
                      L::max(),
                      -L::max(),
                      T(1),
                      T(-1),
                      T(0.5),
                      T(-0.5),
                      T(3),
                      T(-3),
                      T(6),
                      T(-6),
                      T(20),
                      T(-20),
                      T(88),
                      T(-88),
                      T(-100),
                      T(-10),
                      T(1e-30),
                      T(-1e-30),
                      T(1e30),
                      T(-1e30),
                      T(3e38),
                      T(-3e38),
                      T(-5),
                      T(-1.6e-6),
                      T(0.1),
                      T(-0.1)};
  return v;
}

// About `count` inputs: every `stride`-th bit pattern (an odd stride visits all exponents and
// both signs), then the special values. For float64, random bit patterns plus a dense uniform
// sample of [-50, 50] where the functions have their shape.
template <typename T>
std::vector<T> SweepInputs(size_t count, uint64_t seed = 1) {
  std::vector<T> v;
  v.reserve(count + 64);
  if constexpr (sizeof(T) == 4) {
    const uint64_t stride = (uint64_t{1} << 32) / count | 1;
    for (uint64_t b = seed % stride; b < (uint64_t{1} << 32); b += stride) {
      v.push_back(FromBits<float>(static_cast<uint32_t>(b)));
    }
  } else {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> mid(-50.0, 50.0);
    for (size_t i = 0; i < count / 2; ++i) v.push_back(FromBits<double>(rng()));
    for (size_t i = 0; i < count / 2; ++i) v.push_back(mid(rng));
  }
  for (T s : SpecialInputs<T>()) v.push_back(s);
  return v;
}

// The inputs where a backward pass is hardest, for op with params: around each zero of f' in
// [-16, 16] (found on the reference f' by bisection), the T values at 2^-k relative distance
// for every k down to T's precision and the few values next to the zero, both sides, where a
// pure ULP bound on dy f'(x) means nothing and the bound's f'' term takes over; and both tails,
// 256 values spread geometrically over [1, 1000] of each sign, where f' is tiny relatively
// (sigmoid'(-80) = 1.8e-35, not 0) or e^x reaches the subnormals.
template <typename T>
std::vector<T> CriticalInputs(Op op, const Params& params) {
  ResolvedParams r = resolve(op, params);
  for (double& v : r.value) v = static_cast<double>(static_cast<T>(v));
  const double* p = r.value;
  using LD = long double;
  constexpr int kDigits = std::numeric_limits<T>::digits;
  std::vector<T> v;
  const auto sign = [](LD d) { return d > 0 ? 1 : d < 0 ? -1 : 0; };
  for (int i = -16 * 64; i < 16 * 64; ++i) {
    LD a = LD(i) / 64, b = LD(i + 1) / 64;
    const int sa = sign(derivative(op, a, p)), sb = sign(derivative(op, b, p));
    if (sa == 0 || sb == 0 || sa == sb) continue;
    for (int it = 0; it < 100 && b - a > 0; ++it) {
      const LD m = (a + b) / 2;
      if (m == a || m == b) break;
      (sign(derivative(op, m, p)) == sa ? a : b) = m;
    }
    const T z = static_cast<T>(a);
    const LD scale = std::fabs(a) > 0 ? std::fabs(a) : LD(1);
    for (int k = 1; k <= kDigits + 2; ++k) {
      v.push_back(static_cast<T>(a + std::ldexp(scale, -k)));
      v.push_back(static_cast<T>(a - std::ldexp(scale, -k)));
    }
    T up = z, down = z;
    v.push_back(z);
    for (int k = 0; k < 8; ++k) {
      up = std::nextafter(up, std::numeric_limits<T>::infinity());
      down = std::nextafter(down, -std::numeric_limits<T>::infinity());
      v.push_back(up);
      v.push_back(down);
    }
  }
  for (int i = 0; i < 256; ++i) {
    const T t = static_cast<T>(std::pow(1000.0, i / 255.0));
    v.push_back(t);
    v.push_back(-t);
  }
  return v;
}

// The parameter sets every check runs: the defaults (with values for the required parameters of
// threshold) and one other set per parameterized function, so that parameters are exercised too.
inline std::vector<Params> TestParams(Op op) {
  switch (op) {
    case Op::leaky_relu:
      return {{}, {{"negative_slope", 0.2}}};
    case Op::prelu:
      return {{}, {{"weight", -0.5}}};
    case Op::rrelu:
      return {{}, {{"lower", 0.1}, {"upper", 0.3}}};
    case Op::elu:
      return {{}, {{"alpha", 0.5}}};
    case Op::selu:
      return {{}};
    case Op::celu:
      return {{}, {{"alpha", 2.0}}};
    case Op::softplus:
      return {{}, {{"beta", 2.0}, {"threshold", 10.0}}};
    case Op::silu:
      return {{}, {{"beta", 1.5}}};
    case Op::hardtanh:
      return {{}, {{"min_val", -2.0}, {"max_val", 3.0}}};
    case Op::threshold:
      return {{{"threshold", 0.5}, {"value", -2.0}}, {{"threshold", -1.0}, {"value", 5.0}}};
    case Op::hardshrink:
      return {{}, {{"lambd", 1.0}}};
    case Op::softshrink:
      return {{}, {{"lambd", 0.25}}};
    case Op::squareplus:
      return {{}, {{"b", 1.0}}};
    default:
      return {{}};
  }
}

}  // namespace activ::ref
