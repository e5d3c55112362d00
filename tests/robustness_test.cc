// Bad input to the lab and the .npy reader: every case refused with one activ::Error naming the
// file, the place and the problem, and no partial output. The regression tests of the bugs the
// fuzz targets (fuzz/) found live here too, one per bug. Each message is also printed on a
// line starting "message: ", which docs/ROBUSTNESS.md quotes.
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "lab/checkpoint.h"
#include "lab/data.h"
#include "lab/io.h"
#include "lab/lab.h"
#include "npy.h"

namespace lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("activ_robustness_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
    return Path(name);
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  // The names in the test's directory, to check that nothing was left behind.
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path dir_;
};

// The message of the activ::Error that fn throws ("" when it throws none), printed for the docs
// with the test's directory written as DIR.
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const activ::Error& e) {
    std::string m = e.what();
    std::string shown = m;
    const std::string tmp = fs::temp_directory_path().string() + "/activ_robustness_";
    for (size_t at; (at = shown.find(tmp)) != std::string::npos;) {
      const size_t slash = shown.find('/', at + tmp.size());
      shown.replace(at, slash == std::string::npos ? std::string::npos : slash - at, "DIR");
    }
    std::cout << "message: " << shown << "\n";
    return m;
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A small trained-shape checkpoint (2-3-2 relu, softmax, two classes) to damage.
std::string SaveSmallCheckpoint(const std::string& path) {
  NetworkSpec spec;
  spec.inputs = 2;
  spec.outputs = 2;
  spec.head = Head::kSoftmaxCrossEntropy;
  LayerSpec l;
  l.units = 3;
  l.act = ParseActivation("relu");
  spec.hidden.push_back(l);
  Network net(spec);
  net.Initialize(Init::kPytorch, 1);
  Scaler scaler;
  scaler.kind = Scaling::kStandardize;
  scaler.offset = {0, 0};
  scaler.scale = {1, 1};
  SaveCheckpoint(path, net, scaler, {{"classes", 2}}, nullptr);
  return path;
}

// The checkpoint at `path` with its JSON header changed by `edit`, the arrays kept, and a
// correct length and CRC: what a damaged or hand-made file that passes the checksum looks like.
std::string EditHeader(const std::string& bytes, const std::function<void(json&)>& edit) {
  uint64_t len;
  std::memcpy(&len, bytes.data() + 12, 8);
  json header = json::parse(bytes.substr(20, len));
  edit(header);
  const std::string text = header.dump();
  std::string out = bytes.substr(0, 12);
  const uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += text;
  out += bytes.substr(20 + len, bytes.size() - 4 - 20 - len);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  out.append(reinterpret_cast<const char*>(&crc), 4);
  return out;
}

// Found by csv_fuzzer: a label column given as a huge number ("1e300", "inf") was converted to
// an integer before the range check (undefined behaviour).
TEST_F(RobustnessTest, CsvLabelColumnBeyondAnyIntegerIsOutOfRange) {
  const std::string path = Write("a.csv", "1,2,0\n3,4,1\n");
  for (const char* column : {"1e300", "-1e300", "inf", "9223372036854775808"}) {
    CsvOptions o;
    o.label_column = column;
    EXPECT_EQ(ErrorOf([&] { LoadCsv(path, o); }),
              path + ": label column " + column +
                  " is out of range: the file has 3 columns (0 to 2, or -1 for the last)");
  }
}

// Found by csv_fuzzer: a value beyond the float32 range became an infinite feature or target.
TEST_F(RobustnessTest, CsvValuesBeyondFloat32AreBadRows) {
  const std::string path = Write("big.csv", "x,y\n1,0.5\n1e39,2\n3,-4e38\n5,6\n");
  EXPECT_EQ(ErrorOf([&] { LoadCsv(path, {}); }),
            path +
                ":3, column 1 ('x'): '1e39' is beyond the float32 range (+-3.4e38) "
                "(drop such rows with the drop-bad-rows option)");
  CsvOptions drop;
  drop.drop_bad_rows = true;
  size_t dropped = 0;
  const Dataset d = LoadCsv(path, drop, &dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.targets, (std::vector<float>{0.5f, 6}));
}

// Found by checkpoint_fuzzer: keys missing from the header, or of another type, escaped as
// nlohmann::json exceptions instead of activ::Error naming the file.
TEST_F(RobustnessTest, CheckpointHeaderWithMissingOrMistypedKeysIsRefused) {
  const std::string bytes = Read(fs::path(SaveSmallCheckpoint(Path("ok.ckpt"))).filename());
  const std::string no_features =
      Write("f.ckpt", EditHeader(bytes, [](json& h) { h["scaler"].erase("features"); }));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(no_features); }),
            no_features +
                ": bad checkpoint header: [json.exception.out_of_range.403] key 'features' not "
                "found");
  const std::string text_size =
      Write("t.ckpt", EditHeader(bytes, [](json& h) { h["arrays"]["network"][0] = "six"; }));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(text_size); }),
            text_size + ": bad checkpoint header: \"six\" is not a count");
  const std::string number_head =
      Write("h.ckpt", EditHeader(bytes, [](json& h) { h["network"]["head"] = 5; }));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(number_head); }),
               number_head + ": bad checkpoint header: [json.exception.type_error.302]");
  for (const char* units : {"-1", "1e300", "2.5"}) {
    const std::string bad = Write("units.ckpt", EditHeader(bytes, [&](json& h) {
                                    h["network"]["hidden"][0]["units"] = json::parse(units);
                                  }));
    EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(bad); }),
              bad + ": bad checkpoint header: " + json::parse(units).dump() + " is not a count");
  }
  const std::string no_arrays =
      Write("a.ckpt", EditHeader(bytes, [](json& h) { h.erase("arrays"); }));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(no_arrays); }),
               no_arrays + ": bad checkpoint header:");
}

