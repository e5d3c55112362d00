// The SIMD targets compiled into the library and the one the dispatcher chose
// (src/simd/dispatch.cc).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace activ::detail {

std::string_view TargetName();
// Highway target bits compiled into the library, best first (for tests that run every target).
std::vector<int64_t> CompiledTargets();

}  // namespace activ::detail
