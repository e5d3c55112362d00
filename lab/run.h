// One run of an experiment (lab/run.cc): the network of one activation and seed trained epoch
// by epoch, its diagnostics logged after each epoch, its checkpoint saved. Internal to lab/:
// RunExperiment and Train (lab/experiment.cc) start the runs and collect what they return.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "lab/data.h"
#include "lab/lab.h"
#include "lab/network.h"

namespace lab {

// Insertion-ordered, so that records keep the documented field order (lab/log_schema.h).
using json = nlohmann::ordered_json;

// Seconds on the steady clock.
double Now();
// NaN (not applicable, or not measured) is written as null.
json Num(double v);
// "100-10".
std::string JoinSizes(const std::vector<size_t>& v, const char* sep);
// The config object of the run record and of summary.json.
json ConfigToJson(const ExperimentConfig& c);
// The summary record of a run (summary.json, summary.csv and the log's end record).
json ResultToJson(const RunResult& r);

// The network of one activation string ("relu", "relu/tanh": one per hidden layer) on the data.
// Throws activ::Error for an activation the network cannot have.
NetworkSpec SpecFor(const ExperimentConfig& c, const Data& data, const std::string& activation);

// What every run of an experiment shares.
struct Context {
  const ExperimentConfig* config;
  const Data* data;
  Dataset probe;
  size_t runs = 0;
  size_t blas_threads = 1;
  std::mutex progress_mutex;
  std::string checkpoint_override;  // Train(): the one run's checkpoint path
};

struct RunOutput {
  RunResult result;
  std::string lines;  // the run's log.jsonl lines
};

// Trains run `index` (activation-major over config.activations x config.seeds).
RunOutput TrainRun(Context& ctx, size_t index);

}  // namespace lab
