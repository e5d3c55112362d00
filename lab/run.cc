// One run of an experiment: the training loop, its diagnostics schedule, early stopping and the
// checkpoints (lab/run.h).
#include "lab/run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numeric>

#include "lab/checkpoint.h"
#include "lab/diagnostics.h"
#include "lab/log_schema.h"

namespace lab {

using activ::Error;

NetworkSpec SpecFor(const ExperimentConfig& c, const Data& data, const std::string& activation) {
  std::vector<Activation> acts;
  for (const std::string& layer : SplitFields(activation, '/'))
    acts.push_back(ParseActivation(layer));
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
    l.act.accuracy = c.accuracy;
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

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
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
  return {{schema::kLo, h.lo},
          {schema::kHi, h.hi},
          {schema::kCounts, h.counts},
          {schema::kBelow, h.below},
          {schema::kAbove, h.above}};
}

// One run: the network of one activation and seed, trained epoch by epoch. The steps of a run
// are its methods: the epoch (TrainEpoch), the diagnostics and their records (LogEpoch), early
// stopping (UpdateBest), the checkpoint (WriteCheckpoint) and the end (Finish).
class RunTrainer {
 public:
  RunTrainer(Context& ctx, size_t index)
      : ctx_(ctx),
        c_(*ctx.config),
        data_(*ctx.data),
        index_(index),
        t_start_(Now()),
        activation_(c_.activations[index / c_.seeds.size()]),
        seed_(c_.seeds[index % c_.seeds.size()]),
        spec_(SpecFor(c_, data_, activation_)),
        net_(InitializedNetwork(spec_, c_, seed_)),
        opt_(c_.optimizer, net_),
        hidden_(net_.hidden_layers()),
        update_ratio_(hidden_ + 1, kNaN) {
    for (size_t i = 0; i < hidden_; ++i) profiles_.push_back(ProfileOf(spec_.hidden[i].act));
    res_.run = index;
    res_.activation = activation_;
    res_.seed = seed_;
    res_.hidden = JoinSizes(c_.hidden, "-");
    res_.parameters = net_.parameter_count();
    res_.blas_threads = ctx.blas_threads;
    if (!c_.out_dir.empty() && c_.checkpoints) {
      char name[32];
      std::snprintf(name, sizeof name, "run-%03zu.ckpt", index);
      res_.checkpoint = (std::filesystem::path(c_.out_dir) / name).string();
    }
    if (!ctx.checkpoint_override.empty()) res_.checkpoint = ctx.checkpoint_override;
    st_.optimizer = std::string(OptimizerName(c_.optimizer.kind));
    st_.best_metric = -std::numeric_limits<double>::infinity();
    st_.best_train_loss = std::numeric_limits<double>::infinity();
    ids_ = {{schema::kRun, index}, {schema::kActivation, activation_}, {schema::kSeed, seed_}};
  }

  RunOutput Run() {
    if (!c_.resume.empty()) Resume();
    LogRunRecord();
    if (resumed_from_ == 0) {
      const double t0 = Now();
      LogEpoch(0, kNaN, kNaN, Evaluate(net_, data_.val), 0.0, t0);
      WriteCheckpoint();  // so that a run that diverges in its first epoch still leaves a good one
    }
    double train_seconds_total = 0, train_loss = kNaN;
    size_t epochs_trained = 0;
    res_.stop_reason = schema::kStopMaxEpochs;
    Eval val;
    for (size_t epoch = resumed_from_ + 1; epoch <= c_.epochs; ++epoch) {
      const double epoch_start = Now();
      const std::vector<std::vector<float>> epoch_start_state = Snapshot(net_);
      double train_acc = kNaN;
      if (!TrainEpoch(epoch, train_loss, train_acc)) {
        Restore(net_, epoch_start_state);
        break;
      }
      const double train_seconds = Now() - epoch_start;
      train_seconds_total += train_seconds;
      ++epochs_trained;
      val = Evaluate(net_, data_.val);
      LogEpoch(epoch, train_loss, train_acc, val, train_seconds, epoch_start);
      st_.epoch = epoch;
      const bool stop = UpdateBest(epoch, train_loss, val, epoch_start_state);
      st_.best_train_loss = std::min(st_.best_train_loss, train_loss);
      WriteCheckpoint();
      ReportProgress(epoch, train_loss, val, train_seconds, false);
      if (stop) break;
    }
    Finish(train_seconds_total, epochs_trained, train_loss, val);
    return std::move(out_);
  }

