// PyTorch's C++ library (ATen): the *_out kernels forward and the *_backward_out kernels
// backward, float32 and float64, on tensors that wrap the shared arrays (at::from_blob), in
// inference mode (no autograd bookkeeping). Where PyTorch composes a function from another
// kernel (selu, relu6, rrelu in evaluation) this calls that kernel, as PyTorch does. In its own
// translation unit: ATen's headers take long to compile.
#include "peers.h"

#ifdef ACTIV_HAVE_TORCH
#include <memory>
#include <type_traits>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

namespace bench {
namespace {

template <typename T>
struct Tensors {
  at::Tensor x, dy, y, out;
};

template <typename T>
constexpr at::ScalarType kType = std::is_same_v<T, float>             ? at::kFloat
                                 : std::is_same_v<T, double>          ? at::kDouble
                                 : std::is_same_v<T, activ::bfloat16> ? at::kBFloat16
                                                                      : at::kHalf;

template <typename T>
Tensors<T> Wrap(const Arrays<T>& a) {
  const auto options = at::TensorOptions().dtype(kType<T>);
  const int64_t n = static_cast<int64_t>(a.n);
  // from_blob takes void*; the inputs are only read.
  return {at::from_blob(const_cast<T*>(a.x), {n}, options),
          at::from_blob(const_cast<T*>(a.dy), {n}, options),
          at::from_blob(const_cast<T*>(a.y), {n}, options), at::from_blob(a.out, {n}, options)};
}

// The call, or none when PyTorch has no kernel for the element type ("not implemented for
// 'Half'"): it is tried once here, before any timing.
Call Tried(Call call) {
  try {
    call();
  } catch (const c10::Error&) {
    return {};
  }
  return call;
}

// One kernel: f receives the wrapped tensors (x, dy, y, out) on every call.
template <typename T, class F>
Kernel<T> K(const char* function, Direction d, F f, std::string note = {}) {
  return {function, d,
          [f](const Arrays<T>& a) -> Call {
            auto t = std::make_shared<Tensors<T>>(Wrap(a));
            return Tried([t, f] {
              c10::InferenceMode guard;
              f(*t);
            });
          },
          std::move(note)};
}

template <typename T>
std::vector<Kernel<T>> Kernels() {
  using D = Direction;
  using Ts = Tensors<T>;
  const double selu_alpha = 1.6732632423543772848170429916717;
  const double selu_scale = 1.0507009873554804934193349852946;
  const double rrelu_slope = (0.125 + 1.0 / 3.0) / 2;
  std::vector<Kernel<T>> k = {
      K<T>("sigmoid", D::kForward, [](Ts& t) { at::sigmoid_out(t.out, t.x); }),
      K<T>("sigmoid", D::kBackwardFromY, [](Ts& t) { at::sigmoid_backward_out(t.out, t.dy, t.y); }),
      K<T>("tanh", D::kForward, [](Ts& t) { at::tanh_out(t.out, t.x); }),
      K<T>("tanh", D::kBackwardFromY, [](Ts& t) { at::tanh_backward_out(t.out, t.dy, t.y); }),
      K<T>("relu", D::kForward, [](Ts& t) { at::relu_out(t.out, t.x); }),
      K<T>("relu", D::kBackward, [](Ts& t) { at::threshold_backward_out(t.out, t.dy, t.x, 0); }),
      K<T>("relu", D::kBackwardFromY,
           [](Ts& t) { at::threshold_backward_out(t.out, t.dy, t.y, 0); }),
      K<T>("leaky_relu", D::kForward, [](Ts& t) { at::leaky_relu_out(t.out, t.x, 0.01); }),
      K<T>("leaky_relu", D::kBackward,
           [](Ts& t) { at::leaky_relu_backward_out(t.out, t.dy, t.x, 0.01, false); }),
      K<T>("leaky_relu", D::kBackwardFromY,
           [](Ts& t) { at::leaky_relu_backward_out(t.out, t.dy, t.y, 0.01, true); }),
      K<T>("rrelu", D::kForward,
           [rrelu_slope](Ts& t) { at::leaky_relu_out(t.out, t.x, rrelu_slope); }),
      K<T>("rrelu", D::kBackward,
           [rrelu_slope](Ts& t) {
             at::leaky_relu_backward_out(t.out, t.dy, t.x, rrelu_slope, false);
           }),
      K<T>("elu", D::kForward, [](Ts& t) { at::elu_out(t.out, t.x, 1, 1, 1); }),
      K<T>("elu", D::kBackward,
           [](Ts& t) { at::elu_backward_out(t.out, t.dy, 1, 1, 1, false, t.x); }),
      K<T>("elu", D::kBackwardFromY,
           [](Ts& t) { at::elu_backward_out(t.out, t.dy, 1, 1, 1, true, t.y); }),
      K<T>("selu", D::kForward, [=](Ts& t) { at::elu_out(t.out, t.x, selu_alpha, selu_scale, 1); }),
      K<T>(
          "selu", D::kBackward,
          [=](Ts& t) { at::elu_backward_out(t.out, t.dy, selu_alpha, selu_scale, 1, false, t.x); }),
      K<T>("celu", D::kForward, [](Ts& t) { at::celu_out(t.out, t.x, 1.0); }),
      K<T>("celu", D::kBackward,
           [](Ts& t) { at::elu_backward_out(t.out, t.dy, 1, 1, 1, false, t.x); }),
      K<T>("softplus", D::kForward, [](Ts& t) { at::softplus_out(t.out, t.x, 1, 20); }),
      K<T>("softplus", D::kBackward,
           [](Ts& t) { at::softplus_backward_out(t.out, t.dy, t.x, 1, 20); }),
      K<T>("gelu", D::kForward, [](Ts& t) { at::gelu_out(t.out, t.x, "none"); }),
      K<T>("gelu", D::kBackward, [](Ts& t) { at::gelu_backward_out(t.out, t.dy, t.x, "none"); }),
      K<T>("gelu_tanh", D::kForward, [](Ts& t) { at::gelu_out(t.out, t.x, "tanh"); }),
      K<T>("gelu_tanh", D::kBackward,
           [](Ts& t) { at::gelu_backward_out(t.out, t.dy, t.x, "tanh"); }),
      K<T>("silu", D::kForward, [](Ts& t) { at::silu_out(t.out, t.x); }),
      K<T>("silu", D::kBackward, [](Ts& t) { at::silu_backward_out(t.out, t.dy, t.x); }),
      K<T>("mish", D::kForward, [](Ts& t) { at::mish_out(t.out, t.x); }),
      K<T>(
          "mish", D::kBackward, [](Ts& t) { t.out = at::mish_backward(t.dy, t.x); },
          "allocates its output (no mish_backward_out)"),
      K<T>("hardtanh", D::kForward, [](Ts& t) { at::hardtanh_out(t.out, t.x, -1, 1); }),
      K<T>("hardtanh", D::kBackward,
           [](Ts& t) { at::hardtanh_backward_out(t.out, t.dy, t.x, -1, 1); }),
      K<T>("relu6", D::kForward, [](Ts& t) { at::hardtanh_out(t.out, t.x, 0, 6); }),
      K<T>("relu6", D::kBackward, [](Ts& t) { at::hardtanh_backward_out(t.out, t.dy, t.x, 0, 6); }),
      K<T>("hardsigmoid", D::kForward, [](Ts& t) { at::hardsigmoid_out(t.out, t.x); }),
      K<T>("hardsigmoid", D::kBackward,
           [](Ts& t) { at::hardsigmoid_backward_out(t.out, t.dy, t.x); }),
      K<T>("hardswish", D::kForward, [](Ts& t) { at::hardswish_out(t.out, t.x); }),
      K<T>("hardswish", D::kBackward, [](Ts& t) { at::hardswish_backward_out(t.out, t.dy, t.x); }),
      K<T>("threshold", D::kForward, [](Ts& t) { at::threshold_out(t.out, t.x, 0.5, -2.0); }),
      K<T>("threshold", D::kBackward,
           [](Ts& t) { at::threshold_backward_out(t.out, t.dy, t.x, 0.5); }),
      K<T>("hardshrink", D::kForward, [](Ts& t) { at::hardshrink_out(t.out, t.x, 0.5); }),
      K<T>("hardshrink", D::kBackward,
           [](Ts& t) { at::hardshrink_backward_out(t.out, t.dy, t.x, 0.5); }),
      K<T>("softshrink", D::kForward, [](Ts& t) { at::softshrink_out(t.out, t.x, 0.5); }),
      K<T>("softshrink", D::kBackward,
           [](Ts& t) { at::softshrink_backward_out(t.out, t.dy, t.x, 0.5); }),
  };
  // logsigmoid keeps a buffer between forward and backward; PyTorch's backward reads it.
  k.push_back({"logsigmoid", D::kForward, [](const Arrays<T>& a) -> Call {
                 auto t = std::make_shared<Tensors<T>>(Wrap(a));
                 auto buffer = std::make_shared<at::Tensor>(at::empty({0}, t->x.options()));
                 return Tried([t, buffer] {
                   c10::InferenceMode guard;
                   at::log_sigmoid_forward_out(t->out, *buffer, t->x);
                 });
               }});
  k.push_back({"logsigmoid", D::kBackward, [](const Arrays<T>& a) -> Call {
                 auto t = std::make_shared<Tensors<T>>(Wrap(a));
                 auto buffer = std::make_shared<at::Tensor>(at::empty({0}, t->x.options()));
                 try {
                   c10::InferenceMode guard;
                   at::Tensor out = at::empty_like(t->x);
                   at::log_sigmoid_forward_out(out, *buffer, t->x);
                 } catch (const c10::Error&) {
                   return {};
                 }
                 return Tried([t, buffer] {
                   c10::InferenceMode guard;
                   at::log_sigmoid_backward_out(t->out, t->dy, t->x, *buffer);
                 });
               }});
  return k;
}

at::Tensor Matrix(const float* p, size_t rows, size_t cols) {
  return at::from_blob(const_cast<float*>(p),
                       {static_cast<int64_t>(rows), static_cast<int64_t>(cols)}, at::kFloat);
}

struct RowTensors {
  at::Tensor x, u, dy, y, out, out2, tmp;
};

// A row kernel: f receives the wrapped arrays (and a preallocated temporary) on every call.
template <class F>
RowKernel R(const char* function, Direction d, F f, std::string note = {}) {
  return {function, d,
          [f](const RowArrays& a) -> Call {
            auto t = std::make_shared<RowTensors>();
            t->x = Matrix(a.x, a.rows, a.cols);
            t->u = Matrix(a.u, a.rows, a.cols);
            t->dy = Matrix(a.dy, a.rows, a.cols);
            t->y = Matrix(a.y, a.rows, a.cols);
            t->out = Matrix(a.out, a.rows, a.cols);
            t->out2 = Matrix(a.out2, a.rows, a.cols);
            t->tmp = at::empty_like(t->x);
            return [t, f] {
              c10::InferenceMode guard;
              f(*t);
            };
          },
          std::move(note)};
}

std::vector<RowKernel> RowKernels() {
  using D = Direction;
  using Ts = RowTensors;
  return {
      R("softmax", D::kForward, [](Ts& t) { at::_softmax_out(t.out, t.x, 1, false); }),
      R("log_softmax", D::kForward, [](Ts& t) { at::_log_softmax_out(t.out, t.x, 1, false); }),
      R("softmax", D::kBackwardFromY,
        [](Ts& t) { at::_softmax_backward_data_out(t.out, t.dy, t.y, 1, at::kFloat); }),
      R("log_softmax", D::kBackwardFromY,
        [](Ts& t) { at::_log_softmax_backward_data_out(t.out, t.dy, t.y, 1, at::kFloat); }),
      // What a model written as silu(gate) * up runs: two kernels and a temporary, here
      // preallocated; the allocating form is the plain expression.
      R(
          "swiglu", D::kForward,
          [](Ts& t) {
            at::silu_out(t.tmp, t.x);
            at::mul_out(t.out, t.tmp, t.u);
          },
          "silu_out, mul_out: preallocated temporary"),
      // Autograd's backward of silu(gate) * up, with silu(gate) kept from the forward (y):
      // d_up = dout * y, d_gate = silu_backward(dout * up, gate).
      R(
          "swiglu", D::kBackward,
          [](Ts& t) {
            at::mul_out(t.out2, t.dy, t.y);
            at::mul_out(t.tmp, t.dy, t.u);
            at::silu_backward_out(t.out, t.tmp, t.x);
          },
          "mul_out, mul_out, silu_backward_out"),
  };
}

}  // namespace

std::vector<Peer> TorchPeer() {
  Peer p;
  p.name = "PyTorch";
  p.threading = "ATen intra-op (at::set_num_threads)";
  p.set_threads = [](int n) { at::set_num_threads(n); };
  p.f32 = Kernels<float>();
  p.f64 = Kernels<double>();
  p.bf16 = Kernels<activ::bfloat16>();
  p.f16 = Kernels<activ::float16>();
  p.rows = RowKernels();
  // The composite as it is usually written: each call allocates its temporary and its output.
  Peer alloc;
  alloc.name = "PyTorch-alloc";
  alloc.threading = p.threading;
  alloc.set_threads = [](int) {};
  alloc.rows.push_back(R(
      "swiglu", Direction::kForward, [](RowTensors& t) { t.tmp = at::silu(t.x) * t.u; },
      "silu(gate) * up: allocates"));
  return {p, alloc};
}

}  // namespace bench

#else
namespace bench {
std::vector<Peer> TorchPeer() { return {}; }
}  // namespace bench
#endif
