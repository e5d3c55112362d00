# Finds what the Python module needs, for the interpreter named by ACTIV_PYTHON_EXECUTABLE
# (Debian's /usr/bin/python3, which has numpy, torch and pybind11; another python3 first on PATH
# must not be taken). Sets ACTIV_PYTHON_FOUND, the default of the option ACTIV_BUILD_PYTHON, and
# ACTIV_PYTHON_MISSING, what was not found. Included by the top-level CMakeLists.txt.
set(ACTIV_PYTHON_EXECUTABLE /usr/bin/python3 CACHE FILEPATH
    "The Python interpreter the module activ is built for")
set(ACTIV_PYTHON_FOUND OFF)
set(ACTIV_PYTHON_MISSING "")
if(NOT DEFINED ACTIV_BUILD_PYTHON OR ACTIV_BUILD_PYTHON)
  # FindPython3 takes the interpreter it is given and searches no further.
  set(Python3_EXECUTABLE ${ACTIV_PYTHON_EXECUTABLE})
  find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
  if(Python3_FOUND)
    # With Python3 found, pybind11's config uses that interpreter (its FindPython mode).
    find_package(pybind11 CONFIG QUIET)
  endif()
  if(NOT Python3_Interpreter_FOUND)
    set(ACTIV_PYTHON_MISSING "the interpreter ${ACTIV_PYTHON_EXECUTABLE}")
  elseif(NOT Python3_Development.Module_FOUND)
    set(ACTIV_PYTHON_MISSING "the headers of ${ACTIV_PYTHON_EXECUTABLE} (python3-dev)")
  elseif(NOT pybind11_FOUND)
    set(ACTIV_PYTHON_MISSING "pybind11 (pybind11-dev)")
  elseif(ACTIV_SANITIZE)
    # An instrumented module cannot be loaded into an uninstrumented interpreter.
    set(ACTIV_PYTHON_MISSING "a build without ACTIV_SANITIZE")
  else()
    set(ACTIV_PYTHON_FOUND ON)
  endif()
endif()
