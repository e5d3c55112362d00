// The element-wise entry points: forward, backward, backward_from_y and prelu for every element
// type. Every check that can fail happens here, before any output is written, so a call that
// throws leaves its output untouched; the computing is the per-target units' (src/simd/).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "activ/activ.h"
#include "api/checks.h"
#include "simd/dispatch.h"
#include "simd/element.h"
#include "simd/kernel_args.h"
#include "simd/streaming.h"
#include "thread_pool.h"

namespace activ {
namespace {

using detail::CheckDomain;
using detail::Narrow;
using detail::Num;
using detail::Widen;

// Error for an accuracy outside the enum, naming the call: "activ::forward(gelu):
// options.accuracy is 7, ...". Out of line, as is the making of the name.
[[gnu::noinline, gnu::cold]] Accuracy BadAccuracy(Op op, const char* fn, const Options& o) {
  return detail::CheckAccuracy(std::string("activ::") + fn + "(" + std::string(name(op)) + ")",
                               o.accuracy);
}
// The call's accuracy, checked.
inline Accuracy CheckAccuracy(Op op, const char* fn, const Options& o) {
  if (o.accuracy == Accuracy::faithful || o.accuracy == Accuracy::fast) [[likely]] {
    return o.accuracy;
  }
  return BadAccuracy(op, fn, o);
}

// "activ::forward(relu): x has 3 elements but y has 4"; the name is made only on failure, out
// of line. Checked inline: at a few thousand elements, the checks are part of every call's cost.
[[gnu::noinline, gnu::cold]] void SizeMismatch(
    const char* fn, Op op, std::initializer_list<std::pair<const char*, size_t>> s) {
  detail::CheckSizes(std::string("activ::") + fn + "(" + std::string(name(op)) + ")", s);
}
[[gnu::always_inline]] inline void CheckSizes(
    const char* fn, Op op, std::initializer_list<std::pair<const char*, size_t>> s) {
  bool same = true;
  for (const auto& e : s) same &= e.second == s.begin()->second;
  if (!same) [[unlikely]] {
    SizeMismatch(fn, op, s);
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
  static_assert(kGrain % kLine == 0);
  // Below this, however the lines fall, there are fewer than 2 * kGrain / kLine of them, which
  // ParallelFor runs as one range on the calling thread: the same, without the arithmetic.
  if (n + kLine <= 2 * kGrain) {
    if (n > 0) f(size_t{0}, n);
    return;
  }
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
void ForwardImpl(Op op, std::span<const TI> x, std::span<TO> y, const Params& params,
                 const Options& o) {
  CheckSizes("forward", op, {{"x", x.size()}, {"y", y.size()}});
  const ResolvedParams r = resolve(op, params);
  const Accuracy acc = CheckAccuracy(op, "forward", o);
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
  detail::Args a = detail::ToArgs<TO>(r, acc);
  a.stream = detail::StreamOutput(y.size_bytes());
  Elementwise(x.size(), y.data(), [&](size_t begin, size_t end) {
    detail::Forward(op, x.data() + begin, y.data() + begin, end - begin, a);
  });
}

template <typename TX, typename TG>
void BackwardImpl(Op op, std::span<const TX> x, std::span<const TG> dy, std::span<TG> dx,
                  const Params& params, double* param_grad, const Options& o) {
  CheckSizes("backward", op, {{"x", x.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const ResolvedParams r = resolve(op, params);
  const Accuracy acc = CheckAccuracy(op, "backward", o);
  if (param_grad && !(info(op).flags & kParamGrad)) {
    throw Error("activ::backward(" + std::string(name(op)) +
                "): it has no trainable parameter; pass no param_grad (prelu and silu have one)");
  }
  detail::Args a = detail::ToArgs<TX>(r, acc);
  a.stream = detail::StreamOutput(dx.size_bytes());
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
                       const Params& params, const Options& options) {
  CheckSizes("backward_from_y", op, {{"y", y.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const OpInfo& o = info(op);
  if (!(o.flags & kFromY)) {
    std::string ok;
    for (const OpInfo& i : all_ops()) {
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
  detail::Args a = detail::ToArgs<T>(r, CheckAccuracy(op, "backward_from_y", options));
  a.stream = detail::StreamOutput(dx.size_bytes());
  Elementwise(y.size(), dx.data(), [&](size_t begin, size_t end) {
    detail::BackwardFromY(op, y.data() + begin, dy.data() + begin, dx.data() + begin, end - begin,
                          a);
  });
}

// prelu's runs of `inner` elements (one slope each) per parallel range.
size_t RunsPerRange(size_t inner) { return std::max<size_t>(1, kGrain / inner); }

template <typename T>
void PreluImpl(std::span<const T> x, std::span<T> y, std::span<const T> w, size_t inner,
               const Options& o) {
  CheckSizes("prelu", Op::prelu, {{"x", x.size()}, {"y", y.size()}});
  const Accuracy acc = detail::CheckAccuracy("activ::prelu", o.accuracy);
  const size_t c = w.size();
  if (c == 0 || inner == 0 || x.size() % (c * inner) != 0) {
    throw Error("activ::prelu: x has " + std::to_string(x.size()) +
                " elements, not a multiple of channels (" + std::to_string(c) + ") * inner (" +
                std::to_string(inner) + ")");
  }
  for (T v : w) CheckDomain(info(Op::prelu), info(Op::prelu).params[0], v);
  // Each run of `inner` elements shares one slope: call the vector kernel per run.
  const bool stream = detail::StreamOutput(y.size_bytes());
  detail::ParallelFor(x.size() / inner, RunsPerRange(inner), [&](size_t b, size_t e) {
    for (size_t run = b; run < e; ++run) {
      detail::Args a;
      a.p[0] = static_cast<double>(w[run % c]);
      a.accuracy = acc;
      a.stream = stream;
      detail::Forward(Op::prelu, x.data() + run * inner, y.data() + run * inner, inner, a);
    }
  });
}

template <typename T>
void PreluBackwardImpl(std::span<const T> x, std::span<const T> dy, std::span<T> dx,
                       std::span<const T> w, size_t inner, std::span<double> dw, const Options& o) {
  CheckSizes("prelu_backward", Op::prelu, {{"x", x.size()}, {"dy", dy.size()}, {"dx", dx.size()}});
  const Accuracy acc = detail::CheckAccuracy("activ::prelu_backward", o.accuracy);
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
  const bool stream = detail::StreamOutput(dx.size_bytes());
  detail::ParallelFor(runs, split ? RunsPerRange(inner) : runs, [&](size_t b, size_t e) {
    for (size_t run = b; run < e; ++run) {
      detail::Args a;
      a.p[0] = static_cast<double>(w[run % c]);
      a.accuracy = acc;
      a.stream = stream;
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

// The public overloads, one per element-type combination of the entry points into the kernels
// (simd/dispatch.h).
#define ACTIV_PUBLIC_FORWARD(S, TI, TO)                                                            \
  void forward(Op op, std::span<const TI> x, std::span<TO> y, const Params& p, const Options& o) { \
    ForwardImpl(op, x, y, p, o);                                                                   \
  }
#define ACTIV_PUBLIC_BACKWARD(S, TX, TG)                                                \
  void backward(Op op, std::span<const TX> x, std::span<const TG> dy, std::span<TG> dx, \
                const Params& p, double* g, const Options& o) {                         \
    BackwardImpl(op, x, dy, dx, p, g, o);                                               \
  }
#define ACTIV_PUBLIC_FROM_Y(S, TY, TG)                                                         \
  void backward_from_y(Op op, std::span<const TY> y, std::span<const TG> dy, std::span<TG> dx, \
                       const Params& p, const Options& o) {                                    \
    BackwardFromYImpl(op, y, dy, dx, p, o);                                                    \
  }
ACTIV_FORWARD_TYPES(ACTIV_PUBLIC_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_PUBLIC_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_PUBLIC_FROM_Y)
#undef ACTIV_PUBLIC_FORWARD
#undef ACTIV_PUBLIC_BACKWARD
#undef ACTIV_PUBLIC_FROM_Y

void prelu(std::span<const float> x, std::span<float> y, std::span<const float> w, size_t inner,
           const Options& o) {
  PreluImpl(x, y, w, inner, o);
}
void prelu(std::span<const double> x, std::span<double> y, std::span<const double> w, size_t inner,
           const Options& o) {
  PreluImpl(x, y, w, inner, o);
}
void prelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                    std::span<const float> w, size_t inner, std::span<double> dw,
                    const Options& o) {
  PreluBackwardImpl(x, dy, dx, w, inner, dw, o);
}
void prelu_backward(std::span<const double> x, std::span<const double> dy, std::span<double> dx,
                    std::span<const double> w, size_t inner, std::span<double> dw,
                    const Options& o) {
  PreluBackwardImpl(x, dy, dx, w, inner, dw, o);
}

}  // namespace activ
