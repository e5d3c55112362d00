#include "lab/diagnostics.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace lab {

DerivativeProfile ProfileOf(const Activation& act) {
  constexpr size_t kPoints = 40001;
  std::vector<float> x(kPoints), ones(kPoints, 1.0f), d(kPoints);
  for (size_t i = 0; i < kPoints; ++i) {
    x[i] = static_cast<float>(-20.0 + 40.0 * static_cast<double>(i) / (kPoints - 1));
  }
  activ::backward(act.op, x, ones, d, act.params, nullptr, act.options());
  DerivativeProfile p;
  for (float v : d) p.max_abs = std::max(p.max_abs, static_cast<double>(std::fabs(v)));
  const double cut = kSaturationFraction * p.max_abs;
  // The tail on one side: the run of grid points from the edge inwards with |f'| < cut. It is a
  // saturation tail only if f' is not exactly 0 all along it (that is a hinge's flat side).
  auto tail = [&](bool left) -> size_t {  // the number of grid points in the tail
    size_t n = 0;
    bool nonzero = false;
    for (; n < kPoints; ++n) {
      const float v = d[left ? n : kPoints - 1 - n];
      if (!(std::fabs(v) < cut)) break;
      nonzero |= v != 0;
    }
    return nonzero ? n : 0;
  };
  const size_t left = tail(true), right = tail(false);
  if (left > 0) p.saturated_below = x[left - 1];
  if (right > 0) p.saturated_above = x[kPoints - right];
  for (size_t i = left; i + right < kPoints; ++i) p.hinge |= d[i] == 0;
  return p;
}

double MaxAbsDerivative(const Activation& act) { return ProfileOf(act).max_abs; }

Histogram EmptyHistogram(const Activation& act, size_t bins) {
  Histogram h;
  h.lo = -5;
  h.hi = 5;
  if (!act.gated) {
    const activ::OpInfo& info = activ::info(act.op);
    h.lo = std::clamp(info.range_lo, -5.0, 5.0);
    h.hi = std::clamp(info.range_hi, -5.0, 5.0);
    if (!(h.hi > h.lo)) {
      h.lo = -5;
      h.hi = 5;
    }
  }
  h.counts.assign(std::max<size_t>(bins, 1), 0);
  return h;
}

void AddToHistogram(Histogram& h, const float* values, size_t n) {
  const double width = (h.hi - h.lo) / static_cast<double>(h.counts.size());
  for (size_t i = 0; i < n; ++i) {
    const double v = values[i];
    if (v < h.lo) {
      ++h.below;
    } else if (!(v < h.hi)) {
      ++h.above;
    } else {
      const size_t bin = std::min(h.counts.size() - 1, static_cast<size_t>((v - h.lo) / width));
      ++h.counts[bin];
    }
  }
}

UnitCounts CountUnits(const Activation& act, const DerivativeProfile& profile, const float* z,
                      const float* gate_act, size_t rows, size_t units) {
  UnitCounts c;
  c.units = units;
  c.entries = rows * units;
  const size_t n = rows * units;
  std::vector<float> ones(n, 1.0f), d(n);
  activ::backward(act.op, std::span<const float>(z, n), ones, d, act.params, nullptr,
                  act.options());
  std::vector<char> on(units, 0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < units; ++j) {
      const size_t i = r * units + j;
      if (z[i] <= profile.saturated_below || z[i] >= profile.saturated_above) {
        ++c.saturated;
        on[j] = 1;  // a saturated unit still passes a little gradient: not dead
      } else if (d[i] == 0 && (!gate_act || gate_act[i] == 0)) {
        // A gated unit still passes gradient to its up projection while act(gate) != 0.
        ++c.off;
      } else {
        on[j] = 1;
      }
    }
  }
  c.dead_units = static_cast<size_t>(std::count(on.begin(), on.end(), 0));
  return c;
}

namespace {

void MeanStd(const float* v, size_t n, double* mean, double* std) {
  double s = 0, sq = 0;
  for (size_t i = 0; i < n; ++i) s += v[i];
  *mean = n ? s / static_cast<double>(n) : 0;
  for (size_t i = 0; i < n; ++i) sq += (v[i] - *mean) * (v[i] - *mean);
  *std = n ? std::sqrt(sq / static_cast<double>(n)) : 0;
}

double Norm(const std::vector<float>& v) {
  double sq = 0;
  for (float x : v) sq += static_cast<double>(x) * x;
  return std::sqrt(sq);
}

}  // namespace

ProbeResult Diagnose(Network& net, const Dataset& probe,
                     const std::vector<DerivativeProfile>& profiles, size_t bins) {
  ProbeResult res;
  const size_t n = probe.rows;
  if (n == 0) return res;
  net.Forward(probe.x.data(), n, Mode::kProbe);
  const LossSums s = net.Loss(probe.labels.empty() ? nullptr : probe.labels.data(),
                              probe.targets.empty() ? nullptr : probe.targets.data(), n, true, n);
  res.loss = s.loss / static_cast<double>(n);
  res.accuracy = static_cast<double>(s.correct) / static_cast<double>(n);
  net.Backward(probe.x.data(), n);
  const auto& layers = net.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const Dense& l = layers[i];
    LayerDiagnostics d;
    d.layer = i + 1;
    d.output = l.output;
    d.units = l.units;
    d.grad_norm = Norm(l.dw);
    d.weight_norm = Norm(l.w);
    d.grad_rms = l.dw.empty() ? 0 : d.grad_norm / std::sqrt(static_cast<double>(l.dw.size()));
    d.grad_to_weight = d.weight_norm > 0 ? d.grad_norm / d.weight_norm : NAN;
    MeanStd(l.z.data(), l.parts * n * l.units, &d.pre_mean, &d.pre_std);
    if (!l.output) {
      const size_t part = n * l.units;
      const float* gate = l.act.gated ? &l.z[part] : l.z.data();
      const UnitCounts c = CountUnits(l.act, profiles.at(i), gate,
                                      l.act.gated ? l.gate_act.data() : nullptr, n, l.units);
      d.dead_fraction = static_cast<double>(c.dead_units) / static_cast<double>(c.units);
      d.off_fraction = static_cast<double>(c.off) / static_cast<double>(c.entries);
      d.saturated_fraction = static_cast<double>(c.saturated) / static_cast<double>(c.entries);
      MeanStd(l.a.data(), part, &d.mean, &d.std);
      d.hist = EmptyHistogram(l.act, bins);
      AddToHistogram(d.hist, l.a.data(), part);
    } else {
      MeanStd(l.z.data(), n * l.units, &d.mean, &d.std);
    }
    res.layers.push_back(std::move(d));
  }
  return res;
}

}  // namespace lab
