// The lab: the network learns, its gradients are right, the diagnostics count what they say,
// files round-trip, bad files are refused with messages that say where and why, and runs are
// reproducible, resumable and stop on NaN.
#include "lab/lab.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/files.h"
#include "lab/checkpoint.h"
#include "lab/data.h"
#include "lab/diagnostics.h"
#include "lab/network.h"
#include "lab/sweep.h"

namespace lab {

using activ::io::ReadAllBytes;
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class LabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("activ_lab_test_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }
  fs::path dir_;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

CsvOptions LabelColumn(const std::string& column) {
  CsvOptions o;
  o.label_column = column;
  return o;
}
CsvOptions DropBadRows() {
  CsvOptions o;
  o.drop_bad_rows = true;
  return o;
}
CsvOptions Classification() {
  CsvOptions o;
  o.task = Task::kClassification;
  return o;
}

// The message of the activ::Error that fn throws ("" when it throws none).
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const activ::Error& e) {
    return e.what();
  }
  return "";
}

NetworkSpec TinySpec(const std::string& act, size_t inputs, std::vector<size_t> hidden,
                     size_t outputs, Head head, bool batchnorm = false) {
  NetworkSpec s;
  s.inputs = inputs;
  s.outputs = outputs;
  s.head = head;
  for (size_t h : hidden) {
    LayerSpec l;
    l.units = h;
    l.act = ParseActivation(act);
    l.batchnorm = batchnorm;
    s.hidden.push_back(l);
  }
  return s;
}

std::vector<float> RandomVector(size_t n, uint64_t seed) {
  Rng rng(seed, Stream::kData);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.Normal());
  return v;
}

TEST_F(LabTest, TinyNetworkOverfitsTinyBatch) {
  constexpr size_t kRows = 16, kInputs = 4, kClasses = 3;
  const std::vector<float> x = RandomVector(kRows * kInputs, 1);
  std::vector<int32_t> y(kRows);
  for (size_t i = 0; i < kRows; ++i) y[i] = static_cast<int32_t>((i * 7) % kClasses);
  Network net(TinySpec("tanh", kInputs, {32, 32}, kClasses, Head::kSoftmaxCrossEntropy));
  net.Initialize(Init::kPytorch, 3);
  OptimizerConfig oc;
  oc.lr = 1e-2;
  Optimizer opt(oc, net);
  LossSums first, last;
  for (int step = 0; step < 300; ++step) {
    net.Forward(x.data(), kRows, Mode::kTrain);
    last = net.Loss(y.data(), nullptr, kRows, true, kRows);
    if (step == 0) first = last;
    net.Backward(x.data(), kRows);
    opt.Step();
  }
  EXPECT_GT(first.loss / kRows, 0.5);
  EXPECT_LT(last.loss / kRows, 0.02);
  EXPECT_EQ(last.correct, kRows);
}

