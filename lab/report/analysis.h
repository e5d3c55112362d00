// The report's analysis, shared by its reading (reading.cc) and its page (html.cc): the runs
// grouped by activation and aggregated over seeds, an experiment's runs grouped by activation and
// point, and the number formats of both. Internal to lab/report/.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lab/report/report.h"
#include "lab/report/svg_plot.h"

namespace activ::report {

// What the reading calls notable: a layer with at least this fraction of dead or saturated
// units at the end, a gradient norm that changes by this factor across the layers.
constexpr double kNotableFraction = 0.10;
constexpr double kGradientFactor = 10.0;
// A classifier whose accuracy stays below chance (1/classes) plus this did not learn.
constexpr double kChanceMargin = 0.05;
// A validation loss this much above its best at the end of training is called overfitting.
constexpr double kOverfitRise = 0.05;

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
// The mean, standard deviation (n > 1), min and max of the finite values.
Stat Summarize(const std::vector<double>& values);
// Of the finite positive values; NaN when there is none.
double GeometricMean(const std::vector<double>& values);

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

std::string Pct(double v);
std::string Num(double v, int digits = 4);
// Small networks train in milliseconds per epoch: keep two significant digits there.
std::string Seconds(double v);
std::string MeritText(const Analysis::Merit& m, double v);
// "a, b and c".
std::string JoinList(const std::vector<std::string>& items);

// The reading of an ordinary comparison (reading.cc).
std::vector<std::string> Reading(const Analysis& a);

// ---------------------------------------------------------------------------------------------
// Experiments (lab/sweep.h): the sweep's own plots, table and reading.

// The runs of one activation at one point of the sweep.
struct Cell {
  std::string activation, point;
  double x = NAN;
  std::vector<const Run*> runs;
};

std::vector<Cell> Cells(const Analysis& a);
// The activations of the cells, in their first order.
std::vector<std::string> Activations(const std::vector<Cell>& cells);
double Mean(const Cell& c, const std::function<double(const Run&)>& f, bool geometric = false);

// Per-run measurements the experiments use.
double FirstLayerRmsAtInit(const Analysis& a, const Run& r);
double RmsRatioAtInit(const Analysis& a, const Run& r);
double LargestGradNorm(const Analysis& a, const Run& r);
// The mean over the hidden layers of a layer field at one epoch (-1: the last).
double HiddenMean(const Analysis& a, const Run& r, double Layer::*field, int epoch);
std::string Sci(double v);

struct Column {
  std::string name;
  std::function<std::string(const Cell&)> value;
};

// The experiment's table: one column per measurement, one row per cell.
std::vector<Column> ExperimentColumns(const Analysis& a);
// The reading of an experiment (reading.cc).
std::vector<std::string> ExperimentReadingOf(const Analysis& a);

}  // namespace activ::report
