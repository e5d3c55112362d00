// Helpers shared by the test programs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "activ/activ.h"
#include "activ_internal.h"

namespace activ::test {

// Runs fn once per compiled target that this CPU supports, with dispatch forced to it.
inline void ForEachTarget(const std::function<void(const char*)>& fn) {
  hwy::SetSupportedTargetsForTest(0);
  const int64_t supported = hwy::SupportedTargets();
  int ran = 0;
  for (int64_t t : detail::CompiledTargets()) {
    if (!(supported & t)) continue;
    hwy::SetSupportedTargetsForTest(t);
    ASSERT_EQ(simd_target(), std::string_view(hwy::TargetName(t)));
    fn(hwy::TargetName(t));
    ++ran;
  }
  hwy::SetSupportedTargetsForTest(0);
  ASSERT_GE(ran, 2) << "expected at least one SIMD target and the scalar fallback";
}

// The message of the activ::Error that fn throws, "(no error)" where it throws none: the error
// tests compare whole messages.
inline std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The registry's operations whose flags include all of flags (0: every one), and their names as
// gtest's parameter names.
inline std::vector<Op> OpsWith(unsigned flags) {
  std::vector<Op> ops;
  for (const OpInfo& o : all_ops()) {
    if ((o.flags & flags) == flags) ops.push_back(o.op);
  }
  return ops;
}
inline std::string OpName(const ::testing::TestParamInfo<Op>& i) {
  return std::string(name(i.param));
}

}  // namespace activ::test
