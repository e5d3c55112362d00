// Helpers shared by the binding files of the Python module activ._activ: turning NumPy arrays
// into spans the kernels can run on, and the checks that go with it. Every check throws
// activ::Error (activ.Error in Python, a ValueError) with a message naming the function, the
// argument and what is accepted, before anything is written.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <activ/activ.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace activ::python {

namespace py = pybind11;

[[noreturn]] void Fail(const std::string& message);

enum class DType { kFloat32, kFloat64, kFloat16, kBFloat16 };
// What arrays of 2-byte integers hold, as the caller says: NumPy has no bfloat16, so activ.torch
// passes a 16-bit tensor's raw bits (t.view(torch.int16).numpy()) and names their type. kNone:
// integer arrays are refused like any other non-float dtype.
enum class Storage { kNone, kFloat16, kBFloat16 };
// Kernels read and write flat runs of elements: every array of one call is dense in one memory
// order, C (row-major) or Fortran. kAny takes the order of `out`, or of the first input.
enum class Order { kAny, kC };

using Shape = std::vector<py::ssize_t>;

// `obj` as an ndarray; a NumPy scalar becomes an array of no dimension. Anything else fails.
py::array ToArray(const std::string& fn, const char* what, py::handle obj);
// float32 or float64 in the machine's byte order; anything else fails with the dtype it has
// (for the arrays that have no 16-bit kernel: prelu's per-channel weight).
DType DTypeOf(const std::string& fn, const char* what, const py::array& a);
// The kernels' types: DTypeOf's, float16 arrays, and int16/uint16 arrays read as `storage`
// bits (the element-wise, row-wise and gated functions all take them).
DType ElementDTypeOf(const std::string& fn, const char* what, const py::array& a, Storage storage);
// None, "float16" or "bfloat16".
Storage StorageOf(const std::string& fn, py::handle storage);
bool Is16Bit(DType t);
// "float32", "float64", "float16" or "bfloat16".
const char* DTypeName(DType t);
// "float32", ...; for raw bits, "bfloat16 bits (int16)".
std::string DTypeText(const py::array& a, DType t);
Shape ShapeOf(const py::array& a);
std::string ShapeText(const Shape& shape);
// `a` must have the dtype (as ElementDTypeOf reads it with `storage`) and the shape of `like`
// (named `like_what` in the message).
void CheckLike(const std::string& fn, const char* what, const py::array& a, const char* like_what,
               const py::array& like, Storage storage);
void CheckShape(const std::string& fn, const char* what, const py::array& a, const char* like_what,
                const py::array& like);

// The array to write the result to: `out` when given (it must be an ndarray of `dtype` and
// `shape`, writeable, and dense in an order `order` allows: a non-contiguous `out` is refused,
// never written through a copy), else a new array in the memory order of `order_of` (bfloat16
// results come as uint16 bits). `storage` says what an integer `out` holds.
py::array Output(const std::string& fn, const char* what, py::handle out, DType dtype,
                 const Shape& shape, Order order, const py::array& order_of,
                 Storage storage = Storage::kNone);
// `in` laid out like `out`: the same array when it is dense in out's memory order and does not
// partly overlap it (in place, in == out of one element size, is fine), else a copy in that
// order.
py::array InputLike(const py::array& in, const py::array& out);

// Parameter values by name, as activ checks them (unknown names, domains) when the call runs.
Params ToParams(const std::string& fn, const py::dict& params);

// The accuracy= argument: "faithful" or "fast"; anything else fails naming both.
Accuracy AccuracyOf(const std::string& fn, py::handle accuracy);

// f(T{}) for the element type T of `t`: float, double, float16 or bfloat16.
template <class F>
decltype(auto) ByType(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      return f(double{});
    case DType::kFloat16:
      return f(float16{});
    case DType::kBFloat16:
      break;
  }
  return f(bfloat16{});
}

template <typename T>
std::span<const T> In(const py::array& a) {
  return {static_cast<const T*>(a.data()), static_cast<std::size_t>(a.size())};
}
template <typename T>
std::span<T> Out(py::array& a) {
  return {static_cast<T*>(a.mutable_data()), static_cast<std::size_t>(a.size())};
}

// The row-wise and gated functions (python/rowwise_bindings.cc, built with the CMake option
// ACTIV_PYTHON_ROWWISE).
void BindRowwise(py::module_& m);

}  // namespace activ::python
