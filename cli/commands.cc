#include "commands.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <span>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "accuracy.h"
#include "activ/activ.h"
#include "activ/gated.h"
#include "io/files.h"
#include "lab/report/report.h"
#include "lab/report/svg_plot.h"
#include "npy.h"
#include "target_flag.h"

namespace activ::cli {
namespace {

struct Alias {
  const char* alias;
  const char* target;
};
constexpr Alias kAliases[] = {
#define ACTIV_ALIAS(other, name) {#other, #name},
#include "activ/ops.def"
};

std::vector<std::pair<std::string, double>> ParseParams(const std::vector<std::string>& given) {
  std::vector<std::pair<std::string, double>> out;
  for (const std::string& kv : given) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--param takes NAME=VALUE, got '" + kv + "'");
    }
    const std::string value = kv.substr(eq + 1);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || errno == ERANGE) {
      throw Error("--param " + kv + ": '" + value + "' is not a number");
    }
    out.emplace_back(kv.substr(0, eq), v);
  }
  return out;
}

Params ToParams(const std::vector<std::pair<std::string, double>>& values) {
  Params p;
  for (const auto& [k, v] : values) p.set(k, v);
  return p;
}

bool Declares(const OpInfo& o, std::string_view param) {
  for (const ParamInfo& p : o.params) {
    if (p.name == param) return true;
  }
  return false;
}

std::string ParamsColumn(const OpInfo& o) {
  std::string s;
  for (const ParamInfo& p : o.params) {
    if (!s.empty()) s += ", ";
    s += std::string(p.name) + (std::isnan(p.default_value) ? std::string(" (required)")
                                                            : fmt::format("={}", p.default_value));
  }
  return s.empty() ? "-" : s;
}

std::string ShapeText(const npy::Array& a) {
  std::string s = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(a.shape[i]);
  return s + (a.shape.size() == 1 ? ",)" : ")");
}

}  // namespace

int List() {
  const auto ops = all_ops();
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"name", "parameters (default)", "range", "gated unit", "formula"});
  for (const OpInfo& o : ops) {
    std::string name(o.name);
    for (const Alias& a : kAliases) {
      if (o.name == a.target) name += std::string(" (") + a.alias + ")";
    }
    rows.push_back({name, ParamsColumn(o), std::string(o.range),
                    (o.flags & kGates) ? gated_name(o.op) : "-", std::string(o.formula)});
  }
  size_t width[4] = {};
  for (const auto& r : rows) {
    for (size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], r[c].size());
  }
  fmt::print("{} element-wise functions (activ {}):\n\n", ops.size(), version());
  for (const auto& r : rows) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r[0], width[0], r[1], width[1], r[2],
               width[2], r[3], width[3], r[4]);
  }
  std::string fast, fast_backward;
  for (const OpInfo& o : ops) {
    if (has_fast_kernel(o.op)) fast += (fast.empty() ? "" : ", ") + std::string(o.name);
    if (has_fast_kernel(o.op, true)) {
      fast_backward += (fast_backward.empty() ? "" : ", ") + std::string(o.name);
    }
  }
  fmt::print(
      "\nAccuracy modes: faithful (the default, 1 ULP) and fast (4 ULP forward on every input,\n"
      "tails included, 8 ULP beyond the backward bound; the same NaN, infinity and limit rules).\n"
      "Chosen per call: --accuracy on apply, grad, check, bench and lab; accuracy= in Python;\n"
      "activ::Options{{.accuracy}} in C++. Fast kernels of their own, for float32 and 16-bit\n"
      "arrays on AVX2 and up:\n"
      "  forward   {}\n"
      "  backward  {}\n"
      "Gated units: the backward pass of glu, geglu, geglu_tanh and swiglu and the forward\n"
      "pass of geglu run their gate's fast kernels.\n"
      "Every other function and direction, and float64, runs its faithful kernel in fast mode.\n",
      fast.empty() ? "none" : fast, fast_backward.empty() ? "none" : fast_backward);
  fmt::print(
      "\nGated linear units, out = act(gate) * up (split form: x[:, :H] * act(x[:, H:])),"
      " one per function that can gate:\n");
  for (const OpInfo& o : ops) {
    if (!(o.flags & kGates)) continue;
    fmt::print("  {:<12} {}(gate) * up{}\n", gated_name(o.op), o.name,
               o.params.empty() ? "" : "   parameters: " + ParamsColumn(o));
  }
  return 0;
}

int Info() {
  fmt::print("activ {}\n", version());
  fmt::print("SIMD target: {} (chosen at run time on this CPU)\n", simd_target());
  std::string targets;
  for (const std::string& t : compiled_targets()) targets += (targets.empty() ? "" : ", ") + t;
  fmt::print("compiled targets: {}\n", targets);
  fmt::print("hardware threads: {}\n", std::thread::hardware_concurrency());
  const char* env = std::getenv("ACTIV_NUM_THREADS");
  fmt::print("ACTIV_NUM_THREADS: {}\n", env ? fmt::format("'{}'", env) : "not set");
  return 0;
}

