// Multi-threaded element-wise calls: every operation, float32 and float64, forward, backward
// (with parameter gradients) and backward from y, gives bit for bit the results of one thread on
// arrays large enough to split; ParallelFor covers its range exactly once; ACTIV_NUM_THREADS and
// set_num_threads are parsed and checked; concurrent and forked callers get correct results.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "inputs.h"
#include "thread_pool.h"

namespace activ {
namespace {

// Large enough for many ranges on any thread count, odd so that the tail path runs too.
constexpr size_t kLarge = 300007;

// Restores the default thread count however a test ends.
class ThreadCount {
 public:
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(0); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
};

// Sweep inputs (every binade, specials) shuffled into a long array, then a dense uniform run
// where the functions have their shape.
template <typename T>
std::vector<T> LargeInputs(uint64_t seed) {
  std::vector<T> sweep = ref::SweepInputs<T>(kLarge / 2, seed);
  std::mt19937_64 rng(seed);
  std::shuffle(sweep.begin(), sweep.end(), rng);
  sweep.resize(std::min(sweep.size(), kLarge / 2));
  std::uniform_real_distribution<double> mid(-12.0, 12.0);
  while (sweep.size() < kLarge) sweep.push_back(static_cast<T>(mid(rng)));
  return sweep;
}

template <typename T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b, size_t* first_difference) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) {
      *first_difference = i;
      return false;
    }
  }
  return a.size() == b.size();
}

// Everything one call computes, for one thread count. The spans start one element into their
// buffers so that range boundaries are not aligned to the inputs.
template <typename T>
struct Results {
  std::vector<T> y, dx, dx_from_y;
  double param_grad = 0;
};

template <typename T>
Results<T> Compute(Op op, const Params& p, const std::vector<T>& x, const std::vector<T>& dy,
                   int threads) {
  ThreadCount count(threads);
  const size_t n = x.size() - 1;
  Results<T> r;
  r.y.assign(x.size(), T(0));
  r.dx.assign(x.size(), T(0));
  forward(op, std::span<const T>(x).subspan(1), std::span<T>(r.y).subspan(1), p);
  double* g = (info(op).flags & kParamGrad) ? &r.param_grad : nullptr;
  backward(op, std::span<const T>(x).subspan(1), std::span<const T>(dy).subspan(1),
           std::span<T>(r.dx).subspan(1), p, g);
  if (info(op).flags & kFromY) {
    r.dx_from_y.assign(x.size(), T(0));
    backward_from_y(op, std::span<const T>(r.y).subspan(1, n), std::span<const T>(dy).subspan(1),
                    std::span<T>(r.dx_from_y).subspan(1), p);
  }
  return r;
}

template <typename T>
void ExpectSameOnThreads(Op op, const Params& p) {
  const std::vector<T> x = LargeInputs<T>(7);
  const std::vector<T> dy = LargeInputs<T>(11);
  const Results<T> one = Compute(op, p, x, dy, 1);
  for (int threads : {2, 3, 8}) {
    const Results<T> many = Compute(op, p, x, dy, threads);
    size_t at = 0;
    EXPECT_TRUE(SameBits(one.y, many.y, &at))
        << name(op) << " forward on " << threads << " threads differs at " << at;
    EXPECT_TRUE(SameBits(one.dx, many.dx, &at))
        << name(op) << " backward on " << threads << " threads differs at " << at;
    EXPECT_TRUE(SameBits(one.dx_from_y, many.dx_from_y, &at))
        << name(op) << " backward_from_y on " << threads << " threads differs at " << at;
    EXPECT_EQ(std::memcmp(&one.param_grad, &many.param_grad, sizeof(double)), 0)
        << name(op) << " parameter gradient on " << threads << " threads: " << many.param_grad
        << " vs " << one.param_grad;
  }
}

class EveryOp : public testing::TestWithParam<Op> {};

TEST_P(EveryOp, Float32SameAsOneThread) {
  for (const Params& p : ref::TestParams(GetParam())) ExpectSameOnThreads<float>(GetParam(), p);
}

TEST_P(EveryOp, Float64SameAsOneThread) {
  for (const Params& p : ref::TestParams(GetParam())) ExpectSameOnThreads<double>(GetParam(), p);
}

std::vector<Op> AllOps() {
  std::vector<Op> ops;
  for (const OpInfo& o : all_ops()) ops.push_back(o.op);
  return ops;
}

