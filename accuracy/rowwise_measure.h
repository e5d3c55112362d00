// The rows the row-wise functions' accuracy is measured on (random and adversarial) and the
// measurement against the long double reference (reference/rowwise_reference.h): the engine of
// tests/rowwise_test.cc and of the "Row-wise functions" table of docs/ACCURACY.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "activ/rowwise.h"
#include "rowwise_reference.h"

namespace activ::ref {

template <typename T>
struct NamedRow {
  std::string name;
  std::vector<T> x;
};

// Random rows: every length from 1 to 70 and long ones (up to 40000, across the block and
// one-pass limits), uniform logits of spreads 1 to 100.
template <typename T>
std::vector<NamedRow<T>> RandomRows(std::uint64_t seed);
// Rows chosen to break a careless implementation: huge logits of both signs, -inf and +inf
// entries, all equal, one dominant logit, maxima that rise block after block, probabilities
// down to the subnormals, a row of 32000.
template <typename T>
std::vector<NamedRow<T>> AdversarialRows();

struct RowStats {
  double max_ulp = 0;
  std::string worst_row;  // the name of the row of the largest error
  std::size_t worst_col = 0;
  std::uint64_t count = 0;  // elements measured
  void Add(double err, const std::string& row, std::size_t col);
  void Merge(const RowStats& o);
};

// The row-wise form of the backward bound's second term (what the rounding of the inputs
// changes), in units of 2^-p times the scale above, the size of the terms that cancel: the
// element-wise bound's 2^-p |dy x f''| has no counterpart here, since the inputs are y and dy.
// float32 computes in double, where one unit is plenty; float64 rounds e^y (or y times the sum)
// and the difference: y itself is up to 1 ULP (2^(1-p)) off, through both terms, four units.
template <typename T>
inline constexpr double kRowBackwardAbsScale = sizeof(T) == 4 ? 1.0 : 4.0;

// Runs the library's forward (or, from its own forward output, backward with a pseudo-random
// dy) on each row and measures every element in ULP of T against the reference; backward errors
// in ULP beyond kRowBackwardAbsScale * 2^-p times the scale above (BackwardError). accuracy:
// the mode of the library's calls (the reference is the same).
template <typename T>
RowStats MeasureRowForward(RowOp op, const std::vector<NamedRow<T>>& rows,
                           Accuracy accuracy = Accuracy::faithful);
template <typename T>
RowStats MeasureRowBackward(RowOp op, const std::vector<NamedRow<T>>& rows,
                            Accuracy accuracy = Accuracy::faithful);

}  // namespace activ::ref
