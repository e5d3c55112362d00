// activ-accuracy: measures the library against the long double reference, on both cores.
//
//   activ-accuracy --write docs/ACCURACY.md        the table of every function (sampled sweep)
//                                                  and of the row-wise functions
//   activ-accuracy --rows                          the row-wise table alone, on stdout
//   activ-accuracy --fn gelu [--type f32|f64] [--direction forward|backward|backward_from_y]
//                  [--exhaustive | --samples N] [--param k=v ...]
//
// The exhaustive mode runs all 2^32 float32 inputs, with a progress line on stderr.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "activ/activ.h"
#include "half.h"
#include "inputs.h"
#include "measure.h"
#include "rowwise_reference.h"

namespace {

using activ::Op;
using activ::ref::Direction;
using activ::ref::Stats;

struct Options {
  std::string write_path;
  bool rows_only = false;
  std::string fn;
  std::string type = "f32";
  Direction direction = Direction::kForward;
  bool exhaustive = false;
  size_t samples = 0;
  activ::Params params;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  double max_ulp = INFINITY;  // exit status 1 when the measured error exceeds it
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr,
               "activ-accuracy: %s\n"
               "usage: activ-accuracy --write FILE.md [--samples N]\n"
               "       activ-accuracy --rows\n"
               "       activ-accuracy --fn NAME [--type f32|f64] "
               "[--direction forward|backward|backward_from_y] [--exhaustive | --samples N] "
               "[--param k=v ...] [--max-ulp X]\n",
               error.c_str());
  std::exit(2);
}

