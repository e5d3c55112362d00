// Streaming (non-temporal) output stores, src/simd/streaming.h: a call whose outputs are
// streamed gives the same bits as with plain stores, on every compiled target the CPU runs, for
// every element type and direction (forward, backward, from y, gated forward and backward, the
// fast mode's own loops), at misaligned addresses, odd lengths, in place and on two threads;
// and the entry points decide from the whole call's output bytes. The threshold is forced so
// that small arrays stream, and the count of streamed elements shows that the streaming path ran.
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "activ/gated.h"
#include "test_util.h"

namespace activ {
namespace {

using test::ForEachTarget;

constexpr size_t kNever = std::numeric_limits<size_t>::max();
constexpr Options kFaithful{};
constexpr Options kFast{.accuracy = Accuracy::fast};

// Highway's scalar and emulated targets store plainly whatever the call asks.
bool TargetStreams(const char* target) {
  const std::string_view t = target;
  return t != "SCALAR" && t != "EMU128";
}
// The targets with FMA, where the fast kernels run (elsewhere a fast call is the faithful one).
bool HasFma(const char* target) {
  const std::string_view t = target;
  return t == "AVX2" || t.starts_with("AVX3");
}
// AVX-512: a vector of float32 or float64 is a whole 64-byte line.
bool IsAvx3(const char* target) { return std::string_view(target).starts_with("AVX3"); }
// Calls whose loops certainly stream (op_unit-inl.h, kStreamForward and the rest): the exact
// kernels (relu here), the gradients from y in float lanes (sigmoid on FMA targets), and on
// AVX-512 the fast mode's float32 loops and float64 backward passes. Other loops may stream too
// (a float32 backward pass in float lanes on AVX-512); the bits are compared for all.
bool Exact(Op op) { return op == Op::relu; }
template <typename TI, typename TO>
bool ForwardStreams(const char* t, Op op, const Options& o, size_t n) {
  return n >= 256 &&
         (Exact(op) || (o.accuracy == Accuracy::fast && IsAvx3(t) && has_fast_kernel(op) &&
                        std::is_same_v<TI, float> && std::is_same_v<TO, float>));
}
template <typename TX, typename TG>
bool BackwardStreams(const char* t, Op op, const Options& o, size_t n) {
  return n >= 256 && (Exact(op) || (IsAvx3(t) && std::is_same_v<TG, double>) ||
                      (IsAvx3(t) && o.accuracy == Accuracy::fast && has_fast_kernel(op, true) &&
                       std::is_same_v<TX, float> && std::is_same_v<TG, float>));
}
template <typename T>
bool FromYStreams(const char* t, Op op, size_t n) {
  return n >= 256 && (Exact(op) || (op == Op::sigmoid && HasFma(t) && !std::is_same_v<T, double>));
}

class Streaming : public ::testing::Test {
 protected:
  void TearDown() override {
    detail::ResetStreamThresholdBytes();
    set_num_threads(0);
  }
};

template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_same_v<T, bfloat16>) {
    return to_bfloat16(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, float16>) {
    return to_float16(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// n elements starting `skew` elements past a 64-byte boundary (a vector of AVX-512).
template <typename T>
class Buffer {
 public:
  Buffer(size_t n, size_t skew) : storage_(n + 128 / sizeof(T)) {
    const auto p = reinterpret_cast<uintptr_t>(storage_.data());
    const size_t first = (64 - p % 64) % 64 / sizeof(T);
    span_ = std::span<T>(storage_.data() + first + skew, n);
  }
  std::span<T> span() const { return span_; }

 private:
  std::vector<T> storage_;
  std::span<T> span_;
};

// Values over the functions' interesting range, with NaN, infinities, zeros and tiny values.
template <typename T>
std::vector<T> Inputs(size_t n, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-spread, spread);
  std::vector<T> v(n);
  for (T& e : v) e = FromDouble<T>(u(rng));
  const double special[] = {std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            0.0,
                            -0.0,
                            1e-30,
                            -120.0,
                            90.0};
  for (size_t k = 0; k < std::size(special); ++k) v[(k * 97 + 5) % n] = FromDouble<T>(special[k]);
  return v;
}

template <typename T>
void Fill(std::span<T> s, const std::vector<T>& v) {
  std::memcpy(s.data(), v.data(), s.size() * sizeof(T));
}
// A pattern no result has, so that an element a run leaves unwritten shows.
template <typename T>
void Scribble(std::span<T> s) {
  std::memset(static_cast<void*>(s.data()), 0x5A, s.size() * sizeof(T));
}

// Runs `call` with plain stores, then with the threshold at 0, `prepare` setting the arrays
// before each run; the outputs must be the same bits. Where `must_stream` (a loop that streams,
// src/simd/op_unit-inl.h: kStreamForward and the rest, on a target that streams, with rows
// long enough that the loop has an aligned block past its head), the second run must have
// streamed.
template <typename T>
void ExpectSameStreamed(const char* target, const std::string& what,
                        const std::function<void()>& prepare, const std::function<void()>& call,
                        std::vector<std::span<T>> outputs, bool must_stream) {
  detail::SetStreamThresholdBytes(kNever);
  prepare();
  const uint64_t before_plain = detail::StreamedElements();
  call();
  EXPECT_EQ(detail::StreamedElements(), before_plain) << what << ": the plain run streamed";
  std::vector<std::vector<T>> plain;
  for (std::span<T> o : outputs) plain.emplace_back(o.begin(), o.end());

  detail::SetStreamThresholdBytes(0);
  prepare();
  const uint64_t before = detail::StreamedElements();
  call();
  if (TargetStreams(target) && must_stream) {
    EXPECT_GT(detail::StreamedElements(), before) << what << ": nothing was streamed";
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::span<T> o = outputs[k];
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < o.size(); ++i) {
      if (std::memcmp(&o[i], &plain[k][i], sizeof(T)) != 0 && bad++ == 0) first = i;
    }
    EXPECT_EQ(bad, 0u) << what << ": output " << k << " differs at " << bad
                       << " elements, the first at " << first;
  }
}

std::string Describe(const char* target, Op op, const char* dir, const char* type, const Options& o,
                     size_t n, size_t skew_in, size_t skew_out, bool in_place) {
  return std::string(target) + " " + std::string(name(op)) + " " + dir + " " + type +
         (o.accuracy == Accuracy::fast ? " fast" : " faithful") + " n=" + std::to_string(n) +
         " skews " + std::to_string(skew_in) + "/" + std::to_string(skew_out) +
         (in_place ? " in place" : "");
}

const Op kOps[] = {Op::sigmoid, Op::tanh,     Op::gelu, Op::silu,     Op::elu,
                   Op::relu,    Op::softplus, Op::mish, Op::hardswish};
const size_t kLengths[] = {37, 1001};
// (input skew, output skew) in elements; in place uses the input's.
const std::pair<size_t, size_t> kSkews[] = {{0, 0}, {1, 3}, {5, 0}};

template <typename TI, typename TO>
void ForwardCase(const char* target, const char* type) {
  for (Op op : kOps) {
    for (const Options& o : {kFaithful, kFast}) {
      for (size_t n : kLengths) {
        const std::vector<TI> x = Inputs<TI>(n, 12.0, n + static_cast<size_t>(op));
        for (const auto& [sx, sy] : kSkews) {
          Buffer<TI> bx(n, sx);
          Buffer<TO> by(n, sy);
          ExpectSameStreamed<TO>(
              target, Describe(target, op, "forward", type, o, n, sx, sy, false),
              [&] {
                Fill(bx.span(), x);
                Scribble(by.span());
              },
              [&] { forward(op, std::span<const TI>(bx.span()), by.span(), {}, o); }, {by.span()},
              ForwardStreams<TI, TO>(target, op, o, n));
          if constexpr (std::is_same_v<TI, TO>) {
            ExpectSameStreamed<TO>(
                target, Describe(target, op, "forward", type, o, n, sx, sx, true),
                [&] { Fill(bx.span(), x); },
                [&] { forward(op, std::span<const TI>(bx.span()), bx.span(), {}, o); }, {bx.span()},
                ForwardStreams<TI, TO>(target, op, o, n));
          }
        }
      }
    }
  }
}

template <typename TX, typename TG>
void BackwardCase(const char* target, const char* type) {
  for (Op op : kOps) {
    for (const Options& o : {kFaithful, kFast}) {
      for (size_t n : kLengths) {
        const std::vector<TX> x = Inputs<TX>(n, 12.0, n + static_cast<size_t>(op));
        const std::vector<TG> dy = Inputs<TG>(n, 2.0, 3 * n + 1);
        for (const auto& [sx, sy] : kSkews) {
          Buffer<TX> bx(n, sx);
          Buffer<TG> bdy(n, sx + 2);
          Buffer<TG> bdx(n, sy);
          auto prepare = [&] {
            Scribble(bdx.span());
            Fill(bx.span(), x);
            Fill(bdy.span(), dy);
          };
          ExpectSameStreamed<TG>(
              target, Describe(target, op, "backward", type, o, n, sx, sy, false), prepare,
              [&] {
                backward(op, std::span<const TX>(bx.span()), std::span<const TG>(bdy.span()),
                         bdx.span(), {}, nullptr, o);
              },
              {bdx.span()}, BackwardStreams<TX, TG>(target, op, o, n));
          // dx in place of dy.
          ExpectSameStreamed<TG>(
              target, Describe(target, op, "backward", type, o, n, sx, sx + 2, true), prepare,
              [&] {
                backward(op, std::span<const TX>(bx.span()), std::span<const TG>(bdy.span()),
                         bdy.span(), {}, nullptr, o);
              },
              {bdy.span()}, BackwardStreams<TX, TG>(target, op, o, n));
        }
      }
    }
  }
}

template <typename T>
void FromYCase(const char* target, const char* type) {
  for (Op op : test::OpsWith(kFromY)) {
    for (size_t n : kLengths) {
      std::vector<T> y = Inputs<T>(n, 12.0, n + static_cast<size_t>(op));
      detail::SetStreamThresholdBytes(kNever);
      forward(op, std::span<const T>(y), std::span<T>(y));
      const std::vector<T> dy = Inputs<T>(n, 2.0, 5 * n + 3);
      for (const auto& [sx, sy] : kSkews) {
        Buffer<T> by(n, sx);
        Buffer<T> bdy(n, sx + 1);
        Buffer<T> bdx(n, sy);
        auto prepare = [&] {
          Scribble(bdx.span());
          Fill(by.span(), y);
          Fill(bdy.span(), dy);
        };
        ExpectSameStreamed<T>(
            target, Describe(target, op, "from y", type, kFaithful, n, sx, sy, false), prepare,
            [&] {
              backward_from_y(op, std::span<const T>(by.span()), std::span<const T>(bdy.span()),
                              bdx.span());
            },
            {bdx.span()}, FromYStreams<T>(target, op, n));
        ExpectSameStreamed<T>(
            target, Describe(target, op, "from y", type, kFaithful, n, sx, sx, true), prepare,
            [&] {
              backward_from_y(op, std::span<const T>(by.span()), std::span<const T>(bdy.span()),
                              by.span());
            },
            {by.span()}, FromYStreams<T>(target, op, n));
      }
    }
  }
}

const Op kGates[] = {Op::sigmoid, Op::silu, Op::gelu, Op::gelu_tanh, Op::relu};

template <typename T>
void GatedCase(const char* target, const char* type) {
  for (Op op : kGates) {
    for (const Options& o : {kFaithful, kFast}) {
      for (size_t n : kLengths) {
        const std::vector<T> g = Inputs<T>(n, 12.0, n + static_cast<size_t>(op));
        const std::vector<T> u = Inputs<T>(n, 3.0, 7 * n);
        const std::vector<T> dout = Inputs<T>(n, 2.0, 11 * n);
        // Of the gated loops, the fast forward pass of float32 arrays streams.
        const bool fast_gate = n >= 256 && std::is_same_v<T, float> &&
                               o.accuracy == Accuracy::fast && IsAvx3(target) &&
                               has_fast_kernel(op) && has_fast_kernel(op, true);
        for (const auto& [sx, sy] : kSkews) {
          Buffer<T> bg(n, sx), bu(n, sx + 1), bd(n, sx + 2), bo(n, sy), bo2(n, sy + 3);
          auto prepare = [&] {
            Scribble(bo.span());
            Scribble(bo2.span());
            Fill(bg.span(), g);
            Fill(bu.span(), u);
            Fill(bd.span(), dout);
          };
          ExpectSameStreamed<T>(
              target, Describe(target, op, "gated", type, o, n, sx, sy, false), prepare,
              [&] {
                gated(op, std::span<const T>(bg.span()), std::span<const T>(bu.span()), bo.span(),
                      {}, o);
              },
              {bo.span()}, fast_gate);
          // d_gate and d_up at different alignments: the second output is streamed only where
          // its address lines up with the first's.
          ExpectSameStreamed<T>(
              target, Describe(target, op, "gated backward", type, o, n, sx, sy, false), prepare,
              [&] {
                gated_backward(op, std::span<const T>(bg.span()), std::span<const T>(bu.span()),
                               std::span<const T>(bd.span()), bo.span(), bo2.span(), {}, o);
              },
              {bo.span(), bo2.span()}, false);
          // In place: d_gate over gate, d_up over up.
          ExpectSameStreamed<T>(
              target, Describe(target, op, "gated backward", type, o, n, sx, sx, true), prepare,
              [&] {
                gated_backward(op, std::span<const T>(bg.span()), std::span<const T>(bu.span()),
                               std::span<const T>(bd.span()), bg.span(), bu.span(), {}, o);
              },
              {bg.span(), bu.span()}, false);
        }
        // The split form, rows of 2H with H odd: every row's halves at their own alignment.
        const size_t rows = 3, h = n / 2 | 1;
        std::vector<T> x(rows * 2 * h), dx(rows * 2 * h), out(rows * h), dh(rows * h);
        const std::vector<T> xv = Inputs<T>(x.size(), 8.0, n + 17);
        const std::vector<T> dv = Inputs<T>(dh.size(), 2.0, n + 19);
        auto prepare = [&] {
          std::memcpy(x.data(), xv.data(), x.size() * sizeof(T));
          std::memcpy(dh.data(), dv.data(), dh.size() * sizeof(T));
          Scribble(std::span<T>(dx));
          Scribble(std::span<T>(out));
        };
        ExpectSameStreamed<T>(
            target, Describe(target, op, "gated split", type, o, h, 0, 0, false), prepare,
            [&] {
              gated_split(op, Rows<const T>(x.data(), rows, 2 * h), Rows<T>(out.data(), rows, h),
                          {}, o);
              gated_split_backward(op, Rows<const T>(x.data(), rows, 2 * h),
                                   Rows<const T>(dh.data(), rows, h),
                                   Rows<T>(dx.data(), rows, 2 * h), {}, o);
            },
            {std::span<T>(out), std::span<T>(dx)}, fast_gate && h >= 256);
      }
    }
  }
}

TEST_F(Streaming, ForwardSameBits) {
  ForEachTarget([](const char* t) {
    ForwardCase<float, float>(t, "f32");
    ForwardCase<double, double>(t, "f64");
    ForwardCase<bfloat16, bfloat16>(t, "bf16");
    ForwardCase<float16, float16>(t, "f16");
    ForwardCase<float, bfloat16>(t, "f32 to bf16");
    ForwardCase<float, float16>(t, "f32 to f16");
  });
}

TEST_F(Streaming, BackwardSameBits) {
  ForEachTarget([](const char* t) {
    BackwardCase<float, float>(t, "f32");
    BackwardCase<double, double>(t, "f64");
    BackwardCase<bfloat16, bfloat16>(t, "bf16");
    BackwardCase<float16, float16>(t, "f16");
    BackwardCase<bfloat16, float>(t, "bf16 x, f32 dy");
  });
}

TEST_F(Streaming, FromYSameBits) {
  ForEachTarget([](const char* t) {
    FromYCase<float>(t, "f32");
    FromYCase<double>(t, "f64");
    FromYCase<bfloat16>(t, "bf16");
    FromYCase<float16>(t, "f16");
  });
}

TEST_F(Streaming, GatedSameBits) {
  ForEachTarget([](const char* t) {
    GatedCase<float>(t, "f32");
    GatedCase<double>(t, "f64");
    GatedCase<bfloat16>(t, "bf16");
    GatedCase<float16>(t, "f16");
  });
}

// Two threads: each range streams its own aligned part and the call's bits stay the same. Large
// enough that the element-wise calls split (2 x 16384 elements at least) and the single-row
// gated calls split their columns (2 x 32768).
TEST_F(Streaming, TwoThreadsSameBits) {
  set_num_threads(2);
  const std::string target(simd_target());
  const char* t = target.c_str();
  const size_t n = 3 * 32768 + 13;
  const std::vector<float> x = Inputs<float>(n, 12.0, 1), dy = Inputs<float>(n, 2.0, 2);
  Buffer<float> bx(n, 1), bdy(n, 2), bdx(n, 3);
  auto prepare = [&] {
    Fill(bx.span(), x);
    Fill(bdy.span(), dy);
    Scribble(bdx.span());
  };
  for (const Options& o : {kFaithful, kFast}) {
    for (Op op : {Op::sigmoid, Op::gelu, Op::relu}) {
      const bool streams = ForwardStreams<float, float>(t, op, o, n);
      const uint64_t before = detail::StreamedElements();
      ExpectSameStreamed<float>(
          t, std::string(name(op)) + " forward, 2 threads", prepare,
          [&] { forward(op, std::span<const float>(bx.span()), bdx.span(), {}, o); }, {bdx.span()},
          streams);
      // Nearly every element of the streamed run went out through streaming stores.
      if (streams && TargetStreams(t)) {
        EXPECT_GT(detail::StreamedElements() - before, n - 1024) << name(op);
      }
      ExpectSameStreamed<float>(
          t, std::string(name(op)) + " backward, 2 threads", prepare,
          [&] {
            backward(op, std::span<const float>(bx.span()), std::span<const float>(bdy.span()),
                     bdx.span(), {}, nullptr, o);
          },
          {bdx.span()}, BackwardStreams<float, float>(t, op, o, n));
    }
    std::vector<bfloat16> xb(n), yb(n);
    for (size_t i = 0; i < n; ++i) xb[i] = to_bfloat16(x[i]);
    ExpectSameStreamed<bfloat16>(
        t, "relu bf16 forward, 2 threads", [&] { Scribble(std::span<bfloat16>(yb)); },
        [&] { forward(Op::relu, std::span<const bfloat16>(xb), std::span<bfloat16>(yb), {}, o); },
        {std::span<bfloat16>(yb)}, true);
    ExpectSameStreamed<float>(
        t, "swiglu forward, 2 threads", prepare,
        [&] {
          gated(Op::silu, std::span<const float>(bx.span()), std::span<const float>(bdy.span()),
                bdx.span(), {}, o);
        },
        {bdx.span()}, o.accuracy == Accuracy::fast && IsAvx3(t));
  }
}

// The entry points compare the whole call's output bytes with the threshold: a call streams at
// the threshold and not one byte below it.
TEST_F(Streaming, DecidedByOutputBytes) {
  EXPECT_GT(detail::LastLevelCacheBytes(), 0u);
  detail::ResetStreamThresholdBytes();
  EXPECT_EQ(detail::StreamThresholdBytes(), detail::LastLevelCacheBytes() / 2);
  EXPECT_FALSE(detail::StreamOutput(0));

  const size_t n = 4099;
  std::vector<float> x = Inputs<float>(n, 6.0, 9), y(n), dy = Inputs<float>(n, 2.0, 10), dx(n);
  std::vector<bfloat16> yb(n);
  auto streamed = [](const std::function<void()>& call) {
    const uint64_t before = detail::StreamedElements();
    call();
    return detail::StreamedElements() > before;
  };
  auto forward32 = [&] { forward(Op::relu, std::span<const float>(x), std::span<float>(y)); };
  auto forward16 = [&] { forward(Op::relu, std::span<const float>(x), std::span<bfloat16>(yb)); };
  auto backward32 = [&] {
    backward(Op::relu, std::span<const float>(x), std::span<const float>(dy), std::span<float>(dx));
  };
  auto from_y32 = [&] {
    backward_from_y(Op::sigmoid, std::span<const float>(y), std::span<const float>(dy),
                    std::span<float>(dx));
  };
  auto gated32 = [&] {
    gated(Op::silu, std::span<const float>(x), std::span<const float>(dy), std::span<float>(y), {},
          kFast);
  };
  // Whether the call streams on target t: the gradient from y in float lanes needs FMA, the fast
  // gated loop AVX-512.
  struct Call {
    std::function<void()> f;
    size_t bytes;
    std::function<bool(const char*)> streams_on;
  };
  const Call calls[] = {{forward32, n * sizeof(float), TargetStreams},
                        {forward16, n * sizeof(bfloat16), TargetStreams},
                        {backward32, n * sizeof(float), TargetStreams},
                        {from_y32, n * sizeof(float), HasFma},
                        {gated32, n * sizeof(float), IsAvx3}};
  ForEachTarget([&](const char* t) {
    if (!TargetStreams(t)) return;
    for (size_t k = 0; k < std::size(calls); ++k) {
      const Call& c = calls[k];
      if (!c.streams_on(t)) continue;
      detail::SetStreamThresholdBytes(c.bytes);
      EXPECT_TRUE(detail::StreamOutput(c.bytes));
      EXPECT_TRUE(streamed(c.f)) << t << " call " << k << " at its threshold";
      detail::SetStreamThresholdBytes(c.bytes + 1);
      EXPECT_FALSE(streamed(c.f)) << t << " call " << k << " one byte below its threshold";
    }
  });
}

}  // namespace
}  // namespace activ
