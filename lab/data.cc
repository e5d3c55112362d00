#include "lab/data.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>

#include "activ/activ.h"
#include "io/files.h"
#include "lab/rng.h"

namespace lab {

using activ::io::HalfOfMemory;
using activ::io::InputFile;
using activ::io::ReadAllBytes;
using activ::io::WriteFileAtomically;
namespace {

using activ::Error;

std::string Hex(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v);
  return buf;
}

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

struct IdxArray {
  std::vector<size_t> dims;
  size_t count = 1;        // product of the dimensions
  size_t data_offset = 0;  // of the first element in the (decompressed) bytes
  std::vector<uint8_t> bytes;
};

// The IDX format: two zero bytes, a type code, the number of dimensions, the dimensions as
// big-endian uint32, then the elements in row-major order.
IdxArray ReadIdx(const std::string& path, size_t want_dims_min, size_t want_dims_max) {
  IdxArray a;
  // Read in steps, the header first: the data is read up to what the header declares and one
  // byte more, so a small .gz that inflates to gigabytes stops there.
  InputFile in(path);
  auto& b = a.bytes;
  in.ReadUpTo(b, 4);
  const std::string where = path + ": ";
  if (b.size() < 4) {
    throw Error(where + "truncated: " + std::to_string(b.size()) +
                " bytes, shorter than the 4-byte IDX magic number");
  }
  if (b[0] != 0 || b[1] != 0) {
    throw Error(where + "wrong magic number at byte 0: " + Hex(b[0]) + " " + Hex(b[1]) +
                ", an IDX file starts with 0x00 0x00 (is this an IDX file?)");
  }
  if (b[2] != 0x08) {
    throw Error(where + "type code " + Hex(b[2]) +
                " at byte 2 is not supported: the lab reads unsigned bytes (0x08)");
  }
  const size_t ndims = b[3];
  if (ndims < want_dims_min || ndims > want_dims_max) {
    throw Error(where + "byte 3 says " + std::to_string(ndims) + " dimensions, expected " +
                (want_dims_min == want_dims_max
                     ? std::to_string(want_dims_min)
                     : std::to_string(want_dims_min) + " to " + std::to_string(want_dims_max)));
  }
  a.data_offset = 4 + 4 * ndims;
  in.ReadUpTo(b, a.data_offset - b.size());
  if (b.size() < a.data_offset) {
    throw Error(where + "truncated in the header: " + std::to_string(ndims) + " dimensions need " +
                std::to_string(a.data_offset) + " bytes, the file has " + std::to_string(b.size()));
  }
  for (size_t i = 0; i < ndims; ++i) {
    const size_t d = BigEndian32(&b[4 + 4 * i]);
    if (d == 0) {
      throw Error(where + "dimension " + std::to_string(i) + " (at byte " +
                  std::to_string(4 + 4 * i) + ") is 0");
    }
    if (__builtin_mul_overflow(a.count, d, &a.count) || a.count > SIZE_MAX - a.data_offset) {
      throw Error(where + "the dimensions overflow size_t when multiplied (dimension " +
                  std::to_string(i) + " at byte " + std::to_string(4 + 4 * i) + " is " +
                  std::to_string(d) + ")");
    }
    a.dims.push_back(d);
  }
  const size_t want = a.data_offset + a.count;
  std::string shape;
  for (size_t d : a.dims) {
    shape += shape.empty() ? "" : "x";
    shape += std::to_string(d);
  }
  const auto truncated = [&](uint64_t have) {
    return Error(where + "truncated: the header (" + shape + ") needs " + std::to_string(want) +
                 " bytes of data, the file has " + std::to_string(have) +
                 (in.gzip() ? " after decompression" : ""));
  };
  // A plain file's size is known: a header that declares more is refused before reading on.
  if (!in.gzip() && in.sized() && in.file_size() < want) throw truncated(in.file_size());
  in.ReadUpTo(b, want - b.size() + (want < SIZE_MAX ? 1 : 0));
  if (b.size() < want) throw truncated(b.size());
  if (b.size() > want) {
    if (in.gzip()) {
      throw Error(where + "decompresses to more than the " + std::to_string(want) +
                  " bytes its header (" + shape +
                  ") declares; refused without inflating the rest (a decompression bomb?)");
    }
    if (in.sized()) {
      throw Error(where + std::to_string(in.file_size() - want) +
                  " unexpected bytes after the data at byte " + std::to_string(want));
    }
    throw Error(where + "unexpected bytes after the data at byte " + std::to_string(want));
  }
  return a;
}

bool ParseNumber(std::string_view field, double* value) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
  if (field.empty()) return false;
  std::string s(field);
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<size_t> Iota(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

}  // namespace

Dataset Dataset::Rows(const std::vector<size_t>& index) const {
  Dataset d;
  d.name = name;
  d.features = features;
  d.classes = classes;
  d.outputs = outputs;
  d.rows = index.size();
  d.x.resize(d.rows * features);
  for (size_t i = 0; i < index.size(); ++i) {
    std::copy_n(&x[index[i] * features], features, &d.x[i * features]);
    if (classification()) {
      d.labels.push_back(labels[index[i]]);
    } else {
      for (size_t j = 0; j < outputs; ++j) d.targets.push_back(targets[index[i] * outputs + j]);
    }
  }
  return d;
}

Dataset Dataset::Head(size_t n) const {
  if (n == 0 || n >= rows) return *this;
  return Rows(Iota(n));
}

Task TaskFromName(std::string_view name) {
  if (name == "auto") return Task::kAuto;
  if (name == "classification") return Task::kClassification;
  if (name == "regression") return Task::kRegression;
  throw Error("unknown task '" + std::string(name) + "': auto, classification or regression");
}

Scaling ScalingFromName(std::string_view name) {
  if (name == "none") return Scaling::kNone;
  if (name == "standardize" || name == "standardise") return Scaling::kStandardize;
  if (name == "minmax") return Scaling::kMinMax;
  throw Error("unknown scaling '" + std::string(name) + "': none, standardize or minmax");
}

std::string_view ScalingName(Scaling s) {
  switch (s) {
    case Scaling::kNone:
      return "none";
    case Scaling::kStandardize:
      return "standardize";
    case Scaling::kMinMax:
      return "minmax";
  }
  return "?";
}

Scaler Scaler::Fit(const Dataset& train, Scaling kind) {
  Scaler s;
  s.kind = kind;
  const size_t d = train.features;
  s.offset.assign(d, 0.0f);
  s.scale.assign(d, 1.0f);
  if (kind == Scaling::kNone || train.rows == 0) return s;
  if (kind == Scaling::kStandardize) {
    std::vector<double> sum(d, 0.0), sq(d, 0.0);
    for (size_t r = 0; r < train.rows; ++r) {
      for (size_t j = 0; j < d; ++j) sum[j] += train.x[r * d + j];
    }
    for (size_t j = 0; j < d; ++j) sum[j] /= static_cast<double>(train.rows);
    for (size_t r = 0; r < train.rows; ++r) {
      for (size_t j = 0; j < d; ++j) {
        const double c = train.x[r * d + j] - sum[j];
        sq[j] += c * c;
      }
    }
    for (size_t j = 0; j < d; ++j) {
      // Population variance, as scikit-learn's StandardScaler; a constant feature keeps scale 1.
      const double sd = std::sqrt(sq[j] / static_cast<double>(train.rows));
      s.offset[j] = static_cast<float>(sum[j]);
      s.scale[j] = sd > 0 ? static_cast<float>(1.0 / sd) : 1.0f;
    }
  } else {
    for (size_t j = 0; j < d; ++j) {
      float lo = train.x[j], hi = train.x[j];
      for (size_t r = 1; r < train.rows; ++r) {
        lo = std::min(lo, train.x[r * d + j]);
        hi = std::max(hi, train.x[r * d + j]);
      }
      s.offset[j] = 0.5f * (lo + hi);
      s.scale[j] = hi > lo ? 2.0f / (hi - lo) : 1.0f;
    }
  }
  return s;
}

void Scaler::Apply(Dataset& data) const {
  if (kind == Scaling::kNone) return;
  if (data.features != offset.size()) {
    throw Error("the data has " + std::to_string(data.features) +
                " features, the scaling was fitted on " + std::to_string(offset.size()));
  }
  const size_t d = data.features;
  for (size_t r = 0; r < data.rows; ++r) {
    float* row = &data.x[r * d];
    for (size_t j = 0; j < d; ++j) row[j] = (row[j] - offset[j]) * scale[j];
  }
}

Dataset LoadIdx(const std::string& images_path, const std::string& labels_path) {
  const IdxArray images = ReadIdx(images_path, 1, 8);
  const IdxArray labels = ReadIdx(labels_path, 1, 1);
  if (images.dims[0] != labels.dims[0]) {
    throw Error(labels_path + ": " + std::to_string(labels.dims[0]) + " labels for " +
                std::to_string(images.dims[0]) + " images in " + images_path);
  }
  Dataset d;
  d.name = std::filesystem::path(images_path).filename().string();
  d.rows = images.dims[0];
  d.features = images.count / d.rows;
  d.x.resize(images.count);
  const uint8_t* px = images.bytes.data() + images.data_offset;
  for (size_t i = 0; i < images.count; ++i) d.x[i] = px[i];
  d.labels.resize(d.rows);
  const uint8_t* lb = labels.bytes.data() + labels.data_offset;
  size_t max_label = 0;
  for (size_t i = 0; i < d.rows; ++i) {
    d.labels[i] = lb[i];
    max_label = std::max<size_t>(max_label, lb[i]);
  }
  d.classes = max_label + 1;
  return d;
}

Dataset LoadCsv(const std::string& path, const CsvOptions& options, size_t* dropped) {
  // A CSV declares no size: half the machine's memory is the most it may inflate to.
  const std::vector<uint8_t> bytes =
      ReadAllBytes(path, HalfOfMemory(), "half of this machine's memory");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string_view> lines;
  std::vector<size_t> line_numbers;
  size_t start = 0, number = 1;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      std::string_view line = text.substr(start, i - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) {
        lines.push_back(line);
        line_numbers.push_back(number);
      }
      start = i + 1;
      ++number;
    }
  }
  if (lines.empty()) throw Error(path + ": no data (the file is empty)");

  const std::vector<std::string_view> first = SplitFields(lines[0]);
  const size_t columns = first.size();
  bool header = false;
  for (std::string_view f : first) {
    double v;
    if (!ParseNumber(f, &v)) header = true;
  }
  std::vector<std::string> names;
  for (size_t j = 0; j < columns; ++j) {
    names.push_back(header ? Trim(first[j]) : std::string("column ") + std::to_string(j + 1));
  }
  if (columns < 2 && !options.no_label) {
    throw Error(path + ":" + std::to_string(line_numbers[0]) +
                ": one column only; a CSV data set needs features and a label");
  }

  size_t label = options.no_label ? SIZE_MAX : columns - 1;
  const std::string& want = options.label_column;
  if (options.no_label) {
    // No label column: every field is a feature.
  } else if (want.empty()) {
    for (size_t j = 0; j < columns && header; ++j) {
      if (names[j] == "label" || names[j] == "target") label = j;
    }
  } else {
    double v;
    if (ParseNumber(want, &v) && v == std::floor(v)) {
      // Compared as doubles first: "1e300" must not reach the conversion to an integer.
      const double n = static_cast<double>(columns);
      if (!(v < n && v >= -n)) {
        throw Error(path + ": label column " + want + " is out of range: the file has " +
                    std::to_string(columns) + " columns (0 to " + std::to_string(columns - 1) +
                    ", or -1 for the last)");
      }
      const long long i = static_cast<long long>(v);
      label = static_cast<size_t>(i < 0 ? static_cast<long long>(columns) + i : i);
    } else {
      auto it = std::find(names.begin(), names.end(), want);
      if (!header || it == names.end()) {
        std::string all;
        for (const auto& nm : names) {
          all += all.empty() ? "" : ", ";
          all += nm;
        }
        throw Error(path + ": no column named '" + want + "'" +
                    (header ? " (the header has: " + all + ")" : " (the file has no header)"));
      }
      label = static_cast<size_t>(it - names.begin());
    }
  }

  Dataset d;
  d.name = std::filesystem::path(path).filename().string();
  d.features = options.no_label ? columns : columns - 1;
  std::vector<double> label_values;
  size_t drop_count = 0;
  std::vector<float> row(d.features);
  for (size_t li = header ? 1 : 0; li < lines.size(); ++li) {
    const std::vector<std::string_view> fields = SplitFields(lines[li]);
    const std::string at = path + ":" + std::to_string(line_numbers[li]);
    if (fields.size() != columns) {
      throw Error(at + ": " + std::to_string(fields.size()) + " fields, expected " +
                  std::to_string(columns) + " (as on line " + std::to_string(line_numbers[0]) +
                  ")");
    }
    bool bad = false;
    std::string bad_what;
    double label_value = 0;
    size_t k = 0;
    for (size_t j = 0; j < columns && !bad; ++j) {
      double v;
      const std::string col = std::string("column ") + std::to_string(j + 1) +
                              (header ? " ('" + names[j] + "')" : std::string());
      const std::string trimmed = Trim(fields[j]);
      if (trimmed.empty()) {
        bad = true;
        bad_what = at + ", " + col + ": missing value";
      } else if (!ParseNumber(fields[j], &v)) {
        throw Error(at + ", " + col + ": '" + trimmed + "' is not a number");
      } else if (!std::isfinite(v)) {
        bad = true;
        bad_what = at + ", " + col + ": " + (std::isnan(v) ? "NaN" : "infinity") + " in data";
      } else if (std::fabs(v) > std::numeric_limits<float>::max()) {
        // Features and targets are float32: beyond its range they would become infinities.
        bad = true;
        bad_what = at + ", " + col + ": '" + trimmed + "' is beyond the float32 range (+-3.4e38)";
      } else if (j == label) {
        label_value = v;
      } else {
        row[k++] = static_cast<float>(v);
      }
    }
    if (bad) {
      if (!options.drop_bad_rows) {
        throw Error(bad_what + " (drop such rows with the drop-bad-rows option)");
      }
      ++drop_count;
      continue;
    }
    d.x.insert(d.x.end(), row.begin(), row.end());
    label_values.push_back(label_value);
    line_numbers[d.rows++] = line_numbers[li];  // the source line of each kept row
  }
  if (d.rows == 0)
    throw Error(path + ": no data rows" + (drop_count ? " left after dropping bad rows" : ""));
  if (dropped) *dropped = drop_count;
  if (options.no_label) return d;

  Task task = options.task;
  if (task == Task::kAuto) {
    task = Task::kClassification;
    for (double v : label_values) {
      if (!(v == std::floor(v) && v >= 0 && v < 1000)) task = Task::kRegression;
    }
  }
  if (task == Task::kClassification) {
    size_t max_label = 0;
    for (size_t r = 0; r < d.rows; ++r) {
      const double v = label_values[r];
      if (!(v == std::floor(v) && v >= 0 && v < 65536)) {
        throw Error(path + ":" + std::to_string(line_numbers[r]) + ", column " +
                    std::to_string(label + 1) + ": label " + std::to_string(v) +
                    " is out of range: class labels are integers 0, 1, 2, ... (below 65536)");
      }
      d.labels.push_back(static_cast<int32_t>(v));
      max_label = std::max(max_label, static_cast<size_t>(v));
    }
    d.classes = std::max(max_label + 1, options.min_classes);
    if (d.classes < 2) d.classes = 2;
  } else {
    d.targets.assign(label_values.begin(), label_values.end());
  }
  return d;
}

