# Included by tests/CMakeLists.txt: installs the build into a scratch prefix and builds a consumer
# project against it, with find_package and with pkg-config (see tests/install/run.sh). The
# consumer gets the library's compiler, and its sanitizer flags, since the library is static.
add_test(NAME install_consumer
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install/run.sh ${PROJECT_SOURCE_DIR}
                 ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR}/install_work)
set(_activ_install_env "CXX=${CMAKE_CXX_COMPILER}")
if(ACTIV_SANITIZE)
  list(APPEND _activ_install_env "CXXFLAGS=-fsanitize=${ACTIV_SANITIZE}"
       "LDFLAGS=-fsanitize=${ACTIV_SANITIZE}")
endif()
set_tests_properties(install_consumer PROPERTIES LABELS install
                                                 ENVIRONMENT "${_activ_install_env}")
unset(_activ_install_env)
