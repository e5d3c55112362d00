// The rows the row-wise functions' accuracy is measured on and the measurement itself, against
// the long double reference of reference/rowwise_reference.h.
#include "rowwise_measure.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "measure.h"
#include "ulp.h"

namespace activ::ref {
namespace {

using LD = long double;

}  // namespace

template <typename T>
std::vector<NamedRow<T>> RandomRows(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> lengths;
  for (size_t n = 1; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {100, 255, 1000, 1024, 1025, 4097, 16385, 32000, 32769, 40000})
    lengths.push_back(n);
  std::vector<NamedRow<T>> rows;
  for (double spread : {1.0, 10.0, 100.0}) {
    std::uniform_real_distribution<double> u(-spread, spread);
    for (size_t n : lengths) {
      NamedRow<T> r{"random, " + std::to_string(n) + " in +-" + std::to_string(int(spread)), {}};
      for (size_t i = 0; i < n; ++i) r.x.push_back(static_cast<T>(u(rng)));
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

template <typename T>
std::vector<NamedRow<T>> AdversarialRows() {
  using L = std::numeric_limits<T>;
  const T inf = L::infinity(), big = T(1e30), max = L::max();
  std::vector<NamedRow<T>> rows = {
      {"huge +-1e30", {big, -big, T(0), big, -big, T(5), -big}},
      {"huge +-max", {max, -max, T(0), max, T(-1), -max}},
      {"-inf entries", {T(1), -inf, T(2), -inf, -inf, T(0.5), T(-3), -inf}},
      {"one finite among -inf", {-inf, -inf, T(3), -inf}},
      {"+inf entries (softmin)", {T(1), inf, T(2), inf, T(0.5)}},
      {"all -inf", {-inf, -inf, -inf}},
      {"single element", {T(-7.25)}},
      {"dominant by 40", {T(0), T(-40), T(-40), T(-41), T(-45)}},
      {"dominant by 20", {T(3), T(-17), T(-16.5)}},
      {"two equal maxima", {T(2), T(2), T(-30)}},
  };
  if constexpr (sizeof(T) == 8) {
    rows.push_back({"huge +-1e300", {1e300, -1e300, 0.0, 1e300, -1e300, 5.0}});
    rows.push_back({"subnormal probabilities", {0.0, -700.0, -720.5, -740.0, -744.5, -746.0}});
  } else {
    rows.push_back({"subnormal probabilities", {0.0f, -88.0f, -95.5f, -100.0f, -103.0f, -104.0f}});
  }
  NamedRow<T> equal{"32000 equal", std::vector<T>(32000, T(7))};
  rows.push_back(equal);
  rows.push_back({"17 zeros", std::vector<T>(17, T(0))});
  NamedRow<T> rising{"rising, 40000", {}}, falling{"falling, 40000", {}};
  NamedRow<T> close{"within 64 ULP of 1", {}}, tiny{"near 0 (1e-30)", {}};
  NamedRow<T> masked{"-inf every 3rd, 4097", {}}, sawtooth{"block maxima 0..30, 20000", {}};
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int i = 0; i < 40000; ++i) {
    rising.x.push_back(static_cast<T>(i * 0.01));
    falling.x.push_back(static_cast<T>(-i * 0.01));
  }
  T one = T(1);
  for (int i = 0; i < 64; ++i) {
    close.x.push_back(one);
    one = std::nextafter(one, T(2));
  }
  for (int i = 0; i < 100; ++i) tiny.x.push_back(static_cast<T>(1e-30 * u(rng)));
  for (int i = 0; i < 4097; ++i) masked.x.push_back(i % 3 == 0 ? -inf : static_cast<T>(5 * u(rng)));
  for (int i = 0; i < 20000; ++i) sawtooth.x.push_back(static_cast<T>((i / 1000) * 1.5 + u(rng)));
  for (auto* r : {&rising, &falling, &close, &tiny, &masked, &sawtooth}) rows.push_back(*r);
  return rows;
}

void RowStats::Add(double err, const std::string& row, size_t col) {
  ++count;
  if (err > max_ulp || worst_row.empty()) {
    max_ulp = std::max(max_ulp, err);
    worst_row = row;
    worst_col = col;
  }
}

void RowStats::Merge(const RowStats& o) {
  if (o.max_ulp > max_ulp || worst_row.empty()) {
    max_ulp = std::max(max_ulp, o.max_ulp);
    worst_row = o.worst_row;
    worst_col = o.worst_col;
  }
  count += o.count;
}

namespace {

template <typename T>
void Run(RowOp op, std::span<const T> x, std::span<T> y, Accuracy accuracy) {
  const Rows<const T> in(x.data(), 1, x.size());
  const Rows<T> out(y.data(), 1, y.size());
  const RowOptions o{.accuracy = accuracy};
  switch (op) {
    case RowOp::kSoftmax:
      return softmax(in, out, o);
    case RowOp::kLogSoftmax:
      return log_softmax(in, out, o);
    case RowOp::kSoftmin:
      return softmin(in, out, o);
  }
}

template <typename T>
void RunBackward(RowOp op, std::span<const T> y, std::span<const T> dy, std::span<T> dx,
                 Accuracy accuracy) {
  const Rows<const T> yr(y.data(), 1, y.size()), gr(dy.data(), 1, dy.size());
  const Rows<T> out(dx.data(), 1, dx.size());
  const Options o{.accuracy = accuracy};
  switch (op) {
    case RowOp::kSoftmax:
      return softmax_backward(yr, gr, out, o);
    case RowOp::kLogSoftmax:
      return log_softmax_backward(yr, gr, out, o);
    case RowOp::kSoftmin:
      return softmin_backward(yr, gr, out, o);
  }
}

template <typename T>
std::vector<LD> Promote(std::span<const T> v) {
  return std::vector<LD>(v.begin(), v.end());
}

}  // namespace

template <typename T>
RowStats MeasureRowForward(RowOp op, const std::vector<NamedRow<T>>& rows, Accuracy accuracy) {
  RowStats s;
  for (const NamedRow<T>& r : rows) {
    std::vector<T> y(r.x.size());
    Run<T>(op, r.x, y, accuracy);
    const std::vector<LD> ref = row_forward(op, Promote<T>(r.x));
    for (size_t i = 0; i < y.size(); ++i) s.Add(UlpError<T>(y[i], ref[i]), r.name, i);
  }
  return s;
}

template <typename T>
RowStats MeasureRowBackward(RowOp op, const std::vector<NamedRow<T>>& rows, Accuracy accuracy) {
  RowStats s;
  for (const NamedRow<T>& r : rows) {
    const size_t n = r.x.size();
    std::vector<T> y(n), dy(n), dx(n);
    Run<T>(op, r.x, y, accuracy);
    for (size_t i = 0; i < n; ++i) dy[i] = UpstreamGradient<T>(i);
    RunBackward<T>(op, y, dy, dx, accuracy);
    const std::vector<LD> yl = Promote<T>(y), dyl = Promote<T>(dy);
    const std::vector<LD> ref = row_backward(op, yl, dyl);
    const std::vector<LD> scale = row_backward_scale(op, yl, dyl);
    for (size_t i = 0; i < n; ++i)
      s.Add(BackwardError<T>(
                dx[i], ref[i],
                kRowBackwardAbsScale<T> * std::ldexp(scale[i], -std::numeric_limits<T>::digits)),
            r.name, i);
  }
  return s;
}

template std::vector<NamedRow<float>> RandomRows<float>(uint64_t);
template std::vector<NamedRow<double>> RandomRows<double>(uint64_t);
template std::vector<NamedRow<float>> AdversarialRows<float>();
template std::vector<NamedRow<double>> AdversarialRows<double>();
template RowStats MeasureRowForward<float>(RowOp, const std::vector<NamedRow<float>>&, Accuracy);
template RowStats MeasureRowForward<double>(RowOp, const std::vector<NamedRow<double>>&, Accuracy);
template RowStats MeasureRowBackward<float>(RowOp, const std::vector<NamedRow<float>>&, Accuracy);
template RowStats MeasureRowBackward<double>(RowOp, const std::vector<NamedRow<double>>&, Accuracy);

}  // namespace activ::ref
