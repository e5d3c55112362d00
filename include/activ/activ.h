// activ: activation functions of neural networks, forward and backward, in float32 and float64,
// and in bfloat16 and float16 storage.
//
// Every function of include/activ/ops.def is available three ways:
//   activ::gelu(x, y);                             typed call on spans (y may alias x)
//   activ::forward(activ::Op::gelu, x, y);         runtime entry point by operation
//   activ::forward(activ::op_from_name("gelu"), x, y, params);
// and likewise `<name>_backward` / activ::backward (vector-Jacobian product dx = dy * f'(x)) and
// activ::backward_from_y for the functions whose derivative is cheaper from the output.
//
// Every entry point takes an optional last argument, activ::Options: Options{.accuracy =
// Accuracy::fast} trades the faithful rounding of the default for speed within a stated bound
// (docs/SPEC.md, Accuracy modes).
//
// Bad input (spans of different lengths, unknown names, parameters outside their domain) throws
// activ::Error; the message says what was wrong and what is accepted.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace activ {

// The one exception type of the library.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Op : std::uint8_t {
#define ACTIV_OP(name, ...) name,
#include "activ/ops.def"
};

inline constexpr std::size_t kNumOps = 0
#define ACTIV_OP(name, ...) +1
#include "activ/ops.def"
    ;

// Properties of an operation, as declared in the registry.
enum OpFlags : unsigned {
  kFromY = 1u << 0,      // backward_from_y is available
  kGates = 1u << 1,      // may be the gate of a gated linear unit
  kParamGrad = 1u << 2,  // backward can return the gradient of the first parameter
  kMonotone = 1u << 3,   // non-decreasing with the default parameters
  kOdd = 1u << 4,        // f(-x) = -f(x)
};

enum class Domain : std::uint8_t { kFinite, kPositive, kNonNegative, kNonZero, kBool, kSeed };

struct ParamInfo {
  std::string_view name;
  double default_value;  // NaN: the parameter is required
  Domain domain;
};

struct OpInfo {
  Op op;
  std::string_view name;
  unsigned flags;
  std::string_view formula;
  std::string_view range;
  double range_lo, range_hi;  // closed bounds of the range with default parameters
  std::span<const ParamInfo> params;
};

// Every operation in registry order.
std::span<const OpInfo> all_ops();
const OpInfo& info(Op op);
std::string_view name(Op op);
// Looks up a name or alias ("gelu_tanh", "swish"). Throws Error listing the valid names.
Op op_from_name(std::string_view name);

// Parameter values by name; the ones not set take the registry's default. Which names are
// accepted depends on the operation, and is checked when the operation runs.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string_view, double>> values);
  Params& set(std::string_view name, double value);
  // The value set for `name`, or nullptr.
  const double* find(std::string_view name) const;
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }

 private:
  std::vector<std::pair<std::string, double>> values_;
};

// The parameter values an operation will use: defaults filled in, everything checked.
// Throws Error for an unknown name, a missing required value or a value outside its domain.
struct ResolvedParams {
  static constexpr std::size_t kMax = 4;
  double value[kMax] = {};
};
ResolvedParams resolve(Op op, const Params& params);

// 16-bit storage types. They are computed in float32 (in fact in double, like float32) and
// rounded once to nearest-even on store; row reductions accumulate in float32 or wider.
struct bfloat16 {
  std::uint16_t bits;  // the upper half of a float32
  friend bool operator==(bfloat16, bfloat16) = default;
};
struct float16 {
  std::uint16_t bits;  // IEEE 754 binary16
  friend bool operator==(float16, float16) = default;
};
// Exact widening, and narrowing with round-to-nearest-even (NaN stays NaN, overflow gives inf).
float to_float(bfloat16 v);
float to_float(float16 v);
bfloat16 to_bfloat16(float v);
float16 to_float16(float v);