int Apply(const KernelArgs& args, const std::string& in, const std::string& out) {
  const Op op = op_from_name(args.fn);
  const Params params = ToParams(ParseParams(args.params));
  resolve(op, params);  // a bad parameter is reported before the file is read
  const Options options{.accuracy = accuracy_from_name(args.accuracy)};
  if (!args.dtype.empty()) npy::DTypeFromName(args.dtype);  // checked before the work
  npy::Array a = npy::Read(in);
  // In place: forward allows y to alias x.
  if (a.dtype == npy::DType::kFloat32) {
    forward(op, std::span<const float>(a.f32), std::span<float>(a.f32), params, options);
  } else {
    forward(op, std::span<const double>(a.f64), std::span<double>(a.f64), params, options);
  }
  npy::Write(out, npy::Convert(a, args.dtype.empty() ? a.dtype : npy::DTypeFromName(args.dtype)));
  return 0;
}

int Grad(const KernelArgs& args, const std::string& in, const std::string& dy_path,
         const std::string& out) {
  const Op op = op_from_name(args.fn);
  const Params params = ToParams(ParseParams(args.params));
  resolve(op, params);
  const Options options{.accuracy = accuracy_from_name(args.accuracy)};
  if (!args.dtype.empty()) npy::DTypeFromName(args.dtype);  // checked before the work
  npy::Array x = npy::Read(in);
  npy::Array dy = npy::Read(dy_path);
  if (dy.shape != x.shape) {
    throw Error(dy_path + ": shape " + ShapeText(dy) + " differs from " + in + "'s " +
                ShapeText(x));
  }
  if (dy.dtype != x.dtype) {
    throw Error(dy_path + ": dtype " + std::string(npy::DTypeName(dy.dtype)) + " differs from " +
                in + "'s " + std::string(npy::DTypeName(x.dtype)) +
                " (convert one with a.astype(...))");
  }
  // dx overwrites dy: backward allows dx to alias dy.
  if (x.dtype == npy::DType::kFloat32) {
    backward(op, std::span<const float>(x.f32), std::span<const float>(dy.f32),
             std::span<float>(dy.f32), params, nullptr, options);
  } else {
    backward(op, std::span<const double>(x.f64), std::span<const double>(dy.f64),
             std::span<double>(dy.f64), params, nullptr, options);
  }
  npy::Write(out, npy::Convert(dy, args.dtype.empty() ? dy.dtype : npy::DTypeFromName(args.dtype)));
  return 0;
}

int Plot(const PlotArgs& args) {
  std::vector<Op> ops;
  std::vector<std::string> names;
  for (size_t start = 0; start <= args.fns.size();) {
    const size_t comma = std::min(args.fns.find(',', start), args.fns.size());
    const std::string name = args.fns.substr(start, comma - start);
    if (name.empty()) throw Error("give the functions as NAME[,NAME...], got '" + args.fns + "'");
    ops.push_back(op_from_name(name));
    names.push_back(name);
    start = comma + 1;
  }
  double lo = 0, hi = 0;
  {
    const size_t colon = args.range.find(':');
    char *end1 = nullptr, *end2 = nullptr;
    const std::string a = args.range.substr(0, colon),
                      b = colon == std::string::npos ? "" : args.range.substr(colon + 1);
    lo = std::strtod(a.c_str(), &end1);
    hi = std::strtod(b.c_str(), &end2);
    if (colon == std::string::npos || a.empty() || b.empty() || *end1 || *end2 ||
        !std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
      throw Error("--range takes LO:HI with LO < HI, got '" + args.range + "'");
    }
  }
  const auto params = ParseParams(args.params);
  for (const auto& [k, v] : params) {
    bool used = false;
    for (Op op : ops) used |= Declares(info(op), k);
    if (!used) throw Error("--param " + k + ": none of " + args.fns + " takes a parameter " + k);
  }
  svg::Document doc;
  svg::LinePlot plot;
  for (const std::string& n : names) plot.title += (plot.title.empty() ? "" : ", ") + n;
  plot.title += ": f (solid) and f′ (dashed)";
  plot.x_label = "x";
  plot.y_label = "f(x), f′(x)";
  plot.width = 760;
  plot.height = 460;
  constexpr size_t kPoints = 801;
  std::vector<double> x(kPoints), ones(kPoints, 1.0);
  for (size_t i = 0; i < kPoints; ++i) {
    x[i] = lo + (hi - lo) * static_cast<double>(i) / (kPoints - 1);
  }
  for (size_t f = 0; f < ops.size(); ++f) {
    Params p;
    for (const auto& [k, v] : params) {
      if (Declares(info(ops[f]), k)) p.set(k, v);
    }
    std::vector<double> y(kPoints), dy(kPoints);
    forward(ops[f], std::span<const double>(x), std::span<double>(y), p);
    backward(ops[f], std::span<const double>(x), std::span<const double>(ones),
             std::span<double>(dy), p);
    svg::Series fn, derivative;
    fn.label = names[f];
    derivative.label = names[f] + "′";
    derivative.color_key = names[f];
    fn.x = derivative.x = x;
    fn.y = std::move(y);
    derivative.y = std::move(dy);
    derivative.dashed = true;
    plot.series.push_back(std::move(fn));
    plot.series.push_back(std::move(derivative));
  }
  io::WriteFileAtomically(args.out, svg::Render(plot, doc));
  return 0;
}

