#include "lab/network.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>

namespace lab {

using activ::Error;

namespace {

// The activation (and a gated layer's product) runs over blocks of rows that fit in L1, so that
// a gated layer's act(gate) is read back from L1, while calls into activ stay few when layers
// are narrow.
constexpr size_t kBlockElements = 4096;

size_t RowsPerBlock(size_t units) { return std::max<size_t>(1, kBlockElements / units); }

// SELU's negative saturation value, -scale*alpha: alpha-dropout sets dropped units to it.
constexpr double kSeluAlphaPrime = -1.7580993408473766;

void Gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, const float* a, size_t lda,
          const float* b, size_t ldb, float beta, float* c, size_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

}  // namespace

Activation ParseActivation(std::string_view spec) {
  // The library's grammar: a layer keeps the text it was given as its label (the logs' form).
  const activ::Activation p = activ::parse_activation(spec);
  return Activation{std::string(spec), p.op, p.params, p.gated};
}

Head HeadFromName(std::string_view name) {
  if (name == "auto") return Head::kAuto;
  if (name == "softmax" || name == "softmax_cross_entropy") return Head::kSoftmaxCrossEntropy;
  if (name == "sigmoid" || name == "sigmoid_bce") return Head::kSigmoidBinaryCrossEntropy;
  if (name == "mse" || name == "squared_error") return Head::kSquaredError;
  throw Error("unknown output head '" + std::string(name) + "': auto, softmax, sigmoid or mse");
}

std::string_view HeadName(Head head) {
  switch (head) {
    case Head::kAuto:
      return "auto";
    case Head::kSoftmaxCrossEntropy:
      return "softmax_cross_entropy";
    case Head::kSigmoidBinaryCrossEntropy:
      return "sigmoid_bce";
    case Head::kSquaredError:
      return "squared_error";
  }
  return "?";
}

namespace {
constexpr std::pair<std::string_view, Init> kInits[] = {
    {"auto", Init::kAuto},
    {"pytorch", Init::kPytorch},
    {"kaiming_normal", Init::kKaimingNormal},
    {"kaiming_uniform", Init::kKaimingUniform},
    {"xavier_uniform", Init::kXavierUniform},
    {"xavier_normal", Init::kXavierNormal},
    {"lecun_normal", Init::kLecunNormal},
    {"sklearn", Init::kSklearn},
};
}  // namespace

Init InitFromName(std::string_view name) {
  if (name == "he_normal") return Init::kKaimingNormal;
  if (name == "he_uniform") return Init::kKaimingUniform;
  if (name == "glorot_uniform") return Init::kXavierUniform;
  if (name == "glorot_normal") return Init::kXavierNormal;
  std::string all;
  for (const auto& [n, i] : kInits) {
    if (n == name) return i;
    all += all.empty() ? "" : ", ";
    all += std::string(n);
  }
  throw Error("unknown initialisation '" + std::string(name) + "': " + all);
}

std::string_view InitName(Init init) {
  for (const auto& [n, i] : kInits) {
    if (i == init) return n;
  }
  return "?";
}

double ActivationGain(const Activation& act) {
  if (!act.gated) {
    switch (act.op) {
      case activ::Op::relu:
        return std::sqrt(2.0);
      case activ::Op::leaky_relu: {
        const double* given = act.params.find("negative_slope");
        const double slope = given ? *given : 0.01;  // PyTorch's default
        return std::sqrt(2 / (1 + slope * slope));
      }
      case activ::Op::tanh:
        return 5.0 / 3.0;
      case activ::Op::sigmoid:
      case activ::Op::selu:
      case activ::Op::identity:
        return 1;
      default:
        break;
    }
  }
  // E[f(z)^2], z ~ N(0, 1), by the trapezoid rule on [-10, 10] (the rest weighs < 1e-22).
  constexpr size_t kPoints = 4001;
  std::vector<double> z(kPoints), f(kPoints);
  for (size_t i = 0; i < kPoints; ++i) z[i] = -10 + 20.0 * static_cast<double>(i) / (kPoints - 1);
  activ::forward(act.op, std::span<const double>(z), std::span<double>(f), act.params,
                 act.options());
  const double h = 20.0 / (kPoints - 1);
  double m2 = 0;
  for (size_t i = 0; i < kPoints; ++i) {
    const double w = (i == 0 || i + 1 == kPoints ? 0.5 : 1.0) * h * std::exp(-0.5 * z[i] * z[i]) /
                     std::sqrt(2 * std::numbers::pi);
    m2 += w * f[i] * f[i];
  }
  return m2 > 0 && std::isfinite(m2) ? 1 / std::sqrt(m2) : 1;
}

LayerInit ResolveInit(Init init, const Activation& act, bool output_layer) {
  LayerInit r;
  r.scheme = init;
  if (init == Init::kAuto) {
    const bool plain = !act.gated && !output_layer;
    r.scheme = output_layer ? Init::kLecunNormal
               : plain && (act.op == activ::Op::tanh || act.op == activ::Op::sigmoid)
                   ? Init::kXavierUniform
               : plain && act.op == activ::Op::selu ? Init::kLecunNormal
                                                    : Init::kKaimingNormal;
  }
  const bool has_gain = r.scheme == Init::kKaimingNormal || r.scheme == Init::kKaimingUniform ||
                        r.scheme == Init::kXavierUniform || r.scheme == Init::kXavierNormal;
  r.gain = has_gain && !output_layer ? ActivationGain(act) : 1.0;
  return r;
}

std::string NetworkSpec::Describe() const {
  std::string s = std::to_string(inputs);
  for (const LayerSpec& l : hidden) {
    s += '-';
    s += std::to_string(l.units);
  }
  s += '-';
  s += std::to_string(outputs);
  std::vector<std::string> acts;
  for (const LayerSpec& l : hidden) {
    if (std::find(acts.begin(), acts.end(), l.act.label) == acts.end()) acts.push_back(l.act.label);
  }
  for (size_t i = 0; i < acts.size(); ++i) {
    s += i ? '/' : ' ';
    s += acts[i];
  }
  return s;
}

Network::Network(const NetworkSpec& spec) : spec_(spec) {
  if (spec.inputs == 0 || spec.outputs == 0) {
    throw Error("a network needs at least one input and one output");
  }
  size_t in = spec.inputs;
  for (size_t i = 0; i < spec.hidden.size(); ++i) {
    const LayerSpec& ls = spec.hidden[i];
    if (ls.units == 0) throw Error("hidden layer " + std::to_string(i + 1) + " has no units");
    if (!(ls.dropout >= 0 && ls.dropout < 1)) {
      throw Error("dropout must be in [0, 1), got " + std::to_string(ls.dropout));
    }
    Dense l;
    l.in = in;
    l.units = ls.units;
    l.act = ls.act;
    l.parts = ls.act.gated ? 2 : 1;
    l.batchnorm = ls.batchnorm;
    l.dropout = ls.dropout;
    l.alpha_dropout = ls.act.op == activ::Op::selu && !ls.act.gated;
    layers_.push_back(std::move(l));
    in = ls.units;
  }
  Dense out;
  out.in = in;
  out.units = spec.outputs;
  out.output = true;
  out.act.label = "identity";
  out.act.op = activ::Op::identity;
  layers_.push_back(std::move(out));
  for (Dense& l : layers_) {
    l.w.assign(l.proj() * l.in, 0.0f);
    l.dw.assign(l.w.size(), 0.0f);
    if (l.batchnorm) {
      l.gamma.assign(l.proj(), 1.0f);
      l.beta.assign(l.proj(), 0.0f);
      l.running_mean.assign(l.proj(), 0.0f);
      l.running_var.assign(l.proj(), 1.0f);
      l.dgamma.assign(l.proj(), 0.0f);
      l.dbeta.assign(l.proj(), 0.0f);
      l.inv_std.assign(l.proj(), 1.0f);
    } else {
      l.b.assign(l.proj(), 0.0f);
      l.db.assign(l.proj(), 0.0f);
    }
  }
}

void Network::Initialize(Init init, uint64_t seed, double scale) {
  Rng rng(seed, Stream::kInit);
  // scikit-learn picks one factor for the whole network from its hidden activation.
  const bool sklearn_logistic = !spec_.hidden.empty() &&
                                spec_.hidden[0].act.op == activ::Op::sigmoid &&
                                !spec_.hidden[0].act.gated;
  for (Dense& l : layers_) {
    const double fan_in = static_cast<double>(l.in), fan_out = static_cast<double>(l.units);
    const LayerInit li = ResolveInit(init, l.act, l.output);
    const double gain = li.gain;
    double bound = 0, stddev = 0;  // uniform when bound > 0, normal when stddev > 0
    bool bias_too = false;
    switch (li.scheme) {
      case Init::kAuto:  // resolved above
      case Init::kPytorch:
        bound = 1 / std::sqrt(fan_in);
        bias_too = true;
        break;
      case Init::kKaimingNormal:
        stddev = gain / std::sqrt(fan_in);
        break;
      case Init::kKaimingUniform:
        bound = gain * std::sqrt(3 / fan_in);
        break;
      case Init::kXavierUniform:
        bound = gain * std::sqrt(6 / (fan_in + fan_out));
        break;
      case Init::kXavierNormal:
        stddev = gain * std::sqrt(2 / (fan_in + fan_out));
        break;
      case Init::kLecunNormal:
        stddev = std::sqrt(1 / fan_in);
        break;
      case Init::kSklearn:
        bound = std::sqrt((sklearn_logistic ? 2 : 6) / (fan_in + fan_out));
        bias_too = true;
        break;
    }
    auto draw = [&] {
      return static_cast<float>(bound > 0 ? rng.Uniform(-bound, bound) : stddev * rng.Normal());
    };
    for (float& w : l.w) w = draw();
    if (scale != 1 && !l.output) {
      for (float& w : l.w) w = static_cast<float>(w * scale);
    }
    for (float& b : l.b) b = bias_too ? draw() : 0.0f;
    if (l.batchnorm) {
      std::fill(l.gamma.begin(), l.gamma.end(), 1.0f);
      std::fill(l.beta.begin(), l.beta.end(), 0.0f);
      std::fill(l.running_mean.begin(), l.running_mean.end(), 0.0f);
      std::fill(l.running_var.begin(), l.running_var.end(), 1.0f);
    }
  }
}

void Network::ForwardDense(Dense& l, const float* x, size_t n, Mode mode, Rng* rng) {
  const size_t h = l.units, part = n * h;
  l.z.resize(l.parts * part);
  for (size_t p = 0; p < l.parts; ++p) {
    float* z = &l.z[p * part];
    // The bias is written first and the GEMM adds to it (beta = 1): with beta = 0 OpenBLAS
    // zeroes z in a pass of its own, and the bias took another; this is one pass for both.
    float beta = 0.0f;
    if (!l.batchnorm) {
      const float* b = &l.b[p * h];
      for (size_t r = 0; r < n; ++r) std::copy_n(b, h, z + r * h);
      beta = 1.0f;
    }
    Gemm(false, true, n, h, l.in, x, l.in, &l.w[p * h * l.in], l.in, beta, z, h);
  }
  if (l.batchnorm) {
    l.xhat.resize(l.z.size());
    constexpr float kEps = 1e-5f, kMomentum = 0.1f;
    std::vector<float> mean(h), var(h);
    for (size_t p = 0; p < l.parts; ++p) {
      float* z = &l.z[p * part];
      float* xhat = &l.xhat[p * part];
      const size_t c0 = p * h;
      if (mode == Mode::kEval) {
        std::copy_n(&l.running_mean[c0], h, mean.begin());
        std::copy_n(&l.running_var[c0], h, var.begin());
      } else {
        std::fill(mean.begin(), mean.end(), 0.0f);
        std::fill(var.begin(), var.end(), 0.0f);
        for (size_t r = 0; r < n; ++r) {
          for (size_t j = 0; j < h; ++j) mean[j] += z[r * h + j];
        }
        for (size_t j = 0; j < h; ++j) mean[j] /= static_cast<float>(n);
        for (size_t r = 0; r < n; ++r) {
          for (size_t j = 0; j < h; ++j) {
            const float c = z[r * h + j] - mean[j];
            var[j] += c * c;
          }
        }
        for (size_t j = 0; j < h; ++j) var[j] /= static_cast<float>(n);
        if (mode == Mode::kTrain) {
          // The running variance is unbiased, the normalisation biased, as in PyTorch.
          const float unbias = n > 1 ? static_cast<float>(n) / static_cast<float>(n - 1) : 1.0f;
          for (size_t j = 0; j < h; ++j) {
            l.running_mean[c0 + j] = (1 - kMomentum) * l.running_mean[c0 + j] + kMomentum * mean[j];
            l.running_var[c0 + j] =
                (1 - kMomentum) * l.running_var[c0 + j] + kMomentum * var[j] * unbias;
          }
        }
      }
      for (size_t j = 0; j < h; ++j) l.inv_std[c0 + j] = 1.0f / std::sqrt(var[j] + kEps);
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < h; ++j) {
          const size_t i = r * h + j;
          xhat[i] = (z[i] - mean[j]) * l.inv_std[c0 + j];
          z[i] = l.gamma[c0 + j] * xhat[i] + l.beta[c0 + j];
        }
      }
    }
  }
  l.a.resize(l.output ? 0 : part);
  if (l.act.gated) l.gate_act.resize(part);
  const size_t block = RowsPerBlock(h);
  for (size_t r0 = 0; r0 < n && !l.output; r0 += block) {
    const size_t len = std::min(block, n - r0) * h, at = r0 * h;
    if (!l.act.gated) {
      activ::forward(l.act.op, std::span<const float>(&l.z[at], len),
                     std::span<float>(&l.a[at], len), l.act.params, l.act.options());
    } else {
      const float* up = &l.z[at];
      const float* gate = &l.z[part + at];
      float* g = &l.gate_act[at];
      activ::forward(l.act.op, std::span<const float>(gate, len), std::span<float>(g, len),
                     l.act.params, l.act.options());
      float* a = &l.a[at];
      for (size_t i = 0; i < len; ++i) a[i] = g[i] * up[i];
    }
  }
  l.keep.clear();
  if (mode == Mode::kTrain && l.dropout > 0 && !l.output) {
    l.keep.resize(part);
    // A unit is dropped when 24 random bits fall below p * 2^24.
    const uint64_t cut = static_cast<uint64_t>(l.dropout * 16777216.0);
    if (!l.alpha_dropout) {
      const float scale = static_cast<float>(1 / (1 - l.dropout));
      for (size_t i = 0; i < part; ++i) {
        l.keep[i] = (rng->Next() >> 40) < cut ? 0.0f : scale;
        l.a[i] *= l.keep[i];
      }
    } else {
      // Alpha-dropout (Klambauer et al.): dropped units take SELU's saturation value and an
      // affine map keeps the mean and variance of a SELU network's activations.
      const double q = 1 - l.dropout;
      const double a = 1 / std::sqrt(q + kSeluAlphaPrime * kSeluAlphaPrime * q * l.dropout);
      const float fa = static_cast<float>(a),
                  fb = static_cast<float>(-a * kSeluAlphaPrime * l.dropout);
      const float dropped = static_cast<float>(a * kSeluAlphaPrime) + fb;
      for (size_t i = 0; i < part; ++i) {
        const bool drop = (rng->Next() >> 40) < cut;
        l.keep[i] = drop ? 0.0f : fa;
        l.a[i] = drop ? dropped : fa * l.a[i] + fb;
      }
    }
  }
}