// A function with its parameters, as written in configuration files, on command lines, in the
// lab's logs and in Python: the one grammar of an activation string.
//   NAME | NAME(p=v, ...) | NAME:p=v,...
// "gelu", "elu(alpha=0.5)", "hardtanh(min_val=-2, max_val=2)"; the colon spelling
// ("elu:alpha=0.5", "threshold:threshold=1,value=0") is the lab's, accepted everywhere. NAME is a
// function of the registry (or an alias) or a gated unit (activ/gated.h: glu, swiglu, ...,
// gated_<function>); a gated unit sets `gated` and names its gate's function in `op`. Parsing
// checks the name and the parameters (names, domains) and throws Error with the position of the
// problem.
struct Activation {
  Op op = Op::identity;
  Params params;
  bool gated = false;             // act(gate) * up, with act = op
  std::string to_string() const;  // parses back to the same activation: "swiglu(beta=2)"
};
Activation parse_activation(std::string_view text);
// A comma-separated list: "relu,elu(alpha=0.5),gelu" (commas inside parentheses belong to the
// parameters, and so do the name=value items after a colon: "threshold:threshold=1,value=0,relu"
// is two entries).
std::vector<Activation> parse_activation_list(std::string_view text);
// The entries of such a list as written (trimmed), unparsed: "relu", "elu:alpha=0.5", ...
std::vector<std::string_view> split_activation_list(std::string_view text);

// The accuracy a call promises (docs/SPEC.md, Accuracy modes).
//   faithful  the default: float32 within 1 ULP forward and backward (the bounds of the spec).
//   fast      float32 (and the 16-bit types, and float32 inputs to 16-bit outputs) within 4 ULP
//             forward on every input, tails included, and within 8 ULP beyond the spec's
//             backward bound; the same NaN, infinity and limit rules. A function without a
//             fast kernel of its own (has_fast_kernel) runs its faithful one, which meets the
//             bound; float64 calls always do.
enum class Accuracy : std::uint8_t { faithful, fast };
// Per-call options of the element-wise and gated entry points (the row-wise ones take
// RowOptions, which has the same field).
struct Options {
  Accuracy accuracy = Accuracy::faithful;
};
// "faithful", "fast"; accuracy_from_name throws Error listing both for any other name.
std::string_view name(Accuracy accuracy);
Accuracy accuracy_from_name(std::string_view name);
// Whether `op` has a fast kernel of its own for float32 and the 16-bit types (on targets with
// FMA: AVX2 and up), forward or (backward = true) backward; a fast call of any other function
// or direction runs the faithful kernel.
bool has_fast_kernel(Op op, bool backward = false);

// Runtime entry points. y may alias x, dx may alias x or dy.
void forward(Op op, std::span<const float> x, std::span<float> y, const Params& params = {},
             const Options& options = {});
void forward(Op op, std::span<const double> x, std::span<double> y, const Params& params = {},
             const Options& options = {});
// dx = dy * f'(x). For ops flagged kParamGrad, *param_grad (when given) receives the gradient of
// the first parameter, sum(dy * df/dparam), accumulated in double.
void backward(Op op, std::span<const float> x, std::span<const float> dy, std::span<float> dx,
              const Params& params = {}, double* param_grad = nullptr, const Options& options = {});
void backward(Op op, std::span<const double> x, std::span<const double> dy, std::span<double> dx,
              const Params& params = {}, double* param_grad = nullptr, const Options& options = {});
void forward(Op op, std::span<const bfloat16> x, std::span<bfloat16> y, const Params& params = {},
             const Options& options = {});
void forward(Op op, std::span<const float16> x, std::span<float16> y, const Params& params = {},
             const Options& options = {});
// Mixed: float32 in (a GEMM's output), 16-bit out, without a separate conversion pass.
void forward(Op op, std::span<const float> x, std::span<bfloat16> y, const Params& params = {},
             const Options& options = {});
void forward(Op op, std::span<const float> x, std::span<float16> y, const Params& params = {},
             const Options& options = {});
void backward(Op op, std::span<const bfloat16> x, std::span<const bfloat16> dy,
              std::span<bfloat16> dx, const Params& params = {}, double* param_grad = nullptr,
              const Options& options = {});
void backward(Op op, std::span<const float16> x, std::span<const float16> dy, std::span<float16> dx,
              const Params& params = {}, double* param_grad = nullptr, const Options& options = {});
// Mixed: activations kept in 16 bits, gradients in float32.
void backward(Op op, std::span<const bfloat16> x, std::span<const float> dy, std::span<float> dx,
              const Params& params = {}, double* param_grad = nullptr, const Options& options = {});
void backward(Op op, std::span<const float16> x, std::span<const float> dy, std::span<float> dx,
              const Params& params = {}, double* param_grad = nullptr, const Options& options = {});
// dx = dy * f'(x) computed from y = f(x); only for ops flagged kFromY.
void backward_from_y(Op op, std::span<const float> y, std::span<const float> dy,
                     std::span<float> dx, const Params& params = {}, const Options& options = {});
