// `activ lab`, `activ train` and `activ predict`: the lab (lab/lab.h) from the command line.
// The settings map one to one onto lab::ExperimentConfig; what is not given keeps the value
// of the lab's default experiment for the data set, so `activ lab` with no flags is exactly
// lab::DefaultExperiment().
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "activ/activ.h"
#include "commands.h"
#include "io/files.h"
#include "lab/lab.h"
#include "lab/report/report.h"
#include "lab/sweep.h"

namespace activ::cli {

bool TrainingArgs::Given(const char* flag) const {
  return std::find(given.begin(), given.end(), flag) != given.end();
}

namespace {

namespace fs = std::filesystem;

// "relu,elu:alpha=0.5,threshold:threshold=0.1,value=0" -> relu, elu:alpha=0.5,
// threshold:threshold=0.1,value=0, by the library's rule for lists of activations.
std::vector<std::string> SplitActivations(const std::string& list) {
  try {
    const std::vector<std::string_view> entries = activ::split_activation_list(list);
    return std::vector<std::string>(entries.begin(), entries.end());
  } catch (const activ::Error&) {
    throw Error("--activations takes NAME[,NAME...], got '" + list + "'");
  }
}

// Every layer's activation is parsed before any data is read, so a typo fails at once.
void CheckActivation(const std::string& spec) {
  for (const std::string& layer : lab::SplitFields(spec, '/')) lab::ParseActivation(layer);
}

std::vector<size_t> ParseSizes(const std::string& text) {
  std::vector<size_t> sizes;
  for (const std::string& s : lab::SplitFields(text, ',')) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || s[0] == '-' || v == 0 || errno == ERANGE || v > 1000000) {
      throw Error("--hidden takes layer sizes from 1 to 1000000 like 512,256, got '" + text + "'");
    }
    sizes.push_back(static_cast<size_t>(v));
  }
  return sizes;
}

// The flags given override the config (the defaults' or an experiment point's).
void Override(const TrainingArgs& t, lab::ExperimentConfig& c) {
  if (t.Given("--hidden")) c.hidden = ParseSizes(t.hidden);
  if (t.Given("--epochs")) c.epochs = t.epochs;
  if (t.Given("--batch")) c.batch = t.batch;
  if (t.Given("--optimizer")) {
    c.optimizer.kind = lab::OptimizerFromName(t.optimizer);
    // The default experiment's lr 0.05 suits SGD; Adam's own default suits Adam.
    if (c.optimizer.kind != lab::OptimizerKind::kSgd) c.optimizer.lr = lab::OptimizerConfig{}.lr;
  }
  if (t.Given("--lr")) c.optimizer.lr = t.lr;
  if (t.Given("--momentum")) c.optimizer.momentum = t.momentum;
  if (t.Given("--weight-decay")) c.optimizer.weight_decay = t.weight_decay;
  if (t.Given("--init")) c.init = lab::InitFromName(t.init);
  if (t.Given("--l2")) c.l2 = t.l2;
  if (t.Given("--clip")) c.clip = t.clip;
  if (t.Given("--batchnorm")) c.batchnorm = t.batchnorm;
  if (t.Given("--dropout")) c.dropout = t.dropout;
  if (t.Given("--head")) c.head = lab::HeadFromName(t.head);
  if (t.Given("--patience")) c.patience = t.patience;
  if (t.Given("--threads")) c.threads = t.threads;
  if (t.Given("--test-data")) c.data.test_source = t.test_data;
  if (t.Given("--label-column")) c.data.csv.label_column = t.label_column;
  if (t.Given("--scaling")) c.data.scaling = lab::ScalingFromName(t.scaling);
  if (t.Given("--val-fraction")) c.data.val_fraction = t.val_fraction;
  if (t.Given("--train-limit")) c.data.train_limit = t.train_limit;
  if (t.Given("--rows")) c.data.synthetic_rows = t.rows;
  if (t.Given("--data-seed")) c.data.seed = t.data_seed;
  if (t.Given("--init-scale")) c.init_scale = t.init_scale;
}