INSTANTIATE_TEST_SUITE_P(Threads, EveryOp, testing::ValuesIn(AllOps()),
                         [](const testing::TestParamInfo<Op>& i) {
                           return std::string(name(i.param));
                         });

// rrelu's training slopes are a function of the element's index: a split must pass offsets.
TEST(Threads, RreluTrainingSameAsOneThread) {
  ExpectSameOnThreads<float>(Op::rrelu, {{"training", 1}, {"seed", 42}});
  ExpectSameOnThreads<double>(Op::rrelu, {{"training", 1}, {"seed", 42}});
}

TEST(Threads, RreluTrainingSlopesFollowTheIndex) {
  // The same element at the same index gets the same slope, whatever the array around it.
  std::vector<float> x(kLarge, -1.0f), y(kLarge), y_short(1000);
  ThreadCount count(4);
  forward(Op::rrelu, x, y, {{"training", 1}, {"seed", 3}});
  forward(Op::rrelu, std::span<const float>(x).first(1000), y_short,
          {{"training", 1}, {"seed", 3}});
  for (size_t i = 0; i < y_short.size(); ++i) ASSERT_EQ(y[i], y_short[i]) << i;
  // And the slopes vary, within [lower, upper].
  EXPECT_NE(y[0], y[kLarge - 1]);
  for (float v : y) ASSERT_TRUE(v <= -0.125f && v >= -1.0f / 3.0f) << v;
}

TEST(Threads, PreluPerChannelSameAsOneThread) {
  for (size_t inner : {size_t{1}, size_t{300}, size_t{70000}}) {
    const size_t channels = 3;
    const size_t n = (kLarge / (channels * inner) + 1) * channels * inner;
    // Finite inputs, so that the slope gradients are numbers whose rounding can differ.
    std::mt19937_64 rng(inner);
    std::uniform_real_distribution<float> uniform(-8.0f, 8.0f);
    std::vector<float> x(n), dy(n);
    for (float& v : x) v = uniform(rng);
    for (float& v : dy) v = uniform(rng);
    const std::vector<float> w = {0.25f, -0.5f, 2.0f};
    std::vector<float> y1(n), yn(n), dx1(n), dxn(n);
    std::vector<double> dw1(channels), dwn(channels);
    {
      ThreadCount count(1);
      prelu(x, y1, w, inner);
      prelu_backward(x, dy, dx1, w, inner, dw1);
    }
    {
      ThreadCount count(3);
      prelu(x, yn, w, inner);
      prelu_backward(x, dy, dxn, w, inner, dwn);
    }
    size_t at = 0;
    EXPECT_TRUE(SameBits(y1, yn, &at)) << "inner " << inner << " at " << at;
    EXPECT_TRUE(SameBits(dx1, dxn, &at)) << "inner " << inner << " at " << at;
    for (size_t c = 0; c < channels; ++c) EXPECT_EQ(dw1[c], dwn[c]) << "inner " << inner;
    EXPECT_NE(dw1[0], 0.0);
  }
}

TEST(ParallelFor, CoversEveryIndexOnce) {
  ThreadCount count(3);
  for (size_t n : {size_t{0}, size_t{1}, size_t{99}, size_t{100}, size_t{250}, size_t{100003}}) {
    for (size_t grain : {size_t{0}, size_t{1}, size_t{50}, size_t{1000}}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> calls{0};
      detail::ParallelFor(n, grain, [&](size_t b, size_t e) {
        ++calls;
        EXPECT_LT(b, e);
        EXPECT_LE(e, n);
        if (n >= grain && e - b < grain) ADD_FAILURE() << "range of " << e - b << " < " << grain;
        for (size_t i = b; i < e; ++i) ++hits[i];
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << "n " << n << " grain " << grain;
      if (n == 0) {
        EXPECT_EQ(calls, 0);
      } else if (n < 2 * std::max<size_t>(grain, 1)) {
        EXPECT_EQ(calls, 1);
      }
    }
  }
}

TEST(ParallelFor, UsesSeveralThreadsOnLargeCalls) {
  ThreadCount count(2);
  std::mutex mu;
  std::set<std::thread::id> ids;
  // Retried: the worker may be descheduled on a busy machine and leave every range to the caller.
  for (int attempt = 0; attempt < 100 && ids.size() < 2; ++attempt) {
    detail::ParallelFor(64, 1, [&](size_t, size_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    });
  }
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelFor, OneThreadStaysOnTheCaller) {
  ThreadCount count(1);
  std::atomic<int> elsewhere{0};
  const auto caller = std::this_thread::get_id();
  detail::ParallelFor(1000, 1, [&](size_t, size_t) {
    if (std::this_thread::get_id() != caller) ++elsewhere;
  });
  EXPECT_EQ(elsewhere, 0);
}

TEST(ParallelFor, NestedAndConcurrentCallersComplete) {
  ThreadCount count(4);
  std::vector<float> x = LargeInputs<float>(3), expected(x.size());
  {
    ThreadCount one(1);
    forward(Op::gelu, x, expected);
  }
  set_num_threads(4);
  // Two threads call at once; a call that finds the workers busy runs on its own thread.
  std::vector<std::vector<float>> out(4, std::vector<float>(x.size()));
  std::vector<std::thread> callers;
  for (auto& o : out) callers.emplace_back([&x, &o] { forward(Op::gelu, x, o); });
  for (auto& t : callers) t.join();
  size_t at = 0;
  for (const auto& o : out) EXPECT_TRUE(SameBits(o, expected, &at)) << at;
  // A parallel call from inside a parallel range.
  std::atomic<size_t> total{0};
  detail::ParallelFor(8, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      detail::ParallelFor(1000, 10, [&](size_t b2, size_t e2) { total += e2 - b2; });
    }
  });
  EXPECT_EQ(total, 8000u);
}