void backward_from_y(Op op, std::span<const double> y, std::span<const double> dy,
                     std::span<double> dx, const Params& params = {}, const Options& options = {});
void backward_from_y(Op op, std::span<const bfloat16> y, std::span<const bfloat16> dy,
                     std::span<bfloat16> dx, const Params& params = {},
                     const Options& options = {});
void backward_from_y(Op op, std::span<const float16> y, std::span<const float16> dy,
                     std::span<float16> dx, const Params& params = {}, const Options& options = {});

// PReLU with one slope per channel: x is laid out [outer, channels, inner] (channels =
// weight.size(), as PyTorch's dimension 1) and inner is the product of the trailing dimensions.
void prelu(std::span<const float> x, std::span<float> y, std::span<const float> weight,
           std::size_t inner, const Options& options = {});
void prelu(std::span<const double> x, std::span<double> y, std::span<const double> weight,
           std::size_t inner, const Options& options = {});
// dweight[c] receives sum over channel c of dy * min(x, 0)... precisely: dy * x where x <= 0.
void prelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                    std::span<const float> weight, std::size_t inner, std::span<double> dweight,
                    const Options& options = {});
void prelu_backward(std::span<const double> x, std::span<const double> dy, std::span<double> dx,
                    std::span<const double> weight, std::size_t inner, std::span<double> dweight,
                    const Options& options = {});

// Typed calls, one pair per registry line: activ::gelu(x, y, params, options) and
// activ::gelu_backward(x, dy, dx, params, options).
#define ACTIV_OP(name, ...)                                                                        \
  inline void name(std::span<const float> x, std::span<float> y, const Params& p = {},             \
                   const Options& o = {}) {                                                        \
    forward(Op::name, x, y, p, o);                                                                 \
  }                                                                                                \
  inline void name(std::span<const double> x, std::span<double> y, const Params& p = {},           \
                   const Options& o = {}) {                                                        \
    forward(Op::name, x, y, p, o);                                                                 \
  }                                                                                                \
  inline void name##_backward(std::span<const float> x, std::span<const float> dy,                 \
                              std::span<float> dx, const Params& p = {}, const Options& o = {}) {  \
    backward(Op::name, x, dy, dx, p, nullptr, o);                                                  \
  }                                                                                                \
  inline void name##_backward(std::span<const double> x, std::span<const double> dy,               \
                              std::span<double> dx, const Params& p = {}, const Options& o = {}) { \
    backward(Op::name, x, dy, dx, p, nullptr, o);                                                  \
  }                                                                                                \
  inline void name(std::span<const bfloat16> x, std::span<bfloat16> y, const Params& p = {},       \
                   const Options& o = {}) {                                                        \
    forward(Op::name, x, y, p, o);                                                                 \
  }                                                                                                \
  inline void name(std::span<const float16> x, std::span<float16> y, const Params& p = {},         \
                   const Options& o = {}) {                                                        \
    forward(Op::name, x, y, p, o);                                                                 \
  }                                                                                                \
  inline void name##_backward(std::span<const bfloat16> x, std::span<const bfloat16> dy,           \
                              std::span<bfloat16> dx, const Params& p = {},                        \
                              const Options& o = {}) {                                             \
    backward(Op::name, x, dy, dx, p, nullptr, o);                                                  \
  }                                                                                                \
  inline void name##_backward(std::span<const float16> x, std::span<const float16> dy,             \
                              std::span<float16> dx, const Params& p = {},                         \
                              const Options& o = {}) {                                             \
    backward(Op::name, x, dy, dx, p, nullptr, o);                                                  \
  }
#include "activ/ops.def"

// Threads for large element-wise calls (small ones always run on the calling thread, and no
// thread is started until a call is large enough to split). The default is the environment
// variable ACTIV_NUM_THREADS, else every hardware thread the process may run on; 1 means no
// threads. set_num_threads(0) restores that default; n < 0 or n > 1024 throws Error, as does
// num_threads() when ACTIV_NUM_THREADS is not a whole number from 1 to 1024. Results never
// depend on the thread count.
void set_num_threads(int n);
int num_threads();

// The library's version, "major.minor.patch".
std::string_view version();
// The SIMD target the dispatcher chose on this CPU ("AVX2", "SSE4", ...).
std::string_view simd_target();
// Every target compiled into the library, best first.
std::vector<std::string> compiled_targets();

}  // namespace activ
