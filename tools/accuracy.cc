// activ-accuracy: measures the library against the long double reference, on every core.
//
//   activ-accuracy --write docs/ACCURACY.md        the table of every function (sampled sweep)
//   activ-accuracy --fn gelu [--type f32|f64] [--direction forward|backward|backward_from_y]
//                  [--exhaustive | --samples N] [--param k=v ...]
//
// `activ check` runs the same measurement (reference/accuracy.h) with the same flags; this
// program stays as the generator of docs/ACCURACY.md, which names it.
#include "accuracy.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "activ/activ.h"

namespace {

using activ::ref::Direction;

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

int WriteTable(const std::string& path, size_t samples, unsigned threads) {
  const std::string md = activ::ref::AccuracyTable(samples, threads, [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  });
  // Written to a temporary file and renamed, so a failed run never leaves half a table.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << md;
    if (!out) {
      std::fprintf(stderr, "activ-accuracy: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "activ-accuracy: cannot rename %s to %s: %s\n", tmp.c_str(), path.c_str(),
                 std::strerror(errno));
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
  std::string write_path, fn, type = "f32";
  double max_ulp = INFINITY;  // exit status 1 when the measured error exceeds it
  bool rows_only = false;
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
      } else if (a == "--fn") {
        fn = value();
      } else if (a == "--type") {
        type = value();
        if (type != "f32" && type != "f64") Usage("--type is f32 or f64");
      } else if (a == "--direction") {
        check.direction = ParseDirection(value());
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
      } else if (a == "--param") {
        const std::string kv = value();
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) Usage("--param takes name=value, got '" + kv + "'");
        check.params.set(kv.substr(0, eq), std::stod(kv.substr(eq + 1)));
      } else {
        Usage("unknown argument '" + a + "'");
      }
    }
    if (!write_path.empty()) return WriteTable(write_path, check.samples, check.threads);
    if (rows_only) {
      std::fputs(activ::ref::RowTable().c_str(), stdout);
      return 0;
    }
    if (fn.empty()) Usage("give --write FILE or --fn NAME");
    check.op = activ::op_from_name(fn);
    check.precision =
        type == "f32" ? activ::ref::Precision::kFloat32 : activ::ref::Precision::kFloat64;
    activ::ref::ProgressDisplay display(fn);
    if (check.exhaustive) check.progress = std::ref(display);
    const activ::ref::Stats s = activ::ref::Check(check);
    display.Finish();
    std::printf(
        "%s %s %s: max %.4f ULP at x = %.9g; %llu results, %llu over 0.5 ULP, %llu over 1 ULP\n",
        fn.c_str(), type.c_str(), std::string(activ::ref::DirectionName(check.direction)).c_str(),
        s.max_ulp, s.worst_x, static_cast<unsigned long long>(s.count),
        static_cast<unsigned long long>(s.over_half), static_cast<unsigned long long>(s.over_one));
    const auto worst = s.WorstRanges(5);
    if (!worst.empty()) {
      std::printf("largest errors by input range:");
      for (const std::string& w : worst) std::printf("  %s", w.c_str());
      std::printf("\n");
    }
    if (!(s.max_ulp <= max_ulp)) {
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
