#include "thread_pool.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "activ/activ.h"

namespace activ {
namespace detail {
namespace {

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long a thread polls for a change before it sleeps in the kernel: workers waiting for the
// next job, the caller waiting for the workers. Long enough for calls issued back to back (a
// training step's layers) to find the workers awake, short enough not to take a core away
// from other work for long.
constexpr std::chrono::microseconds kSpinTime{50};

// Returns once `word` no longer holds `old`.
void AwaitChange(const std::atomic<uint32_t>& word, uint32_t old) {
  const auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1; word.load(std::memory_order_acquire) == old; ++i) {
    if (i % 64 != 0 || std::chrono::steady_clock::now() - start < kSpinTime) {
      Pause();
    } else {
      word.wait(old, std::memory_order_acquire);
    }
  }
}

// A job is published in two words. `job_` holds its number; idle workers sleep on it.
// `claim_` holds the number again with the next unclaimed task and the task count, so that a
// worker claims a task with one compare-and-swap that fails if the job is no longer the one it
// woke up for. The caller then waits for the tasks to be done, not for the workers: a worker
// that wakes late (descheduled on a busy machine) finds nothing left and costs the caller
// nothing.
class Pool {
 public:
  // Throws std::system_error when a thread cannot be started (after joining those that were).
  explicit Pool(int threads) {
    workers_.reserve(threads - 1);
    try {
      for (int i = 0; i < threads - 1; ++i) workers_.emplace_back([this] { Work(); });
    } catch (...) {
      Stop();
      throw;
    }
  }

  ~Pool() { Stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // num_tasks <= kMaxTasks.
  void Run(uint32_t num_tasks, TaskFn task, void* context) {
    const uint32_t job = job_.load(std::memory_order_relaxed) + 1;
    task_ = task;
    context_ = context;
    done_.store(0, std::memory_order_relaxed);
    claim_.store(Pack(job, 0, num_tasks), std::memory_order_release);
    job_.store(job, std::memory_order_release);
    job_.notify_all();
    DoTasks(job);
    for (uint32_t done; (done = done_.load(std::memory_order_acquire)) != num_tasks;) {
      AwaitChange(done_, done);
    }
  }

  static constexpr uint32_t kMaxTasks = 0xffff;

 private:
  static uint64_t Pack(uint32_t job, uint32_t next, uint32_t count) {
    return uint64_t{job} << 32 | uint64_t{next} << 16 | count;
  }

  // Claims and runs tasks of `job` until none is left.
  void DoTasks(uint32_t job) {
    uint64_t c = claim_.load(std::memory_order_acquire);
    for (;;) {
      const uint32_t next = static_cast<uint32_t>(c >> 16) & 0xffff;
      const uint32_t count = static_cast<uint32_t>(c) & 0xffff;
      if (static_cast<uint32_t>(c >> 32) != job || next >= count) return;
      if (!claim_.compare_exchange_weak(c, c + (uint64_t{1} << 16), std::memory_order_acquire)) {
        continue;  // c now holds the current value
      }
      // The caller cannot start another job (and overwrite task_) before this task is done.
      task_(context_, next);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) done_.notify_one();
      c = claim_.load(std::memory_order_acquire);
    }
  }

  void Stop() {
    stop_.store(true, std::memory_order_relaxed);
    job_.fetch_add(1, std::memory_order_release);
    job_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void Work() {
    uint32_t seen = 0;  // job numbers start at 0, before any job is published
    for (;;) {
      AwaitChange(job_, seen);
      seen = job_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_relaxed)) return;
      DoTasks(seen);
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<uint32_t> job_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<bool> stop_{false};
  TaskFn task_ = nullptr;
  void* context_ = nullptr;
};

// The configured count; 0 until first read or after set_num_threads(0).
std::atomic<int> g_num_threads{0};
// Guards the pool; a caller that cannot take it at once runs its tasks itself.
std::mutex g_pool_mutex;
Pool* g_pool = nullptr;
pid_t g_pool_pid = 0;

}  // namespace

int HardwareThreads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

int ParseNumThreads(const char* value) {
  if (value == nullptr || *value == '\0') return std::min(HardwareThreads(), kMaxThreads);
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || n < 1 || n > kMaxThreads ||
      !(*value >= '0' && *value <= '9')) {
    throw Error("activ: ACTIV_NUM_THREADS must be a whole number from 1 to " +
                std::to_string(kMaxThreads) + " (or unset, for every hardware thread), got '" +
                value + "'");
  }
  return static_cast<int>(n);
}

int NumThreads() {
  int n = g_num_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = ParseNumThreads(std::getenv("ACTIV_NUM_THREADS"));
    g_num_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

void SetNumThreads(int n) {
  if (n < 0 || n > kMaxThreads) {
    throw Error("activ::set_num_threads: n must be from 1 to " + std::to_string(kMaxThreads) +
                ", or 0 for the default; got " + std::to_string(n));
  }
  g_num_threads.store(n, std::memory_order_relaxed);
  if (n == 0) NumThreads();  // reads the environment now, so a bad value throws here
}

void RunTasks(size_t num_tasks, TaskFn task, void* context) {
  std::unique_lock<std::mutex> lock(g_pool_mutex, std::try_to_lock);
  if (!lock.owns_lock() || num_tasks <= 1 || num_tasks > Pool::kMaxTasks || NumThreads() == 1) {
    for (size_t i = 0; i < num_tasks; ++i) task(context, i);
    return;
  }
  // A forked child inherits the pool's memory but not its threads: it starts its own, and the
  // parent's pool object is left alone (its threads belong to the parent).
  const int size = NumThreads();
  if (g_pool != nullptr && (g_pool_pid != getpid() || g_pool->size() != size)) {
    if (g_pool_pid == getpid()) delete g_pool;
    g_pool = nullptr;
  }
  if (g_pool == nullptr) {
    try {
      g_pool = new Pool(size);
    } catch (const std::system_error&) {
      // No threads to be had (a sandbox, a process limit): the call still completes.
      for (size_t i = 0; i < num_tasks; ++i) task(context, i);
      return;
    }
    g_pool_pid = getpid();
  }
  g_pool->Run(static_cast<uint32_t>(num_tasks), task, context);
}

}  // namespace detail

void set_num_threads(int n) { detail::SetNumThreads(n); }
int num_threads() { return detail::NumThreads(); }

}  // namespace activ
