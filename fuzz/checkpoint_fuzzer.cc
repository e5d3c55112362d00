// Fuzzes the lab's checkpoints the way `activ predict` uses them: lab::LoadCheckpoint, then
// lab::Predict on one-row CSV files with as many columns as the network takes, and one more (a
// label). The input is a checkpoint without its CRC-32, which the fuzzer appends, so that
// mutations reach the header and the arrays instead of stopping at the checksum. A bad
// checkpoint must throw activ::Error; anything else (another exception, a crash, a huge
// allocation) is a bug.
#include <zlib.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "activ/activ.h"
#include "fuzz_file.h"
#include "lab/checkpoint.h"
#include "lab/lab.h"

namespace {

activ_fuzz::ScratchFile checkpoint_file("run.ckpt");
activ_fuzz::ScratchFile csv_file("rows.csv");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using activ_fuzz::Fail;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, data, static_cast<uInt>(size)));
  char crc_bytes[4];
  std::memcpy(crc_bytes, &crc, 4);
  bytes.append(crc_bytes, 4);
  const std::string& path = checkpoint_file.Write(bytes);
  size_t inputs = 0;
  try {
    const lab::Checkpoint c = lab::LoadCheckpoint(path);
    inputs = c.spec.inputs;
    // A network the checkpoint's arrays fit; any shape that loads holds its weights in the file.
    lab::NetworkFrom(c, path, false);
  } catch (const activ::Error&) {
    return 0;
  }
  // Rows with no label, then with a label (or target) of 1, which Predict scores.
  std::string row;
  for (size_t i = 0; i < inputs; ++i) row += i ? ",0" : "0";
  for (const std::string& text : {row + "\n", row + ",1\n"}) {
    csv_file.Write(text);
    try {
      const lab::Prediction p = lab::Predict(path, csv_file.path());
      if (p.rows != 1) Fail("one row in, not one prediction out");
    } catch (const activ::Error&) {
    }
  }
  return 0;
}
