// activ against its peers (oneDNN, XNNPACK, PyTorch, Eigen: whichever the build found) and two
// yardsticks (a copy and a two-input add: the memory-bandwidth limit of a forward and of a
// backward call), every function of the registry, forward, backward and backward from y,
// float32 and float64, at 4096, 262144 and 16777216 elements, side by side in one process on
// the same inputs and the same thread count.
//
//   activ-bench [--threads=N] [--target=avx3|avx2|sse4|scalar] [--sizes=4096,262144]
//   [--types=f32,f64,bf16,f16] [--suite=rows] [--accuracy=faithful|fast]
//               [benchmark flags]
//
// The accuracy modes (docs/SPEC.md): by default activ's faithful rows (`activ`) and, for the
// functions with a fast kernel of their own, the fast mode's rows (`activ-fast`) beside them;
// --accuracy=faithful runs only the first, --accuracy=fast only the fast mode's, for every
// function (one without a fast kernel runs its faithful kernel there, as a fast call does).
//
// The 16-bit types (--types=bf16,f16) run activ and PyTorch's 16-bit kernels, with activ's
// float32 beside them. --suite=rows runs the row-wise functions (softmax, log_softmax) on
// [rows, cols] arrays and the gated unit swiglu instead of the element-wise functions.
//
// Benchmark names are function/direction/type/size/contender (size rowsxcols for row-wise);
// bench/run.sh runs this with repetitions and turns the medians into docs/PERFORMANCE.md.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include "../tools/target_flag.h"
#include "activ/activ.h"
#include "activ/gated.h"
#include "activ/rowwise.h"
#include "peers.h"
#include "yardstick.h"
#ifdef ACTIV_HAVE_REFERENCE
#include "measure.h"
#include "reference.h"
#include "ulp.h"
#endif

namespace bench {
namespace {

// The first element of every array sits on a cache line, for every contender alike.
template <typename T>
struct AlignedArray {
  explicit AlignedArray(size_t n)
      : data(static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64))) {
    if (!data) {
      std::fprintf(stderr, "activ-bench: cannot allocate %zu elements\n", n);
      std::exit(1);
    }
  }
  ~AlignedArray() { std::free(data); }
  AlignedArray(const AlignedArray&) = delete;
  AlignedArray& operator=(const AlignedArray&) = delete;
  T* data;
};

template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, activ::bfloat16>) {
    return activ::to_bfloat16(static_cast<float>(v));
  } else {
    return activ::to_float16(static_cast<float>(v));
  }
}

// The arrays of one type and size, made on first use. y holds f(x) for the function last
// asked for; it is recomputed when another function needs it.
template <typename T>
struct Workspace {
  explicit Workspace(size_t n) : x(n), dy(n), y(n), out(n), size(n) {
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> ux(-8.0, 8.0), ug(-1.0, 1.0);
    for (size_t i = 0; i < n; ++i) x.data[i] = FromDouble<T>(ux(rng));
    for (size_t i = 0; i < n; ++i) dy.data[i] = FromDouble<T>(ug(rng));
    std::memset(out.data, 0, n * sizeof(T));
  }
  Arrays<T> For(const std::string& function, const activ::Params& params) {
    if (function != y_of) {
      activ::forward(activ::op_from_name(function), std::span<const T>(x.data, size),
                     std::span<T>(y.data, size), params);
      y_of = function;
    }
    return {x.data, dy.data, y.data, out.data, size};
  }
  AlignedArray<T> x, dy, y, out;
  size_t size;
  std::string y_of;
};

template <typename T>
Workspace<T>& GetWorkspace(size_t n) {
  static std::map<size_t, std::unique_ptr<Workspace<T>>> spaces;
  auto& w = spaces[n];
  if (!w) w = std::make_unique<Workspace<T>>(n);
  return *w;
}

// The parameters every contender uses: the registry's defaults, and for threshold (which has
// none) the values of the accuracy tests.
activ::Params BenchParams(activ::Op op) {
  if (op == activ::Op::threshold) return {{"threshold", 0.5}, {"value", -2.0}};
  return {};
}

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kForward:
      return "fwd";
    case Direction::kBackward:
      return "bwd";
    case Direction::kBackwardFromY:
      return "bwd_y";
  }
  return "?";
}

