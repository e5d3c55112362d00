// --target avx3|avx2|sse4|scalar for the measuring programs (activ-accuracy, activ-bench):
// forces the library's runtime dispatch to one compiled SIMD target through Highway's
// supported-target mask, so that one host measures each target it can run.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <hwy/targets.h>

#include "activ/activ.h"

namespace activ::tools {

// Restricts dispatch to the target named `name` (Highway's name, any case: AVX3, AVX2, SSE4,
// EMU128 or SCALAR; "scalar" also finds EMU128). Returns an error message, empty on success.
inline std::string SelectTarget(std::string_view name) {
  std::string want;
  for (char c : name) want += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const int64_t supported = hwy::SupportedTargets();
  for (int bit = 0; bit < 63; ++bit) {
    const int64_t t = int64_t{1} << bit;
    if (!(HWY_TARGETS & t)) continue;
    const std::string tn = hwy::TargetName(t);
    if (tn != want && !(want == "SCALAR" && tn == "EMU128")) continue;
    if (!(supported & t)) return "this CPU cannot run target " + tn;
    hwy::SetSupportedTargetsForTest(t);
    if (activ::simd_target() != tn) {
      hwy::SetSupportedTargetsForTest(0);
      return "the library has no code for target " + tn;
    }
    return "";
  }
  return "unknown target '" + std::string(name) + "' (avx3, avx2, sse4, scalar)";
}

}  // namespace activ::tools
