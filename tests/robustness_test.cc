// Bad input to the lab and the .npy reader: every case refused with one activ::Error naming the
// file, the place and the problem, and no partial output. The regression tests of the bugs the
// fuzz targets (fuzz/) found live here too, one per bug. Each message is also printed on a
// line starting "message: ", which docs/ROBUSTNESS.md quotes.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/files.h"
#include "lab/checkpoint.h"
#include "lab/data.h"
#include "lab/lab.h"
#include "npy.h"

namespace lab {

using activ::io::ReadAllBytes;
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
               "cannot write " + Path("file/x.csv") + ": Not a directory");
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
    EXPECT_EQ(ErrorOf([&] { SaveCsv(d, csv); }), "cannot write " + csv + ": File too large");
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

// ---- The second robustness pass (issue 21): writes, publication, bounded reads. ----

// A link planted where the writer puts its temporary file (the old lab writer used the
// predictable name PATH.tmp.PID and opened it with fopen, which follows links) must not redirect
// the write; nor may a link at the destination itself: it is replaced, not written through.
TEST_F(RobustnessTest, WritesFollowNoPlantedLink) {
  const std::string victim = Write("victim", "precious");
  const Dataset d = Synthetic("moons", 8, -1, 1);
  const std::string csv = Path("moons.csv");
  fs::create_symlink(victim, csv + ".tmp." + std::to_string(::getpid()));
  SaveCsv(d, csv);
  const std::string ckpt = Path("net.ckpt");
  fs::create_symlink(victim, ckpt + ".tmp." + std::to_string(::getpid()));
  SaveSmallCheckpoint(ckpt);
  const std::string linked = Path("linked.csv");
  fs::create_symlink(victim, linked);
  SaveCsv(d, linked);
  EXPECT_EQ(Read("victim"), "precious");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(csv)));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(linked)));
  EXPECT_EQ(LoadCsv(linked, {}).rows, 8u);
  EXPECT_EQ(LoadCheckpoint(ckpt).spec.inputs, 2u);
}

}  // namespace
}  // namespace lab

// Counts umask(2) calls made by the code linked into this test (this definition takes the place
// of the C library's): a writer must not set the process umask, which races with every other
// thread that creates a file meanwhile.
std::atomic<int> g_umask_calls{0};
extern "C" mode_t umask(mode_t mask) noexcept {
  ++g_umask_calls;
  return static_cast<mode_t>(::syscall(SYS_umask, mask));
}

