// The library's internals that the tests and the benchmark use: the one header of src/ on their
// include path (src/testing/), so that they see these declarations and nothing else of the
// layers. The compiled SIMD targets, to run a test on each (tests/test_util.h); the streaming
// stores' threshold and count (streaming_test); the thread pool's
// ParallelFor, the ACTIV_NUM_THREADS parser and the hardware thread count (threading_test, and
// bench/yardstick.cc, which splits its loops as the library does).
#pragma once

#include "../simd/streaming.h"
#include "../simd/targets.h"
#include "../thread_pool.h"