// A forked child has none of the parent's worker threads: it must not wait for them.
TEST(Threads, ForkedChildComputes) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot start threads after a multi-threaded fork";
#endif
  ThreadCount count(2);
  std::vector<float> x = LargeInputs<float>(9), y(x.size()), expected(x.size());
  forward(Op::sigmoid, x, expected);  // the parent's pool now exists
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(20);  // a hang ends the child with SIGALRM instead of blocking the test
    forward(Op::sigmoid, x, y);
    size_t at = 0;
    _exit(SameBits(y, expected, &at) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(NumThreads, ParsesTheEnvironmentVariable) {
  EXPECT_EQ(detail::ParseNumThreads(nullptr), detail::HardwareThreads());
  EXPECT_EQ(detail::ParseNumThreads(""), detail::HardwareThreads());
  EXPECT_EQ(detail::ParseNumThreads("1"), 1);
  EXPECT_EQ(detail::ParseNumThreads("2"), 2);
  EXPECT_EQ(detail::ParseNumThreads("64"), 64);
  EXPECT_EQ(detail::ParseNumThreads("1024"), 1024);
  for (const char* bad :
       {"0", "-1", "+2", " 2", "2 ", "two", "3x", "1.5", "1025", "99999999999999999999999"}) {
    try {
      detail::ParseNumThreads(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("activ: ACTIV_NUM_THREADS must be a whole number from 1 to 1024 (or "
                            "unset, for every hardware thread), got '") +
                    bad + "'");
    }
  }
}

TEST(NumThreads, SetAndRestore) {
  set_num_threads(3);
  EXPECT_EQ(num_threads(), 3);
  set_num_threads(1);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(0);
  EXPECT_EQ(num_threads(), detail::ParseNumThreads(std::getenv("ACTIV_NUM_THREADS")));
  try {
    set_num_threads(-1);
    ADD_FAILURE() << "accepted -1";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "activ::set_num_threads: n must be from 1 to 1024, or 0 for the default; got -1");
  }
  EXPECT_THROW(set_num_threads(1025), Error);
  EXPECT_EQ(num_threads(), detail::ParseNumThreads(std::getenv("ACTIV_NUM_THREADS")));
}

// Run by ctest with ACTIV_NUM_THREADS set (tests/CMakeLists.txt): the variable decides the
// default count, and a bad value makes every call fail with the message, before any output.
TEST(NumThreadsEnvironment, Honoured) {
  const char* value = std::getenv("ACTIV_NUM_THREADS");
  if (value == nullptr) GTEST_SKIP() << "ACTIV_NUM_THREADS is not set";
  EXPECT_EQ(num_threads(), std::atoi(value));
}

TEST(NumThreadsEnvironment, BadValueIsAnError) {
  const char* value = std::getenv("ACTIV_NUM_THREADS");
  if (value == nullptr) GTEST_SKIP() << "ACTIV_NUM_THREADS is not set";
  EXPECT_THROW(num_threads(), Error);
  std::vector<float> x(kLarge, 1.0f), y(kLarge, 7.0f);
  EXPECT_THROW(forward(Op::sigmoid, x, y), Error);
  EXPECT_EQ(y, std::vector<float>(kLarge, 7.0f));
}

}  // namespace
}  // namespace activ
