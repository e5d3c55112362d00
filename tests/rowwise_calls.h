// The row-wise functions by their reference tag, for tests that loop over all of them.
#pragma once

#include "activ/rowwise.h"
#include "rowwise_reference.h"

namespace activ::test {

template <typename T>
void RowForward(ref::RowOp op, Rows<const T> x, Rows<T> y, const RowOptions& o = {}) {
  switch (op) {
    case ref::RowOp::kSoftmax:
      return softmax(x, y, o);
    case ref::RowOp::kLogSoftmax:
      return log_softmax(x, y, o);
    case ref::RowOp::kSoftmin:
      return softmin(x, y, o);
  }
}

template <typename T>
void RowBackward(ref::RowOp op, Rows<const T> y, Rows<const T> dy, Rows<T> dx,
                 const Options& o = {}) {
  switch (op) {
    case ref::RowOp::kSoftmax:
      return softmax_backward(y, dy, dx, o);
    case ref::RowOp::kLogSoftmax:
      return log_softmax_backward(y, dy, dx, o);
    case ref::RowOp::kSoftmin:
      return softmin_backward(y, dy, dx, o);
  }
}

}  // namespace activ::test