// Central differences in float32 against the backward pass, for every parameter of a small
// network. Step 1e-2 balances float32 rounding of the loss (~1e-7 / 2e-2) against the
// truncation error (~1e-4 f'''); the tolerance is sized for that.
// With dropout, every forward pass draws the same mask from a re-seeded stream (Mode::kTrain).
void CheckGradients(const NetworkSpec& spec, const std::string& what, float step = 1e-2f) {
  constexpr size_t kRows = 6;
  bool dropout = false;
  for (const LayerSpec& l : spec.hidden) dropout |= l.dropout > 0;
  Network net(spec);
  net.Initialize(Init::kXavierNormal, 7);
  const std::vector<float> x = RandomVector(kRows * spec.inputs, 2);
  std::vector<int32_t> labels(kRows);
  for (size_t i = 0; i < kRows; ++i) {
    labels[i] =
        static_cast<int32_t>(i % (spec.head == Head::kSoftmaxCrossEntropy ? spec.outputs : 2));
  }
  const std::vector<float> targets = RandomVector(kRows * spec.outputs, 3);
  auto loss = [&] {
    Rng mask(11, Stream::kDropout);
    net.Forward(x.data(), kRows, dropout ? Mode::kTrain : Mode::kProbe, &mask);
    return net.Loss(labels.data(), targets.data(), kRows, true, kRows).loss / kRows;
  };
  loss();
  net.Backward(x.data(), kRows);
  auto params = net.Parameters();
  std::vector<std::vector<float>> analytic;
  for (const auto& p : params) analytic.push_back(*p.grad);
  size_t checked = 0;
  for (size_t t = 0; t < params.size(); ++t) {
    std::vector<float>& v = *params[t].value;
    for (size_t i = 0; i < v.size(); ++i) {
      const float saved = v[i];
      v[i] = saved + step;
      const double up = loss();
      v[i] = saved - step;
      const double down = loss();
      v[i] = saved;
      const double numeric = (up - down) / (2 * static_cast<double>(step));
      const double a = analytic[t][i];
      EXPECT_NEAR(a, numeric, 2e-3 + 2e-2 * std::fabs(numeric))
          << what << ": tensor " << t << " (layer " << params[t].layer << ") element " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30u) << what;
}

TEST_F(LabTest, GradientsMatchFiniteDifferences) {
  CheckGradients(TinySpec("tanh", 3, {5, 4}, 3, Head::kSoftmaxCrossEntropy), "tanh softmax");
  CheckGradients(TinySpec("gelu", 3, {5, 4}, 1, Head::kSigmoidBinaryCrossEntropy), "gelu sigmoid");
  CheckGradients(TinySpec("elu:alpha=0.7", 3, {5, 4}, 2, Head::kSquaredError), "elu mse");
  CheckGradients(TinySpec("swiglu", 3, {5, 4}, 3, Head::kSoftmaxCrossEntropy), "swiglu");
  CheckGradients(TinySpec("softplus", 3, {6, 5}, 3, Head::kSoftmaxCrossEntropy, true),
                 "softplus batchnorm");
  CheckGradients(TinySpec("gated_tanh", 3, {4}, 2, Head::kSquaredError, true), "gated tanh bn");
  NetworkSpec drop = TinySpec("tanh", 3, {6, 5}, 3, Head::kSoftmaxCrossEntropy);
  NetworkSpec alpha = TinySpec("selu", 3, {6, 5}, 3, Head::kSoftmaxCrossEntropy);
  for (size_t i = 0; i < 2; ++i) drop.hidden[i].dropout = alpha.hidden[i].dropout = 0.3;
  CheckGradients(drop, "tanh dropout");
  // SELU's derivative jumps at 0 (scale vs scale*alpha): a smaller step rarely straddles it.
  CheckGradients(alpha, "selu alpha-dropout", 2e-3f);
}

TEST_F(LabTest, DeadAndSaturatedCountsMatchHandComputedCase) {
  EXPECT_EQ(MaxAbsDerivative(ParseActivation("relu")), 1.0);
  EXPECT_NEAR(MaxAbsDerivative(ParseActivation("sigmoid")), 0.25, 1e-7);
  EXPECT_NEAR(MaxAbsDerivative(ParseActivation("tanh")), 1.0, 1e-7);

  // The saturation tails come from f' itself: sigmoid's f' = s(1 - s) falls below 5% of 0.25
  // beyond |z| = 4.36 (s(1-s) = 0.0125), tanh's 1 - tanh^2 below 0.05 beyond 2.178, elu's
  // e^z below 0.05 at z < ln 0.05 = -2.996. relu has no tail: its negative side is f' = 0
  // exactly, a hinge. gelu and silu have a left tail only, beyond the dip where f' < 0.
  const DerivativeProfile sig = ProfileOf(ParseActivation("sigmoid"));
  EXPECT_NEAR(sig.saturated_below, -4.36, 0.01);
  EXPECT_NEAR(sig.saturated_above, 4.36, 0.01);
  EXPECT_FALSE(sig.hinge);
  const DerivativeProfile th = ProfileOf(ParseActivation("tanh"));
  EXPECT_NEAR(th.saturated_above, 2.178, 0.01);
  const DerivativeProfile elu = ProfileOf(ParseActivation("elu"));
  EXPECT_NEAR(elu.saturated_below, -2.996, 0.01);
  EXPECT_EQ(elu.saturated_above, INFINITY);
  const DerivativeProfile relu = ProfileOf(ParseActivation("relu"));
  EXPECT_EQ(relu.saturated_below, -INFINITY);
  EXPECT_EQ(relu.saturated_above, INFINITY);
  EXPECT_TRUE(relu.hinge);
  for (const char* name : {"gelu", "silu"}) {
    const DerivativeProfile p = ProfileOf(ParseActivation(name));
    EXPECT_LT(p.saturated_below, -2) << name;  // beyond the dip (gelu's at -0.75, silu's -2.4)
    EXPECT_EQ(p.saturated_above, INFINITY) << name;
    EXPECT_FALSE(p.hinge) << name;
    // The dip itself, where f' passes through 0, is active, not saturated.
    const std::vector<float> dip = {-0.75f, -1.0f, -1.28f, -2.0f};
    const UnitCounts c = CountUnits(ParseActivation(name), p, dip.data(), nullptr, 4, 1);
    EXPECT_EQ(c.saturated, 0u) << name;
    EXPECT_EQ(c.off, 0u) << name;
  }
  const DerivativeProfile relu6 = ProfileOf(ParseActivation("relu6"));
  EXPECT_TRUE(relu6.hinge);
  EXPECT_EQ(relu6.saturated_above, INFINITY);  // f' = 0 above 6: off, not saturated

  // relu, 2 probe rows x 3 units. Unit 0 never positive: dead. Unit 2 is 0 then positive:
  // alive (relu'(0) = 0, relu'(0.5) = 1). Entries with f' = 0 (off): -1, 0, -3, -1.
  const std::vector<float> z = {-1, 2, 0, -3, -1, 0.5f};
  UnitCounts c = CountUnits(ParseActivation("relu"), relu, z.data(), nullptr, 2, 3);
  EXPECT_EQ(c.dead_units, 1u);
  EXPECT_EQ(c.off, 4u);
  EXPECT_EQ(c.saturated, 0u);
  EXPECT_EQ(c.entries, 6u);

  // sigmoid: saturated beyond |z| = 4.36; never off, never dead, even when a unit is
  // saturated on every row (unit 0 below: 5 and -6 ... and 4.5).
  const std::vector<float> zs = {5, 0, -6, 1, -4.5f, 4};
  c = CountUnits(ParseActivation("sigmoid"), sig, zs.data(), nullptr, 3, 2);
  EXPECT_EQ(c.dead_units, 0u);
  EXPECT_EQ(c.off, 0u);
  EXPECT_EQ(c.saturated, 3u);  // 5, -6, -4.5

  // threshold (theta 1): f' = 0 at or below the threshold; unit 1 never above it.
  const Activation thr = ParseActivation("threshold:threshold=1,value=0");
  const std::vector<float> zt = {2, 1, 0.5f, -1};
  c = CountUnits(thr, ProfileOf(thr), zt.data(), nullptr, 2, 2);
  EXPECT_EQ(c.dead_units, 1u);
  EXPECT_EQ(c.off, 3u);
  EXPECT_EQ(c.saturated, 0u);

  // Gated units: reglu's unit with gate <= 0 on every row is dead (act and act' both 0);
  // a gated threshold whose value is 0.5 has act' = 0 there, but its up projection still gets
  // dout * act(gate) = 0.5 dout, so it lives.
  const std::vector<float> gate = {-1, 1, -2, -3};
  const std::vector<float> relu_gate = {0, 1, 0, 0};
  const Activation reglu = ParseActivation("reglu");
  c = CountUnits(reglu, ProfileOf(reglu), gate.data(), relu_gate.data(), 2, 2);
  EXPECT_EQ(c.dead_units, 1u);
  EXPECT_EQ(c.off, 3u);
  const std::vector<float> threshold_gate = {0.5f, 1, 0.5f, 0.5f};
  const Activation gthr = ParseActivation("gated_threshold:threshold=0,value=0.5");
  c = CountUnits(gthr, ProfileOf(gthr), gate.data(), threshold_gate.data(), 2, 2);
  EXPECT_EQ(c.dead_units, 0u);
  EXPECT_EQ(c.off, 0u);

  // Through the whole network: unit 2 of the hidden layer is w=(-1, 0) on inputs whose first
  // feature is positive, so it never fires on the probe set; unit 1 always does.
  NetworkSpec spec = TinySpec("relu", 2, {2}, 2, Head::kSoftmaxCrossEntropy);
  Network net(spec);
  net.Initialize(Init::kPytorch, 1);
  net.layers()[0].w = {1, 0, -1, 0};
  net.layers()[0].b = {0, 0};
  Dataset probe;
  probe.rows = 4;
  probe.features = 2;
  probe.classes = 2;
  probe.x = {1, 0, 2, 1, 0.5f, -1, 3, 3};
  probe.labels = {0, 1, 0, 1};
  const ProbeResult r = Diagnose(net, probe, {ProfileOf(ParseActivation("relu"))}, 10);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].dead_fraction, 0.5);
  EXPECT_EQ(r.layers[0].off_fraction, 0.5);
  EXPECT_EQ(r.layers[0].saturated_fraction, 0.0);
  EXPECT_NEAR(r.layers[0].mean, (1 + 2 + 0.5 + 3) / 8.0, 1e-6);
  EXPECT_EQ(r.layers[0].hist.counts.size(), 10u);
  uint64_t counted = r.layers[0].hist.below + r.layers[0].hist.above;
  for (uint64_t n : r.layers[0].hist.counts) counted += n;
  EXPECT_EQ(counted, 8u);
  EXPECT_EQ(r.layers[0].hist.counts[0], 4u);  // the four zeros of the dead unit in [0, 0.5)
  EXPECT_TRUE(r.layers[1].output);
  EXPECT_GT(r.layers[1].grad_norm, 0);
  // Per weight: the output layer has 4 weights.
  EXPECT_NEAR(r.layers[1].grad_rms, r.layers[1].grad_norm / 2, 1e-12);
  EXPECT_NEAR(r.layers[1].grad_to_weight, r.layers[1].grad_norm / r.layers[1].weight_norm, 1e-12);
}