namespace lab {
namespace {

TEST_F(RobustnessTest, WritesLeaveTheUmaskAloneAndKeepTheOldFilesPermissions) {
  const mode_t saved = static_cast<mode_t>(::syscall(SYS_umask, 027));
  const int calls = g_umask_calls;
  const std::string npy_path = Path("x.npy");
  activ::npy::Array a;
  a.dtype = activ::npy::DType::kFloat32;
  a.shape = {4};
  a.f32.assign(4, 1.0f);
  activ::npy::Write(npy_path, a);
  const std::string csv = Path("moons.csv");
  SaveCsv(Synthetic("moons", 4, -1, 1), csv);
  auto mode = [](const std::string& p) { return fs::status(p).permissions() & fs::perms::all; };
  using P = fs::perms;
  EXPECT_EQ(mode(npy_path), P::owner_read | P::owner_write | P::group_read);  // 0666 & ~027
  EXPECT_EQ(mode(csv), P::owner_read | P::owner_write | P::group_read);
  // A file replaced keeps its permissions: a private file stays private.
  fs::permissions(npy_path, P::owner_read | P::owner_write);
  fs::permissions(csv, P::owner_read | P::owner_write);
  activ::npy::Write(npy_path, a);
  SaveCsv(Synthetic("moons", 4, -1, 1), csv);
  EXPECT_EQ(mode(npy_path), P::owner_read | P::owner_write);
  EXPECT_EQ(mode(csv), P::owner_read | P::owner_write);
  EXPECT_EQ(g_umask_calls - calls, 0) << "a writer changed the process umask";
  ::syscall(SYS_umask, saved);
}

// Output paths that are not files to replace: a directory is refused before anything is written;
// a FIFO or a character device is written into (what `-o /dev/stdout` means).
TEST_F(RobustnessTest, OutputThatIsADirectoryOrAFifo) {
  const Dataset d = Synthetic("moons", 8, -1, 1);
  fs::create_directories(Path("adir"));
  EXPECT_EQ(ErrorOf([&] { SaveCsv(d, Path("adir")); }),
            "cannot write " + Path("adir") + ": Is a directory");
  EXPECT_EQ(ErrorOf([&] { SaveCsv(d, Path("adir/")); }),
            "cannot write " + Path("adir/") + ": Is a directory");
  EXPECT_EQ(Files(), std::vector<std::string>{"adir"});
  EXPECT_TRUE(fs::is_empty(Path("adir")));

  const std::string fifo = Path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The reader opens first without blocking, so the writer's open does not wait (and a writer
  // that replaced the FIFO instead would leave this reader with nothing, not hang it).
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  activ::io::WriteFileAtomically(fifo, "through the pipe\n");
  char buf[64] = {};
  const ssize_t n = ::read(reader, buf, sizeof buf);
  ::close(reader);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "through the pipe\n");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
}

// A character device: /dev/full reports a full disk on every write, /dev/null takes anything;
// both stay the devices they are. (Not run against the old code, which as root would have
// renamed a regular file over them.)
TEST_F(RobustnessTest, OutputThatIsADevice) {
  activ::npy::Array a;
  a.dtype = activ::npy::DType::kFloat32;
  a.shape = {4};
  a.f32.assign(4, 1.0f);
  EXPECT_EQ(ErrorOf([&] { activ::npy::Write("/dev/full", a); }),
            "cannot write /dev/full: No space left on device");
  EXPECT_EQ(ErrorOf([&] { SaveCsv(Synthetic("moons", 4, -1, 1), "/dev/full"); }),
            "cannot write /dev/full: No space left on device");
  activ::npy::Write("/dev/null", a);
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status("/dev/full")));
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status("/dev/null")));
}

// A small tmpfs mounted over a scratch directory: a real full disk (ENOSPC) and a read-only
// directory (EROFS; permissions alone would not stop root, which the tests run as here). Skipped
// where mounting is not allowed.
class Mount {
 public:
  Mount(const std::string& where, unsigned long flags, const char* options) : where_(where) {
    fs::create_directories(where);
    ok_ = ::mount("tmpfs", where.c_str(), "tmpfs", flags, options) == 0;
  }
  ~Mount() {
    if (ok_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }

 private:
  std::string where_;
  bool ok_;
};

TEST_F(RobustnessTest, FullDiskAndReadOnlyDirectory) {
  const Mount small(Path("small"), 0, "size=16k");
  const Mount ro(Path("ro"), MS_RDONLY, "size=16k");
  if (!small.ok() || !ro.ok()) GTEST_SKIP() << "cannot mount a tmpfs here: " << strerror(errno);
  const std::string csv = Path("small/moons.csv");
  SaveCsv(Synthetic("moons", 4, -1, 1), csv);
  const std::string before = Read("small/moons.csv");
  EXPECT_EQ(ErrorOf([&] { SaveCsv(Synthetic("moons", 4000, -1, 1), csv); }),
            "cannot write " + csv + ": No space left on device");
  EXPECT_EQ(Read("small/moons.csv"), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(Path("small")), {}), 1);
  activ::npy::Array a;
  a.dtype = activ::npy::DType::kFloat32;
  a.shape = {8192};
  a.f32.assign(8192, 1.0f);
  EXPECT_EQ(ErrorOf([&] { activ::npy::Write(Path("small/x.npy"), a); }),
            "cannot write " + Path("small/x.npy") + ": No space left on device");
  EXPECT_EQ(ErrorOf([&] { SaveSmallCheckpoint(Path("ro/net.ckpt")); }),
            "cannot write " + Path("ro/net.ckpt") + ": Read-only file system");
  EXPECT_EQ(ErrorOf([&] { activ::io::StagedDirectory(Path("ro/lab"), {}); }),
            "cannot write " + Path("ro/lab") + ": Read-only file system");
}

