// High-precision reference for every activation, kept apart from the fast code: plain scalar
// formulas in long double (64-bit significand on x86), written for accuracy, not speed, with
// the cancellation-prone forms replaced by series or rearranged as the comments say. Used by the
// tests and the accuracy tool, never by the library.
#pragma once

#include "activ/activ.h"

namespace activ::ref {

// p: the operation's resolved parameter values in registry order (ResolvedParams::value, after
// the same rounding to the element type that the kernels see).
long double forward(Op op, long double x, const double* p);
// f'(x) with the spec's one-sided kink values (relu'(0) = 0, leaky_relu'(0) = a, ...).
long double derivative(Op op, long double x, const double* p);
// The second term of the spec's backward bound without its |dy|: 2^-digits |x f''(x)|, what
// half an ULP of x (in a type of `digits` significand bits) changes f' by, with f'' taken as 0
// at a kink and 0 at x = 0 (and for x infinite or NaN). Measured on the reference f' itself,
// not from a formula for f'': the smaller of |f'(x(1 +- 2^-digits)) - f'(x)|, and 0 where the
// two one-sided differences disagree by more than a factor 2 (a jump of f', i.e. a kink; on a
// smooth f' they agree to first order). Within about 2^-10 of 2^-digits |x f''| relative (the
// steps are rounded to long double), or below 2^-62 |f'(x)| absolute.
long double derivative_slack(Op op, long double x, const double* p, int digits);
// How much f' changes over a step of x to either side: the smaller of |f'(x +- step) - f'(x)|
// (no kink rule): f''/f' for the backward-from-y bound (accuracy/measure.h).
long double derivative_change(Op op, long double x, const double* p, long double step);
// d f(x) / d p[0] for the ops flagged kParamGrad (prelu weight, silu beta); 0 for the others.
long double param_derivative(Op op, long double x, const double* p);

// The same formulas evaluated in double: about 2^-50 relative where the long double ones reach
// 2^-62, some twenty times faster. The exhaustive float32 check screens with them and settles
// every result near a decision (0.5 or 1 ULP, the largest error) with the long double ones
// (accuracy/measure.h). Not accurate enough to judge float64 results.
double forward_double(Op op, double x, const double* p);
double derivative_double(Op op, double x, const double* p);
double derivative_slack_double(Op op, double x, const double* p, int digits);
double derivative_change_double(Op op, double x, const double* p, double step);

}  // namespace activ::ref
