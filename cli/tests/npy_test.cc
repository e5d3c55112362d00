// The .npy reader and writer: round trips, the layout numpy expects, and every kind of bad file
// refused with a message that names the file and the problem. (Files written by numpy itself
// are read in cli/tests/cli_test.py, which runs numpy at test time.)
#include "npy.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "io/files.h"

namespace activ::npy {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A version-1.0 file with the given header dictionary text and data bytes.
std::string File(std::string_view dict, std::string_view data = "", int major = 1) {
  std::string header(dict);
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const size_t len = header.size();
  const int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + header + std::string(data);
}

std::string Floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/npy_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Npy, RoundTripFloat32KeepsShapeAndBits) {
  Array a;
  a.dtype = DType::kFloat32;
  a.shape = {2, 3};
  a.f32 = {1.5f,
           -0.0f,
           std::numeric_limits<float>::infinity(),
           std::numeric_limits<float>::quiet_NaN(),
           1e-45f,
           -3.0e38f};
  const Array b = Parse(Serialize(a), "mem");
  EXPECT_EQ(b.dtype, DType::kFloat32);
  EXPECT_EQ(b.shape, a.shape);
  ASSERT_EQ(b.f32.size(), 6u);
  EXPECT_EQ(std::memcmp(a.f32.data(), b.f32.data(), 6 * sizeof(float)), 0);
}

TEST(Npy, RoundTripFloat64ZeroDimensionalAndEmpty) {
  Array scalar;
  scalar.dtype = DType::kFloat64;
  scalar.f64 = {3.25};
  const Array s = Parse(Serialize(scalar), "mem");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.f64, std::vector<double>{3.25});

  Array empty;
  empty.dtype = DType::kFloat64;
  empty.shape = {4, 0, 2};
  const Array e = Parse(Serialize(empty), "mem");
  EXPECT_EQ(e.shape, empty.shape);
  EXPECT_TRUE(e.f64.empty());
}

TEST(Npy, WritesNumpysHeaderLayout) {
  Array a;
  a.dtype = DType::kFloat32;
  a.shape = {3};
  a.f32 = {1, 2, 3};
  const std::string bytes = Serialize(a);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  EXPECT_EQ((10 + header_len) % 64, 0u) << "data must start on a 64-byte boundary";
  const std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + 12);
}

TEST(Npy, WritesVersion2WhenTheHeaderDoesNotFit) {
  // Only an absurd shape needs more than 65535 header bytes: 4000 dimensions (numpy allows 64
  // at most, and so does the reader), the array empty.
  Array a;
  a.dtype = DType::kFloat64;
  a.shape.assign(4000, 1000000000000000);
  a.shape.push_back(0);
  const std::string bytes = Serialize(a);
  EXPECT_EQ(bytes[6], 2);
  const size_t header_len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8 |
                            static_cast<uint8_t>(bytes[10]) << 16 |
                            static_cast<size_t>(static_cast<uint8_t>(bytes[11])) << 24;
  EXPECT_GT(header_len, 65535u);
  EXPECT_EQ(bytes.size(), 12 + header_len);
  EXPECT_EQ(bytes.size() % 64, 0u);
  EXPECT_NE(ErrorOf([&] { Parse(bytes, "wide.npy"); }).find("more than 64 dimensions"),
            std::string::npos);
}

