// The subcommands of `activ`, apart from parsing (main.cc). Each returns the exit status and
// throws activ::Error with a one-line message for anything the user can fix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace activ::cli {

int List();
int Info();

struct KernelArgs {
  std::string fn;
  std::vector<std::string> params;    // "name=value"
  std::string dtype;                  // empty: the input's
  std::string accuracy = "faithful";  // or "fast"
};
int Apply(const KernelArgs& args, const std::string& in, const std::string& out);
int Grad(const KernelArgs& args, const std::string& in, const std::string& dy,
         const std::string& out);

struct PlotArgs {
  std::string fns;  // "gelu,silu"
  std::string range = "-5:5";
  std::vector<std::string> params;
  std::string out;
};
int Plot(const PlotArgs& args);

struct CheckArgs {
  std::string fn;
  std::string type = "f32";
  std::string direction = "forward";
  bool exhaustive = false;
  size_t samples = 0;
  unsigned threads = 0;
  std::vector<std::string> params;
  double max_ulp = -1;  // < 0: report only
  bool quiet = false;
  std::string target;                 // empty: the one the runtime dispatch chooses
  std::string accuracy = "faithful";  // or "fast"
};
int Check(const CheckArgs& args);

// Replaces the process with the benchmark program; returns only on failure (by throwing).
int Bench(const std::vector<std::string>& args, const char* argv0);

int Report(const std::string& dir, const std::string& out, bool quiet);

// The settings `activ lab` and `activ train` share. Each is applied only when given (`given`
// holds the flags the user wrote), over the lab's default experiment for the data set.
struct TrainingArgs {
  std::string dataset, test_data, label_column, hidden, optimizer, init, scaling, head;
  size_t epochs = 0, batch = 0, patience = 0, threads = 0, rows = 0, train_limit = 0;
  double lr = 0, momentum = 0, weight_decay = 0, l2 = 0, clip = 0, dropout = 0, init_scale = 1;
  double val_fraction = 0;
  uint64_t data_seed = 0;
  bool batchnorm = false, quiet = false;
  std::vector<std::string> given;  // "--lr", "--epochs", ...
  bool Given(const char* flag) const;
};

struct LabArgs {
  TrainingArgs training;
  std::string activations;  // "relu,tanh"; empty: the default experiment's six
  size_t seeds = 0;         // 0: one (seed 1)
  std::string out;
  std::string experiment;  // depth, dying-relu, init, batchnorm, clipping, list; empty: none
  bool full = false;       // the experiment's full sweep
  std::string accuracy = "faithful";  // or "fast": every activation call of every run
};
// Runs the comparison and writes OUT/report.html, log.jsonl, summary.csv and summary.json.
int Lab(const LabArgs& args);

struct TrainArgs {
  TrainingArgs training;
  std::string activation = "relu";
  uint64_t seed = 1;
  std::string out, resume;
};
// Trains one network and saves it (with its training state) to OUT.
int Train(const TrainArgs& args);

struct PredictArgs {
  std::string checkpoint, data, out, label_column;
  bool no_label = false;
};
int Predict(const PredictArgs& args);

}  // namespace activ::cli
