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

// The flags `activ lab` and `activ train` share; which ones were given is read after parsing.
void AddTrainingOptions(CLI::App* cmd, activ::cli::TrainingArgs& t) {
  cmd->add_option("--dataset,--data", t.dataset,
                  "fashion-mnist, mnist, a built-in set (spirals, moons, circles, xor, "
                  "regression), a directory of IDX files, an IDX image file or a CSV file "
                  "(default: fashion-mnist when installed, else spirals)")
      ->type_name("NAME|PATH");
  cmd->add_option("--test-data", t.test_data,
                  "a separate test file (else a fraction of the data is held out)")
      ->type_name("PATH");
  cmd->add_option("--label-column", t.label_column,
                  "CSV: the label column, by header name or 0-based index (-1: the last)");
  cmd->add_option("--hidden", t.hidden, "hidden layer sizes, e.g. 512,256")->type_name("N,N,...");
  cmd->add_option("--epochs", t.epochs, "epochs at most")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", t.batch, "mini-batch size")->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", t.optimizer, "the optimiser")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  cmd->add_option("--lr", t.lr, "learning rate (default 0.05 for sgd, 0.001 for adam, adamw)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--momentum", t.momentum, "SGD momentum")->check(CLI::Range(0.0, 0.999999));
  cmd->add_option("--weight-decay", t.weight_decay, "PyTorch's weight decay (decoupled for adamw)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--l2", t.l2, "scikit-learn's alpha: alpha/(2n) ||W||^2 added to the loss")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--clip", t.clip, "clip the gradients' global norm to this")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--init", t.init, "weight initialisation")
      ->check(CLI::IsMember({"auto", "pytorch", "kaiming_normal", "kaiming_uniform",
                             "xavier_uniform", "xavier_normal", "lecun_normal", "sklearn"}));
  cmd->add_option("--init-scale", t.init_scale,
                  "multiply the hidden layers' initial weights by this (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--batchnorm", t.batchnorm, "batch normalisation in every hidden layer");
  cmd->add_option("--dropout", t.dropout, "dropout on every hidden layer's output")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--head", t.head, "output head")
      ->check(CLI::IsMember({"auto", "softmax", "sigmoid", "mse"}));
  cmd->add_option("--patience", t.patience,
                  "stop after this many epochs without a better validation score");
  cmd->add_option("--scaling", t.scaling, "input scaling, fitted on the training rows")
      ->check(CLI::IsMember({"standardize", "minmax", "none"}));
  cmd->add_option("--val-fraction", t.val_fraction, "of the training rows, held out")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--train-limit", t.train_limit, "keep at most this many training rows");
  cmd->add_option("--rows", t.rows, "rows of a built-in set")->check(CLI::Range(10, 10000000));
  cmd->add_option("--data-seed", t.data_seed, "seed of the split and of a built-in set");
  cmd->add_option("--threads", t.threads, "threads (default: every core)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", t.quiet, "no progress display");
}