lab::ExperimentConfig ConfigFrom(const TrainingArgs& t) {
  lab::ExperimentConfig c =
      t.Given("--dataset") ? lab::DefaultExperimentFor(t.dataset) : lab::DefaultExperiment();
  Override(t, c);
  return c;
}

std::string Percent(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "-"; }

// Progress on stderr: a bar over all the epochs of all the runs on a terminal, one line per
// epoch otherwise (logs, CI). Runs train side by side, so the bar counts epochs, not runs.
class LabProgress {
 public:
  // The heading is shown with the first epoch, so that an error found before any training
  // (bad data, an activation that does not fit the network) stays a one-line message.
  LabProgress(size_t runs, size_t epochs, bool quiet, std::string heading = "")
      : quiet_(quiet),
        tty_(isatty(2) != 0),
        total_(runs * epochs),
        start_(Now()),
        heading_(std::move(heading)) {}

  void operator()(const lab::Progress& p) {
    if (quiet_) return;
    if (!heading_.empty()) {
      fmt::print(stderr, "{}\n", heading_);
      heading_.clear();
    }
    const std::string name =
        fmt::format("run {}/{} {} seed {}", p.run + 1, p.runs, p.activation, p.seed);
    if (p.done) {
      done_ += p.epochs > p.epoch ? p.epochs - p.epoch : 0;  // a run that stopped early
      if (!tty_) {
        fmt::print(stderr, "lab: {} done: test accuracy {}; {}\n", name, Percent(p.test_accuracy),
                   p.message);
      }
    } else {
      ++done_;
      if (!tty_) {
        const std::string val =
            std::isfinite(p.val_accuracy) ? "validation accuracy " + Percent(p.val_accuracy)
            : std::isfinite(p.val_loss)   ? fmt::format("validation loss {:.4g}", p.val_loss)
                                          : "no validation set";
        fmt::print(stderr, "lab: {}, epoch {}/{}: train loss {:.4g}, {} ({:.1f} s)\n", name,
                   p.epoch, p.epochs, p.train_loss, val, p.train_seconds);
      }
    }
    if (tty_ && total_ > 0) {
      const size_t done = std::min(done_, total_);
      const int width = 30, fill = static_cast<int>(width * done / total_);
      const double elapsed = Now() - start_;
      const double left =
          done ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0;
      // \033[K clears what a longer line before left behind.
      fmt::print(stderr, "\r[{}{}] {:3d}%  {:.0f}s elapsed, {:.0f}s left  {} epoch {}/{}\033[K",
                 std::string(static_cast<size_t>(fill), '#'),
                 std::string(static_cast<size_t>(width - fill), ' '),
                 static_cast<int>(100 * done / total_), elapsed, left, p.activation, p.epoch,
                 p.epochs);
      drawn_ = true;
    }
    std::fflush(stderr);
  }

  void Finish() {
    if (drawn_) fmt::print(stderr, "\n");
    drawn_ = false;
  }

 private:
  static double Now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  bool quiet_, tty_, drawn_ = false;
  size_t total_, done_ = 0;
  double start_;
  std::string heading_;
};

// The lab writes into a fresh directory beside OUT, published as OUT with one rename once every
// file in it is complete (io::StagedDirectory): a failed or interrupted run leaves OUT as it was,
// or absent if it was.
// What an interrupted `activ lab` (Ctrl-C, kill) removes before it dies: only unlink and rmdir,
// which a signal handler may call, on paths prepared beforehand. The lab's log is the one file
// that exists while it trains; the others appear in the last second.
char g_interrupt_log[4096], g_interrupt_dir[4096];

