"""Builds the Python package activ with the project's CMake, for pip:

    /usr/bin/python3 -m pip install --no-build-isolation .      # or: pip wheel --no-deps ...

The extension activ._activ is the CMake target _activ (python/CMakeLists.txt), configured here
with only the Python module on and libactiv linked statically; the type stubs CMake generates
from the registry go beside it. Shared libraries the module needs beyond the C and C++ runtimes
(Highway's libhwy.so.1) are copied into activ/_libs/, which the module's RUNPATH ($ORIGIN/_libs)
names, so that a wheel installs on a machine without them.

Environment:
  ACTIV_CMAKE_BUILD_DIR  an existing CMake build of this project with the Python module on: pip
                         builds the target _activ there (nothing when it is up to date) instead of
                         configuring its own; setuptools' own files go under it too.
  CMAKE_BUILD_PARALLEL_LEVEL  jobs for the build (default: every CPU).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
REUSE = os.environ.get("ACTIV_CMAKE_BUILD_DIR")
# setuptools' build folder: build/ is the project's usual CMake build, so a folder inside it (or
# inside the reused build), never a new top-level one in the source tree.
BUILD_BASE = os.path.join(os.path.abspath(REUSE), "python", "pip") if REUSE else os.path.join(
    "build", "pip")

# Libraries every Linux system with this Python has (the C and C++ runtimes; as in manylinux's
# policy): never copied into the package.
SYSTEM_LIBS = re.compile(r"^(linux-vdso|ld-linux[-\w]*|libc|libm|libdl|libpthread|librt|libutil|"
                         r"libstdc\+\+|libgcc_s)\.so(\.\d+)*$")


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(activ\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise RuntimeError("CMakeLists.txt: no project(activ VERSION ...)")
    return m.group(1)


def run(cmd, **kw):
    print("activ setup.py:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


class CMakeBuild(build_ext):
    """build_ext that builds activ._activ with CMake and places the stubs and the libraries."""

    def build_extension(self, ext):
        if REUSE:
            build_dir = os.path.abspath(REUSE)
            if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
                raise RuntimeError(f"ACTIV_CMAKE_BUILD_DIR={REUSE} is not a CMake build folder")
        else:
            build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
            self.configure(build_dir)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        run(["cmake", "--build", build_dir, "--target", "_activ", "--parallel", jobs])

        built = os.path.join(build_dir, "python", "activ")
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        module = os.path.join(built, "_activ" + suffix)
        if not os.path.exists(module):
            found = glob.glob(os.path.join(built, "_activ*.so"))
            raise RuntimeError(f"no {module} (found {found}): the CMake build is for another "
                               f"Python than {sys.executable} (ACTIV_PYTHON_EXECUTABLE)")
        dest = self.get_ext_fullpath(ext.name)
        package = os.path.dirname(dest)
        os.makedirs(package, exist_ok=True)
        shutil.copyfile(module, dest)
        for stub in glob.glob(os.path.join(built, "*.pyi")):
            shutil.copyfile(stub, os.path.join(package, os.path.basename(stub)))
        self.bundle_libraries(dest, os.path.join(package, "_libs"))

    def configure(self, build_dir):
        cmd = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
               "-DBUILD_SHARED_LIBS=OFF", "-DACTIV_BUILD_PYTHON=ON",
               f"-DACTIV_PYTHON_EXECUTABLE={sys.executable}", "-DACTIV_BUILD_TESTS=OFF",
               "-DACTIV_BUILD_TOOLS=OFF", "-DACTIV_BUILD_LAB=OFF", "-DACTIV_BUILD_CLI=OFF",
               "-DACTIV_BUILD_BENCH=OFF",
               # No path of this machine in the binary (assertion messages carry __FILE__);
               # given here, CMAKE_CXX_FLAGS would otherwise drop the environment's CXXFLAGS.
               f"-DCMAKE_CXX_FLAGS={os.environ.get('CXXFLAGS', '')} "
               f"-ffile-prefix-map={ROOT}=activ -ffile-prefix-map={build_dir}=build"]
        if shutil.which("ninja"):
            cmd += ["-G", "Ninja"]
        run(cmd)

    @staticmethod
    def bundle_libraries(module, libs_dir):
        """Copies the module's non-system shared libraries (ldd: direct and indirect) into
        libs_dir, and checks that the module finds them there and nowhere else by path."""
        shutil.rmtree(libs_dir, ignore_errors=True)
        out = subprocess.run(["ldd", module], check=True, capture_output=True, text=True).stdout
        copied = []
        for line in out.splitlines():
            m = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
            if not m or SYSTEM_LIBS.match(m.group(1)):
                continue
            name, path = m.groups()
            if path == "not":
                raise RuntimeError(f"{module} needs {name}, which is not found")
            os.makedirs(libs_dir, exist_ok=True)
            shutil.copyfile(os.path.realpath(path), os.path.join(libs_dir, name))
            copied.append(name)
        dyn = subprocess.run(["readelf", "-d", module], check=True, capture_output=True,
                             text=True).stdout
        paths = re.findall(r"\((?:RPATH|RUNPATH)\)\s+Library r(?:un)?path: \[(.*)\]", dyn)
        if copied and paths != ["$ORIGIN/_libs"]:
            raise RuntimeError(f"{module}: search path {paths}, not [$ORIGIN/_libs]: the "
                               f"bundled {copied} would not be found (python/CMakeLists.txt)")
        if any(p.startswith("/") for ps in paths for p in ps.split(":")):
            raise RuntimeError(f"{module}: an absolute search path {paths} (a build folder?)")
        print(f"activ setup.py: bundled {copied or 'nothing'} into {libs_dir}", flush=True)

EGG_BASE = os.path.dirname(BUILD_BASE) if REUSE else "build"
os.makedirs(EGG_BASE, exist_ok=True)

setup(
    version=project_version(),
    packages=["activ"],
    package_dir={"activ": "python/activ"},
    package_data={"activ": ["py.typed"]},
    ext_modules=[Extension("activ._activ", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE},
             "egg_info": {"egg_base": EGG_BASE}},
    zip_safe=False,
)
