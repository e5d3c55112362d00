// The library's worker threads, and ParallelFor, the one helper every parallel loop goes through.
//
// A small persistent pool: no thread exists until the first call large enough to split, and
// the threads then stay (spinning briefly, then asleep) so that a call of a few hundred
// microseconds is not dominated by thread start-up. The calling thread works too, so a pool
// of n threads starts n - 1. The count is num_threads(): ACTIV_NUM_THREADS, else every
// hardware thread this process may run on; set_num_threads changes it at run time.
//
// One caller at a time uses the workers. A call made while they are busy (from another thread,
// or from inside a task) runs its ranges on the calling thread instead: the results are the
// same, since no result may depend on which thread computes which range.
#pragma once

#include <cstddef>
#include <exception>
#include <mutex>

namespace activ::detail {

// The configured thread count, >= 1. Reads ACTIV_NUM_THREADS on first use; a value that is not
// a whole number from 1 to kMaxThreads throws Error (and again on every later call).
int NumThreads();
// n >= 1 sets the count; 0 restores the default (the environment variable, else the hardware).
void SetNumThreads(int n);
inline constexpr int kMaxThreads = 1024;
// The count ACTIV_NUM_THREADS asks for; nullptr or "" means the default (hardware threads).
// Throws Error naming the variable and the value when it is anything but 1..kMaxThreads.
int ParseNumThreads(const char* value);
// The hardware threads this process may run on (its CPU affinity), >= 1.
int HardwareThreads();

// Calls task(context, i) for every i in [0, num_tasks), on the calling thread and the pool's
// workers, and returns when every call has returned. Tasks must not throw. More than 65535
// tasks run on the calling thread alone (ParallelFor makes a few per thread).
using TaskFn = void (*)(void* context, size_t index);
void RunTasks(size_t num_tasks, TaskFn task, void* context);

// Calls f(begin, end) over contiguous ranges that cover [0, n) exactly once. Ranges hold at
// least `grain` items (a call with n < 2 * grain is one range, run on the calling thread,
// without touching the pool) and there are a few per thread, so a thread slowed down by other
// work on its core does not hold back the whole call. If f throws (a buffer it cannot
// allocate), every other range still runs and the first exception is rethrown here.
template <class F>
void ParallelFor(size_t n, size_t grain, F&& f) {
  const size_t threads = static_cast<size_t>(NumThreads());
  if (grain == 0) grain = 1;
  const size_t max_ranges = n / grain;
  if (threads == 1 || max_ranges < 2) {
    if (n > 0) f(size_t{0}, n);
    return;
  }
  // Four ranges per thread balance a busy core at little cost (one atomic add per range).
  const size_t ranges = max_ranges < 4 * threads ? max_ranges : 4 * threads;
  struct Context {
    F* f;
    size_t n, ranges;
    std::mutex mutex;
    std::exception_ptr error;
  } context{&f, n, ranges, {}, {}};
  RunTasks(
      ranges,
      [](void* p, size_t i) {
        Context& c = *static_cast<Context*>(p);
        try {
          (*c.f)(i * c.n / c.ranges, (i + 1) * c.n / c.ranges);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(c.mutex);
          if (!c.error) c.error = std::current_exception();
        }
      },
      &context);
  if (context.error) std::rethrow_exception(context.error);
}

// Elements (row length times rows) a range of a row-wise call should have at least.
inline constexpr size_t kMinElementsPerThread = size_t{1} << 15;

// Rows per range so that a range holds at least kMinElementsPerThread elements.
inline size_t RowGrain(size_t cols) {
  return cols == 0 ? 1 : (kMinElementsPerThread + cols - 1) / cols;
}

}  // namespace activ::detail