void RemoveStagingAndDie(int sig) {
  ::unlink(g_interrupt_log);
  ::rmdir(g_interrupt_dir);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class Staging {
 public:
  explicit Staging(const std::string& out)
      : dir_(out, {"log.jsonl", "summary.csv", "summary.json", "report.html", "experiment-*.svg"}) {
    const std::string log = In("log.jsonl");
    if (log.size() < sizeof g_interrupt_log) {
      std::snprintf(g_interrupt_log, sizeof g_interrupt_log, "%s", log.c_str());
      std::snprintf(g_interrupt_dir, sizeof g_interrupt_dir, "%s", path().c_str());
      for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, RemoveStagingAndDie);
    }
  }
  ~Staging() {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  const std::string& path() const { return dir_.path(); }
  std::string In(const std::string& name) const { return (fs::path(path()) / name).string(); }
  std::string Out(const std::string& name) const { return (fs::path(dir_.out()) / name).string(); }
  void Publish() { dir_.Publish(); }
  // An error that names a file in the staging directory names it where it was to be published
  // ("cannot write OUT/log.jsonl"): the staging directory is gone by the time it is read.
  [[noreturn]] void Rethrow(const Error& e) const {
    std::string message = e.what();
    for (size_t at; (at = message.find(path())) != std::string::npos;) {
      message.replace(at, path().size(), dir_.out());
    }
    throw Error(message);
  }

 private:
  io::StagedDirectory dir_;
};

}  // namespace

// `activ lab --experiment NAME`: a sweep (lab/sweep.h), merged into OUT like one lab run, with
// the experiment's plots beside the report.
int LabExperiment(const LabArgs& args) {
  if (args.experiment == "list") {
    fmt::print("{}", lab::DescribeSweeps());
    return 0;
  }
  lab::Sweep sweep = lab::MakeSweep(args.experiment, args.full);
  size_t runs = 0, epochs = 0;
  for (lab::SweepPoint& p : sweep.points) {
    Override(args.training, p.config);
    if (args.training.Given("--dataset")) p.config.data.source = args.training.dataset;
    if (!args.activations.empty()) p.config.activations = SplitActivations(args.activations);
    for (const std::string& a : p.config.activations) CheckActivation(a);
    if (args.seeds > 0) {
      p.config.seeds.clear();
      for (uint64_t s = 1; s <= args.seeds; ++s) p.config.seeds.push_back(s);
    }
    p.config.checkpoints = false;
    p.config.accuracy = accuracy_from_name(args.accuracy);
    runs += p.config.activations.size() * p.config.seeds.size();
    epochs = std::max(epochs, p.config.epochs);
  }
  Staging staging(args.out);
  LabProgress progress(runs, epochs, args.training.quiet);
  for (lab::SweepPoint& p : sweep.points) p.config.progress = std::ref(progress);
  lab::SweepResult result;
  report::LabResults lab;
  try {
    result = lab::RunSweep(sweep, staging.path(), [&](size_t k) {
      if (args.training.quiet) return;
      progress.Finish();
      const lab::SweepPoint& p = sweep.points[k];
      fmt::print(stderr, "lab: experiment {}, point {}/{}: {} ({} on {}, {} epochs)\n", sweep.name,
                 k + 1, sweep.points.size(), p.tag, fmt::join(p.config.activations, ", "),
                 p.config.data.source, p.config.epochs);
    });
    progress.Finish();

    lab = report::ReadLab(staging.path());
    lab.dir = args.out;
    for (const auto& [name, svg] : report::ExperimentPlots(lab)) {
      io::WriteFileAtomically(staging.In(name), svg);
    }
    io::WriteFileAtomically(staging.In("report.html"), report::RenderHtml(lab));
    staging.Publish();
  } catch (const Error& e) {
    staging.Rethrow(e);
  }

  fmt::print("experiment {}: {}\n\n{}\n", sweep.name, sweep.title, report::ExperimentTable(lab));
  for (const std::string& line : report::ExperimentReading(lab)) fmt::print("- {}\n", line);
  fmt::print("\n{} points, {} runs in {:.1f} s\nreport: {}\nplots: {}\n", sweep.points.size(),
             lab.runs.size(), result.seconds, staging.Out("report.html"),
             staging.Out("experiment-" + sweep.name + "-*.svg"));
  return 0;
}