void SaveCsv(const Dataset& d, const std::string& path) {
  std::string out;
  for (size_t j = 0; j < d.features; ++j) out += std::string("x") + std::to_string(j) + ",";
  out += d.classification() ? "label\n" : "y\n";
  char buf[32];
  for (size_t r = 0; r < d.rows; ++r) {
    for (size_t j = 0; j < d.features; ++j) {
      std::snprintf(buf, sizeof buf, "%.9g,", static_cast<double>(d.x[r * d.features + j]));
      out += buf;
    }
    if (d.classification()) {
      out += std::to_string(d.labels[r]);
    } else {
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(d.targets[r]));
      out += buf;
    }
    out += '\n';
  }
  WriteFileAtomically(path, out);
}

std::vector<std::string> SyntheticNames() {
  return {"spirals", "moons", "circles", "xor", "regression"};
}

bool IsSynthetic(std::string_view name) {
  for (const auto& n : SyntheticNames()) {
    if (n == name) return true;
  }
  return false;
}

Dataset Synthetic(std::string_view name, size_t rows, double noise, uint64_t seed) {
  if (!IsSynthetic(name)) {
    std::string all;
    for (const auto& n : SyntheticNames()) {
      all += all.empty() ? "" : ", ";
      all += n;
    }
    throw Error("unknown built-in data set '" + std::string(name) + "': " + all);
  }
  if (rows < 2) throw Error("a synthetic data set needs at least 2 rows");
  Rng rng(seed, Stream::kData);
  Dataset d;
  d.name = std::string(name);
  d.rows = rows;
  d.features = name == "regression" ? 1 : 2;
  d.x.resize(rows * d.features);
  const double pi = 3.14159265358979323846;
  auto put = [&](size_t r, double a, double b, int label) {
    d.x[r * 2] = static_cast<float>(a + noise * rng.Normal());
    d.x[r * 2 + 1] = static_cast<float>(b + noise * rng.Normal());
    d.labels.push_back(label);
  };
  if (name == "regression") {
    if (noise < 0) noise = 0.1;
    for (size_t r = 0; r < rows; ++r) {
      const double x = rng.Uniform(-3, 3);
      d.x[r] = static_cast<float>(x);
      d.targets.push_back(static_cast<float>(std::sin(2 * x) + 0.5 * x + noise * rng.Normal()));
    }
    return d;
  }
  d.classes = 2;
  for (size_t r = 0; r < rows; ++r) {
    const int label = static_cast<int>(r % 2);
    if (name == "spirals") {
      if (noise < 0) noise = 0.05;
      // Two arms of 1.75 turns each, the second the first turned by pi.
      const double t = std::sqrt(rng.Uniform());
      const double angle = t * 3.5 * pi + label * pi;
      put(r, t * std::cos(angle), t * std::sin(angle), label);
    } else if (name == "moons") {
      if (noise < 0) noise = 0.1;
      const double a = rng.Uniform(0, pi);
      if (label == 0) {
        put(r, std::cos(a), std::sin(a), 0);
      } else {
        put(r, 1 - std::cos(a), 0.5 - std::sin(a), 1);
      }
    } else if (name == "circles") {
      if (noise < 0) noise = 0.05;
      const double a = rng.Uniform(0, 2 * pi), radius = label == 0 ? 1.0 : 0.5;
      put(r, radius * std::cos(a), radius * std::sin(a), label);
    } else {  // xor
      if (noise < 0) noise = 0.05;
      const double a = rng.Uniform(-1, 1), b = rng.Uniform(-1, 1);
      put(r, a, b, (a > 0) != (b > 0) ? 1 : 0);
    }
  }
  return d;
}

