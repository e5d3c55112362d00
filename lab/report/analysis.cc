#include "lab/report/analysis.h"

#include <algorithm>

#include <fmt/format.h>

namespace activ::report {

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

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "–"; }
std::string Num(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:.{}g}", v, digits) : "–";
}
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

double Mean(const Cell& c, const std::function<double(const Run&)>& f, bool geometric) {
  std::vector<double> v;
  for (const Run* r : c.runs) v.push_back(f(*r));
  return geometric ? GeometricMean(v) : Summarize(v).mean;
}

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

}  // namespace activ::report
