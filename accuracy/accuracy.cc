#include "accuracy.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "half.h"
#include "inputs.h"
#include "rowwise_measure.h"

namespace activ::ref {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

unsigned Threads(unsigned requested) {
  return requested ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// One chunk's measurement: activ, then each peer (its results of finite inputs).
struct ChunkResult {
  Stats activ;
  std::vector<Stats> peers;
  ScreenCheck screen;
  double screen_margin = kScreenMargin;
};

template <typename T>
ChunkResult MeasureChunk(const CheckOptions& o, std::span<const T> xs) {
  ChunkResult r;
  if constexpr (sizeof(T) == 8) {
    if (o.direction == Direction::kForward) {
      std::vector<double> out(xs.size());
      forward(o.op, xs, std::span<double>(out), o.params);
      const std::vector<double> p = KernelParams<double>(o.op, o.params);
      r.activ = MeasureScreened64(o.op, xs, out, p.data(), &r.screen);
      r.screen_margin = kScreenMargin64;
    } else {
      r.activ = Measure<double>(o.op, o.direction, xs, o.params);
    }
  } else {
    const size_t n = xs.size();
    std::vector<float> dy(n), out(n);
    if (o.direction != Direction::kForward) {
      for (size_t i = 0; i < n; ++i) dy[i] = UpstreamGradient<float>(i);
    }
    RunActiv<float>(o.op, o.direction, o.params, xs, dy, out, Options{.accuracy = o.accuracy});
    const std::vector<double> p = KernelParams<float>(o.op, o.params);
    const std::vector<double> rd = ScreenReference(o.op, o.direction, xs, dy, p.data());
    r.activ = MeasureScreened(o.op, o.direction, xs, dy, out, rd, p.data(), false, &r.screen);
    for (const PeerRun& peer : o.peers) {
      peer.run(xs, dy, out);
      r.peers.push_back(
          MeasureScreened(o.op, o.direction, xs, dy, out, rd, p.data(), true, &r.screen));
    }
  }
  return r;
}

// Splits the work into chunks handed to every core; `make_chunk(i)` returns chunk i's inputs.
// The chunks' results are merged in chunk order, so that among equal errors the one reported is
// the first in input order whatever the threads did: the table is the same from run to run.
template <typename T, class MakeChunk>
CheckResult RunParallel(const CheckOptions& o, size_t chunks, unsigned threads,
                        MakeChunk make_chunk) {
  std::atomic<size_t> next{0};
  size_t done = 0;
  std::vector<ChunkResult> per_chunk(chunks);
  std::mutex mu;
  std::exception_ptr failure;
  auto worker = [&] {
    try {
      for (size_t c; (c = next.fetch_add(1)) < chunks;) {
        const std::vector<T> xs = make_chunk(c);
        per_chunk[c] = MeasureChunk<T>(o, xs);
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        if (o.progress) o.progress(done, chunks);
      }
    } catch (...) {
      // A peer library may throw; the other workers stop at their next chunk.
      std::lock_guard<std::mutex> lock(mu);
      if (!failure) failure = std::current_exception();
      next = chunks;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  CheckResult total;
  total.peers.resize(o.peers.size());
  for (const ChunkResult& c : per_chunk) {
    total.activ.Merge(c.activ);
    for (size_t k = 0; k < c.peers.size(); ++k) total.peers[k].Merge(c.peers[k]);
    total.screen.Merge(c.screen);
    total.screen_margin = c.screen_margin;
  }
  return total;
}

template <typename T>
CheckResult Sampled(const CheckOptions& o, size_t samples, unsigned threads) {
  std::vector<T> all = SweepInputs<T>(samples);
  // The zeros of f' and both tails, where the backward bound is hardest to meet.
  for (T x : CriticalInputs<T>(o.op, o.params)) all.push_back(x);
  const size_t chunk = 1 << 16, chunks = (all.size() + chunk - 1) / chunk;
  return RunParallel<T>(o, chunks, threads, [&](size_t c) {
    const size_t b = c * chunk, e = std::min(all.size(), b + chunk);
    return std::vector<T>(all.begin() + static_cast<std::ptrdiff_t>(b),
                          all.begin() + static_cast<std::ptrdiff_t>(e));
  });
}

CheckResult Exhaustive(const CheckOptions& o, unsigned threads) {
  const size_t chunk = 1 << 20, chunks = (size_t{1} << 32) / chunk;
  return RunParallel<float>(o, chunks, threads, [&](size_t c) {
    std::vector<float> xs(chunk);
    for (size_t i = 0; i < chunk; ++i)
      xs[i] = FromBits<float>(static_cast<uint32_t>(c * chunk + i));
    return xs;
  });
}

}  // namespace

std::string FmtUlp(double ulp) {
  char buf[64];
  std::snprintf(buf, sizeof buf, ulp < 1000 ? "%.3f" : "%.3g", ulp);
  return buf;
}

std::string FmtX(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string ParamsText(const Params& p) {
  std::string s;
  for (const auto& [k, v] : p.values()) s += (s.empty() ? "" : ", ") + k + "=" + FmtX(v);
  return s;
}

namespace {

template <class F>
HalfStats MeasureHalf(Op op, const Params& params) {
  using S = typename F::Storage;
  std::vector<S> xs(65536), y(65536), dy(65536), dx(65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    xs[i] = {static_cast<uint16_t>(i)};
    const float g = UpstreamGradient<float>(i);
    if constexpr (std::is_same_v<S, bfloat16>) {
      dy[i] = to_bfloat16(g);
    } else {
      dy[i] = to_float16(g);
    }
  }
  forward(op, xs, y, params);
  backward(op, xs, dy, dx, params);
  const std::vector<double> p = KernelParams<float>(op, params);
  HalfStats s;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = to_float(xs[i]), got = to_float(y[i]);
    const long double r = forward(op, x, p.data());
    const double steps = StepsFromCorrect<F>(got, r);
    s.max_steps = std::max(s.max_steps, steps);
    s.not_rounded += steps > 0;
    s.max_ulp = std::max(s.max_ulp, FormatUlpError<F>(got, r));
    const float g = to_float(dy[i]), d = to_float(dx[i]);
    const long double exact = static_cast<long double>(g) * derivative(op, x, p.data());
    const bool within_slack =
        std::fabs(d - exact) <=
        std::fabs(static_cast<long double>(g)) * derivative_slack(op, x, p.data(), F::kDigits);
    if (!within_slack)
      s.max_backward_steps = std::max(s.max_backward_steps, StepsFromCorrect<F>(d, exact));
  }
  return s;
}

}  // namespace

std::vector<HalfRow> MeasureHalfTable() {
  std::vector<HalfRow> rows;
  for (const OpInfo& o : all_ops()) {
    const Params params = TestParams(o.op)[0];
    rows.push_back({std::string(o.name), MeasureHalf<Bf16Format>(o.op, params),
                    MeasureHalf<F16Format>(o.op, params)});
  }
  return rows;
}

std::string RenderHalfTable(const std::vector<HalfRow>& rows) {
  std::ostringstream md;
  md << "\n## bfloat16 and float16, all 65536 inputs\n\n"
     << "Computed in float32 and rounded once more on store: on targets with FMA the fast "
        "kernels' float32 values where the function has one for that direction (within 4 ULP "
        "of float32), the faithful ones otherwise. The spec allows one step of the 16-bit type "
        "from the correctly rounded value, which the double rounding uses where the float32 "
        "value lands on the other side of a 16-bit halfway point (mostly where float32 is "
        "itself subnormal). Columns: the largest error in ULP of the 16-bit type against the "
        "exact value; how many of the 65536 results are not the correctly rounded value (each "
        "is one step from it); the backward pass in steps from the correctly rounded exact "
        "`dy*f'(x)` (0 within the bound's second term 2^-p |dy x f''(x)|, p = 8 or 11). Default "
        "parameters "
        "(threshold: threshold=0.5, value=-2).\n\n"
     << "| function | bf16 forward ULP | bf16 not correctly rounded | bf16 backward steps | "
        "f16 forward ULP | f16 not correctly rounded | f16 backward steps |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const HalfRow& r : rows) {
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %.3f | %zu | %.0f | %.3f | %zu | %.0f |\n", r.op.c_str(),
                  r.bf16.max_ulp, r.bf16.not_rounded, r.bf16.max_backward_steps, r.f16.max_ulp,
                  r.f16.not_rounded, r.f16.max_backward_steps);
    md << row;
  }
  return md.str();
}

std::string HalfTable() { return RenderHalfTable(MeasureHalfTable()); }

// Random and adversarial rows (accuracy/rowwise_measure.h), one row set per core.
RowTableResults MeasureRowTable(Accuracy accuracy) {
  const auto f32_random = RandomRows<float>(1);
  const auto f32_adv = AdversarialRows<float>();
  const auto f64_random = RandomRows<double>(1);
  const auto f64_adv = AdversarialRows<double>();
  auto both = [](auto a, const auto& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const auto f32_all = both(f32_random, f32_adv);
  const auto f64_all = both(f64_random, f64_adv);
  RowTableResults res;
  res.random_rows = f32_random.size();
  for (const auto& r : f32_random) res.random_elements += r.x.size();
  for (RowOp op : kRowOps) {
    RowTableLine line;
    line.op = std::string(RowOpName(op));
    RowStats* cells = line.cells;
    std::vector<std::thread> pool;
    pool.emplace_back([&] { cells[0] = MeasureRowForward(op, f32_random, accuracy); });
    pool.emplace_back([&] { cells[1] = MeasureRowForward(op, f32_adv, accuracy); });
    pool.emplace_back([&] { cells[2] = MeasureRowForward(op, f64_random, accuracy); });
    pool.emplace_back([&] { cells[3] = MeasureRowForward(op, f64_adv, accuracy); });
    pool.emplace_back([&] { cells[4] = MeasureRowBackward(op, f32_all, accuracy); });
    pool.emplace_back([&] { cells[5] = MeasureRowBackward(op, f64_all, accuracy); });
    for (auto& t : pool) t.join();
    std::fprintf(stderr, "%-12s f32 %.3f / %.3f (%s)  f64 %.3f / %.3f (%s)  backward %.3f / %.3f\n",
                 line.op.c_str(), cells[0].max_ulp, cells[1].max_ulp, cells[1].worst_row.c_str(),
                 cells[2].max_ulp, cells[3].max_ulp, cells[3].worst_row.c_str(), cells[4].max_ulp,
                 cells[5].max_ulp);
    res.lines.push_back(std::move(line));
  }
  return res;
}

std::string RenderRowTable(const RowTableResults& res) {
  std::ostringstream md;
  md << "## Row-wise functions\n\n"
     << "softmax, log_softmax and softmin over rows, against the long double reference of "
        "`reference/rowwise_reference.cc`, in ULP of the result type. Random rows: "
     << res.random_rows << " rows (" << res.random_elements
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
        "forward 1 ULP for both types, backward 1 ULP (float32) and 2 ULP (float64).\n\n"
     << "| function | f32 random | f32 adversarial | worst f32 row | f64 random | f64 adversarial "
        "| worst f64 row | f32 backward | f64 backward |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  for (const RowTableLine& line : res.lines) {
    const RowStats* cells = line.cells;
    auto f = [](const RowStats& st) { return FmtUlp(st.max_ulp); };
    md << "| " << line.op << " | " << f(cells[0]) << " | " << f(cells[1]) << " | "
       << cells[1].worst_row << " | " << f(cells[2]) << " | " << f(cells[3]) << " | "
       << cells[3].worst_row << " | " << f(cells[4]) << " | " << f(cells[5]) << " |\n";
  }
  return md.str();
}

std::string RowTable(Accuracy accuracy) { return RenderRowTable(MeasureRowTable(accuracy)); }

size_t DefaultSamples(Precision precision) {
  return precision == Precision::kFloat32 ? size_t{1} << 24 : size_t{1} << 22;
}

CheckResult CheckAll(const CheckOptions& o) {
  // Everything that can fail is checked here: the workers run on other threads.
  if (o.exhaustive && o.precision != Precision::kFloat32) {
    throw Error("the exhaustive check is for float32 (2^32 inputs); float64 is sampled");
  }
  if (!o.peers.empty() && o.precision != Precision::kFloat32) {
    throw Error("peers are measured in float32 only");
  }
  if (o.direction == Direction::kBackwardFromY && !(info(o.op).flags & kFromY)) {
    throw Error(std::string(name(o.op)) +
                " has no backward_from_y (its derivative is not a function of its output)");
  }
  resolve(o.op, o.params);
  const unsigned threads = Threads(o.threads);
  const size_t samples = o.samples ? o.samples : DefaultSamples(o.precision);
  CheckResult r;
  if (o.exhaustive) {
    r = Exhaustive(o, threads);
  } else if (o.precision == Precision::kFloat32) {
    r = Sampled<float>(o, samples, threads);
  } else {
    r = Sampled<double>(o, samples, threads);
  }
  if (r.screen.max_diff > r.screen_margin / 2) {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  "the double screen of the reference is off by %.3g ULP at x = %.9g, beyond its "
                  "margin: this result cannot be trusted",
                  r.screen.max_diff, r.screen.max_diff_x);
    throw Error(msg);
  }
  return r;
}

