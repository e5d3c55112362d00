// The page: one self-contained HTML file with inline CSS and SVG plots.
#include <algorithm>
#include <limits>
#include <set>
#include <span>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "activ/activ.h"
#include "io/files.h"
#include "lab/report/analysis.h"

namespace activ::report {
namespace {

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