const float* Network::Forward(const float* x, size_t n, Mode mode, Rng* dropout_rng) {
  if (mode == Mode::kTrain && !dropout_rng) {
    for (const Dense& l : layers_) {
      if (l.dropout > 0) throw Error("Network::Forward: dropout in training needs a random stream");
    }
  }
  const float* in = x;
  for (Dense& l : layers_) {
    ForwardDense(l, in, n, mode, dropout_rng);
    in = l.a.data();
  }
  return layers_.back().z.data();
}

LossSums Network::Loss(const int32_t* labels, const float* targets, size_t n, bool gradient,
                       size_t scale_rows) {
  const size_t c = spec_.outputs;
  const float* z = layers_.back().z.data();
  if (gradient) dout_.resize(n * c);
  const double scale = 1.0 / static_cast<double>(scale_rows);
  LossSums s;
  for (size_t r = 0; r < n; ++r) {
    const float* zr = z + r * c;
    float* dr = gradient ? &dout_[r * c] : nullptr;
    switch (spec_.head) {
      case Head::kSoftmaxCrossEntropy: {
        const int32_t y = labels[r];
        if (y < 0 || static_cast<size_t>(y) >= c) {
          throw Error("label " + std::to_string(y) + " of row " + std::to_string(r) +
                      " is out of range for " + std::to_string(c) + " classes");
        }
        // Max-subtracted: exp never overflows and the largest term is exactly 1.
        size_t arg = 0;
        for (size_t j = 1; j < c; ++j) {
          if (zr[j] > zr[arg]) arg = j;
        }
        const double m = zr[arg];
        double sum = 0;
        for (size_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(zr[j]) - m);
        s.loss += m + std::log(sum) - zr[y];
        s.correct += arg == static_cast<size_t>(y);
        if (dr) {
          for (size_t j = 0; j < c; ++j) {
            const double p = std::exp(static_cast<double>(zr[j]) - m) / sum;
            dr[j] = static_cast<float>((p - (j == static_cast<size_t>(y))) * scale);
          }
        }
        break;
      }
      case Head::kSigmoidBinaryCrossEntropy: {
        const int32_t y = labels[r];
        if (y != 0 && y != 1) {
          throw Error("label " + std::to_string(y) + " of row " + std::to_string(r) +
                      " is not 0 or 1 (the sigmoid head has two classes)");
        }
        // log(1 + e^z) - y z written so that neither term overflows.
        const double v = zr[0];
        s.loss += std::max(v, 0.0) - v * y + std::log1p(std::exp(-std::fabs(v)));
        s.correct += (v > 0) == (y == 1);
        if (dr) {
          const double p = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
          dr[0] = static_cast<float>((p - y) * scale);
        }
        break;
      }
      case Head::kSquaredError:
      case Head::kAuto: {
        const float* t = targets + r * c;
        double row = 0;
        for (size_t j = 0; j < c; ++j) {
          const double d = static_cast<double>(zr[j]) - t[j];
          row += d * d;
          if (dr) dr[j] = static_cast<float>(2 * d / static_cast<double>(c) * scale);
        }
        s.loss += row / static_cast<double>(c);
        break;
      }
    }
  }
  return s;
}

