// What happens inside a network, per hidden layer, measured on a fixed probe set of training
// examples: dead units, saturated pre-activations, the distribution of the activations, and
// the gradient and weight norms that show vanishing or exploding gradients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lab/data.h"
#include "lab/network.h"

namespace lab {

// A saturated pre-activation: |f'(z)| < kSaturationFraction * max |f'|.
inline constexpr double kSaturationFraction = 0.05;

// max |f'(x)| over the grid x = -10, -9.999, ..., 10 (20001 points), computed once per
// activation. For f' unbounded (relu_squared) this is the grid's maximum, 20.
double MaxAbsDerivative(const Activation& act);

struct Histogram {
  double lo = 0, hi = 0;  // the bins split [lo, hi) evenly
  std::vector<uint64_t> counts;
  uint64_t below = 0, above = 0;  // values < lo, values >= hi (NaN counts as above)
};
// [lo, hi) of a layer's histogram: the activation's range (default parameters) clipped to
// [-5, 5]; [-5, 5] for gated layers.
Histogram EmptyHistogram(const Activation& act, size_t bins);
void AddToHistogram(Histogram& h, const float* values, size_t n);

struct UnitCounts {
  size_t dead_units = 0;  // units whose f'(z) is 0 on every row (gated: act'(gate) and act(gate))
  size_t saturated = 0;   // (row, unit) entries with |f'(z)| < 5% of max |f'|
  size_t units = 0, entries = 0;
};
// z is [rows, units] pre-activation (the gate, for a gated layer); gate_act is act(z) for a
// gated layer, else null.
UnitCounts CountDeadAndSaturated(const Activation& act, const float* z, const float* gate_act,
                                 size_t rows, size_t units, double max_abs_derivative);

struct LayerDiagnostics {
  size_t layer = 0;  // 1-based; hidden_layers()+1 is the output layer
  bool output = false;
  size_t units = 0;
  double dead_fraction = 0, saturated_fraction = 0;  // hidden layers only
  double mean = 0, std = 0;                          // of the layer's outputs over the probe set
  double pre_mean = 0, pre_std = 0;  // of the pre-activations (up and gate together)
  double grad_norm = 0;              // ||dL/dW||_F, L the mean loss over the probe set
  double weight_norm = 0;            // ||W||_F
  Histogram hist;                    // of the outputs (hidden layers)
};

struct ProbeResult {
  double loss = 0, accuracy = 0;  // mean over the probe set (accuracy: classification only)
  std::vector<LayerDiagnostics> layers;
};

// A forward and backward pass over the probe set in Mode::kProbe (no dropout, batch norm with
// the probe's own statistics), then the measurements. Overwrites the network's gradients.
// max_abs_derivative holds one value per hidden layer (MaxAbsDerivative of its activation).
ProbeResult Diagnose(Network& net, const Dataset& probe,
                     const std::vector<double>& max_abs_derivative, size_t bins);

}  // namespace lab