// Found by checkpoint_fuzzer: a header naming a network far larger than its arrays made
// NetworkFrom allocate it (gigabytes, or a size_t overflow) before comparing the sizes.
TEST_F(RobustnessTest, CheckpointNetworkLargerThanItsArraysIsRefusedBeforeAllocating) {
  const std::string bytes = Read(fs::path(SaveSmallCheckpoint(Path("ok.ckpt"))).filename());
  const std::string huge =
      Write("huge.ckpt",
            EditHeader(bytes, [](json& h) { h["network"]["hidden"][0]["units"] = 1000000000; }));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(huge); }),
            huge +
                ": inconsistent header: a 2-1000000000-2 relu (softmax_cross_entropy) network "
                "has 4000000000 weights, the checkpoint's arrays hold 17 values");
  const std::string overflow =
      Write("overflow.ckpt",
            EditHeader(bytes, [](json& h) { h["network"]["inputs"] = uint64_t{1} << 63; }));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(overflow); }),
               "network has more weights than size_t counts");
}

// Found by checkpoint_fuzzer: Predict scored labels up to meta.classes against a head with fewer
// outputs, and regression targets against more outputs than the file has, reading past the end.
TEST_F(RobustnessTest, CheckpointClassesMustFitTheHead) {
  const std::string bytes = Read(fs::path(SaveSmallCheckpoint(Path("ok.ckpt"))).filename());
  const std::string ten =
      Write("ten.ckpt", EditHeader(bytes, [](json& h) { h["meta"]["classes"] = 10; }));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(ten); }),
            ten +
                ": inconsistent header: 10 classes (meta) for 2 outputs with the "
                "softmax_cross_entropy head");
  const std::string none =
      Write("none.ckpt", EditHeader(bytes, [](json& h) { h["meta"].erase("classes"); }));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCheckpoint(none); }),
               "inconsistent header: 0 classes (meta) for 2 outputs");
  const std::string text =
      Write("text.ckpt", EditHeader(bytes, [](json& h) { h["meta"]["classes"] = "2"; }));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(text); }),
            text + ": bad checkpoint header: meta.classes is not a count: \"2\"");
  const std::string mse = Write("mse.ckpt", EditHeader(bytes, [](json& h) {
                                  h["network"]["head"] = "squared_error";
                                  h["meta"]["classes"] = 0;
                                }));
  ASSERT_EQ(ErrorOf([&] { LoadCheckpoint(mse); }), "");
  const std::string rows = Write("rows.csv", "0.5,1,2\n");
  EXPECT_EQ(ErrorOf([&] { Predict(mse, rows); }),
            rows + ": 1 targets per row, the network in " + mse + " predicts 2");
}