void Network::BackwardDense(Dense& l, const float* x, size_t n, float* dx) {
  const size_t h = l.units, part = n * h;
  if (!l.output) {
    l.dz.resize(l.parts * part);
    if (!l.keep.empty()) {
      for (size_t i = 0; i < part; ++i) l.da[i] *= l.keep[i];
    }
    const size_t block = RowsPerBlock(h);
    for (size_t r0 = 0; r0 < n; r0 += block) {
      const size_t len = std::min(block, n - r0) * h, at = r0 * h;
      const float* da = &l.da[at];
      if (!l.act.gated) {
        activ::backward(l.act.op, std::span<const float>(&l.z[at], len),
                        std::span<const float>(da, len), std::span<float>(&l.dz[at], len),
                        l.act.params, nullptr, l.act.options());
      } else {
        // out = act(gate) * up: d_up = dout * act(gate), d_gate = act'(gate) * dout * up.
        const float* up = &l.z[at];
        const float* g = &l.gate_act[at];
        float* d_up = &l.dz[at];
        float* d_gate = &l.dz[part + at];
        for (size_t i = 0; i < len; ++i) {
          d_up[i] = da[i] * g[i];
          d_gate[i] = da[i] * up[i];
        }
        activ::backward(l.act.op, std::span<const float>(&l.z[part + at], len),
                        std::span<const float>(d_gate, len), std::span<float>(d_gate, len),
                        l.act.params, nullptr, l.act.options());
      }
    }
  }
  for (size_t p = 0; p < l.parts; ++p) {
    float* dz = &l.dz[p * part];
    const size_t c0 = p * h;
    if (!l.batchnorm) {
      float* db = &l.db[c0];
      std::fill_n(db, h, 0.0f);
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < h; ++j) db[j] += dz[r * h + j];
      }
    } else {
      const float* xhat = &l.xhat[p * part];
      float* dg = &l.dgamma[c0];
      float* dbeta = &l.dbeta[c0];
      std::fill_n(dg, h, 0.0f);
      std::fill_n(dbeta, h, 0.0f);
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < h; ++j) {
          dbeta[j] += dz[r * h + j];
          dg[j] += dz[r * h + j] * xhat[r * h + j];
        }
      }
      const float fn = static_cast<float>(n);
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < h; ++j) {
          const size_t i = r * h + j;
          dz[i] =
              l.gamma[c0 + j] * l.inv_std[c0 + j] / fn * (fn * dz[i] - dbeta[j] - xhat[i] * dg[j]);
        }
      }
    }
    Gemm(true, false, h, l.in, n, dz, h, x, l.in, 0.0f, &l.dw[p * h * l.in], l.in);
    if (dx)
      Gemm(false, false, n, l.in, h, dz, h, &l.w[p * h * l.in], l.in, p ? 1.0f : 0.0f, dx, l.in);
  }
}