int Check(const CheckArgs& args) {
  ref::CheckOptions o;
  o.op = op_from_name(args.fn);
  if (args.type != "f32" && args.type != "f64") {
    throw Error("--type is f32 or f64, got '" + args.type + "'");
  }
  o.precision = args.type == "f32" ? ref::Precision::kFloat32 : ref::Precision::kFloat64;
  bool known = false;
  for (ref::Direction d :
       {ref::Direction::kForward, ref::Direction::kBackward, ref::Direction::kBackwardFromY}) {
    if (ref::DirectionName(d) == args.direction) o.direction = d, known = true;
  }
  if (!known) {
    throw Error("--direction is forward, backward or backward_from_y, got '" + args.direction +
                "'");
  }
  o.exhaustive = args.exhaustive;
  o.samples = args.samples;
  o.threads = args.threads;
  o.params = ToParams(ParseParams(args.params));
  o.accuracy = accuracy_from_name(args.accuracy);
  if (!args.target.empty()) {
    if (const std::string e = tools::SelectTarget(args.target); !e.empty()) {
      throw Error("--target: " + e);
    }
  }
  const std::string label = args.fn + " " + args.type + " " + args.direction +
                            (o.accuracy == Accuracy::fast ? " (fast)" : "");
  ref::ProgressDisplay display(label);
  if (!args.quiet) o.progress = std::ref(display);
  const ref::CheckResult r = ref::CheckAll(o);
  const ref::Stats& s = r.activ;
  display.Finish();
  fmt::print("{}", ref::CheckReport(label, o, r));
  if (args.max_ulp >= 0 && !(s.max_ulp <= args.max_ulp)) {
    throw Error(fmt::format("{}: {:.4f} ULP exceeds --max-ulp {}", label, s.max_ulp, args.max_ulp));
  }
  return 0;
}

int Bench(const std::vector<std::string>& args, const char* argv0) {
  namespace fs = std::filesystem;
  // The accuracy mode is checked here too, so that a bad one is activ's one-line error whether
  // or not the benchmark program is there.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--accuracy") {
      if (i + 1 == args.size()) throw Error("bench: --accuracy needs a value: faithful or fast");
      accuracy_from_name(args[i + 1]);
    } else if (args[i].starts_with("--accuracy=")) {
      accuracy_from_name(std::string_view(args[i]).substr(11));
    }
  }
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ACTIV_BENCH"); env && *env) {
    candidates.push_back(env);
  } else {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) self = fs::absolute(argv0, ec);
    const fs::path dir = self.parent_path();
    // Installed: beside activ. Build tree: build/cli/activ and build/bench/.
    for (const fs::path& d : {dir, dir.parent_path() / "bench"}) {
      for (const char* name : {"activ-bench", "activ_bench"}) candidates.push_back(d / name);
    }
  }
  for (const std::string& path : candidates) {
    if (::access(path.c_str(), X_OK) != 0) continue;
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    throw Error("cannot run " + path + ": " + std::strerror(errno));
  }
  std::string looked;
  for (const std::string& c : candidates) looked += (looked.empty() ? "" : ", ") + c;
  throw Error("the benchmark program activ-bench is not installed (looked for " + looked +
              "); it is built with activ when Google Benchmark is found (scripts/bench-deps.sh "
              "installs it) and installed beside activ by cmake --install; or set ACTIV_BENCH "
              "to its path");
}

int Report(const std::string& dir, const std::string& out, bool quiet) {
  const report::LabResults results = report::ReadLab(dir);
  // An experiment's SVG plots are rewritten with the page, as `activ lab --experiment` wrote
  // them: a report regenerated from a directory leaves none of its files stale.
  const std::string path = report::WriteReport(results, dir, out);
  if (quiet) return 0;
  fmt::print("{}\nwrote {}\n", report::RenderText(results), path);
  if (!results.experiment.name.empty()) {
    const std::filesystem::path at = std::filesystem::path(path).parent_path();
    fmt::print(
        "plots: {}\n",
        ((at.empty() ? "." : at) / ("experiment-" + results.experiment.name + "-*.svg")).string());
  }
  return 0;
}

}  // namespace activ::cli
