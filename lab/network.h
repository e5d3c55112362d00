// A multilayer perceptron in float32: fully connected layers (GEMM through OpenBLAS), any activ
// activation per hidden layer (gated ones included), optional batch normalisation and dropout,
// and a fused, numerically stable loss head. The optimisers (SGD with momentum and Nesterov,
// Adam, AdamW) update the parameters the network lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "activ/activ.h"
#include "lab/rng.h"

namespace lab {

// An activation as a layer uses it. Gated: the layer has two projections, up and gate, and
// outputs act(gate) * up (reglu, geglu, swiglu, ...).
struct Activation {
  std::string label;  // as written by the user and in the logs: "relu", "elu:alpha=0.5", "swiglu"
  activ::Op op = activ::Op::relu;
  activ::Params params;
  bool gated = false;
  // The accuracy mode of every call of the activation, forward and backward (the experiment's
  // ExperimentConfig::accuracy; docs/SPEC.md, Accuracy modes).
  activ::Accuracy accuracy = activ::Accuracy::faithful;
  activ::Options options() const { return {.accuracy = accuracy}; }
};
// activ::parse_activation's grammar: "relu", "elu:alpha=0.5" (the logs' spelling) or
// "elu(alpha=0.5)", "threshold:threshold=0.1,value=0"; a gated unit's name (activ::gated_units(),
// "swiglu:beta=2") or gated_<name> makes a gated layer. Throws activ::Error listing what is
// accepted.
Activation ParseActivation(std::string_view spec);

enum class Head { kAuto, kSoftmaxCrossEntropy, kSigmoidBinaryCrossEntropy, kSquaredError };
Head HeadFromName(std::string_view name);  // auto, softmax, sigmoid, mse
std::string_view HeadName(Head head);      // softmax_cross_entropy, sigmoid_bce, squared_error

enum class Init {
  // By activation (the default): relu and leaky_relu: kaiming_normal with their gain; tanh:
  // xavier_uniform with gain 5/3; sigmoid: xavier_uniform with gain 1; selu: lecun_normal; any
  // other (gated layers included): kaiming_normal with the gain that keeps E[a^2] of a
  // standard normal input at 1 (ActivationGain). The output layer: lecun_normal. Biases 0.
  kAuto,
  kPytorch,         // U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (nn.Linear)
  kKaimingNormal,   // N(0, gain^2/fan_in), biases 0
  kKaimingUniform,  // U(-b, b), b = gain sqrt(3/fan_in), biases 0
  kXavierUniform,   // U(-b, b), b = gain sqrt(6/(fan_in+fan_out)), biases 0
  kXavierNormal,    // N(0, gain^2 2/(fan_in+fan_out)), biases 0
  kLecunNormal,     // N(0, 1/fan_in), biases 0 (for SELU; kaiming_normal with gain 1)
  kSklearn,         // scikit-learn's MLP: Xavier uniform for weights AND biases, with
                    // b = sqrt(2/(fan_in+fan_out)) for a sigmoid layer
};
Init InitFromName(std::string_view name);  // auto, pytorch, kaiming_normal, kaiming_uniform, ...
std::string_view InitName(Init init);

// The gain a scheme multiplies its scale by for a layer followed by `act` (PyTorch's
// calculate_gain where it has one): relu sqrt 2, leaky_relu sqrt(2/(1+slope^2)), tanh 5/3,
// sigmoid, selu and identity 1; any other activation (gated ones: f(gate) times a unit-variance
// up projection) 1/sqrt(E[f(z)^2]) for z ~ N(0, 1), computed from the library's forward (which
// gives relu's and leaky_relu's gains too).
double ActivationGain(const Activation& act);

// What a scheme comes to for one layer: `auto` resolved, and the gain it uses (1 for the output
// layer, and for schemes without a gain).
struct LayerInit {
  Init scheme = Init::kPytorch;
  double gain = 1;
};
LayerInit ResolveInit(Init init, const Activation& act, bool output_layer);

struct LayerSpec {
  size_t units = 0;
  Activation act;
  bool batchnorm = false;  // on the pre-activation (both projections of a gated layer)
  double dropout = 0;      // on the output; alpha-dropout when the activation is selu
};

struct NetworkSpec {
  size_t inputs = 0;
  std::vector<LayerSpec> hidden;
  size_t outputs = 0;
  Head head = Head::kSoftmaxCrossEntropy;
  // "784-100-10 relu" style description, for messages.
  std::string Describe() const;
};

enum class Mode {
  kTrain,  // dropout on; batch norm uses and updates the batch statistics
  kProbe,  // dropout off; batch norm uses the batch statistics without updating (diagnostics)
  kEval,   // dropout off; batch norm uses the running statistics
};

// One fully connected layer. A gated layer has 2*units rows in w: rows [0, units) project to
// `up`, rows [units, 2*units) to `gate`, so each part of the pre-activation is contiguous.
struct Dense {
  size_t in = 0, units = 0, parts = 1;  // parts: 2 for a gated layer
  Activation act;                       // unused by the output layer
  bool output = false, batchnorm = false;
  double dropout = 0;
  bool alpha_dropout = false;

