// Double-precision vector math used by every kernel. Included twice per SIMD target, inside
// namespaces kernels::f64 and kernels::f32, by each operation's unit (src/simd/op_unit-inl.h,
// through its generated <name>-kernels-inl.h); kForFloat32 tells the two apart.
//
// Why double: the float32 kernels evaluate in double and round once on store. With the
// primitives below accurate to a few double ULP, the float32 result is within 0.5 ULP plus
// ~2^-28 ULP of the exact value, so float32 is faithfully rounded everywhere, tails included,
// without special float32 range reductions. float64 inherits the same code; its accuracy is
// measured per function in docs/ACCURACY.md.
//
// For float32 results (kForFloat32) the primitives trade the double accuracy they do not need
// for speed: polynomials accurate to about 2^-42 relative instead of 2^-60, one scaling step,
// and rare lanes (huge, tiny, infinite, NaN) sent to the full version behind one mask test
// per vector instead of blends on every lane.
//
// Conventions: D is a double descriptor, V = hn::Vec<D>. No SIMD constants at namespace scope
// (they would break runtime dispatch): constants are built inside each function.
//
// The primitives live in four files by family, included here in dependency order.

using hn::Vec;

// Param, Poly, PolyEstrin, Table16.
#include "math_poly-inl.h"
// Exp, Expm1, Log1p, Tanh, Sigmoid (one rounding, double lanes).
#include "math_exp-inl.h"
// Pair, TwoSum, FastTwoSum, TwoProd, DivToPair, MulPairs.
#include "math_pair-inl.h"
// ExpReduce, Expm1Pair, Log1pPair, MulSigmoidPair, SigmoidQuotientD, TanhPair, SoftplusPair.
#include "math_exp_pair-inl.h"

// dy f'(x) for a slope f' that is negative below x = -1 and underflows to zero in double far
// out in that tail (gelu, gelu_tanh): y where the formula gave a nonzero result, else a zero with
// the sign of -dy, as the exact product rounds.
template <class D>
HWY_INLINE Vec<D> NegativeTailZero(D d, Vec<D> x, Vec<D> dy, Vec<D> y) {
  const auto tail = hn::And(hn::Eq(y, hn::Zero(d)), hn::Lt(x, hn::Set(d, -1.0)));
  return hn::IfThenElse(tail, hn::Mul(dy, hn::Set(d, -0.0)), y);
}
