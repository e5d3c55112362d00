// oneDNN's eltwise primitives, forward and backward (from src, and from dst where oneDNN has a
// *_use_dst_for_bwd algorithm), float32 (oneDNN's CPU eltwise has no float64). One primitive per
// function and size, created before the timed loop; the arrays are wrapped, not copied.
#include "peers.h"

#ifdef ACTIV_HAVE_DNNL
#include <omp.h>

#include <memory>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

namespace bench {
namespace {

struct Alg {
  const char* function;
  dnnl::algorithm fwd, bwd, bwd_from_y;  // undef where oneDNN has none
  float alpha, beta;
};

constexpr dnnl::algorithm kNone = dnnl::algorithm::undef;

// The functions of the registry oneDNN computes, with activ's default parameters.
const Alg kAlgs[] = {
    {"identity", dnnl::algorithm::eltwise_linear, dnnl::algorithm::eltwise_linear, kNone, 1, 0},
    {"sigmoid", dnnl::algorithm::eltwise_logistic, dnnl::algorithm::eltwise_logistic,
     dnnl::algorithm::eltwise_logistic_use_dst_for_bwd, 0, 0},
    {"tanh", dnnl::algorithm::eltwise_tanh, dnnl::algorithm::eltwise_tanh,
     dnnl::algorithm::eltwise_tanh_use_dst_for_bwd, 0, 0},
    {"relu", dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu,
     dnnl::algorithm::eltwise_relu_use_dst_for_bwd, 0, 0},
    {"leaky_relu", dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu,
     dnnl::algorithm::eltwise_relu_use_dst_for_bwd, 0.01f, 0},
    {"prelu", dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu, kNone, 0.25f, 0},
    {"rrelu", dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu, kNone,
     (0.125f + 1.0f / 3.0f) / 2, 0},
    {"elu", dnnl::algorithm::eltwise_elu, dnnl::algorithm::eltwise_elu,
     dnnl::algorithm::eltwise_elu_use_dst_for_bwd, 1, 0},
    {"softplus", dnnl::algorithm::eltwise_soft_relu, dnnl::algorithm::eltwise_soft_relu, kNone, 0,
     0},
    {"logsigmoid", dnnl::algorithm::eltwise_logsigmoid, dnnl::algorithm::eltwise_logsigmoid, kNone,
     0, 0},
    {"gelu", dnnl::algorithm::eltwise_gelu_erf, dnnl::algorithm::eltwise_gelu_erf, kNone, 0, 0},
    {"gelu_tanh", dnnl::algorithm::eltwise_gelu_tanh, dnnl::algorithm::eltwise_gelu_tanh, kNone, 0,
     0},
    {"silu", dnnl::algorithm::eltwise_swish, dnnl::algorithm::eltwise_swish, kNone, 1, 0},
    {"mish", dnnl::algorithm::eltwise_mish, dnnl::algorithm::eltwise_mish, kNone, 0, 0},
    {"hardtanh", dnnl::algorithm::eltwise_clip_v2, dnnl::algorithm::eltwise_clip_v2,
     dnnl::algorithm::eltwise_clip_v2_use_dst_for_bwd, -1, 1},
    {"relu6", dnnl::algorithm::eltwise_clip_v2, dnnl::algorithm::eltwise_clip_v2,
     dnnl::algorithm::eltwise_clip_v2_use_dst_for_bwd, 0, 6},
    {"hardswish", dnnl::algorithm::eltwise_hardswish, dnnl::algorithm::eltwise_hardswish, kNone, 0,
     0},
};

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

Call Prepare(dnnl::algorithm alg, Direction d, float alpha, float beta, const Arrays<float>& a) {
  using dnnl::memory;
  const memory::desc md({static_cast<memory::dim>(a.n)}, memory::data_type::f32,
                        memory::format_tag::a);
  dnnl::engine& engine = Engine();
  auto stream = std::make_shared<dnnl::stream>(engine);
  auto wrap = [&](const float* p) {
    return memory(md, engine, const_cast<float*>(p));  // oneDNN's API takes void*; not written
  };
  if (d == Direction::kForward) {
    const dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, alg, md, alpha, beta}, engine);
    auto prim = std::make_shared<dnnl::eltwise_forward>(pd);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(a.x)}, {DNNL_ARG_DST, wrap(a.out)}};
    return [prim, stream, args] {
      prim->execute(*stream, args);
      stream->wait();
    };
  }
  // The backward primitive needs the forward one's description as a hint.
  const dnnl::algorithm fwd_alg = alg;
  const dnnl::eltwise_forward::primitive_desc hint(
      {dnnl::prop_kind::forward_training, fwd_alg, md, alpha, beta}, engine);
  const dnnl::eltwise_backward::primitive_desc pd({alg, md, md, alpha, beta}, engine, hint);
  auto prim = std::make_shared<dnnl::eltwise_backward>(pd);
  const int data_arg = d == Direction::kBackwardFromY ? DNNL_ARG_DST : DNNL_ARG_SRC;
  std::unordered_map<int, memory> args = {
      {data_arg, wrap(d == Direction::kBackwardFromY ? a.y : a.x)},
      {DNNL_ARG_DIFF_DST, wrap(a.dy)},
      {DNNL_ARG_DIFF_SRC, wrap(a.out)}};
  return [prim, stream, args] {
    prim->execute(*stream, args);
    stream->wait();
  };
}

