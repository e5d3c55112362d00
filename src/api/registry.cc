// The registry's tables (from include/activ/ops.def), name lookup, and parameter resolution
// and checking; the library's version and SIMD targets.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <hwy/targets.h>

#include "activ/activ.h"
#include "api/checks.h"
#include "simd/dispatch.h"

namespace activ {
namespace {

// One parameter table per operation, generated from the registry.
#define PARAM(pname, def, dom) \
  ParamInfo { #pname, def, Domain::dom }
#define ACTIV_OP(name, flags, formula, range, lo, hi, ...) \
  constexpr ParamInfo kParams_##name[] = {__VA_ARGS__ __VA_OPT__(, ) ParamInfo{}};
#include "activ/ops.def"
#undef PARAM

// The trailing sentinel of each table is not a parameter.
template <size_t N>
constexpr std::span<const ParamInfo> Real(const ParamInfo (&t)[N]) {
  return std::span<const ParamInfo>(t, N - 1);
}

const std::array<OpInfo, kNumOps> kOps = {{
#define ACTIV_OP(name, flags, formula, range, lo, hi, ...) \
  OpInfo{Op::name, #name, flags, formula, range, lo, hi, Real(kParams_##name)},
#include "activ/ops.def"
}};

struct Alias {
  std::string_view name;
  Op op;
};
constexpr Alias kAliases[] = {
#define ACTIV_ALIAS(other, name) {#other, Op::name},
#include "activ/ops.def"
};

std::string ValidNames() {
  std::string s;
  for (const OpInfo& o : kOps) {
    if (!s.empty()) s += ", ";
    s += o.name;
  }
  for (const Alias& a : kAliases) s += ", " + std::string(a.name);
  return s;
}

std::string ParamNames(const OpInfo& o) {
  if (o.params.empty()) return "it takes none";
  std::string s = "its parameters are ";
  for (size_t i = 0; i < o.params.size(); ++i) s += (i ? ", " : "") + std::string(o.params[i].name);
  return s;
}

// Pairs that must be ordered wherever a registry line declares both.
void CheckOrder(const OpInfo& o, const ResolvedParams& r) {
  static constexpr std::pair<std::string_view, std::string_view> kOrdered[] = {
      {"min_val", "max_val"}, {"lower", "upper"}};
  for (auto [lo_name, hi_name] : kOrdered) {
    int lo = -1, hi = -1;
    for (size_t i = 0; i < o.params.size(); ++i) {
      if (o.params[i].name == lo_name) lo = static_cast<int>(i);
      if (o.params[i].name == hi_name) hi = static_cast<int>(i);
    }
    if (lo >= 0 && hi >= 0 && r.value[lo] > r.value[hi]) {
      throw Error(std::string(o.name) + ": " + std::string(lo_name) + " (" +
                  detail::Num(r.value[lo]) + ") must not exceed " + std::string(hi_name) + " (" +
                  detail::Num(r.value[hi]) + ")");
    }
  }
}

}  // namespace

namespace detail {

// Shortest text that reads back as the same double.
std::string Num(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void CheckDomain(const OpInfo& o, const ParamInfo& p, double v) {
  const char* need = nullptr;
  switch (p.domain) {
    case Domain::kFinite:
      if (!std::isfinite(v)) need = "a finite number";
      break;
    case Domain::kPositive:
      if (!(std::isfinite(v) && v > 0)) need = "a finite number > 0";
      break;
    case Domain::kNonNegative:
      if (!(std::isfinite(v) && v >= 0)) need = "a finite number >= 0";
      break;
    case Domain::kNonZero:
      if (!(std::isfinite(v) && v != 0)) need = "a finite number other than 0";
      break;
    case Domain::kBool:
      if (v != 0 && v != 1) need = "0 or 1";
      break;
    case Domain::kSeed:
      if (!(v >= 0 && v <= 0x1p53 && v == std::floor(v))) need = "an integer in [0, 2^53]";
      break;
  }
  if (need) {
    throw Error(std::string(o.name) + ": parameter " + std::string(p.name) + " must be " + need +
                ", got " + Num(v));
  }
}

}  // namespace detail

std::span<const OpInfo> all_ops() { return kOps; }

const OpInfo& info(Op op) {
  const auto i = static_cast<size_t>(op);
  if (i >= kNumOps) throw Error("activ: invalid Op value " + std::to_string(i));
  return kOps[i];
}

std::string_view name(Op op) { return info(op).name; }

Op op_from_name(std::string_view n) {
  for (const OpInfo& o : kOps) {
    if (o.name == n) return o.op;
  }
  for (const Alias& a : kAliases) {
    if (a.name == n) return a.op;
  }
  throw Error("activ: unknown function '" + std::string(n) + "'; valid names: " + ValidNames());
}

Params::Params(std::initializer_list<std::pair<std::string_view, double>> values) {
  for (const auto& [n, v] : values) set(n, v);
}

Params& Params::set(std::string_view n, double value) {
  for (auto& [k, v] : values_) {
    if (k == n) {
      v = value;
      return *this;
    }
  }
  values_.emplace_back(std::string(n), value);
  return *this;
}

const double* Params::find(std::string_view n) const {
  for (const auto& [k, v] : values_) {
    if (k == n) return &v;
  }
  return nullptr;
}

namespace {

ResolvedParams ResolveChecked(const OpInfo& o, const Params& params) {
  for (const auto& entry : params.values()) {
    const std::string& k = entry.first;
    const bool known = std::any_of(o.params.begin(), o.params.end(),
                                   [&](const ParamInfo& p) { return p.name == k; });
    if (!known) {
      throw Error(std::string(o.name) + ": unknown parameter '" + k + "'; " + ParamNames(o));
    }
  }
  ResolvedParams r;
  for (size_t i = 0; i < o.params.size(); ++i) {
    const ParamInfo& p = o.params[i];
    const double* v = params.find(p.name);
    if (!v && std::isnan(p.default_value)) {
      throw Error(std::string(o.name) + ": parameter " + std::string(p.name) +
                  " is required (it has no default)");
    }
    r.value[i] = v ? *v : p.default_value;
    detail::CheckDomain(o, p, r.value[i]);
  }
  CheckOrder(o, r);
  return r;
}

// resolve(op, {}) of every operation, made once: most calls name no parameter, and the checks
// of the defaults give the same answer every time. `ok` is false where they throw (a parameter
// without a default), which a call then does itself, with its message.
struct Defaults {
  ResolvedParams r;
  bool ok = false;
};
// Out of line, so that resolve's own frame stays that of a table lookup.
[[gnu::noinline]] std::array<Defaults, kNumOps> MakeDefaults() {
  std::array<Defaults, kNumOps> t{};
  for (size_t i = 0; i < kNumOps; ++i) {
    try {
      t[i] = {ResolveChecked(kOps[i], Params{}), true};
    } catch (const Error&) {
      t[i].ok = false;
    }
  }
  return t;
}
[[gnu::noinline]] const std::array<Defaults, kNumOps>& DefaultsOfAll() {
  static const std::array<Defaults, kNumOps> table = MakeDefaults();
  return table;
}

}  // namespace

ResolvedParams resolve(Op op, const Params& params) {
  const auto i = static_cast<size_t>(op);
  if (params.values().empty() && i < kNumOps) {
    const Defaults& d = DefaultsOfAll()[i];
    if (d.ok) return d.r;
  }
  return ResolveChecked(info(op), params);
}

std::string_view name(Accuracy accuracy) {
  switch (accuracy) {
    case Accuracy::faithful:
      return "faithful";
    case Accuracy::fast:
      return "fast";
  }
  throw Error("activ: invalid Accuracy value " + std::to_string(static_cast<unsigned>(accuracy)) +
              "; accepted: faithful, fast");
}

Accuracy accuracy_from_name(std::string_view n) {
  if (n == "faithful") return Accuracy::faithful;
  if (n == "fast") return Accuracy::fast;
  throw Error("activ: unknown accuracy '" + std::string(n) + "'; valid names: faithful, fast");
}

bool has_fast_kernel(Op op, bool backward) { return detail::HasFastKernel(info(op).op, backward); }

std::string_view simd_target() { return detail::TargetName(); }

std::vector<std::string> compiled_targets() {
  std::vector<std::string> names;
  for (int64_t t : detail::CompiledTargets()) names.emplace_back(hwy::TargetName(t));
  return names;
}

std::string_view version() { return ACTIV_VERSION; }

}  // namespace activ