// A .gz IDX file that inflates far beyond what its header declares is refused once the data
// runs one byte past the declared size: the rest is never inflated, nor memory allocated for it.
TEST_F(RobustnessTest, GzipBombStopsAtTheSizeTheIdxHeaderDeclares) {
  const std::string labels = Write("ok-labels-idx1-ubyte", Idx({3}, 3));
  // 16 MiB of zeros compress to about 16 KiB.
  const std::string bomb =
      Write("bomb-images-idx3-ubyte.gz", Gzip(Idx({3, 2, 2}, 12) + std::string(16 << 20, '\0')));
  EXPECT_EQ(ErrorOf([&] { LoadIdx(bomb, labels); }),
            bomb +
                ": decompresses to more than the 28 bytes its header (3x2x2) declares; refused "
                "without inflating the rest (a decompression bomb?)");
  // Formats without a declared size (CSV) are capped too, at half the machine's memory; the
  // same cap, made small here.
  const std::string csv = Write("bomb.csv.gz", Gzip("x,label\n" + std::string(1 << 20, '1')));
  EXPECT_EQ(ErrorOf([&] { ReadAllBytes(csv, 1000, "the test's limit"); }),
            csv + ": decompresses to more than 1000 bytes (the test's limit); refused");
  EXPECT_EQ(ReadAllBytes(csv, (1 << 20) + 8).size(), size_t{(1 << 20) + 8});
}

// A checkpoint is read as it is on disk: a gzip-compressed one (or a gzip bomb named .ckpt) is
// not a checkpoint, and is not inflated.
TEST_F(RobustnessTest, CheckpointIsNeverInflated) {
  SaveSmallCheckpoint(Path("ok.ckpt"));
  const std::string gz = Write("gz.ckpt", Gzip(Read("ok.ckpt")));
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint(gz); }),
            gz + ": not an activ lab checkpoint (wrong magic number at byte 0)");
  // A stream that never ends is refused at its first bytes, not read into memory.
  EXPECT_EQ(ErrorOf([&] { LoadCheckpoint("/dev/zero"); }),
            "/dev/zero: not an activ lab checkpoint (wrong magic number at byte 0)");
}

// Reads from a pipe take no more than the header declares (plus one byte, to see that there is
// more): a writer that goes on and on is cut off instead of filling memory. Returns how many
// bytes the writer got into the pipe before the reader closed it.
size_t BytesTakenFromFifo(const std::string& fifo, const std::string& head, size_t extra,
                          const std::function<void()>& read) {
  EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto old = std::signal(SIGPIPE, SIG_IGN);
  std::atomic<size_t> written{0};
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    std::string data = head + std::string(extra, '\0');
    for (size_t off = 0; off < data.size();) {
      const ssize_t n =
          ::write(fd, data.data() + off, std::min<size_t>(data.size() - off, 1 << 16));
      if (n <= 0) break;  // EPIPE: the reader is gone
      off += static_cast<size_t>(n);
      written = off;
    }
    ::close(fd);
  });
  read();
  writer.join();
  std::signal(SIGPIPE, old);
  return written;
}

TEST_F(RobustnessTest, PipesAreReadNoFurtherThanTheirHeaderDeclares) {
  constexpr size_t kExtra = 32 << 20;
  activ::npy::Array a;
  a.dtype = activ::npy::DType::kFloat32;
  a.shape = {4};
  a.f32.assign(4, 1.0f);
  const std::string npy = Path("npy-fifo");
  const size_t npy_taken = BytesTakenFromFifo(npy, activ::npy::Serialize(a), kExtra, [&] {
    EXPECT_EQ(ErrorOf([&] { activ::npy::Read(npy); }),
              npy +
                  ": more bytes after the 16 bytes of data the shape declares (corrupt or not "
                  "a single array)");
  });
  EXPECT_LT(npy_taken, size_t{4} << 20) << "the .npy reader read on past the declared data";

  const std::string labels = Write("ok-labels-idx1-ubyte", Idx({3}, 3));
  const std::string idx = Path("idx-fifo");
  const size_t idx_taken = BytesTakenFromFifo(idx, Idx({3, 2, 2}, 12), kExtra, [&] {
    EXPECT_EQ(ErrorOf([&] { LoadIdx(idx, labels); }),
              idx + ": unexpected bytes after the data at byte 28");
  });
  EXPECT_LT(idx_taken, size_t{4} << 20) << "the IDX reader read on past the declared data";
}

