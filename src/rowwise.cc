// Softmax, log_softmax and softmin over the rows of a [rows, cols] array, their backward passes
// from y, argmax and hardmax: the checked entry points. The per-target loops and their dispatch
// are in the per-type units (rowwise_units.h, rowwise_unit-inl.h).
#include "activ/rowwise.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "element.h"
#include "rowwise_units.h"
#include "thread_pool.h"

namespace activ {
namespace {

using detail::RowFn;

using row_units::RunArgmax;
using row_units::RunBackward;
using row_units::RunForward;

std::string Shape(size_t rows, size_t cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

template <typename T>
void CheckView(const std::string& fn, const char* what, const Rows<T>& v) {
  if (v.rows > 1 && v.stride < v.cols) {
    throw Error(fn + ": " + what + " has a row stride of " + std::to_string(v.stride) +
                " elements, less than its " + std::to_string(v.cols) + " columns");
  }
  if (v.data == nullptr && v.rows > 0 && v.cols > 0) {
    throw Error(fn + ": " + what + " is " + Shape(v.rows, v.cols) + " but its data is null");
  }
}

template <typename A, typename B>
void CheckSameShape(const std::string& fn, const char* a_name, const Rows<A>& a, const char* b_name,
                    const Rows<B>& b) {
  if (a.rows != b.rows || a.cols != b.cols) {
    throw Error(fn + ": " + a_name + " is " + Shape(a.rows, a.cols) + " but " + b_name + " is " +
                Shape(b.rows, b.cols));
  }
}

// An output may be the very view of an input (in place: same data, same stride) or lie apart
// from it; anything between would read elements already overwritten.
template <typename T>
void CheckAlias(const std::string& fn, const char* in_name, const Rows<const T>& in,
                const char* out_name, const Rows<T>& out) {
  if (in.rows == 0 || in.cols == 0 || out.rows == 0 || out.cols == 0) return;
  auto extent = [](const auto& v) {
    const auto begin = reinterpret_cast<std::uintptr_t>(v.data);
    return std::pair(begin, begin + ((v.rows - 1) * v.stride + v.cols) * sizeof(T));
  };
  const auto [a0, a1] = extent(in);
  const auto [b0, b1] = extent(out);
  const bool same_view = in.data == out.data && (in.stride == out.stride || in.rows == 1);
  if (a0 < b1 && b0 < a1 && !same_view) {
    throw Error(fn + ": " + out_name + " overlaps " + in_name +
                " without being the same view; in place needs the same data and row stride");
  }
}

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
  if (x.rows == 0 || x.cols == 0) return;
  detail::ParallelFor(x.rows, detail::RowGrain(x.cols), [&](size_t r0, size_t r1) {
    RunForward(fn, x.row(r0), x.stride, y.row(r0), y.stride, r1 - r0, x.cols,
               o.masked_rows_are_zero);
  });
}

template <typename T>
void BackwardImpl(RowFn fn, Rows<const T> y, Rows<const T> dy, Rows<T> dx) {
  const std::string name = Name(fn) + "_backward";
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
                y.cols);
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

#define ACTIV_PUBLIC_ROWS(S, T)                                                         \
  void softmax(Rows<const T> x, Rows<T> y, const RowOptions& o) {                       \
    ForwardImpl(RowFn::kSoftmax, x, y, o);                                              \
  }                                                                                     \
  void log_softmax(Rows<const T> x, Rows<T> y, const RowOptions& o) {                   \
    ForwardImpl(RowFn::kLogSoftmax, x, y, o);                                           \
  }                                                                                     \
  void softmin(Rows<const T> x, Rows<T> y, const RowOptions& o) {                       \
    ForwardImpl(RowFn::kSoftmin, x, y, o);                                              \
  }                                                                                     \
  void softmax_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx) {                \
    BackwardImpl(RowFn::kSoftmax, y, dy, dx);                                           \
  }                                                                                     \
  void log_softmax_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx) {            \
    BackwardImpl(RowFn::kLogSoftmax, y, dy, dx);                                        \
  }                                                                                     \
  void softmin_backward(Rows<const T> y, Rows<const T> dy, Rows<T> dx) {                \
    BackwardImpl(RowFn::kSoftmin, y, dy, dx);                                           \
  }                                                                                     \
  void argmax(Rows<const T> x, std::span<std::int64_t> index) { ArgmaxImpl(x, index); } \
  void hardmax(Rows<const T> x, Rows<T> y) { HardmaxImpl(x, y); }
ACTIV_ROW_TYPES(ACTIV_PUBLIC_ROWS)
#undef ACTIV_PUBLIC_ROWS

}  // namespace activ