Stats Check(const CheckOptions& o) { return CheckAll(o).activ; }

std::string CheckReport(const std::string& label, const CheckOptions& o, const CheckResult& r) {
  const auto line = [](const std::string& who, const Stats& s) {
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "%s: max %.4f ULP at x = %.9g; %llu results, %llu over 0.5 ULP, %llu over 1 "
                  "ULP\n",
                  who.c_str(), s.max_ulp, s.worst_x, static_cast<unsigned long long>(s.count),
                  static_cast<unsigned long long>(s.over_half),
                  static_cast<unsigned long long>(s.over_one));
    std::string text = buf;
    const std::vector<std::string> worst = s.WorstRanges(5);
    if (!worst.empty()) {
      text += "  largest errors by input range:";
      for (const std::string& w : worst) text += "  " + w;
      text += "\n";
    }
    return text;
  };
  // The target that ran: one host measures each target it can run (activ-accuracy --target).
  std::string text = "SIMD target: " + std::string(simd_target()) + "\n" + line(label, r.activ);
  for (size_t k = 0; k < o.peers.size(); ++k) {
    text += line(o.peers[k].name + " (finite inputs)", r.peers[k]);
  }
  if (o.precision == Precision::kFloat32 || o.direction == Direction::kForward) {
    const bool f32 = o.precision == Precision::kFloat32;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "reference: %s screen, %llu results measured again in %s; the screen was "
                  "within %.2g ULP of it\n",
                  f32 ? "double" : "long double",
                  static_cast<unsigned long long>(r.screen.rechecked), f32 ? "long double" : "MPFR",
                  r.screen.max_diff);
    text += buf;
  }
  return text;
}

ProgressDisplay::ProgressDisplay(std::string label)
    : label_(std::move(label)), tty_(isatty(2) != 0), start_(Now()) {}

void ProgressDisplay::operator()(size_t done, size_t total) {
  if (total == 0) return;
  const int percent = static_cast<int>(100 * done / total);
  const double elapsed = Now() - start_;
  if (tty_) {
    const int width = 40, fill = static_cast<int>(width * done / total);
    const double left = elapsed * static_cast<double>(total - done) /
                        static_cast<double>(std::max<size_t>(done, 1));
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %.0fs elapsed, %.0fs left ", label_.c_str(), fill,
                 "########################################", width - fill, "", percent, elapsed,
                 left);
    std::fflush(stderr);
  } else if (percent / 5 != last_percent_ / 5) {
    std::fprintf(stderr, "%s: %d%% (%.0fs)\n", label_.c_str(), percent, elapsed);
  }
  last_percent_ = percent;
}

void ProgressDisplay::Finish() {
  if (tty_ && last_percent_ >= 0) std::fprintf(stderr, "\n");
  last_percent_ = -1;
}

}  // namespace activ::ref
