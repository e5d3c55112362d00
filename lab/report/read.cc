// The log reader: log.jsonl and summary.json, as lab/ writes them (lab/log_schema.h), into
// LabResults.
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activ/activ.h"
#include "io/files.h"
#include "lab/log_schema.h"
#include "lab/report/results.h"

namespace activ::report {
namespace {

using nlohmann::json;
namespace schema = lab::schema;

// A JSON object with the place it came from, for messages such as
// "out/log.jsonl:12: the "epoch" record lacks "run"".
class Record {
 public:
  Record(const json& j, std::string where, std::string kind)
      : j_(j), where_(std::move(where)), kind_(std::move(kind)) {}

  [[noreturn]] void Fail(const std::string& problem) const { throw Error(where_ + ": " + problem); }
  bool Has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  std::string Str(const char* key) const {
    if (!Has(key)) Fail("the " + kind_ + " lacks \"" + key + "\"");
    if (!j_[key].is_string()) Fail("\"" + std::string(key) + "\" is not a string");
    return j_[key].get<std::string>();
  }
  std::string OptStr(const char* key) const { return Has(key) ? Str(key) : std::string(); }
  double Num(const char* key) const {  // null or absent: NaN
    if (!Has(key)) return NAN;
    if (!j_[key].is_number()) Fail("\"" + std::string(key) + "\" is not a number");
    return j_[key].get<double>();
  }
  long long Int(const char* key) const {
    if (!Has(key)) Fail("the " + kind_ + " lacks \"" + key + "\"");
    if (!j_[key].is_number_integer()) Fail("\"" + std::string(key) + "\" is not an integer");
    return j_[key].get<long long>();
  }
  std::vector<double> Numbers(const char* key) const {
    std::vector<double> v;
    if (!Has(key)) return v;
    if (!j_[key].is_array()) Fail("\"" + std::string(key) + "\" is not an array");
    for (const json& x : j_[key]) {
      if (x.is_null()) {
        v.push_back(NAN);
      } else if (x.is_number()) {
        v.push_back(x.get<double>());
      } else {
        Fail("\"" + std::string(key) + "\" holds something other than numbers");
      }
    }
    return v;
  }
  const json& raw() const { return j_; }

