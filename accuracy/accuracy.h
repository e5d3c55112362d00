// The accuracy runner: measures one function against the long double reference over a sampled
// sweep or every float32 input, on every core, and builds the table of docs/ACCURACY.md. The
// engine of `activ check` and of activ-accuracy (tools/accuracy.cc), so that both measure alike.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "activ/activ.h"
#include "measure.h"
#include "rowwise_measure.h"

namespace activ::ref {

enum class Precision { kFloat32, kFloat64 };

// Called as chunks of work complete (never concurrently), with done <= total.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// Another implementation of the checked function, measured on the same float32 inputs as
// activ: fills out from x (and dy, for a backward pass). Peers' results are measured for finite
// inputs only.
struct PeerRun {
  std::string name;
  std::function<void(std::span<const float> x, std::span<const float> dy, std::span<float> out)>
      run;
};

struct CheckOptions {
  Op op = Op::identity;
  Precision precision = Precision::kFloat32;
  Direction direction = Direction::kForward;
  bool exhaustive = false;  // all 2^32 float32 bit patterns; float32 only
  std::size_t samples = 0;  // 0: DefaultSamples(precision)
  Params params;
  // The mode measured (float32 and its sweeps; float64 has no fast kernels). The bounds a
  // caller holds the result to are its own: 1 ULP faithful, 4 ULP forward fast.
  Accuracy accuracy = Accuracy::faithful;
  unsigned threads = 0;        // 0: every core
  ProgressFn progress;         // may be empty
  std::vector<PeerRun> peers;  // float32 only
};

struct CheckResult {
  Stats activ;
  std::vector<Stats> peers;  // in the order of CheckOptions::peers, finite inputs only
  ScreenCheck screen;        // how the screen fared (accuracy/measure.h): float32, float64 forward
  double screen_margin = kScreenMargin;
};

// 2^24 for float32, 2^22 for float64: a few seconds per function on two cores.
std::size_t DefaultSamples(Precision precision);

// Throws Error for an exhaustive float64 check, a direction the operation lacks
// (backward_from_y) or bad parameters, before any work starts; and after it, if the double
// screen of a check disagreed with the better reference by more than half of
// its margin (the result could not be trusted).
CheckResult CheckAll(const CheckOptions& options);
// CheckAll's result for activ alone.
Stats Check(const CheckOptions& options);

// The text report of a check: activ's largest error and where, the counts over 0.5 and 1 ULP,
// the input ranges of the largest errors, the screen's own check, and each peer's line.
std::string CheckReport(const std::string& label, const CheckOptions& options,
                        const CheckResult& result);

// docs/ACCURACY.md is rendered from a file of measurements (docs/accuracy.json), so that each
// part can be measured again alone, the long ones (every float32 input of every function) on
// their own. Parts:
//  - kExhaustive: float32 forward of every function (its first parameter set of TestParams)
//    over all 2^32 inputs, activ and every peer that has the function;
//  - kSampled32: float32 forward of the other parameter sets, backward (activ and peers) and
//    backward from y, over the sweep of SweepInputs<float>;
//  - kSampled64: float64 forward (against MPFR, 2^27 inputs) and backward over
//    SweepInputs<double>;
//  - kRows: the row-wise functions over random and adversarial rows, and every function over
//    all 65536 inputs of bfloat16 and float16 (seconds). Stored like the others, so that the
//    document is rendered from the file alone and the same file renders it the same anywhere.
enum class Part { kExhaustive, kSampled32, kSampled64, kRows };

struct UpdateOptions {
  Part part = Part::kSampled32;
  std::string only;         // one function's name, or empty for all
  std::size_t samples = 0;  // 0: 2^24 (float32), 2^27 (float64 forward), 2^22 (float64 backward)
  unsigned threads = 0;
  // The peers that implement op in a direction, for the default parameters; may be empty.
  std::function<std::vector<PeerRun>(Op, Direction)> peers;
  std::function<void(const std::string&)> log;  // a line per measurement
  bool progress = false;                        // a progress display per measurement
  // The backward directions only: the float64 part's forward pass takes the time (2^27 inputs
  // against MPFR); its backward ones can be measured again alone, e.g. after a change to the
  // backward kernels or to the backward bound.
  bool backward_only = false;
  // Dispatch was restricted to one target (--target): the exhaustive part then stores its
  // results for that target alone ("exhaustive@AVX2"), not as the main column's, which is
  // measured on the host's own best target.
  bool restricted_target = false;
  // Accuracy::fast measures the fast kernels (exhaustive part only, the functions with a fast
  // forward kernel of their own: the others run their faithful one, which the faithful records
  // already measure). Their records are kept apart, per target ("fast@AVX2"), for the fast
  // column of the document; the faithful ones are left as they are.
  Accuracy accuracy = Accuracy::faithful;
};

// Measures a part and merges it into the JSON file at path (created if missing; replaced whole
// through a temporary file, so an interrupted run leaves the old file). Returns activ's largest
// error of the measurements it made, in ULP (0 when it made none).
double UpdateResults(const std::string& path, const UpdateOptions& options);

// The markdown of docs/ACCURACY.md from the JSON file alone: nothing is measured, so the same
// file gives the same document on any machine (scripts/docs.sh --check). Throws Error when a
// part is missing from the file.
std::string RenderTable(const std::string& path);

// The row-wise table: per function, f32 random, f32 adversarial, f64 random, f64 adversarial
// (forward), then f32 and f64 backward over both row sets.
struct RowTableLine {
  std::string op;
  RowStats cells[6];
};
struct RowTableResults {
  std::size_t random_rows = 0, random_elements = 0;  // the random set, for the text
  std::vector<RowTableLine> lines;
};
// accuracy: the mode of the library's calls (Accuracy::fast measures the fast row kernels).
RowTableResults MeasureRowTable(Accuracy accuracy = Accuracy::faithful);
std::string RenderRowTable(const RowTableResults& results);
// Measured and rendered (activ-accuracy --rows [--accuracy fast]).
std::string RowTable(Accuracy accuracy = Accuracy::faithful);

// The 16-bit table: all 65536 inputs of bfloat16 and float16, every function, default parameters.
struct HalfStats {
  double max_ulp = 0;             // against the exact value, in ULP of the 16-bit type
  double max_steps = 0;           // steps from the correctly rounded value (0 or 1 by the spec)
  std::size_t not_rounded = 0;    // results that are not the correctly rounded value
  double max_backward_steps = 0;  // 0 within the backward bound's f'' term
};
struct HalfRow {
  std::string op;
  HalfStats bf16, f16;
};
std::vector<HalfRow> MeasureHalfTable();
std::string RenderHalfTable(const std::vector<HalfRow>& rows);
std::string HalfTable();

// "0.500", or "1.23e+06" for large errors, "inf".
std::string FmtUlp(double ulp);
std::string FmtX(double x);
std::string ParamsText(const Params& p);

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
