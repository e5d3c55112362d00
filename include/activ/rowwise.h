// Row-wise functions over the last axis of a row-major [rows, cols] array: softmax,
// log_softmax, softmin (= softmax(-x)), their backward passes from the output, argmax and hardmax.
//
// Rows may have any stride (in elements, >= cols); y may alias x when both views describe the
// same memory. Stable for any finite input (max-subtracted). A row that is all -inf gives NaN
// (as PyTorch) unless RowOptions::masked_rows_are_zero is set, which gives zeros (masked
// attention); a partial -inf gives probability exactly 0 and log-probability -inf; a +inf or NaN
// in a row makes that row NaN. Long computations are split across threads by rows.
//
// Details: softmin(x) is softmax(-x) to the bit, special values included (an all +inf row is
// the masked one, a -inf makes the row NaN). A masked log_softmax row is zeros too; backward
// from y cannot tell a masked row, so give such rows dy = 0 (softmax's zeros give dx = 0 by
// themselves). Backward outputs may alias y or dy as the same view; any other overlap of an
// output with an input throws. Faithful float32 results are one rounding of an accurate value:
// a double computation, or forward on AVX2 and AVX-512 float pairs (e^(x - max) and 1/S as hi + lo,
// about 2^-37) (docs/ACCURACY.md lists the measured errors). Threads: ACTIV_NUM_THREADS=n caps them
// (1: the calling thread only); calls under about 65 000 elements never start one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "activ/activ.h"

namespace activ {

// A view of `rows` rows of `cols` elements, row r starting at data + r * stride.
template <typename T>
struct Rows {
  T* data = nullptr;
  std::size_t rows = 0, cols = 0, stride = 0;

  Rows() = default;
  Rows(T* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c), stride(c) {}
  Rows(T* d, std::size_t r, std::size_t c, std::size_t s) : data(d), rows(r), cols(c), stride(s) {}
  // A view of mutable data converts to a read-only view.
  template <typename U>
  requires std::is_same_v<const U, T> Rows(const Rows<U>& o)
      : data(o.data), rows(o.rows), cols(o.cols), stride(o.stride) {}
  T* row(std::size_t r) const { return data + r * stride; }
};

// Accuracy::fast (float32 rows on AVX2 and AVX-512): e^(x - max) in float lanes with the fast
// exps of the element-wise kernels (the rounding of x - max carried into the exp), its sum in
// double, y = e * (1/S) and log_softmax y = (x - max) - log S; backward with the sums in double
// and the rest in float lanes. Within the spec's fast bounds (`activ-accuracy --rows --accuracy
// fast` measures them); the special values, masked rows, strides, aliasing and threads as
// faithful. 16-bit rows, float64 and the other targets run the faithful kernels, which meet the
// fast bound.
struct RowOptions {
  bool masked_rows_are_zero = false;  // an all -inf row gives zeros instead of NaN
  Accuracy accuracy = Accuracy::faithful;
};

void softmax(Rows<const float> x, Rows<float> y, const RowOptions& o = {});
void softmax(Rows<const double> x, Rows<double> y, const RowOptions& o = {});
void log_softmax(Rows<const float> x, Rows<float> y, const RowOptions& o = {});
void log_softmax(Rows<const double> x, Rows<double> y, const RowOptions& o = {});
void softmin(Rows<const float> x, Rows<float> y, const RowOptions& o = {});
void softmin(Rows<const double> x, Rows<double> y, const RowOptions& o = {});
// 16-bit rows: computed as float32 rows are by the double-lane kernels (from the values widened
// exactly), and each float32 result rounded once more to the 16-bit type, to nearest even.
void softmax(Rows<const bfloat16> x, Rows<bfloat16> y, const RowOptions& o = {});
void softmax(Rows<const float16> x, Rows<float16> y, const RowOptions& o = {});
void log_softmax(Rows<const bfloat16> x, Rows<bfloat16> y, const RowOptions& o = {});
void log_softmax(Rows<const float16> x, Rows<float16> y, const RowOptions& o = {});
void softmin(Rows<const bfloat16> x, Rows<bfloat16> y, const RowOptions& o = {});
void softmin(Rows<const float16> x, Rows<float16> y, const RowOptions& o = {});

// From the output y: softmax dx = y * (dy - sum(dy * y)); log_softmax dx = dy - e^y * sum(dy);
// softmin dx = -y * (dy - sum(dy * y)).
void softmax_backward(Rows<const float> y, Rows<const float> dy, Rows<float> dx,
                      const Options& o = {});
void softmax_backward(Rows<const double> y, Rows<const double> dy, Rows<double> dx,
                      const Options& o = {});
void log_softmax_backward(Rows<const float> y, Rows<const float> dy, Rows<float> dx,
                          const Options& o = {});
void log_softmax_backward(Rows<const double> y, Rows<const double> dy, Rows<double> dx,
                          const Options& o = {});
void softmin_backward(Rows<const float> y, Rows<const float> dy, Rows<float> dx,
                      const Options& o = {});
void softmin_backward(Rows<const double> y, Rows<const double> dy, Rows<double> dx,
                      const Options& o = {});
void softmax_backward(Rows<const bfloat16> y, Rows<const bfloat16> dy, Rows<bfloat16> dx,
                      const Options& o = {});
void softmax_backward(Rows<const float16> y, Rows<const float16> dy, Rows<float16> dx,
                      const Options& o = {});
void log_softmax_backward(Rows<const bfloat16> y, Rows<const bfloat16> dy, Rows<bfloat16> dx,
                          const Options& o = {});
void log_softmax_backward(Rows<const float16> y, Rows<const float16> dy, Rows<float16> dx,
                          const Options& o = {});
void softmin_backward(Rows<const bfloat16> y, Rows<const bfloat16> dy, Rows<bfloat16> dx,
                      const Options& o = {});
void softmin_backward(Rows<const float16> y, Rows<const float16> dy, Rows<float16> dx,
                      const Options& o = {});

// Index of the first maximum of each row; NaN counts as the maximum (as in PyTorch). Rows of
// 0 columns throw: an empty row has no maximum.
void argmax(Rows<const float> x, std::span<std::int64_t> index);
void argmax(Rows<const double> x, std::span<std::int64_t> index);
void argmax(Rows<const bfloat16> x, std::span<std::int64_t> index);
void argmax(Rows<const float16> x, std::span<std::int64_t> index);
// One-hot of argmax.
void hardmax(Rows<const float> x, Rows<float> y);
void hardmax(Rows<const double> x, Rows<double> y);
void hardmax(Rows<const bfloat16> x, Rows<bfloat16> y);
void hardmax(Rows<const float16> x, Rows<float16> y);

}  // namespace activ
