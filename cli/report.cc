#include "report.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <set>
#include <span>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activ/activ.h"
#include "io/files.h"
#include "svg_plot.h"

namespace activ::report {
namespace {

using nlohmann::json;

// What the reading calls notable: a layer with at least this fraction of dead or saturated
// units at the end, a gradient norm that changes by this factor across the layers.
constexpr double kNotableFraction = 0.10;
constexpr double kGradientFactor = 10.0;
// A classifier whose accuracy stays below chance (1/classes) plus this did not learn.
constexpr double kChanceMargin = 0.05;
// A validation loss this much above its best at the end of training is called overfitting.
constexpr double kOverfitRise = 0.05;

// ---------------------------------------------------------------------------------------------
// Reading log.jsonl and summary.json

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
  run.activation = r.Str("activation");
  run.seed = r.Int("seed");
  run.dataset = r.OptStr("dataset");
  run.network = r.OptStr("network");
  run.head = r.OptStr("head");
  if (r.Has("classes")) run.classes = r.Int("classes");
  for (double h : r.Numbers("hidden")) run.hidden.push_back(static_cast<long long>(h));
  if (r.Has("activations")) {
    const json& a = r.raw()["activations"];
    if (!a.is_array()) r.Fail("\"activations\" is not an array");
    for (const json& x : a) {
      if (!x.is_string()) r.Fail("\"activations\" holds something other than strings");
      run.layer_activations.push_back(x.get<std::string>());
    }
  }
  run.sweep_point = r.OptStr("sweep_point");
  run.sweep_activation = r.OptStr("sweep_activation");
  run.sweep_x = r.Num("sweep_x");
  if (r.Has("hinge") && r.raw()["hinge"].is_array()) {
    for (const json& x : r.raw()["hinge"]) run.hinge.push_back(x.is_boolean() && x.get<bool>());
  }
  if (r.Has("config")) {
    const json& c = r.raw()["config"];
    if (!c.is_object()) r.Fail("\"config\" is not an object");
    const Record config(c, "", "config");
    if (c.contains("optimizer") && c["optimizer"].is_string())
      run.optimizer = config.Str("optimizer");
    if (c.contains("init") && c["init"].is_string()) run.init = config.Str("init");
    run.lr = c.contains("lr") && c["lr"].is_number() ? c["lr"].get<double>() : NAN;
    run.batch = c.contains("batch") && c["batch"].is_number() ? c["batch"].get<double>() : NAN;
    run.epochs = c.contains("epochs") && c["epochs"].is_number() ? c["epochs"].get<double>() : NAN;
  }
}

// The fields a summary record (summary.json's runs, the log's "end" records) carries.
void ReadSummaryRecord(const Record& r, Run& run) {
  run.activation = r.Str("activation");
  run.seed = r.Int("seed");
  run.best_epoch = r.Num("best_epoch");
  run.val_accuracy = r.Num("val_accuracy");
  run.test_accuracy = r.Num("test_accuracy");
  run.test_loss = r.Num("test_loss");
  run.final_train_loss = r.Num("train_loss");
  run.seconds_per_epoch = r.Num("seconds_per_epoch");
  run.epochs_run = r.Num("epochs");
  run.dead_fraction = r.Num("dead_fraction");
  run.off_fraction = r.Num("off_fraction");
  run.grad_norm_max = r.Num("grad_norm_max");
  run.saturated_fraction = r.Num("saturated_fraction");
  run.stop_reason = r.OptStr("stop_reason");
  run.message = r.OptStr("message");
  run.in_summary = true;
}

LayerHistogram ReadHistogram(const Record& r) {
  LayerHistogram h;
  if (!r.Has("hist")) return h;
  const json& j = r.raw()["hist"];
  if (!j.is_object()) r.Fail("\"hist\" is not an object {lo, hi, counts, below, above}");
  const Record hist(j, "", "hist");
  try {
    h.lo = hist.Num("lo");
    h.hi = hist.Num("hi");
    h.counts = hist.Numbers("counts");
    h.below = hist.Has("below") ? hist.Num("below") : 0;
    h.above = hist.Has("above") ? hist.Num("above") : 0;
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
  const std::string summary_path = dir + "/summary.json";
  const std::string log_path = dir + "/log.jsonl";
  std::map<long long, size_t> index;  // run number -> position in out.runs

  // summary.json first: it fixes the order of the runs in the tables.
  json summary;
  try {
    summary = json::parse(io::ReadFile(summary_path));
  } catch (const json::exception& e) {
    throw Error(summary_path + ": not valid JSON: " + JsonError(e));
  }
  if (!summary.is_object()) throw Error(summary_path + ": not a JSON object");
  if (summary.contains("data") && summary["data"].is_object()) {
    const json& d = summary["data"];
    const Record data(d, summary_path + ": data", "\"data\" object");
    out.dataset = data.OptStr("name");
    if (data.Has("classes")) {
      const long long classes = data.Int("classes");
      out.task = classes == 0   ? "regression"
                 : classes == 2 ? "binary classification"
                                : fmt::format("classification, {} classes", classes);
    }
  }
  if (summary.contains("config")) out.config_json = summary["config"].dump();
  if (summary.contains("experiment") && summary["experiment"].is_object()) {
    const json& e = summary["experiment"];
    const Record x(e, summary_path + ": experiment", "\"experiment\" object");
    out.experiment.name = x.OptStr("name");
    out.experiment.title = x.OptStr("title");
    out.experiment.description = x.OptStr("description");
    out.experiment.measures = x.OptStr("measures");
    out.experiment.x_label = x.OptStr("x_label");
    out.experiment.full = e.contains("full") && e["full"].is_boolean() && e["full"].get<bool>();
  }
  if (!summary.contains("runs") || !summary["runs"].is_array()) {
    throw Error(summary_path + ": no \"runs\" array");
  }
  for (size_t i = 0; i < summary["runs"].size(); ++i) {
    const json& j = summary["runs"][i];
    const std::string where = summary_path + ": runs[" + std::to_string(i) + "]";
    if (!j.is_object()) throw Error(where + ": not a JSON object");
    const Record r(j, where, "summary entry");
    Run run;
    run.run = r.Int("run");
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
    const std::string type = r.Str("type");
    if (type != "run" && type != "epoch" && type != "layer" && type != "end") {
      continue;  // later additions
    }
    const Record rec(j, where, "\"" + type + "\" record");
    const long long id = rec.Int("run");
    if (type == "run") {
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
    if (type == "end") {
      Run& run = out.runs[index.at(id)];
      if (!run.in_summary) ReadSummaryRecord(rec, run);  // summary.json has the last word
    } else if (type == "epoch") {
      Epoch e;
      e.epoch = static_cast<int>(rec.Int("epoch"));
      e.train_loss = rec.Num("train_loss");
      e.train_accuracy = rec.Num("train_accuracy");
      e.val_loss = rec.Num("val_loss");
      e.val_accuracy = rec.Num("val_accuracy");
      e.train_seconds = rec.Num("train_seconds");
      e.seconds = rec.Num("seconds");
      e.lr = rec.Num("lr");
      e.grad_global_norm_mean = rec.Num("grad_global_norm_mean");
      e.grad_global_norm_max = rec.Num("grad_global_norm_max");
      out.epochs[id].push_back(e);
    } else {
      Layer l;
      l.epoch = static_cast<int>(rec.Int("epoch"));
      l.layer = static_cast<int>(rec.Int("layer"));
      if (l.layer < 1 || l.layer > 10000) rec.Fail("\"layer\" is out of range (1-based)");
      if (rec.Has("output")) {
        if (!j["output"].is_boolean()) rec.Fail("\"output\" is not true or false");
        l.output = j["output"].get<bool>();
      }
      l.units = rec.Num("units");
      l.dead_fraction = rec.Num("dead_fraction");
      l.off_fraction = rec.Num("off_fraction");
      l.saturated_fraction = rec.Num("saturated_fraction");
      l.mean = rec.Num("mean");
      l.std = rec.Num("std");
      l.grad_norm = rec.Num("grad_norm");
      l.grad_rms = rec.Num("grad_rms");
      l.grad_to_weight = rec.Num("grad_to_weight");
      l.weight_norm = rec.Num("weight_norm");
      l.update_ratio = rec.Num("update_ratio");
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

namespace {

// ---------------------------------------------------------------------------------------------
// Analysis: runs grouped by activation (with its parameters), aggregated over seeds.

struct Group {
  std::string label;  // the activation as the lab names it: "relu", "elu:alpha=0.5", "relu/tanh"
  const Run* first = nullptr;
  std::vector<const Run*> runs;
};

struct Stat {
  double mean = NAN, sd = NAN, min = NAN, max = NAN;
  int n = 0;
};

Stat Summarize(const std::vector<double>& values) {
  Stat s;
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (s.n == 0) s.min = s.max = v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
    ++s.n;
  }
  if (s.n == 0) return s;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) {
      if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
    }
    s.sd = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

double GeometricMean(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values) {
    if (std::isfinite(v) && v > 0) {
      sum += std::log(v);
      ++n;
    }
  }
  return n ? std::exp(sum / n) : NAN;
}

class Analysis {
 public:
  explicit Analysis(const LabResults& r) : r_(r) {
    for (const Run& run : r.runs) {
      const std::string& label = run.activation;
      auto it = std::find_if(groups_.begin(), groups_.end(),
                             [&](const Group& g) { return g.label == label; });
      if (it == groups_.end()) {
        groups_.push_back({label, &run, {}});
        it = groups_.end() - 1;
      }
      it->runs.push_back(&run);
      for (const Layer& l : Layers(run)) {
        all_layers_ = std::max(all_layers_, l.layer);
        if (!l.output) layers_ = std::max(layers_, l.layer);
      }
      for (const Epoch& e : Epochs(run)) max_epoch_ = std::max(max_epoch_, e.epoch);
    }
    for (const Run& run : r.runs) {
      has_accuracy_ |= std::isfinite(run.test_accuracy) || std::isfinite(run.val_accuracy);
      for (const Epoch& e : Epochs(run)) {
        has_accuracy_ |= std::isfinite(e.val_accuracy) || std::isfinite(e.train_accuracy);
      }
    }
  }

  const LabResults& results() const { return r_; }
  const std::vector<Group>& groups() const { return groups_; }
  // Hidden layers are numbered 1..layers(), as in the log; all_layers() counts the output
  // layer too (its number, when the log has it).
  int layers() const { return layers_; }
  // One run's hidden layers (runs of an experiment differ in depth).
  int HiddenLayers(const Run& run) const {
    return run.hidden.empty() ? layers_ : static_cast<int>(run.hidden.size());
  }
  int all_layers() const { return all_layers_; }
  int max_epoch() const { return max_epoch_; }
  bool has_accuracy() const { return has_accuracy_; }
  bool regression() const { return r_.task == "regression" || !has_accuracy_; }

  const std::vector<Epoch>& Epochs(const Run& run) const {
    static const std::vector<Epoch> kNone;
    auto it = r_.epochs.find(run.run);
    return it == r_.epochs.end() ? kNone : it->second;
  }
  const std::vector<Layer>& Layers(const Run& run) const {
    static const std::vector<Layer> kNone;
    auto it = r_.layers.find(run.run);
    return it == r_.layers.end() ? kNone : it->second;
  }

  // One value per run of the group.
  std::vector<double> PerRun(const Group& g, const std::function<double(const Run&)>& f) const {
    std::vector<double> v;
    for (const Run* run : g.runs) v.push_back(f(*run));
    return v;
  }

  // The group's mean, min and max of an epoch field, at each epoch any run reached.
  svg::Series EpochSeries(const Group& g, double Epoch::*field) const {
    std::map<int, std::vector<double>> at;
    for (const Run* run : g.runs) {
      for (const Epoch& e : Epochs(*run)) at[e.epoch].push_back(e.*field);
    }
    return Aggregate(g, at, false);
  }

  // The same for a layer field of one layer.
  svg::Series LayerSeries(const Group& g, int layer, double Layer::*field, bool geometric) const {
    std::map<int, std::vector<double>> at;
    for (const Run* run : g.runs) {
      for (const Layer& l : Layers(*run)) {
        if (l.layer == layer) at[l.epoch].push_back(l.*field);
      }
    }
    return Aggregate(g, at, geometric);
  }

  // A run's record of `layer` at epoch 0 (init) or at its last epoch (end); nullptr if none.
  const Layer* LayerAt(const Run& run, int layer, bool end) const {
    const Layer* found = nullptr;
    for (const Layer& l : Layers(run)) {
      if (l.layer != layer) continue;
      if (!end && l.epoch == 0) return &l;
      if (end && (!found || l.epoch >= found->epoch)) found = &l;
    }
    return end ? found : nullptr;
  }

  // Mean over the group's runs of a layer field at init or at the end.
  double LayerValue(const Group& g, int layer, double Layer::*field, bool end,
                    bool geometric = false) const {
    std::vector<double> v;
    for (const Run* run : g.runs) {
      if (const Layer* l = LayerAt(*run, layer, end)) v.push_back(l->*field);
    }
    return geometric ? GeometricMean(v) : Summarize(v).mean;
  }

  // The figure of merit: test accuracy, else validation accuracy, else (regression) the test
  // loss, with the direction in which it is better.
  struct Merit {
    std::string name;  // "test accuracy"
    bool higher_better = true;
    bool percent = true;
  };
  Merit merit() const {
    bool test = false, val = false;
    for (const Run& run : r_.runs) {
      test |= std::isfinite(run.test_accuracy);
      val |= std::isfinite(run.val_accuracy);
    }
    if (test) return {"test accuracy", true, true};
    if (val) return {"validation accuracy", true, true};
    return {"test loss", false, false};
  }
  double MeritOf(const Run& run) const {
    if (std::isfinite(run.test_accuracy)) return run.test_accuracy;
    if (merit().name == "test accuracy") return NAN;
    if (std::isfinite(run.val_accuracy)) return run.val_accuracy;
    if (merit().name == "validation accuracy") return NAN;
    return run.test_loss;
  }

 private:
  svg::Series Aggregate(const Group& g, const std::map<int, std::vector<double>>& at,
                        bool geometric) const {
    svg::Series s;
    s.label = g.label;
    for (const auto& [epoch, values] : at) {
      const Stat st = Summarize(values);
      s.x.push_back(epoch);
      s.y.push_back(geometric ? GeometricMean(values) : st.mean);
      s.y_lo.push_back(st.min);
      s.y_hi.push_back(st.max);
    }
    if (g.runs.size() < 2) s.y_lo.clear(), s.y_hi.clear();
    return s;
  }

  const LabResults& r_;
  std::vector<Group> groups_;
  int layers_ = 0, all_layers_ = 0, max_epoch_ = 0;
  bool has_accuracy_ = false;
};

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "–"; }
std::string Num(double v, int digits = 4) {
  return std::isfinite(v) ? fmt::format("{:.{}g}", v, digits) : "–";
}
// Small networks train in milliseconds per epoch: keep two significant digits there.
std::string Seconds(double v) {
  if (!std::isfinite(v)) return "–";
  return v >= 0.1 ? fmt::format("{:.2f}", v) : fmt::format("{:.2g}", v);
}
std::string MeritText(const Analysis::Merit& m, double v) { return m.percent ? Pct(v) : Num(v); }

std::string JoinList(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// The reading: sentences computed from the numbers.

std::vector<std::string> Reading(const Analysis& a) {
  std::vector<std::string> out;
  const LabResults& r = a.results();
  const auto& groups = a.groups();
  const Run& first = r.runs.front();

  // The setup.
  {
    size_t lo = std::numeric_limits<size_t>::max(), hi = 0;
    for (const Group& g : groups) {
      lo = std::min(lo, g.runs.size());
      hi = std::max(hi, g.runs.size());
    }
    std::string seeds = lo == hi ? fmt::format("{} seed{}", lo, lo == 1 ? "" : "s")
                                 : fmt::format("{} to {} seeds", lo, hi);
    std::string arch;
    for (long long h : first.hidden) arch += (arch.empty() ? "" : "-") + std::to_string(h);
    std::string s =
        fmt::format("{} run{}: {} activation{} × {}", r.runs.size(), r.runs.size() == 1 ? "" : "s",
                    groups.size(), groups.size() == 1 ? "" : "s", seeds);
    const std::string dataset = !r.dataset.empty() ? r.dataset : first.dataset;
    if (!dataset.empty()) s += " on " + dataset;
    if (!r.task.empty()) s += " (" + r.task + ")";
    std::vector<std::string> details;
    if (!arch.empty()) details.push_back("hidden layers " + arch);
    if (!first.optimizer.empty()) details.push_back(first.optimizer);
    if (std::isfinite(first.lr)) details.push_back("learning rate " + Num(first.lr));
    if (std::isfinite(first.batch)) details.push_back("batch " + Num(first.batch));
    if (std::isfinite(first.epochs)) details.push_back("up to " + Num(first.epochs) + " epochs");
    if (!details.empty()) s += "; " + JoinList(details);
    out.push_back(s + ".");
  }

  // Who won, by how much, and whether the seeds can tell.
  const Analysis::Merit merit = a.merit();
  struct Ranked {
    const Group* g;
    Stat s;
  };
  std::vector<Ranked> ranked;
  for (const Group& g : groups) {
    const Stat s = Summarize(a.PerRun(g, [&](const Run& run) { return a.MeritOf(run); }));
    if (s.n > 0) ranked.push_back({&g, s});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Ranked& x, const Ranked& y) {
    return merit.higher_better ? x.s.mean > y.s.mean : x.s.mean < y.s.mean;
  });
  if (ranked.empty()) {
    out.push_back("No run reported a " + merit.name + ", so there is no winner to name.");
  } else if (ranked.size() == 1) {
    out.push_back(fmt::format("Only {} has a {}: {}.", ranked[0].g->label, merit.name,
                              MeritText(merit, ranked[0].s.mean)));
  } else {
    const Ranked &best = ranked[0], &second = ranked[1], &last = ranked.back();
    const std::string over_seeds =
        best.s.n > 1 ? fmt::format(" (mean of {} seeds)", best.s.n) : std::string();
    auto gap = [&](const Ranked& other) {
      if (merit.percent)
        return fmt::format("{:.1f} points", 100 * std::fabs(best.s.mean - other.s.mean));
      return fmt::format("{:.1f}%",
                         100 * std::fabs(other.s.mean - best.s.mean) / std::fabs(other.s.mean));
    };
    std::string s = fmt::format("{} had the {} {}: {}{}, {} {} {} ({})", best.g->label,
                                merit.higher_better ? "highest" : "lowest", merit.name,
                                MeritText(merit, best.s.mean), over_seeds, gap(second),
                                merit.percent ? "ahead of" : "below", second.g->label,
                                MeritText(merit, second.s.mean));
    if (ranked.size() > 2) {
      s += fmt::format("; {} came last ({}, {} behind)", last.g->label,
                       MeritText(merit, last.s.mean), gap(last));
    }
    s += ".";
    if (best.s.n > 1 && second.s.n > 1) {
      const bool overlap =
          merit.higher_better ? best.s.min <= second.s.max : best.s.max >= second.s.min;
      s += fmt::format(" Over the seeds, {} ranged {}–{} and {} {}–{}: {}.", best.g->label,
                       MeritText(merit, best.s.min), MeritText(merit, best.s.max), second.g->label,
                       MeritText(merit, second.s.min), MeritText(merit, second.s.max),
                       overlap ? "the ranges overlap, so the first two are not clearly apart"
                               : "the ranges do not overlap");
    } else {
      s += " With one seed per activation, the spread between seeds is unknown: small gaps may "
           "be chance.";
    }
    out.push_back(s);
  }

  // Runs that ended at chance level, with what the same run's diagnostics measured.
  for (const Run& run : r.runs) {
    const double chance = run.classes > 1 ? 1.0 / static_cast<double>(run.classes) : NAN;
    const double acc = std::isfinite(run.test_accuracy) ? run.test_accuracy : run.val_accuracy;
    if (!std::isfinite(chance) || !std::isfinite(acc) || acc >= chance + kChanceMargin) continue;
    std::string s = fmt::format(
        "{} ended at chance level ({} {}, chance {} for {} classes): it did not learn", run.name,
        std::isfinite(run.test_accuracy) ? "test accuracy" : "validation accuracy", Pct(acc),
        Pct(chance), run.classes);
    const auto& epochs = a.Epochs(run);
    double first_loss = NAN, last_loss = NAN;
    for (const Epoch& e : epochs) {
      if (!std::isfinite(e.train_loss)) continue;
      if (!std::isfinite(first_loss)) first_loss = e.train_loss;
      last_loss = e.train_loss;
    }
    if (std::isfinite(first_loss) && std::isfinite(last_loss)) {
      s += fmt::format(" (training loss {} after the first epoch, {} after the last)",
                       Num(first_loss), Num(last_loss));
    }
    std::vector<std::string> why;
    const Layer* first_init = a.LayerAt(run, 1, false);
    const Layer* last_init = a.LayerAt(run, a.HiddenLayers(run), false);
    if (first_init && last_init && a.HiddenLayers(run) >= 2 && first_init->grad_rms > 0 &&
        last_init->grad_rms > 0) {
      const double ratio = first_init->grad_rms / last_init->grad_rms;
      why.push_back(fmt::format(
          "at initialisation the first hidden layer's gradient RMS per weight was {} of the "
          "last hidden layer's{}",
          ratio < 1 ? fmt::format("1/{:.0f}", 1 / ratio) : fmt::format("{:.1f}×", ratio),
          ratio < 1 / kGradientFactor ? " (vanishing gradients)"
          : ratio > kGradientFactor   ? " (exploding gradients)"
                                      : ""));
    }
    double dead = 0, off = 0, sat = 0;
    int n = 0;
    for (int l = 1; l <= a.layers(); ++l) {
      if (const Layer* e = a.LayerAt(run, l, true)) {
        dead += e->dead_fraction, off += e->off_fraction, sat += e->saturated_fraction, ++n;
      }
    }
    if (n > 0 && std::isfinite(sat)) {
      why.push_back(fmt::format(
          "after training its hidden layers had on average {} dead units, {} inactive and {} "
          "saturated inputs",
          Pct(dead / n), std::isfinite(off) ? Pct(off / n) : std::string("–"), Pct(sat / n)));
    }
    if (run.stop_reason == "nan") why.push_back("the loss became NaN or infinite");
    if (!why.empty()) s += ". The same run's diagnostics: " + JoinList(why);
    out.push_back(s + ".");
  }

  // Dead units, inactive and saturated inputs at the end.
  struct Kind {
    double Layer::*field;
    const char* what;
  };
  for (const Kind& kind :
       {Kind{&Layer::dead_fraction, "dead units (off on every probe input)"},
        Kind{&Layer::off_fraction,
             "inactive inputs (f′ exactly 0, on the flat side of a hinge such as relu's "
             "negative side; about half is usual for relu)"},
        Kind{&Layer::saturated_fraction,
             "saturated inputs (in a tail where |f′| stays below 5% of its maximum)"}}) {
    std::vector<std::string> notable;
    double largest = -1;
    std::string largest_at;
    for (const Group& g : groups) {
      // Inactive inputs belong to hinges; a smooth activation (hinge known false) has none.
      const std::vector<bool>& hinge = g.first->hinge;
      if (kind.field == &Layer::off_fraction && !hinge.empty() &&
          std::none_of(hinge.begin(), hinge.end(), [](bool h) { return h; })) {
        continue;
      }
      for (int l = 1; l <= a.layers(); ++l) {
        const double end = a.LayerValue(g, l, kind.field, true);
        const double init = a.LayerValue(g, l, kind.field, false);
        if (!std::isfinite(end)) continue;
        if (end > largest) {
          largest = end;
          largest_at = fmt::format("{} layer {}, {}", g.label, l, Pct(end));
        }
        if (end >= kNotableFraction) {
          notable.push_back(fmt::format("{} layer {} {}{}", g.label, l, Pct(end),
                                        std::isfinite(init)
                                            ? fmt::format(" ({} at initialisation)", Pct(init))
                                            : std::string()));
        }
      }
    }
    if (largest < 0) continue;
    if (notable.empty()) {
      out.push_back(fmt::format("No layer ended with {:.0f}% or more {} (the most: {}).",
                                100 * kNotableFraction, kind.what, largest_at));
    } else {
      out.push_back(fmt::format("Layers that ended with {:.0f}% or more {}: {}.",
                                100 * kNotableFraction, kind.what, JoinList(notable)));
    }
  }

  // Vanishing or exploding gradients at initialisation, per weight: the RMS of dL/dW of the
  // first hidden layer against the last hidden layer's. Whole-matrix norms would compare layers
  // of very different sizes (784x256 against 64x10), and the output layer's gradient is the
  // loss's own (its few outputs make its weights' gradients large whatever the activation), so
  // neither is used. Old logs without grad_rms fall back to the norms, and say so.
  if (a.layers() >= 2) {
    const bool same_depth = std::all_of(groups.begin(), groups.end(), [&](const Group& g) {
      return a.HiddenLayers(*g.first) == a.layers();
    });
    const std::string last_name =
        same_depth ? fmt::format("the last hidden layer's (layer {})", a.layers())
                   : std::string("the last hidden layer's");
    bool per_weight = true;
    for (const Group& g : groups) {
      per_weight &= std::isfinite(a.LayerValue(g, 1, &Layer::grad_rms, false, true));
    }
    double Layer::*field = per_weight ? &Layer::grad_rms : &Layer::grad_norm;
    const std::string measure =
        per_weight ? "gradient RMS per weight" : "gradient norm (whole matrices)";
    std::vector<std::string> vanish, explode, all;
    for (const Group& g : groups) {
      const int last = a.HiddenLayers(*g.first);
      if (last < 2) continue;
      const double first_layer = a.LayerValue(g, 1, field, false, true);
      const double last_layer = a.LayerValue(g, last, field, false, true);
      if (!(first_layer > 0) || !(last_layer > 0)) continue;
      const double ratio = first_layer / last_layer;
      const double rel1 = a.LayerValue(g, 1, &Layer::grad_to_weight, false, true);
      const double rel_last = a.LayerValue(g, last, &Layer::grad_to_weight, false, true);
      const std::string rel =
          std::isfinite(rel1) && std::isfinite(rel_last)
              ? fmt::format(" (||dW||/||W|| {} and {})", Num(rel1, 2), Num(rel_last, 2))
              : std::string();
      const std::string factor =
          ratio < 1
              ? fmt::format(fmt::runtime(1 / ratio < 10 ? "{:.1f}× smaller" : "{:.0f}× smaller"),
                            1 / ratio)
              : fmt::format(fmt::runtime(ratio < 10 ? "{:.1f}× larger" : "{:.0f}× larger"), ratio);
      all.push_back(fmt::format("{} {}{}", g.label, factor, rel));
      if (ratio < 1 / kGradientFactor) {
        vanish.push_back(fmt::format("{} ({})", g.label, factor));
      } else if (ratio > kGradientFactor) {
        explode.push_back(fmt::format("{} ({})", g.label, factor));
      }
    }
    if (!all.empty()) {
      out.push_back(fmt::format(
          "Gradient flow at initialisation, {} of the first hidden layer against {}: {}.", measure,
          last_name, JoinList(all)));
    }
    if (!all.empty() && vanish.empty() && explode.empty()) {
      out.push_back(
          fmt::format("Every activation keeps the first hidden layer's {} within {:.0f}× of {}: no "
                      "vanishing or exploding gradients at this depth.",
                      measure, kGradientFactor, last_name));
    }
    if (!vanish.empty()) {
      out.push_back(fmt::format(
          "Vanishing gradients at initialisation (the first hidden layer's {} over {:.0f}× "
          "below {}): {}.",
          measure, kGradientFactor, last_name, JoinList(vanish)));
    }
    if (!explode.empty()) {
      out.push_back(fmt::format(
          "Exploding gradients at initialisation (the first hidden layer's {} over {:.0f}× "
          "above {}): {}.",
          measure, kGradientFactor, last_name, JoinList(explode)));
    }
  }

  // Overfitting: the mean validation loss ends well above its lowest point.
  {
    std::vector<std::string> over;
    for (const Group& g : groups) {
      const svg::Series s = a.EpochSeries(g, &Epoch::val_loss);
      size_t best = 0;
      bool found = false;
      for (size_t i = 0; i < s.y.size(); ++i) {
        if (std::isfinite(s.y[i]) && (!found || s.y[i] < s.y[best])) best = i, found = true;
      }
      if (!found || s.y.empty() || !std::isfinite(s.y.back()) || best + 1 == s.y.size()) continue;
      const double rise = s.y.back() / s.y[best] - 1;
      if (rise > kOverfitRise) {
        over.push_back(fmt::format("{} (lowest at epoch {:.0f}, {:.0f}% higher at the end)",
                                   g.label, s.x[best], 100 * rise));
      }
    }
    if (!over.empty()) {
      out.push_back(
          "The validation loss rose again after its lowest point, a sign of "
          "overfitting, for " +
          JoinList(over) + ".");
    }
  }

  // Runs that did not complete.
  {
    std::vector<std::string> early, diverged, unfinished;
    for (const Run& run : r.runs) {
      const std::string after =
          std::isfinite(run.epochs_run) ? fmt::format(" after {:.0f} epochs", run.epochs_run) : "";
      if (run.stop_reason == "patience" || run.stop_reason == "tol") {
        early.push_back(run.name + after);
      } else if (run.stop_reason == "nan") {
        diverged.push_back(run.name + after);
      } else if (run.stop_reason != "max_epochs") {
        unfinished.push_back(run.name + after);
      }
    }
    if (!diverged.empty()) {
      out.push_back(
          "Stopped because the loss became NaN or infinite (the network of the last "
          "good epoch was kept): " +
          JoinList(diverged) + ".");
    }
    if (!early.empty()) {
      out.push_back("Stopped early (no improvement for the patience or tolerance set): " +
                    JoinList(early) + ".");
    }
    if (!unfinished.empty()) {
      out.push_back("Without a summary (the lab was interrupted): " + JoinList(unfinished) + ".");
    }
    if (early.empty() && diverged.empty() && unfinished.empty()) {
      out.push_back("Every run trained for all its epochs.");
    }
  }

  // Time per epoch.
  {
    const Group *fast = nullptr, *slow = nullptr;
    double tf = 0, ts = 0;
    for (const Group& g : groups) {
      const double t =
          Summarize(a.PerRun(g, [](const Run& run) { return run.seconds_per_epoch; })).mean;
      if (!std::isfinite(t)) continue;
      if (!fast || t < tf) fast = &g, tf = t;
      if (!slow || t > ts) slow = &g, ts = t;
    }
    if (fast && slow && fast != slow) {
      out.push_back(
          fmt::format("Fastest per epoch: {} ({} s); slowest: {} ({} s, {:.2f}× as long).",
                      fast->label, Seconds(tf), slow->label, Seconds(ts), ts / tf));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The HTML page

constexpr const char* kCss = R"(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #111;
       background: #fff; margin: 0 auto; max-width: 1240px; padding: 16px 24px; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0.2em 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 3px; margin-top: 1.6em; }
p.meta, p.note, figcaption { color: #444; font-size: 0.92em; }
figcaption { max-width: 372px; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure { margin: 0; }
svg.plot { max-width: 100%; height: auto; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 0.9em; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; }
td.name, th.name { text-align: left; white-space: nowrap; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
          vertical-align: -0.1em; border: 1px solid #0003; }
ul.reading li { margin: 0.3em 0; }
pre { white-space: pre-wrap; font-size: 0.85em; background: #f7f7f7; padding: 8px; }
@page { size: A4; margin: 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  figure, table, ul.reading { break-inside: avoid; }
  svg.plot { border: none; }
}
)";

std::string Swatch(svg::Document& doc, const std::string& key) {
  return "<span class=\"swatch\" style=\"background:" + doc.ColorOf(key) + "\"></span>";
}

std::string Figure(const std::string& svg, const std::string& caption = "") {
  return "<figure>" + svg +
         (caption.empty() ? "" : "<figcaption>" + svg::Escape(caption) + "</figcaption>") +
         "</figure>\n";
}

// A layer's activation as the lab writes it ("elu:alpha=0.5", "swiglu", "gated_tanh"), as the
// function to draw: a gated unit draws the function of its gate.
struct Drawable {
  Op op = Op::relu;
  Params params;
  std::string title;
};

Drawable ParseLayerActivation(const std::string& spec) {
  const Activation a = parse_activation(spec);
  Drawable d;
  d.op = a.op;
  d.params = a.params;
  d.title = a.gated ? spec + " (gate: " + std::string(name(a.op)) + ")" : spec;
  return d;
}

// f and f' of each activation the runs used (each hidden layer's, when they differ), with its
// parameters, computed by the library.
std::string FunctionsSection(const Analysis& a, svg::Document& doc) {
  std::string html =
      "<section id=\"functions\"><h2>The activation functions</h2>\n"
      "<p class=\"note\">Solid: f(x); dashed: its derivative f′(x), both computed "
      "by the activ library with the runs' parameters. A gated unit (swiglu, geglu, ...) "
      "outputs f(gate) · up; its gate's f is drawn.</p>\n<div class=\"grid\">\n";
  std::vector<std::string> seen;  // a sweep runs one activation in many groups: drawn once
  for (const Group& g : a.groups()) {
    std::vector<std::string> specs = g.first->layer_activations;
    if (specs.empty()) {
      std::istringstream layers(g.label);
      for (std::string l; std::getline(layers, l, '/');) specs.push_back(l);
    }
    for (const std::string& spec : specs) {
      if (std::find(seen.begin(), seen.end(), spec) != seen.end()) continue;
      seen.push_back(spec);
      svg::LinePlot p;
      p.x_label = "x";
      p.y_label = "f(x), f′(x)";
      p.width = 300;
      p.height = 240;
      std::vector<double> x(401), y(x.size()), dy(x.size(), 1.0), dx(x.size());
      for (size_t i = 0; i < x.size(); ++i) x[i] = -4.0 + 8.0 * static_cast<double>(i) / 400;
      try {
        const Drawable d = ParseLayerActivation(spec);
        p.title = d.title;
        forward(d.op, std::span<const double>(x), std::span<double>(y), d.params);
        backward(d.op, std::span<const double>(x), std::span<const double>(dy),
                 std::span<double>(dx), d.params);
      } catch (const Error& e) {
        html += "<p class=\"note\">" + svg::Escape(spec) + ": not drawn (" + svg::Escape(e.what()) +
                ").</p>\n";
        continue;
      }
      svg::Series f, df;
      f.label = "f";
      df.label = "f′";
      f.color_key = df.color_key = g.label;
      f.x = df.x = x;
      f.y = y;
      df.y = dx;
      df.dashed = true;
      p.series.push_back(std::move(f));
      p.series.push_back(std::move(df));
      html += Figure(svg::Render(p, doc));
    }
  }
  return html + "</div></section>\n";
}

std::string CurvesSection(const Analysis& a, svg::Document& doc) {
  std::string html = "<section id=\"curves\"><h2>Loss and accuracy per epoch</h2>\n";
  const bool bands = std::any_of(a.groups().begin(), a.groups().end(),
                                 [](const Group& g) { return g.runs.size() > 1; });
  html += std::string(
              "<p class=\"note\">Epoch 0 is the network at initialisation, before any "
              "update (the training figures, running means over an epoch's mini-batches, start "
              "at epoch 1).") +
          (bands ? " Lines are the mean over seeds; the shaded band spans the lowest to the "
                   "highest seed."
                 : "") +
          "</p>\n<div class=\"grid\">\n";
  struct Panel {
    const char* title;
    double Epoch::*field;
    bool accuracy;
  };
  const std::string loss = a.regression() ? "mean squared error" : "loss";
  const Panel panels[] = {{"Training loss", &Epoch::train_loss, false},
                          {"Validation loss", &Epoch::val_loss, false},
                          {"Training accuracy", &Epoch::train_accuracy, true},
                          {"Validation accuracy", &Epoch::val_accuracy, true}};
  for (const Panel& panel : panels) {
    if (panel.accuracy && !a.has_accuracy()) continue;
    svg::LinePlot p;
    p.title = panel.title;
    p.x_label = "epoch";
    p.y_label = panel.accuracy ? "accuracy" : loss;
    p.integer_x = true;
    p.width = 580;
    double lo = INFINITY, hi = 0;
    for (const Group& g : a.groups()) {
      p.series.push_back(a.EpochSeries(g, panel.field));
      for (double v : p.series.back().y) {
        if (v > 0 && std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    // A loss that spans decades (one activation far behind) is readable only on a log axis.
    if (!panel.accuracy && hi / lo > 30) {
      p.log_y = true;
      p.y_label += " (log scale)";
    }
    html += Figure(svg::Render(p, doc));
  }
  return html + "</div></section>\n";
}

std::string UnitsSection(const Analysis& a, svg::Document& doc) {
  std::string html =
      "<section id=\"units\"><h2>Dead units, inactive and saturated inputs per layer</h2>\n"
      "<p class=\"note\">Per hidden layer (1 = the first), measured on the probe set (the first "
      "training rows) at initialisation (epoch 0) and after every epoch. Each unit's input is "
      "inactive (f′ exactly 0: the flat side of a hinge, such as relu's negative side), "
      "saturated (in a tail of the function where |f′| stays below 5% of its maximum from "
      "that input outwards, such as sigmoid's beyond |z| = 4.36) or active. Dead: the "
      "fraction of units inactive on every probe input, so they pass no gradient. Relu has no "
      "saturating tail; gelu's and silu's dip, where f′ crosses 0, is active.</p>\n"
      "<div class=\"grid\">\n";
  for (int l = 1; l <= a.layers(); ++l) {
    for (auto [field, what, unit] :
         {std::tuple{&Layer::dead_fraction, "Dead units", "fraction of units"},
          std::tuple{&Layer::off_fraction, "Inactive inputs (f′ = 0)", "fraction of inputs"},
          std::tuple{&Layer::saturated_fraction, "Saturated inputs", "fraction of inputs"}}) {
      svg::LinePlot p;
      p.title = fmt::format("{}, layer {}", what, l);
      p.x_label = "epoch";
      p.y_label = unit;
      p.integer_x = true;
      p.y_min = 0;
      p.width = 372;
      p.height = 260;
      double hi = 0;
      for (const Group& g : a.groups()) {
        p.series.push_back(a.LayerSeries(g, l, field, false));
        for (double v : p.series.back().y_hi.empty() ? p.series.back().y : p.series.back().y_hi) {
          if (std::isfinite(v)) hi = std::max(hi, v);
        }
      }
      p.y_max = std::min(1.0, std::max(0.05, hi * 1.1));
      html += Figure(svg::Render(p, doc));
    }
  }
  return html + "</div></section>\n";
}

std::string GradientsSection(const Analysis& a, svg::Document& doc) {
  std::string html =
      "<section id=\"gradients\"><h2>Gradient flow per layer</h2>\n"
      "<p class=\"note\">The RMS of dL/dW per weight (||dL/dW|| / √(entries of W)) and "
      "||dL/dW|| / ||W|| of each layer on the probe set, on a log scale, so that layers of "
      "different sizes compare: a line that falls steeply toward layer 1 (the first hidden "
      "layer) means vanishing gradients, one that rises means exploding gradients. The last "
      "layer is the output layer. Geometric mean over seeds.</p>\n<div class=\"grid\">\n";
  const auto layer_name = [&](int l) {
    return l == a.all_layers() && a.all_layers() > a.layers() ? fmt::format("{} (output)", l)
                                                              : std::to_string(l);
  };
  const bool per_weight =
      std::any_of(a.results().layers.begin(), a.results().layers.end(), [](const auto& kv) {
        return std::any_of(kv.second.begin(), kv.second.end(),
                           [](const Layer& l) { return std::isfinite(l.grad_rms); });
      });
  double Layer::*gfield = per_weight ? &Layer::grad_rms : &Layer::grad_norm;
  const std::string gname = per_weight ? "gradient RMS per weight" : "gradient norm";
  for (auto [field, title, ylabel] :
       {std::tuple{gfield, gname, gname},
        std::tuple{&Layer::grad_to_weight, std::string("||dW|| / ||W||"),
                   std::string("||dW|| / ||W||")}}) {
    if (!per_weight && field == &Layer::grad_to_weight) continue;
    svg::LinePlot p;
    p.title = title + " by layer (dashed: initialisation, solid: end)";
    p.x_label = fmt::format(
        "layer (1 = first hidden{})",
        a.all_layers() > a.layers() ? fmt::format(", {} = output", a.all_layers()) : std::string());
    p.y_label = ylabel + " (log scale)";
    p.log_y = true;
    p.integer_x = true;
    p.width = 580;
    p.x_min = 0.75;
    p.x_max = std::max(2, a.all_layers()) + 0.25;
    for (const Group& g : a.groups()) {
      for (bool end : {false, true}) {
        svg::Series s;
        s.label = end ? g.label : "";
        s.color_key = g.label;
        s.dashed = !end;
        s.markers = true;
        for (int l = 1; l <= a.all_layers(); ++l) {
          s.x.push_back(l);
          s.y.push_back(a.LayerValue(g, l, field, end, true));
        }
        p.series.push_back(std::move(s));
      }
    }
    html += Figure(svg::Render(p, doc));
  }
  for (int l = 1; l <= a.all_layers(); ++l) {
    svg::LinePlot q;
    q.title = gname + " over the epochs, layer " + layer_name(l);
    q.title[0] = static_cast<char>(std::toupper(q.title[0]));
    q.x_label = "epoch";
    q.y_label = gname + " (log scale)";
    q.log_y = true;
    q.integer_x = true;
    q.width = 580;
    for (const Group& g : a.groups()) q.series.push_back(a.LayerSeries(g, l, gfield, true));
    html += Figure(svg::Render(q, doc));
  }
  return html + "</div></section>\n";
}

std::string HistogramsSection(const Analysis& a, svg::Document& doc) {
  std::string html =
      "<section id=\"histograms\"><h2>Activation histograms per layer</h2>\n"
      "<p class=\"note\">The distribution of each hidden layer's outputs at the last epoch "
      "(filled) and at initialisation (dashed outline), for the first seed of each activation. "
      "A bin that dwarfs the others is cut at the top and labelled with its share of the "
      "values.</p>\n";
  for (const Group& g : a.groups()) {
    const Run* run = g.runs.front();
    for (const Run* r : g.runs) {
      if (r->seed < run->seed) run = r;
    }
    html += "<div class=\"grid\">\n";
    for (int l = 1; l <= a.layers(); ++l) {
      svg::Histogram h;
      h.title = fmt::format("{} · layer {}", g.label, l);
      h.x_label = "activation value";
      h.width = 372;  // three to a row on a 1280-pixel screen
      h.height = 240;
      const Layer* end = a.LayerAt(*run, l, true);
      const Layer* init = a.LayerAt(*run, l, false);
      std::string caption;
      if (end && !end->hist.counts.empty()) {
        const LayerHistogram& e = end->hist;
        h.series.push_back(
            {fmt::format("epoch {}", end->epoch), g.label, e.lo, e.hi, e.counts, true});
        // The bins cover the activation's range clipped to [-5, 5]; say what fell outside.
        double total = e.below + e.above;
        for (double c : e.counts) total += c;
        const auto share = [&](double n) {
          return n / total < 0.001 ? std::string("<0.1%") : Pct(n / total);
        };
        std::vector<std::string> outside;
        if (e.below > 0) outside.push_back(fmt::format("{} below {:.3g}", share(e.below), e.lo));
        if (e.above > 0)
          outside.push_back(fmt::format("{} at or above {:.3g}", share(e.above), e.hi));
        if (!outside.empty() && total > 0) {
          caption = fmt::format("Epoch {}, outside the bins: {}.", end->epoch, JoinList(outside));
        }
      }
      if (init && init != end && !init->hist.counts.empty()) {
        h.series.push_back({"epoch 0", "", init->hist.lo, init->hist.hi, init->hist.counts, false});
      }
      html += Figure(svg::Render(h, doc), caption);
    }
    html += "</div>\n";
  }
  return html + "</section>\n";
}

std::string SummarySection(const Analysis& a, svg::Document& doc) {
  const Analysis::Merit merit = a.merit();
  std::string html =
      "<section id=\"summary\"><h2>Summary</h2>\n<table>\n<tr>"
      "<th class=\"name\">activation</th><th>runs</th>"
      "<th>" +
      svg::Escape(merit.name) +
      " (mean ± sd)</th><th>lowest–highest</th>"
      "<th>best epoch (median)</th><th>final train loss</th>"
      "<th>dead units (end)</th><th>inactive inputs (end)</th><th>saturated inputs (end)</th>"
      "<th>seconds per epoch</th><th>stopped</th></tr>\n";
  svg::BarChart merit_chart, time_chart;
  merit_chart.title = fmt::format(
      "{} by activation{}", merit.name,
      a.groups().front().runs.size() > 1 ? " (dot: mean; bar: lowest to highest seed)" : "");
  merit_chart.title[0] = static_cast<char>(std::toupper(merit_chart.title[0]));
  merit_chart.x_label = merit.name;
  merit_chart.from_zero = false;
  time_chart.title = "Seconds per epoch";
  time_chart.x_label = "seconds";
  for (const Group& g : a.groups()) {
    const Stat m = Summarize(a.PerRun(g, [&](const Run& r) { return a.MeritOf(r); }));
    const Stat t = Summarize(a.PerRun(g, [](const Run& r) { return r.seconds_per_epoch; }));
    const Stat loss = Summarize(a.PerRun(g, [](const Run& r) { return r.final_train_loss; }));
    std::vector<double> best = a.PerRun(g, [](const Run& r) { return r.best_epoch; });
    std::erase_if(best, [](double v) { return !std::isfinite(v); });
    std::sort(best.begin(), best.end());
    const double median =
        best.empty() ? NAN : (best[(best.size() - 1) / 2] + best[best.size() / 2]) / 2;
    std::map<std::string, int> stops;
    for (const Run* r : g.runs) ++stops[r->stop_reason.empty() ? "?" : r->stop_reason];
    const Stat dead = Summarize(a.PerRun(g, [](const Run& r) { return r.dead_fraction; }));
    const Stat off = Summarize(a.PerRun(g, [](const Run& r) { return r.off_fraction; }));
    const Stat sat = Summarize(a.PerRun(g, [](const Run& r) { return r.saturated_fraction; }));
    std::string stopped;
    for (const auto& [k, n] : stops) {
      stopped += (stopped.empty() ? "" : ", ") + (n > 1 ? std::to_string(n) + "× " : "") + k;
    }
    const std::string mean_sd =
        std::isfinite(m.sd) ? MeritText(merit, m.mean) + " ± " +
                                  (merit.percent ? fmt::format("{:.1f}", 100 * m.sd) : Num(m.sd, 2))
                            : MeritText(merit, m.mean);
    html += "<tr><td class=\"name\">" + Swatch(doc, g.label) + svg::Escape(g.label) + "</td><td>" +
            std::to_string(g.runs.size()) + "</td><td>" + mean_sd + "</td><td>" +
            MeritText(merit, m.min) + "–" + MeritText(merit, m.max) + "</td><td>" + Num(median) +
            "</td><td>" + Num(loss.mean) + "</td><td>" + Pct(dead.mean) + "</td><td>" +
            Pct(off.mean) + "</td><td>" + Pct(sat.mean) + "</td><td>" + Seconds(t.mean) +
            "</td><td>" + svg::Escape(stopped) + "</td></tr>\n";
    merit_chart.bars.push_back({g.label, g.label, merit.percent ? 100 * m.mean : m.mean,
                                m.n > 1 ? (merit.percent ? 100 * m.min : m.min) : NAN,
                                m.n > 1 ? (merit.percent ? 100 * m.max : m.max) : NAN});
    time_chart.bars.push_back(
        {g.label, g.label, t.mean, t.n > 1 ? t.min : NAN, t.n > 1 ? t.max : NAN});
  }
  if (merit.percent) merit_chart.x_label += " (%)";
  html += "</table>\n<div class=\"grid\">\n" + Figure(svg::Render(merit_chart, doc)) +
          Figure(svg::Render(time_chart, doc)) + "</div></section>\n";
  return html;
}

std::string RunsSection(const Analysis& a, svg::Document& doc) {
  const LabResults& r = a.results();
  std::string html =
      "<section id=\"runs\"><h2>Every run</h2>\n<table>\n<tr><th class=\"name\">run</th>"
      "<th class=\"name\">activation</th><th>seed</th><th>best epoch</th><th>validation "
      "accuracy</th><th>test accuracy</th><th>test loss</th><th>final train loss</th>"
      "<th>seconds per epoch</th><th>epochs run</th><th class=\"name\">stopped</th></tr>\n";
  for (const Group& g : a.groups()) {
    for (const Run* run : g.runs) {
      html += "<tr><td class=\"name\">" + std::to_string(run->run) + "</td><td class=\"name\">" +
              Swatch(doc, g.label) + svg::Escape(g.label) + "</td><td>" +
              std::to_string(run->seed) + "</td><td>" + Num(run->best_epoch) + "</td><td>" +
              Pct(run->val_accuracy) + "</td><td>" + Pct(run->test_accuracy) + "</td><td>" +
              Num(run->test_loss) + "</td><td>" + Num(run->final_train_loss) + "</td><td>" +
              Seconds(run->seconds_per_epoch) + "</td><td>" + Num(run->epochs_run) +
              "</td><td class=\"name\">" + svg::Escape(run->stop_reason) +
              (run->message.empty() ? "" : ": " + svg::Escape(run->message)) + "</td></tr>\n";
    }
  }
  html += "</table>\n";
  if (!r.config_json.empty()) {
    html += "<p class=\"note\">The lab's configuration (summary.json):</p><pre>" +
            svg::Escape(r.config_json) + "</pre>\n";
  }
  return html + "</section>\n";
}

// ---------------------------------------------------------------------------------------------
// Experiments (lab/sweep.h): the sweep's own plots, table and reading.

// The runs of one activation at one point of the sweep.
struct Cell {
  std::string activation, point;
  double x = NAN;
  std::vector<const Run*> runs;
};

std::vector<Cell> Cells(const Analysis& a) {
  std::vector<Cell> cells;
  for (const Run& run : a.results().runs) {
    auto it = std::find_if(cells.begin(), cells.end(), [&](const Cell& c) {
      return c.activation == run.sweep_activation && c.point == run.sweep_point;
    });
    if (it == cells.end()) {
      cells.push_back({run.sweep_activation, run.sweep_point, run.sweep_x, {}});
      it = cells.end() - 1;
    }
    it->runs.push_back(&run);
  }
  return cells;
}

std::vector<std::string> Activations(const std::vector<Cell>& cells) {
  std::vector<std::string> out;
  for (const Cell& c : cells) {
    if (std::find(out.begin(), out.end(), c.activation) == out.end()) out.push_back(c.activation);
  }
  return out;
}

double Mean(const Cell& c, const std::function<double(const Run&)>& f, bool geometric = false) {
  std::vector<double> v;
  for (const Run* r : c.runs) v.push_back(f(*r));
  return geometric ? GeometricMean(v) : Summarize(v).mean;
}

// Per-run measurements the experiments use.
double FirstLayerRmsAtInit(const Analysis& a, const Run& r) {
  const Layer* l = a.LayerAt(r, 1, false);
  return l ? l->grad_rms : NAN;
}
double RmsRatioAtInit(const Analysis& a, const Run& r) {
  const Layer* first = a.LayerAt(r, 1, false);
  const Layer* last = a.LayerAt(r, a.HiddenLayers(r), false);
  return first && last && last->grad_rms > 0 ? first->grad_rms / last->grad_rms : NAN;
}
double LargestGradNorm(const Analysis& a, const Run& r) {
  if (!std::isnan(r.grad_norm_max)) return r.grad_norm_max;  // every step, the failed ones too
  double m = NAN;
  for (const Epoch& e : a.Epochs(r)) {
    if (std::isfinite(e.grad_global_norm_max))
      m = std::isfinite(m) ? std::max(m, e.grad_global_norm_max) : e.grad_global_norm_max;
  }
  return m;
}
// The mean over the hidden layers of a layer field at one epoch (-1: the last).
double HiddenMean(const Analysis& a, const Run& r, double Layer::*field, int epoch) {
  int last = -1;
  for (const Layer& l : a.Layers(r)) last = std::max(last, l.epoch);
  const int at = epoch < 0 ? last : epoch;
  double sum = 0;
  int n = 0;
  for (const Layer& l : a.Layers(r)) {
    if (l.epoch == at && !l.output && std::isfinite(l.*field)) sum += l.*field, ++n;
  }
  return n ? sum / n : NAN;
}

std::string Sci(double v) { return std::isfinite(v) ? fmt::format("{:.2g}", v) : "–"; }

struct Column {
  std::string name;
  std::function<std::string(const Cell&)> value;
};

std::vector<Column> ExperimentColumns(const Analysis& a) {
  const std::string& name = a.results().experiment.name;
  const Analysis::Merit merit = a.merit();
  std::vector<Column> cols;
  cols.push_back({"activation", [](const Cell& c) { return c.activation; }});
  cols.push_back({a.results().experiment.x_label.empty() ? "point" : a.results().experiment.x_label,
                  [](const Cell& c) { return c.point; }});
  cols.push_back({merit.name, [&a, merit](const Cell& c) {
                    return MeritText(merit, Mean(c, [&](const Run& r) { return a.MeritOf(r); }));
                  }});
  auto rms = [&a](const Cell& c) {
    return Sci(Mean(
        c, [&](const Run& r) { return FirstLayerRmsAtInit(a, r); }, true));
  };
  auto ratio = [&a](const Cell& c) {
    return Sci(Mean(
        c, [&](const Run& r) { return RmsRatioAtInit(a, r); }, true));
  };
  auto hidden = [&a](double Layer::*f, int epoch) {
    return [&a, f, epoch](const Cell& c) {
      return Pct(Mean(c, [&](const Run& r) { return HiddenMean(a, r, f, epoch); }));
    };
  };
  if (name == "depth" || name == "batchnorm") {
    cols.push_back({"layer-1 gradient RMS at init", rms});
    cols.push_back({"layer 1 / last hidden RMS at init", ratio});
    cols.push_back({"saturated inputs (end)", hidden(&Layer::saturated_fraction, -1)});
    cols.push_back({"dead units (end)", hidden(&Layer::dead_fraction, -1)});
  } else if (name == "dying-relu") {
    cols.push_back({"dead units (init)", hidden(&Layer::dead_fraction, 0)});
    cols.push_back({"dead units (end)", hidden(&Layer::dead_fraction, -1)});
    cols.push_back({"inactive inputs (end)", hidden(&Layer::off_fraction, -1)});
    cols.push_back({"stopped", [](const Cell& c) {
                      std::string s;
                      for (const Run* r : c.runs) {
                        s += (s.empty() ? "" : ", ") + r->stop_reason +
                             (r->stop_reason == "nan" && std::isfinite(r->epochs_run)
                                  ? fmt::format(" in epoch {:.0f}", r->epochs_run + 1)
                                  : "");
                      }
                      return s;
                    }});
  } else if (name == "init") {
    cols.push_back({"output std at init, layer 1", [&a](const Cell& c) {
                      return Num(Mean(c,
                                      [&](const Run& r) {
                                        const Layer* l = a.LayerAt(r, 1, false);
                                        return l ? l->std : NAN;
                                      }),
                                 3);
                    }});
    cols.push_back({"output std at init, last hidden layer", [&a](const Cell& c) {
                      return Num(Mean(c,
                                      [&](const Run& r) {
                                        const Layer* l = a.LayerAt(r, a.HiddenLayers(r), false);
                                        return l ? l->std : NAN;
                                      }),
                                 3);
                    }});
    cols.push_back({"layer-1 gradient RMS at init", rms});
  } else if (name == "clipping") {
    cols.push_back({"largest gradient norm", [&a](const Cell& c) {
                      return Sci(Mean(c, [&](const Run& r) { return LargestGradNorm(a, r); }));
                    }});
    cols.push_back({"final training loss", [](const Cell& c) {
                      return Num(Mean(c, [](const Run& r) { return r.final_train_loss; }));
                    }});
    cols.push_back({"stopped", [](const Cell& c) {
                      std::string s;
                      for (const Run* r : c.runs) s += (s.empty() ? "" : ", ") + r->stop_reason;
                      return s;
                    }});
  }
  return cols;
}

// A line per activation over the swept value, or per group over the epochs.
svg::LinePlot SweepPlot(const Analysis& a, const std::vector<Cell>& cells, const std::string& title,
                        const std::string& y_label, const std::function<double(const Run&)>& f,
                        bool log_y, bool log_x = false) {
  svg::LinePlot p;
  p.title = title;
  p.x_label = a.results().experiment.x_label + (log_x ? " (log10)" : "");
  p.y_label = y_label + (log_y ? " (log scale)" : "");
  p.log_y = log_y;
  p.width = 480;
  p.height = 320;
  for (const std::string& act : Activations(cells)) {
    svg::Series s;
    s.label = act;
    s.markers = true;
    for (const Cell& c : cells) {
      if (c.activation != act || !std::isfinite(c.x)) continue;
      s.x.push_back(log_x ? std::log10(c.x) : c.x);
      s.y.push_back(Mean(c, f, log_y));
    }
    p.series.push_back(std::move(s));
  }
  return p;
}

svg::LinePlot EpochPlot(const Analysis& a, const std::string& title, const std::string& y_label,
                        const std::function<double(const Run&, int epoch)>& f, bool log_y,
                        const std::function<bool(const Group&)>& keep = {}) {
  svg::LinePlot p;
  p.title = title;
  p.x_label = "epoch";
  p.y_label = y_label + (log_y ? " (log scale)" : "");
  p.log_y = log_y;
  p.integer_x = true;
  p.width = 480;
  p.height = 320;
  for (const Group& g : a.groups()) {
    if (keep && !keep(g)) continue;
    svg::Series s;
    s.label = g.label;
    for (int e = 0; e <= a.max_epoch(); ++e) {
      std::vector<double> v;
      for (const Run* r : g.runs) v.push_back(f(*r, e));
      s.x.push_back(e);
      s.y.push_back(log_y ? GeometricMean(v) : Summarize(v).mean);
    }
    p.series.push_back(std::move(s));
  }
  return p;
}

std::vector<std::pair<std::string, std::string>> ExperimentSvgs(const Analysis& a,
                                                                svg::Document& doc) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string& name = a.results().experiment.name;
  const std::vector<Cell> cells = Cells(a);
  const Analysis::Merit merit = a.merit();
  auto merit_of = [&a](const Run& r) { return a.MeritOf(r); };
  auto add = [&](const std::string& file, const svg::LinePlot& p) {
    out.emplace_back(fmt::format("experiment-{}-{}.svg", name, file), svg::Render(p, doc));
  };
  if (name == "depth") {
    add("accuracy",
        SweepPlot(a, cells, "Test accuracy against depth", merit.name, merit_of, false));
    add("gradient",
        SweepPlot(
            a, cells, "Layer 1's gradient RMS per weight at initialisation", "gradient RMS",
            [&](const Run& r) { return FirstLayerRmsAtInit(a, r); }, true));
  } else if (name == "dying-relu") {
    add("dead",
        SweepPlot(
            a, cells, "Dead units after training (mean over hidden layers)", "fraction of units",
            [&](const Run& r) { return HiddenMean(a, r, &Layer::dead_fraction, -1); }, false,
            true));
    add("accuracy", SweepPlot(a, cells, "Test accuracy against the learning rate", merit.name,
                              merit_of, false, true));
    // The learning rate where most units died (the largest when none did).
    double top = 0, most = -1;
    for (const Cell& c : cells) {
      const double dead =
          Mean(c, [&](const Run& r) { return HiddenMean(a, r, &Layer::dead_fraction, -1); });
      if (!std::isfinite(c.x)) continue;
      if (dead > most || (!(most > 0) && dead == most && c.x > top)) most = dead, top = c.x;
    }
    add("dead-epochs",
        EpochPlot(
            a, fmt::format("Dead units over the epochs at learning rate {}", Num(top)),
            "fraction of units",
            [&](const Run& r, int e) -> double {
              return HiddenMean(a, r, &Layer::dead_fraction, e);
            },
            false, [&](const Group& g) { return g.first->sweep_x == top; }));
  } else if (name == "init") {
    for (const std::string& act : Activations(cells)) {
      svg::LinePlot p;
      p.title = act + ": output std per layer at initialisation";
      p.x_label = "hidden layer";
      p.y_label = "std of the outputs (log scale)";
      p.log_y = true;
      p.integer_x = true;
      p.width = 372;
      p.height = 280;
      for (const Cell& c : cells) {
        if (c.activation != act) continue;
        svg::Series s;
        s.label = c.point;
        s.markers = true;
        for (int l = 1; l <= a.layers(); ++l) {
          s.x.push_back(l);
          s.y.push_back(Mean(
              c,
              [&](const Run& r) {
                const Layer* x = a.LayerAt(r, l, false);
                return x ? x->std : NAN;
              },
              true));
        }
        p.series.push_back(std::move(s));
      }
      add("std-" + act, p);
    }
    svg::BarChart b;
    b.title = merit.name + " by activation and initialisation";
    b.title[0] = static_cast<char>(std::toupper(b.title[0]));
    b.x_label = merit.name + (merit.percent ? " (%)" : "");
    for (const Cell& c : cells) {
      const double v = Mean(c, merit_of);
      b.bars.push_back({c.activation + " · " + c.point, c.point, merit.percent ? 100 * v : v});
    }
    out.emplace_back(fmt::format("experiment-{}-accuracy.svg", name), svg::Render(b, doc));
  } else if (name == "batchnorm") {
    add("accuracy", EpochPlot(
                        a, "Validation accuracy over the epochs", "validation accuracy",
                        [&](const Run& r, int e) -> double {
                          for (const Epoch& x : a.Epochs(r))
                            if (x.epoch == e) return x.val_accuracy;
                          return NAN;
                        },
                        false));
    add("gradient", EpochPlot(
                        a, "Layer 1's gradient RMS per weight over the epochs", "gradient RMS",
                        [&](const Run& r, int e) -> double {
                          for (const Layer& l : a.Layers(r))
                            if (l.epoch == e && l.layer == 1) return l.grad_rms;
                          return NAN;
                        },
                        true));
  } else if (name == "clipping") {
    add("gradient-norm",
        EpochPlot(
            a, "Largest global gradient norm of each epoch (before clipping)", "gradient norm",
            [&](const Run& r, int e) -> double {
              for (const Epoch& x : a.Epochs(r))
                if (x.epoch == e) return x.grad_global_norm_max;
              return NAN;
            },
            true));
    add("loss", EpochPlot(
                    a, "Training loss over the epochs", "training loss",
                    [&](const Run& r, int e) -> double {
                      for (const Epoch& x : a.Epochs(r))
                        if (x.epoch == e) return x.train_loss;
                      return NAN;
                    },
                    true));
  }
  return out;
}

std::vector<std::string> ExperimentReadingOf(const Analysis& a) {
  std::vector<std::string> out;
  const ExperimentInfo& info = a.results().experiment;
  if (info.name.empty()) return out;
  const std::vector<Cell> cells = Cells(a);
  const Analysis::Merit merit = a.merit();
  out.push_back("Measured: " + info.measures + ".");
  auto merit_of = [&a](const Run& r) { return a.MeritOf(r); };
  const Run& any = a.results().runs.front();
  const double chance = any.classes > 1 ? 1.0 / static_cast<double>(any.classes) : NAN;
  auto at_chance = [&](double acc) {
    return std::isfinite(chance) && std::isfinite(acc) && acc < chance + kChanceMargin
               ? std::string(" (chance level: it did not learn)")
               : std::string();
  };
  for (const std::string& act : Activations(cells)) {
    std::vector<const Cell*> mine;
    for (const Cell& c : cells) {
      if (c.activation == act) mine.push_back(&c);
    }
    if (mine.empty()) continue;
    std::vector<std::string> parts;
    for (const Cell* c : mine) {
      const double m = Mean(*c, merit_of);
      std::string s = fmt::format("{} {}{}", c->point, MeritText(merit, m), at_chance(m));
      size_t diverged = 0;
      for (const Run* r : c->runs) diverged += r->stop_reason == "nan";
      if (diverged > 0 && info.name != "clipping") {
        s += diverged == c->runs.size()
                 ? std::string(", the loss became NaN")
                 : fmt::format(", the loss became NaN in {} of {} runs", diverged, c->runs.size());
      }
      if (info.name == "depth" || info.name == "batchnorm") {
        s += fmt::format(", layer-1 gradient RMS at init {} ({} of the last hidden layer's)",
                         Sci(Mean(
                             *c, [&](const Run& r) { return FirstLayerRmsAtInit(a, r); }, true)),
                         Sci(Mean(
                             *c, [&](const Run& r) { return RmsRatioAtInit(a, r); }, true)));
      } else if (info.name == "dying-relu") {
        s += fmt::format(
            ", dead units {} at init and {} at the end",
            Pct(Mean(*c, [&](const Run& r) { return HiddenMean(a, r, &Layer::dead_fraction, 0); })),
            Pct(Mean(*c,
                     [&](const Run& r) { return HiddenMean(a, r, &Layer::dead_fraction, -1); })));
      } else if (info.name == "init") {
        s += fmt::format(", output std at init {} in layer 1 and {} in layer {}",
                         Num(Mean(*c,
                                  [&](const Run& r) {
                                    const Layer* l = a.LayerAt(r, 1, false);
                                    return l ? l->std : NAN;
                                  }),
                             2),
                         Num(Mean(*c,
                                  [&](const Run& r) {
                                    const Layer* l = a.LayerAt(r, a.HiddenLayers(r), false);
                                    return l ? l->std : NAN;
                                  }),
                             2),
                         a.layers());
      } else if (info.name == "clipping") {
        std::string stops;
        for (const Run* r : c->runs) stops += (stops.empty() ? "" : ", ") + r->stop_reason;
        s += fmt::format(", largest gradient norm {}, final training loss {}, stopped: {}",
                         Sci(Mean(*c, [&](const Run& r) { return LargestGradNorm(a, r); })),
                         Num(Mean(*c, [](const Run& r) { return r.final_train_loss; })), stops);
      }
      parts.push_back(s);
    }
    std::string line = act + ": " + parts.front();
    for (size_t i = 1; i < parts.size(); ++i) line += "; " + parts[i];
    out.push_back(line + ".");
  }
  if (info.name == "depth" || info.name == "batchnorm") {
    // How the first-layer gradient at initialisation changes from the first point to the last.
    std::vector<std::string> fell, rose, kept;
    for (const std::string& act : Activations(cells)) {
      const Cell *lo = nullptr, *hi = nullptr;
      for (const Cell& c : cells) {
        if (c.activation != act) continue;
        if (!lo) lo = &c;
        hi = &c;
      }
      if (!lo || lo == hi) continue;
      const double r0 = Mean(
          *lo, [&](const Run& r) { return FirstLayerRmsAtInit(a, r); }, true);
      const double r1 = Mean(
          *hi, [&](const Run& r) { return FirstLayerRmsAtInit(a, r); }, true);
      if (!(r0 > 0) || !(r1 > 0)) continue;
      const std::string t = fmt::format("{} ({} → {}: {})", act, lo->point, hi->point,
                                        r1 < r0 ? fmt::format("{:.3g}× smaller", r0 / r1)
                                                : fmt::format("{:.3g}× larger", r1 / r0));
      (r1 < r0 / kGradientFactor ? fell : r1 > r0 * kGradientFactor ? rose : kept).push_back(t);
    }
    const std::string factor = fmt::format("{:.0f}×", kGradientFactor);
    if (!fell.empty()) {
      out.push_back("The first hidden layer's gradient RMS at initialisation fell more than " +
                    factor + " from the first point to the last" +
                    (info.name == "depth" ? std::string(" (vanishing gradients)") : "") + " for " +
                    JoinList(fell) + ".");
    }
    if (!rose.empty()) {
      out.push_back(
          "It rose more than " + factor + " from the first point to the last for " +
          JoinList(rose) +
          (info.name == "batchnorm" ? ": batch normalisation gives the gradient back" : "") + ".");
    }
    if (!kept.empty()) {
      out.push_back("It stayed within " + factor + " for " + JoinList(kept) + ".");
    }
  }
  return out;
}

std::string ExperimentSection(const Analysis& a, svg::Document& doc) {
  const ExperimentInfo& info = a.results().experiment;
  std::string html = "<section id=\"experiment\"><h2>Experiment: " + svg::Escape(info.title) +
                     "</h2>\n<p class=\"note\">" +
                     svg::Escape(fmt::format("{}: {}.", info.full ? "Full sweep" : "Quick default",
                                             info.description)) +
                     "</p>\n<ul class=\"reading\">\n";
  for (const std::string& s : ExperimentReadingOf(a)) html += "<li>" + svg::Escape(s) + "</li>\n";
  html += "</ul>\n<div class=\"grid\">\n";
  for (const auto& [file, svg_text] : ExperimentSvgs(a, doc)) html += Figure(svg_text);
  html += "</div>\n<table>\n<tr>";
  const std::vector<Column> cols = ExperimentColumns(a);
  for (const Column& c : cols) html += "<th class=\"name\">" + svg::Escape(c.name) + "</th>";
  html += "</tr>\n";
  for (const Cell& cell : Cells(a)) {
    html += "<tr>";
    for (const Column& c : cols)
      html += "<td class=\"name\">" + svg::Escape(c.value(cell)) + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n</section>\n";
}

}  // namespace

std::string RenderHtml(const LabResults& results) {
  const Analysis a(results);
  svg::Document doc;
  for (const Group& g : a.groups()) doc.Reserve(g.label);
  const std::string dataset =
      !results.dataset.empty() ? results.dataset : results.runs.front().dataset;
  const std::string title = "activ lab report" + (dataset.empty() ? "" : " — " + dataset);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      svg::Escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  html += "<header><h1>" + svg::Escape(title) + "</h1>\n<p class=\"meta\">" +
          svg::Escape(fmt::format("{} runs{}. Generated by activ {} from {}.", results.runs.size(),
                                  results.task.empty() ? "" : ", task: " + results.task, version(),
                                  results.dir)) +
          "</p></header>\n";
  if (!results.experiment.name.empty()) html += ExperimentSection(a, doc);
  html += "<section id=\"reading\"><h2>Reading</h2>\n<ul class=\"reading\">\n";
  for (const std::string& s : Reading(a)) html += "<li>" + svg::Escape(s) + "</li>\n";
  html += "</ul></section>\n";
  html += SummarySection(a, doc);
  html += FunctionsSection(a, doc);
  html += CurvesSection(a, doc);
  html += UnitsSection(a, doc);
  html += GradientsSection(a, doc);
  html += HistogramsSection(a, doc);
  html += RunsSection(a, doc);
  html += "</body>\n</html>\n";
  return html;
}

std::vector<std::string> Reading(const LabResults& results) { return Reading(Analysis(results)); }

std::string ExperimentTable(const LabResults& results) {
  if (results.experiment.name.empty()) return "";
  const Analysis a(results);
  const std::vector<Column> cols = ExperimentColumns(a);
  std::string out = "|", rule = "|";
  for (const Column& c : cols) {
    out += fmt::format(" {} |", c.name);
    rule += "---|";
  }
  out += fmt::format("\n{}\n", rule);
  for (const Cell& cell : Cells(a)) {
    std::string row = "|";
    for (const Column& c : cols) row += fmt::format(" {} |", c.value(cell));
    out += row + "\n";
  }
  return out;
}

std::vector<std::string> ExperimentReading(const LabResults& results) {
  return ExperimentReadingOf(Analysis(results));
}

std::vector<std::pair<std::string, std::string>> ExperimentPlots(const LabResults& results) {
  if (results.experiment.name.empty()) return {};
  const Analysis a(results);
  svg::Document doc;
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, text] : ExperimentSvgs(a, doc)) {
    out.emplace_back(name, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + text);
  }
  return out;
}

std::string RenderText(const LabResults& results) {
  const Analysis a(results);
  const Analysis::Merit merit = a.merit();
  size_t width = 10;
  for (const Group& g : a.groups()) width = std::max(width, g.label.size());
  std::string out = fmt::format("{:<{}}  {:>4}  {:>20}  {:>9}\n", "activation", width, "runs",
                                merit.name, "s/epoch");
  for (const Group& g : a.groups()) {
    const Stat m = Summarize(a.PerRun(g, [&](const Run& r) { return a.MeritOf(r); }));
    const Stat t = Summarize(a.PerRun(g, [](const Run& r) { return r.seconds_per_epoch; }));
    out += fmt::format("{:<{}}  {:>4}  {:>20}  {:>9}\n", g.label, width, g.runs.size(),
                       MeritText(merit, m.mean), Seconds(t.mean));
  }
  out += "\n";
  for (const std::string& s : Reading(a)) out += "- " + s + "\n";
  if (!results.experiment.name.empty()) {
    out += "\nexperiment " + results.experiment.name + ": " + results.experiment.title + "\n\n" +
           ExperimentTable(results) + "\n";
    for (const std::string& s : ExperimentReading(results)) out += "- " + s + "\n";
  }
  return out;
}

std::string WriteReport(const std::string& dir, const std::string& out_path) {
  return WriteReport(ReadLab(dir), dir, out_path);
}

std::string WriteReport(const LabResults& results, const std::string& dir,
                        const std::string& out_path) {
  const std::string path = out_path.empty() ? dir + "/report.html" : out_path;
  io::WriteFileAtomically(path, RenderHtml(results));
  // An experiment's plots, as `activ lab --experiment` writes them, beside the page.
  const std::string at =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  for (const auto& [name, svg] : ExperimentPlots(results)) {
    io::WriteFileAtomically(at + "/" + name, svg);
  }
  return path;
}

}  // namespace activ::report
