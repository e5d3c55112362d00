// `activ lab`, `train` and `predict` in a build without the lab (ACTIV_BUILD_LAB=OFF, or no
// OpenBLAS): the commands exist, so the help is the same, and say why they cannot run.
#include "activ/activ.h"
#include "commands.h"

namespace activ::cli {
namespace {

[[noreturn]] void NoLab() {
  throw Error(
      "this activ was built without the lab (ACTIV_BUILD_LAB=OFF, or OpenBLAS missing); "
      "install libopenblas-dev and rebuild");
}

}  // namespace

bool TrainingArgs::Given(const char* flag) const {
  for (const std::string& g : given) {
    if (g == flag) return true;
  }
  return false;
}
int Lab(const LabArgs&) { NoLab(); }
int Train(const TrainArgs&) { NoLab(); }
int Predict(const PredictArgs&) { NoLab(); }

}  // namespace activ::cli
