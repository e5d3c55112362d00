// The element-wise entry points of dispatch.h: a switch over the registry that calls the
// operation's own translation unit (src/simd/op_unit-inl.h, one generated file per registry line),
// which holds its per-target kernels and their runtime dispatch.
#include "dispatch.h"

#include "op_units.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/dispatch.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace activ::HWY_NAMESPACE {
const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }
// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace activ::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace activ::detail {
namespace {

template <typename TI, typename TO>
void ForwardAny(Op op, const TI* x, TO* y, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...) \
  case Op::name:            \
    return op_units::name::Forward(x, y, n, a);
#include "activ/ops.def"
  }
}

template <typename TX, typename TG>
void BackwardAny(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, ...) \
  case Op::name:            \
    return op_units::name::Backward(x, dy, dx, n, a);
#include "activ/ops.def"
  }
}

template <typename TX, typename TG>
double ParamGradAny(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, flags, ...)                                                          \
  case Op::name:                                                                            \
    if constexpr (((flags)&kParamGrad) != 0) return op_units::name::ParamGrad(x, dy, n, a); \
    break;
#include "activ/ops.def"
  }
  return 0.0;
}

template <typename T>
void BackwardFromYAny(Op op, const T* y, const T* dy, T* dx, size_t n, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, flags, ...)                                                              \
  case Op::name:                                                                                \
    if constexpr (((flags)&kFromY) != 0) return op_units::name::BackwardFromY(y, dy, dx, n, a); \
    break;
#include "activ/ops.def"
  }
}

}  // namespace

#define ACTIV_DEFINE_FORWARD(S, TI, TO) \
  void Forward(Op op, const TI* x, TO* y, size_t n, const Args& a) { ForwardAny(op, x, y, n, a); }
#define ACTIV_DEFINE_BACKWARD(S, TX, TG)                                             \
  void Backward(Op op, const TX* x, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardAny(op, x, dy, dx, n, a);                                                \
  }                                                                                  \
  double ParamGrad(Op op, const TX* x, const TG* dy, size_t n, const Args& a) {      \
    return ParamGradAny(op, x, dy, n, a);                                            \
  }
#define ACTIV_DEFINE_FROM_Y(S, TY, TG)                                                    \
  void BackwardFromY(Op op, const TY* y, const TG* dy, TG* dx, size_t n, const Args& a) { \
    BackwardFromYAny(op, y, dy, dx, n, a);                                                \
  }
ACTIV_FORWARD_TYPES(ACTIV_DEFINE_FORWARD)
ACTIV_BACKWARD_TYPES(ACTIV_DEFINE_BACKWARD)
ACTIV_FROM_Y_TYPES(ACTIV_DEFINE_FROM_Y)

template <typename T>
void Gated(Op op, Rows<const T> gate, Rows<const T> up, Rows<T> out, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, flags, ...)                                                       \
  case Op::name:                                                                         \
    if constexpr (((flags)&kGates) != 0) return op_units::name::Gated(gate, up, out, a); \
    break;
#include "activ/ops.def"
  }
}
template <typename T>
void GatedBackward(Op op, Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate,
                   Rows<T> d_up, const Args& a) {
  switch (op) {
#define ACTIV_OP(name, flags, ...)                                           \
  case Op::name:                                                             \
    if constexpr (((flags)&kGates) != 0) {                                   \
      return op_units::name::GatedBackward(gate, up, dout, d_gate, d_up, a); \
    }                                                                        \
    break;
#include "activ/ops.def"
  }
}
#define ACTIV_DEFINE_GATED(S, T)                                                                 \
  template void Gated(Op, Rows<const T>, Rows<const T>, Rows<T>, const Args&);                   \
  template void GatedBackward(Op, Rows<const T>, Rows<const T>, Rows<const T>, Rows<T>, Rows<T>, \
                              const Args&);
ACTIV_GATED_TYPES(ACTIV_DEFINE_GATED)

bool HasFastKernel(Op op, bool backward) {
  switch (op) {
#define ACTIV_OP(name, ...) \
  case Op::name:            \
    return op_units::name::HasFastKernel(backward);
#include "activ/ops.def"
  }
  return false;
}

HWY_EXPORT(TargetNameImpl);

std::string_view TargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

std::vector<int64_t> CompiledTargets() {
  std::vector<int64_t> targets;
  // Lower bits are better targets in Highway's numbering.
  for (int bit = 0; bit < 63; ++bit) {
    if (HWY_TARGETS & (int64_t{1} << bit)) targets.push_back(int64_t{1} << bit);
  }
  return targets;
}

}  // namespace activ::detail
#endif  // HWY_ONCE