namespace {

struct IdxPair {
  std::string images, labels;
};

// train-images-idx3-ubyte(.gz) and so on inside a directory; empty when absent.
std::string FindIdx(const std::filesystem::path& dir, const std::string& stem) {
  for (const char* ext : {"", ".gz"}) {
    const auto p = dir / (stem + ext);
    if (std::filesystem::exists(p)) return p.string();
  }
  return {};
}

IdxPair IdxIn(const std::filesystem::path& dir, const std::string& part) {
  IdxPair p{FindIdx(dir, part + "-images-idx3-ubyte"), FindIdx(dir, part + "-labels-idx1-ubyte")};
  if (p.images.empty() || p.labels.empty()) {
    throw Error(
        dir.string() + ": no " + part + "-images-idx3-ubyte[.gz] and " + part +
        "-labels-idx1-ubyte[.gz] there" +
        (dir == kFashionMnistDir ? " (install the Debian package dataset-fashion-mnist)" : ""));
  }
  return p;
}

std::string LabelsFor(const std::string& images) {
  const std::string key = "images-idx3";
  const size_t at = images.rfind(key);
  if (at == std::string::npos) {
    throw Error(images +
                ": an IDX image file name contains 'images-idx3' (its labels file is "
                "found by replacing it with 'labels-idx1')");
  }
  return images.substr(0, at) + "labels-idx1" + images.substr(at + key.size());
}

bool LooksLikeIdx(const std::string& path) {
  return path.find("-idx") != std::string::npos || path.find(".idx") != std::string::npos;
}

Dataset LoadFile(const std::string& path, const CsvOptions& csv, size_t* dropped) {
  if (!std::filesystem::exists(path)) throw Error(path + ": no such file");
  if (LooksLikeIdx(path)) return LoadIdx(path, LabelsFor(path));
  size_t n = 0;
  Dataset d = LoadCsv(path, csv, &n);
  if (dropped) *dropped += n;
  return d;
}

// Shuffled row numbers of a data set, from the data seed.
std::vector<size_t> Shuffled(size_t n, uint64_t seed, uint64_t which) {
  std::vector<size_t> order = Iota(n);
  Rng rng(seed, Stream::kSplit, which);
  rng.Shuffle(order);
  return order;
}

}  // namespace

