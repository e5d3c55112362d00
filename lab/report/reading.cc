// The plain-language reading: sentences computed from the numbers, and the text the terminal
// shows.
#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "lab/report/analysis.h"

namespace activ::report {

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
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on a literal plus a
    // temporary string here.
    for (long long h : first.hidden) arch.append(arch.empty() ? "" : "-").append(std::to_string(h));
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
    // Logs written before the option have no mode: they ran the faithful kernels.
    if (!first.accuracy.empty()) {
      details.push_back(first.accuracy == "fast" ? "activations in the fast accuracy mode (4 ULP)"
                                                 : "faithful activations (1 ULP)");
    }
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

}  // namespace activ::report
