// Fuzzes the IDX loader (lab::LoadIdx) on an images file and a labels file, plain or gzip. The
// input is: a flags byte (bit 0: gzip the images file, bit 1: gzip the labels file), the length
// of the images file as 2 bytes little-endian, then the two files' bytes. Raw gzip streams come
// from the .gz seeds with the flags clear. A bad pair must throw activ::Error; a good one must
// give a data set whose sizes agree and whose labels lie below its class count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "activ/activ.h"
#include "fuzz_file.h"
#include "gzip_util.h"
#include "lab/data.h"

namespace {

activ_fuzz::ScratchFile images_file("train-images-idx3-ubyte");
activ_fuzz::ScratchFile labels_file("train-labels-idx1-ubyte");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using activ_fuzz::Fail;
  if (size < 3) return 0;
  const unsigned flags = data[0];
  size_t split = data[1] | size_t{data[2]} << 8;
  const std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  if (split > rest.size()) split = rest.size();
  std::string images(rest.substr(0, split)), labels(rest.substr(split));
  if (flags & 1) images = activ_fuzz::Gzip(images);
  if (flags & 2) labels = activ_fuzz::Gzip(labels);
  images_file.Write(images);
  labels_file.Write(labels);
  try {
    const lab::Dataset d = lab::LoadIdx(images_file.path(), labels_file.path());
    if (d.rows == 0 || d.features == 0) Fail("an empty data set loaded");
    if (d.x.size() != d.rows * d.features) Fail("x does not hold rows * features values");
    if (d.labels.size() != d.rows) Fail("not one label per row");
    for (int32_t l : d.labels) {
      if (l < 0 || static_cast<size_t>(l) >= d.classes) Fail("a label outside [0, classes)");
    }
    for (float v : d.x) {
      if (!(v >= 0 && v <= 255)) Fail("a pixel outside [0, 255]");
    }
  } catch (const activ::Error&) {
  }
  return 0;
}
