// What a kernel receives besides its arrays: the resolved parameter values of its operation, in
// registry order, converted to the element type and back (as PyTorch converts scalars to the
// tensor's type), so that float32 results are those of float32 parameters.
#pragma once

#include <cstddef>

namespace activ::detail {

struct Args {
  double p[4] = {};
};

}  // namespace activ::detail
