// Benchmarks of the lab, run by bench/lab_speed.sh and bench/lab_reproduce.sh (not by CI).
//
//   activ-lab-bench speed --threads N [--epochs E]
//     Fashion-MNIST, 784-512-256-256-128-10 ReLU, SGD with momentum 0.9 (lr 0.01), batch 256:
//     prints the training pass of each epoch in seconds (the same network as bench/lab_speed.py).
//   activ-lab-bench reproduce --configs relu:100,tanh:10-10 --seeds 0,1,2 [--threads N]
//                             [--init sklearn|auto|pytorch|...]
//     scikit-learn's MLPClassifier set-up of the Fashion-MNIST benchmark: standardised inputs,
//     Adam lr 1e-3, batch 200, alpha (L2) 1e-4, stop when the training loss improves by less
//     than 1e-4 for 10 epochs, at most 200 epochs. The weights start as --init says (default
//     sklearn: scikit-learn's Glorot-uniform weights and biases, as in the published runs).
//     Prints one JSON line per configuration with the init, the test accuracy of each seed and
//     their mean.
//   activ-lab-bench default [--out DIR]
//     lab::DefaultExperiment(), timed; prints one line per run and the wall time.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/lab.h"

namespace {

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

int Speed(int argc, char** argv) {
  lab::ExperimentConfig c;
  c.data.source = "fashion-mnist";
  c.data.val_fraction = 0;
  c.activations = {"relu"};
  c.hidden = {512, 256, 256, 128};
  c.optimizer.kind = lab::OptimizerKind::kSgd;
  c.optimizer.lr = 0.01;
  c.optimizer.momentum = 0.9;
  c.batch = 256;
  c.epochs = std::stoul(Arg(argc, argv, "--epochs", "2"));
  c.threads = std::stoul(Arg(argc, argv, "--threads", "1"));
  c.diagnostics = false;
  c.checkpoints = false;
  c.progress = [](const lab::Progress& p) {
    if (!p.done) {
      std::printf("{\"epoch\": %zu, \"train_seconds\": %.4f, \"train_loss\": %.5f}\n", p.epoch,
                  p.train_seconds, p.train_loss);
      std::fflush(stdout);
    }
  };
  const lab::ExperimentResult r = lab::RunExperiment(c);
  std::printf("{\"threads\": %zu, \"test_accuracy\": %.4f}\n", c.threads, r.runs[0].test_accuracy);
  return 0;
}

int Reproduce(int argc, char** argv) {
  const std::vector<std::string> configs =
      lab::SplitFields(Arg(argc, argv, "--configs", "relu:100"), ',');
  const std::string init_name = Arg(argc, argv, "--init", "sklearn");
  lab::InitFromName(init_name);  // an unknown name fails here, before any training
  std::vector<uint64_t> seeds;
  for (const std::string& s : lab::SplitFields(Arg(argc, argv, "--seeds", "0,1,2,3,4"), ',')) {
    seeds.push_back(std::stoull(s));
  }
  for (const std::string& config : configs) {
    const std::vector<std::string> parts = lab::SplitFields(config, ':');
    if (parts.size() != 2) {
      std::fprintf(stderr, "reproduce: a configuration is activation:sizes, e.g. relu:100-10\n");
      return 2;
    }
    lab::ExperimentConfig c;
    c.data.source = "fashion-mnist";
    c.data.val_fraction = 0;
    c.data.scaling = lab::Scaling::kStandardize;
    c.activations = {parts[0]};
    c.hidden.clear();
    for (const std::string& h : lab::SplitFields(parts[1], '-')) c.hidden.push_back(std::stoul(h));
    c.seeds = seeds;
    c.optimizer.kind = lab::OptimizerKind::kAdam;
    c.optimizer.lr = 1e-3;
    c.batch = 200;
    c.l2 = 1e-4;
    c.init = lab::InitFromName(init_name);
    c.sklearn_stop = true;
    c.tol = 1e-4;
    c.n_iter_no_change = 10;
    c.epochs = 200;
    c.diagnostics = false;
    c.checkpoints = false;
    c.threads = std::stoul(Arg(argc, argv, "--threads", "0"));
    const lab::ExperimentResult r = lab::RunExperiment(c);
    nlohmann::json runs = nlohmann::json::array();
    double mean = 0;
    for (const lab::RunResult& run : r.runs) {
      runs.push_back({{"seed", run.seed},
                      {"test_accuracy", run.test_accuracy},
                      {"epochs", run.epochs},
                      {"stop_reason", run.stop_reason},
                      {"train_loss", run.train_loss},
                      {"seconds", run.seconds}});
      mean += run.test_accuracy / static_cast<double>(r.runs.size());
    }
    const nlohmann::json line = {{"init", init_name},  {"activation", parts[0]},
                                 {"hidden", parts[1]}, {"mean_test_accuracy", mean},
                                 {"runs", runs},       {"seconds", r.seconds}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }
  return 0;
}

int Default(int argc, char** argv) {
  lab::ExperimentConfig c = lab::DefaultExperiment();
  c.out_dir = Arg(argc, argv, "--out", "build/lab-default");
  const lab::ExperimentResult r = lab::RunExperiment(c);
  std::printf("%s", lab::FormatSummary(r).c_str());
  std::printf("%s: %zu runs, %.1f s wall, written to %s\n", c.data.source.c_str(), r.runs.size(),
              r.seconds, c.out_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  try {
    if (what == "speed") return Speed(argc, argv);
    if (what == "reproduce") return Reproduce(argc, argv);
    if (what == "default") return Default(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "activ-lab-bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: activ-lab-bench speed --threads N [--epochs E]\n"
               "       activ-lab-bench reproduce --configs relu:100,tanh:10-10 "
               "--seeds 0,1,2,3,4 [--threads N] [--init NAME]\n");
  return 2;
}
