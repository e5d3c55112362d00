// Fuzzes the .npy reader: the in-memory parser (activ::npy::Parse) and the file reader
// (activ::npy::Read, which reads the header first and the data straight into place) must agree,
// both refusing a bad file with activ::Error or both returning the same array; an array read
// must serialize back to bytes that parse to the same array.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "activ/activ.h"
#include "fuzz_file.h"
#include "npy.h"

namespace {

activ_fuzz::ScratchFile npy_file("array.npy");

bool Same(const activ::npy::Array& a, const activ::npy::Array& b) {
  if (a.dtype != b.dtype || a.shape != b.shape || a.f32.size() != b.f32.size() ||
      a.f64.size() != b.f64.size()) {
    return false;
  }
  // Bits, not values: NaN payloads must survive too.
  return (a.f32.empty() || std::memcmp(a.f32.data(), b.f32.data(), a.f32.size() * 4) == 0) &&
         (a.f64.empty() || std::memcmp(a.f64.data(), b.f64.data(), a.f64.size() * 8) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using activ_fuzz::Fail;
  namespace npy = activ::npy;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  npy_file.Write(bytes);
  bool parsed = false, read = false;
  npy::Array from_memory, from_file;
  try {
    from_memory = npy::Parse(bytes, "fuzz.npy");
    parsed = true;
  } catch (const activ::Error&) {
  }
  try {
    from_file = npy::Read(npy_file.path());
    read = true;
  } catch (const activ::Error&) {
  }
  if (parsed != read) Fail("Parse and Read disagree on whether the file is good");
  if (!parsed) return 0;
  if (!Same(from_memory, from_file)) Fail("Parse and Read return different arrays");
  const uint64_t n = from_memory.count();
  const size_t have =
      from_memory.dtype == npy::DType::kFloat32 ? from_memory.f32.size() : from_memory.f64.size();
  if (have != n) Fail("the array holds other than count() elements");
  if (!Same(npy::Parse(npy::Serialize(from_memory), "again.npy"), from_memory)) {
    Fail("Serialize then Parse changes the array");
  }
  return 0;
}