 private:
  static Network InitializedNetwork(const NetworkSpec& spec, const ExperimentConfig& c,
                                    uint64_t seed) {
    Network net(spec);
    net.Initialize(c.init, seed, c.init_scale);
    return net;
  }

  // The training state of c.resume: the network, the optimiser's buffers, the best network and
  // the early-stopping counters.
  void Resume() {
    const Checkpoint ck = LoadCheckpoint(c_.resume);
    if (!ck.state) throw Error(c_.resume + ": holds no training state to resume from");
    LoadState(net_, ck.network, ck.spec, c_.resume);
    if (ck.state->optimizer != st_.optimizer) {
      throw Error(c_.resume + ": was trained with " + ck.state->optimizer + ", the run asks for " +
                  st_.optimizer);
    }
    const auto buffers = opt_.State();
    if (buffers.size() != ck.state->optimizer_buffers.size()) {
      throw Error(c_.resume + ": the optimizer state does not fit this network");
    }
    for (size_t i = 0; i < buffers.size(); ++i) {
      if (buffers[i]->size() != ck.state->optimizer_buffers[i].size()) {
        throw Error(c_.resume + ": the optimizer state does not fit this network");
      }
      *buffers[i] = ck.state->optimizer_buffers[i];
    }
    st_ = *ck.state;
    best_ = st_.best;
    opt_.set_steps(st_.optimizer_steps);
    resumed_from_ = st_.epoch;
  }

  // Appends a log record: its type, the run's ids, then its own fields.
  void Line(json j) {
    json rec = {{schema::kType, j[schema::kType]}};
    rec.update(ids_);
    j.erase(schema::kType);
    rec.update(j);
    out_.lines += rec.dump() + "\n";
  }

  void LogRunRecord() {
    json acts = json::array(), gated = json::array();
    for (const LayerSpec& l : spec_.hidden) {
      acts.push_back(l.act.label);
      gated.push_back(l.act.gated);
    }
    json max_deriv = json::array(), sat_below = json::array(), sat_above = json::array(),
         hinge = json::array();
    for (const DerivativeProfile& p : profiles_) {
      max_deriv.push_back(p.max_abs);
      sat_below.push_back(Num(p.saturated_below));
      sat_above.push_back(Num(p.saturated_above));
      hinge.push_back(p.hinge);
    }
    Line({{schema::kType, schema::kRunRecord},
          {schema::kNetwork, spec_.Describe()},
          {schema::kHidden, c_.hidden},
          {schema::kActivations, acts},
          {schema::kGated, gated},
          {schema::kParameters, res_.parameters},
          {schema::kHead, std::string(HeadName(spec_.head))},
          {schema::kClasses, data_.train.classes},
          {schema::kDataset, data_.name},
          {schema::kTrainRows, data_.train.rows},
          {schema::kValRows, data_.val.rows},
          {schema::kTestRows, data_.test.rows},
          {schema::kProbeRows, ctx_.probe.rows},
          {schema::kBlasThreads, ctx_.blas_threads},
          {schema::kMaxAbsDerivative, max_deriv},
          {schema::kSaturatedBelow, sat_below},
          {schema::kSaturatedAbove, sat_above},
          {schema::kHinge, hinge},
          {schema::kInitPerLayer, InitPerLayer(c_.init, spec_)},
          {schema::kResumedFromEpoch, resumed_from_},
          {schema::kConfig, ConfigToJson(c_)}});
  }

