// Fuzzes the CSV loader (lab::LoadCsv) with every option. The input is: a flags byte (bits 0-1:
// the task, auto, classification or regression; bit 2: drop bad rows; bit 3: no label column;
// bit 4: gzip the file), a byte choosing the label column option among the kinds a user writes
// (by name, by index, negative, out of range, not an integer), then the file. A bad file must
// throw activ::Error; a good one must give consistent sizes, finite values and labels below the
// class count.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "activ/activ.h"
#include "fuzz_file.h"
#include "gzip_util.h"
#include "lab/data.h"

namespace {

activ_fuzz::ScratchFile csv_file("data.csv");

constexpr const char* kLabelColumns[] = {"",
                                         "label",
                                         "target",
                                         "x0",
                                         "y",
                                         "0",
                                         "1",
                                         "2",
                                         "-1",
                                         "-2",
                                         "-3",
                                         "7",
                                         "1.5",
                                         "-0",
                                         "1e300",
                                         "-1e300",
                                         "9223372036854775807",
                                         "-9223372036854775808",
                                         "nan",
                                         "inf",
                                         " 1",
                                         "0x1"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using activ_fuzz::Fail;
  if (size < 2) return 0;
  lab::CsvOptions o;
  const unsigned flags = data[0];
  o.task = (flags & 3) == 1   ? lab::Task::kClassification
           : (flags & 3) == 2 ? lab::Task::kRegression
                              : lab::Task::kAuto;
  o.drop_bad_rows = flags & 4;
  o.no_label = flags & 8;
  o.label_column = kLabelColumns[data[1] % std::size(kLabelColumns)];
  o.min_classes = data[1] >> 6;
  std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  if (flags & 16) text = activ_fuzz::Gzip(text);
  csv_file.Write(text);
  try {
    size_t dropped = 0;
    const lab::Dataset d = lab::LoadCsv(csv_file.path(), o, &dropped);
    if (d.rows == 0 || d.features == 0) Fail("an empty data set loaded");
    if (d.x.size() != d.rows * d.features) Fail("x does not hold rows * features values");
    if (!o.drop_bad_rows && dropped != 0) Fail("rows dropped without drop_bad_rows");
    for (float v : d.x) {
      if (!std::isfinite(v)) Fail("a non-finite feature");
    }
    if (o.no_label) {
      if (d.classification() || !d.labels.empty() || !d.targets.empty())
        Fail("labels with no_label");
    } else if (d.classification()) {
      if (o.task == lab::Task::kRegression) Fail("classification when regression was asked");
      if (d.labels.size() != d.rows) Fail("not one label per row");
      if (d.classes < 2 || d.classes < o.min_classes) Fail("too few classes");
      for (int32_t l : d.labels) {
        if (l < 0 || static_cast<size_t>(l) >= d.classes) Fail("a label outside [0, classes)");
      }
    } else {
      if (o.task == lab::Task::kClassification) Fail("regression when classification was asked");
      if (d.targets.size() != d.rows * d.outputs) Fail("not outputs targets per row");
      for (float v : d.targets) {
        if (!std::isfinite(v)) Fail("a non-finite target");
      }
    }
  } catch (const activ::Error&) {
  }
  return 0;
}
