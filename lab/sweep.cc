// The experiments: each a sweep of ordinary lab runs, merged into one output directory.
#include "lab/sweep.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/files.h"
#include "lab/log_schema.h"

namespace lab {

using activ::io::MakeDirectories;
using activ::io::ReadAllBytes;
using activ::io::WriteFileAtomically;

using activ::Error;
using json = nlohmann::ordered_json;

namespace {

bool FashionInstalled() {
  return std::filesystem::exists(std::filesystem::path(kFashionMnistDir) /
                                 "train-images-idx3-ubyte.gz");
}

// What every experiment starts from: SGD with momentum, the activation's own initialisation,
// a Fashion-MNIST subset (the spirals when it is not installed), one seed.
ExperimentConfig Base(bool full) {
  ExperimentConfig c;
  const bool images = FashionInstalled();
  c.data.source = images ? "fashion-mnist" : "spirals";
  c.data.val_fraction = 0.1;
  if (images) {
    c.data.train_limit = full ? 0 : 20000;
  } else {
    c.data.synthetic_rows = full ? 6000 : 2000;
  }
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 0.05;
  c.optimizer.momentum = 0.9;
  c.batch = 64;
  c.epochs = full ? 10 : 5;
  c.seeds = full ? std::vector<uint64_t>{1, 2, 3} : std::vector<uint64_t>{1};
  c.probe_rows = 512;
  c.histogram_bins = 24;
  c.checkpoints = false;
  return c;
}

std::string Trim(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A point of s on Base(full): the runs of every activation in `activations` on the hidden layers
// `hidden`; the caller sets what the sweep varies on the point returned.
ExperimentConfig& AddPoint(Sweep& s, std::string tag, double x, bool full,
                           std::vector<std::string> activations, std::vector<size_t> hidden) {
  SweepPoint& p = s.points.emplace_back();
  p.tag = std::move(tag);
  p.x = x;
  p.config = Base(full);
  p.config.activations = std::move(activations);
  p.config.hidden = std::move(hidden);
  return p.config;
}

Sweep Depth(bool full) {
  Sweep s;
  s.name = "depth";
  s.title = "Depth: vanishing gradients, and which activations survive depth";
  s.description =
      "networks of 2 to 16 hidden layers of 64 units (full: 1 to 32, 3 seeds, 10 epochs, all "
      "the data) for sigmoid, tanh, relu, gelu and selu, each with its own initialisation "
      "(--init auto), SGD at learning rate 0.01 with momentum 0.9";
  s.measures =
      "test accuracy, and the first hidden layer's gradient RMS per weight at initialisation, "
      "against depth: a gradient that shrinks with depth by orders of magnitude vanishes, and "
      "the network stops learning";
  s.x_label = "hidden layers";
  const std::vector<size_t> depths =
      full ? std::vector<size_t>{1, 2, 4, 8, 12, 16, 24, 32} : std::vector<size_t>{2, 4, 8, 16};
  for (size_t d : depths) {
    ExperimentConfig& c =
        AddPoint(s, "depth " + std::to_string(d), static_cast<double>(d), full,
                 {"sigmoid", "tanh", "relu", "gelu", "selu"}, std::vector<size_t>(d, 64));
    // Small enough that a deep network fails only when its gradient does (at 0.05 the
    // 16-layer relu, gelu and selu networks were unstable too).
    c.optimizer.lr = 0.01;
  }
  return s;
}

Sweep DyingRelu(bool full) {
  Sweep s;
  s.name = "dying-relu";
  s.title = "Dying ReLUs: dead units at rising learning rates";
  s.description =
      "784-128-128-128 networks trained with SGD (momentum 0.9) at learning rates 0.01, 0.03, "
      "0.1 and 0.3 "
      "(full: 0.003 to 1, 3 seeds, 10 epochs, all the data) for relu, leaky_relu, elu and gelu";
  s.measures =
      "the fraction of dead units (off on every probe input) over the epochs, and the final "
      "accuracy, against the learning rate: large steps push relu units to where they never "
      "fire again; leaky_relu, elu and gelu have no flat side to die on";
  s.x_label = "learning rate";
  const std::vector<double> lrs = full ? std::vector<double>{0.003, 0.01, 0.03, 0.1, 0.3, 1.0}
                                       : std::vector<double>{0.01, 0.03, 0.1, 0.3};
  for (double lr : lrs) {
    ExperimentConfig& c = AddPoint(s, "lr " + Trim(lr), lr, full,
                                   {"relu", "leaky_relu", "elu", "gelu"}, {128, 128, 128});
    c.optimizer.lr = lr;
  }
  return s;
}

Sweep InitSweep(bool full) {
  Sweep s;
  s.name = "init";
  s.title = "Initialisation: each activation under each scheme";
  s.description =
      "networks of 8 hidden layers of 64 units (full: 3 seeds, 10 epochs, all the data) for "
      "relu, tanh, sigmoid, selu and gelu under pytorch, auto, kaiming_normal, xavier_uniform "
      "and lecun_normal";
  s.measures =
      "the standard deviation of each hidden layer's outputs at initialisation, and the accuracy "
      "after training: a scheme that fits the activation keeps the spread from layer to layer";
  s.x_label = "initialisation";
  int k = 0;
  for (Init init : {Init::kPytorch, Init::kAuto, Init::kKaimingNormal, Init::kXavierUniform,
                    Init::kLecunNormal}) {
    ExperimentConfig& c =
        AddPoint(s, "init " + std::string(InitName(init)), k++, full,
                 {"relu", "tanh", "sigmoid", "selu", "gelu"}, std::vector<size_t>(8, 64));
    c.init = init;
    if (!full) c.epochs = 3;
  }
  return s;
}

Sweep BatchnormSweep(bool full) {
  Sweep s;
  s.name = "batchnorm";
  s.title = "Batch normalisation in deep networks";
  s.description =
      "networks of 16 hidden layers of 64 units (full: 3 seeds, 10 epochs, all the data) for "
      "sigmoid, tanh and relu, with and without batch normalisation (--batchnorm), SGD at "
      "learning rate 0.05 with momentum 0.9 (five times the depth experiment's)";
  s.measures =
      "validation accuracy over the epochs and the first hidden layer's gradient RMS per weight, "
      "with and without batch normalisation: normalising each layer's pre-activations keeps "
      "sigmoid's gradient from vanishing, and lets the deep networks train at a learning rate "
      "that leaves them unstable without it";
  s.x_label = "batch normalisation";
  for (bool bn : {false, true}) {
    ExperimentConfig& c = AddPoint(s, bn ? "batchnorm on" : "batchnorm off", bn ? 1 : 0, full,
                                   {"sigmoid", "tanh", "relu"}, std::vector<size_t>(16, 64));
    c.batchnorm = bn;
  }
  return s;
}

Sweep ClippingSweep(bool full) {
  Sweep s;
  s.name = "clipping";
  s.title = "Gradient clipping against exploding gradients";
  s.description =
      "a set-up whose gradients explode: 8 hidden layers of 64 units, weights drawn 1.5 times "
      "too wide for the activation (kaiming_normal with a gain of 1.5 times the activation's, "
      "see --init-scale) and SGD at learning rate 0.1 with momentum 0.9, for relu and tanh, "
      "without clipping and with --clip 1 (full: 3 seeds, 10 epochs, all the data)";
  s.measures =
      "the global gradient norm over the epochs (the largest of each epoch's steps, before "
      "clipping) and the training loss: without clipping the norm grows until the loss turns "
      "NaN or stalls; clipped to 1, each step stays bounded";
  s.x_label = "clip";
  for (double clip : {0.0, 1.0}) {
    ExperimentConfig& c = AddPoint(s, clip > 0 ? "clip " + Trim(clip) : "no clip", clip, full,
                                   {"relu", "tanh"}, std::vector<size_t>(8, 64));
    c.init = Init::kKaimingNormal;
    c.init_scale = 1.5;
    c.optimizer.lr = 0.1;
    c.clip = clip;
  }
  return s;
}

struct Maker {
  const char* name;
  Sweep (*make)(bool);
};
constexpr Maker kSweeps[] = {{"depth", Depth},
                             {"dying-relu", DyingRelu},
                             {"init", InitSweep},
                             {"batchnorm", BatchnormSweep},
                             {"clipping", ClippingSweep}};

// The records of one point, tagged and renumbered.
void Tag(json& rec, const SweepPoint& p, size_t offset) {
  const std::string act = rec.value(schema::kActivation, std::string());
  rec[schema::kRun] = rec.value(schema::kRun, size_t{0}) + offset;
  rec[schema::kActivation] = act + " · " + p.tag;
  rec[schema::kSweepPoint] = p.tag;
  rec[schema::kSweepX] = std::isfinite(p.x) ? json(p.x) : json(nullptr);
  rec[schema::kSweepActivation] = act;
}

std::string ReadText(const std::string& path) {
  const std::vector<uint8_t> bytes = ReadAllBytes(path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::vector<std::string> SweepNames() {
  std::vector<std::string> names;
  for (const Maker& m : kSweeps) names.push_back(m.name);
  return names;
}

std::string DescribeSweeps() {
  std::string out;
  for (const Maker& m : kSweeps) {
    const Sweep s = m.make(false);
    size_t runs = 0;
    for (const SweepPoint& p : s.points)
      runs += p.config.activations.size() * p.config.seeds.size();
    out += s.name + ": " + s.title + "\n  runs: " + s.description + "\n  measures: " + s.measures +
           "\n  quick default: " + std::to_string(s.points.size()) + " points, " +
           std::to_string(runs) + " runs of " + std::to_string(s.points[0].config.epochs) +
           " epochs on " + s.points[0].config.data.source +
           (s.points[0].config.data.train_limit
                ? " (" + std::to_string(s.points[0].config.data.train_limit) + " training rows)"
                : std::string()) +
           "; --full for the full sweep\n";
  }
  return out;
}

Sweep MakeSweep(const std::string& name, bool full) {
  std::string all;
  for (const Maker& m : kSweeps) {
    if (name == m.name) {
      Sweep s = m.make(full);
      s.full = full;
      return s;
    }
    all += (all.empty() ? "" : ", ") + std::string(m.name);
  }
  throw Error("unknown experiment '" + name + "': " + all + " (or list)");
}

SweepResult RunSweep(const Sweep& sweep, const std::string& out_dir,
                     const std::function<void(size_t)>& before_point) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepResult result;
  MakeDirectories(out_dir);
  const std::filesystem::path dir(out_dir);
  std::string log;
  json runs = json::array(), config, data;
  size_t offset = 0;
  for (size_t k = 0; k < sweep.points.size(); ++k) {
    const SweepPoint& p = sweep.points[k];
    if (before_point) before_point(k);
    ExperimentConfig c = p.config;
    const std::filesystem::path point_dir = dir / (".point-" + std::to_string(k));
    c.out_dir = point_dir.string();
    ExperimentResult r = RunExperiment(c);
    std::istringstream lines(ReadText(r.log_path));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      json rec = json::parse(line);
      Tag(rec, p, offset);
      log += rec.dump() + "\n";
    }
    json summary = json::parse(ReadText(r.summary_json));
    for (json rec : summary[schema::kRuns]) {
      Tag(rec, p, offset);
      runs.push_back(rec);
    }
    if (k == 0) {
      config = summary[schema::kConfig];
      data = summary[schema::kData];
    }
    offset += r.runs.size();
    std::filesystem::remove_all(point_dir);
    result.points.push_back(std::move(r));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  config[schema::kExperiment] = {{schema::kName, sweep.name},
                                 {schema::kTitle, sweep.title},
                                 {schema::kDescription, sweep.description},
                                 {schema::kMeasures, sweep.measures},
                                 {schema::kXLabel, sweep.x_label},
                                 {schema::kFull, sweep.full}};
  const json summary = {{schema::kConfig, config},
                        {schema::kExperiment, config[schema::kExperiment]},
                        {schema::kData, data},
                        {schema::kSeconds, result.seconds},
                        {schema::kRuns, runs}};
  WriteFileAtomically((dir / schema::kLogFile).string(), log);
  WriteFileAtomically((dir / schema::kSummaryJsonFile).string(), summary.dump(2) + "\n");
  std::string csv;
  for (auto it = runs.at(0).begin(); it != runs.at(0).end(); ++it) {
    csv += (it == runs.at(0).begin() ? "" : ",") + it.key();
  }
  csv += "\n";
  for (const json& rec : runs) {
    std::string row;
    for (auto it = rec.begin(); it != rec.end(); ++it) {
      std::string v = it.value().is_null()     ? ""
                      : it.value().is_string() ? it.value().get<std::string>()
                                               : it.value().dump();
      if (v.find_first_of(",\"\n") != std::string::npos) {
        std::string q = "\"";
        for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        v = q + "\"";
      }
      row += (it == rec.begin() ? "" : ",") + v;
    }
    csv += row + "\n";
  }
  WriteFileAtomically((dir / schema::kSummaryCsvFile).string(), csv);
  return result;
}

}  // namespace lab
