// The lab: trains multilayer perceptrons with any activation of activ and shows what happened
// inside — dead units, saturation, gradient flow. The same network, data and seed; only the
// activation changes.
//
//   lab::ExperimentConfig c = lab::DefaultExperiment();
//   c.activations = {"relu", "tanh", "gelu"};
//   c.out_dir = "out";
//   lab::ExperimentResult r = lab::RunExperiment(c);   // writes out/log.jsonl, summary.{csv,json}
//
// Errors (bad files, bad settings) throw activ::Error with a one-line message.
//
// The files written to out_dir (log.jsonl, summary.csv, summary.json): lab/log_schema.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/data.h"
#include "lab/network.h"

namespace lab {

// Reported after every epoch of every run and once when a run ends. Called from the worker
// that trains the run, never from two threads at once.
struct Progress {
  size_t run = 0, runs = 0;
  std::string activation;
  uint64_t seed = 0;
  size_t epoch = 0, epochs = 0;
  double train_loss = 0, val_loss = 0, val_accuracy = 0;  // NaN where there is none
  double train_seconds = 0;                               // the epoch's training pass
  bool done = false;  // the run ended; message says why, test_accuracy is set
  double test_accuracy = 0;
  std::string message;
};

struct ExperimentConfig {
  DataConfig data;
  // One run per activation and seed. "relu", "elu:alpha=0.5", "swiglu"; "relu/tanh" gives
  // each hidden layer its own (as many as hidden layers).
  std::vector<std::string> activations = {"relu"};
  std::vector<size_t> hidden = {64, 64};
  std::vector<uint64_t> seeds = {1};
  size_t epochs = 20;
  size_t batch = 64;
  OptimizerConfig optimizer;
  Init init = Init::kAuto;
  double init_scale = 1;  // multiplies the hidden layers' initial weights (experiments)  // by
                          // activation (see Init); kPytorch: nn.Linear's default
  // scikit-learn's alpha: each mini-batch's loss gets alpha/(2 n) * sum ||W||^2 (n its rows),
  // so the weights' gradient gets alpha/n * W. Weights only.
  double l2 = 0;
  double clip = 0;  // clip the gradients' global norm to this (0: off)
  bool batchnorm = false;
  double dropout = 0;       // alpha-dropout for selu layers
  Head head = Head::kAuto;  // auto: softmax (> 2 classes), sigmoid (2), squared error (regression)
  // Early stopping on validation accuracy (validation loss for regression): stop after this
  // many epochs without improvement (0: off).
  size_t patience = 0;
  // scikit-learn's rule: stop when the training loss has not improved by tol for more than
  // n_iter_no_change consecutive epochs.
  bool sklearn_stop = false;
  double tol = 1e-4;
  size_t n_iter_no_change = 10;
  // The accuracy mode of every activation call, forward and backward (docs/SPEC.md, Accuracy
  // modes); recorded in the config of log.jsonl and summary.json.
  activ::Accuracy accuracy = activ::Accuracy::faithful;
  bool diagnostics = true;
  size_t probe_rows = 512;  // the first training rows (after the data seed's shuffle)
  size_t histogram_bins = 32;
  // Threads: 0 means every core. With several runs and parallel_runs, runs train side by side,
  // each on one BLAS thread; otherwise one run at a time on `threads` BLAS threads. activ
  // itself runs single-threaded inside either way, so the two never compete.
  size_t threads = 0;
  bool parallel_runs = true;
  std::string out_dir;      // empty: write no files
  bool checkpoints = true;  // out_dir/run-NNN.ckpt, rewritten after every good epoch
  std::string resume;       // a checkpoint to resume (one activation and one seed only)
  std::function<void(const Progress&)> progress;
};

struct RunResult {
  size_t run = 0;
  std::string activation;
  uint64_t seed = 0;
  std::string hidden;
  size_t parameters = 0, epochs = 0, best_epoch = 0;
  std::string stop_reason, message, checkpoint;
  double train_loss = 0, val_loss = 0, val_accuracy = 0, test_loss = 0, test_accuracy = 0;
  double seconds_per_epoch = 0, seconds = 0;
  double dead_fraction = 0, off_fraction = 0, saturated_fraction = 0;
  // The largest finite global gradient norm (before clipping) of the steps this call trained.
  double grad_norm_max = 0;
  size_t blas_threads = 1;
};

struct ExperimentResult {
  std::vector<RunResult> runs;
  double seconds = 0;
  std::string log_path, summary_csv, summary_json;  // empty without out_dir
};

ExperimentResult RunExperiment(const ExperimentConfig& config);

// Trains one network (the config's single activation and seed) and saves it to `checkpoint`
// (with the training state, so `config.resume = checkpoint` continues it).
RunResult Train(const ExperimentConfig& config, const std::string& checkpoint);

// A two-minute comparison on two cores: Fashion-MNIST when installed (54000 training images,
// 6000 for validation, the 10000 test images; 784-256-128-64-10, SGD with momentum 0.9 and
// lr 0.05, batch 128, 10 epochs), else the built-in spirals (64-64-64, 60 epochs); relu, tanh,
// sigmoid, gelu, silu, elu, seed 1.
ExperimentConfig DefaultExperiment();
// The default experiment's settings on another data set: an image set (fashion-mnist, mnist, a
// directory or IDX file) gets the Fashion-MNIST settings, anything else (the synthetic sets, a
// CSV file) the spirals' ones. What `activ lab --dataset NAME` starts from.
ExperimentConfig DefaultExperimentFor(const std::string& source);

// The fields of s between the separators sep, empty ones kept ("a,,b" gives "a", "", "b"): the
// lists of the command line and of activation specs ("relu/tanh", "256-128", "0,1,2").
std::vector<std::string> SplitFields(const std::string& s, char sep);

// The comparison table printed after an experiment, one line per run: activation (and seed when
// there are several), test accuracy (test loss for regression), best epoch, dead and saturated
// fractions, seconds per epoch.
std::string FormatSummary(const ExperimentResult& result);

struct Prediction {
  size_t rows = 0, outputs = 0, classes = 0;
  std::vector<int32_t> predicted;  // classification
  std::vector<float> values;       // [rows, outputs]: probabilities, or regression outputs
  bool has_truth = false;          // the file had labels (or targets)
  std::vector<int32_t> truth;      // its labels (classification)
  std::vector<float> targets;      // its targets [rows, outputs] (regression)
  double loss = 0, accuracy = 0;   // when has_truth
};
// Runs a checkpoint on a data file: CSV (with or without the label column: a file with as many
// columns as the network has inputs has none), an IDX image file, or "fashion-mnist"/"mnist"
// (their test sets). The checkpoint's scaling is applied first.
Prediction Predict(const std::string& checkpoint, const std::string& data,
                   const CsvOptions& csv = {});
// rows as CSV: row, predicted (or output0..), label (when known), then p0.. per class.
void WritePredictions(const Prediction& p, const std::string& path);

}  // namespace lab
