// The float64 row-wise unit: see rowwise_unit-inl.h.
#define ACTIV_ROW_UNIT double_rows
#define ACTIV_ROW_UNIT_TYPES(X) X(F64, double)
#include "rowwise_unit-inl.h"
