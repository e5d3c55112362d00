// The checks of the public entry points (src/api/), written once: array sizes, row views, the
// overlap of an output with an input, and parameter domains. Each throws Error with a message
// that names the call and the argument; every call makes all of its checks before it writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "activ/activ.h"
#include "activ/rowwise.h"

namespace activ::detail {

// The accuracy of a call's options, checked once at the entry point: a value outside the enum
// (a cast integer) throws rather than reaching the kernels.
inline Accuracy CheckAccuracy(std::string_view fn, Accuracy accuracy) {
  if (accuracy != Accuracy::faithful && accuracy != Accuracy::fast) {
    throw Error(std::string(fn) + ": options.accuracy is " +
                std::to_string(static_cast<unsigned>(accuracy)) +
                ", not an activ::Accuracy; accepted: faithful, fast");
  }
  return accuracy;
}

// "[rows, cols]"
inline std::string Shape(std::size_t rows, std::size_t cols) {
  // Appended, not "[" + ...: inlined here, GCC 12 warns of a false -Wrestrict overlap in that.
  std::string s = "[";
  s.append(std::to_string(rows)).append(", ").append(std::to_string(cols)).append("]");
  return s;
}

// Every size equals the first: "<fn>: x has 3 elements but y has 4". `fn` names the call
// ("activ::gated", "activ::forward(relu)").
inline void CheckSizes(std::string_view fn,
                       std::initializer_list<std::pair<const char*, std::size_t>> sizes) {
  const auto& first = *sizes.begin();
  for (const auto& [what, n] : sizes) {
    if (n != first.second) {
      throw Error(std::string(fn) + ": " + first.first + " has " + std::to_string(first.second) +
                  " elements but " + what + " has " + std::to_string(n));
    }
  }
}

template <typename T>
void CheckView(const std::string& fn, const char* what, const Rows<T>& v) {
  if (v.rows > 1 && v.stride < v.cols) {
    throw Error(fn + ": " + what + " has a row stride of " + std::to_string(v.stride) +
                " elements, less than its " + std::to_string(v.cols) + " columns");
  }
  if (v.data == nullptr && v.rows > 0 && v.cols > 0) {
    throw Error(fn + ": " + what + " is " + Shape(v.rows, v.cols) + " but its data is null");
  }
}

template <typename A, typename B>
void CheckSameShape(const std::string& fn, const char* a_name, const Rows<A>& a, const char* b_name,
                    const Rows<B>& b) {
  if (a.rows != b.rows || a.cols != b.cols) {
    throw Error(fn + ": " + a_name + " is " + Shape(a.rows, a.cols) + " but " + b_name + " is " +
                Shape(b.rows, b.cols));
  }
}

// An output may be the very view of an input (in place: same data and stride, each element read
// before it is written) or lie apart from it; anything between would read elements already
// overwritten. `noun` is what the message calls the inputs: the row-wise functions take views,
// the gated units arrays.
template <typename T>
void CheckAlias(const std::string& fn, const char* in_name, const Rows<const T>& in,
                const char* out_name, const Rows<T>& out, const char* noun = "view") {
  if (in.rows == 0 || in.cols == 0 || out.rows == 0 || out.cols == 0) return;
  auto extent = [](const auto& v) {
    const auto begin = reinterpret_cast<std::uintptr_t>(v.data);
    return std::pair(begin, begin + ((v.rows - 1) * v.stride + v.cols) * sizeof(T));
  };
  const auto [a0, a1] = extent(in);
  const auto [b0, b1] = extent(out);
  const bool same_view = in.data == out.data && (in.stride == out.stride || in.rows == 1);
  if (a0 < b1 && b0 < a1 && !same_view) {
    throw Error(fn + ": " + out_name + " overlaps " + in_name + " without being the same " + noun +
                "; in place needs the same data and row stride");
  }
}

// A parameter's value against its domain in the registry (src/api/registry.cc).
void CheckDomain(const OpInfo& o, const ParamInfo& p, double v);
// The shortest text that reads back as the same double.
std::string Num(double v);

}  // namespace activ::detail