// `activ lab`'s output directory: written whole beside OUT, then published with one rename.
TEST_F(RobustnessTest, StagedDirectoryAppearsWholeOrNotAtAll) {
  const std::vector<std::string> ours = {"a.txt", "b.txt", "plot-*.svg"};
  const std::string out = Path("deep/er/out");
  {
    activ::io::StagedDirectory stage(out, ours);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(fs::path(stage.path()).parent_path(), fs::path(out).parent_path());
    activ::io::WriteFileAtomically(stage.path() + "/a.txt", "new a");
  }  // not published: the staging directory and the parents it made are gone
  EXPECT_EQ(Files(), std::vector<std::string>{});

  {
    activ::io::StagedDirectory stage(out, ours);
    activ::io::WriteFileAtomically(stage.path() + "/a.txt", "first");
    activ::io::WriteFileAtomically(stage.path() + "/plot-1.svg", "<svg/>");
    stage.Publish();
  }
  EXPECT_EQ(Read("deep/er/out/a.txt"), "first");
  // The usual directory permissions, not mkdtemp's private 0700.
  EXPECT_NE(fs::status(out).permissions() & fs::perms::others_exec, fs::perms::none);

  {
    activ::io::StagedDirectory stage(out, ours);
    activ::io::WriteFileAtomically(stage.path() + "/a.txt", "second");
    activ::io::WriteFileAtomically(stage.path() + "/b.txt", "second b");
    EXPECT_EQ(Read("deep/er/out/a.txt"), "first");  // the old contents, whole, until published
    EXPECT_FALSE(fs::exists(out + "/b.txt"));
    stage.Publish();
  }
  EXPECT_EQ(Read("deep/er/out/a.txt"), "second");
  EXPECT_EQ(Read("deep/er/out/b.txt"), "second b");
  EXPECT_FALSE(fs::exists(out + "/plot-1.svg"));  // gone with the old directory
  // Only `out` is left beside it: the old directory and the staging one are gone.
  EXPECT_EQ(std::distance(fs::directory_iterator(Path("deep/er")), {}), 1);

  // OUT as a link to a directory: the directory is replaced, the link kept.
  fs::create_directory_symlink(out, Path("link"));
  {
    activ::io::StagedDirectory stage(Path("link/"), ours);
    activ::io::WriteFileAtomically(stage.path() + "/a.txt", "through the link");
    stage.Publish();
  }
  EXPECT_TRUE(fs::is_symlink(Path("link")));
  EXPECT_EQ(Read("link/a.txt"), "through the link");
  EXPECT_EQ(std::distance(fs::directory_iterator(Path("deep/er")), {}), 1);
  fs::remove(Path("link"));

  // What the program did not write is never replaced: refused before any work.
  Write("deep/er/out/notes.txt", "mine");
  EXPECT_EQ(ErrorOf([&] { activ::io::StagedDirectory(out, ours); }),
            "cannot write " + out +
                ": it holds files this program did not write (notes.txt); give a new or an empty "
                "directory");
  fs::remove(out + "/notes.txt");
  fs::remove(out + "/b.txt");
  fs::create_directories(out + "/b.txt/x");  // an expected name, but a directory
  EXPECT_PRED2(Contains, ErrorOf([&] { activ::io::StagedDirectory(out, ours); }),
               "did not write (b.txt)");
  Write("file", "x");
  EXPECT_EQ(ErrorOf([&] { activ::io::StagedDirectory(Path("file"), ours); }),
            "cannot write " + Path("file") + ": Not a directory");
  EXPECT_EQ(ErrorOf([&] { activ::io::StagedDirectory(Path("file/sub"), ours); }),
            "cannot write " + Path("file/sub") + ": Not a directory");
}

}  // namespace
}  // namespace lab
