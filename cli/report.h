// The lab's report: reads a lab output directory (log.jsonl and summary.json, in the format of
// the lab's schema) and renders it as one self-contained HTML file with inline SVG plots: the
// activation functions and their derivatives, loss and accuracy per epoch, dead and saturated
// units per layer, gradient norms per layer at initialisation and at the end, activation
// histograms, a summary table and a plain-language reading computed from the numbers.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace activ::report {

// One training run ("type":"run" record, completed by its summary.json entry).
struct Run {
  std::string run, activation;
  std::string params_text;  // the run's activation parameters as "k=v, ..."; empty: defaults
  std::vector<std::pair<std::string, double>> params;
  long long seed = 0;
  std::string dataset, optimizer;
  std::vector<long long> hidden;
  double lr = NAN, batch = NAN, epochs = NAN;
  // From summary.json; NaN or empty when absent.
  double best_epoch = NAN, val_accuracy = NAN, test_accuracy = NAN, final_train_loss = NAN,
         seconds_per_epoch = NAN, epochs_run = NAN;
  std::string stopped;
  bool in_summary = false;
};

struct Epoch {
  int epoch = 0;
  double train_loss = NAN, train_acc = NAN, val_loss = NAN, val_acc = NAN, seconds = NAN, lr = NAN;
};

struct Layer {
  int epoch = 0, layer = 0;
  double units = NAN, dead_fraction = NAN, saturated_fraction = NAN, act_mean = NAN, act_std = NAN,
         grad_norm = NAN, update_ratio = NAN;
  double hist_lo = NAN, hist_hi = NAN, preact_hist_lo = NAN, preact_hist_hi = NAN;
  std::vector<double> hist, preact_hist;
};

struct LabResults {
  std::string dir;
  std::string dataset, task;  // task: classification, binary or regression
  std::string config_json;    // summary.json's "config", as compact JSON
  std::vector<Run> runs;      // in the order of summary.json, then of log.jsonl
  std::map<std::string, std::vector<Epoch>> epochs;  // by run, sorted by epoch
  std::map<std::string, std::vector<Layer>> layers;  // by run, sorted by epoch then layer
};

// Reads DIR/log.jsonl and DIR/summary.json. Throws activ::Error with a one-line message naming
// the file, the line where there is one, and the problem (missing file, bad JSON, a record
// without its required fields, a record of a run nobody declared).
LabResults ReadLab(const std::string& dir);

// The HTML page (one file: inline CSS and SVG, no scripts, nothing fetched).
std::string RenderHtml(const LabResults& results);

// For the terminal: the table of activations and the plain-language reading, as text.
std::string RenderText(const LabResults& results);

// ReadLab(dir), then RenderHtml written atomically to out_path (DIR/report.html when empty).
// What `activ report` and `activ lab` call. Returns the path written.
std::string WriteReport(const std::string& dir, const std::string& out_path = "");

}  // namespace activ::report
