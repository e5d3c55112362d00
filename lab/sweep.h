// Experiments that show one phenomenon each: a sweep of lab runs over one setting (depth,
// learning rate, initialisation, batch normalisation, gradient clipping), merged into one lab
// output directory that the report reads like any other, with every record tagged by its point.
//
//   lab::Sweep s = lab::MakeSweep("depth", /*full=*/false);
//   lab::RunSweep(s, "out");   // out/log.jsonl, out/summary.{csv,json}
//
// In the merged files every run's "activation" is "<activation> · <point>" ("relu · depth 8"),
// so the usual report compares the points, and every record of a run (and its summary record)
// carries "sweep_point" (the point's tag), "sweep_x" (its value: depth, learning rate; null
// when the points are categories) and "sweep_activation" (the activation alone). summary.json
// gets "experiment": {name, title, description, measures, x_label, full}.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "lab/lab.h"

namespace lab {

struct SweepPoint {
  std::string tag;  // "depth 8", "lr 0.3", "init xavier_uniform", "batchnorm on", "clip 1"
  double x = NAN;   // the swept value (depth, learning rate); NaN for categories
  ExperimentConfig config;
};

struct Sweep {
  std::string name, title;
  std::string description;  // what it runs
  std::string measures;     // what it measures, and what it shows
  std::string x_label;      // the swept setting, for plots
  bool full = false;
  std::vector<SweepPoint> points;
};

// depth, dying-relu, init, batchnorm, clipping.
std::vector<std::string> SweepNames();
// Every experiment: its name, what it runs (quick and full) and what it shows, for
// `activ lab --experiment list`.
std::string DescribeSweeps();
// The quick default (a few minutes on two cores, a Fashion-MNIST subset) or, with full, the
// full sweep (more points, seeds, epochs and data). Fashion-MNIST when installed, else the
// spirals. Throws activ::Error for an unknown name, listing the known ones.
Sweep MakeSweep(const std::string& name, bool full);

struct SweepResult {
  std::vector<ExperimentResult> points;
  double seconds = 0;
};
// Runs the points one after another (each with its runs side by side), then merges them into
// out_dir. `before_point(k)` is called before point k starts (progress).
SweepResult RunSweep(const Sweep& sweep, const std::string& out_dir,
                     const std::function<void(size_t)>& before_point = {});

}  // namespace lab