void Network::Backward(const float* x, size_t n) {
  Dense& out = layers_.back();
  out.dz.assign(dout_.begin(), dout_.begin() + static_cast<long>(n * out.units));
  for (size_t i = layers_.size(); i-- > 0;) {
    Dense& l = layers_[i];
    float* dx = nullptr;
    if (i > 0) {
      layers_[i - 1].da.resize(n * l.in);
      dx = layers_[i - 1].da.data();
    }
    BackwardDense(l, i > 0 ? layers_[i - 1].a.data() : x, n, dx);
  }
}

size_t Network::parameter_count() const {
  size_t count = 0;
  for (const Dense& l : layers_) {
    count += l.w.size() + l.b.size() + l.gamma.size() + l.beta.size();
  }
  return count;
}

std::vector<Network::Tensor> Network::Parameters() {
  std::vector<Tensor> t;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Dense& l = layers_[i];
    t.push_back({&l.w, &l.dw, i, true});
    if (!l.batchnorm) {
      t.push_back({&l.b, &l.db, i, false});
    } else {
      t.push_back({&l.gamma, &l.dgamma, i, false});
      t.push_back({&l.beta, &l.dbeta, i, false});
    }
  }
  return t;
}

std::vector<std::vector<float>*> Network::State() {
  std::vector<std::vector<float>*> s;
  for (const Tensor& t : Parameters()) s.push_back(t.value);
  for (Dense& l : layers_) {
    if (l.batchnorm) {
      s.push_back(&l.running_mean);
      s.push_back(&l.running_var);
    }
  }
  return s;
}

