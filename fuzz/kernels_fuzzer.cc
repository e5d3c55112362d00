// Fuzzes the dispatch of the element-wise kernels: an operation, a length, a misalignment and
// the element values all come from the input, and every result is checked against the long
// double reference within the documented float32 bounds (1 ULP forward; backward 2 ULP or
// 2^-24 |dy|). A NaN where the reference has a number, or any other miss, aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "activ/activ.h"
#include "inputs.h"
#include "measure.h"
#include "reference.h"
#include "ulp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const auto ops = activ::all_ops();
  const activ::Op op = ops[data[0] % ops.size()].op;
  const size_t offset = data[1] % 4;
  const bool backward = data[2] & 1;
  data += 3;
  size -= 3;
  const size_t n = size / sizeof(float);
  std::vector<float> storage(n + offset + 1), dy(n), out(n);
  float* x = storage.data() + offset;  // misaligned by up to 3 floats
  std::memcpy(x, data, n * sizeof(float));
  for (size_t i = 0; i < n; ++i) dy[i] = activ::ref::UpstreamGradient<float>(i);
  const activ::Params params = activ::ref::TestParams(op)[0];
  const std::span<const float> xs(x, n);
  if (backward) {
    activ::backward(op, xs, dy, out, params);
  } else {
    activ::forward(op, xs, out, params);
  }
  const std::vector<double> p = activ::ref::KernelParams<float>(op, params);
  for (size_t i = 0; i < n; ++i) {
    if (backward) {
      const long double exact = dy[i] * activ::ref::derivative(op, x[i], p.data());
      const long double slack =
          std::fabs(dy[i]) * activ::ref::derivative_slack(op, x[i], p.data(), 24);
      if (activ::ref::BackwardError<float>(out[i], exact, slack) > 2.0) std::abort();
    } else if (activ::ref::UlpError<float>(out[i], activ::ref::forward(op, x[i], p.data())) > 1.0) {
      std::abort();
    }
  }
  return 0;
}
