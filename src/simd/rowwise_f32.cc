// The row-wise unit of float32, bfloat16 and float16 (16-bit rows compute as float32 rows):
// see rowwise_unit-inl.h.
#define ACTIV_ROW_UNIT float_rows
#define ACTIV_ROW_UNIT_TYPES(X) X(F32, float) X(BF16, bfloat16) X(F16, float16)
#include "rowwise_unit-inl.h"