Data LoadData(const DataConfig& c) {
  if (!(c.val_fraction >= 0 && c.val_fraction < 1)) {
    throw Error("val_fraction must be in [0, 1), got " + std::to_string(c.val_fraction));
  }
  if (!(c.test_fraction >= 0 && c.test_fraction < 1)) {
    throw Error("test_fraction must be in [0, 1), got " + std::to_string(c.test_fraction));
  }
  Data data;
  Dataset all, test;
  bool have_test = false;
  if (IsSynthetic(c.source)) {
    all = Synthetic(c.source, c.synthetic_rows, c.synthetic_noise, c.seed);
  } else {
    std::filesystem::path dir;
    if (c.source == "fashion-mnist") {
      dir = kFashionMnistDir;
    } else if (c.source == "mnist") {
      dir = "/usr/share/datasets/mnist";
    } else if (std::filesystem::is_directory(c.source)) {
      dir = c.source;
    }
    if (!dir.empty()) {
      const IdxPair train = IdxIn(dir, "train"), t10k = IdxIn(dir, "t10k");
      all = LoadIdx(train.images, train.labels);
      test = LoadIdx(t10k.images, t10k.labels);
      have_test = true;
      all.name = test.name =
          c.source == "fashion-mnist" || c.source == "mnist" ? c.source : dir.filename().string();
    } else {
      CsvOptions csv = c.csv;
      all = LoadFile(c.source, csv, &data.dropped_rows);
    }
  }
  if (!c.test_source.empty()) {
    CsvOptions csv = c.csv;
    csv.min_classes = all.classes;
    csv.task = all.classification() ? Task::kClassification : Task::kRegression;
    test = LoadFile(c.test_source, csv, &data.dropped_rows);
    have_test = true;
  }
  if (have_test) {
    if (test.features != all.features) {
      throw Error((c.test_source.empty() ? c.source : c.test_source) + ": the test set has " +
                  std::to_string(test.features) + " features, the training set " +
                  std::to_string(all.features));
    }
    if (all.classification()) {
      for (size_t r = 0; r < test.rows; ++r) {
        if (static_cast<size_t>(test.labels[r]) >= all.classes) {
          throw Error((c.test_source.empty() ? c.source : c.test_source) + ": test row " +
                      std::to_string(r) + " has label " + std::to_string(test.labels[r]) +
                      ", out of range: the training set has " + std::to_string(all.classes) +
                      " classes");
        }
      }
      test.classes = all.classes;
    }
  } else {
    const std::vector<size_t> order = Shuffled(all.rows, c.seed, 0);
    const size_t n_test =
        static_cast<size_t>(std::llround(c.test_fraction * static_cast<double>(all.rows)));
    test = all.Rows(std::vector<size_t>(order.begin(), order.begin() + static_cast<long>(n_test)));
    all = all.Rows(std::vector<size_t>(order.begin() + static_cast<long>(n_test), order.end()));
  }
  {
    std::vector<size_t> order = Shuffled(all.rows, c.seed, 1);
    if (c.train_limit > 0 && c.train_limit < order.size()) order.resize(c.train_limit);
    const size_t n_val =
        static_cast<size_t>(std::llround(c.val_fraction * static_cast<double>(order.size())));
    data.val =
        all.Rows(std::vector<size_t>(order.begin(), order.begin() + static_cast<long>(n_val)));
    data.train =
        all.Rows(std::vector<size_t>(order.begin() + static_cast<long>(n_val), order.end()));
  }
  if (c.test_limit > 0 && c.test_limit < test.rows) {
    std::vector<size_t> order = Shuffled(test.rows, c.seed, 2);
    order.resize(c.test_limit);
    test = test.Rows(order);
  }
  data.test = std::move(test);
  if (data.train.rows == 0) throw Error(c.source + ": no training rows left after the split");
  data.name = all.name;
  data.scaler = Scaler::Fit(data.train, c.scaling);
  data.scaler.Apply(data.train);
  data.scaler.Apply(data.val);
  data.scaler.Apply(data.test);
  return data;
}

}  // namespace lab