// A flag given twice takes its last value, so a script can append to a command line.
void LastWins(CLI::App* cmd) {
  for (CLI::Option* o : cmd->get_options()) {
    if (o->get_name() != "--help") o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
}

void RecordGiven(const CLI::App* cmd, activ::cli::TrainingArgs& t) {
  for (const CLI::Option* o : cmd->get_options()) {
    if (o->count() > 0) t.given.push_back(o->get_name());
  }
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
  apply
      ->add_option("--accuracy", apply_args.accuracy,
                   "faithful (1 ULP, the default) or fast (4 ULP; `activ list` names the "
                   "functions with fast kernels)")
      ->check(CLI::IsMember({"faithful", "fast"}))
      ->capture_default_str();

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
  grad->add_option("--accuracy", grad_args.accuracy,
                   "faithful (1 ULP, the default) or fast (4 ULP; `activ list` names the "
                   "functions with fast kernels)")
      ->check(CLI::IsMember({"faithful", "fast"}))
      ->capture_default_str();

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
  check
      ->add_option("--accuracy", check_args.accuracy,
                   "faithful (1 ULP, the default) or fast (4 ULP; `activ list` names the "
                   "functions with fast kernels)")
      ->check(CLI::IsMember({"faithful", "fast"}))
      ->capture_default_str();
  check->add_option("--target", check_args.target,
                    "measure one compiled SIMD target (avx3, avx2, sse4, scalar) instead of the "
                    "one chosen at run time; `activ info` lists them");

  CLI::App* bench = app.add_subcommand(
      "bench",
      "run the benchmark program (activ-bench), passing every argument through; --accuracy "
      "faithful|fast runs only that mode's rows of activ (default: both)");
  bench->prefix_command();
  bench->set_help_flag();  // --help goes to the benchmark program too

  std::string report_dir, report_out;
  bool report_quiet = false;
  CLI::App* report = app.add_subcommand(
      "report",
      "render a lab output directory (log.jsonl, summary.json) as one HTML file, and an "
      "experiment's plots (experiment-NAME-*.svg) beside it");
  report->add_option("DIR", report_dir, "the lab's output directory")->required();
  report->add_option("-o,--output", report_out, "the HTML file (default: DIR/report.html)");
  report->add_flag("-q,--quiet", report_quiet, "do not print the summary");

  LabArgs lab_args;
  CLI::App* lab = app.add_subcommand(
      "lab",
      "train the same network with each activation and write DIR/report.html, log.jsonl, "
      "summary.csv and summary.json (no flags: the lab's two-minute default comparison)");
  AddTrainingOptions(lab, lab_args.training);
  lab->add_option("--activations", lab_args.activations,
                  "activations to compare, comma-separated: relu,tanh,elu:alpha=0.5 "
                  "(relu/tanh: one per hidden layer; default relu, tanh, sigmoid, gelu, silu, "
                  "elu)")
      ->type_name("A,B,...");
  lab->add_option("--seeds", lab_args.seeds, "runs per activation, with seeds 1..N")
      ->check(CLI::Range(1, 1000));
  lab->add_option("-o,--out", lab_args.out, "the output directory (required)");
  lab->add_option("--experiment", lab_args.experiment,
                  "run an experiment instead of the comparison: depth, dying-relu, init, "
                  "batchnorm, clipping (list: describe them)");
  // --out is required but for `--experiment list`, which writes nothing.
  lab->callback([&lab_args] {
    if (lab_args.out.empty() && lab_args.experiment != "list") throw CLI::RequiredError("--out");
  });
  lab->add_option("--accuracy", lab_args.accuracy,
                  "the activations' accuracy mode, forward and backward: faithful (1 ULP, the "
                  "default) or fast (4 ULP); summary.json and log.jsonl record it")
      ->check(CLI::IsMember({"faithful", "fast"}))
      ->capture_default_str();
  lab->add_flag("--full", lab_args.full,
                "with --experiment: the full sweep (more points, seeds, epochs and data) "
                "instead of the quick default");
  LastWins(lab);

  TrainArgs train_args;
  CLI::App* train = app.add_subcommand(
      "train", "train one network and save it, with its training state, to a checkpoint");
  AddTrainingOptions(train, train_args.training);
  train->add_option("--activation", train_args.activation, "the activation (see `activ list`)")
      ->capture_default_str();
  train->add_option("--seed", train_args.seed, "the run's seed")->capture_default_str();
  train->add_option("--resume", train_args.resume,
                    "continue the training saved in this checkpoint up to --epochs");
  train->add_option("-o,--output", train_args.out, "the checkpoint to write")->required();
  LastWins(train);

  PredictArgs predict_args;
  CLI::App* predict = app.add_subcommand(
      "predict", "run a checkpoint on a data file and write its predictions as CSV");
  predict->add_option("CHECKPOINT", predict_args.checkpoint, "written by `activ train`")
      ->required();
  predict
      ->add_option("DATA", predict_args.data,
                   "a CSV file (with or without its label column), an IDX image file, or "
                   "fashion-mnist / mnist (their test sets)")
      ->required();
  predict->add_option("-o,--output", predict_args.out, "the CSV file of predictions")->required();
  predict->add_option("--label-column", predict_args.label_column,
                      "CSV: the label column, by header name or 0-based index");
  predict->add_flag("--no-label", predict_args.no_label, "CSV: every column is a feature");

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

  RecordGiven(lab, lab_args.training);
  RecordGiven(train, train_args.training);
  try {
    if (*list) return List();
    if (*info) return Info();
    if (*apply) return Apply(apply_args, apply_in, apply_out);
    if (*grad) return Grad(grad_args, grad_in, grad_dy, grad_out);
    if (*plot) return Plot(plot_args);
    if (*check) return Check(check_args);
    if (*bench) return Bench(bench->remaining(), argv[0]);
    if (*report) return Report(report_dir, report_out, report_quiet);
    if (*lab) return Lab(lab_args);
    if (*train) return Train(train_args);
    if (*predict) return Predict(predict_args);
  } catch (const activ::Error& e) {
    fmt::print(stderr, "activ: {}\n", WithoutPrefix(e.what()));
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "activ: {}\n", e.what());
    return 1;
  }
  fmt::print(stderr,
             "activ: give a command: list, info, apply, grad, plot, check, bench, report, lab, "
             "train, predict "
             "(see `activ --help`)\n");
  return kUsageError;
}
