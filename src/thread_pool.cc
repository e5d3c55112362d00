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

// Workers with index < the low byte of `job_` take part in the job whose number is the rest of
// the word. Packing both in one atomic word lets a worker that sees a job number know, from the
// same load, whether it is counted in `pending_` for that job.
class Pool {
 public:
  explicit Pool(int threads) {
    workers_.reserve(threads - 1);
    for (int i = 0; i < threads - 1; ++i) workers_.emplace_back([this, i] { Work(i); });
  }

  ~Pool() {
    stop_.store(true, std::memory_order_relaxed);
    job_.fetch_add(kJobStep, std::memory_order_release);
    job_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void Run(size_t num_tasks, int threads, TaskFn task, void* context) {
    const uint32_t helpers = static_cast<uint32_t>(std::min<size_t>(
        {static_cast<size_t>(threads) - 1, workers_.size(), num_tasks - 1, kMaxHelpers}));
    task_ = task;
    context_ = context;
    num_tasks_ = num_tasks;
    next_.store(0, std::memory_order_relaxed);
    pending_.store(helpers, std::memory_order_relaxed);
    const uint32_t job = job_.load(std::memory_order_relaxed);
    job_.store(((job & ~kHelperMask) + kJobStep) | helpers, std::memory_order_release);
    if (helpers > 0) job_.notify_all();
    DoTasks();
    for (uint32_t left; (left = pending_.load(std::memory_order_acquire)) != 0;) {
      AwaitChange(pending_, left);
    }
  }

 private:
  static constexpr uint32_t kHelperMask = 0xff;
  static constexpr uint32_t kJobStep = 0x100;
  static constexpr size_t kMaxHelpers = kHelperMask;

  void DoTasks() {
    for (size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < num_tasks_;) {
      task_(context_, i);
    }
  }

  void Work(int index) {
    // Job numbers start at 0 when the pool is built, before any job can be published.
    uint32_t seen = 0;
    for (;;) {
      AwaitChange(job_, seen);
      const uint32_t job = job_.load(std::memory_order_acquire);
      seen = job;
      if (stop_.load(std::memory_order_relaxed)) return;
      if (static_cast<uint32_t>(index) >= (job & kHelperMask)) continue;
      DoTasks();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<uint32_t> job_{0};
  std::atomic<uint32_t> pending_{0};
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  // The job, written by the caller before it publishes job_ and read by the counted workers
  // only, so the caller cannot change it while they read it.
  TaskFn task_ = nullptr;
  void* context_ = nullptr;
  size_t num_tasks_ = 0;
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

void RunTasks(size_t num_tasks, int threads, TaskFn task, void* context) {
  std::unique_lock<std::mutex> lock(g_pool_mutex, std::try_to_lock);
  if (!lock.owns_lock() || threads <= 1 || num_tasks <= 1) {
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
    g_pool = new Pool(size);
    g_pool_pid = getpid();
  }
  g_pool->Run(num_tasks, threads, task, context);
}

}  // namespace detail

void set_num_threads(int n) { detail::SetNumThreads(n); }
int num_threads() { return detail::NumThreads(); }

}  // namespace activ
