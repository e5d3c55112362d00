// The public entry points: the registry tables, name and parameter checking, and the calls
// into the per-target kernels. Every check that can fail happens here, before any output is
// written, so a call that throws leaves its output untouched.
#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <hwy/targets.h>

#include "activ/activ.h"
#include "activ/gated.h"
#include "dispatch.h"
#include "element.h"
#include "thread_pool.h"

namespace activ {
namespace {

// One parameter table per operation, generated from the registry.
#define PARAM(pname, def, dom) \
  ParamInfo { #pname, def, Domain::dom }
#define ACTIV_OP(name, flags, formula, range, lo, hi, ...) \
  constexpr ParamInfo kParams_##name[] = {__VA_ARGS__ __VA_OPT__(, ) ParamInfo{}};
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
#undef PARAM

// The trailing sentinel of each table is not a parameter.
template <size_t N>
constexpr std::span<const ParamInfo> Real(const ParamInfo (&t)[N]) {
  return std::span<const ParamInfo>(t, N - 1);
}

const std::array<OpInfo, kNumOps> kOps = {{
#define ACTIV_OP(name, flags, formula, range, lo, hi, ...) \
  OpInfo{Op::name, #name, flags, formula, range, lo, hi, Real(kParams_##name)},
#define ACTIV_ALIAS(other, name)
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
}};

struct Alias {
  std::string_view name;
  Op op;
};
constexpr Alias kAliases[] = {
#define ACTIV_OP(name, ...)
#define ACTIV_ALIAS(other, name) {#other, Op::name},
#include "activ/ops.def"
#undef ACTIV_OP
#undef ACTIV_ALIAS
};

std::string ValidNames() {
  std::string s;
  for (const OpInfo& o : kOps) {
    if (!s.empty()) s += ", ";
    s += o.name;
  }
  for (const Alias& a : kAliases) s += ", " + std::string(a.name);
  return s;
}

std::string ParamNames(const OpInfo& o) {
  if (o.params.empty()) return "it takes none";
  std::string s = "its parameters are ";
  for (size_t i = 0; i < o.params.size(); ++i) s += (i ? ", " : "") + std::string(o.params[i].name);
  return s;
}

// Shortest text that reads back as the same double.
std::string Num(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void CheckDomain(const OpInfo& o, const ParamInfo& p, double v) {
  const char* need = nullptr;
  switch (p.domain) {
    case Domain::kFinite:
      if (!std::isfinite(v)) need = "a finite number";
      break;
    case Domain::kPositive:
      if (!(std::isfinite(v) && v > 0)) need = "a finite number > 0";
      break;
    case Domain::kNonNegative:
      if (!(std::isfinite(v) && v >= 0)) need = "a finite number >= 0";
      break;
    case Domain::kNonZero:
      if (!(std::isfinite(v) && v != 0)) need = "a finite number other than 0";
      break;
    case Domain::kBool:
      if (v != 0 && v != 1) need = "0 or 1";
      break;
    case Domain::kSeed:
      if (!(v >= 0 && v <= 0x1p53 && v == std::floor(v))) need = "an integer in [0, 2^53]";
      break;
  }
  if (need) {
    throw Error(std::string(o.name) + ": parameter " + std::string(p.name) + " must be " + need +
                ", got " + Num(v));
  }
}

// Pairs that must be ordered wherever a registry line declares both.
void CheckOrder(const OpInfo& o, const ResolvedParams& r) {
  static constexpr std::pair<std::string_view, std::string_view> kOrdered[] = {
      {"min_val", "max_val"}, {"lower", "upper"}};
  for (auto [lo_name, hi_name] : kOrdered) {
    int lo = -1, hi = -1;
    for (size_t i = 0; i < o.params.size(); ++i) {
      if (o.params[i].name == lo_name) lo = static_cast<int>(i);
      if (o.params[i].name == hi_name) hi = static_cast<int>(i);
    }
    if (lo >= 0 && hi >= 0 && r.value[lo] > r.value[hi]) {
      throw Error(std::string(o.name) + ": " + std::string(lo_name) + " (" + Num(r.value[lo]) +
                  ") must not exceed " + std::string(hi_name) + " (" + Num(r.value[hi]) + ")");
    }
  }
}

using detail::Narrow;
using detail::Widen;

void CheckSizes(const char* fn, Op op, std::initializer_list<std::pair<const char*, size_t>> s) {
  const auto& first = *s.begin();
  for (const auto& [what, n] : s) {
    if (n != first.second) {
      throw Error(std::string("activ::") + fn + "(" + std::string(name(op)) + "): " + first.first +
                  " has " + std::to_string(first.second) + " elements but " + what + " has " +
                  std::to_string(n));
    }
  }
}

// rrelu in training mode: one slope per element from a counter-based generator, so that the
// backward pass (same seed, same positions) sees the slopes of the forward pass without storing
// them. Scalar: the random stream is not the hot path of anything.
double RreluSlope(const ResolvedParams& r, size_t i) {
  uint64_t z =
      static_cast<uint64_t>(r.value[3]) * 0x9E3779B97F4A7C15ull + (i + 1) * 0xD1B54A32D192ED03ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  const double u = static_cast<double>(z >> 11) * 0x1p-53;
  return r.value[0] + (r.value[1] - r.value[0]) * u;
}

bool RreluTraining(Op op, const ResolvedParams& r) { return op == Op::rrelu && r.value[2] != 0; }

// Below this many elements per range a call is not split: waking a worker costs a few
// microseconds, about what the cheapest kernels take for this many elements.
constexpr size_t kGrain = size_t{1} << 14;

// Runs f(begin, end) over ranges that cover [0, n), on the library's threads when n is large.
// Range boundaries fall on cache-line boundaries of `out`, so no two threads write one line.
template <typename T, class F>
void Elementwise(size_t n, const T* out, F&& f) {
  constexpr size_t kLine = 64 / sizeof(T);
  const size_t to_boundary = (64 - reinterpret_cast<uintptr_t>(out) % 64) % 64 / sizeof(T);
  const size_t head = std::min(n, to_boundary);
  // Line 0 also takes the head; a call shorter than the head is line 0 alone.
  const size_t lines = n == 0 ? 0 : std::max<size_t>(1, (n - head + kLine - 1) / kLine);
  detail::ParallelFor(lines, kGrain / kLine, [&](size_t b, size_t e) {
    f(b == 0 ? 0 : head + b * kLine, std::min(n, head + e * kLine));
  });
}

// sum(dy * df/dparam) over fixed blocks, added in order: the same sum whatever the thread count.
template <typename TX, typename TG>
double ParamGradSum(Op op, const TX* x, const TG* dy, size_t n, const detail::Args& a) {
  constexpr size_t kBlock = kGrain;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  if (blocks <= 1) return detail::ParamGrad(op, x, dy, n, a);
  std::vector<double> partial(blocks);
  detail::ParallelFor(blocks, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      const size_t start = i * kBlock;
      partial[i] = detail::ParamGrad(op, x + start, dy + start, std::min(kBlock, n - start), a);
    }
  });
  double sum = 0;
  for (double p : partial) sum += p;
  return sum;
}

template <typename TI, typename TO>
void ForwardImpl(Op op, std::span<const TI> x, std::span<TO> y, const Params& params) {
  CheckSizes("forward", op, {{"x", x.size()}, {"y", y.size()}});
  const ResolvedParams r = resolve(op, params);
  if (RreluTraining(op, r)) {
    // Each slope is a function of the element's index, so any split gives the same output.
    Elementwise(x.size(), y.data(), [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const double v = Widen(x[i]), a = static_cast<detail::ParamType<TO>>(RreluSlope(r, i));
        y[i] = Narrow<TO>(v >= 0 ? v : v * a);
      }
    });
    return;
  }
  const detail::Args a = detail::ToArgs<TO>(r);
  Elementwise(x.size(), y.data(), [&](size_t begin, size_t end) {
    detail::Forward(op, x.data() + begin, y.data() + begin, end - begin, a);
  });
}

template <typename TX, typename TG>
void BackwardImpl(Op op, std::span<const TX> x, std::span<const TG> dy, std::span<TG> dx,
                  const Params& params, double* param_grad) {
  CheckSizes("backward", op, {{"x", x.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const ResolvedParams r = resolve(op, params);
  if (param_grad && !(info(op).flags & kParamGrad)) {
    throw Error("activ::backward(" + std::string(name(op)) +
                "): it has no trainable parameter; pass no param_grad (prelu and silu have one)");
  }
  const detail::Args a = detail::ToArgs<TX>(r);
  // The parameter gradient reads x and dy, so it comes before dx may overwrite them.
  if (param_grad) *param_grad = ParamGradSum(op, x.data(), dy.data(), x.size(), a);
  if (RreluTraining(op, r)) {
    Elementwise(x.size(), dx.data(), [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const double v = Widen(x[i]), g = Widen(dy[i]);
        const double s = static_cast<detail::ParamType<TX>>(RreluSlope(r, i));
        dx[i] = Narrow<TG>(std::isnan(v) ? v : v > 0 ? g : g * s);
      }
    });
    return;
  }
  Elementwise(x.size(), dx.data(), [&](size_t begin, size_t end) {
    detail::Backward(op, x.data() + begin, dy.data() + begin, dx.data() + begin, end - begin, a);
  });
}

template <typename T>
void BackwardFromYImpl(Op op, std::span<const T> y, std::span<const T> dy, std::span<T> dx,
                       const Params& params) {
  CheckSizes("backward_from_y", op, {{"y", y.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const OpInfo& o = info(op);
  if (!(o.flags & kFromY)) {
    std::string ok;
    for (const OpInfo& i : kOps) {
      if (i.flags & kFromY) ok += (ok.empty() ? "" : ", ") + std::string(i.name);
    }
    throw Error("activ::backward_from_y(" + std::string(o.name) +
                "): its derivative cannot be taken from the output; use backward from x. "
                "Available from y: " +
                ok);
  }
  const ResolvedParams r = resolve(op, params);
  // leaky_relu and elu: with a negative slope or alpha, the sign of y no longer tells the side
  // of the kink, so the output does not determine the derivative.
  if (!o.params.empty() && r.value[0] < 0) {
    throw Error("activ::backward_from_y(" + std::string(o.name) + "): needs " +
                std::string(o.params[0].name) + " >= 0, got " + Num(r.value[0]) +
                "; with a negative value y does not determine f'(x). Use backward from x");
  }
  const detail::Args a = detail::ToArgs<T>(r);
  Elementwise(y.size(), dx.data(), [&](size_t begin, size_t end) {
    detail::BackwardFromY(op, y.data() + begin, dy.data() + begin, dx.data() + begin, end - begin,
                          a);
  });
}

// prelu's runs of `inner` elements (one slope each) per parallel range.
size_t RunsPerRange(size_t inner) { return std::max<size_t>(1, kGrain / inner); }

template <typename T>
void PreluImpl(std::span<const T> x, std::span<T> y, std::span<const T> w, size_t inner) {
  CheckSizes("prelu", Op::prelu, {{"x", x.size()}, {"y", y.size()}});
  const size_t c = w.size();
  if (c == 0 || inner == 0 || x.size() % (c * inner) != 0) {
    throw Error("activ::prelu: x has " + std::to_string(x.size()) +
                " elements, not a multiple of channels (" + std::to_string(c) + ") * inner (" +
                std::to_string(inner) + ")");
  }
  for (T v : w) CheckDomain(info(Op::prelu), info(Op::prelu).params[0], v);
  // Each run of `inner` elements shares one slope: call the vector kernel per run.
  detail::ParallelFor(x.size() / inner, RunsPerRange(inner), [&](size_t b, size_t e) {
    for (size_t run = b; run < e; ++run) {
      detail::Args a;
      a.p[0] = static_cast<double>(w[run % c]);
      detail::Forward(Op::prelu, x.data() + run * inner, y.data() + run * inner, inner, a);
    }
  });
}

template <typename T>
void PreluBackwardImpl(std::span<const T> x, std::span<const T> dy, std::span<T> dx,
                       std::span<const T> w, size_t inner, std::span<double> dw) {
  CheckSizes("prelu_backward", Op::prelu, {{"x", x.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const size_t c = w.size();
  if (dw.size() != c) {
    throw Error("activ::prelu_backward: weight has " + std::to_string(c) +
                " channels but dweight has " + std::to_string(dw.size()));
  }
  if (c == 0 || inner == 0 || x.size() % (c * inner) != 0) {
    throw Error("activ::prelu_backward: x has " + std::to_string(x.size()) +
                " elements, not a multiple of channels (" + std::to_string(c) + ") * inner (" +
                std::to_string(inner) + ")");
  }
  for (T v : w) CheckDomain(info(Op::prelu), info(Op::prelu).params[0], v);
  // Split across threads, each run keeps its own partial sum, added per channel in run order
  // afterwards: the same dweight whatever the thread count. Short runs (8 bytes of partial sum
  // per run would be too much memory) stay on the calling thread. The sums are taken before dx
  // may overwrite x or dy.
  const size_t runs = x.size() / inner;
  const bool split = inner >= 64;
  std::vector<double> partial(split ? runs : 0);
  std::fill(dw.begin(), dw.end(), 0.0);
  detail::ParallelFor(runs, split ? RunsPerRange(inner) : runs, [&](size_t b, size_t e) {
    for (size_t run = b; run < e; ++run) {
      detail::Args a;
      a.p[0] = static_cast<double>(w[run % c]);
      const size_t start = run * inner;
      const double g = detail::ParamGrad(Op::prelu, x.data() + start, dy.data() + start, inner, a);
      if (split) {
        partial[run] = g;
      } else {
        dw[run % c] += g;
      }
      detail::Backward(Op::prelu, x.data() + start, dy.data() + start, dx.data() + start, inner, a);
    }
  });
  for (size_t run = 0; run < partial.size(); ++run) dw[run % c] += partial[run];
}

}  // namespace

std::span<const OpInfo> all_ops() { return kOps; }

const OpInfo& info(Op op) {
  const auto i = static_cast<size_t>(op);
  if (i >= kNumOps) throw Error("activ: invalid Op value " + std::to_string(i));
  return kOps[i];
}

std::string_view name(Op op) { return info(op).name; }

Op op_from_name(std::string_view n) {
  for (const OpInfo& o : kOps) {
    if (o.name == n) return o.op;
  }
  for (const Alias& a : kAliases) {
    if (a.name == n) return a.op;
  }
  throw Error("activ: unknown function '" + std::string(n) + "'; valid names: " + ValidNames());
}

Params::Params(std::initializer_list<std::pair<std::string_view, double>> values) {
  for (const auto& [n, v] : values) set(n, v);
}

Params& Params::set(std::string_view n, double value) {
  for (auto& [k, v] : values_) {
    if (k == n) {
      v = value;
      return *this;
    }
  }
  values_.emplace_back(std::string(n), value);
  return *this;
}

const double* Params::find(std::string_view n) const {
  for (const auto& [k, v] : values_) {
    if (k == n) return &v;
  }
  return nullptr;
}

ResolvedParams resolve(Op op, const Params& params) {
  const OpInfo& o = info(op);
  for (const auto& entry : params.values()) {
    const std::string& k = entry.first;
    const bool known = std::any_of(o.params.begin(), o.params.end(),
                                   [&](const ParamInfo& p) { return p.name == k; });
    if (!known) {
      throw Error(std::string(o.name) + ": unknown parameter '" + k + "'; " + ParamNames(o));
    }
  }
  ResolvedParams r;
  for (size_t i = 0; i < o.params.size(); ++i) {
    const ParamInfo& p = o.params[i];
    const double* v = params.find(p.name);
    if (!v && std::isnan(p.default_value)) {
      throw Error(std::string(o.name) + ": parameter " + std::string(p.name) +
                  " is required (it has no default)");
    }
    r.value[i] = v ? *v : p.default_value;
    CheckDomain(o, p, r.value[i]);
  }
  CheckOrder(o, r);
  return r;
}

void forward(Op op, std::span<const float> x, std::span<float> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void forward(Op op, std::span<const double> x, std::span<double> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void backward(Op op, std::span<const float> x, std::span<const float> dy, std::span<float> dx,
              const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void backward(Op op, std::span<const double> x, std::span<const double> dy, std::span<double> dx,
              const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void forward(Op op, std::span<const bfloat16> x, std::span<bfloat16> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void forward(Op op, std::span<const float16> x, std::span<float16> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void forward(Op op, std::span<const float> x, std::span<bfloat16> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void forward(Op op, std::span<const float> x, std::span<float16> y, const Params& p) {
  ForwardImpl(op, x, y, p);
}
void backward(Op op, std::span<const bfloat16> x, std::span<const bfloat16> dy,
              std::span<bfloat16> dx, const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void backward(Op op, std::span<const float16> x, std::span<const float16> dy, std::span<float16> dx,
              const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void backward(Op op, std::span<const bfloat16> x, std::span<const float> dy, std::span<float> dx,
              const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void backward(Op op, std::span<const float16> x, std::span<const float> dy, std::span<float> dx,
              const Params& p, double* g) {
  BackwardImpl(op, x, dy, dx, p, g);
}
void backward_from_y(Op op, std::span<const bfloat16> y, std::span<const bfloat16> dy,
                     std::span<bfloat16> dx, const Params& p) {
  BackwardFromYImpl(op, y, dy, dx, p);
}
void backward_from_y(Op op, std::span<const float16> y, std::span<const float16> dy,
                     std::span<float16> dx, const Params& p) {
  BackwardFromYImpl(op, y, dy, dx, p);
}

// Scalar conversions, bit for bit those of the vector code in src/simd_io-inl.h.
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

void backward_from_y(Op op, std::span<const float> y, std::span<const float> dy,
                     std::span<float> dx, const Params& p) {
  BackwardFromYImpl(op, y, dy, dx, p);
}
void backward_from_y(Op op, std::span<const double> y, std::span<const double> dy,
                     std::span<double> dx, const Params& p) {
  BackwardFromYImpl(op, y, dy, dx, p);
}
void prelu(std::span<const float> x, std::span<float> y, std::span<const float> w, size_t inner) {
  PreluImpl(x, y, w, inner);
}
void prelu(std::span<const double> x, std::span<double> y, std::span<const double> w,
           size_t inner) {
  PreluImpl(x, y, w, inner);
}
void prelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                    std::span<const float> w, size_t inner, std::span<double> dw) {
  PreluBackwardImpl(x, dy, dx, w, inner, dw);
}
void prelu_backward(std::span<const double> x, std::span<const double> dy, std::span<double> dx,
                    std::span<const double> w, size_t inner, std::span<double> dw) {
  PreluBackwardImpl(x, dy, dx, w, inner, dw);
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void ParseError(std::string_view text, size_t pos, const std::string& what) {
  throw Error("activ: cannot parse '" + std::string(text) + "' at position " +
              std::to_string(pos + 1) + ": " + what);
}

}  // namespace

namespace {

// An activation's name: a function of the registry or a gated unit.
void SetName(Activation& a, std::string_view text, std::string_view fn) {
  if (fn.empty()) ParseError(text, 0, "expected a function name");
  try {
    a.op = op_from_name(fn);
    return;
  } catch (const Error& e) {
    try {
      a.op = gate_of(fn);
      a.gated = true;
      return;
    } catch (const Error&) {
    }
    std::string gated;
    for (const GatedUnit& g : gated_units()) gated += std::string(g.name) + ", ";
    throw Error(std::string(e.what()) + "; gated units: " + gated + "gated_<function>");
  }
}

// One "name=value" item of `text`, which starts at `pos` there.
void SetParam(Activation& a, std::string_view text, size_t pos, std::string_view item) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos) ParseError(text, pos, "expected name=value");
  const std::string_view key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
  double v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (key.empty()) ParseError(text, pos, "expected a parameter name before '='");
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    ParseError(text, pos + eq + 1, "expected a number for " + std::string(key));
  }
  if (a.params.find(key)) ParseError(text, pos, std::string(key) + " given twice");
  a.params.set(key, v);
}

// Where the name=value items of the colon spelling ("elu:alpha=0.5") start, or npos.
size_t ColonOf(std::string_view text) {
  const size_t colon = text.find(':'), open = text.find('(');
  return colon != std::string_view::npos && (open == std::string_view::npos || colon < open)
             ? colon
             : std::string_view::npos;
}

}  // namespace

Activation parse_activation(std::string_view text) {
  Activation a;
  if (const size_t colon = ColonOf(text); colon != std::string_view::npos) {
    SetName(a, text, Trim(text.substr(0, colon)));
    for (size_t pos = colon + 1;;) {
      size_t end = text.find(',', pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view item = text.substr(pos, end - pos);
      if (Trim(item).empty()) ParseError(text, pos, "empty parameter");
      SetParam(a, text, pos, item);
      if (end == text.size()) break;
      pos = end + 1;
    }
    resolve(a.op, a.params);
    return a;
  }
  const size_t open = text.find('(');
  SetName(a, text, Trim(text.substr(0, open)));
  if (open == std::string_view::npos) {
    resolve(a.op, a.params);
    return a;
  }
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos || close < open) ParseError(text, open, "missing ')'");
  if (!Trim(text.substr(close + 1)).empty()) ParseError(text, close + 1, "text after ')'");
  size_t pos = open + 1;
  while (pos < close) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos || end > close) end = close;
    const std::string_view item = text.substr(pos, end - pos);
    if (Trim(item).empty()) {
      if (end == close && pos == open + 1) break;  // "gelu()"
      ParseError(text, pos, "empty parameter");
    }
    SetParam(a, text, pos, item);
    pos = end + 1;
  }
  resolve(a.op, a.params);
  return a;
}

std::vector<std::string_view> split_activation_list(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c != ',' || depth != 0) continue;
    const std::string_view entry = text.substr(start, i - start);
    if (Trim(entry).empty()) ParseError(text, start, "empty entry");
    // After "name:p=v", an item with '=' is the entry's next parameter, not a new entry: no
    // function's name holds '='.
    const std::string_view next = i < text.size() ? text.substr(i + 1) : std::string_view();
    const std::string_view next_item = next.substr(0, next.find(','));
    if (ColonOf(entry) != std::string_view::npos && next_item.find('=') != std::string_view::npos &&
        next_item.find_first_of(":(") == std::string_view::npos) {
      continue;
    }
    out.push_back(Trim(entry));
    start = i + 1;
  }
  return out;
}

std::vector<Activation> parse_activation_list(std::string_view text) {
  std::vector<Activation> out;
  for (std::string_view entry : split_activation_list(text)) out.push_back(parse_activation(entry));
  return out;
}

std::string Activation::to_string() const {
  std::string s = gated ? gated_name(op) : std::string(name(op));
  if (params.values().empty()) return s;
  s += "(";
  for (size_t i = 0; i < params.values().size(); ++i) {
    s += (i ? ", " : "") + params.values()[i].first + "=" + Num(params.values()[i].second);
  }
  return s + ")";
}

std::string_view simd_target() { return detail::TargetName(); }

std::vector<std::string> compiled_targets() {
  std::vector<std::string> names;
  for (int64_t t : detail::CompiledTargets()) names.emplace_back(hwy::TargetName(t));
  return names;
}

std::string_view version() { return ACTIV_VERSION; }

}  // namespace activ
