// The accuracy runner: measures one function against the long double reference over a sampled
// sweep or every float32 input, on every core, and builds the table of docs/ACCURACY.md. The
// engine of `activ check` and of activ-accuracy (tools/accuracy.cc), so that both measure alike.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "activ/activ.h"
#include "measure.h"

namespace activ::ref {

enum class Precision { kFloat32, kFloat64 };

// Called as chunks of work complete (never concurrently), with done <= total.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

struct CheckOptions {
  Op op = Op::identity;
  Precision precision = Precision::kFloat32;
  Direction direction = Direction::kForward;
  bool exhaustive = false;  // all 2^32 float32 bit patterns; float32 only
  std::size_t samples = 0;  // 0: DefaultSamples(precision)
  Params params;
  unsigned threads = 0;  // 0: every core
  ProgressFn progress;   // may be empty
};

// 2^24 for float32, 2^22 for float64: a few seconds per function on two cores.
std::size_t DefaultSamples(Precision precision);

// Throws Error for an exhaustive float64 check, a direction the operation lacks
// (backward_from_y) or bad parameters, before any work starts.
Stats Check(const CheckOptions& options);

// The markdown of docs/ACCURACY.md: every function with the parameter sets of TestParams, both
// types, every direction it has. samples = 0 takes 2^22 (float32) and 2^20 (float64). `log`
// receives one line per row as it is measured.
std::string AccuracyTable(std::size_t samples, unsigned threads,
                          const std::function<void(const std::string&)>& log);

// The row-wise table alone (softmax family, random and adversarial rows).
std::string RowTable();

// A ProgressFn that draws on stderr: a bar with the time left when stderr is a terminal, and a
// plain line every 5% otherwise (logs, CI). Finish() ends the bar's line.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::string label);
  void operator()(std::size_t done, std::size_t total);
  void Finish();

 private:
  std::string label_;
  bool tty_;
  int last_percent_ = -1;
  double start_;
};

}  // namespace activ::ref
