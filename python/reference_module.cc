// The test-only module _activ_reference: the long double reference of reference/ (kept apart from
// the kernels) and its ULP measures, for the Python tests that compare activ and PyTorch. Where
// the two disagree, these say which one is right. Built with the tests, never installed.
#include <cmath>
#include <cstddef>
#include <string>

#include <activ/activ.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "measure.h"
#include "reference.h"
#include "ulp.h"

namespace {

namespace py = pybind11;
using activ::Op;

template <typename T>
using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;

// The resolved parameters, rounded to T as the kernels see them.
template <typename T>
activ::ResolvedParams Resolved(Op op, const py::dict& params) {
  activ::Params p;
  for (auto [k, v] : params) p.set(py::str(k).cast<std::string>(), v.template cast<double>());
  activ::ResolvedParams r = activ::resolve(op, p);
  for (double& v : r.value) v = static_cast<double>(static_cast<T>(v));
  return r;
}

template <typename T>
void CheckSize(const Array<T>& a, const Array<T>& b) {
  if (a.size() != b.size()) throw activ::Error("_activ_reference: arrays of different sizes");
}

// The error of `got` against f(x), in ULP of T (accuracy/ulp.h's UlpError).
template <typename T>
py::array_t<double> ForwardError(const std::string& name, const Array<T>& x, const Array<T>& got,
                                 const py::dict& params) {
  CheckSize(x, got);
  const Op op = activ::op_from_name(name);
  const activ::ResolvedParams r = Resolved<T>(op, params);
  py::array_t<double> err(x.size());
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    err.mutable_data()[i] =
        activ::ref::UlpError<T>(got.data()[i], activ::ref::forward(op, x.data()[i], r.value));
  }
  return err;
}

// The error of `got` against dy * f'(x) under the spec's backward bound: in ULP beyond its
// second term 2^-p |dy x f''(x)| (accuracy/measure.h's BackwardSlack; from_y adds what the
// rounding of y changes, for backward_from_y results).
template <typename T>
py::array_t<double> BackwardError(const std::string& name, const Array<T>& x, const Array<T>& dy,
                                  const Array<T>& got, const py::dict& params, bool from_y) {
  CheckSize(x, got);
  CheckSize(x, dy);
  const Op op = activ::op_from_name(name);
  const activ::ResolvedParams r = Resolved<T>(op, params);
  const auto dir =
      from_y ? activ::ref::Direction::kBackwardFromY : activ::ref::Direction::kBackward;
  py::array_t<double> err(x.size());
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    const long double d = dy.data()[i], xi = x.data()[i];
    const long double exact = d * activ::ref::derivative(op, xi, r.value);
    const long double slack = activ::ref::BackwardSlack<T>(op, dir, xi, d, r.value);
    err.mutable_data()[i] = activ::ref::BackwardError<T>(got.data()[i], exact, slack);
  }
  return err;
}

// f(x) or f'(x) in long double, rounded to double, for reports.
template <typename T>
py::array_t<double> Reference(const std::string& name, const Array<T>& x, const py::dict& params,
                              bool derivative) {
  const Op op = activ::op_from_name(name);
  const activ::ResolvedParams r = Resolved<T>(op, params);
  py::array_t<double> out(x.size());
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    const long double v = derivative ? activ::ref::derivative(op, x.data()[i], r.value)
                                     : activ::ref::forward(op, x.data()[i], r.value);
    out.mutable_data()[i] = static_cast<double>(v);
  }
  return out;
}

// sum(dy * df/dp[0]) in long double: the gradient of prelu's weight or silu's beta.
template <typename T>
double ParamGrad(const std::string& name, const Array<T>& x, const Array<T>& dy,
                 const py::dict& params) {
  CheckSize(x, dy);
  const Op op = activ::op_from_name(name);
  const activ::ResolvedParams r = Resolved<T>(op, params);
  long double sum = 0;
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    sum += dy.data()[i] * activ::ref::param_derivative(op, x.data()[i], r.value);
  }
  return static_cast<double>(sum);
}

template <typename T>
void Bind(py::module_& m) {
  m.def("forward_error", &ForwardError<T>, py::arg("name"), py::arg("x").noconvert(),
        py::arg("got").noconvert(), py::arg("params") = py::dict());
  m.def("backward_error", &BackwardError<T>, py::arg("name"), py::arg("x").noconvert(),
        py::arg("dy").noconvert(), py::arg("got").noconvert(), py::arg("params") = py::dict(),
        py::arg("from_y") = false);
  m.def("reference", &Reference<T>, py::arg("name"), py::arg("x").noconvert(),
        py::arg("params") = py::dict(), py::arg("derivative") = false);
  m.def("param_grad", &ParamGrad<T>, py::arg("name"), py::arg("x").noconvert(),
        py::arg("dy").noconvert(), py::arg("params") = py::dict());
}

}  // namespace

PYBIND11_MODULE(_activ_reference, m) {
  m.doc() = "activ's long double reference and ULP measures, for the tests.";
  py::register_local_exception<activ::Error>(m, "Error", PyExc_ValueError);
  // The overloads are tried in order; noconvert keeps a float32 array from matching double.
  Bind<float>(m);
  Bind<double>(m);
}