TEST_F(LabTest, CheckpointRoundTripsAndRefusesBadFiles) {
  NetworkSpec spec = TinySpec("selu", 4, {8, 6}, 3, Head::kSoftmaxCrossEntropy, true);
  Network net(spec);
  net.Initialize(Init::kLecunNormal, 5);
  const std::vector<float> x = RandomVector(10 * 4, 9);
  net.Forward(x.data(), 10, Mode::kTrain);  // moves the batch norm running statistics
  Scaler scaler;
  scaler.kind = Scaling::kStandardize;
  scaler.offset = {1, 2, 3, 4};
  scaler.scale = {0.5f, 0.25f, 1, 2};
  const std::string path = Path("model.ckpt");
  SaveCheckpoint(path, net, scaler, {{"classes", 3}}, nullptr);
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename(), "model.ckpt") << "a temporary file was left behind";
  }
  const Checkpoint c = LoadCheckpoint(path);
  Network back = NetworkFrom(c, path);
  EXPECT_EQ(c.scaler.scale, scaler.scale);
  EXPECT_EQ(c.meta["classes"], 3);
  const float* a = net.Forward(x.data(), 10, Mode::kEval);
  const std::vector<float> out_a(a, a + 30);
  const float* b = back.Forward(x.data(), 10, Mode::kEval);
  EXPECT_EQ(out_a, std::vector<float>(b, b + 30));

  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  Write("flipped.ckpt", flipped);
  EXPECT_EQ(
      ErrorOf([&] { LoadCheckpoint(Path("flipped.ckpt")); }),
      Path("flipped.ckpt") + ": checksum mismatch: the checkpoint is corrupt or was cut short");
  Write("cut.ckpt", bytes.substr(0, bytes.size() - 100));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(Path("cut.ckpt")); }), "checksum mismatch");
  Write("magic.ckpt", "PK" + bytes.substr(2));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(Path("magic.ckpt")); }),
               "not an activ lab checkpoint (wrong magic number");
  std::string v2 = bytes;
  v2[8] = 2;
  Write("v2.ckpt", v2);
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(Path("v2.ckpt")); }),
            Path("v2.ckpt") +
                ": checkpoint format version 2 is not supported: this build reads version 1");

  Network other(TinySpec("selu", 4, {8, 5}, 3, Head::kSoftmaxCrossEntropy, true));
  EXPECT_EQ(ErrorOf([&] { LoadState(other, c.network, c.spec, path); }),
            path +
                ": the checkpoint holds a 4-8-6-3 selu batchnorm (softmax_cross_entropy) "
                "network; this one is 4-8-5-3 selu batchnorm (softmax_cross_entropy)");
}