 private:
  const json& j_;
  std::string where_, kind_;
};

std::string JsonError(const json::exception& e) {
  // "[json.exception.parse_error.101] parse error at line 1, ..." without the bracketed id.
  std::string s = e.what();
  const size_t close = s.find("] ");
  return close == std::string::npos ? s : s.substr(close + 2);
}

void ReadRunRecord(const Record& r, Run& run) {
  run.activation = r.Str(schema::kActivation);
  run.seed = r.Int(schema::kSeed);
  run.dataset = r.OptStr(schema::kDataset);
  run.network = r.OptStr(schema::kNetwork);
  run.head = r.OptStr(schema::kHead);
  if (r.Has(schema::kClasses)) run.classes = r.Int(schema::kClasses);
  for (double h : r.Numbers(schema::kHidden)) run.hidden.push_back(static_cast<long long>(h));
  if (r.Has(schema::kActivations)) {
    const json& a = r.raw()[schema::kActivations];
    if (!a.is_array()) r.Fail("\"activations\" is not an array");
    for (const json& x : a) {
      if (!x.is_string()) r.Fail("\"activations\" holds something other than strings");
      run.layer_activations.push_back(x.get<std::string>());
    }
  }
  run.sweep_point = r.OptStr(schema::kSweepPoint);
  run.sweep_activation = r.OptStr(schema::kSweepActivation);
  run.sweep_x = r.Num(schema::kSweepX);
  if (r.Has(schema::kHinge) && r.raw()[schema::kHinge].is_array()) {
    for (const json& x : r.raw()[schema::kHinge])
      run.hinge.push_back(x.is_boolean() && x.get<bool>());
  }
  if (r.Has(schema::kConfig)) {
    const json& c = r.raw()[schema::kConfig];
    if (!c.is_object()) r.Fail("\"config\" is not an object");
    const Record config(c, "", "config");
    if (c.contains(schema::kOptimizer) && c[schema::kOptimizer].is_string())
      run.optimizer = config.Str(schema::kOptimizer);
    if (c.contains(schema::kInit) && c[schema::kInit].is_string())
      run.init = config.Str(schema::kInit);
    if (c.contains(schema::kAccuracyMode) && c[schema::kAccuracyMode].is_string())
      run.accuracy = config.Str(schema::kAccuracyMode);
    run.lr =
        c.contains(schema::kLr) && c[schema::kLr].is_number() ? c[schema::kLr].get<double>() : NAN;
    run.batch = c.contains(schema::kBatch) && c[schema::kBatch].is_number()
                    ? c[schema::kBatch].get<double>()
                    : NAN;
    run.epochs = c.contains(schema::kEpochs) && c[schema::kEpochs].is_number()
                     ? c[schema::kEpochs].get<double>()
                     : NAN;
  }
}

// The fields a summary record (summary.json's runs, the log's "end" records) carries.
void ReadSummaryRecord(const Record& r, Run& run) {
  run.activation = r.Str(schema::kActivation);
  run.seed = r.Int(schema::kSeed);
  run.best_epoch = r.Num(schema::kBestEpoch);
  run.val_accuracy = r.Num(schema::kValAccuracy);
  run.test_accuracy = r.Num(schema::kTestAccuracy);
  run.test_loss = r.Num(schema::kTestLoss);
  run.final_train_loss = r.Num(schema::kTrainLoss);
  run.seconds_per_epoch = r.Num(schema::kSecondsPerEpoch);
  run.epochs_run = r.Num(schema::kEpochs);
  run.dead_fraction = r.Num(schema::kDeadFraction);
  run.off_fraction = r.Num(schema::kOffFraction);
  run.grad_norm_max = r.Num(schema::kGradNormMax);
  run.saturated_fraction = r.Num(schema::kSaturatedFraction);
  run.stop_reason = r.OptStr("stop_reason");
  run.message = r.OptStr(schema::kMessage);
  run.in_summary = true;
}

LayerHistogram ReadHistogram(const Record& r) {
  LayerHistogram h;
  if (!r.Has(schema::kHist)) return h;
  const json& j = r.raw()[schema::kHist];
  if (!j.is_object()) r.Fail("\"hist\" is not an object {lo, hi, counts, below, above}");
  const Record hist(j, "", "hist");
  try {
    h.lo = hist.Num(schema::kLo);
    h.hi = hist.Num(schema::kHi);
    h.counts = hist.Numbers(schema::kCounts);
    h.below = hist.Has(schema::kBelow) ? hist.Num(schema::kBelow) : 0;
    h.above = hist.Has(schema::kAbove) ? hist.Num(schema::kAbove) : 0;
  } catch (const Error& e) {
    r.Fail(std::string("\"hist\"") + e.what());  // e.what() starts with ": "
  }
  if (!(h.lo < h.hi) && !h.counts.empty()) r.Fail("\"hist\" has lo >= hi");
  return h;
}

}  // namespace

LabResults ReadLab(const std::string& dir) {
  LabResults out;
  out.dir = dir;
  const std::string summary_path = dir + "/" + schema::kSummaryJsonFile;
  const std::string log_path = dir + "/" + schema::kLogFile;
  std::map<long long, size_t> index;  // run number -> position in out.runs

  // summary.json first: it fixes the order of the runs in the tables.
  json summary;
  try {
    summary = json::parse(io::ReadFile(summary_path));
  } catch (const json::exception& e) {
    throw Error(summary_path + ": not valid JSON: " + JsonError(e));
  }
  if (!summary.is_object()) throw Error(summary_path + ": not a JSON object");
  if (summary.contains(schema::kData) && summary[schema::kData].is_object()) {
    const json& d = summary[schema::kData];
    const Record data(d, summary_path + ": data", "\"data\" object");
    out.dataset = data.OptStr(schema::kName);
    if (data.Has(schema::kClasses)) {
      const long long classes = data.Int(schema::kClasses);
      out.task = classes == 0   ? "regression"
                 : classes == 2 ? "binary classification"
                                : fmt::format("classification, {} classes", classes);
    }
  }
  if (summary.contains(schema::kConfig)) out.config_json = summary[schema::kConfig].dump();
  if (summary.contains(schema::kExperiment) && summary[schema::kExperiment].is_object()) {
    const json& e = summary[schema::kExperiment];
    const Record x(e, summary_path + ": experiment", "\"experiment\" object");
    out.experiment.name = x.OptStr(schema::kName);
    out.experiment.title = x.OptStr(schema::kTitle);
    out.experiment.description = x.OptStr(schema::kDescription);
    out.experiment.measures = x.OptStr(schema::kMeasures);
    out.experiment.x_label = x.OptStr(schema::kXLabel);
    out.experiment.full =
        e.contains(schema::kFull) && e[schema::kFull].is_boolean() && e[schema::kFull].get<bool>();
  }
  if (!summary.contains(schema::kRuns) || !summary[schema::kRuns].is_array()) {
    throw Error(summary_path + ": no \"runs\" array");
  }
  for (size_t i = 0; i < summary[schema::kRuns].size(); ++i) {
    const json& j = summary[schema::kRuns][i];
    const std::string where = summary_path + ": runs[" + std::to_string(i) + "]";
    if (!j.is_object()) throw Error(where + ": not a JSON object");
    const Record r(j, where, "summary entry");
    Run run;
    run.run = r.Int(schema::kRun);
    if (index.count(run.run)) r.Fail(fmt::format("run {} appears twice", run.run));
    ReadSummaryRecord(r, run);
    index[run.run] = out.runs.size();
    out.runs.push_back(std::move(run));
  }

  std::istringstream log(io::ReadFile(log_path));
  std::string line;
  std::set<long long> declared;
  for (size_t number = 1; std::getline(log, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = log_path + ":" + std::to_string(number);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw Error(where + ": not valid JSON: " + JsonError(e));
    }
    if (!j.is_object()) throw Error(where + ": not a JSON object");
    const Record r(j, where, "record");
    const std::string type = r.Str(schema::kType);
    if (type != schema::kRunRecord && type != schema::kEpochRecord &&
        type != schema::kLayerRecord && type != schema::kEndRecord) {
      continue;  // later additions
    }
    const Record rec(j, where, "\"" + type + "\" record");
    const long long id = rec.Int(schema::kRun);
    if (type == schema::kRunRecord) {
      if (!declared.insert(id).second) rec.Fail(fmt::format("run {} is declared twice", id));
      auto it = index.find(id);
      if (it == index.end()) {
        index[id] = out.runs.size();
        out.runs.emplace_back();
        out.runs.back().run = id;
        it = index.find(id);
      }
      ReadRunRecord(rec, out.runs[it->second]);
      continue;
    }
    if (!declared.count(id)) {
      rec.Fail(fmt::format("a \"{}\" record of run {}, which no earlier \"run\" record declares",
                           type, id));
    }
    if (type == schema::kEndRecord) {
      Run& run = out.runs[index.at(id)];
      if (!run.in_summary) ReadSummaryRecord(rec, run);  // summary.json has the last word
    } else if (type == schema::kEpochRecord) {
      Epoch e;
      e.epoch = static_cast<int>(rec.Int(schema::kEpoch));
      e.train_loss = rec.Num(schema::kTrainLoss);
      e.train_accuracy = rec.Num(schema::kTrainAccuracy);
      e.val_loss = rec.Num(schema::kValLoss);
      e.val_accuracy = rec.Num(schema::kValAccuracy);
      e.train_seconds = rec.Num(schema::kTrainSeconds);
      e.seconds = rec.Num(schema::kSeconds);
      e.lr = rec.Num(schema::kLr);
      e.grad_global_norm_mean = rec.Num(schema::kGradGlobalNormMean);
      e.grad_global_norm_max = rec.Num(schema::kGradGlobalNormMax);
      out.epochs[id].push_back(e);
    } else {
      Layer l;
      l.epoch = static_cast<int>(rec.Int(schema::kEpoch));
      l.layer = static_cast<int>(rec.Int(schema::kLayer));
      if (l.layer < 1 || l.layer > 10000) rec.Fail("\"layer\" is out of range (1-based)");
      if (rec.Has(schema::kOutput)) {
        if (!j[schema::kOutput].is_boolean()) rec.Fail("\"output\" is not true or false");
        l.output = j[schema::kOutput].get<bool>();
      }
      l.units = rec.Num(schema::kUnits);
      l.dead_fraction = rec.Num(schema::kDeadFraction);
      l.off_fraction = rec.Num(schema::kOffFraction);
      l.saturated_fraction = rec.Num(schema::kSaturatedFraction);
      l.mean = rec.Num(schema::kMean);
      l.std = rec.Num(schema::kStd);
      l.grad_norm = rec.Num(schema::kGradNorm);
      l.grad_rms = rec.Num(schema::kGradRms);
      l.grad_to_weight = rec.Num(schema::kGradToWeight);
      l.weight_norm = rec.Num(schema::kWeightNorm);
      l.update_ratio = rec.Num(schema::kUpdateRatio);
      l.hist = ReadHistogram(rec);
      out.layers[id].push_back(std::move(l));
    }
  }
  for (const Run& run : out.runs) {
    if (!declared.count(run.run)) {
      throw Error(
          fmt::format("{}: run {} of summary.json has no \"run\" record", log_path, run.run));
    }
  }
  if (out.runs.empty()) throw Error(summary_path + ": no runs");
  if (out.dataset.empty()) out.dataset = out.runs.front().dataset;
  for (Run& run : out.runs) run.name = fmt::format("{} seed {}", run.activation, run.seed);
  for (auto& [id, v] : out.epochs) {
    std::stable_sort(v.begin(), v.end(),
                     [](const Epoch& a, const Epoch& b) { return a.epoch < b.epoch; });
  }
  for (auto& [id, v] : out.layers) {
    std::stable_sort(v.begin(), v.end(), [](const Layer& a, const Layer& b) {
      return std::pair(a.epoch, a.layer) < std::pair(b.epoch, b.layer);
    });
  }
  // A run without a summary record (an interrupted lab) still gets what its epochs tell.
  for (Run& run : out.runs) {
    auto it = out.epochs.find(run.run);
    if (run.in_summary || it == out.epochs.end() || it->second.empty()) continue;
    double seconds = 0;
    int timed = 0;
    for (const Epoch& e : it->second) {
      if (e.epoch > 0 && std::isfinite(e.train_seconds)) seconds += e.train_seconds, ++timed;
    }
    if (timed) run.seconds_per_epoch = seconds / timed;
    run.final_train_loss = it->second.back().train_loss;
    run.epochs_run = it->second.back().epoch;
    run.stop_reason = "unfinished";
    run.message = "the run has no summary: the lab was interrupted";
  }
  return out;
}

}  // namespace activ::report
