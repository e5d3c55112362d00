// What happens inside a network, per hidden layer, measured on a fixed probe set of training
// examples: dead units, inactive (off) and saturated pre-activations, the distribution of the
// activations, and the gradient and weight norms that show vanishing or exploding gradients.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lab/data.h"
#include "lab/network.h"

namespace lab {

// How a unit's input z is classed, from the activation's own derivative f' (computed by the
// library's backward over a grid, never from a hand table):
//   off:       f'(z) == 0 exactly, outside a saturation tail: the flat side of a hinge (relu's
//              negative side, relu6 above 6, hardtanh's sides); the report calls it "inactive";
//   saturated: z in a tail of the function where |f'| stays below kSaturationFraction of its
//              maximum from z outwards (sigmoid beyond |z| = 4.36, tanh beyond 2.18, elu below
//              -3.0); a tail where f' is exactly 0 throughout is a hinge's flat side, not a tail;
//   active:    everything else (gelu's and silu's band where f' passes through 0 included).
inline constexpr double kSaturationFraction = 0.05;

struct DerivativeProfile {
  double max_abs = 0;  // max |f'| over the grid (relu 1, sigmoid 0.25; relu_squared: the grid's 40)
  // z <= saturated_below or z >= saturated_above is saturated; -inf / +inf when the function
  // has no such tail on that side.
  double saturated_below = -INFINITY, saturated_above = INFINITY;
  bool hinge = false;  // f' is exactly 0 somewhere on the grid outside the tails
};
// The grid: x = -20, -19.999, ..., 20 (40001 points) in float32, as the network computes.
DerivativeProfile ProfileOf(const Activation& act);
// max |f'| over the same grid (ProfileOf(act).max_abs).
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
  size_t dead_units = 0;  // units that are off on every row
  size_t off = 0;         // (row, unit) entries that are off (gated: act'(gate) and act(gate) 0)
  size_t saturated = 0;   // (row, unit) entries in a saturation tail
  size_t units = 0, entries = 0;
};
// z is [rows, units] pre-activation (the gate, for a gated layer); gate_act is act(z) for a
// gated layer, else null.
UnitCounts CountUnits(const Activation& act, const DerivativeProfile& profile, const float* z,
                      const float* gate_act, size_t rows, size_t units);

struct LayerDiagnostics {
  size_t layer = 0;  // 1-based; hidden_layers()+1 is the output layer
  bool output = false;
  size_t units = 0;
  // Hidden layers only: dead units over units; off and saturated entries over rows x units.
  double dead_fraction = 0, off_fraction = 0, saturated_fraction = 0;
  double mean = 0, std = 0;          // of the layer's outputs over the probe set
  double pre_mean = 0, pre_std = 0;  // of the pre-activations (up and gate together)
  double grad_norm = 0;              // ||dL/dW||_F, L the mean loss over the probe set
  double grad_rms = 0;               // ||dL/dW||_F / sqrt(entries of W): per weight
  double weight_norm = 0;            // ||W||_F
  double grad_to_weight = 0;         // ||dL/dW||_F / ||W||_F
  Histogram hist;                    // of the outputs (hidden layers)
};

struct ProbeResult {
  double loss = 0, accuracy = 0;  // mean over the probe set (accuracy: classification only)
  std::vector<LayerDiagnostics> layers;
};

// A forward and backward pass over the probe set in Mode::kProbe (no dropout, batch norm with
// the probe's own statistics), then the measurements. Overwrites the network's gradients.
// profiles holds one per hidden layer (ProfileOf its activation).
ProbeResult Diagnose(Network& net, const Dataset& probe,
                     const std::vector<DerivativeProfile>& profiles, size_t bins);

}  // namespace lab
