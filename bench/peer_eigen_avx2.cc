// Eigen's kernels compiled for AVX2 and FMA (bench/CMakeLists.txt), whatever the host: on an
// AVX-512 host, activ-bench --target avx2 measures them beside activ's AVX2 code, as an
// AVX2-only host would run both.
#define ACTIV_EIGEN_AVX2 1
#include "peer_eigen.cc"
