// Uses an installed activ through its public header only: a typed call, the runtime entry points
// by name, backward, and the error for an unknown name. Each result is compared with <cmath>.
// Exits 1 with a message naming what was wrong.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <activ/activ.h>

namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  if (ok) return;
  if (++failures <= 10) std::fprintf(stderr, "FAIL: %s\n", what.c_str());
}

std::string Str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

// float32 results are faithfully rounded; 1e-6 relative (plus a tiny absolute floor) is loose
// enough for that and tight enough to catch a wrong function.
bool Close(double got, double want) {
  return std::fabs(got - want) <= 1e-6 * std::fabs(want) + 1e-30;
}

void CheckArray(const char* what, const std::vector<float>& x, const std::vector<float>& got,
                double (*want)(double)) {
  for (size_t i = 0; i < x.size(); ++i) {
    const double w = want(x[i]);
    Check(Close(got[i], w),
          std::string(what) + "(" + Str(x[i]) + ") = " + Str(got[i]) + ", expected " + Str(w));
  }
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double Silu(double x) { return x * Sigmoid(x); }
double SiluDerivative(double x) { return Sigmoid(x) * (1.0 + x * (1.0 - Sigmoid(x))); }

}  // namespace

int main() {
  // 19 elements: more than one vector on every target, with a tail.
  std::vector<float> x;
  for (int i = 0; i < 19; ++i) x.push_back(-4.5f + 0.5f * static_cast<float>(i));

  std::vector<float> y(x.size());
  activ::gelu(x, y);
  CheckArray("activ::gelu", x, y, Gelu);

  const activ::Op silu = activ::op_from_name("silu");
  Check(activ::name(silu) == "silu",
        "op_from_name(\"silu\") returned " + std::string(activ::name(silu)));
  Check(activ::op_from_name("swish") == silu, "the alias swish does not name silu");
  activ::forward(silu, x, y);
  CheckArray("activ::forward(silu)", x, y, Silu);

  const std::vector<float> dy(x.size(), 1.0f);
  std::vector<float> dx(x.size());
  activ::backward(silu, x, dy, dx);
  CheckArray("activ::backward(silu)", x, dx, SiluDerivative);

  try {
    activ::op_from_name("nope");
    Check(false, "op_from_name(\"nope\") did not throw");
  } catch (const activ::Error& e) {
    const std::string msg = e.what();
    Check(msg.find("nope") != std::string::npos && msg.find("gelu") != std::string::npos &&
              msg.find("silu") != std::string::npos,
          "the error for \"nope\" should name it and list the valid names, got: " + msg);
  }

  if (failures) {
    std::fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  std::printf("consumer: activ %s on %s: all checks passed\n",
              std::string(activ::version()).c_str(), std::string(activ::simd_target()).c_str());
  return 0;
}