// Splits the work into chunks handed to every core; `make_chunk(i)` returns chunk i's inputs.
template <typename T, class MakeChunk>
Stats RunParallel(Op op, Direction dir, const activ::Params& params, size_t chunks,
                  unsigned threads, MakeChunk make_chunk, bool progress) {
  std::atomic<size_t> next{0}, done{0};
  Stats total;
  std::mutex mu;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    Stats local;
    for (size_t c; (c = next.fetch_add(1)) < chunks;) {
      const std::vector<T> xs = make_chunk(c);
      local.Merge(activ::ref::Measure<T>(op, dir, xs, params));
      const size_t d = done.fetch_add(1) + 1;
      if (progress && (d % 16 == 0 || d == chunks)) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::lock_guard<std::mutex> lock(mu);
        if (isatty(2)) {
          const int width = 40, fill = static_cast<int>(width * d / chunks);
          std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %.0fs elapsed, %.0fs left ", fill,
                       "########################################", width - fill, "",
                       100.0 * static_cast<double>(d) / static_cast<double>(chunks), s,
                       s * static_cast<double>(chunks - d) / static_cast<double>(d));
        } else if (d % (chunks / 20 + 1) == 0 || d == chunks) {
          std::fprintf(stderr, "%5.1f%% (%.0fs)\n",
                       100.0 * static_cast<double>(d) / static_cast<double>(chunks), s);
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    total.Merge(local);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (progress && isatty(2)) std::fprintf(stderr, "\n");
  return total;
}

template <typename T>
Stats Sampled(Op op, Direction dir, const activ::Params& params, size_t samples,
              unsigned threads) {
  const std::vector<T> all = activ::ref::SweepInputs<T>(samples);
  const size_t chunk = 1 << 16, chunks = (all.size() + chunk - 1) / chunk;
  return RunParallel<T>(
      op, dir, params, chunks, threads,
      [&](size_t c) {
        const size_t b = c * chunk, e = std::min(all.size(), b + chunk);
        return std::vector<T>(all.begin() + static_cast<std::ptrdiff_t>(b),
                              all.begin() + static_cast<std::ptrdiff_t>(e));
      },
      false);
}

Stats Exhaustive(Op op, Direction dir, const activ::Params& params, unsigned threads) {
  const size_t chunk = 1 << 20, chunks = (size_t{1} << 32) / chunk;
  return RunParallel<float>(
      op, dir, params, chunks, threads,
      [&](size_t c) {
        std::vector<float> xs(chunk);
        for (size_t i = 0; i < chunk; ++i) {
          xs[i] = activ::ref::FromBits<float>(static_cast<uint32_t>(c * chunk + i));
        }
        return xs;
      },
      true);
}

std::string Fmt(const Stats& s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", s.max_ulp);
  return buf;
}

std::string FmtX(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string ParamsText(const activ::Params& p) {
  std::string s;
  for (const auto& [k, v] : p.values()) s += (s.empty() ? "" : ", ") + k + "=" + FmtX(v);
  return s;
}

// The 16-bit types, exhaustively: all 65536 inputs of each, default parameters.
struct HalfStats {
  double max_ulp = 0;      // against the exact value, in ULP of the 16-bit type
  double max_steps = 0;    // steps from the correctly rounded value (0 or 1 by the spec)
  size_t not_rounded = 0;  // results that are not the correctly rounded value
  double max_backward_steps = 0;  // 0 where the spec's absolute alternative holds
};

template <class F>
HalfStats MeasureHalf(Op op, const activ::Params& params) {
  using S = typename F::Storage;
  std::vector<S> xs(65536), y(65536), dy(65536), dx(65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    xs[i] = {static_cast<uint16_t>(i)};
    const float g = activ::ref::UpstreamGradient<float>(i);
    if constexpr (std::is_same_v<S, activ::bfloat16>) {
      dy[i] = activ::to_bfloat16(g);
    } else {
      dy[i] = activ::to_float16(g);
    }
  }
  activ::forward(op, xs, y, params);
  activ::backward(op, xs, dy, dx, params);
  const std::vector<double> p = activ::ref::KernelParams<float>(op, params);
  HalfStats s;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = activ::to_float(xs[i]), got = activ::to_float(y[i]);
    const long double r = activ::ref::forward(op, x, p.data());
    const double steps = activ::ref::StepsFromCorrect<F>(got, r);
    s.max_steps = std::max(s.max_steps, steps);
    s.not_rounded += steps > 0;
    s.max_ulp = std::max(s.max_ulp, activ::ref::FormatUlpError<F>(got, r));
    const float g = activ::to_float(dy[i]), d = activ::to_float(dx[i]);
    const long double exact = static_cast<long double>(g) * activ::ref::derivative(op, x, p.data());
    const bool abs_ok = std::fabs(d - exact) <= std::ldexp(std::fabs(static_cast<long double>(g)), -F::kDigits);
    if (!abs_ok) s.max_backward_steps = std::max(s.max_backward_steps, activ::ref::StepsFromCorrect<F>(d, exact));
  }
  return s;
}

void WriteHalfTable(std::ostringstream& md) {
  md << "\n## bfloat16 and float16, all 65536 inputs\n\n"
     << "Computed in float32 (in double, like float32) and rounded once more on store, so each "
        "result is the correctly rounded conversion of the float32 result; the spec allows one "
        "step of the 16-bit type from the correctly rounded value, and the double rounding uses "
        "it where the float32 result lands on a 16-bit halfway point (mostly where float32 is "
        "itself subnormal). Columns: the largest error in ULP of the 16-bit type against the "
        "exact value; how many of the 65536 results are not the correctly rounded value (each "
        "is one step from it); the backward pass in steps from the correctly rounded exact "
        "`dy*f'(x)` (0 where the absolute alternative 2^-p |dy| holds). Default parameters "
        "(threshold: threshold=0.5, value=-2).\n\n"
     << "| function | bf16 forward ULP | bf16 not correctly rounded | bf16 backward steps | "
        "f16 forward ULP | f16 not correctly rounded | f16 backward steps |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const activ::OpInfo& o : activ::all_ops()) {
    const activ::Params params = activ::ref::TestParams(o.op)[0];
    const HalfStats b = MeasureHalf<activ::ref::Bf16Format>(o.op, params);
    const HalfStats h = MeasureHalf<activ::ref::F16Format>(o.op, params);
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %.3f | %zu | %.0f | %.3f | %zu | %.0f |\n",
                  std::string(o.name).c_str(), b.max_ulp, b.not_rounded, b.max_backward_steps,
                  h.max_ulp, h.not_rounded, h.max_backward_steps);
    md << row;
  }
}