TEST_F(RobustnessTest, OutputDirectoryThatCannotBeCreatedIsAnError) {
  // A regular file where a directory should be: refused even for root, unlike permissions.
  Write("file", "x");
  ExperimentConfig c;
  c.data.source = "moons";
  c.data.synthetic_rows = 100;
  c.activations = {"relu"};
  c.hidden = {4};
  c.epochs = 1;
  c.threads = 1;
  c.out_dir = Path("file/runs");
  EXPECT_EQ(ErrorOf([&] { RunExperiment(c); }),
            c.out_dir + ": cannot create the directory: Not a directory");
  EXPECT_PRED2(Contains,
               ErrorOf([&] { SaveCsv(Synthetic("moons", 4, -1, 1), Path("file/x.csv")); }),
               Path("file/x.csv") + ": cannot write: Not a directory");
  EXPECT_EQ(Files(), std::vector<std::string>{"file"});
}

// A full disk, as the process sees it: RLIMIT_FSIZE makes write() fail with EFBIG (SIGXFSZ
// ignored). The old file stays whole and no temporary file is left.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit r = old_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_;
  void (*old_handler_)(int);
};

TEST_F(RobustnessTest, FullDiskLeavesTheOldFileAndNoTemporary) {
  const Dataset d = Synthetic("moons", 2000, -1, 1);
  const std::string csv = Path("moons.csv");
  SaveCsv(Synthetic("moons", 4, -1, 1), csv);
  const std::string before = Read("moons.csv");
  const std::string npy_path = Path("x.npy");
  activ::npy::Array a;
  a.dtype = activ::npy::DType::kFloat32;
  a.shape = {4096};
  a.f32.assign(4096, 1.0f);
  {
    FileSizeLimit limit(4096);
    EXPECT_EQ(ErrorOf([&] { SaveCsv(d, csv); }), csv + ": write failed: File too large");
    EXPECT_EQ(ErrorOf([&] { activ::npy::Write(npy_path, a); }),
              "cannot write " + npy_path + ": File too large");
  }
  EXPECT_EQ(Read("moons.csv"), before);
  EXPECT_EQ(Files(), std::vector<std::string>{"moons.csv"});

  // The experiment's log is appended as runs finish, not renamed into place: a failed write
  // must stop the experiment rather than leave a log that silently misses runs.
  ExperimentConfig c;
  c.data.source = "moons";
  c.data.synthetic_rows = 200;
  c.activations = {"relu", "tanh"};
  c.hidden = {8};
  c.epochs = 3;
  c.threads = 1;
  c.checkpoints = false;
  c.out_dir = Path("runs");
  FileSizeLimit limit(2048);
  EXPECT_EQ(ErrorOf([&] { RunExperiment(c); }),
            Path("runs/log.jsonl") + ": write failed (is the disk full?)");
  EXPECT_FALSE(fs::exists(Path("runs/summary.json")));
}

TEST_F(RobustnessTest, CheckpointFromAnotherShapeOrVersion) {
  const std::string path = SaveSmallCheckpoint(Path("ok.ckpt"));
  const Checkpoint c = LoadCheckpoint(path);
  NetworkSpec other = c.spec;
  other.hidden[0].units = 4;
  Network net(other);
  EXPECT_EQ(ErrorOf([&] { LoadState(net, c.network, c.spec, path); }),
            path +
                ": the checkpoint holds a 2-3-2 relu (softmax_cross_entropy) network; this one "
                "is 2-4-2 relu (softmax_cross_entropy)");
  std::string bytes = Read("ok.ckpt");
  bytes[8] = 2;
  const std::string v2 = Write("v2.ckpt", bytes);
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(v2); }),
            v2 + ": checkpoint format version 2 is not supported: this build reads version 1");
  const std::string rows = Write("rows.csv", "1,2,3\n");
  EXPECT_EQ(ErrorOf([&] {
              Predict(path, rows, [] {
                CsvOptions o;
                o.no_label = true;
                return o;
              }());
            }),
            rows + ": 3 features per row, the network in " + path + " takes 2");
}

std::string Idx(std::vector<uint32_t> dims, size_t payload, char value = '\x01') {
  std::string s = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xff);
  }
  return s + std::string(payload, value);
}