  // The epoch step: one pass over the training set in shuffled mini-batches. Sets the epoch's
  // training loss and accuracy (running means), its update ratios and gradient norms. Returns
  // false when the loss became NaN or infinite; res_ then says where, and the caller restores
  // the network that started the epoch.
  bool TrainEpoch(size_t epoch, double& train_loss, double& train_acc) {
    const Dataset& train = data_.train;
    const size_t d = train.features, batch = std::min(c_.batch, train.rows);
    const size_t batches = (train.rows + batch - 1) / batch;
    const size_t sample_every = std::max<size_t>(1, batches / 8);
    xb_.resize(batch * d);
    tb_.resize(batch * train.outputs);
    yb_.resize(batch);
    order_.resize(train.rows);
    std::iota(order_.begin(), order_.end(), size_t{0});
    Rng shuffle(seed_, Stream::kShuffle, epoch);
    shuffle.Shuffle(order_);
    Rng dropout(seed_, Stream::kDropout, epoch);
    std::vector<double> ratio_sum(hidden_ + 1, 0.0);
    size_t ratio_count = 0;
    double loss_sum = 0, gnorm_sum = 0, gnorm_max = 0;
    size_t correct = 0;
    for (size_t k = 0; k < batches; ++k) {
      const size_t r0 = k * batch, n = std::min(batch, train.rows - r0);
      for (size_t i = 0; i < n; ++i) {
        const size_t row = order_[r0 + i];
        std::copy_n(&train.x[row * d], d, &xb_[i * d]);
        if (train.classification()) {
          yb_[i] = train.labels[row];
        } else {
          std::copy_n(&train.targets[row * train.outputs], train.outputs, &tb_[i * train.outputs]);
        }
      }
      net_.Forward(xb_.data(), n, Mode::kTrain, &dropout);
      const LossSums s = net_.Loss(yb_.data(), tb_.data(), n, true, n);
      double batch_loss = s.loss / static_cast<double>(n);
      if (c_.l2 > 0) batch_loss += c_.l2 / (2.0 * static_cast<double>(n)) * WeightSquares(net_);
      if (!std::isfinite(batch_loss)) {
        Diverged(epoch, k, batches, batch_loss, gnorm_max, n);
        return false;
      }
      net_.Backward(xb_.data(), n);
      if (c_.l2 > 0) {
        const float f = static_cast<float>(c_.l2 / static_cast<double>(n));
        for (const auto& t : net_.Parameters()) {
          if (!t.is_weight) continue;
          float* g = t.grad->data();
          const float* w = t.value->data();
          for (size_t i = 0; i < t.value->size(); ++i) g[i] += f * w[i];
        }
      }
      // The global gradient norm before clipping: exploding gradients show here first.
      const double gnorm = ClipGradients(net_, c_.clip);  // clip 0: only measures
      gnorm_sum += gnorm;
      gnorm_max = std::max(gnorm_max, gnorm);
      if (std::isfinite(gnorm)) res_.grad_norm_max = std::max(res_.grad_norm_max, gnorm);
      const bool measure = c_.diagnostics && (k % sample_every == 0);
      UpdateNorms norms;
      opt_.Step(measure ? &norms : nullptr);
      if (measure) {
        for (size_t l = 0; l <= hidden_; ++l) {
          ratio_sum[l] +=
              norms.weight_sq[l] > 0 ? std::sqrt(norms.update_sq[l] / norms.weight_sq[l]) : 0;
        }
        ++ratio_count;
      }
      loss_sum += batch_loss * static_cast<double>(n);
      correct += s.correct;
    }
    train_loss = loss_sum / static_cast<double>(train.rows);
    train_acc = train.classification()
                    ? static_cast<double>(correct) / static_cast<double>(train.rows)
                    : kNaN;
    for (size_t l = 0; l <= hidden_; ++l) {
      update_ratio_[l] = ratio_count ? ratio_sum[l] / static_cast<double>(ratio_count) : kNaN;
    }
    epoch_gnorm_mean_ = gnorm_sum / static_cast<double>(batches);
    epoch_gnorm_max_ = gnorm_max;
    return true;
  }

  // Why the run stops at batch k of `epoch`: the loss, where the first non-finite values are.
  void Diverged(size_t epoch, size_t k, size_t batches, double batch_loss, double gnorm_max,
                size_t n) {
    const size_t layer = net_.FirstNonFiniteLayer(n);
    std::string where;
    if (layer > 0 && layer <= hidden_)
      where = "; the first non-finite values are in hidden layer " + std::to_string(layer);
    if (layer == hidden_ + 1) where = "; the first non-finite values are in the output layer";
    if (layer == 0) where = "; every layer's outputs are finite: the loss itself overflowed";
    res_.stop_reason = schema::kStopNan;
    res_.message = "the training loss became " +
                   std::string(std::isnan(batch_loss) ? "NaN" : "infinite") + " at epoch " +
                   std::to_string(epoch) + " (batch " + std::to_string(k + 1) + " of " +
                   std::to_string(batches) + ")" + where + "; the network of epoch " +
                   std::to_string(epoch - 1) + " is kept" +
                   (k > 0 ? "; the largest gradient norm before it was " + FormatNumber(gnorm_max)
                          : std::string()) +
                   (res_.checkpoint.empty() ? "" : " in " + res_.checkpoint);
  }