// The row-wise functions: random and adversarial rows (reference/rowwise_reference.h), one row
// set per core.
std::string RowTable() {
  const auto f32_random = activ::ref::RandomRows<float>(1);
  const auto f32_adv = activ::ref::AdversarialRows<float>();
  const auto f64_random = activ::ref::RandomRows<double>(1);
  const auto f64_adv = activ::ref::AdversarialRows<double>();
  auto both = [](auto a, const auto& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const auto f32_all = both(f32_random, f32_adv);
  const auto f64_all = both(f64_random, f64_adv);
  size_t elements = 0, rows = f32_random.size();
  for (const auto& r : f32_random) elements += r.x.size();
  std::ostringstream md;
  md << "## Row-wise functions\n\n"
     << "softmax, log_softmax and softmin over rows, against the long double reference of "
        "`reference/rowwise_reference.cc`, in ULP of the result type. Random rows: "
     << rows << " rows (" << elements
     << " elements) of every length from 1 to 70 and 100 to 40000 (across the block and "
        "one-pass limits), uniform logits within +-1, +-10 and +-100. Adversarial rows: huge "
        "logits of both signs (+-1e30, +-max, and +-1e300 in float64), -inf and +inf entries, "
        "all -inf, a single element, one logit dominant by 20 or 40 (log-probability near "
        "-1e-18), two equal maxima, probabilities down to the subnormals, 32000 equal values, "
        "values within 64 ULP of 1 or near 1e-30, maxima that rise (or fall) through 40000 "
        "elements, block maxima rising stepwise through 20000, "
        "-inf every third element of 4097. A special row must give the policy's value (NaN, "
        "0, -inf) exactly. Backward (from y, with pseudo-random dy) over both sets, with the "
        "mixed bound: an error counts as 0 within k 2^-p times the size of the terms that "
        "cancel (|y|(|dy| + |sum dy y|) for softmax and softmin, |dy| + e^y |sum dy| for "
        "log_softmax; k = 1 for float32, 4 for float64). Bounds asserted by tests/rowwise_test: "
        "float32 1 ULP, float64 4 ULP, both directions.\n\n"
     << "| function | f32 random | f32 adversarial | worst f32 row | f64 random | f64 adversarial "
        "| worst f64 row | f32 backward | f64 backward |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  for (activ::ref::RowOp op : activ::ref::kRowOps) {
    activ::ref::RowStats cells[6];
    std::vector<std::thread> pool;
    pool.emplace_back([&] { cells[0] = activ::ref::MeasureRowForward(op, f32_random); });
    pool.emplace_back([&] { cells[1] = activ::ref::MeasureRowForward(op, f32_adv); });
    pool.emplace_back([&] { cells[2] = activ::ref::MeasureRowForward(op, f64_random); });
    pool.emplace_back([&] { cells[3] = activ::ref::MeasureRowForward(op, f64_adv); });
    pool.emplace_back([&] { cells[4] = activ::ref::MeasureRowBackward(op, f32_all); });
    pool.emplace_back([&] { cells[5] = activ::ref::MeasureRowBackward(op, f64_all); });
    for (auto& t : pool) t.join();
    auto f = [](const activ::ref::RowStats& st) { return Fmt(Stats{st.max_ulp}); };
    md << "| " << activ::ref::RowOpName(op) << " | " << f(cells[0]) << " | " << f(cells[1])
       << " | " << cells[1].worst_row << " | " << f(cells[2]) << " | " << f(cells[3]) << " | "
       << cells[3].worst_row << " | " << f(cells[4]) << " | " << f(cells[5]) << " |\n";
    std::fprintf(stderr, "%-12s f32 %.3f / %.3f (%s)  f64 %.3f / %.3f (%s)  backward %.3f / %.3f\n",
                 std::string(activ::ref::RowOpName(op)).c_str(), cells[0].max_ulp,
                 cells[1].max_ulp, cells[1].worst_row.c_str(), cells[2].max_ulp, cells[3].max_ulp,
                 cells[3].worst_row.c_str(), cells[4].max_ulp, cells[5].max_ulp);
  }
  return md.str();
}

