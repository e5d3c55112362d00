// Experiments: the training loop, early stopping, the diagnostics schedule, the logs and the
// summaries, checkpoints and resuming, and the runs spread over the cores.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

#include <nlohmann/json.hpp>

#include "lab/checkpoint.h"
#include "lab/diagnostics.h"
#include "lab/io.h"
#include "lab/lab.h"

namespace lab {

using activ::Error;
// Insertion-ordered, so that records keep the documented field order.
using json = nlohmann::ordered_json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// NaN (not applicable, or not measured) is written as null.
json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string JoinSizes(const std::vector<size_t>& v, const char* sep) {
  std::string s;
  for (size_t x : v) s += (s.empty() ? "" : sep) + std::to_string(x);
  return s;
}

json ConfigToJson(const ExperimentConfig& c) {
  const DataConfig& d = c.data;
  return {
      {"data",
       {{"source", d.source},
        {"test_source", d.test_source},
        {"label_column", d.csv.label_column},
        {"train_limit", d.train_limit},
        {"test_limit", d.test_limit},
        {"val_fraction", d.val_fraction},
        {"test_fraction", d.test_fraction},
        {"scaling", std::string(ScalingName(d.scaling))},
        {"synthetic_rows", d.synthetic_rows},
        {"synthetic_noise", d.synthetic_noise},
        {"drop_bad_rows", d.csv.drop_bad_rows},
        {"seed", d.seed}}},
      {"activations", c.activations},
      {"hidden", c.hidden},
      {"seeds", c.seeds},
      {"epochs", c.epochs},
      {"batch", c.batch},
      {"optimizer", std::string(OptimizerName(c.optimizer.kind))},
      {"lr", c.optimizer.lr},
      {"momentum", c.optimizer.momentum},
      {"nesterov", c.optimizer.nesterov},
      {"beta1", c.optimizer.beta1},
      {"beta2", c.optimizer.beta2},
      {"eps", c.optimizer.eps},
      {"weight_decay", c.optimizer.weight_decay},
      {"init", std::string(InitName(c.init))},
      {"init_scale", c.init_scale},
      {"l2", c.l2},
      {"clip", c.clip},
      {"batchnorm", c.batchnorm},
      {"dropout", c.dropout},
      {"head", std::string(HeadName(c.head))},
      {"patience", c.patience},
      {"sklearn_stop", c.sklearn_stop},
      {"tol", c.tol},
      {"n_iter_no_change", c.n_iter_no_change},
      {"diagnostics", c.diagnostics},
      {"probe_rows", c.probe_rows},
      {"histogram_bins", c.histogram_bins},
      {"threads", c.threads},
      {"parallel_runs", c.parallel_runs},
  };
}

json ResultToJson(const RunResult& r) {
  return {{"run", r.run},
          {"activation", r.activation},
          {"seed", r.seed},
          {"hidden", r.hidden},
          {"parameters", r.parameters},
          {"epochs", r.epochs},
          {"best_epoch", r.best_epoch},
          {"stop_reason", r.stop_reason},
          {"train_loss", Num(r.train_loss)},
          {"val_loss", Num(r.val_loss)},
          {"val_accuracy", Num(r.val_accuracy)},
          {"test_loss", Num(r.test_loss)},
          {"test_accuracy", Num(r.test_accuracy)},
          {"seconds_per_epoch", Num(r.seconds_per_epoch)},
          {"seconds", Num(r.seconds)},
          {"dead_fraction", Num(r.dead_fraction)},
          {"off_fraction", Num(r.off_fraction)},
          {"saturated_fraction", Num(r.saturated_fraction)},
          {"grad_norm_max", Num(r.grad_norm_max)},
          {"blas_threads", r.blas_threads},
          {"checkpoint", r.checkpoint},
          {"message", r.message}};
}

std::string CsvField(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  }
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string SummaryCsv(const std::vector<RunResult>& runs) {
  std::string out;
  const json first = ResultToJson(RunResult{});
  for (auto it = first.begin(); it != first.end(); ++it) {
    out += it == first.begin() ? "" : ",";
    out += it.key();
  }
  out += "\n";
  for (const RunResult& r : runs) {
    const json j = ResultToJson(r);
    for (auto it = j.begin(); it != j.end(); ++it) {
      out += it == j.begin() ? "" : ",";
      out += CsvField(it.value());
    }
    out += "\n";
  }
  return out;
}

// What every run of an experiment shares.
struct Context {
  const ExperimentConfig* config;
  const Data* data;
  Dataset probe;
  size_t runs = 0;
  size_t blas_threads = 1;
  std::mutex progress_mutex;
  std::string checkpoint_override;  // Train(): the one run's checkpoint path
};

struct RunOutput {
  RunResult result;
  std::string lines;  // the run's log.jsonl lines
};

NetworkSpec SpecFor(const ExperimentConfig& c, const Data& data, const std::string& activation) {
  std::vector<Activation> acts;
  size_t start = 0;
  for (;;) {
    const size_t slash = activation.find('/', start);
    acts.push_back(ParseActivation(activation.substr(start, slash - start)));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (acts.size() != 1 && acts.size() != c.hidden.size()) {
    throw Error("activation '" + activation + "' names " + std::to_string(acts.size()) +
                " layers, the network has " + std::to_string(c.hidden.size()) + " hidden layers");
  }
  NetworkSpec s;
  s.inputs = data.train.features;
  for (size_t i = 0; i < c.hidden.size(); ++i) {
    LayerSpec l;
    l.units = c.hidden[i];
    l.act = acts[acts.size() == 1 ? 0 : i];
    l.batchnorm = c.batchnorm;
    l.dropout = c.dropout;
    s.hidden.push_back(l);
  }
  const Dataset& t = data.train;
  Head head = c.head;
  if (head == Head::kAuto) {
    head = !t.classification() ? Head::kSquaredError
           : t.classes == 2    ? Head::kSigmoidBinaryCrossEntropy
                               : Head::kSoftmaxCrossEntropy;
  }
  if (t.classification() && head == Head::kSquaredError) {
    throw Error("the squared-error head is for regression; this data set has classes");
  }
  if (!t.classification() && head != Head::kSquaredError) {
    throw Error("the " + std::string(HeadName(head)) +
                " head needs class labels; this data set is regression");
  }
  if (head == Head::kSigmoidBinaryCrossEntropy && t.classes != 2) {
    throw Error("the sigmoid head is for two classes; this data set has " +
                std::to_string(t.classes));
  }
  s.head = head;
  s.outputs = head == Head::kSoftmaxCrossEntropy ? t.classes
              : head == Head::kSquaredError      ? t.outputs
                                                 : 1;
  return s;
}

struct Eval {
  double loss = kNaN, accuracy = kNaN;
};

Eval Evaluate(Network& net, const Dataset& d) {
  Eval e;
  if (d.rows == 0) return e;
  constexpr size_t kChunk = 2048;
  double loss = 0;
  size_t correct = 0;
  for (size_t r0 = 0; r0 < d.rows; r0 += kChunk) {
    const size_t n = std::min(kChunk, d.rows - r0);
    net.Forward(&d.x[r0 * d.features], n, Mode::kEval);
    const LossSums s =
        net.Loss(d.classification() ? &d.labels[r0] : nullptr,
                 d.classification() ? nullptr : &d.targets[r0 * d.outputs], n, false, n);
    loss += s.loss;
    correct += s.correct;
  }
  e.loss = loss / static_cast<double>(d.rows);
  if (d.classification()) e.accuracy = static_cast<double>(correct) / static_cast<double>(d.rows);
  return e;
}

std::vector<std::vector<float>> Snapshot(Network& net) {
  std::vector<std::vector<float>> s;
  for (const auto* a : net.State()) s.push_back(*a);
  return s;
}

void Restore(Network& net, const std::vector<std::vector<float>>& s) {
  const auto state = net.State();
  for (size_t i = 0; i < state.size(); ++i) *state[i] = s[i];
}

// Each layer's scheme and gain, "kaiming_normal gain 1.414", as the run record logs them.
json InitPerLayer(Init init, const NetworkSpec& spec) {
  json out = json::array();
  char buf[64];
  for (size_t i = 0; i <= spec.hidden.size(); ++i) {
    const bool output = i == spec.hidden.size();
    const LayerInit li = ResolveInit(init, output ? Activation{} : spec.hidden[i].act, output);
    std::snprintf(buf, sizeof buf, "%s gain %.4g", std::string(InitName(li.scheme)).c_str(),
                  li.gain);
    out.push_back(buf);
  }
  return out;
}

json HistogramJson(const Histogram& h) {
  return {{"lo", h.lo}, {"hi", h.hi}, {"counts", h.counts}, {"below", h.below}, {"above", h.above}};
}

RunOutput TrainRun(Context& ctx, size_t index) {
  const ExperimentConfig& c = *ctx.config;
  const Data& data = *ctx.data;
  const double t_start = Now();
  const std::string& activation = c.activations[index / c.seeds.size()];
  const uint64_t seed = c.seeds[index % c.seeds.size()];
  const NetworkSpec spec = SpecFor(c, data, activation);
  Network net(spec);
  net.Initialize(c.init, seed, c.init_scale);
  Optimizer opt(c.optimizer, net);
  const size_t hidden = net.hidden_layers();
  std::vector<DerivativeProfile> profiles;
  json max_deriv = json::array(), sat_below = json::array(), sat_above = json::array(),
       hinge = json::array();
  for (size_t i = 0; i < hidden; ++i) {
    profiles.push_back(ProfileOf(spec.hidden[i].act));
    max_deriv.push_back(profiles.back().max_abs);
    sat_below.push_back(Num(profiles.back().saturated_below));
    sat_above.push_back(Num(profiles.back().saturated_above));
    hinge.push_back(profiles.back().hinge);
  }

  RunOutput out;
  RunResult& res = out.result;
  res.run = index;
  res.activation = activation;
  res.seed = seed;
  res.hidden = JoinSizes(c.hidden, "-");
  res.parameters = net.parameter_count();
  res.blas_threads = ctx.blas_threads;
  if (!c.out_dir.empty() && c.checkpoints) {
    char name[32];
    std::snprintf(name, sizeof name, "run-%03zu.ckpt", index);
    res.checkpoint = (std::filesystem::path(c.out_dir) / name).string();
  }
  if (!ctx.checkpoint_override.empty()) res.checkpoint = ctx.checkpoint_override;

  const bool have_val = data.val.rows > 0;
  std::vector<std::vector<float>> best;  // empty: the current network is the best
  TrainState st;
  st.optimizer = std::string(OptimizerName(c.optimizer.kind));
  st.best_metric = -std::numeric_limits<double>::infinity();
  st.best_train_loss = std::numeric_limits<double>::infinity();
  size_t resumed_from = 0;
  if (!c.resume.empty()) {
    const Checkpoint ck = LoadCheckpoint(c.resume);
    if (!ck.state) throw Error(c.resume + ": holds no training state to resume from");
    LoadState(net, ck.network, ck.spec, c.resume);
    if (ck.state->optimizer != st.optimizer) {
      throw Error(c.resume + ": was trained with " + ck.state->optimizer + ", the run asks for " +
                  st.optimizer);
    }
    const auto buffers = opt.State();
    if (buffers.size() != ck.state->optimizer_buffers.size()) {
      throw Error(c.resume + ": the optimizer state does not fit this network");
    }
    for (size_t i = 0; i < buffers.size(); ++i) {
      if (buffers[i]->size() != ck.state->optimizer_buffers[i].size()) {
        throw Error(c.resume + ": the optimizer state does not fit this network");
      }
      *buffers[i] = ck.state->optimizer_buffers[i];
    }
    st = *ck.state;
    best = st.best;
    opt.set_steps(st.optimizer_steps);
    resumed_from = st.epoch;
  }

  const json ids = {{"run", index}, {"activation", activation}, {"seed", seed}};
  auto line = [&](json j) {
    json rec = {{"type", j["type"]}};
    rec.update(ids);
    j.erase("type");
    rec.update(j);
    out.lines += rec.dump() + "\n";
  };
  {
    json acts = json::array(), gated = json::array();
    for (const LayerSpec& l : spec.hidden) {
      acts.push_back(l.act.label);
      gated.push_back(l.act.gated);
    }
    line({{"type", "run"},
          {"network", spec.Describe()},
          {"hidden", c.hidden},
          {"activations", acts},
          {"gated", gated},
          {"parameters", res.parameters},
          {"head", std::string(HeadName(spec.head))},
          {"classes", data.train.classes},
          {"dataset", data.name},
          {"train_rows", data.train.rows},
          {"val_rows", data.val.rows},
          {"test_rows", data.test.rows},
          {"probe_rows", ctx.probe.rows},
          {"blas_threads", ctx.blas_threads},
          {"max_abs_derivative", max_deriv},
          {"saturated_below", sat_below},
          {"saturated_above", sat_above},
          {"hinge", hinge},
          {"init_per_layer", InitPerLayer(c.init, spec)},
          {"resumed_from_epoch", resumed_from},
          {"config", ConfigToJson(c)}});
  }

  std::vector<double> update_ratio(hidden + 1, kNaN);
  double epoch_gnorm_mean = kNaN, epoch_gnorm_max = kNaN;  // over the epoch's steps
  ProbeResult last_probe;
  auto report = [&](size_t epoch, double train_loss, double train_acc, const Eval& val,
                    double train_seconds, double epoch_start) {
    if (c.diagnostics) last_probe = Diagnose(net, ctx.probe, profiles, c.histogram_bins);
    line({{"type", "epoch"},
          {"epoch", epoch},
          {"train_loss", Num(train_loss)},
          {"train_accuracy", Num(train_acc)},
          {"val_loss", Num(val.loss)},
          {"val_accuracy", Num(val.accuracy)},
          {"probe_loss", c.diagnostics ? Num(last_probe.loss) : json(nullptr)},
          {"probe_accuracy",
           c.diagnostics && data.train.classification() ? Num(last_probe.accuracy) : json(nullptr)},
          {"lr", c.optimizer.lr},
          {"grad_global_norm_mean", Num(epoch_gnorm_mean)},
          {"grad_global_norm_max", Num(epoch_gnorm_max)},
          {"train_seconds", train_seconds},
          {"seconds", Now() - epoch_start},
          {"elapsed", Now() - t_start}});
    if (!c.diagnostics) return;
    for (const LayerDiagnostics& d : last_probe.layers) {
      const bool out_layer = d.output;
      line({{"type", "layer"},
            {"epoch", epoch},
            {"layer", d.layer},
            {"output", out_layer},
            {"units", d.units},
            {"activation_of_layer", out_layer ? "identity" : spec.hidden[d.layer - 1].act.label},
            {"dead_fraction", out_layer ? json(nullptr) : json(d.dead_fraction)},
            {"off_fraction", out_layer ? json(nullptr) : json(d.off_fraction)},
            {"saturated_fraction", out_layer ? json(nullptr) : json(d.saturated_fraction)},
            {"mean", Num(d.mean)},
            {"std", Num(d.std)},
            {"pre_mean", Num(d.pre_mean)},
            {"pre_std", Num(d.pre_std)},
            {"grad_norm", Num(d.grad_norm)},
            {"grad_rms", Num(d.grad_rms)},
            {"grad_to_weight", Num(d.grad_to_weight)},
            {"weight_norm", Num(d.weight_norm)},
            {"update_ratio", Num(update_ratio[d.layer - 1])},
            {"hist", out_layer ? json(nullptr) : HistogramJson(d.hist)}});
    }
  };
  auto progress = [&](size_t epoch, double train_loss, const Eval& val, double train_seconds,
                      bool done) {
    if (!c.progress) return;
    Progress p;
    p.run = index;
    p.runs = ctx.runs;
    p.activation = activation;
    p.seed = seed;
    p.epoch = epoch;
    p.epochs = c.epochs;
    p.train_loss = train_loss;
    p.val_loss = val.loss;
    p.val_accuracy = val.accuracy;
    p.train_seconds = train_seconds;
    p.done = done;
    p.test_accuracy = res.test_accuracy;
    p.message = res.message;
    std::lock_guard<std::mutex> lock(ctx.progress_mutex);
    c.progress(p);
  };
  auto save = [&] {
    if (res.checkpoint.empty()) return;
    st.optimizer_steps = opt.steps();
    st.elapsed_seconds = Now() - t_start;
    st.best = best;
    st.optimizer_buffers.clear();
    for (const auto* b : opt.State()) st.optimizer_buffers.push_back(*b);
    const nlohmann::json meta = {{"activation", activation},
                                 {"seed", seed},
                                 {"run", index},
                                 {"dataset", data.name},
                                 {"classes", data.train.classes},
                                 {"epoch", st.epoch},
                                 {"init", std::string(InitName(c.init))}};
    SaveCheckpoint(res.checkpoint, net, data.scaler, meta, &st);
  };

  if (resumed_from == 0) {
    const double t0 = Now();
    report(0, kNaN, kNaN, Evaluate(net, data.val), 0.0, t0);
    save();  // so that a run that diverges in its first epoch still leaves a good checkpoint
  }

  const Dataset& train = data.train;
  const size_t d = train.features, batch = std::min(c.batch, train.rows);
  const size_t batches = (train.rows + batch - 1) / batch;
  const size_t sample_every = std::max<size_t>(1, batches / 8);
  std::vector<float> xb(batch * d), tb(batch * train.outputs);
  std::vector<int32_t> yb(batch);
  std::vector<size_t> order(train.rows);
  double train_seconds_total = 0, train_loss = kNaN;
  size_t epochs_trained = 0;
  res.stop_reason = "max_epochs";
  Eval val;
  for (size_t epoch = resumed_from + 1; epoch <= c.epochs; ++epoch) {
    const double epoch_start = Now();
    const std::vector<std::vector<float>> epoch_start_state = Snapshot(net);
    std::iota(order.begin(), order.end(), size_t{0});
    Rng shuffle(seed, Stream::kShuffle, epoch);
    shuffle.Shuffle(order);
    Rng dropout(seed, Stream::kDropout, epoch);
    std::vector<double> ratio_sum(hidden + 1, 0.0);
    size_t ratio_count = 0;
    double loss_sum = 0, gnorm_sum = 0, gnorm_max = 0;
    size_t correct = 0;
    bool failed = false;
    for (size_t k = 0; k < batches; ++k) {
      const size_t r0 = k * batch, n = std::min(batch, train.rows - r0);
      for (size_t i = 0; i < n; ++i) {
        const size_t row = order[r0 + i];
        std::copy_n(&train.x[row * d], d, &xb[i * d]);
        if (train.classification()) {
          yb[i] = train.labels[row];
        } else {
          std::copy_n(&train.targets[row * train.outputs], train.outputs, &tb[i * train.outputs]);
        }
      }
      net.Forward(xb.data(), n, Mode::kTrain, &dropout);
      const LossSums s = net.Loss(yb.data(), tb.data(), n, true, n);
      double batch_loss = s.loss / static_cast<double>(n);
      if (c.l2 > 0) batch_loss += c.l2 / (2.0 * static_cast<double>(n)) * WeightSquares(net);
      if (!std::isfinite(batch_loss)) {
        const size_t layer = net.FirstNonFiniteLayer(n);
        std::string where;
        if (layer > 0 && layer <= hidden)
          where = "; the first non-finite values are in hidden layer " + std::to_string(layer);
        if (layer == hidden + 1) where = "; the first non-finite values are in the output layer";
        if (layer == 0) where = "; every layer's outputs are finite: the loss itself overflowed";
        res.stop_reason = "nan";
        res.message =
            "the training loss became " + std::string(std::isnan(batch_loss) ? "NaN" : "infinite") +
            " at epoch " + std::to_string(epoch) + " (batch " + std::to_string(k + 1) + " of " +
            std::to_string(batches) + ")" + where + "; the network of epoch " +
            std::to_string(epoch - 1) + " is kept" +
            (k > 0 ? "; the largest gradient norm before it was " + FormatNumber(gnorm_max)
                   : std::string()) +
            (res.checkpoint.empty() ? "" : " in " + res.checkpoint);
        failed = true;
        break;
      }
      net.Backward(xb.data(), n);
      if (c.l2 > 0) {
        const float f = static_cast<float>(c.l2 / static_cast<double>(n));
        for (const auto& t : net.Parameters()) {
          if (!t.is_weight) continue;
          float* g = t.grad->data();
          const float* w = t.value->data();
          for (size_t i = 0; i < t.value->size(); ++i) g[i] += f * w[i];
        }
      }
      // The global gradient norm before clipping: exploding gradients show here first.
      const double gnorm = ClipGradients(net, c.clip);  // clip 0: only measures
      gnorm_sum += gnorm;
      gnorm_max = std::max(gnorm_max, gnorm);
      if (std::isfinite(gnorm)) res.grad_norm_max = std::max(res.grad_norm_max, gnorm);
      const bool measure = c.diagnostics && (k % sample_every == 0);
      UpdateNorms norms;
      opt.Step(measure ? &norms : nullptr);
      if (measure) {
        for (size_t l = 0; l <= hidden; ++l) {
          ratio_sum[l] +=
              norms.weight_sq[l] > 0 ? std::sqrt(norms.update_sq[l] / norms.weight_sq[l]) : 0;
        }
        ++ratio_count;
      }
      loss_sum += batch_loss * static_cast<double>(n);
      correct += s.correct;
    }
    if (failed) {
      Restore(net, epoch_start_state);
      break;
    }
    const double train_seconds = Now() - epoch_start;
    train_seconds_total += train_seconds;
    ++epochs_trained;
    train_loss = loss_sum / static_cast<double>(train.rows);
    const double train_acc = train.classification()
                                 ? static_cast<double>(correct) / static_cast<double>(train.rows)
                                 : kNaN;
    for (size_t l = 0; l <= hidden; ++l) {
      update_ratio[l] = ratio_count ? ratio_sum[l] / static_cast<double>(ratio_count) : kNaN;
    }
    epoch_gnorm_mean = gnorm_sum / static_cast<double>(batches);
    epoch_gnorm_max = gnorm_max;
    val = Evaluate(net, data.val);
    report(epoch, train_loss, train_acc, val, train_seconds, epoch_start);
    st.epoch = epoch;

    bool stop = false;
    if (have_val) {
      const double metric = train.classification() ? val.accuracy : -val.loss;
      if (metric > st.best_metric) {
        st.best_metric = metric;
        st.best_epoch = epoch;
        st.since_best = 0;
        best.clear();
      } else {
        ++st.since_best;
        // Empty means the network that started this epoch was the best so far.
        if (best.empty()) best = epoch_start_state;
      }
      if (c.patience > 0 && st.since_best >= c.patience) {
        res.stop_reason = "patience";
        res.message = "validation " + std::string(train.classification() ? "accuracy" : "loss") +
                      " did not improve for " + std::to_string(c.patience) +
                      " epochs (best at epoch " + std::to_string(st.best_epoch) + ")";
        stop = true;
      }
    } else if (train_loss < st.best_train_loss) {
      st.best_epoch = epoch;
    }
    if (c.sklearn_stop) {
      // scikit-learn's _update_no_improvement_count, without a validation set.
      if (train_loss > st.best_train_loss - c.tol) {
        ++st.no_improvement;
      } else {
        st.no_improvement = 0;
      }
      if (st.no_improvement > c.n_iter_no_change) {
        res.stop_reason = "tol";
        res.message =
            "the training loss did not improve by more than tol=" + std::to_string(c.tol) +
            " for " + std::to_string(c.n_iter_no_change) + " consecutive epochs";
        stop = true;
      }
    }
    st.best_train_loss = std::min(st.best_train_loss, train_loss);
    save();
    progress(epoch, train_loss, val, train_seconds, false);
    if (stop) break;
  }
  if (res.message.empty())
    res.message = "trained for the " + std::to_string(c.epochs) + " epochs asked";

  // The network tested: the best on validation when there is a validation set.
  if (have_val && !best.empty()) Restore(net, best);
  const Eval test = Evaluate(net, data.test);
  if (have_val) val = Evaluate(net, data.val);
  res.epochs = st.epoch;
  res.best_epoch = st.best_epoch;
  res.train_loss = train_loss;
  res.val_loss = val.loss;
  res.val_accuracy = val.accuracy;
  res.test_loss = test.loss;
  res.test_accuracy = test.accuracy;
  res.seconds_per_epoch =
      epochs_trained ? train_seconds_total / static_cast<double>(epochs_trained) : kNaN;
  res.seconds = Now() - t_start + (resumed_from ? st.elapsed_seconds : 0);
  res.dead_fraction = res.off_fraction = res.saturated_fraction = kNaN;
  if (c.diagnostics && hidden > 0) {
    double dead = 0, off = 0, sat = 0;
    for (size_t l = 0; l < hidden; ++l) {
      dead += last_probe.layers.at(l).dead_fraction;
      off += last_probe.layers.at(l).off_fraction;
      sat += last_probe.layers.at(l).saturated_fraction;
    }
    res.dead_fraction = dead / static_cast<double>(hidden);
    res.off_fraction = off / static_cast<double>(hidden);
    res.saturated_fraction = sat / static_cast<double>(hidden);
  }
  json end = ResultToJson(res);
  end["type"] = "end";
  line(end);
  progress(st.epoch, train_loss, val, 0.0, true);
  return out;
}

void Validate(const ExperimentConfig& c) {
  if (c.activations.empty()) throw Error("no activation to train");
  if (c.seeds.empty()) throw Error("no seed to train with");
  if (c.batch == 0) throw Error("the batch size must be at least 1");
  if (!c.resume.empty() && c.activations.size() * c.seeds.size() != 1) {
    throw Error("resuming continues one run: give one activation and one seed");
  }
  if (!(c.l2 >= 0) || !(c.clip >= 0)) throw Error("l2 and clip must be >= 0");
  if (!(c.init_scale > 0) || !std::isfinite(c.init_scale)) {
    throw Error("the initialisation scale must be a positive number");
  }
  if (c.histogram_bins == 0) throw Error("the histogram needs at least one bin");
}

ExperimentResult Run(const ExperimentConfig& config, const std::string& checkpoint_override) {
  const double t0 = Now();
  Validate(config);
  const Data data = LoadData(config.data);
  Context ctx;
  ctx.config = &config;
  ctx.data = &data;
  ctx.probe = data.train.Head(std::min(config.probe_rows, data.train.rows));
  ctx.runs = config.activations.size() * config.seeds.size();
  ctx.checkpoint_override = checkpoint_override;
  if (config.patience > 0 && data.val.rows == 0) {
    throw Error("early stopping with patience needs a validation set (val_fraction > 0)");
  }
  // Every spec is built before any run starts, so a bad activation fails at once.
  for (const std::string& a : config.activations) SpecFor(config, data, a);

  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = config.threads ? config.threads : cores;
  const size_t workers = config.parallel_runs ? std::min(threads, ctx.runs) : 1;
  ctx.blas_threads = workers > 1 ? 1 : threads;
  const int saved_threads = openblas_get_num_threads();
  openblas_set_num_threads(static_cast<int>(ctx.blas_threads));

  ExperimentResult result;
  std::ofstream log;
  if (!config.out_dir.empty()) {
    MakeDirectories(config.out_dir);
    const std::filesystem::path dir(config.out_dir);
    result.log_path = (dir / "log.jsonl").string();
    result.summary_csv = (dir / "summary.csv").string();
    result.summary_json = (dir / "summary.json").string();
    log.open(result.log_path, std::ios::trunc);
    if (!log) throw Error(result.log_path + ": cannot write");
  }

  // Workers take runs in order; the log receives each run's lines in run order.
  std::vector<std::promise<RunOutput>> promises(ctx.runs);
  std::vector<std::future<RunOutput>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  std::atomic<size_t> next{0};
  std::atomic<bool> cancelled{false};
  auto work = [&] {
    for (size_t i; (i = next++) < ctx.runs;) {
      try {
        if (cancelled) throw Error("cancelled after an earlier run failed");
        promises[i].set_value(TrainRun(ctx, i));
      } catch (...) {
        cancelled = true;  // the runs not started yet end at once; the first error is reported
        promises[i].set_exception(std::current_exception());
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  std::exception_ptr failure;
  std::thread main_worker(work);
  for (size_t i = 0; i < ctx.runs; ++i) {
    try {
      RunOutput o = futures[i].get();
      if (log.is_open()) {
        log << o.lines;
        log.flush();
        if (!log) throw Error(result.log_path + ": write failed (is the disk full?)");
      }
      result.runs.push_back(std::move(o.result));
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  main_worker.join();
  for (auto& t : pool) t.join();
  openblas_set_num_threads(saved_threads);
  if (failure) std::rethrow_exception(failure);

  result.seconds = Now() - t0;
  if (!config.out_dir.empty()) {
    json runs = json::array();
    for (const RunResult& r : result.runs) runs.push_back(ResultToJson(r));
    const json summary = {{"config", ConfigToJson(config)},
                          {"data",
                           {{"name", data.name},
                            {"train_rows", data.train.rows},
                            {"val_rows", data.val.rows},
                            {"test_rows", data.test.rows},
                            {"features", data.train.features},
                            {"classes", data.train.classes},
                            {"dropped_rows", data.dropped_rows}}},
                          {"seconds", result.seconds},
                          {"runs", runs}};
    WriteFileAtomically(result.summary_json, summary.dump(2) + "\n");
    WriteFileAtomically(result.summary_csv, SummaryCsv(result.runs));
  }
  return result;
}

}  // namespace

ExperimentResult RunExperiment(const ExperimentConfig& config) { return Run(config, ""); }

RunResult Train(const ExperimentConfig& config, const std::string& checkpoint) {
  if (config.activations.size() != 1 || config.seeds.size() != 1) {
    throw Error("Train takes one activation and one seed; RunExperiment compares several");
  }
  if (checkpoint.empty()) throw Error("Train needs a checkpoint path to save the network to");
  return Run(config, checkpoint).runs.at(0);
}

ExperimentConfig DefaultExperimentFor(const std::string& source) {
  ExperimentConfig c;
  c.activations = {"relu", "tanh", "sigmoid", "gelu", "silu", "elu"};
  c.seeds = {1};
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 0.05;
  c.optimizer.momentum = 0.9;
  c.patience = 0;
  c.data.source = source;
  const std::filesystem::path path(source);
  const bool images = source == "fashion-mnist" || source == "mnist" ||
                      source.find("-idx") != std::string::npos ||
                      (!IsSynthetic(source) && std::filesystem::is_directory(path));
  if (images) {
    c.data.val_fraction = 0.1;
    c.hidden = {256, 128, 64};
    c.batch = 128;
    c.epochs = 10;
  } else {
    c.data.synthetic_rows = 3000;
    c.hidden = {64, 64, 64};
    c.batch = 32;
    c.epochs = 60;
  }
  return c;
}

ExperimentConfig DefaultExperiment() {
  const bool installed = std::filesystem::exists(std::filesystem::path(kFashionMnistDir) /
                                                 "train-images-idx3-ubyte.gz");
  return DefaultExperimentFor(installed ? "fashion-mnist" : "spirals");
}

std::string FormatSummary(const ExperimentResult& result) {
  bool seeds = false, regression = false;
  for (const RunResult& r : result.runs) {
    seeds |= r.seed != result.runs.front().seed;
    regression |= std::isnan(r.test_accuracy) && !std::isnan(r.test_loss);
  }
  std::vector<std::string> names;
  size_t width = 8;
  for (const RunResult& r : result.runs) {
    names.push_back(r.activation + (seeds ? " seed " + std::to_string(r.seed) : ""));
    width = std::max(width, names.back().size());
  }
  std::string out;
  char buf[512];
  for (size_t i = 0; i < result.runs.size(); ++i) {
    const RunResult& r = result.runs[i];
    std::snprintf(buf, sizeof buf,
                  "%-*s  %s %.4f  best_epoch %2zu  dead %.3f  inactive %.3f  saturated %.3f  "
                  "%.2f s/epoch\n",
                  static_cast<int>(width), names[i].c_str(),
                  regression ? "test_loss" : "test_accuracy",
                  regression ? r.test_loss : r.test_accuracy, r.best_epoch, r.dead_fraction,
                  r.off_fraction, r.saturated_fraction, r.seconds_per_epoch);
    out += buf;
  }
  return out;
}

Prediction Predict(const std::string& checkpoint, const std::string& data_path,
                   const CsvOptions& csv_options) {
  const Checkpoint ck = LoadCheckpoint(checkpoint);
  Network net = NetworkFrom(ck, checkpoint);
  const size_t inputs = ck.spec.inputs;
  const size_t classes = ck.meta.value("classes", size_t{0});
  Dataset d;
  if (data_path == "fashion-mnist" || data_path == "mnist" ||
      std::filesystem::is_directory(data_path)) {
    DataConfig dc;
    dc.source = data_path;
    dc.val_fraction = 0;
    dc.scaling = Scaling::kNone;
    d = LoadData(dc).test;
  } else if (data_path.find("-idx") != std::string::npos) {
    DataConfig dc;
    dc.source = data_path;
    dc.val_fraction = 0;
    dc.test_fraction = 0;
    dc.scaling = Scaling::kNone;
    d = LoadData(dc).train;
  } else {
    CsvOptions o = csv_options;
    o.min_classes = classes;
    o.task = classes ? Task::kClassification : Task::kRegression;
    // A file with as many columns as the network has inputs has no label column; reading its
    // last column as labels may fail first (a feature is no class number), so that is tried
    // before the error is reported.
    try {
      d = LoadCsv(data_path, o);
    } catch (const Error&) {
      if (o.no_label) throw;
      CsvOptions features_only = o;
      features_only.no_label = true;
      Dataset all = LoadCsv(data_path, features_only);
      if (all.features != inputs) throw;
      d = std::move(all);
      o.no_label = true;
    }
    if (d.features + 1 == inputs && !o.no_label) {
      o.no_label = true;
      d = LoadCsv(data_path, o);
    }
  }
  if (d.features != inputs) {
    throw Error(data_path + ": " + std::to_string(d.features) +
                " features per row, the network in " + checkpoint + " takes " +
                std::to_string(inputs));
  }
  if (!d.targets.empty() && d.outputs != ck.spec.outputs) {
    throw Error(data_path + ": " + std::to_string(d.outputs) + " targets per row, the network in " +
                checkpoint + " predicts " + std::to_string(ck.spec.outputs));
  }
  ck.scaler.Apply(d);
  Prediction p;
  p.rows = d.rows;
  p.outputs = ck.spec.outputs;
  p.classes = classes;
  p.has_truth = d.classification() || !d.targets.empty();
  if (classes && d.classification()) {
    for (size_t r = 0; r < d.rows; ++r) {
      if (static_cast<size_t>(d.labels[r]) >= classes) {
        throw Error(data_path + ": row " + std::to_string(r + 1) + " has label " +
                    std::to_string(d.labels[r]) + ", out of range: the network knows " +
                    std::to_string(classes) + " classes");
      }
    }
  }
  const size_t width = ck.spec.head == Head::kSigmoidBinaryCrossEntropy ? 2 : p.outputs;
  p.values.resize(d.rows * width);
  double loss = 0;
  size_t correct = 0;
  constexpr size_t kChunk = 2048;
  for (size_t r0 = 0; r0 < d.rows; r0 += kChunk) {
    const size_t n = std::min(kChunk, d.rows - r0);
    const float* z = net.Forward(&d.x[r0 * inputs], n, Mode::kEval);
    if (p.has_truth) {
      const LossSums s =
          net.Loss(d.classification() ? &d.labels[r0] : nullptr,
                   d.classification() ? nullptr : &d.targets[r0 * p.outputs], n, false, n);
      loss += s.loss;
      correct += s.correct;
    }
    for (size_t r = 0; r < n; ++r) {
      const float* zr = z + r * p.outputs;
      float* out = &p.values[(r0 + r) * width];
      switch (ck.spec.head) {
        case Head::kSoftmaxCrossEntropy: {
          const size_t arg = static_cast<size_t>(std::max_element(zr, zr + p.outputs) - zr);
          double sum = 0;
          for (size_t j = 0; j < p.outputs; ++j)
            sum += std::exp(static_cast<double>(zr[j] - zr[arg]));
          for (size_t j = 0; j < p.outputs; ++j) {
            out[j] = static_cast<float>(std::exp(static_cast<double>(zr[j] - zr[arg])) / sum);
          }
          p.predicted.push_back(static_cast<int32_t>(arg));
          break;
        }
        case Head::kSigmoidBinaryCrossEntropy: {
          const double v = zr[0];
          const double p1 = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
          out[0] = static_cast<float>(1 - p1);
          out[1] = static_cast<float>(p1);
          p.predicted.push_back(v > 0 ? 1 : 0);
          break;
        }
        default:
          std::copy_n(zr, p.outputs, out);
      }
    }
  }
  if (ck.spec.head == Head::kSigmoidBinaryCrossEntropy) p.outputs = 2;
  if (p.has_truth && d.rows) {
    p.loss = loss / static_cast<double>(d.rows);
    p.accuracy = static_cast<double>(correct) / static_cast<double>(d.rows);
  }
  p.truth = d.labels;
  p.targets = d.targets;
  return p;
}

void WritePredictions(const Prediction& p, const std::string& path) {
  std::string out = "row";
  const bool classes = p.classes > 0;
  out += classes ? ",predicted" : "";
  if (p.has_truth) out += classes ? ",label" : "";
  for (size_t j = 0; j < p.outputs; ++j) {
    out += (classes ? ",p" : ",output") + std::to_string(j);
  }
  if (p.has_truth && !classes) {
    for (size_t j = 0; j < p.outputs; ++j) out += ",target" + std::to_string(j);
  }
  out += "\n";
  char buf[32];
  for (size_t r = 0; r < p.rows; ++r) {
    out += std::to_string(r);
    if (classes) out += "," + std::to_string(p.predicted[r]);
    if (p.has_truth && classes) out += "," + std::to_string(p.truth[r]);
    for (size_t j = 0; j < p.outputs; ++j) {
      std::snprintf(buf, sizeof buf, ",%.6g", static_cast<double>(p.values[r * p.outputs + j]));
      out += buf;
    }
    if (p.has_truth && !classes) {
      for (size_t j = 0; j < p.outputs; ++j) {
        std::snprintf(buf, sizeof buf, ",%.6g", static_cast<double>(p.targets[r * p.outputs + j]));
        out += buf;
      }
    }
    out += "\n";
  }
  WriteFileAtomically(path, out);
}

}  // namespace lab
