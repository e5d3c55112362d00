// A second reference for the forward pass, in MPFR at 256 bits: the long double reference
// (reference.h) carries only ~11 bits beyond double, enough to screen float64 results but not to
// say on which side of a half or one ULP a result lies. Same functions, same parameters, same
// special values and signed zeros as reference.h's forward, written independently from the
// mathematical definitions. For the tests and tools only; thread-safe.
#pragma once

#include "activ/activ.h"

namespace activ::ref {

// f(x) for the float64 kernels' parameters p (same meaning as reference.h's forward), evaluated
// with MPFR at 256 bits and rounded to nearest long double.
long double forward_mpfr(Op op, double x, const double* p);
// |got - f(x)| in ULP of double at f(x), computed entirely in MPFR, with the conventions of
// UlpError<double> in accuracy/ulp.h (NaN matches NaN, an infinite result is right only where
// f(x) rounds to that infinity, ULP below the smallest normal is the subnormal spacing 2^-1074).
// The ULP is that of the binade of the exact f(x), also where f(x) lies within 2^-256 (or far
// less: 1 - e^-1000) below a power of two.
double forward_ulp_error_mpfr(Op op, double x, const double* p, double got);

}  // namespace activ::ref
