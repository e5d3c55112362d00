// The row-wise functions and the gated units in bfloat16 and float16, on every compiled SIMD
// target the CPU runs. The contract: a 16-bit result is the float32 result of the same (exactly
// widened) inputs rounded once more to nearest even, so it is the correctly rounded value or
// one step from it. Checked bit for bit against activ's float32 path (which its own tests check
// against the reference) and, independently, against the long double reference.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "activ/gated.h"
#include "activ/rowwise.h"
#include "half.h"
#include "measure.h"
#include "reference.h"
#include "rowwise_calls.h"
#include "rowwise_reference.h"
#include "test_util.h"

namespace activ {
namespace {

using ref::RowOp;
using test::ForEachTarget;

template <typename H>
using FormatOf = std::conditional_t<std::is_same_v<H, bfloat16>, ref::Bf16Format, ref::F16Format>;

template <typename H>
H Round(float v) {
  if constexpr (std::is_same_v<H, bfloat16>) {
    return to_bfloat16(v);
  } else {
    return to_float16(v);
  }
}

template <typename H>
std::vector<H> RandomHalf(size_t n, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-spread, spread);
  std::vector<H> v(n);
  for (H& e : v) e = Round<H>(static_cast<float>(u(rng)));
  return v;
}

template <typename H>
std::vector<float> Widen(const std::vector<H>& v) {
  std::vector<float> w(v.size());
  std::transform(v.begin(), v.end(), w.begin(), [](H h) { return to_float(h); });
  return w;
}

// bits of `got` equal the float32 result rounded; NaN matches any NaN.
template <typename H>
::testing::AssertionResult SameAsRounded(H got, float f32) {
  const float g = to_float(got);
  if (std::isnan(g) && std::isnan(f32)) return ::testing::AssertionSuccess();
  if (got == Round<H>(f32)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << g << " (bits " << got.bits << "), float32 "
                                       << f32 << " rounds to " << to_float(Round<H>(f32));
}

using test::RowBackward;
using test::RowForward;

template <typename H>
void CheckRows() {
  using F = FormatOf<H>;
  ForEachTarget([](const char* target) {
    double worst_steps = 0;
    for (RowOp op : ref::kRowOps) {
      for (size_t cols : {1, 2, 3, 7, 8, 9, 31, 33, 100, 1000, 1025, 32000, 40000}) {
        const size_t rows = cols > 1000 ? 1 : 3;
        const std::vector<H> x = RandomHalf<H>(rows * cols, 12.0, cols * 7 + 1);
        const std::vector<H> dy = RandomHalf<H>(rows * cols, 1.0, cols * 7 + 2);
        std::vector<H> y(x.size()), dx(x.size());
        RowForward<H>(op, Rows<const H>(x.data(), rows, cols), Rows<H>(y.data(), rows, cols));
        RowBackward<H>(op, Rows<const H>(y.data(), rows, cols),
                       Rows<const H>(dy.data(), rows, cols), Rows<H>(dx.data(), rows, cols));
        // The float32 path on the same values.
        const std::vector<float> x32 = Widen(x), y16 = Widen(y), dy32 = Widen(dy);
        std::vector<float> y32(x.size()), dx32(x.size());
        RowForward<float>(op, Rows<const float>(x32.data(), rows, cols),
                          Rows<float>(y32.data(), rows, cols));
        RowBackward<float>(op, Rows<const float>(y16.data(), rows, cols),
                           Rows<const float>(dy32.data(), rows, cols),
                           Rows<float>(dx32.data(), rows, cols));
        for (size_t i = 0; i < x.size(); ++i) {
          ASSERT_TRUE(SameAsRounded(y[i], y32[i]))
              << target << " " << ref::RowOpName(op) << " cols=" << cols << " i=" << i;
          ASSERT_TRUE(SameAsRounded(dx[i], dx32[i]))
              << target << " " << ref::RowOpName(op) << " backward cols=" << cols << " i=" << i;
        }
        // Independently: the reference, row by row.
        for (size_t r = 0; r < rows; ++r) {
          std::vector<long double> xr(cols);
          for (size_t c = 0; c < cols; ++c) xr[c] = x32[r * cols + c];
          const std::vector<long double> exact = ref::row_forward(op, xr);
          for (size_t c = 0; c < cols; ++c) {
            const double steps = ref::StepsFromCorrect<F>(to_float(y[r * cols + c]), exact[c]);
            worst_steps = std::max(worst_steps, steps);
            ASSERT_LE(steps, 1.0) << target << " " << ref::RowOpName(op) << " cols=" << cols
                                  << " c=" << c << " exact " << static_cast<double>(exact[c]);
          }
        }
      }
    }
    ::testing::Test::RecordProperty(std::string("worst_steps_") + target,
                                    std::to_string(worst_steps));
  });
}

TEST(HalfRows, BFloat16IsFloat32RoundedOnce) { CheckRows<bfloat16>(); }
TEST(HalfRows, Float16IsFloat32RoundedOnce) { CheckRows<float16>(); }

template <typename H>
void CheckSpecialRowsAndArgmax() {
  const float inf = INFINITY;
  // A masked row (all -inf), a row with a NaN, a partial -inf row.
  const std::vector<float> values = {-inf, -inf, -inf, 1.0f, NAN, 2.0f, -inf, 0.5f, 3.0f};
  std::vector<H> x(values.size());
  std::transform(values.begin(), values.end(), x.begin(), [](float v) { return Round<H>(v); });
  std::vector<H> y(x.size());
  softmax(Rows<const H>(x.data(), 3, 3), Rows<H>(y.data(), 3, 3));
  for (size_t c = 0; c < 6; ++c) EXPECT_TRUE(std::isnan(to_float(y[c]))) << c;
  EXPECT_EQ(to_float(y[6]), 0.0f);
  softmax(Rows<const H>(x.data(), 3, 3), Rows<H>(y.data(), 3, 3), {.masked_rows_are_zero = true});
  for (size_t c = 0; c < 3; ++c) EXPECT_EQ(to_float(y[c]), 0.0f) << c;
  std::vector<std::int64_t> index(3);
  argmax(Rows<const H>(x.data(), 3, 3), index);
  EXPECT_EQ(index, (std::vector<std::int64_t>{0, 1, 2}));
  hardmax(Rows<const H>(x.data(), 3, 3), Rows<H>(y.data(), 3, 3));
  EXPECT_EQ(to_float(y[8]), 1.0f);
  EXPECT_EQ(to_float(y[7]), 0.0f);
}

TEST(HalfRows, SpecialRowsAndArgmaxBFloat16) { CheckSpecialRowsAndArgmax<bfloat16>(); }
TEST(HalfRows, SpecialRowsAndArgmaxFloat16) { CheckSpecialRowsAndArgmax<float16>(); }

// Every 16-bit gate value (all 65536 bit patterns) against several up values, forward and
// backward, two-input form; the split form on random rows.
template <typename H>
void CheckGated() {
  using F = FormatOf<H>;
  ForEachTarget([](const char* target) {
    std::vector<H> gate(65536), up(65536), dout(65536);
    for (uint32_t i = 0; i < 65536; ++i) gate[i].bits = static_cast<uint16_t>(i);
    const std::vector<H> ups = RandomHalf<H>(65536, 3.0, 11), douts = RandomHalf<H>(65536, 1.0, 12);
    for (const OpInfo& o : all_ops()) {
      if (!(o.flags & kGates)) continue;
      std::vector<H> out(65536), dg(65536), du(65536);
      gated(o.op, gate, ups, out);
      gated_backward(o.op, gate, ups, douts, dg, du);
      const std::vector<float> g32 = Widen(gate), u32 = Widen(ups), d32 = Widen(douts);
      std::vector<float> out32(65536), dg32(65536), du32(65536);
      gated(o.op, g32, u32, out32);
      gated_backward(o.op, g32, u32, d32, dg32, du32);
      const std::vector<double> p = ref::KernelParams<float>(o.op, {});
      for (size_t i = 0; i < 65536; ++i) {
        ASSERT_TRUE(SameAsRounded(out[i], out32[i])) << target << " " << o.name << " i=" << i;
        ASSERT_TRUE(SameAsRounded(dg[i], dg32[i])) << target << " " << o.name << " d_gate i=" << i;
        ASSERT_TRUE(SameAsRounded(du[i], du32[i])) << target << " " << o.name << " d_up i=" << i;
        const long double exact =
            ref::forward(o.op, static_cast<long double>(g32[i]), p.data()) * u32[i];
        ASSERT_LE(ref::StepsFromCorrect<F>(to_float(out[i]), exact), 1.0)
            << target << " " << o.name << " gate=" << g32[i] << " up=" << u32[i];
      }
      // Split form: [rows, 2H] with the gate in the second half.
      const size_t rows = 5, h = 37;
      const std::vector<H> x = RandomHalf<H>(rows * 2 * h, 6.0, 13);
      std::vector<H> y(rows * h);
      gated_split(o.op, Rows<const H>(x.data(), rows, 2 * h), Rows<H>(y.data(), rows, h));
      for (size_t r = 0; r < rows; ++r) {
        for (size_t c = 0; c < h; ++c) {
          const float u = to_float(x[r * 2 * h + c]), g = to_float(x[r * 2 * h + h + c]);
          float expect = 0;
          gated(o.op, std::span<const float>(&g, 1), std::span<const float>(&u, 1),
                std::span<float>(&expect, 1));
          ASSERT_TRUE(SameAsRounded(y[r * h + c], expect)) << target << " split " << o.name;
        }
      }
    }
  });
}

TEST(HalfGated, BFloat16IsFloat32RoundedOnce) { CheckGated<bfloat16>(); }
TEST(HalfGated, Float16IsFloat32RoundedOnce) { CheckGated<float16>(); }

TEST(HalfGated, ErrorsNameTheProblem) {
  std::vector<bfloat16> a(4), b(3), out(4);
  EXPECT_THROW(gated(Op::silu, a, b, out), Error);
  EXPECT_THROW(gated(Op::tanh, a, a, out), Error);  // tanh does not gate
}

}  // namespace
}  // namespace activ