int WriteTable(const Options& opt) {
  const size_t f32_samples = opt.samples ? opt.samples : size_t{1} << 22;
  const size_t f64_samples = opt.samples ? opt.samples : size_t{1} << 20;
  std::ostringstream md;
  md << "# Accuracy\n\n"
     << "Generated by `build/tools/activ-accuracy --write docs/ACCURACY.md`; do not edit by hand.\n"
     << "SIMD target: " << activ::simd_target() << ".\n\n"
     << "Errors are in ULP of the result type against the long double reference in "
        "`reference/` (kept apart from the kernels). Inputs: float32, a sweep of every "
     << (uint64_t{1} << 32) / f32_samples
     << "th bit pattern (all binades, both signs, subnormals, infinities, NaN) plus the special and "
        "kink points of `reference/inputs.h`; float64, "
     << f64_samples / 2 << " random bit patterns, " << f64_samples / 2
     << " uniform points in [-50, 50], and the same special points.\n\n"
     << "Backward columns use the spec's mixed bound: an error counts as 0 when it is within "
        "2^-p |dy| absolute (p = 24 for float32, 53 for float64; 4x that from y, which inherits "
        "the rounding of y); otherwise it is given in ULP. `x` is the input of the largest "
        "error. Bounds asserted by the tests: float32 forward 1 ULP, float64 forward 4 ULP, "
        "backward 2 ULP. The exhaustive float32 check of one function: "
        "`activ-accuracy --fn NAME --exhaustive`.\n\n"
     << "| function | parameters | f32 forward | x | f32 backward | f32 from y | f64 forward | x "
        "| f64 backward | f64 from y |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n";
  double worst_f32 = 0;
  for (const activ::OpInfo& o : activ::all_ops()) {
    for (const activ::Params& params : activ::ref::TestParams(o.op)) {
      const bool from_y = o.flags & activ::kFromY;
      const Stats f32 = Sampled<float>(o.op, Direction::kForward, params, f32_samples, opt.threads);
      const Stats b32 = Sampled<float>(o.op, Direction::kBackward, params, f32_samples, opt.threads);
      const Stats f64 = Sampled<double>(o.op, Direction::kForward, params, f64_samples, opt.threads);
      const Stats b64 = Sampled<double>(o.op, Direction::kBackward, params, f64_samples, opt.threads);
      std::string y32 = "—", y64 = "—";
      if (from_y) {
        y32 = Fmt(Sampled<float>(o.op, Direction::kBackwardFromY, params, f32_samples, opt.threads));
        y64 = Fmt(Sampled<double>(o.op, Direction::kBackwardFromY, params, f64_samples, opt.threads));
      }
      worst_f32 = std::max(worst_f32, f32.max_ulp);
      const std::string ptext = ParamsText(params);
      md << "| " << o.name << " | " << (ptext.empty() ? "defaults" : ptext) << " | " << Fmt(f32)
         << " | " << FmtX(f32.worst_x) << " | " << Fmt(b32) << " | " << y32 << " | " << Fmt(f64)
         << " | " << FmtX(f64.worst_x) << " | " << Fmt(b64) << " | " << y64 << " |\n";
      std::fprintf(stderr, "%-12s %-30s f32 %.3f  f64 %.3f\n", std::string(o.name).c_str(),
                   ptext.c_str(), f32.max_ulp, f64.max_ulp);
    }
  }
  md << "\nLargest float32 forward error over the table: " << Fmt(Stats{worst_f32}) << " ULP.\n\n"
     << RowTable();
  WriteHalfTable(md);
  // Written to a temporary file and renamed, so a failed run never leaves half a table.
  const std::string tmp = opt.write_path + ".tmp";
  {
    std::ofstream out(tmp);
    out << md.str();
    if (!out) {
      std::fprintf(stderr, "activ-accuracy: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), opt.write_path.c_str()) != 0) {
    std::fprintf(stderr, "activ-accuracy: cannot rename %s to %s: %s\n", tmp.c_str(),
                 opt.write_path.c_str(), std::strerror(errno));
    return 1;
  }
  return 0;
}

Direction ParseDirection(const std::string& s) {
  for (Direction d : {Direction::kForward, Direction::kBackward, Direction::kBackwardFromY}) {
    if (activ::ref::DirectionName(d) == s) return d;
  }
  Usage("unknown direction '" + s + "'");
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) Usage(a + " needs a value");
        return argv[++i];
      };
      if (a == "--rows") {
        opt.rows_only = true;
      } else if (a == "--write") {
        opt.write_path = value();
      } else if (a == "--fn") {
        opt.fn = value();
      } else if (a == "--type") {
        opt.type = value();
        if (opt.type != "f32" && opt.type != "f64") Usage("--type is f32 or f64");
      } else if (a == "--direction") {
        opt.direction = ParseDirection(value());
      } else if (a == "--exhaustive") {
        opt.exhaustive = true;
      } else if (a == "--samples") {
        opt.samples = std::stoull(value());
      } else if (a == "--max-ulp") {
        opt.max_ulp = std::stod(value());
      } else if (a == "--threads") {
        opt.threads = static_cast<unsigned>(std::stoul(value()));
      } else if (a == "--param") {
        const std::string kv = value();
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) Usage("--param takes name=value, got '" + kv + "'");
        opt.params.set(kv.substr(0, eq), std::stod(kv.substr(eq + 1)));
      } else {
        Usage("unknown argument '" + a + "'");
      }
    }
    if (opt.rows_only) {
      std::fputs(RowTable().c_str(), stdout);
      return 0;
    }
    if (!opt.write_path.empty()) return WriteTable(opt);
    if (opt.fn.empty()) Usage("give --write FILE or --fn NAME");
    const Op op = activ::op_from_name(opt.fn);
    if (opt.exhaustive && opt.type != "f32") Usage("--exhaustive is for f32");
    Stats s;
    if (opt.exhaustive) {
      s = Exhaustive(op, opt.direction, opt.params, opt.threads);
    } else if (opt.type == "f32") {
      s = Sampled<float>(op, opt.direction, opt.params, opt.samples ? opt.samples : 1 << 24,
                         opt.threads);
    } else {
      s = Sampled<double>(op, opt.direction, opt.params, opt.samples ? opt.samples : 1 << 22,
                          opt.threads);
    }
    std::printf("%s %s %s: max %.4f ULP at x = %.9g; %llu results, %llu over 0.5 ULP, %llu over 1 ULP\n",
                opt.fn.c_str(), opt.type.c_str(),
                std::string(activ::ref::DirectionName(opt.direction)).c_str(), s.max_ulp,
                s.worst_x, static_cast<unsigned long long>(s.count),
                static_cast<unsigned long long>(s.over_half),
                static_cast<unsigned long long>(s.over_one));
    const auto worst = s.WorstRanges(5);
    if (!worst.empty()) {
      std::printf("largest errors by input range:");
      for (const std::string& w : worst) std::printf("  %s", w.c_str());
      std::printf("\n");
    }
    if (!(s.max_ulp <= opt.max_ulp)) {
      std::fprintf(stderr, "activ-accuracy: %s exceeds the bound of %g ULP\n", opt.fn.c_str(),
                   opt.max_ulp);
      return 1;
    }
    return 0;
  } catch (const activ::Error& e) {
    std::fprintf(stderr, "activ-accuracy: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    Usage(e.what());
  }
}
