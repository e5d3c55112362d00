// activ-accuracy: measures the library (and, with --peers, the peer libraries the benchmark
// knows) against the reference, on every core.
//
//   activ-accuracy --fn gelu [--type f32|f64] [--direction forward|backward|backward_from_y]
//                  [--exhaustive | --samples N] [--param k=v ...] [--peers] [--max-ulp X]
//                  [--target avx3|avx2|sse4|scalar] [--accuracy faithful|fast]
//   activ-accuracy --update docs/accuracy.json --part exhaustive|f32|f64|rows [--only NAME]
//                  [--peers] [--backward-only] [--target ...] [--accuracy fast (with --part
//                  exhaustive: the fast forward column, records "fast@TARGET"; with --part
//                  f32: the fast backward column over the sweep, "fast@TARGET" too; with
//                  --part rows: the fast row-wise table, "rowwise_fast", one record per target)]
//   activ-accuracy --write docs/ACCURACY.md [--results docs/accuracy.json]
//
// `activ check` runs the same measurement (accuracy/accuracy.h) with the same flags; this
// program is also the generator of docs/ACCURACY.md, which names it.
#include "accuracy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "activ/activ.h"
#include "io/files.h"
#include "target_flag.h"
#ifdef ACTIV_HAVE_PEERS
#include "peers.h"
#endif

namespace {

using activ::ref::Direction;

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(
      stderr,
      "activ-accuracy: %s\n"
      "usage: activ-accuracy --fn NAME [--type f32|f64] "
      "[--direction forward|backward|backward_from_y] [--exhaustive | --samples N] "
      "[--param k=v ...] [--peers] [--max-ulp X] [--threads N] [--target avx3|avx2|sse4|scalar] "
      "[--accuracy faithful|fast]\n"
      "       activ-accuracy --update RESULTS.json --part exhaustive|f32|f64|rows "
      "[--only NAME] [--peers] [--samples N] [--backward-only] [--target T] "
      "[--accuracy fast (--part exhaustive, f32 or rows)]\n"
      "       activ-accuracy --write FILE.md [--results RESULTS.json]\n"
      "       activ-accuracy --rows [--accuracy fast] [--target T]\n",
      error.c_str());
  std::exit(2);
}

int WriteTable(const std::string& path, const std::string& results) {
  // All or nothing, so a failed run never leaves half a table.
  try {
    activ::io::WriteFileAtomically(path, activ::ref::RenderTable(results));
  } catch (const activ::Error& e) {
    std::fprintf(stderr, "activ-accuracy: %s\n", e.what());
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

#ifdef ACTIV_HAVE_PEERS
// The peers' float32 kernels for op in direction dir, as the benchmark calls them (its default
// parameters are TestParams' first set). Each call copies into 64-byte aligned arrays: some
// peers (Eigen's aligned maps) require them.
std::vector<activ::ref::PeerRun> PeersFor(activ::Op op, Direction dir) {
  static const std::vector<bench::Peer> peers = [] {
    std::vector<bench::Peer> all;
    for (auto* source : {bench::DnnlPeer, bench::XnnpackPeer, bench::TorchPeer, bench::EigenPeer}) {
      for (bench::Peer& p : source()) {
        // The runner splits the inputs over the cores itself.
        if (p.set_threads) p.set_threads(1);
        all.push_back(std::move(p));
      }
    }
    return all;
  }();
  const bench::Direction bdir = dir == Direction::kForward    ? bench::Direction::kForward
                                : dir == Direction::kBackward ? bench::Direction::kBackward
                                                              : bench::Direction::kBackwardFromY;
  std::vector<activ::ref::PeerRun> runs;
  for (const bench::Peer& p : peers) {
    for (const bench::Kernel<float>& k : p.f32) {
      if (k.function != activ::name(op) || k.direction != bdir ||
          dir == Direction::kBackwardFromY) {
        continue;
      }
      runs.push_back(
          {p.name, [prepare = k.prepare, peer = p.name](
                       std::span<const float> x, std::span<const float> dy, std::span<float> out) {
             struct Free {
               void operator()(float* f) const { std::free(f); }
             };
             const size_t n = x.size(), bytes = (n * sizeof(float) + 63) / 64 * 64;
             using Buf = std::unique_ptr<float, Free>;
             Buf bx(static_cast<float*>(std::aligned_alloc(64, bytes)));
             Buf bdy(static_cast<float*>(std::aligned_alloc(64, bytes)));
             Buf bout(static_cast<float*>(std::aligned_alloc(64, bytes)));
             if (!bx || !bdy || !bout) throw std::bad_alloc();
             std::copy(x.begin(), x.end(), bx.get());
             std::copy(dy.begin(), dy.end(), bdy.get());
             const bench::Arrays<float> a{bx.get(), bdy.get(), bx.get(), bout.get(), n};
             const bench::Call call = prepare(a);
             if (!call) throw activ::Error(peer + " has no float32 kernel here");
             call();
             std::copy(bout.get(), bout.get() + n, out.begin());
           }});
      break;
    }
  }
  return runs;
}
#endif

activ::ref::Part ParsePart(const std::string& s) {
  if (s == "exhaustive") return activ::ref::Part::kExhaustive;
  if (s == "f32") return activ::ref::Part::kSampled32;
  if (s == "f64") return activ::ref::Part::kSampled64;
  if (s == "rows") return activ::ref::Part::kRows;
  Usage("--part is exhaustive, f32, f64 or rows, got '" + s + "'");
}

}  // namespace

int main(int argc, char** argv) {
  std::string write_path, results_path, update_path, part, only, fn, type = "f32";
  double max_ulp = INFINITY;  // exit status 1 when the measured error exceeds it
  bool rows_only = false, with_peers = false, backward_only = false, restricted_target = false;
  activ::ref::CheckOptions check;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) Usage(a + " needs a value");
        return argv[++i];
      };
      if (a == "--write") {
        write_path = value();
      } else if (a == "--results") {
        results_path = value();
      } else if (a == "--update") {
        update_path = value();
      } else if (a == "--part") {
        part = value();
      } else if (a == "--only") {
        only = value();
      } else if (a == "--backward-only") {
        backward_only = true;
      } else if (a == "--peers") {
        with_peers = true;
      } else if (a == "--fn") {
        fn = value();
      } else if (a == "--type") {
        type = value();
        if (type != "f32" && type != "f64") Usage("--type is f32 or f64");
      } else if (a == "--direction") {
        check.direction = ParseDirection(value());
      } else if (a == "--accuracy") {
        check.accuracy = activ::accuracy_from_name(value());
      } else if (a == "--exhaustive") {
        check.exhaustive = true;
      } else if (a == "--samples") {
        check.samples = std::stoull(value());
      } else if (a == "--max-ulp") {
        max_ulp = std::stod(value());
      } else if (a == "--rows") {
        rows_only = true;
      } else if (a == "--threads") {
        check.threads = static_cast<unsigned>(std::stoul(value()));
      } else if (a == "--target") {
        const std::string err = activ::tools::SelectTarget(value());
        if (!err.empty()) Usage(err);
        restricted_target = true;
      } else if (a == "--param") {
        const std::string kv = value();
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) Usage("--param takes name=value, got '" + kv + "'");
        check.params.set(kv.substr(0, eq), std::stod(kv.substr(eq + 1)));
      } else {
        Usage("unknown argument '" + a + "'");
      }
    }
