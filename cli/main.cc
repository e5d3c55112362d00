// activ: the command-line program. Parsing lives here; the subcommands are in commands.cc.
//
// Exit status: 0 on success, 2 when the command line does not parse (unknown flag, missing
// argument, a value outside its choices), 1 for every other error (unknown function or
// parameter, missing or corrupt file, unwritable output, a check over its bound). Every error
// is one line on stderr starting with "activ: ".
#include <cstdio>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "activ/activ.h"
#include "commands.h"

namespace {

constexpr int kUsageError = 2;

// The library's messages may start with "activ: " already.
std::string_view WithoutPrefix(std::string_view message) {
  constexpr std::string_view kPrefix = "activ: ";
  if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
  return message;
}

void AddParamOption(CLI::App* cmd, std::vector<std::string>& params) {
  cmd->add_option("--param,-p", params,
                  "a parameter of the function, NAME=VALUE (repeatable); names and defaults as "
                  "in `activ list`")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace activ::cli;
  CLI::App app{
      "activ: activation functions of neural networks, forward and backward, "
      "float32 and float64, SIMD with runtime dispatch.",
      "activ"};
  app.set_version_flag("--version", "activ " + std::string(activ::version()));
  app.require_subcommand(0, 1);
  app.footer("Run `activ COMMAND --help` for the flags of a command.");

  CLI::App* list = app.add_subcommand("list",
                                      "every function: formula, parameters and defaults, "
                                      "range, and the gated unit it makes");
  CLI::App* info = app.add_subcommand(
      "info", "version, the SIMD target chosen on this CPU, compiled targets, threads");

  KernelArgs apply_args;
  std::string apply_in, apply_out;
  CLI::App* apply = app.add_subcommand("apply",
                                       "y = f(x) on a NumPy .npy file (float32 or "
                                       "float64, any shape, C order)");
  apply->add_option("FN", apply_args.fn, "the function (see `activ list`)")->required();
  apply->add_option("IN", apply_in, "input .npy file")->required();
  apply->add_option("OUT", apply_out, "output .npy file (written whole or not at all)")->required();
  AddParamOption(apply, apply_args.params);
  apply->add_option("--dtype", apply_args.dtype, "output type (default: the input's)")
      ->check(CLI::IsMember({"float32", "float64"}));

  KernelArgs grad_args;
  std::string grad_in, grad_dy, grad_out;
  CLI::App* grad = app.add_subcommand("grad", "dx = dy * f'(x) on NumPy .npy files of one shape");
  grad->add_option("FN", grad_args.fn, "the function (see `activ list`)")->required();
  grad->add_option("IN", grad_in, "input x, .npy")->required();
  grad->add_option("DY", grad_dy, "upstream gradient dy, .npy of the same shape and dtype")
      ->required();
  grad->add_option("OUT", grad_out, "output dx, .npy")->required();
  AddParamOption(grad, grad_args.params);
  grad->add_option("--dtype", grad_args.dtype, "output type (default: the input's)")
      ->check(CLI::IsMember({"float32", "float64"}));

  PlotArgs plot_args;
  CLI::App* plot = app.add_subcommand("plot", "draw functions and their derivatives as SVG");
  plot->add_option("FNS", plot_args.fns, "functions, comma-separated: gelu,silu,mish")->required();
  plot->add_option("--range", plot_args.range, "x range LO:HI")
      ->type_name("LO:HI")
      ->capture_default_str();
  AddParamOption(plot, plot_args.params);
  plot->add_option("-o,--output", plot_args.out, "output .svg file")->required();

  CheckArgs check_args;
  CLI::App* check = app.add_subcommand(
      "check", "measure a function's error in ULP against the long double reference");
  check->add_option("FN", check_args.fn, "the function (see `activ list`)")->required();
  check->add_option("--type", check_args.type, "element type")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  check->add_option("--direction", check_args.direction, "what is measured")
      ->check(CLI::IsMember({"forward", "backward", "backward_from_y"}))
      ->capture_default_str();
  CLI::Option* exhaustive =
      check->add_flag("--exhaustive", check_args.exhaustive, "every float32 input (2^32)");
  check
      ->add_option("--samples", check_args.samples,
                   "inputs of the sampled sweep (default 2^24 for f32, 2^22 for f64)")
      ->check(CLI::PositiveNumber)
      ->excludes(exhaustive);
  check->add_option("--threads", check_args.threads, "threads (default: every core)")
      ->check(CLI::PositiveNumber);
  AddParamOption(check, check_args.params);
  check
      ->add_option("--max-ulp", check_args.max_ulp,
                   "fail (exit 1) when the largest error exceeds this many ULP")
      ->check(CLI::NonNegativeNumber);
  check->add_flag("-q,--quiet", check_args.quiet, "no progress display");

  CLI::App* bench = app.add_subcommand(
      "bench", "run the benchmark program (activ-bench), passing every argument through");
  bench->prefix_command();
  bench->set_help_flag();  // --help goes to the benchmark program too

  std::string report_dir, report_out;
  bool report_quiet = false;
  CLI::App* report = app.add_subcommand(
      "report", "render a lab output directory (log.jsonl, summary.json) as one HTML file");
  report->add_option("DIR", report_dir, "the lab's output directory")->required();
  report->add_option("-o,--output", report_out, "the HTML file (default: DIR/report.html)");
  report->add_flag("-q,--quiet", report_quiet, "do not print the summary");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = "activ";
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    fmt::print(stderr, "activ: {} (see `{} --help`)\n", e.what(), where);
    return kUsageError;
  }

  try {
    if (*list) return List();
    if (*info) return Info();
    if (*apply) return Apply(apply_args, apply_in, apply_out);
    if (*grad) return Grad(grad_args, grad_in, grad_dy, grad_out);
    if (*plot) return Plot(plot_args);
    if (*check) return Check(check_args);
    if (*bench) return Bench(bench->remaining(), argv[0]);
    if (*report) return Report(report_dir, report_out, report_quiet);
  } catch (const activ::Error& e) {
    fmt::print(stderr, "activ: {}\n", WithoutPrefix(e.what()));
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "activ: {}\n", e.what());
    return 1;
  }
  fmt::print(stderr,
             "activ: give a command: list, info, apply, grad, plot, check, bench, report "
             "(see `activ --help`)\n");
  return kUsageError;
}