size_t Network::FirstNonFiniteLayer(size_t n) const {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Dense& l = layers_[i];
    const size_t len = std::min(l.z.size(), l.parts * n * l.units);
    for (size_t k = 0; k < len; ++k) {
      if (!std::isfinite(l.z[k])) return i + 1;
    }
    for (size_t k = 0; k < std::min(l.a.size(), n * l.units); ++k) {
      if (!std::isfinite(l.a[k])) return i + 1;
    }
  }
  return 0;
}

OptimizerKind OptimizerFromName(std::string_view name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "adamw") return OptimizerKind::kAdamW;
  throw Error("unknown optimizer '" + std::string(name) + "': sgd, adam or adamw");
}

std::string_view OptimizerName(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return "sgd";
    case OptimizerKind::kAdam:
      return "adam";
    case OptimizerKind::kAdamW:
      return "adamw";
  }
  return "?";
}

Optimizer::Optimizer(const OptimizerConfig& config, Network& net)
    : c_(config), params_(net.Parameters()) {
  if (!(c_.lr > 0 && std::isfinite(c_.lr))) throw Error("the learning rate must be > 0");
  if (!(c_.momentum >= 0 && c_.momentum < 1)) throw Error("momentum must be in [0, 1)");
  if (c_.nesterov && c_.momentum == 0) throw Error("Nesterov momentum needs momentum > 0");
  if (!(c_.weight_decay >= 0)) throw Error("weight decay must be >= 0");
  for (const auto& p : params_) {
    m_.emplace_back(p.value->size(), 0.0f);
    if (c_.kind != OptimizerKind::kSgd) v_.emplace_back(p.value->size(), 0.0f);
  }
}