#ifndef ACTIV_HAVE_PEERS
    if (with_peers) {
      throw activ::Error(
          "--peers needs the benchmark's peers: configure with -DACTIV_BUILD_BENCH=ON after "
          "bash scripts/bench-deps.sh");
    }
#endif
    // The runner splits the inputs over the cores; activ's own threads would only compete.
    activ::set_num_threads(1);
    if (!write_path.empty()) {
      if (results_path.empty()) {
        const size_t slash = write_path.rfind('/');
        results_path =
            (slash == std::string::npos ? "" : write_path.substr(0, slash + 1)) + "accuracy.json";
      }
      return WriteTable(write_path, results_path);
    }
    if (!update_path.empty()) {
      if (part.empty()) Usage("--update needs --part exhaustive, f32, f64 or rows");
      activ::ref::UpdateOptions u;
      u.part = ParsePart(part);
      u.only = only;
      u.backward_only = backward_only;
      u.restricted_target = restricted_target;
      u.accuracy = check.accuracy;
      // --fn names the function to measure as --only does, as it does without --update.
      if (u.only.empty()) u.only = fn;
      u.samples = check.samples;
      u.threads = check.threads;
      u.progress = true;
#ifdef ACTIV_HAVE_PEERS
      if (with_peers) u.peers = PeersFor;
#endif
      u.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
      const double worst = activ::ref::UpdateResults(update_path, u);
      // The results are stored either way: the bound decides the exit status.
      if (!(worst <= max_ulp)) {
        std::fprintf(stderr, "activ-accuracy: a measurement exceeds the bound of %g ULP\n",
                     max_ulp);
        return 1;
      }
      return 0;
    }
    if (rows_only) {
      if (check.accuracy == activ::Accuracy::fast) std::fputs("Accuracy::fast\n\n", stdout);
      std::fputs(activ::ref::RowTable(check.accuracy).c_str(), stdout);
      return 0;
    }
    if (fn.empty()) Usage("give --fn NAME, --update FILE or --write FILE");
    check.op = activ::op_from_name(fn);
    check.precision =
        type == "f32" ? activ::ref::Precision::kFloat32 : activ::ref::Precision::kFloat64;
#ifdef ACTIV_HAVE_PEERS
    if (with_peers) check.peers = PeersFor(check.op, check.direction);
#endif
    activ::ref::ProgressDisplay display(fn);
    if (check.exhaustive) check.progress = std::ref(display);
    const activ::ref::CheckResult r = activ::ref::CheckAll(check);
    display.Finish();
    std::fputs(activ::ref::CheckReport(
                   fn + " " + type + " " + std::string(activ::ref::DirectionName(check.direction)) +
                       (check.accuracy == activ::Accuracy::fast ? " (fast)" : ""),
                   check, r)
                   .c_str(),
               stdout);
    if (!(r.activ.max_ulp <= max_ulp)) {
      std::fprintf(stderr, "activ-accuracy: %s exceeds the bound of %g ULP\n", fn.c_str(), max_ulp);
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