int Lab(const LabArgs& args) {
  if (!args.experiment.empty() && args.experiment != "list" && args.out.empty()) {
    throw Error("activ lab --experiment " + args.experiment + " needs --out DIR");
  }
  if (!args.experiment.empty()) return LabExperiment(args);
  if (args.out.empty()) throw Error("activ lab needs --out DIR");
  lab::ExperimentConfig c = ConfigFrom(args.training);
  if (!args.activations.empty()) c.activations = SplitActivations(args.activations);
  for (const std::string& a : c.activations) CheckActivation(a);
  if (args.seeds > 0) {
    c.seeds.clear();
    for (uint64_t s = 1; s <= args.seeds; ++s) c.seeds.push_back(s);
  }
  // Checkpoints are `activ train`'s: the lab's would name the staging directory.
  c.checkpoints = false;
  c.accuracy = accuracy_from_name(args.accuracy);
  Staging staging(args.out);
  c.out_dir = staging.path();
  const size_t runs = c.activations.size() * c.seeds.size();
  LabProgress progress(
      runs, c.epochs, args.training.quiet,
      fmt::format("lab: {} on {}, {} run{} of up to {} epochs{}", fmt::join(c.activations, ", "),
                  c.data.source, runs, runs == 1 ? "" : "s", c.epochs,
                  c.accuracy == Accuracy::fast ? ", fast accuracy mode" : ""));
  c.progress = std::ref(progress);
  lab::ExperimentResult result;
  report::LabResults lab;
  try {
    result = lab::RunExperiment(c);
    progress.Finish();
    lab = report::ReadLab(staging.path());
    lab.dir = args.out;  // the page names where its files will be, not the staging directory
    io::WriteFileAtomically(staging.In("report.html"), report::RenderHtml(lab));
    staging.Publish();
  } catch (const Error& e) {
    staging.Rethrow(e);
  }

  fmt::print("{}\n", lab::FormatSummary(result));
  for (const std::string& line : report::Reading(lab)) fmt::print("- {}\n", line);
  fmt::print(
      "\n{}: {} runs in {:.1f} s, {} accuracy mode\nreport: {}\nlog and summaries: {}, {}, {}\n",
      lab.dataset, result.runs.size(), result.seconds, name(c.accuracy), staging.Out("report.html"),
      staging.Out("log.jsonl"), staging.Out("summary.csv"), staging.Out("summary.json"));
  return 0;
}

int Train(const TrainArgs& args) {
  lab::ExperimentConfig c = ConfigFrom(args.training);
  CheckActivation(args.activation);
  c.activations = {args.activation};
  c.seeds = {args.seed};
  c.resume = args.resume;
  LabProgress progress(1, c.epochs, args.training.quiet);
  c.progress = std::ref(progress);
  const lab::RunResult r = lab::Train(c, args.out);
  progress.Finish();
  const bool regression = std::isnan(r.test_accuracy);
  fmt::print("{} seed {} ({} hidden, {} parameters): {} after {} epochs (best epoch {})\n{}\n",
             r.activation, r.seed, r.hidden, r.parameters,
             regression ? fmt::format("test loss {:.4g}", r.test_loss)
                        : "test accuracy " + Percent(r.test_accuracy),
             r.epochs, r.best_epoch, r.message);
  fmt::print("checkpoint: {}\n", args.out);
  return 0;
}

int Predict(const PredictArgs& args) {
  lab::CsvOptions csv;
  csv.label_column = args.label_column;
  csv.no_label = args.no_label;
  const lab::Prediction p = lab::Predict(args.checkpoint, args.data, csv);
  lab::WritePredictions(p, args.out);
  std::string scored;
  if (p.has_truth && p.classes > 0) {
    scored = fmt::format(": accuracy {}, loss {:.4g}", Percent(p.accuracy), p.loss);
  } else if (p.has_truth) {
    scored = fmt::format(": mean squared error {:.4g}", p.loss);
  }
  fmt::print("{} rows{}\npredictions: {}\n", p.rows, scored, args.out);
  return 0;
}

}  // namespace activ::cli
