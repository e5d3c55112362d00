// What every contender of the benchmark (activ, the yardsticks, each peer library) provides: for
// a function of the registry, a direction and an element type, a way to prepare a call on the
// shared arrays once (primitives, operators, tensor views) and then run it many times.
//
// Every contender reads the same inputs and writes its own output array; none allocates inside
// the timed call unless the library offers no other way (those kernels say so in their note).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "activ/activ.h"

namespace bench {

enum class Direction { kForward, kBackward, kBackwardFromY };

// The arrays of one element type and size, shared by every contender. x is uniform in [-8, 8],
// dy uniform in [-1, 1], y = f(x) as activ computes it (for gradients taken from the output).
template <typename T>
struct Arrays {
  const T* x;
  const T* dy;
  const T* y;
  T* out;
  size_t n;
};

// A prepared call; empty when the peer cannot run it (an element type it lacks).
using Call = std::function<void()>;

template <typename T>
struct Kernel {
  std::string function;  // the registry name
  Direction direction;
  std::function<Call(const Arrays<T>&)> prepare;
  std::string note = {};  // shown beside the figure, e.g. "allocates its output"
};

// The arrays of a row-wise or gated benchmark, float32, dense and row-major. Row-wise: x is
// [rows, cols], y = f(x) as activ computes it, dy the upstream gradient, out the result. Gated
// (rows = 1, cols = elements): x is the gate, u the up projection, dy the upstream gradient,
// out the output or d_gate, out2 d_up, and y = act(gate) (what autograd keeps from forward).
struct RowArrays {
  const float* x;
  const float* u;
  const float* dy;
  const float* y;
  float* out;
  float* out2;
  size_t rows, cols;
};

struct RowKernel {
  std::string function;  // softmax, log_softmax or swiglu
  Direction direction;
  std::function<Call(const RowArrays&)> prepare;
  std::string note = {};
};

struct Peer {
  std::string name;
  std::vector<Kernel<float>> f32;
  std::vector<Kernel<double>> f64;
  std::vector<Kernel<activ::bfloat16>> bf16;
  std::vector<Kernel<activ::float16>> f16;
  std::vector<RowKernel> rows;
  // Sets the library's thread count for the calls that follow.
  std::function<void(int threads)> set_threads;
  // How the peer threads, or why it does not: for the report.
  std::string threading;
};

// Each returns the peer when the benchmark was built with it (ACTIV_HAVE_*), else nothing.
std::vector<Peer> DnnlPeer();
std::vector<Peer> XnnpackPeer();
std::vector<Peer> TorchPeer();
std::vector<Peer> EigenPeer();
// Eigen compiled for AVX2 and FMA: activ-bench's --target avx2 takes it in EigenPeer's place.
std::vector<Peer> EigenPeerAvx2();

}  // namespace bench