std::vector<std::vector<float>*> Optimizer::State() {
  std::vector<std::vector<float>*> s;
  for (auto& m : m_) s.push_back(&m);
  for (auto& v : v_) s.push_back(&v);
  return s;
}

void Optimizer::Step(UpdateNorms* norms) {
  ++t_;
  const float lr = static_cast<float>(c_.lr);
  const double bc1 = 1 - std::pow(c_.beta1, static_cast<double>(t_));
  const double bc2 = 1 - std::pow(c_.beta2, static_cast<double>(t_));
  const float step_size = static_cast<float>(c_.lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1 / std::sqrt(bc2));
  const float b1 = static_cast<float>(c_.beta1), b2 = static_cast<float>(c_.beta2);
  const float eps = static_cast<float>(c_.eps), mu = static_cast<float>(c_.momentum);
  if (norms) {
    const size_t layers = params_.empty() ? 0 : params_.back().layer + 1;
    norms->update_sq.assign(layers, 0.0);
    norms->weight_sq.assign(layers, 0.0);
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    const Network::Tensor& t = params_[k];
    float* p = t.value->data();
    const float* g = t.grad->data();
    float* m = m_[k].data();
    const size_t n = t.value->size();
    const float wd = t.is_weight ? static_cast<float>(c_.weight_decay) : 0.0f;
    std::vector<float> before;
    if (norms && t.is_weight) before.assign(p, p + n);
    switch (c_.kind) {
      case OptimizerKind::kSgd:
        if (mu == 0) {
          for (size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
        } else if (c_.nesterov) {
          for (size_t i = 0; i < n; ++i) {
            const float gi = g[i] + wd * p[i];
            m[i] = mu * m[i] + gi;
            p[i] -= lr * (gi + mu * m[i]);
          }
        } else {
          for (size_t i = 0; i < n; ++i) {
            m[i] = mu * m[i] + g[i] + wd * p[i];
            p[i] -= lr * m[i];
          }
        }
        break;
      case OptimizerKind::kAdam:
      case OptimizerKind::kAdamW: {
        float* v = v_[k].data();
        const bool decoupled = c_.kind == OptimizerKind::kAdamW;
        const float coupled = decoupled ? 0.0f : wd;
        const float shrink = decoupled ? 1 - lr * wd : 1.0f;
        for (size_t i = 0; i < n; ++i) {
          const float gi = g[i] + coupled * p[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          p[i] = shrink * p[i] - step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
        }
        break;
      }
    }
    if (norms && t.is_weight) {
      double u = 0, w = 0;
      for (size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(p[i]) - before[i];
        u += d * d;
        w += static_cast<double>(before[i]) * before[i];
      }
      norms->update_sq[t.layer] += u;
      norms->weight_sq[t.layer] += w;
    }
  }
}

double ClipGradients(Network& net, double max_norm) {
  double sq = 0;
  const auto params = net.Parameters();
  for (const auto& t : params) {
    for (float g : *t.grad) sq += static_cast<double>(g) * g;
  }
  const double norm = std::sqrt(sq);
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& t : params) {
      for (float& g : *t.grad) g *= scale;
    }
  }
  return norm;
}

double WeightSquares(Network& net) {
  double sq = 0;
  for (const auto& t : net.Parameters()) {
    if (!t.is_weight) continue;
    for (float w : *t.value) sq += static_cast<double>(w) * w;
  }
  return sq;
}

}  // namespace lab