  // The diagnostics step: the probe set through the network, then the epoch record and a
  // layer record per layer.
  void LogEpoch(size_t epoch, double train_loss, double train_acc, const Eval& val,
                double train_seconds, double epoch_start) {
    if (c_.diagnostics) last_probe_ = Diagnose(net_, ctx_.probe, profiles_, c_.histogram_bins);
    Line({{schema::kType, schema::kEpochRecord},
          {schema::kEpoch, epoch},
          {schema::kTrainLoss, Num(train_loss)},
          {schema::kTrainAccuracy, Num(train_acc)},
          {schema::kValLoss, Num(val.loss)},
          {schema::kValAccuracy, Num(val.accuracy)},
          {schema::kProbeLoss, c_.diagnostics ? Num(last_probe_.loss) : json(nullptr)},
          {schema::kProbeAccuracy, c_.diagnostics && data_.train.classification()
                                       ? Num(last_probe_.accuracy)
                                       : json(nullptr)},
          {schema::kLr, c_.optimizer.lr},
          {schema::kGradGlobalNormMean, Num(epoch_gnorm_mean_)},
          {schema::kGradGlobalNormMax, Num(epoch_gnorm_max_)},
          {schema::kTrainSeconds, train_seconds},
          {schema::kSeconds, Now() - epoch_start},
          {schema::kElapsed, Now() - t_start_}});
    if (!c_.diagnostics) return;
    for (const LayerDiagnostics& d : last_probe_.layers) {
      const bool out_layer = d.output;
      Line({{schema::kType, schema::kLayerRecord},
            {schema::kEpoch, epoch},
            {schema::kLayer, d.layer},
            {schema::kOutput, out_layer},
            {schema::kUnits, d.units},
            {schema::kActivationOfLayer,
             out_layer ? "identity" : spec_.hidden[d.layer - 1].act.label},
            {schema::kDeadFraction, out_layer ? json(nullptr) : json(d.dead_fraction)},
            {schema::kOffFraction, out_layer ? json(nullptr) : json(d.off_fraction)},
            {schema::kSaturatedFraction, out_layer ? json(nullptr) : json(d.saturated_fraction)},
            {schema::kMean, Num(d.mean)},
            {schema::kStd, Num(d.std)},
            {schema::kPreMean, Num(d.pre_mean)},
            {schema::kPreStd, Num(d.pre_std)},
            {schema::kGradNorm, Num(d.grad_norm)},
            {schema::kGradRms, Num(d.grad_rms)},
            {schema::kGradToWeight, Num(d.grad_to_weight)},
            {schema::kWeightNorm, Num(d.weight_norm)},
            {schema::kUpdateRatio, Num(update_ratio_[d.layer - 1])},
            {schema::kHist, out_layer ? json(nullptr) : HistogramJson(d.hist)}});
    }
  }

  // Early stopping after `epoch`: the best network so far (kept as the snapshot of the epoch
  // that made it, when a later one is worse), patience, and scikit-learn's tol rule. Returns
  // whether to stop; res_ then says why.
  bool UpdateBest(size_t epoch, double train_loss, const Eval& val,
                  const std::vector<std::vector<float>>& epoch_start_state) {
    const Dataset& train = data_.train;
    bool stop = false;
    if (data_.val.rows > 0) {
      const double metric = train.classification() ? val.accuracy : -val.loss;
      if (metric > st_.best_metric) {
        st_.best_metric = metric;
        st_.best_epoch = epoch;
        st_.since_best = 0;
        best_.clear();
      } else {
        ++st_.since_best;
        // Empty means the network that started this epoch was the best so far.
        if (best_.empty()) best_ = epoch_start_state;
      }
      if (c_.patience > 0 && st_.since_best >= c_.patience) {
        res_.stop_reason = schema::kStopPatience;
        res_.message = "validation " + std::string(train.classification() ? "accuracy" : "loss") +
                       " did not improve for " + std::to_string(c_.patience) +
                       " epochs (best at epoch " + std::to_string(st_.best_epoch) + ")";
        stop = true;
      }
    } else if (train_loss < st_.best_train_loss) {
      st_.best_epoch = epoch;
    }
    if (c_.sklearn_stop) {
      // scikit-learn's _update_no_improvement_count, without a validation set.
      if (train_loss > st_.best_train_loss - c_.tol) {
        ++st_.no_improvement;
      } else {
        st_.no_improvement = 0;
      }
      if (st_.no_improvement > c_.n_iter_no_change) {
        res_.stop_reason = schema::kStopTol;
        res_.message =
            "the training loss did not improve by more than tol=" + std::to_string(c_.tol) +
            " for " + std::to_string(c_.n_iter_no_change) + " consecutive epochs";
        stop = true;
      }
    }
    return stop;
  }

