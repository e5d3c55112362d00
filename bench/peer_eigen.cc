// Eigen 3.4 array expressions, as a user of Eigen writes these functions: logistic() for sigmoid,
// tanh(), cwiseMax for relu, select for the piecewise ones, erf() for gelu, and backward from y
// for sigmoid and tanh. float32 and float64, one thread (Eigen does not thread element-wise
// array expressions). Compiled with -march=native (bench/CMakeLists.txt): Eigen picks its SIMD
// width at compile time, so this is Eigen at its best on the machine that runs the benchmark.
// peer_eigen_avx2.cc compiles this file a second time for AVX2 (EigenPeerAvx2), for the pass
// that measures the code AVX2-only hosts run.
#include "peers.h"

#ifdef ACTIV_HAVE_EIGEN
#ifdef ACTIV_EIGEN_AVX2
// Both builds instantiate the same Eigen templates; under one name the linker would keep one
// copy of each (the AVX-512 or the AVX2 code, for both callers). Eigen's namespace renamed in
// this build keeps the two apart. The header names in <...> are not macro-expanded.
#define Eigen activ_eigen_avx2
#endif
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

namespace bench {
namespace {

template <typename T>
using In = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;
template <typename T>
using Out = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;

// f(x, dy, y, out) on the mapped arrays.
template <typename T, class F>
Kernel<T> K(const char* function, Direction d, F f) {
  return {function, d, [f](const Arrays<T>& a) -> Call {
            const Eigen::Index n = static_cast<Eigen::Index>(a.n);
            return [f, a, n] {
              In<T> x(a.x, n), dy(a.dy, n), y(a.y, n);
              Out<T> out(a.out, n);
              f(x, dy, y, out);
            };
          }};
}

template <typename T>
std::vector<Kernel<T>> Kernels() {
  using D = Direction;
  using I = const In<T>&;
  using O = Out<T>&;
  const T half = T(0.5), one = T(1), zero = T(0);
  const T sqrt_half = T(0.70710678118654752440), k = T(0.7978845608028654), c = T(0.044715);
  return {
      K<T>("sigmoid", D::kForward, [](I x, I, I, O out) { out = x.logistic(); }),
      K<T>("sigmoid", D::kBackwardFromY, [=](I, I dy, I y, O out) { out = dy * y * (one - y); }),
      K<T>("tanh", D::kForward, [](I x, I, I, O out) { out = x.tanh(); }),
      K<T>("tanh", D::kBackwardFromY, [=](I, I dy, I y, O out) { out = dy * (one - y.square()); }),
      K<T>("relu", D::kForward, [=](I x, I, I, O out) { out = x.cwiseMax(zero); }),
      K<T>("relu", D::kBackward, [=](I x, I dy, I, O out) { out = (x > zero).select(dy, zero); }),
      K<T>("relu", D::kBackwardFromY,
           [=](I, I dy, I y, O out) { out = (y > zero).select(dy, zero); }),
      K<T>("leaky_relu", D::kForward,
           [=](I x, I, I, O out) { out = (x > zero).select(x, T(0.01) * x); }),
      K<T>("elu", D::kForward, [=](I x, I, I, O out) { out = (x > zero).select(x, x.expm1()); }),
      K<T>("softplus", D::kForward, [](I x, I, I, O out) { out = x.exp().log1p(); }),
      K<T>("gelu", D::kForward,
           [=](I x, I, I, O out) { out = half * x * (one + (sqrt_half * x).erf()); }),
      K<T>("gelu_tanh", D::kForward,
           [=](I x, I, I, O out) { out = half * x * (one + (k * (x + c * x.cube())).tanh()); }),
      K<T>("silu", D::kForward, [](I x, I, I, O out) { out = x * x.logistic(); }),
      K<T>(
          "silu", D::kBackward,
          [=](I x, I dy, I, O out) { out = dy * x.logistic() * (one + x * (one - x.logistic())); }),
      K<T>("mish", D::kForward, [](I x, I, I, O out) { out = x * x.exp().log1p().tanh(); }),
      K<T>("softsign", D::kForward, [=](I x, I, I, O out) { out = x / (one + x.abs()); }),
      K<T>("hardtanh", D::kForward,
           [=](I x, I, I, O out) { out = x.cwiseMax(-one).cwiseMin(one); }),
      K<T>("relu6", D::kForward, [=](I x, I, I, O out) { out = x.cwiseMax(zero).cwiseMin(T(6)); }),
      K<T>("hardsigmoid", D::kForward,
           [=](I x, I, I, O out) { out = ((x + T(3)) / T(6)).cwiseMax(zero).cwiseMin(one); }),
      K<T>("hardswish", D::kForward,
           [=](I x, I, I, O out) { out = x * ((x + T(3)) / T(6)).cwiseMax(zero).cwiseMin(one); }),
      K<T>("relu_squared", D::kForward, [=](I x, I, I, O out) { out = x.cwiseMax(zero).square(); }),
  };
}

}  // namespace

#ifdef ACTIV_EIGEN_AVX2
std::vector<Peer> EigenPeerAvx2() {
#else
std::vector<Peer> EigenPeer() {
#endif
  Peer p;
  p.name = "Eigen";
  p.threading = "none (array expressions run on the calling thread)";
  p.set_threads = [](int) {};
  p.f32 = Kernels<float>();
  p.f64 = Kernels<double>();
  return {p};
}

}  // namespace bench

#else
namespace bench {
#ifdef ACTIV_EIGEN_AVX2
std::vector<Peer> EigenPeerAvx2() { return {}; }
#else
std::vector<Peer> EigenPeer() { return {}; }
#endif
}  // namespace bench
#endif