// softmax and log_softmax over axis 1 of [rows, cols] (oneDNN 2.6's softmax_v2, whose
// algorithm picks the plain or the log form), forward and backward from y.
Call PrepareRows(bool log, Direction d, const RowArrays& a) {
  using dnnl::memory;
  const memory::desc md({static_cast<memory::dim>(a.rows), static_cast<memory::dim>(a.cols)},
                        memory::data_type::f32, memory::format_tag::ab);
  dnnl::engine& engine = Engine();
  auto stream = std::make_shared<dnnl::stream>(engine);
  auto wrap = [&](const float* p) { return memory(md, engine, const_cast<float*>(p)); };
  const dnnl::algorithm alg =
      log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
  if (d == Direction::kForward) {
    const dnnl::softmax_v2_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, alg, md, md, 1}, engine);
    auto prim = std::make_shared<dnnl::softmax_v2_forward>(pd);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, wrap(a.x)}, {DNNL_ARG_DST, wrap(a.out)}};
    return [prim, stream, args] {
      prim->execute(*stream, args);
      stream->wait();
    };
  }
  const dnnl::softmax_v2_forward::primitive_desc hint(
      {dnnl::prop_kind::forward_training, alg, md, md, 1}, engine);
  const dnnl::softmax_v2_backward::primitive_desc pd({alg, md, md, md, 1}, engine, hint);
  auto prim = std::make_shared<dnnl::softmax_v2_backward>(pd);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_DST, wrap(a.y)}, {DNNL_ARG_DIFF_DST, wrap(a.dy)}, {DNNL_ARG_DIFF_SRC, wrap(a.out)}};
  return [prim, stream, args] {
    prim->execute(*stream, args);
    stream->wait();
  };
}

}  // namespace

std::vector<Peer> DnnlPeer() {
  Peer p;
  p.name = "oneDNN";
  p.threading = "OpenMP (omp_set_num_threads)";
  p.set_threads = [](int n) { omp_set_num_threads(n); };
  for (const Alg& alg : kAlgs) {
    const struct {
      Direction d;
      dnnl::algorithm a;
    } kinds[] = {{Direction::kForward, alg.fwd},
                 {Direction::kBackward, alg.bwd},
                 {Direction::kBackwardFromY, alg.bwd_from_y}};
    for (const auto& k : kinds) {
      if (k.a == kNone) continue;
      p.f32.push_back(
          {alg.function, k.d,
           [a = k.a, d = k.d, alpha = alg.alpha, beta = alg.beta](const Arrays<float>& arrays) {
             return Prepare(a, d, alpha, beta, arrays);
           }});
    }
  }
  for (const bool log : {false, true}) {
    for (const Direction d : {Direction::kForward, Direction::kBackwardFromY}) {
      p.rows.push_back({log ? "log_softmax" : "softmax", d,
                        [log, d](const RowArrays& a) { return PrepareRows(log, d, a); }});
    }
  }
  return {p};
}

}  // namespace bench

#else
namespace bench {
std::vector<Peer> DnnlPeer() { return {}; }
}  // namespace bench
#endif
