// Fuzzes the name-and-parameter parser: any text either parses into an activation that prints
// back to text parsing to the same thing, or throws activ::Error; nothing else may happen.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "activ/activ.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto list = activ::parse_activation_list(text);
    for (const activ::Activation& a : list) {
      const std::string printed = a.to_string();
      if (activ::parse_activation(printed).to_string() != printed) std::abort();
    }
  } catch (const activ::Error&) {
  }
  return 0;
}
