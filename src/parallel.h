// Splitting a large call across threads. Small calls run on the calling thread and start
// nothing: a thread costs tens of microseconds, the work of ~50 000 elements.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "activ/activ.h"

namespace activ::detail {

// Elements (row length times rows) a thread should have at least; calls below twice this run on
// the calling thread.
inline constexpr std::size_t kMinElementsPerThread = std::size_t{1} << 15;

// ACTIV_NUM_THREADS when set (1: the calling thread only), else the hardware's thread count.
inline unsigned NumThreads() {
  const char* env = std::getenv("ACTIV_NUM_THREADS");
  if (env && *env) {
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (*end != '\0' || errno != 0 || v == 0 || v > 4096 || *env == '-') {
      throw Error(std::string("activ: ACTIV_NUM_THREADS must be an integer from 1 to 4096, got '") +
                  env + "'");
    }
    return static_cast<unsigned>(v);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls f(begin, end) on consecutive ranges that cover [0, n), each at least `grain` long, one
// range per thread (the calling thread takes the first), and returns when all are done. The
// thread count is `threads`, or NumThreads() when 0, capped so that no range is below the grain.
// If the system refuses a thread, its range runs on the calling thread. An exception from f
// (std::bad_alloc of a buffer) is rethrown here after every range has finished.
template <class F>
void ParallelFor(std::size_t n, std::size_t grain, F f, unsigned threads = 0) {
  const std::size_t max_ranges = n / std::max<std::size_t>(grain, 1);
  if (max_ranges < 2) {
    if (n > 0) f(std::size_t{0}, n);
    return;
  }
  if (threads == 0) threads = NumThreads();
  const std::size_t t = std::min<std::size_t>(threads, max_ranges);
  if (t < 2) {
    f(std::size_t{0}, n);
    return;
  }
  auto bound = [&](std::size_t i) { return n / t * i + std::min(i, n % t); };
  std::vector<std::exception_ptr> errors(t);
  auto run = [&](std::size_t i) {
    try {
      f(bound(i), bound(i + 1));
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  std::size_t i = 1;
  try {
    for (; i < t; ++i) pool.emplace_back(run, i);
  } catch (const std::system_error&) {
    for (; i < t; ++i) run(i);
  }
  run(0);
  for (std::thread& th : pool) th.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Rows per range so that a range holds at least kMinElementsPerThread elements.
inline std::size_t RowGrain(std::size_t cols) {
  return std::max<std::size_t>(1,
                               (kMinElementsPerThread + cols - 1) / std::max<std::size_t>(cols, 1));
}

}  // namespace activ::detail