  std::vector<float> w, b;  // [parts*units, in], [parts*units] (b unused with batch norm)
  std::vector<float> gamma, beta, running_mean, running_var;  // batch norm, [parts*units]
  std::vector<float> dw, db, dgamma, dbeta;

  // The last forward pass over n rows, kept for the backward pass and the diagnostics.
  std::vector<float> z;         // [parts][n, units] pre-activation (after batch norm)
  std::vector<float> xhat;      // [parts][n, units] batch norm's normalised input
  std::vector<float> inv_std;   // [parts*units]
  std::vector<float> gate_act;  // [n, units] act(gate), gated layers
  std::vector<float> a;         // [n, units] output (after dropout)
  std::vector<float> keep;      // [n, units] dropout multiplier
  std::vector<float> da, dz;    // gradients with respect to a and z

  size_t proj() const { return parts * units; }
};

// Sums over a batch (divide by rows for the means).
struct LossSums {
  double loss = 0;  // sum over rows of each row's loss
  size_t correct = 0;
};

class Network {
 public:
  explicit Network(const NetworkSpec& spec);
  const NetworkSpec& spec() const { return spec_; }

  // scale multiplies the hidden layers' weights (1: the scheme as defined), for experiments
  // that need weights too wide or too narrow on purpose.
  void Initialize(Init init, uint64_t seed, double scale = 1);
  // x is [n, inputs]; returns the outputs [n, outputs] (logits for the classification heads).
  const float* Forward(const float* x, size_t n, Mode mode, Rng* dropout_rng = nullptr);
  // The loss of the last forward pass. labels for classification, targets [n, outputs] for
  // regression. With `gradient`, also fills the output gradient for Backward, scaled so that
  // the gradients are those of the loss averaged over `scale_rows` rows.
  LossSums Loss(const int32_t* labels, const float* targets, size_t n, bool gradient,
                size_t scale_rows);
  // Gradients of every parameter from the output gradient that Loss left (x as in Forward).
  void Backward(const float* x, size_t n);

  std::vector<Dense>& layers() { return layers_; }
  const std::vector<Dense>& layers() const { return layers_; }
  size_t hidden_layers() const { return layers_.size() - 1; }
  size_t parameter_count() const;

  // Every trainable tensor with its gradient, in a fixed order (the checkpoint's order).
  struct Tensor {
    std::vector<float>* value;
    std::vector<float>* grad;
    size_t layer;
    bool is_weight;  // weight decay and the diagnostics' weight norms apply to weights only
  };
  std::vector<Tensor> Parameters();
  // Every stored array (parameters, then batch norm running statistics), for checkpoints.
  std::vector<std::vector<float>*> State();

  // The first hidden layer (1-based) whose pre-activation or output in the last forward pass
  // holds a NaN or infinity; 0 when none does, hidden_layers()+1 for the output layer.
  size_t FirstNonFiniteLayer(size_t n) const;

 private:
  void ForwardDense(Dense& l, const float* x, size_t n, Mode mode, Rng* rng);
  void BackwardDense(Dense& l, const float* x, size_t n, float* dx);

  NetworkSpec spec_;
  std::vector<Dense> layers_;  // hidden layers, then the output layer
  std::vector<float> dout_;    // [n, outputs] loss gradient w.r.t. the outputs
};

enum class OptimizerKind { kSgd, kAdam, kAdamW };
OptimizerKind OptimizerFromName(std::string_view name);  // sgd, adam, adamw
std::string_view OptimizerName(OptimizerKind kind);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kAdam;
  double lr = 1e-3;
  double momentum = 0.9;  // SGD
  bool nesterov = false;  // SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // PyTorch's weight_decay: added to the gradient (SGD, Adam) or applied to the weight
  // separately (AdamW, p -= lr * wd * p). Weights only, never biases or batch norm.
  double weight_decay = 0;
};

// Per-layer sums of squares of one step's update and of the weights before it.
struct UpdateNorms {
  std::vector<double> update_sq, weight_sq;
};

class Optimizer {
 public:
  Optimizer(const OptimizerConfig& config, Network& net);
  // One update from the gradients in the network. With `norms`, records each layer's
  // ||delta W||^2 and ||W||^2 (an extra pass; the lab samples a few steps per epoch).
  void Step(UpdateNorms* norms = nullptr);
  uint64_t steps() const { return t_; }
  // The state a resumed run needs: the step count and the moment buffers.
  std::vector<std::vector<float>*> State();
  void set_steps(uint64_t t) { t_ = t; }

 private:
  OptimizerConfig c_;
  std::vector<Network::Tensor> params_;
  std::vector<std::vector<float>> m_, v_;
  uint64_t t_ = 0;
};

// Scales every gradient so that their global L2 norm is at most max_norm; returns the norm
// before clipping (PyTorch's clip_grad_norm_).
double ClipGradients(Network& net, double max_norm);
// The sum of squares of every weight matrix (scikit-learn's L2 penalty uses it).
double WeightSquares(Network& net);

}  // namespace lab