std::string Gzip(const std::string& content) {
  uLongf size = compressBound(static_cast<uLong>(content.size())) + 32;
  std::string out(size, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  z.avail_in = static_cast<uInt>(content.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The data files' cases of the issue, each with the message a user sees (lab_test.cc checks
// most of them in detail; here they are gathered for docs/ROBUSTNESS.md).
TEST_F(RobustnessTest, BadDataFilesNameFilePositionAndProblem) {
  const std::string labels = Write("ok-labels-idx1-ubyte", Idx({3}, 3));
  const std::string images = Write("ok-images-idx3-ubyte", Idx({3, 2, 2}, 12));
  const std::string magic = Write("magic-images-idx3-ubyte", "PK\x03\x04" + Idx({3}, 3));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadIdx(magic, labels); }), "wrong magic number at byte 0");
  const std::string cut = Write("cut-images-idx3-ubyte", Idx({3, 2, 2}, 11));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadIdx(cut, labels); }), "truncated");
  const std::string gz = Gzip(Idx({3, 2, 2}, 12) + std::string(5000, 'x'));
  const std::string cut_gz = Write("cutgz-images-idx3-ubyte.gz", gz.substr(0, gz.size() / 2));
  // zlib's message names the file too: it is said once.
  EXPECT_EQ(ErrorOf([&] { LoadIdx(cut_gz, labels); }),
            cut_gz +
                ": truncated or corrupt gzip data after 0 decompressed bytes: unexpected end "
                "of file");
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  const std::string bad_gz = Write("badgz-images-idx3-ubyte.gz", corrupt);
  EXPECT_NE(ErrorOf([&] { LoadIdx(bad_gz, labels); }), "");
  const std::string huge =
      Write("huge-images-idx3-ubyte", Idx({0x10000u, 0x10000u, 0x10000u, 0x10000u}, 0));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadIdx(huge, labels); }), "overflow size_t");
  const std::string extra = Write("extra-images-idx3-ubyte", Idx({3, 2, 2}, 13));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadIdx(extra, labels); }), "unexpected bytes");
  const std::string two = Write("two-labels-idx1-ubyte", Idx({2}, 2));
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadIdx(images, two); }), "2 labels for 3 images");

  const std::string nan = Write("nan.csv", "x,y,label\n1,2,0\n3,nan,1\n5,6,1\n");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(nan, {}); }), "NaN in data");
  const std::string inf = Write("inf.csv", "x,y,label\n1,2,0\n3,-inf,1\n5,6,1\n");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(inf, {}); }), "infinity in data");
  CsvOptions drop;
  drop.drop_bad_rows = true;
  size_t dropped = 0;
  EXPECT_EQ(LoadCsv(nan, drop, &dropped).rows, 2u);
  EXPECT_EQ(dropped, 1u);
  const std::string label = Write("label.csv", "x,label\n1,0\n2,1.5\n");
  CsvOptions classes;
  classes.task = Task::kClassification;
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(label, classes); }), "out of range");
  const std::string text = Write("text.csv", "x,label\n1,0\n2 3,1\n");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadCsv(text, {}); }), "is not a number");

  fs::create_directories(Path("idx"));
  Write("idx/train-images-idx3-ubyte", Idx({4, 2}, 8));
  Write("idx/train-labels-idx1-ubyte", Idx({4}, 4));
  Write("idx/t10k-images-idx3-ubyte", Idx({2, 2}, 4));
  Write("idx/t10k-labels-idx1-ubyte", Idx({2}, 2, '\x07'));
  DataConfig c;
  c.source = Path("idx");
  EXPECT_PRED2(Contains, ErrorOf([&] { LoadData(c); }), "out of range");
}

// A loss that turns NaN or infinite stops the run with a message naming the epoch, the batch and
// the layer; the checkpoint keeps the last good epoch's network.
TEST_F(RobustnessTest, DivergingRunNamesEpochAndLayerAndKeepsLastGoodCheckpoint) {
  ExperimentConfig c;
  c.data.source = "regression";
  c.data.synthetic_rows = 400;
  c.activations = {"relu_squared"};
  c.hidden = {16, 16};
  c.epochs = 20;
  c.batch = 32;
  c.threads = 1;
  c.optimizer.kind = OptimizerKind::kSgd;
  c.optimizer.lr = 5;
  c.out_dir = Path("nan");
  const RunResult run = RunExperiment(c).runs.at(0);
  std::string shown = run.message;
  shown.replace(shown.find(dir_.string()), dir_.string().size(), "DIR");
  std::cout << "message: " << shown << "\n";
  EXPECT_EQ(run.stop_reason, "nan");
  EXPECT_PRED2(Contains, run.message, "layer");
  const Checkpoint ck = LoadCheckpoint(run.checkpoint);
  EXPECT_EQ(ck.state->epoch, run.epochs);
  for (const auto& a : ck.network) {
    for (float v : a) ASSERT_TRUE(std::isfinite(v));
  }
}

}  // namespace
}  // namespace lab
