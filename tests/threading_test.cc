// Multi-threaded element-wise calls: every operation, float32 and float64, forward, backward
// (with parameter gradients) and backward from y, gives bit for bit the results of one thread on
// arrays large enough to split; ParallelFor covers its range exactly once; ACTIV_NUM_THREADS and
// set_num_threads are parsed and checked; concurrent and forked callers get correct results, and
// 16 callers at once, with the thread count changing under them, get one thread's results.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
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
#include "activ/gated.h"
#include "activ/rowwise.h"
#include "activ_internal.h"
#include "inputs.h"

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

// Load: 16 application threads call forward, backward, softmax and its backward, and the gated
// units at once while another thread keeps changing set_num_threads under them. Every result
// must be bit for bit the one a lone caller on one thread computes, and every call must return
// (a deadlock hangs the test until ctest's timeout). The library has one pool per process:
// the even callers make calls large enough to split, so they contend for that shared pool (a
// caller that finds it busy runs its ranges itself); the odd callers make calls too small to
// split, which stay on their own thread and never touch the pool.
struct StressInputs {
  std::vector<float> x, dy, gate, up;  // element-wise and gated, n
  std::vector<double> xd, dyd;         // float64 backward, n
  std::vector<float> rows, drows;      // softmax, rows x cols
  std::vector<float> halves;           // gated_split, rows x 2 cols
  size_t n = 0, rows_count = 0, cols = 0;
};

struct StressOutputs {
  std::vector<float> y, sm, smdx, gout, dgate, dup, split;
  std::vector<double> dxd;
  double param_grad = 0;
};

template <typename T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool SameBits(const StressOutputs& a, const StressOutputs& b) {
  return SameBits(a.y, b.y) && SameBits(a.sm, b.sm) && SameBits(a.smdx, b.smdx) &&
         SameBits(a.gout, b.gout) && SameBits(a.dgate, b.dgate) && SameBits(a.dup, b.dup) &&
         SameBits(a.split, b.split) && SameBits(a.dxd, b.dxd) &&
         std::memcmp(&a.param_grad, &b.param_grad, sizeof(double)) == 0;
}

StressInputs MakeStressInputs(size_t n, size_t rows, size_t cols, uint64_t seed) {
  StressInputs in;
  in.n = n;
  in.rows_count = rows;
  in.cols = cols;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-6.0f, 6.0f);
  auto fill = [&](auto& v, size_t count) {
    v.resize(count);
    for (auto& e : v) e = u(rng);
  };
  fill(in.x, n);
  fill(in.dy, n);
  fill(in.gate, n);
  fill(in.up, n);
  fill(in.xd, n);
  fill(in.dyd, n);
  fill(in.rows, rows * cols);
  fill(in.drows, rows * cols);
  fill(in.halves, rows * 2 * cols);
  return in;
}

// One round of every kind of call; `calls` counts them.
StressOutputs StressRound(const StressInputs& in, std::atomic<uint64_t>& calls) {
  StressOutputs o;
  const size_t n = in.n, r = in.rows_count, c = in.cols;
  o.y.resize(n);
  forward(Op::gelu, in.x, o.y);
  o.dxd.resize(n);
  backward(Op::silu, in.xd, in.dyd, o.dxd, {{"beta", 1.5}}, &o.param_grad);
  o.sm.resize(r * c);
  o.smdx.resize(r * c);
  softmax(Rows<const float>(in.rows.data(), r, c), Rows<float>(o.sm.data(), r, c));
  softmax_backward(Rows<const float>(o.sm.data(), r, c), Rows<const float>(in.drows.data(), r, c),
                   Rows<float>(o.smdx.data(), r, c));
  o.gout.resize(n);
  o.dgate.resize(n);
  o.dup.resize(n);
  swiglu(in.gate, in.up, o.gout);
  gated_backward(Op::silu, in.gate, in.up, in.dy, o.dgate, o.dup);
  o.split.resize(r * c);
  gated_split(Op::gelu, Rows<const float>(in.halves.data(), r, 2 * c),
              Rows<float>(o.split.data(), r, c));
  calls += 7;
  return o;
}

void StressSixteenCallers(int rounds) {
  constexpr int kCallers = 16;
  std::vector<StressInputs> inputs;
  for (int t = 0; t < kCallers; ++t) {
    // Above the split threshold (2^15 elements per call) for the even callers, below for the odd.
    inputs.push_back(t % 2 == 0 ? MakeStressInputs(100003 + t, 131 + t, 513, t)
                                : MakeStressInputs(4099 + t, 7, 129 + t, t));
  }
  std::atomic<uint64_t> calls{0};
  std::vector<StressOutputs> expected;
  {
    ThreadCount one(1);
    for (const StressInputs& in : inputs) expected.push_back(StressRound(in, calls));
  }
  // Each round's results are compared at once; only mismatches are kept (gtest's assertions
  // from 16 threads would interleave).
  std::atomic<int> mismatches{0}, running{kCallers};
  std::atomic<uint64_t> stress_calls{0}, changes{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        if (!SameBits(StressRound(inputs[t], stress_calls), expected[t])) ++mismatches;
      }
      --running;
    });
  }
  // 0 is the default (every hardware thread); 16 is more threads than this machine has cores.
  const int counts[] = {2, 1, 4, 3, 16, 0, 8};
  std::set<int> used;
  for (size_t k = 0; running > 0; ++k) {
    const int n = counts[k % std::size(counts)];
    set_num_threads(n);
    used.insert(num_threads());
    ++changes;
    // Paced, so that the changes land during calls rather than taking a core from them.
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  for (auto& t : callers) t.join();
  set_num_threads(0);
  EXPECT_EQ(mismatches, 0) << "rounds whose results differ from one thread's";
  EXPECT_EQ(stress_calls, uint64_t{7} * kCallers * static_cast<uint64_t>(rounds));
  std::string counts_used;
  for (int n : used) counts_used += (counts_used.empty() ? "" : ",") + std::to_string(n);
  std::printf(
      "stress: %d callers x %d rounds = %llu calls, all bit-identical to one thread; "
      "set_num_threads changed %llu times, through %s threads\n",
      kCallers, rounds, static_cast<unsigned long long>(stress_calls.load()),
      static_cast<unsigned long long>(changes.load()), counts_used.c_str());
  testing::Test::RecordProperty("calls", std::to_string(stress_calls.load()));
}

// The short version runs everywhere, ThreadSanitizer included (label threads); the long one is
// `ctest -L slow` (tests/CMakeLists.txt).
TEST(Stress, SixteenCallersWhileThreadCountChanges) { StressSixteenCallers(3); }
TEST(Stress, DISABLED_SixteenCallersLong) { StressSixteenCallers(200); }

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