TEST_F(LabTest, CsvRoundTripsWithHeaderAndLabelColumn) {
  Dataset d = Synthetic("moons", 50, -1, 4);
  SaveCsv(d, Path("moons.csv"));
  Dataset back = LoadCsv(Path("moons.csv"), {});
  EXPECT_EQ(back.rows, 50u);
  EXPECT_EQ(back.features, 2u);
  EXPECT_EQ(back.classes, 2u);
  EXPECT_EQ(back.labels, d.labels);
  EXPECT_EQ(back.x, d.x);  // %.9g round-trips float32 exactly

  Write("first.csv", "7,0.5,1\n3,1.5,2\n");  // no header, label chosen by index
  Dataset f = LoadCsv(Path("first.csv"), LabelColumn("0"));
  EXPECT_EQ(f.labels, (std::vector<int32_t>{7, 3}));
  EXPECT_EQ(f.x, (std::vector<float>{0.5f, 1, 1.5f, 2}));
  EXPECT_EQ(f.classes, 8u);
  Write("named.csv", "a,y,b\n1,0.25,2\n3,-1.5,4\n");
  Dataset g = LoadCsv(Path("named.csv"), LabelColumn("y"));
  EXPECT_FALSE(g.classification());
  EXPECT_EQ(g.targets, (std::vector<float>{0.25f, -1.5f}));
  EXPECT_EQ(g.x, (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(LabTest, BadCsvFilesGiveLineAndColumn) {
  Write("text.csv", "a,b,label\n1,2,0\n3,x7,1\n");
  EXPECT_EQ(ErrorOf([&] { LoadCsv(Path("text.csv"), {}); }),
            Path("text.csv") + ":3, column 2 ('b'): 'x7' is not a number");
  Write("missing.csv", "a,b,label\n1,,0\n");
  EXPECT_EQ(ErrorOf([&] { LoadCsv(Path("missing.csv"), {}); }),
            Path("missing.csv") +
                ":2, column 2 ('b'): missing value (drop such rows with the drop-bad-rows option)");
  Write("nan.csv", "1,2,0\n3,nan,1\n5,inf,1\n6,7,1\n");
  EXPECT_EQ(
      ErrorOf([&] { LoadCsv(Path("nan.csv"), {}); }),
      Path("nan.csv") + ":2, column 2: NaN in data (drop such rows with the drop-bad-rows option)");
  size_t dropped = 0;
  Dataset kept = LoadCsv(Path("nan.csv"), DropBadRows(), &dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(kept.rows, 2u);
  Write("ragged.csv", "1,2,0\n3,4\n");
  EXPECT_EQ(ErrorOf([&] { LoadCsv(Path("ragged.csv"), {}); }),
            Path("ragged.csv") + ":2: 2 fields, expected 3 (as on line 1)");
  Write("neg.csv", "1,2,0\n3,4,-1\n");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(Path("neg.csv"), Classification()); }),
               Path("neg.csv") + ":2, column 3: label -1.000000 is out of range");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(Path("named.csv"), LabelColumn("z")); }),
               "cannot open");
  Write("cols.csv", "a,b\n1,2\n");
  EXPECT_EQ(ErrorOf([&] { LoadCsv(Path("cols.csv"), LabelColumn("z")); }),
            Path("cols.csv") + ": no column named 'z' (the header has: a, b)");
}

std::string Idx(std::vector<uint32_t> dims, size_t payload) {
  std::string s = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xff);
  }
  return s + std::string(payload, '\x01');
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}