template <typename T>
const char* TypeName() {
  if constexpr (std::is_same_v<T, float>) return "f32";
  if constexpr (std::is_same_v<T, double>) return "f64";
  if constexpr (std::is_same_v<T, activ::bfloat16>) return "bf16";
  return "f16";
}

constexpr activ::Options kFastOptions{.accuracy = activ::Accuracy::fast};

// Which of activ's accuracy modes run (--accuracy): both by default.
enum class Modes { kBoth, kFaithful, kFast };
Modes g_modes = Modes::kBoth;

// Whether the row of activ's faithful kernels runs, and whether the fast mode's row does for a
// function and direction.
bool FaithfulRow() { return g_modes != Modes::kFast; }
// By default, only where the fast mode runs a kernel of its own: float64 never does.
template <typename T>
bool FastRow(activ::Op op, Direction d) {
  if (g_modes == Modes::kFaithful) return false;
  if (g_modes == Modes::kFast) return true;
  return !std::is_same_v<T, double> && d != Direction::kBackwardFromY &&
         activ::has_fast_kernel(op, d == Direction::kBackward);
}

template <typename T>
Call Ours(activ::Op op, Direction d, const Arrays<T>& a, const activ::Options& o = {}) {
  const activ::Params p = BenchParams(op);
  const std::span<const T> x(a.x, a.n), dy(a.dy, a.n), y(a.y, a.n);
  const std::span<T> out(a.out, a.n);
  switch (d) {
    case Direction::kForward:
      return [=] { activ::forward(op, x, out, p, o); };
    case Direction::kBackward:
      return [=] { activ::backward(op, x, dy, out, p, nullptr, o); };
    case Direction::kBackwardFromY:
      return [=] { activ::backward_from_y(op, y, dy, out, p, o); };
  }
  return {};
}

#ifdef ACTIV_HAVE_REFERENCE
// The largest error of a contender's output against the long double reference, in the
// accuracy tests' measure: ULP forward; backward the ULP beyond the spec's f'' term
// (accuracy/measure.h's BackwardSlack). Measured on the 4096-element arrays only: the benchmark's
// inputs (uniform in [-8, 8]) are where the functions have their shape, not their tails.
template <typename T>
double MaxError(activ::Op op, Direction d, const Arrays<T>& a) {
  const std::vector<double> p = activ::ref::KernelParams<T>(op, BenchParams(op));
  double worst = 0;
  for (size_t i = 0; i < a.n; ++i) {
    const long double x = a.x[i], dy = a.dy[i];
    double e;
    if (d == Direction::kForward) {
      e = activ::ref::UlpError<T>(a.out[i], activ::ref::forward(op, x, p.data()));
    } else {
      const long double exact = dy * activ::ref::derivative(op, x, p.data());
      e = activ::ref::BackwardError<T>(
          a.out[i], exact,
          activ::ref::BackwardSlack<T>(op,
                                       d == Direction::kBackwardFromY
                                           ? activ::ref::Direction::kBackwardFromY
                                           : activ::ref::Direction::kBackward,
                                       x, dy, p.data()));
    }
    worst = std::max(worst, e);
  }
  return worst;
}
#endif

