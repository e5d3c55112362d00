// Reference for the row-wise functions (softmax, log_softmax, softmin) in long double, written
// apart from the library's code. What is measured against it, and on which rows, is the accuracy
// harness's (accuracy/rowwise_measure.h).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace activ::ref {

enum class RowOp { kSoftmax, kLogSoftmax, kSoftmin };
inline constexpr RowOp kRowOps[] = {RowOp::kSoftmax, RowOp::kLogSoftmax, RowOp::kSoftmin};
std::string_view RowOpName(RowOp op);

// One row, with the library's policy for special values: a NaN or +inf (softmin: -inf) makes
// the row NaN; an all -inf row (softmin: +inf) is NaN, or zeros when masked_zero. Accurate to a
// few long double ULP: v - max is carried as an exact sum hi + lo, the sum is compensated, and
// log S is log1p(S - 1) with S - 1 exact.
std::vector<long double> row_forward(RowOp op, std::span<const long double> x,
                                     bool masked_zero = false);
// dx from y and dy: softmax y*(dy - sum(dy*y)), softmin -y*(dy - sum(dy*y)),
// log_softmax dy - e^y * sum(dy).
std::vector<long double> row_backward(RowOp op, std::span<const long double> y,
                                      std::span<const long double> dy);
// The spec's scale of a backward error, for the absolute part of the mixed bound: the size of
// the terms that cancel in dx[i] (softmax, softmin: |y|*(|dy| + |sum(dy*y)|); log_softmax:
// |dy| + e^y * |sum(dy)|).
std::vector<long double> row_backward_scale(RowOp op, std::span<const long double> y,
                                            std::span<const long double> dy);

}  // namespace activ::ref