TEST_F(LabTest, IdxFilesLoadPlainAndGzipAndBadOnesAreRefused) {
  Write("ok-images-idx3-ubyte", Idx({3, 2, 2}, 12));
  WriteGzip(Path("ok-labels-idx1-ubyte.gz"), Idx({3}, 3));
  Dataset d = LoadIdx(Path("ok-images-idx3-ubyte"), Path("ok-labels-idx1-ubyte.gz"));
  EXPECT_EQ(d.rows, 3u);
  EXPECT_EQ(d.features, 4u);
  EXPECT_EQ(d.classes, 2u);
  EXPECT_EQ(d.x[5], 1.0f);

  Write("magic", "\x1f\x00\x08\x01" + std::string(8, '\0'));
  EXPECT_EQ(ErrorOf([&] { LoadIdx(Path("magic"), Path("magic")); }),
            Path("magic") +
                ": wrong magic number at byte 0: 0x1F 0x00, an IDX file starts with "
                "0x00 0x00 (is this an IDX file?)");
  Write("short", Idx({3, 2, 2}, 11));
  EXPECT_EQ(
      ErrorOf([&] { LoadIdx(Path("short"), Path("ok-labels-idx1-ubyte.gz")); }),
      Path("short") + ": truncated: the header (3x2x2) needs 28 bytes of data, the file has 27");
  Write("huge", Idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, 0));
  EXPECT_EQ(ErrorOf([&] { LoadIdx(Path("huge"), Path("ok-labels-idx1-ubyte.gz")); }),
            Path("huge") +
                ": the dimensions overflow size_t when multiplied (dimension 2 at byte "
                "12 is 4294967295)");
  Write("four-labels", Idx({4}, 4));
  EXPECT_EQ(ErrorOf([&] { LoadIdx(Path("ok-images-idx3-ubyte"), Path("four-labels")); }),
            Path("four-labels") + ": 4 labels for 3 images in " + Path("ok-images-idx3-ubyte"));
  // A gzip stream cut in the middle.
  WriteGzip(Path("full.gz"), Idx({3, 2, 2}, 12) + std::string(4000, 'x'));
  std::ifstream in(Path("full.gz"), std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), {});
  Write("cut-images-idx3-ubyte.gz", gz.substr(0, gz.size() / 2));
  EXPECT_PRED2(Contains, ErrorOf([&] { ReadAllBytes(Path("cut-images-idx3-ubyte.gz")); }),
               Path("cut-images-idx3-ubyte.gz") + ": truncated or corrupt gzip data");
}

TEST_F(LabTest, TestLabelsOutsideTheTrainingClassesAreRefused) {
  fs::create_directories(Path("idx"));
  Write("idx/train-images-idx3-ubyte", Idx({4, 2}, 8));
  Write("idx/train-labels-idx1-ubyte", Idx({4}, 4));  // labels 1: two classes
  Write("idx/t10k-images-idx3-ubyte", Idx({2, 2}, 4));
  std::string labels = Idx({2}, 1) + "\x05";
  Write("idx/t10k-labels-idx1-ubyte", labels);
  DataConfig c;
  c.source = Path("idx");
  EXPECT_EQ(ErrorOf([&] { LoadData(c); }),
            Path("idx") + ": test row 1 has label 5, out of range: the training set has 2 classes");
}

ExperimentConfig SmallExperiment(const std::string& out_dir) {
  ExperimentConfig c;
  c.data.source = "moons";
  c.data.synthetic_rows = 400;
  c.hidden = {16, 16};
  c.epochs = 4;
  c.batch = 32;
  c.optimizer.lr = 1e-2;
  c.probe_rows = 64;
  c.threads = 1;
  c.out_dir = out_dir;
  return c;
}

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(LabTest, ExperimentWritesLogAndSummaryAndIsDeterministic) {
  ExperimentConfig c = SmallExperiment(Path("a"));
  c.activations = {"relu", "tanh", "swiglu"};
  c.seeds = {1, 2};
  c.threads = 2;  // two runs side by side, one BLAS thread each
  const ExperimentResult r = RunExperiment(c);
  ASSERT_EQ(r.runs.size(), 6u);
  EXPECT_EQ(r.runs[2].activation, "tanh");
  EXPECT_EQ(r.runs[2].seed, 1u);
  const auto lines = ReadJsonLines(r.log_path);
  size_t runs = 0, epochs = 0, layers = 0, ends = 0;
  int last_run = -1;
  for (const auto& j : lines) {
    const std::string type = j["type"];
    runs += type == "run";
    epochs += type == "epoch";
    layers += type == "layer";
    ends += type == "end";
    EXPECT_GE(j["run"].get<int>(), last_run) << "runs appear in order";
    last_run = j["run"];
    if (type == "layer" && !j["output"].get<bool>()) {
      EXPECT_GE(j["dead_fraction"].get<double>(), 0);
      EXPECT_EQ(j["hist"]["counts"].size(), 32u);
    }
  }
  EXPECT_EQ(runs, 6u);
  EXPECT_EQ(ends, 6u);
  EXPECT_EQ(epochs, 6u * 5);      // epoch 0 and four epochs
  EXPECT_EQ(layers, 6u * 5 * 3);  // two hidden layers and the output layer
  const auto summary = nlohmann::json::parse(std::ifstream(r.summary_json));
  EXPECT_EQ(summary["runs"].size(), 6u);
  std::ifstream csv(r.summary_csv);
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("run,activation,seed,hidden,parameters,epochs,best_epoch", 0), 0u);
  for (const RunResult& run : r.runs) EXPECT_GT(run.test_accuracy, 0.75) << run.activation;

  // The same runs one at a time on one BLAS thread give the same numbers.
  c.out_dir = Path("b");
  c.parallel_runs = false;
  c.threads = 1;
  const ExperimentResult again = RunExperiment(c);
  for (size_t i = 0; i < r.runs.size(); ++i) {
    EXPECT_EQ(again.runs[i].test_loss, r.runs[i].test_loss) << i;
    EXPECT_EQ(again.runs[i].train_loss, r.runs[i].train_loss) << i;
  }
}