  // The checkpoint step: the network with its training state, so that resuming continues it.
  void WriteCheckpoint() {
    if (res_.checkpoint.empty()) return;
    st_.optimizer_steps = opt_.steps();
    st_.elapsed_seconds = Now() - t_start_;
    st_.best = best_;
    st_.optimizer_buffers.clear();
    for (const auto* b : opt_.State()) st_.optimizer_buffers.push_back(*b);
    const nlohmann::json meta = {{"activation", activation_},
                                 {"seed", seed_},
                                 {"run", index_},
                                 {"dataset", data_.name},
                                 {"classes", data_.train.classes},
                                 {"epoch", st_.epoch},
                                 {"init", std::string(InitName(c_.init))}};
    SaveCheckpoint(res_.checkpoint, net_, data_.scaler, meta, &st_);
  }

  void ReportProgress(size_t epoch, double train_loss, const Eval& val, double train_seconds,
                      bool done) {
    if (!c_.progress) return;
    Progress p;
    p.run = index_;
    p.runs = ctx_.runs;
    p.activation = activation_;
    p.seed = seed_;
    p.epoch = epoch;
    p.epochs = c_.epochs;
    p.train_loss = train_loss;
    p.val_loss = val.loss;
    p.val_accuracy = val.accuracy;
    p.train_seconds = train_seconds;
    p.done = done;
    p.test_accuracy = res_.test_accuracy;
    p.message = res_.message;
    std::lock_guard<std::mutex> lock(ctx_.progress_mutex);
    c_.progress(p);
  }

  // The end: the best network on the test set, the run's summary and its end record.
  void Finish(double train_seconds_total, size_t epochs_trained, double train_loss, Eval val) {
    if (res_.message.empty())
      res_.message = "trained for the " + std::to_string(c_.epochs) + " epochs asked";
    const bool have_val = data_.val.rows > 0;
    // The network tested: the best on validation when there is a validation set.
    if (have_val && !best_.empty()) Restore(net_, best_);
    const Eval test = Evaluate(net_, data_.test);
    if (have_val) val = Evaluate(net_, data_.val);
    res_.epochs = st_.epoch;
    res_.best_epoch = st_.best_epoch;
    res_.train_loss = train_loss;
    res_.val_loss = val.loss;
    res_.val_accuracy = val.accuracy;
    res_.test_loss = test.loss;
    res_.test_accuracy = test.accuracy;
    res_.seconds_per_epoch =
        epochs_trained ? train_seconds_total / static_cast<double>(epochs_trained) : kNaN;
    res_.seconds = Now() - t_start_ + (resumed_from_ ? st_.elapsed_seconds : 0);
    res_.dead_fraction = res_.off_fraction = res_.saturated_fraction = kNaN;
    if (c_.diagnostics && hidden_ > 0) {
      double dead = 0, off = 0, sat = 0;
      for (size_t l = 0; l < hidden_; ++l) {
        dead += last_probe_.layers.at(l).dead_fraction;
        off += last_probe_.layers.at(l).off_fraction;
        sat += last_probe_.layers.at(l).saturated_fraction;
      }
      res_.dead_fraction = dead / static_cast<double>(hidden_);
      res_.off_fraction = off / static_cast<double>(hidden_);
      res_.saturated_fraction = sat / static_cast<double>(hidden_);
    }
    json end = ResultToJson(res_);
    end[schema::kType] = schema::kEndRecord;
    Line(end);
    ReportProgress(st_.epoch, train_loss, val, 0.0, true);
  }

  Context& ctx_;
  const ExperimentConfig& c_;
  const Data& data_;
  const size_t index_;
  const double t_start_;
  const std::string activation_;
  const uint64_t seed_;
  const NetworkSpec spec_;
  Network net_;
  Optimizer opt_;
  const size_t hidden_;
  std::vector<DerivativeProfile> profiles_;
  json ids_;  // run, activation and seed: every record starts with them

  RunOutput out_;
  RunResult& res_ = out_.result;
  TrainState st_;
  std::vector<std::vector<float>> best_;  // empty: the current network is the best
  size_t resumed_from_ = 0;

  // The last epoch's measurements, for its records.
  std::vector<double> update_ratio_;
  double epoch_gnorm_mean_ = kNaN, epoch_gnorm_max_ = kNaN;  // over the epoch's steps
  ProbeResult last_probe_;

  // A mini-batch, and the epoch's order of the training rows.
  std::vector<float> xb_, tb_;
  std::vector<int32_t> yb_;
  std::vector<size_t> order_;
};

}  // namespace

RunOutput TrainRun(Context& ctx, size_t index) { return RunTrainer(ctx, index).Run(); }

}  // namespace lab