TEST(Npy, ReadsVersions2And3AndOtherSpellings) {
  const std::string data = Floats({1, 2});
  for (int major : {2, 3}) {
    const Array a =
        Parse(File("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, major), "v");
    EXPECT_EQ(a.f32, (std::vector<float>{1, 2})) << "version " << major;
  }
  // Keys in another order, double quotes, no trailing comma, Python 2 longs, one-dimensional
  // Fortran order (the same bytes as C order).
  const Array b =
      Parse(File(R"({"shape": (1L, 2L), "fortran_order": False, "descr": "<f4"})", data), "v");
  EXPECT_EQ(b.shape, (std::vector<uint64_t>{1, 2}));
  const Array c =
      Parse(File("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data), "v");
  EXPECT_EQ(c.f32, (std::vector<float>{1, 2}));
}

struct BadCase {
  const char* what;
  std::string bytes;
  const char* message;  // expected in the error, after "bad.npy: "
};

TEST(Npy, RefusesBadFilesWithAClearMessage) {
  const std::string two = Floats({1, 2});
  const BadCase cases[] = {
      {"empty", "", "not a .npy file (0 bytes, too short)"},
      {"not npy", "hello world, this is text", "not a .npy file (it does not start with"},
      {"version 4", std::string("\x93NUMPY\x04\x00\x10\x00", 10),
       "unsupported .npy format version 4.0"},
      {"version 1.1", std::string("\x93NUMPY\x01\x01\x10\x00", 10),
       "unsupported .npy format version 1.1"},
      {"length beyond the file", std::string("\x93NUMPY\x01\x00\xff\x00{", 11),
       "truncated header: it declares 255 bytes, the file has 1"},
      {"no length", std::string("\x93NUMPY\x02\x00\x01", 9),
       "truncated header: the file ends inside the length field"},
      {"Fortran", File("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", two),
       "Fortran-order arrays are not supported"},
      {"big-endian", File("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", two),
       "big-endian data (dtype '>f4') is not supported"},
      {"int32", File("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", two),
       "dtype '<i4' is not supported: activ reads float32 ('<f4') and float64 ('<f8')"},
      {"float16", File("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", two),
       "dtype '<f2' is not supported"},
      {"object", File("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", two),
       "object arrays (dtype '|O') are not supported"},
      {"structured",
       File("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", two),
       "structured dtypes (a list of fields) are not supported"},
      {"truncated data", File("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", two),
       "truncated data: the shape needs 12 bytes, the file has 8"},
      {"trailing data", File("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", two),
       "4 bytes after the 4 bytes of data the shape declares"},
      {"missing key", File("{'descr': '<f4', 'shape': (2,), }", two),
       "malformed .npy header: the key 'fortran_order' is missing"},
      {"extra key", File("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", two),
       "unexpected key 'x'"},
      {"duplicate key",
       File("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", two),
       "the key 'descr' appears twice"},
      {"not a dict", File("['descr', '<f4']", two),
       "malformed .npy header at character 0: expected '{'"},
      {"unterminated string", File("{'descr: '<f4'", two), "expected ':'"},
      {"bad boolean", File("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", two),
       "expected True or False"},
      {"negative dimension", File("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", two),
       "expected a non-negative integer in the shape"},
      {"unclosed shape", File("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", two),
       "expected a non-negative integer in the shape"},
      {"huge dimension",
       File("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", two),
       "a dimension of the shape is too large"},
      {"huge shape",
       File("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", two),
       "the shape is too large to hold in memory"},
      {"text after", File("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", two),
       "unexpected text after the dictionary"},
  };
  for (const BadCase& c : cases) {
    const std::string message = ErrorOf([&] { Parse(c.bytes, "bad.npy"); });
    EXPECT_EQ(message.rfind("bad.npy: ", 0), 0u) << c.what << ": " << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << c.what << ": one line";
  }
}

TEST(Npy, ReadAndWriteFiles) {
  TempDir dir;
  Array a;
  a.dtype = DType::kFloat64;
  a.shape = {2, 2};
  a.f64 = {1, 2, 3, 4};
  Write(dir / "a.npy", a);
  const Array b = Read(dir / "a.npy");
  EXPECT_EQ(b.f64, a.f64);
  EXPECT_EQ(b.shape, a.shape);
  // Nothing but the file itself is left in the directory.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += !e.is_directory();
  EXPECT_EQ(files, 1u);

  // The file reader gives the same errors as the parser, named by path, before allocating.
  io::WriteFileAtomically(
      dir / "short.npy",
      File("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}", "12345678"));
  EXPECT_NE(ErrorOf([&] {
              Read(dir / "short.npy");
            }).find(dir / "short.npy" + ": truncated data: the shape needs 8000000000000 bytes"),
            std::string::npos);
  io::WriteFileAtomically(dir / "tiny.npy", std::string("\x93NUMPY\x01\x00\x05", 9));
  EXPECT_NE(ErrorOf([&] { Read(dir / "tiny.npy"); }).find("truncated header"), std::string::npos);
  // A header of length 0 leaves the data right after the length field.
  io::WriteFileAtomically(dir / "zero.npy", std::string("\x93NUMPY\x01\x00\x00\x00", 10));
  EXPECT_NE(ErrorOf([&] { Read(dir / "zero.npy"); }).find("expected '{'"), std::string::npos);

  EXPECT_EQ(ErrorOf([&] { Read(dir / "missing.npy"); }),
            "cannot read " + (dir / "missing.npy") + ": No such file or directory");
  EXPECT_EQ(ErrorOf([&] { Write(dir / "no/such/dir.npy", a); }),
            "cannot write " + (dir / "no/such/dir.npy") + ": No such file or directory");
}

TEST(Npy, ReadsFromAPipe) {
  TempDir dir;
  Array a;
  a.dtype = DType::kFloat32;
  a.shape = {2};
  a.f32 = {5, 6};
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << Serialize(a); });
  const Array b = Read(fifo);
  writer.join();
  EXPECT_EQ(b.f32, a.f32);
}

TEST(Npy, ConvertRoundsToNearest) {
  Array a;
  a.dtype = DType::kFloat64;
  a.shape = {2};
  a.f64 = {0.1, 1e300};
  const Array b = Convert(a, DType::kFloat32);
  EXPECT_EQ(b.dtype, DType::kFloat32);
  EXPECT_EQ(b.f32[0], 0.1f);
  EXPECT_TRUE(std::isinf(b.f32[1]));
  EXPECT_EQ(Convert(b, DType::kFloat64).f64[0], static_cast<double>(0.1f));
}

TEST(Npy, DTypeNames) {
  EXPECT_EQ(DTypeFromName("float32"), DType::kFloat32);
  EXPECT_EQ(DTypeFromName("f64"), DType::kFloat64);
  EXPECT_EQ(ErrorOf([] { DTypeFromName("int8"); }), "unknown dtype 'int8' (float32 or float64)");
}

}  // namespace
}  // namespace activ::npy