TEST_F(LabTest, ResumedRunEqualsUninterruptedRun) {
  ExperimentConfig c = SmallExperiment("");
  c.activations = {"gelu"};
  c.dropout = 0.2;
  c.data.source = "spirals";
  const RunResult whole = Train(c, Path("whole.ckpt"));
  c.epochs = 2;
  Train(c, Path("half.ckpt"));
  c.epochs = 4;
  c.resume = Path("half.ckpt");
  const RunResult resumed = Train(c, Path("resumed.ckpt"));
  EXPECT_EQ(resumed.epochs, 4u);
  EXPECT_EQ(resumed.test_loss, whole.test_loss);
  EXPECT_EQ(resumed.train_loss, whole.train_loss);

  c.hidden = {16, 8};
  EXPECT_PRED2(Contains, ErrorOf([&] { Train(c, Path("other.ckpt")); }),
               "the checkpoint holds a 2-16-16-1 gelu (sigmoid_bce) network; this one "
               "is 2-16-8-1 gelu (sigmoid_bce)");

  // Predicting with the checkpoint on a CSV of the same kind of data, with and without labels.
  Dataset d = Synthetic("spirals", 200, -1, 99);
  SaveCsv(d, Path("spirals.csv"));
  const Prediction p = Predict(Path("whole.ckpt"), Path("spirals.csv"));
  EXPECT_TRUE(p.has_truth);
  EXPECT_EQ(p.rows, 200u);
  EXPECT_EQ(p.outputs, 2u);
  EXPECT_NEAR(p.values[0] + p.values[1], 1.0, 1e-6);
  WritePredictions(p, Path("pred.csv"));
  std::ifstream pred(Path("pred.csv"));
  std::string header;
  std::getline(pred, header);
  EXPECT_EQ(header, "row,predicted,label,p0,p1");
}