// The timed loop of a benchmark and its counters: n elements a call.
void TimeCalls(benchmark::State& state, const Call& call, size_t n, const std::string& note) {
  for (auto _ : state) {
    call();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["n"] = static_cast<double>(n);
  if (!note.empty()) state.SetLabel(note);
}

// One benchmark: prepares the call outside the timed loop, runs it once untimed (page faults,
// lazy initialisation), then times it. On the smallest arrays it also records the error of
// that untimed call's output (counter max_ulp).
template <typename T>
void Register(const std::string& function, Direction d, size_t n, const std::string& contender,
              std::function<Call(const Arrays<T>&)> prepare, const std::string& note) {
  const std::string name = function + "/" + DirectionName(d) + "/" + TypeName<T>() + "/" +
                           std::to_string(n) + "/" + contender;
  // The function whose y = f(x) the arrays hold; the yardsticks take any.
  const std::string y_function = function == "copy" || function == "add" ? "identity" : function;
  benchmark::RegisterBenchmark(
      name.c_str(),
      [=](benchmark::State& state) {
        Workspace<T>& w = GetWorkspace<T>(n);
        const activ::Op op = activ::op_from_name(y_function);
        const Arrays<T> arrays = w.For(y_function, BenchParams(op));
        const Call call = prepare(arrays);
        if (!call) {
          state.SkipWithError("the library has no kernel for this type");
          return;
        }
        std::memset(arrays.out, 0xFF, n * sizeof(T));  // NaN in every element type
        call();
#ifdef ACTIV_HAVE_REFERENCE
        if constexpr (std::is_floating_point_v<T>) {
          if (n <= 4096 && contender != "yardstick" && contender != "activ1t" && note.empty()) {
            state.counters["max_ulp"] = MaxError(op, d, arrays);
          }
        }
#endif
        TimeCalls(state, call, n, note);
      })
      ->UseRealTime()
      ->Unit(benchmark::kNanosecond);
}

template <typename T>
const std::vector<Kernel<T>>& KernelsOf(const Peer& peer) {
  if constexpr (std::is_same_v<T, float>) return peer.f32;
  if constexpr (std::is_same_v<T, double>) return peer.f64;
  if constexpr (std::is_same_v<T, activ::bfloat16>) return peer.bf16;
  if constexpr (std::is_same_v<T, activ::float16>) return peer.f16;
}

// The yardsticks move the bytes of the element type: 16-bit elements as 16-bit integers.
template <typename T>
auto Lanes(const T* p) {
  if constexpr (std::is_floating_point_v<T>) {
    return p;
  } else {
    return reinterpret_cast<const uint16_t*>(p);
  }
}
template <typename T>
auto Lanes(T* p) {
  if constexpr (std::is_floating_point_v<T>) {
    return p;
  } else {
    return reinterpret_cast<uint16_t*>(p);
  }
}

// activ alone, every function and direction: the float32 figures beside the 16-bit ones.
template <typename T>
void RegisterActivOnly(size_t n) {
  for (const activ::OpInfo& o : activ::all_ops()) {
    for (Direction d : {Direction::kForward, Direction::kBackward, Direction::kBackwardFromY}) {
      if (d == Direction::kBackwardFromY && !(o.flags & activ::kFromY)) continue;
      if (FaithfulRow()) {
        Register<T>(
            std::string(o.name), d, n, "activ",
            [op = o.op, d](const Arrays<T>& a) { return Ours(op, d, a); }, "");
      }
      if (FastRow<T>(o.op, d)) {
        Register<T>(
            std::string(o.name), d, n, "activ-fast",
            [op = o.op, d](const Arrays<T>& a) { return Ours(op, d, a, kFastOptions); }, "");
      }
    }
  }
}

template <typename T>
void RegisterAll(size_t n, const std::vector<Peer>& peers, int threads) {
  Register<T>(
      "copy", Direction::kForward, n, "yardstick",
      [](const Arrays<T>& a) -> Call { return [a] { Copy(Lanes(a.x), Lanes(a.out), a.n); }; }, "");
  Register<T>(
      "add", Direction::kBackward, n, "yardstick",
      [](const Arrays<T>& a) -> Call {
        return [a] { Add(Lanes(a.x), Lanes(a.dy), Lanes(a.out), a.n); };
      },
      "");
  for (const activ::OpInfo& o : activ::all_ops()) {
    for (Direction d : {Direction::kForward, Direction::kBackward, Direction::kBackwardFromY}) {
      if (d == Direction::kBackwardFromY && !(o.flags & activ::kFromY)) continue;
      const std::string function(o.name);
      if (FaithfulRow()) {
        Register<T>(
            function, d, n, "activ", [op = o.op, d](const Arrays<T>& a) { return Ours(op, d, a); },
            "");
      }
      // Accuracy::fast, where the function has a fast kernel of its own for this direction (by
      // default), or everywhere with --accuracy=fast.
      if (FastRow<T>(o.op, d)) {
        Register<T>(
            function, d, n, "activ-fast",
            [op = o.op, d](const Arrays<T>& a) { return Ours(op, d, a, kFastOptions); }, "");
      }
      // On several threads, activ on one thread too, interleaved with the rest of the run, so
      // that the speed-up compares calls made under the same load.
      if (threads > 1) {
        Register<T>(
            function, d, n, "activ1t",
            [op = o.op, d, threads](const Arrays<T>& a) -> Call {
              Call call = Ours(op, d, a, FaithfulRow() ? activ::Options{} : kFastOptions);
              return [call, threads] {
                activ::set_num_threads(1);
                call();
                activ::set_num_threads(threads);
              };
            },
            "");
      }
      for (const Peer& peer : peers) {
        for (const Kernel<T>& k : KernelsOf<T>(peer)) {
          if (k.function == function && k.direction == d) {
            Register<T>(function, d, n, peer.name, k.prepare, k.note);
          }
        }
      }
    }
  }
}

// The row-wise suite: softmax and log_softmax on the shapes of the issue (attention rows,
// an ImageNet classifier, a language-model vocabulary, a large square), and swiglu on the
// element-wise sizes. Float32, one set of arrays per shape, every contender reading the same.
struct RowShape {
  size_t rows, cols;
};
constexpr RowShape kRowShapes[] = {{4096, 128}, {256, 1000}, {16, 32000}, {1024, 4096}};

struct RowWorkspace {
  RowWorkspace(size_t r, size_t c)
      : x(r * c), u(r * c), dy(r * c), y(r * c), out(r * c), out2(r * c), rows(r), cols(c) {
    const size_t n = r * c;
    std::mt19937_64 rng(54321);
    std::uniform_real_distribution<double> ux(-8.0, 8.0), ug(-1.0, 1.0);
    for (size_t i = 0; i < n; ++i) x.data[i] = static_cast<float>(ux(rng));
    for (size_t i = 0; i < n; ++i) u.data[i] = static_cast<float>(ug(rng));
    for (size_t i = 0; i < n; ++i) dy.data[i] = static_cast<float>(ug(rng));
  }
  // y for `function`: its output, or act(gate) for the gated unit.
  RowArrays For(const std::string& function) {
    const activ::Rows<const float> xr(x.data, rows, cols);
    const activ::Rows<float> yr(y.data, rows, cols);
    if (function == "softmax") activ::softmax(xr, yr);
    if (function == "log_softmax") activ::log_softmax(xr, yr);
    if (function == "swiglu") {
      activ::forward(activ::Op::silu, std::span<const float>(x.data, rows * cols),
                     std::span<float>(y.data, rows * cols));
    }
    return {x.data, u.data, dy.data, y.data, out.data, out2.data, rows, cols};
  }
  AlignedArray<float> x, u, dy, y, out, out2;
  size_t rows, cols;
};

RowWorkspace& GetRowWorkspace(size_t rows, size_t cols) {
  static std::map<std::pair<size_t, size_t>, std::unique_ptr<RowWorkspace>> spaces;
  auto& w = spaces[{rows, cols}];
  if (!w) w = std::make_unique<RowWorkspace>(rows, cols);
  return *w;
}

void RegisterRow(const std::string& function, Direction d, RowShape shape,
                 const std::string& contender, std::function<Call(const RowArrays&)> prepare,
                 const std::string& note) {
  const std::string size = shape.rows == 1
                               ? std::to_string(shape.cols)
                               : std::to_string(shape.rows) + "x" + std::to_string(shape.cols);
  const std::string name = function + "/" + DirectionName(d) + "/f32/" + size + "/" + contender;
  const size_t n = shape.rows * shape.cols;
  benchmark::RegisterBenchmark(name.c_str(),
                               [=](benchmark::State& state) {
                                 RowArrays arrays =
                                     GetRowWorkspace(shape.rows, shape.cols).For(function);
                                 const Call call = prepare(arrays);
                                 if (!call) {
                                   state.SkipWithError("the library has no kernel for this");
                                   return;
                                 }
                                 call();
                                 TimeCalls(state, call, n, note);
                               })
      ->UseRealTime()
      ->Unit(benchmark::kNanosecond);
}

Call OursRows(const std::string& function, Direction d, const RowArrays& a,
              const activ::Options& opt = {}) {
  const activ::Rows<const float> x(a.x, a.rows, a.cols), y(a.y, a.rows, a.cols),
      dy(a.dy, a.rows, a.cols);
  const activ::Rows<float> out(a.out, a.rows, a.cols);
  const size_t n = a.rows * a.cols;
  if (function == "swiglu") {
    const std::span<const float> gate(a.x, n), up(a.u, n), dout(a.dy, n);
    const std::span<float> o(a.out, n), o2(a.out2, n);
    if (d == Direction::kForward) return [=] { activ::swiglu(gate, up, o, {}, opt); };
    return [=] { activ::gated_backward(activ::Op::silu, gate, up, dout, o, o2, {}, opt); };
  }
  const bool log = function == "log_softmax";
  const activ::RowOptions row{.accuracy = opt.accuracy};
  if (d == Direction::kForward) {
    if (log) return [=] { activ::log_softmax(x, out, row); };
    return [=] { activ::softmax(x, out, row); };
  }
  if (log) return [=] { activ::log_softmax_backward(y, dy, out, opt); };
  return [=] { activ::softmax_backward(y, dy, out, opt); };
}

void RegisterRows(const std::vector<Peer>& peers, const std::vector<size_t>& sizes) {
  std::vector<std::pair<std::string, RowShape>> cases;
  for (RowShape s : kRowShapes) {
    cases.push_back({"softmax", s});
    cases.push_back({"log_softmax", s});
  }
  for (size_t n : sizes) cases.push_back({"swiglu", RowShape{1, n}});
  for (const auto& [function, shape] : cases) {
    // The yardsticks once per shape: the first function registered for it.
    if (function != "log_softmax") {
      RegisterRow(
          "copy", Direction::kForward, shape, "yardstick",
          [](const RowArrays& a) -> Call { return [a] { Copy(a.x, a.out, a.rows * a.cols); }; },
          "");
      RegisterRow(
          "add", Direction::kBackward, shape, "yardstick",
          [](const RowArrays& a) -> Call {
            return [a] { Add(a.x, a.dy, a.out, a.rows * a.cols); };
          },
          "");
    }
    const Direction back = function == "swiglu" ? Direction::kBackward : Direction::kBackwardFromY;
    for (Direction d : {Direction::kForward, back}) {
      // softmax and log_softmax have float32 fast kernels (AVX2, AVX-512), and swiglu the
      // fast gate in both directions (silu's fast kernels with up rounded in, FMA targets):
      // their fast rows by default.
      if (FaithfulRow()) {
        RegisterRow(
            function, d, shape, "activ",
            [function, d](const RowArrays& a) { return OursRows(function, d, a); }, "");
      }
      if (g_modes != Modes::kFaithful) {
        RegisterRow(
            function, d, shape, "activ-fast",
            [function, d](const RowArrays& a) { return OursRows(function, d, a, kFastOptions); },
            "");
      }
      for (const Peer& peer : peers) {
        for (const RowKernel& k : peer.rows) {
          if (k.function == function && k.direction == d) {
            RegisterRow(function, d, shape, peer.name, k.prepare, k.note);
          }
        }
      }
    }
  }
}

std::vector<size_t> ParseSizes(std::string_view s) {
  std::vector<size_t> sizes;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    const std::string item(s.substr(0, comma));
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0) {
      std::fprintf(stderr, "activ-bench: --sizes: '%s' is not a positive whole number\n",
                   item.c_str());
      std::exit(2);
    }
    sizes.push_back(static_cast<size_t>(v));
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  }
  return sizes;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  int threads = 1;
  std::vector<size_t> sizes = {4096, 262144, 16777216};
  bool f32 = true, f64 = true, bf16 = false, f16 = false, rows = false;
  // Our flags come out of argv; the rest go to Google Benchmark.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--threads=")) {
      threads = std::atoi(argv[i] + 10);
      if (threads < 1) {
        std::fprintf(stderr, "activ-bench: --threads needs a whole number >= 1, got '%s'\n",
                     argv[i] + 10);
        return 2;
      }
    } else if (arg.starts_with("--sizes=")) {
      sizes = bench::ParseSizes(arg.substr(8));
    } else if (arg.starts_with("--types=")) {
      f32 = f64 = bf16 = f16 = false;
      std::string_view t = arg.substr(8);
      while (!t.empty()) {
        const size_t comma = t.find(',');
        const std::string_view item = t.substr(0, comma);
        if (item == "f32") {
          f32 = true;
        } else if (item == "f64") {
          f64 = true;
        } else if (item == "bf16") {
          bf16 = true;
        } else if (item == "f16") {
          f16 = true;
        } else {
          std::fprintf(stderr, "activ-bench: --types takes f32, f64, bf16, f16; got '%s'\n",
                       argv[i] + 8);
          return 2;
        }
        t = comma == std::string_view::npos ? std::string_view() : t.substr(comma + 1);
      }
    } else if (arg.starts_with("--target=")) {
      const std::string err = activ::tools::SelectTarget(arg.substr(9));
      if (!err.empty()) {
        std::fprintf(stderr, "activ-bench: --target: %s\n", err.c_str());
        return 2;
      }
    } else if (arg == "--accuracy" || arg.starts_with("--accuracy=")) {
      // `activ bench --accuracy fast` passes the value as the next argument.
      std::string_view v;
      if (arg == "--accuracy") {
        if (i + 1 < argc) v = argv[++i];
      } else {
        v = arg.substr(11);
      }
      if (v == "faithful") {
        bench::g_modes = bench::Modes::kFaithful;
      } else if (v == "fast") {
        bench::g_modes = bench::Modes::kFast;
      } else {
        std::fprintf(stderr, "activ-bench: --accuracy takes faithful or fast; got '%.*s'\n",
                     static_cast<int>(v.size()), v.data());
        return 2;
      }
    } else if (arg == "--suite=rows") {
      rows = true;
    } else if (arg.starts_with("--suite=")) {
      std::fprintf(stderr, "activ-bench: --suite takes rows; got '%s'\n", argv[i] + 8);
      return 2;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;

  std::vector<bench::Peer> peers;
  // Eigen picks its SIMD width at compile time: with activ held to AVX2, its AVX2 build, as an
  // AVX2-only host would run it. (oneDNN and PyTorch take their own switches, in bench/run.sh;
  // XNNPACK has none.)
  const bool avx2 = std::string_view(activ::simd_target()) == "AVX2";
  for (auto* source : {bench::DnnlPeer, bench::XnnpackPeer, bench::TorchPeer,
                       avx2 ? bench::EigenPeerAvx2 : bench::EigenPeer}) {
    for (bench::Peer& p : source()) peers.push_back(std::move(p));
  }
  activ::set_num_threads(threads);
  for (const bench::Peer& p : peers) p.set_threads(threads);

  benchmark::AddCustomContext("activ_simd_target", std::string(activ::simd_target()));
  benchmark::AddCustomContext("eigen_simd", avx2 ? "AVX2" : "native");
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::AddCustomContext("accuracy", bench::g_modes == bench::Modes::kFaithful ? "faithful"
                                          : bench::g_modes == bench::Modes::kFast   ? "fast"
                                                                                    : "both");
  std::string names;
  for (const bench::Peer& p : peers) {
    names += (names.empty() ? "" : ", ") + p.name;
    benchmark::AddCustomContext("threading_" + p.name, p.threading);
  }
  benchmark::AddCustomContext("peers", names);

  if (rows) {
    bench::RegisterRows(peers, sizes);
  } else {
    for (size_t n : sizes) {
      if (f32) bench::RegisterAll<float>(n, peers, threads);
      // The 16-bit types beside activ's float32 of the same run.
      if (!f32 && (bf16 || f16)) bench::RegisterActivOnly<float>(n);
      if (bf16) bench::RegisterAll<activ::bfloat16>(n, peers, threads);
      if (f16) bench::RegisterAll<activ::float16>(n, peers, threads);
      if (f64) bench::RegisterAll<double>(n, peers, threads);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
