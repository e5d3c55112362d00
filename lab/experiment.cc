// Experiments: the runs spread over the cores (each trained by lab/run.cc), the log and the
// summaries they make, the default settings, and predictions from a checkpoint.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "io/files.h"
#include "lab/checkpoint.h"
#include "lab/diagnostics.h"
#include "lab/lab.h"
#include "lab/log_schema.h"
#include "lab/run.h"

namespace lab {

using activ::io::MakeDirectories;
using activ::io::WriteFileAtomically;

using activ::Error;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// NaN (not applicable, or not measured) is written as null.
json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string JoinSizes(const std::vector<size_t>& v, const char* sep) {
  std::string s;
  for (size_t x : v) s += (s.empty() ? "" : sep) + std::to_string(x);
  return s;
}

json ConfigToJson(const ExperimentConfig& c) {
  const DataConfig& d = c.data;
  return {
      {"data",
       {{"source", d.source},
        {"test_source", d.test_source},
        {"label_column", d.csv.label_column},
        {"train_limit", d.train_limit},
        {"test_limit", d.test_limit},
        {"val_fraction", d.val_fraction},
        {"test_fraction", d.test_fraction},
        {"scaling", std::string(ScalingName(d.scaling))},
        {"synthetic_rows", d.synthetic_rows},
        {"synthetic_noise", d.synthetic_noise},
        {"drop_bad_rows", d.csv.drop_bad_rows},
        {"seed", d.seed}}},
      {"activations", c.activations},
      {"hidden", c.hidden},
      {"seeds", c.seeds},
      {schema::kEpochs, c.epochs},
      {schema::kBatch, c.batch},
      {schema::kOptimizer, std::string(OptimizerName(c.optimizer.kind))},
      {schema::kLr, c.optimizer.lr},
      {"momentum", c.optimizer.momentum},
      {"nesterov", c.optimizer.nesterov},
      {"beta1", c.optimizer.beta1},
      {"beta2", c.optimizer.beta2},
      {"eps", c.optimizer.eps},
      {"weight_decay", c.optimizer.weight_decay},
      {schema::kInit, std::string(InitName(c.init))},
      {"init_scale", c.init_scale},
      {"l2", c.l2},
      {"clip", c.clip},
      {"batchnorm", c.batchnorm},
      {"dropout", c.dropout},
      {"head", std::string(HeadName(c.head))},
      {"patience", c.patience},
      {"sklearn_stop", c.sklearn_stop},
      {"tol", c.tol},
      {"n_iter_no_change", c.n_iter_no_change},
      {schema::kAccuracyMode, std::string(activ::name(c.accuracy))},
      {"diagnostics", c.diagnostics},
      {"probe_rows", c.probe_rows},
      {"histogram_bins", c.histogram_bins},
      {"threads", c.threads},
      {"parallel_runs", c.parallel_runs},
  };
}

json ResultToJson(const RunResult& r) {
  return {{schema::kRun, r.run},
          {schema::kActivation, r.activation},
          {schema::kSeed, r.seed},
          {schema::kHidden, r.hidden},
          {schema::kParameters, r.parameters},
          {schema::kEpochs, r.epochs},
          {schema::kBestEpoch, r.best_epoch},
          {"stop_reason", r.stop_reason},
          {schema::kTrainLoss, Num(r.train_loss)},
          {schema::kValLoss, Num(r.val_loss)},
          {schema::kValAccuracy, Num(r.val_accuracy)},
          {schema::kTestLoss, Num(r.test_loss)},
          {schema::kTestAccuracy, Num(r.test_accuracy)},
          {schema::kSecondsPerEpoch, Num(r.seconds_per_epoch)},
          {schema::kSeconds, Num(r.seconds)},
          {schema::kDeadFraction, Num(r.dead_fraction)},
          {schema::kOffFraction, Num(r.off_fraction)},
          {schema::kSaturatedFraction, Num(r.saturated_fraction)},
          {schema::kGradNormMax, Num(r.grad_norm_max)},
          {schema::kBlasThreads, r.blas_threads},
          {schema::kCheckpoint, r.checkpoint},
          {schema::kMessage, r.message}};
}

namespace {

std::string CsvField(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  }
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string SummaryCsv(const std::vector<RunResult>& runs) {
  std::string out;
  const json first = ResultToJson(RunResult{});
  for (auto it = first.begin(); it != first.end(); ++it) {
    out += it == first.begin() ? "" : ",";
    out += it.key();
  }
  out += "\n";
  for (const RunResult& r : runs) {
    const json j = ResultToJson(r);
    for (auto it = j.begin(); it != j.end(); ++it) {
      out += it == j.begin() ? "" : ",";
      out += CsvField(it.value());
    }
    out += "\n";
  }
  return out;
}

void Validate(const ExperimentConfig& c) {
  if (c.activations.empty()) throw Error("no activation to train");
  if (c.seeds.empty()) throw Error("no seed to train with");
  if (c.batch == 0) throw Error("the batch size must be at least 1");
  if (!c.resume.empty() && c.activations.size() * c.seeds.size() != 1) {
    throw Error("resuming continues one run: give one activation and one seed");
  }
  if (!(c.l2 >= 0) || !(c.clip >= 0)) throw Error("l2 and clip must be >= 0");
  if (!(c.init_scale > 0) || !std::isfinite(c.init_scale)) {
    throw Error("the initialisation scale must be a positive number");
  }
  if (c.histogram_bins == 0) throw Error("the histogram needs at least one bin");
}

ExperimentResult Run(const ExperimentConfig& config, const std::string& checkpoint_override) {
  const double t0 = Now();
  Validate(config);
  const Data data = LoadData(config.data);
  Context ctx;
  ctx.config = &config;
  ctx.data = &data;
  ctx.probe = data.train.Head(std::min(config.probe_rows, data.train.rows));
  ctx.runs = config.activations.size() * config.seeds.size();
  ctx.checkpoint_override = checkpoint_override;
  if (config.patience > 0 && data.val.rows == 0) {
    throw Error("early stopping with patience needs a validation set (val_fraction > 0)");
  }
  // Every spec is built before any run starts, so a bad activation fails at once.
  for (const std::string& a : config.activations) SpecFor(config, data, a);

  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = config.threads ? config.threads : cores;
  const size_t workers = config.parallel_runs ? std::min(threads, ctx.runs) : 1;
  ctx.blas_threads = workers > 1 ? 1 : threads;
  const int saved_threads = openblas_get_num_threads();
  openblas_set_num_threads(static_cast<int>(ctx.blas_threads));

  ExperimentResult result;
  std::ofstream log;
  if (!config.out_dir.empty()) {
    MakeDirectories(config.out_dir);
    const std::filesystem::path dir(config.out_dir);
    result.log_path = (dir / schema::kLogFile).string();
    result.summary_csv = (dir / schema::kSummaryCsvFile).string();
    result.summary_json = (dir / schema::kSummaryJsonFile).string();
    log.open(result.log_path, std::ios::trunc);
    if (!log) throw Error(result.log_path + ": cannot write");
  }

  // Workers take runs in order; the log receives each run's lines in run order.
  std::vector<std::promise<RunOutput>> promises(ctx.runs);
  std::vector<std::future<RunOutput>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  std::atomic<size_t> next{0};
  std::atomic<bool> cancelled{false};
  auto work = [&] {
    for (size_t i; (i = next++) < ctx.runs;) {
      try {
        if (cancelled) throw Error("cancelled after an earlier run failed");
        promises[i].set_value(TrainRun(ctx, i));
      } catch (...) {
        cancelled = true;  // the runs not started yet end at once; the first error is reported
        promises[i].set_exception(std::current_exception());
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  std::exception_ptr failure;
  std::thread main_worker(work);
  for (size_t i = 0; i < ctx.runs; ++i) {
    try {
      RunOutput o = futures[i].get();
      if (log.is_open()) {
        log << o.lines;
        log.flush();
        if (!log) throw Error(result.log_path + ": write failed (is the disk full?)");
      }
      result.runs.push_back(std::move(o.result));
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  main_worker.join();
  for (auto& t : pool) t.join();
  openblas_set_num_threads(saved_threads);
  if (failure) std::rethrow_exception(failure);

  result.seconds = Now() - t0;
  if (!config.out_dir.empty()) {
    json runs = json::array();
    for (const RunResult& r : result.runs) runs.push_back(ResultToJson(r));
    const json summary = {{schema::kConfig, ConfigToJson(config)},
                          {schema::kData,
                           {{schema::kName, data.name},
                            {schema::kTrainRows, data.train.rows},
                            {schema::kValRows, data.val.rows},
                            {schema::kTestRows, data.test.rows},
                            {schema::kFeatures, data.train.features},
                            {schema::kClasses, data.train.classes},
                            {schema::kDroppedRows, data.dropped_rows}}},
                          {schema::kSeconds, result.seconds},
                          {schema::kRuns, runs}};
    WriteFileAtomically(result.summary_json, summary.dump(2) + "\n");
    WriteFileAtomically(result.summary_csv, SummaryCsv(result.runs));
  }
  return result;
}

}  // namespace

ExperimentResult RunExperiment(const ExperimentConfig& config) { return Run(config, ""); }

RunResult Train(const ExperimentConfig& config, const std::string& checkpoint) {
  if (config.activations.size() != 1 || config.seeds.size() != 1) {
    throw Error("Train takes one activation and one seed; RunExperiment compares several");
  }
  if (checkpoint.empty()) throw Error("Train needs a checkpoint path to save the network to");
  return Run(config, checkpoint).runs.at(0);
}

ExperimentConfig DefaultExperimentFor(const std::string& source) {
  ExperimentConfig c;
  c.activations = {"relu", "tanh", "sigmoid", "gelu", "silu", "elu"};
  c.seeds = {1};
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 0.05;
  c.optimizer.momentum = 0.9;
  c.patience = 0;
  c.data.source = source;
  const std::filesystem::path path(source);
  const bool images = source == "fashion-mnist" || source == "mnist" ||
                      source.find("-idx") != std::string::npos ||
                      (!IsSynthetic(source) && std::filesystem::is_directory(path));
  if (images) {
    c.data.val_fraction = 0.1;
    c.hidden = {256, 128, 64};
    c.batch = 128;
    c.epochs = 10;
  } else {
    c.data.synthetic_rows = 3000;
    c.hidden = {64, 64, 64};
    c.batch = 32;
    c.epochs = 60;
  }
  return c;
}

ExperimentConfig DefaultExperiment() {
  const bool installed = std::filesystem::exists(std::filesystem::path(kFashionMnistDir) /
                                                 "train-images-idx3-ubyte.gz");
  return DefaultExperimentFor(installed ? "fashion-mnist" : "spirals");
}

std::vector<std::string> SplitFields(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::string FormatSummary(const ExperimentResult& result) {
  bool seeds = false, regression = false;
  for (const RunResult& r : result.runs) {
    seeds |= r.seed != result.runs.front().seed;
    regression |= std::isnan(r.test_accuracy) && !std::isnan(r.test_loss);
  }
  std::vector<std::string> names;
  size_t width = 8;
  for (const RunResult& r : result.runs) {
    names.push_back(r.activation + (seeds ? " seed " + std::to_string(r.seed) : ""));
    width = std::max(width, names.back().size());
  }
  std::string out;
  char buf[512];
  for (size_t i = 0; i < result.runs.size(); ++i) {
    const RunResult& r = result.runs[i];
    std::snprintf(buf, sizeof buf,
                  "%-*s  %s %.4f  best_epoch %2zu  dead %.3f  inactive %.3f  saturated %.3f  "
                  "%.2f s/epoch\n",
                  static_cast<int>(width), names[i].c_str(),
                  regression ? "test_loss" : "test_accuracy",
                  regression ? r.test_loss : r.test_accuracy, r.best_epoch, r.dead_fraction,
                  r.off_fraction, r.saturated_fraction, r.seconds_per_epoch);
    out += buf;
  }
  return out;
}

Prediction Predict(const std::string& checkpoint, const std::string& data_path,
                   const CsvOptions& csv_options) {
  const Checkpoint ck = LoadCheckpoint(checkpoint);
  Network net = NetworkFrom(ck, checkpoint);
  const size_t inputs = ck.spec.inputs;
  const size_t classes = ck.meta.value("classes", size_t{0});
  Dataset d;
  if (data_path == "fashion-mnist" || data_path == "mnist" ||
      std::filesystem::is_directory(data_path)) {
    DataConfig dc;
    dc.source = data_path;
    dc.val_fraction = 0;
    dc.scaling = Scaling::kNone;
    d = LoadData(dc).test;
  } else if (data_path.find("-idx") != std::string::npos) {
    DataConfig dc;
    dc.source = data_path;
    dc.val_fraction = 0;
    dc.test_fraction = 0;
    dc.scaling = Scaling::kNone;
    d = LoadData(dc).train;
  } else {
    CsvOptions o = csv_options;
    o.min_classes = classes;
    o.task = classes ? Task::kClassification : Task::kRegression;
    // A file with as many columns as the network has inputs has no label column; reading its
    // last column as labels may fail first (a feature is no class number), so that is tried
    // before the error is reported.
    try {
      d = LoadCsv(data_path, o);
    } catch (const Error&) {
      if (o.no_label) throw;
      CsvOptions features_only = o;
      features_only.no_label = true;
      Dataset all = LoadCsv(data_path, features_only);
      if (all.features != inputs) throw;
      d = std::move(all);
      o.no_label = true;
    }
    if (d.features + 1 == inputs && !o.no_label) {
      o.no_label = true;
      d = LoadCsv(data_path, o);
    }
  }
  if (d.features != inputs) {
    throw Error(data_path + ": " + std::to_string(d.features) +
                " features per row, the network in " + checkpoint + " takes " +
                std::to_string(inputs));
  }
  if (!d.targets.empty() && d.outputs != ck.spec.outputs) {
    throw Error(data_path + ": " + std::to_string(d.outputs) + " targets per row, the network in " +
                checkpoint + " predicts " + std::to_string(ck.spec.outputs));
  }
  ck.scaler.Apply(d);
  Prediction p;
  p.rows = d.rows;
  p.outputs = ck.spec.outputs;
  p.classes = classes;
  p.has_truth = d.classification() || !d.targets.empty();
  if (classes && d.classification()) {
    for (size_t r = 0; r < d.rows; ++r) {
      if (static_cast<size_t>(d.labels[r]) >= classes) {
        throw Error(data_path + ": row " + std::to_string(r + 1) + " has label " +
                    std::to_string(d.labels[r]) + ", out of range: the network knows " +
                    std::to_string(classes) + " classes");
      }
    }
  }
  const size_t width = ck.spec.head == Head::kSigmoidBinaryCrossEntropy ? 2 : p.outputs;
  p.values.resize(d.rows * width);
  double loss = 0;
  size_t correct = 0;
  constexpr size_t kChunk = 2048;
  for (size_t r0 = 0; r0 < d.rows; r0 += kChunk) {
    const size_t n = std::min(kChunk, d.rows - r0);
    const float* z = net.Forward(&d.x[r0 * inputs], n, Mode::kEval);
    if (p.has_truth) {
      const LossSums s =
          net.Loss(d.classification() ? &d.labels[r0] : nullptr,
                   d.classification() ? nullptr : &d.targets[r0 * p.outputs], n, false, n);
      loss += s.loss;
      correct += s.correct;
    }
    for (size_t r = 0; r < n; ++r) {
      const float* zr = z + r * p.outputs;
      float* out = &p.values[(r0 + r) * width];
      switch (ck.spec.head) {
        case Head::kSoftmaxCrossEntropy: {
          const size_t arg = static_cast<size_t>(std::max_element(zr, zr + p.outputs) - zr);
          double sum = 0;
          for (size_t j = 0; j < p.outputs; ++j)
            sum += std::exp(static_cast<double>(zr[j] - zr[arg]));
          for (size_t j = 0; j < p.outputs; ++j) {
            out[j] = static_cast<float>(std::exp(static_cast<double>(zr[j] - zr[arg])) / sum);
          }
          p.predicted.push_back(static_cast<int32_t>(arg));
          break;
        }
        case Head::kSigmoidBinaryCrossEntropy: {
          const double v = zr[0];
          const double p1 = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
          out[0] = static_cast<float>(1 - p1);
          out[1] = static_cast<float>(p1);
          p.predicted.push_back(v > 0 ? 1 : 0);
          break;
        }
        default:
          std::copy_n(zr, p.outputs, out);
      }
    }
  }
  if (ck.spec.head == Head::kSigmoidBinaryCrossEntropy) p.outputs = 2;
  if (p.has_truth && d.rows) {
    p.loss = loss / static_cast<double>(d.rows);
    p.accuracy = static_cast<double>(correct) / static_cast<double>(d.rows);
  }
  p.truth = d.labels;
  p.targets = d.targets;
  return p;
}

void WritePredictions(const Prediction& p, const std::string& path) {
  std::string out = "row";
  const bool classes = p.classes > 0;
  out += classes ? ",predicted" : "";
  if (p.has_truth) out += classes ? ",label" : "";
  for (size_t j = 0; j < p.outputs; ++j) {
    out += (classes ? ",p" : ",output") + std::to_string(j);
  }
  if (p.has_truth && !classes) {
    for (size_t j = 0; j < p.outputs; ++j) out += ",target" + std::to_string(j);
  }
  out += "\n";
  char buf[32];
  for (size_t r = 0; r < p.rows; ++r) {
    out += std::to_string(r);
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "," + a
    // temporary string here once the function is inlined.
    if (classes) out.append(",").append(std::to_string(p.predicted[r]));
    if (p.has_truth && classes) out.append(",").append(std::to_string(p.truth[r]));
    for (size_t j = 0; j < p.outputs; ++j) {
      std::snprintf(buf, sizeof buf, ",%.6g", static_cast<double>(p.values[r * p.outputs + j]));
      out += buf;
    }
    if (p.has_truth && !classes) {
      for (size_t j = 0; j < p.outputs; ++j) {
        std::snprintf(buf, sizeof buf, ",%.6g", static_cast<double>(p.targets[r * p.outputs + j]));
        out += buf;
      }
    }
    out += "\n";
  }
  WriteFileAtomically(path, out);
}

}  // namespace lab