TEST_F(LabTest, DivergingRunStopsWithMessageAndKeepsLastGoodCheckpoint) {
  ExperimentConfig c = SmallExperiment(Path("nan"));
  c.data.source = "regression";
  c.activations = {"relu_squared"};
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 5;
  c.epochs = 20;
  const ExperimentResult r = RunExperiment(c);
  const RunResult& run = r.runs.at(0);
  EXPECT_EQ(run.stop_reason, "nan");
  EXPECT_TRUE(Contains(run.message, "the training loss became NaN at epoch ") ||
              Contains(run.message, "the training loss became infinite at epoch "))
      << run.message;
  EXPECT_PRED2(Contains, run.message, " (batch ");
  EXPECT_PRED2(Contains, run.message, "is kept");
  const Checkpoint ck = LoadCheckpoint(run.checkpoint);
  EXPECT_EQ(ck.state->epoch, run.epochs);
  for (const auto& a : ck.network) {
    for (float v : a) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST_F(LabTest, SettingsErrorsAreClear) {
  EXPECT_PRED2(Contains, ErrorOf([] { ParseActivation("relu7"); }), "relu7");
  EXPECT_PRED2(Contains, ErrorOf([] { ParseActivation("elu:alpha"); }),
               "cannot parse 'elu:alpha' at position 5: expected name=value");
  EXPECT_PRED2(Contains, ErrorOf([] { ParseActivation("elu:beta=1"); }), "beta");
  ExperimentConfig c = SmallExperiment("");
  c.activations = {"relu/tanh/gelu"};
  EXPECT_EQ(ErrorOf([&] { RunExperiment(c); }),
            "activation 'relu/tanh/gelu' names 3 layers, the network has 2 hidden layers");
  c.activations = {"relu/tanh"};
  EXPECT_EQ(RunExperiment(c).runs.size(), 1u);
}

// --init auto and the named schemes: the spread of the weights each layer gets.
double WeightStd(const Dense& l) {
  double sq = 0;
  for (float w : l.w) sq += static_cast<double>(w) * w;
  return std::sqrt(sq / static_cast<double>(l.w.size()));
}

TEST_F(LabTest, InitialisationsUseTheActivationsGain) {
  // PyTorch's calculate_gain where it has one; else 1/sqrt(E[f(z)^2]), z ~ N(0, 1), which for
  // relu6 (relu but for the 1e-9 of the mass above 6) comes out as relu's sqrt 2.
  EXPECT_NEAR(ActivationGain(ParseActivation("relu")), std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(ActivationGain(ParseActivation("leaky_relu:negative_slope=0.2")), std::sqrt(2 / 1.04),
              1e-12);
  EXPECT_NEAR(ActivationGain(ParseActivation("tanh")), 5.0 / 3.0, 1e-12);
  EXPECT_EQ(ActivationGain(ParseActivation("sigmoid")), 1.0);
  EXPECT_EQ(ActivationGain(ParseActivation("selu")), 1.0);
  EXPECT_NEAR(ActivationGain(ParseActivation("relu6")), std::sqrt(2.0), 1e-4);
  // identity through the quadrature: E[z^2] = 1.
  EXPECT_NEAR(ActivationGain(ParseActivation("gated_identity")), 1.0, 1e-6);
  EXPECT_EQ(ResolveInit(Init::kAuto, ParseActivation("tanh"), false).scheme, Init::kXavierUniform);
  EXPECT_EQ(ResolveInit(Init::kAuto, ParseActivation("selu"), false).scheme, Init::kLecunNormal);
  EXPECT_EQ(ResolveInit(Init::kAuto, ParseActivation("gelu"), false).scheme, Init::kKaimingNormal);
  EXPECT_EQ(ResolveInit(Init::kAuto, ParseActivation("relu"), true).scheme, Init::kLecunNormal);

  // 400 inputs, 300 units: the drawn spread within 3% of each scheme's.
  const double in = 400, out = 300;
  auto std_of = [&](const char* act, Init init) {
    Network net(TinySpec(act, 400, {300}, 10, Head::kSoftmaxCrossEntropy));
    net.Initialize(init, 1);
    return WeightStd(net.layers()[0]);
  };
  EXPECT_NEAR(std_of("relu", Init::kAuto), std::sqrt(2 / in), 0.03 * std::sqrt(2 / in));
  const double leaky = std::sqrt(2 / 1.04 / in);
  EXPECT_NEAR(std_of("leaky_relu:negative_slope=0.2", Init::kAuto), leaky, 0.03 * leaky);
  const double xavier_tanh = 5.0 / 3.0 * std::sqrt(2 / (in + out));  // uniform: bound/sqrt 3
  EXPECT_NEAR(std_of("tanh", Init::kAuto), xavier_tanh, 0.03 * xavier_tanh);
  EXPECT_NEAR(std_of("sigmoid", Init::kAuto), std::sqrt(2 / (in + out)),
              0.03 * std::sqrt(2 / (in + out)));
  EXPECT_NEAR(std_of("selu", Init::kAuto), std::sqrt(1 / in), 0.03 * std::sqrt(1 / in));
  // Named schemes take the gain too: kaiming_uniform with tanh's 5/3, xavier_normal with relu's.
  EXPECT_NEAR(std_of("tanh", Init::kKaimingUniform), 5.0 / 3.0 / std::sqrt(in),
              0.03 * 5.0 / 3.0 / std::sqrt(in));
  EXPECT_NEAR(std_of("relu", Init::kXavierNormal), std::sqrt(2.0) * std::sqrt(2 / (in + out)),
              0.03 * std::sqrt(2.0) * std::sqrt(2 / (in + out)));
  // pytorch: U(+-1/sqrt(fan_in)) whatever the activation, biases too.
  EXPECT_NEAR(std_of("relu", Init::kPytorch), 1 / std::sqrt(3 * in), 0.03 / std::sqrt(3 * in));
  Network net(TinySpec("relu", 400, {300}, 10, Head::kSoftmaxCrossEntropy));
  net.Initialize(Init::kPytorch, 1);
  EXPECT_NE(net.layers()[0].b[0], 0.0f);
  net.Initialize(Init::kAuto, 1);
  EXPECT_EQ(net.layers()[0].b[0], 0.0f);
}

// Learning: every activation of the default comparison learns Fashion-MNIST (a 3000-image
// subset, 784-64-10, 3 epochs of SGD with momentum 0.9 and lr 0.02, --init auto) well above
// chance (10%): above 75% on 2000 test images (the full test set gave 78.6-80.7% here).
class LearnsFashionMnist : public LabTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(LearnsFashionMnist, AboveSeventyFivePercentAfterThreeEpochs) {
  if (!fs::exists(fs::path(kFashionMnistDir) / "train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (Debian: dataset-fashion-mnist)";
  }
  ExperimentConfig c;
  c.data.source = "fashion-mnist";
  c.data.train_limit = 3000;
  c.data.test_limit = 2000;
  c.hidden = {64};
  c.epochs = 3;
  c.batch = 32;
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 0.02;
  c.activations = {GetParam()};
  c.threads = 1;
  c.diagnostics = false;
  const RunResult r = RunExperiment(c).runs.at(0);
  EXPECT_GT(r.test_accuracy, 0.75) << GetParam() << ": " << r.message;
}

INSTANTIATE_TEST_SUITE_P(DefaultActivations, LearnsFashionMnist,
                         ::testing::Values("relu", "tanh", "sigmoid", "gelu", "silu", "elu"));

// The experiments, each on small synthetic data, show their phenomenon. Every point gets the
// spirals instead of Fashion-MNIST; the log is read back as the report reads it.
struct SweepLog {
  std::vector<nlohmann::json> layers, runs;  // "layer" records; summary records
};

SweepLog RunSmallSweep(const std::string& name, const std::string& dir,
                       const std::vector<std::string>& activations, size_t epochs) {
  Sweep s = MakeSweep(name, false);
  for (SweepPoint& p : s.points) {
    p.config.data = DataConfig{};
    p.config.data.source = "spirals";
    p.config.data.synthetic_rows = 1000;
    p.config.activations = activations;
    p.config.epochs = epochs;
    p.config.probe_rows = 256;
    p.config.threads = 2;
  }
  RunSweep(s, dir);
  SweepLog log;
  for (nlohmann::json& j : ReadJsonLines(dir + "/log.jsonl")) {
    if (j["type"] == "layer") log.layers.push_back(std::move(j));
  }
  std::ifstream in(dir + "/summary.json");
  const nlohmann::json summary = nlohmann::json::parse(in);
  EXPECT_EQ(summary["experiment"]["name"], name);
  for (const auto& r : summary["runs"]) log.runs.push_back(r);
  return log;
}

// A field of one layer's record at one epoch, of the run of `activation` at sweep value x.
double LayerField(const SweepLog& log, const std::string& activation, double x, int layer,
                  int epoch, const char* field) {
  for (const auto& j : log.layers) {
    if (j["sweep_activation"] == activation && j["sweep_x"].get<double>() == x &&
        j["layer"] == layer && j["epoch"] == epoch) {
      return j[field].is_null() ? NAN : j[field].get<double>();
    }
  }
  ADD_FAILURE() << "no layer " << layer << " of " << activation << " at " << x;
  return NAN;
}

const nlohmann::json& RunAt(const SweepLog& log, const std::string& activation, double x) {
  for (const auto& r : log.runs) {
    if (r["sweep_activation"] == activation && r["sweep_x"].get<double>() == x) return r;
  }
  static const nlohmann::json kNone;
  ADD_FAILURE() << "no run of " << activation << " at " << x;
  return kNone;
}

TEST_F(LabTest, DepthSweepShowsSigmoidsGradientVanishingAndReluWithHeInitKeepingIt) {
  const SweepLog log = RunSmallSweep("depth", Path("depth"), {"sigmoid", "relu"}, 1);
  const double sigmoid2 = LayerField(log, "sigmoid", 2, 1, 0, "grad_rms");
  const double sigmoid16 = LayerField(log, "sigmoid", 16, 1, 0, "grad_rms");
  const double relu2 = LayerField(log, "relu", 2, 1, 0, "grad_rms");
  const double relu16 = LayerField(log, "relu", 16, 1, 0, "grad_rms");
  EXPECT_LT(sigmoid16, 1e-4 * sigmoid2);  // about 0.25 per layer, 14 layers more
  EXPECT_GT(relu16, 0.1 * relu2);
  EXPECT_LT(relu16, 10 * relu2);
}

TEST_F(LabTest, DyingReluSweepKillsReluUnitsAtHighLearningRatesAndNeverLeakyOnes) {
  const SweepLog log = RunSmallSweep("dying-relu", Path("dying"), {"relu", "leaky_relu"}, 3);
  const double low = RunAt(log, "relu", 0.01)["dead_fraction"].get<double>();
  const double high = RunAt(log, "relu", 0.3)["dead_fraction"].get<double>();
  EXPECT_GT(high, low + 0.1) << low << " " << high;
  for (double lr : {0.01, 0.1, 0.3}) {
    EXPECT_EQ(RunAt(log, "leaky_relu", lr)["dead_fraction"].get<double>(), 0.0);
  }
}

TEST_F(LabTest, InitSweepShowsPytorchsDefaultShrinkingReluSignalsAndAutoKeepingThem) {
  const SweepLog log = RunSmallSweep("init", Path("init"), {"relu", "tanh", "selu"}, 1);
  // x: 0 pytorch, 1 auto. The std of the eighth hidden layer's outputs at initialisation.
  const double relu_pytorch = LayerField(log, "relu", 0, 8, 0, "std");
  const double relu_auto = LayerField(log, "relu", 1, 8, 0, "std");
  EXPECT_LT(relu_pytorch, 0.1 * relu_auto);  // U(+-1/sqrt(n)) keeps a third of He's variance
  for (const char* act : {"relu", "tanh", "selu"}) {
    const double first = LayerField(log, act, 1, 1, 0, "std");
    const double last = LayerField(log, act, 1, 8, 0, "std");
    EXPECT_GT(last, 0.3 * first) << act;
    EXPECT_LT(last, 3 * first) << act;
  }
}

TEST_F(LabTest, BatchnormSweepKeepsSigmoidsGradientFromVanishing) {
  const SweepLog log = RunSmallSweep("batchnorm", Path("bn"), {"sigmoid"}, 1);
  const double off = LayerField(log, "sigmoid", 0, 1, 0, "grad_rms");
  const double on = LayerField(log, "sigmoid", 1, 1, 0, "grad_rms");
  EXPECT_GT(on, 1e4 * off);
}

TEST_F(LabTest, ClippingSweepExplodesWithoutClipAndTrainsWithIt) {
  const SweepLog log = RunSmallSweep("clipping", Path("clip"), {"relu"}, 2);
  const nlohmann::json& free = RunAt(log, "relu", 0);
  const nlohmann::json& clipped = RunAt(log, "relu", 1);
  EXPECT_EQ(free["stop_reason"], "nan");
  EXPECT_GT(free["grad_norm_max"].get<double>(), 1e6);
  EXPECT_EQ(clipped["stop_reason"], "max_epochs");
  EXPECT_TRUE(std::isfinite(clipped["train_loss"].get<double>()));
}

}  // namespace
}  // namespace lab
