// Data sets for the lab: IDX files (MNIST, Fashion-MNIST; plain or gzip), CSV files, and
// synthetic sets generated from a seed, with the train/validation/test split and the scaling
// fitted on the training part. Every loader reports a bad file as activ::Error with one line
// naming the file, the position (byte offset, or line and column) and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

// Examples in rows. Classification keeps one integer label per row; regression keeps
// `outputs` float targets per row.
struct Dataset {
  std::string name;
  size_t rows = 0, features = 0;
  std::vector<float> x;         // [rows, features]
  std::vector<int32_t> labels;  // [rows], classification
  std::vector<float> targets;   // [rows, outputs], regression
  size_t classes = 0;           // 0: regression
  size_t outputs = 1;           // regression targets per row

  bool classification() const { return classes > 0; }
  // The rows `index` lists, in that order.
  Dataset Rows(const std::vector<size_t>& index) const;
  // The first `n` rows (all when n is 0 or at least rows).
  Dataset Head(size_t n) const;
};

enum class Task { kAuto, kClassification, kRegression };
enum class Scaling { kNone, kStandardize, kMinMax };  // kMinMax: each feature to [-1, 1]

Task TaskFromName(std::string_view name);        // auto, classification, regression
Scaling ScalingFromName(std::string_view name);  // none, standardize, minmax
std::string_view ScalingName(Scaling s);

// x' = (x - offset) * scale per feature, fitted on the training rows.
struct Scaler {
  Scaling kind = Scaling::kNone;
  std::vector<float> offset, scale;
  static Scaler Fit(const Dataset& train, Scaling kind);
  void Apply(Dataset& d) const;
};

// IDX: images (any number of dimensions after the first, flattened) and labels, unsigned bytes,
// gzip or plain (zlib reads both). Pixels are returned as 0..255 floats.
Dataset LoadIdx(const std::string& images_path, const std::string& labels_path);

struct CsvOptions {
  // The label column by header name or 0-based index ("-1" is the last); empty: a column
  // named "label" or "target" when the header has one, else the last column.
  std::string label_column;
  Task task = Task::kAuto;     // auto: classification when every label is an integer in [0, 1000)
  bool drop_bad_rows = false;  // drop rows with NaN, inf or empty fields instead of failing
  size_t min_classes = 0;      // classification: at least this many classes (a model's count)
  bool no_label = false;       // every column is a feature (data to predict on)
};
// Reads a CSV file (gzip too). The first line is a header when any of its fields is not a
// number. `dropped` (when given) receives the number of rows dropped by drop_bad_rows.
Dataset LoadCsv(const std::string& path, const CsvOptions& options, size_t* dropped = nullptr);
// Writes a data set as CSV with a header (x0..x{d-1}, label or y0..): the lab's own format for
// synthetic sets, and the inverse of LoadCsv. Written to a temporary file and renamed.
void SaveCsv(const Dataset& d, const std::string& path);

// Built-in sets from a seed: spirals, moons, circles, xor (2 features, 2 classes) and
// regression (1 feature: y = sin(2x) + x/2 + noise, x in [-3, 3]). noise < 0: the set's default.
Dataset Synthetic(std::string_view name, size_t rows, double noise, uint64_t seed);
bool IsSynthetic(std::string_view name);
std::vector<std::string> SyntheticNames();

// Where to find the data and how to split and scale it.
struct DataConfig {
  // A built-in synthetic name, "fashion-mnist", "mnist", a directory holding
  // {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], an IDX image file (its labels file is
  // found by replacing images-idx3 with labels-idx1), or a CSV file.
  std::string source = "spirals";
  std::string test_source;  // a separate test file (CSV or IDX images); else test_fraction
  CsvOptions csv;
  size_t train_limit = 0;      // keep at most this many training rows (0: all), taken at random
  size_t test_limit = 0;       // keep at most this many test rows (0: all)
  double val_fraction = 0.1;   // of the training rows, held out for validation (0: none)
  double test_fraction = 0.2;  // of the rows, held out for testing when there is no test file
  Scaling scaling = Scaling::kStandardize;
  size_t synthetic_rows = 3000;  // train + test rows of a synthetic set
  double synthetic_noise = -1;   // < 0: the set's default
  uint64_t seed = 0;             // the split, the subset and the synthetic set: not the runs' seeds
};

struct Data {
  std::string name;
  Dataset train, val, test;
  Scaler scaler;  // fitted on train, already applied to all three
  size_t dropped_rows = 0;
};
Data LoadData(const DataConfig& config);

// The directory Debian's dataset-fashion-mnist installs.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace lab
