// NumPy .npy files of float32 or float64, any shape, C order: the format of `np.save`
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
//
// Versions 1.0, 2.0 and 3.0 are read; version 1.0 is written when the header fits in its 16-bit
// length, 2.0 otherwise. Everything else (Fortran order, other dtypes, big-endian data, object
// and structured arrays, a malformed header, data shorter or longer than the shape says) throws
// activ::Error with one line naming the file and the problem. The parser reads only what the
// header declares and checks every length before it allocates: it is meant to be fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace activ::npy {

enum class DType { kFloat32, kFloat64 };

// "float32", "float64".
std::string_view DTypeName(DType dtype);
// Parses "float32"/"f32"/"float64"/"f64"; throws activ::Error otherwise.
DType DTypeFromName(std::string_view name);

struct Array {
  DType dtype = DType::kFloat64;
  std::vector<std::uint64_t> shape;  // empty: a 0-d array, which holds one element
  std::vector<float> f32;            // the elements in C order when dtype is kFloat32
  std::vector<double> f64;           // the elements in C order when dtype is kFloat64

  // The number of elements the shape holds.
  std::uint64_t count() const;
};

struct Header {
  int major_version = 1;
  DType dtype = DType::kFloat64;
  std::vector<std::uint64_t> shape;
  std::size_t data_offset = 0;   // where the data starts: magic, version, length and header
  std::uint64_t data_bytes = 0;  // count * element size
};

// Parses the magic string, the version and the header dictionary at the start of `bytes`, which
// may hold more (the data). `name` is the file name used in error messages.
Header ParseHeader(std::string_view bytes, std::string_view name);
// Parses a whole file held in memory (the fuzzer's entry point).
Array Parse(std::string_view bytes, std::string_view name);
// Reads a file, checking its size against the header before reading the data.
Array Read(const std::string& path);

// The bytes of `a` as a .npy file. Throws activ::Error when the data does not match the shape.
std::string Serialize(const Array& a);
// Writes to a temporary file beside `path` and renames it over `path`, so that no reader ever
// sees half a file.
void Write(const std::string& path, const Array& a);

// The same array with its elements converted (rounded to nearest for float64 to float32).
Array Convert(const Array& a, DType dtype);

}  // namespace activ::npy
