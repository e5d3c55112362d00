// XNNPACK's element-wise operators (the Debian 2022-02 snapshot): forward only, float32 only,
// for the functions it has: sigmoid, elu, leaky_relu (also leaky_relu-shaped prelu with one
// slope and rrelu in evaluation), hardswish, and clamp for relu, relu6 and hardtanh. Each
// operator is created and set up once per size; the timed call is xnn_run_operator.
#include "peers.h"

#ifdef ACTIV_HAVE_XNNPACK
#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace bench {
namespace {

pthreadpool_t g_pool = nullptr;  // null: XNNPACK runs on the calling thread

void Check(xnn_status s, const char* what) {
  if (s != xnn_status_success) {
    std::fprintf(stderr, "activ-bench: XNNPACK %s failed (status %d)\n", what, static_cast<int>(s));
    std::exit(1);
  }
}

using Setup = xnn_status (*)(xnn_operator_t, size_t, const float*, float*, pthreadpool_t);

// Operators of one channel with strides 1: XNNPACK then sees the batch of n rows as one
// contiguous run and processes it in a single pass (split over its thread pool).
Kernel<float> Make(const char* function, std::function<xnn_status(xnn_operator_t*)> create,
                   Setup setup) {
  return {function, Direction::kForward, [create, setup](const Arrays<float>& a) -> Call {
            xnn_operator_t op = nullptr;
            Check(create(&op), "create");
            std::shared_ptr<xnn_operator> owner(op, xnn_delete_operator);
            Check(setup(op, a.n, a.x, a.out, g_pool), "setup");
            return [owner] { Check(xnn_run_operator(owner.get(), g_pool), "run"); };
          }};
}

}  // namespace

std::vector<Peer> XnnpackPeer() {
  Check(xnn_initialize(nullptr), "initialize");
  Peer p;
  p.name = "XNNPACK";
  p.threading = "pthreadpool";
  p.set_threads = [](int n) {
    if (g_pool) pthreadpool_destroy(g_pool);
    g_pool = n > 1 ? pthreadpool_create(static_cast<size_t>(n)) : nullptr;
  };
  auto clamp = [](float lo, float hi) {
    return [lo, hi](xnn_operator_t* op) { return xnn_create_clamp_nc_f32(1, 1, 1, lo, hi, 0, op); };
  };
  auto leaky = [](float slope) {
    return
        [slope](xnn_operator_t* op) { return xnn_create_leaky_relu_nc_f32(1, 1, 1, slope, 0, op); };
  };
  p.f32 = {
      Make(
          "sigmoid", [](xnn_operator_t* op) { return xnn_create_sigmoid_nc_f32(1, 1, 1, 0, op); },
          xnn_setup_sigmoid_nc_f32),
      Make(
          "elu", [](xnn_operator_t* op) { return xnn_create_elu_nc_f32(1, 1, 1, 1.0f, 0, op); },
          xnn_setup_elu_nc_f32),
      Make("leaky_relu", leaky(0.01f), xnn_setup_leaky_relu_nc_f32),
      Make("prelu", leaky(0.25f), xnn_setup_leaky_relu_nc_f32),
      Make("rrelu", leaky((0.125f + 1.0f / 3.0f) / 2), xnn_setup_leaky_relu_nc_f32),
      Make(
          "hardswish",
          [](xnn_operator_t* op) { return xnn_create_hardswish_nc_f32(1, 1, 1, 0, op); },
          xnn_setup_hardswish_nc_f32),
      Make("relu", clamp(0.0f, INFINITY), xnn_setup_clamp_nc_f32),
      Make("relu6", clamp(0.0f, 6.0f), xnn_setup_clamp_nc_f32),
      Make("hardtanh", clamp(-1.0f, 1.0f), xnn_setup_clamp_nc_f32),
      Make(
          "identity", [](xnn_operator_t* op) { return xnn_create_copy_nc_x32(1, 1, 1, 0, op); },
          [](xnn_operator_t op, size_t n, const float* x, float* y, pthreadpool_t pool) {
            return xnn_setup_copy_nc_x32(op, n, x, y, pool);
          }),
  };
  // softmax over rows of `cols` channels, forward only (the snapshot has no log_softmax).
  p.rows.push_back({"softmax", Direction::kForward, [](const RowArrays& a) -> Call {
                      xnn_operator_t op = nullptr;
                      Check(xnn_create_softmax_nc_f32(a.cols, a.cols, a.cols, 0, &op), "create");
                      std::shared_ptr<xnn_operator> owner(op, xnn_delete_operator);
                      Check(xnn_setup_softmax_nc_f32(op, a.rows, a.x, a.out, g_pool), "setup");
                      return [owner] { Check(xnn_run_operator(owner.get(), g_pool), "run"); };
                    }});
  return {p};
}

}  // namespace bench

#else
namespace bench {
std::vector<Peer> XnnpackPeer() { return {}; }
}  // namespace bench
#endif
