// The entry points of the per-operation translation units (src/simd/op_unit-inl.h, one generated
// file per registry line): each operation's kernels for every element type and direction, with
// their runtime dispatch. One unit per operation lets two cores compile them side by side, and
// touching one kernel file recompiles one unit. Arguments are checked by the callers in src/api/;
// these only compute.
#pragma once

#include <cstddef>

#include "activ/activ.h"
#include "dispatch.h"
#include "kernel_args.h"

// Every entry point runs the table that a.accuracy names: the faithful kernels, or the fast
// ones where the operation has them (HasFastKernel), else the faithful ones again.
// Declared for every operation; a unit defines ParamGrad, BackwardFromY and the gated entry
// points only where the registry flags say the operation has them (the callers test the same
// flags before calling).
#define ACTIV_UNIT_DECLARE_FORWARD(S, TI, TO) \
  void Forward(const TI* x, TO* y, std::size_t n, const detail::Args& a);
#define ACTIV_UNIT_DECLARE_BACKWARD(S, TX, TG)                                            \
  void Backward(const TX* x, const TG* dy, TG* dx, std::size_t n, const detail::Args& a); \
  double ParamGrad(const TX* x, const TG* dy, std::size_t n, const detail::Args& a);
#define ACTIV_UNIT_DECLARE_FROM_Y(S, TY, TG) \
  void BackwardFromY(const TY* y, const TG* dy, TG* dx, std::size_t n, const detail::Args& a);
#define ACTIV_UNIT_DECLARE_GATED(S, T)                                                         \
  void Gated(Rows<const T> gate, Rows<const T> up, Rows<T> out, const detail::Args& a);        \
  void GatedBackward(Rows<const T> gate, Rows<const T> up, Rows<const T> dout, Rows<T> d_gate, \
                     Rows<T> d_up, const detail::Args& a);

namespace activ::op_units {
#define ACTIV_OP(name, ...)                         \
  namespace name {                                  \
  bool HasFastKernel(bool backward);                \
  ACTIV_FORWARD_TYPES(ACTIV_UNIT_DECLARE_FORWARD)   \
  ACTIV_BACKWARD_TYPES(ACTIV_UNIT_DECLARE_BACKWARD) \
  ACTIV_FROM_Y_TYPES(ACTIV_UNIT_DECLARE_FROM_Y)     \
  ACTIV_GATED_TYPES(ACTIV_UNIT_DECLARE_GATED)       \
  }
#include "activ/ops.def"
}  // namespace activ::op_units
