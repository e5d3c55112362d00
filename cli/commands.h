// The subcommands of `activ`, apart from parsing (main.cc). Each returns the exit status and
// throws activ::Error with a one-line message for anything the user can fix.
#pragma once

#include <string>
#include <vector>

namespace activ::cli {

int List();
int Info();

struct KernelArgs {
  std::string fn;
  std::vector<std::string> params;  // "name=value"
  std::string dtype;                // empty: the input's
};
int Apply(const KernelArgs& args, const std::string& in, const std::string& out);
int Grad(const KernelArgs& args, const std::string& in, const std::string& dy,
         const std::string& out);

struct PlotArgs {
  std::string fns;  // "gelu,silu"
  std::string range = "-5:5";
  std::vector<std::string> params;
  std::string out;
};
int Plot(const PlotArgs& args);

struct CheckArgs {
  std::string fn;
  std::string type = "f32";
  std::string direction = "forward";
  bool exhaustive = false;
  size_t samples = 0;
  unsigned threads = 0;
  std::vector<std::string> params;
  double max_ulp = -1;  // < 0: report only
  bool quiet = false;
};
int Check(const CheckArgs& args);

// Replaces the process with the benchmark program; returns only on failure (by throwing).
int Bench(const std::vector<std::string>& args, const char* argv0);

int Report(const std::string& dir, const std::string& out, bool quiet);

}  // namespace activ::cli
