// The log reader: a lab output directory (log.jsonl and summary.json, written as
// lab/log_schema.h defines them) read into runs, epochs and layers.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace activ::report {

// One training run: its "run" record in log.jsonl, completed by its summary.json entry.
struct Run {
  long long run = 0;       // the lab's run number, from 0
  std::string name;        // "relu seed 1", for the text
  std::string activation;  // as the lab writes it: "relu", "elu:alpha=0.5", "relu/tanh"
  std::vector<std::string> layer_activations;  // one per hidden layer
  long long seed = 0;
  std::string dataset, network, head, optimizer, init;
  std::string accuracy;  // the activations' accuracy mode, "faithful" or "fast"; empty: not given
  // Per hidden layer, from the run record: f' is exactly 0 somewhere outside the saturation
  // tails (relu, relu6, hardtanh...), so its off inputs are "inactive".
  std::vector<bool> hinge;
  // A run of an experiment (lab/sweep.h): its point ("depth 8"), the swept value (NaN for
  // categories) and the activation alone; empty and NaN otherwise.
  std::string sweep_point, sweep_activation;
  double sweep_x = NAN;
  std::vector<long long> hidden;
  long long classes = -1;                      // 0: regression; -1: not given
  double lr = NAN, batch = NAN, epochs = NAN;  // the configuration (epochs at most)
  // From summary.json; NaN or empty when absent.
  double best_epoch = NAN, val_accuracy = NAN, test_accuracy = NAN, test_loss = NAN,
         final_train_loss = NAN, seconds_per_epoch = NAN, epochs_run = NAN, dead_fraction = NAN,
         off_fraction = NAN, saturated_fraction = NAN, grad_norm_max = NAN;
  std::string stop_reason, message;  // stop_reason: max_epochs, patience, tol or nan
  bool in_summary = false;
};

struct Epoch {
  int epoch = 0;
  double train_loss = NAN, train_accuracy = NAN, val_loss = NAN, val_accuracy = NAN,
         train_seconds = NAN, seconds = NAN, lr = NAN;
  // The global gradient norm (before clipping) over the epoch's steps.
  double grad_global_norm_mean = NAN, grad_global_norm_max = NAN;
};

// Counts over [lo, hi) in equal bins; below and above count the values outside.
struct LayerHistogram {
  double lo = NAN, hi = NAN, below = 0, above = 0;
  std::vector<double> counts;
};

struct Layer {
  int epoch = 0, layer = 0;  // layer: 1-based, as in the log; the last one is the output layer
  bool output = false;
  double units = NAN, dead_fraction = NAN, off_fraction = NAN, saturated_fraction = NAN, mean = NAN,
         std = NAN, grad_norm = NAN, grad_rms = NAN, grad_to_weight = NAN, weight_norm = NAN,
         update_ratio = NAN;
  LayerHistogram hist;  // empty counts for the output layer
};

// summary.json's "experiment": which sweep the runs are (name empty: an ordinary lab run).
struct ExperimentInfo {
  std::string name, title, description, measures, x_label;
  bool full = false;
};

struct LabResults {
  std::string dir;
  ExperimentInfo experiment;
  std::string dataset, task;  // task: classification, binary classification or regression
  std::string config_json;    // summary.json's "config", as compact JSON
  std::vector<Run> runs;      // in the order of summary.json, then of log.jsonl
  std::map<long long, std::vector<Epoch>> epochs;  // by run, sorted by epoch
  std::map<long long, std::vector<Layer>> layers;  // by run, sorted by epoch then layer
};

// Reads DIR/log.jsonl and DIR/summary.json. Throws activ::Error with a one-line message naming
// the file, the line where there is one, and the problem (missing file, bad JSON, a record
// without its required fields, a record of a run nobody declared).
LabResults ReadLab(const std::string& dir);

}  // namespace activ::report
