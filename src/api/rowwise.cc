// Softmax, log_softmax and softmin over the rows of a [rows, cols] array, their backward passes
// from y, argmax and hardmax: the checked entry points. The per-target loops and their dispatch
// are in the per-type units (src/simd/rowwise_units.h, src/simd/rowwise_unit-inl.h).
#include "activ/rowwise.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/checks.h"
#include "simd/element.h"
#include "simd/rowwise_units.h"
#include "thread_pool.h"

namespace activ {
namespace {

using detail::RowFn;

using row_units::RunArgmax;
using row_units::RunBackward;
using row_units::RunForward;

using detail::CheckAlias;
using detail::CheckSameShape;
using detail::CheckView;

std::string Name(RowFn fn) {
  switch (fn) {
    case RowFn::kSoftmax:
      return "activ::softmax";
    case RowFn::kLogSoftmax:
      return "activ::log_softmax";
    case RowFn::kSoftmin:
      return "activ::softmin";
  }
  return "activ::?";
}

template <typename T>
void ForwardImpl(RowFn fn, Rows<const T> x, Rows<T> y, const RowOptions& o) {
  const std::string name = Name(fn);
  CheckView(name, "x", x);
  CheckView(name, "y", y);
  CheckSameShape(name, "x", x, "y", y);
  CheckAlias(name, "x", x, "y", y);
  detail::CheckAccuracy(name, o.accuracy);
  if (x.rows == 0 || x.cols == 0) return;
  detail::ParallelFor(x.rows, detail::RowGrain(x.cols), [&](size_t r0, size_t r1) {
    RunForward(fn, x.row(r0), x.stride, y.row(r0), y.stride, r1 - r0, x.cols,
               o.masked_rows_are_zero, o.accuracy == Accuracy::fast);
  });
}

template <typename T>
void BackwardImpl(RowFn fn, Rows<const T> y, Rows<const T> dy, Rows<T> dx, const Options& o) {
  const std::string name = Name(fn) + "_backward";
  detail::CheckAccuracy(name, o.accuracy);
  CheckView(name, "y", y);
  CheckView(name, "dy", dy);
  CheckView(name, "dx", dx);
  CheckSameShape(name, "y", y, "dy", dy);
  CheckSameShape(name, "y", y, "dx", dx);
  CheckAlias(name, "y", y, "dx", dx);
  CheckAlias(name, "dy", dy, "dx", dx);
  if (y.rows == 0 || y.cols == 0) return;
  detail::ParallelFor(y.rows, detail::RowGrain(y.cols), [&](size_t r0, size_t r1) {
    RunBackward(fn, y.row(r0), y.stride, dy.row(r0), dy.stride, dx.row(r0), dx.stride, r1 - r0,
                y.cols, o.accuracy == Accuracy::fast);
  });
}

template <typename T>
void ArgmaxInto(const std::string& name, Rows<const T> x, std::int64_t* index) {
  CheckView(name, "x", x);
  if (x.rows > 0 && x.cols == 0) {
    throw Error(name + ": x has " + std::to_string(x.rows) +
                " rows of 0 columns; an empty row has no maximum");
  }
  if (x.rows == 0) return;
  detail::ParallelFor(x.rows, detail::RowGrain(x.cols), [&](size_t r0, size_t r1) {
    RunArgmax(x.row(r0), x.stride, r1 - r0, x.cols, index + r0);
  });
}

template <typename T>
void ArgmaxImpl(Rows<const T> x, std::span<std::int64_t> index) {
  if (index.size() != x.rows) {
    throw Error("activ::argmax: x has " + std::to_string(x.rows) + " rows but index has " +
                std::to_string(index.size()) + " elements");
  }
  ArgmaxInto("activ::argmax", x, index.data());
}

template <typename T>
void HardmaxImpl(Rows<const T> x, Rows<T> y) {
  const std::string name = "activ::hardmax";
  CheckView(name, "y", y);
  CheckSameShape(name, "x", x, "y", y);
  CheckAlias(name, "x", x, "y", y);
  // Every index before any write: y may be x.
  std::vector<std::int64_t> index(x.rows);
  ArgmaxInto(name, x, index.data());
  for (size_t r = 0; r < y.rows; ++r) {
    T* row = y.row(r);
    std::fill(row, row + y.cols, detail::Narrow<T>(0.0));
    row[index[r]] = detail::Narrow<T>(1.0);
  }
}

}  // namespace

#define ACTIV_PUBLIC_ROWS(S, T)                                                                \
  void softmax(Rows<const T> x, Rows<T> y, const RowOptions& o) {                              \
    ForwardImpl(RowFn::kSoftmax, x, y, o);                                                     \
  }                                                                                            \
  void log_softmax(Rows<const T> x, Rows<T> y, const RowOptions& o) {                          \
    ForwardImpl(RowFn::kLogSoftmax, x, y, o);                                                  \
  }                                                                                            \
  void softmin(Rows<const T> x, Rows<T> y, const RowOptions& o) {                              \
    ForwardImpl(RowFn::kSoftmin, x, y, o);                                                     \
  }                                                                                            \
  void softmax_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx, const Options& o) {     \
    BackwardImpl(RowFn::kSoftmax, y, dy, dx, o);                                               \
  }                                                                                            \
  void log_softmax_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx, const Options& o) { \
    BackwardImpl(RowFn::kLogSoftmax, y, dy, dx, o);                                            \
  }                                                                                            \
  void softmin_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx, const Options& o) {     \
    BackwardImpl(RowFn::kSoftmin, y, dy, dx, o);                                               \
  }                                                                                            \
  void argmax(Rows<const T> x, std::span<std::int64_t> index) { ArgmaxImpl(x, index); }        \
  void hardmax(Rows<const T> x, Rows<T> y) { HardmaxImpl(x, y); }
ACTIV_ROW_TYPES(ACTIV_PUBLIC_ROWS)
#undef ACTIV_PUBLIC_ROWS

}  // namespace activ
