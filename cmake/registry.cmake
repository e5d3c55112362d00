# Reads the registry (include/activ/ops.def) and writes the list of kernel files the per-target
# code includes, in registry order. A registry line without its kernel file stops the configure
# step with a message that names the file to write.
function(activ_generate_kernel_list registry kernel_dir output)
  # Match only "ACTIV_OP(name": whole lines hold brackets like "[0,inf)" that CMake lists mangle.
  file(READ ${registry} text)
  string(REGEX MATCHALL "\nACTIV_OP\\([a-z0-9_]+" lines "${text}")
  set(content "// Generated from include/activ/ops.def by cmake/registry.cmake. Do not edit.\n")
  string(APPEND content "#include \"math-inl.h\"\n")
  string(APPEND content "#include \"math_f32-inl.h\"\n")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "ACTIV_OP\\(([a-z0-9_]+)" _ "${line}")
    set(name ${CMAKE_MATCH_1})
    if(NOT EXISTS ${kernel_dir}/${name}-inl.h)
      message(FATAL_ERROR "ops.def declares '${name}' but src/kernels/${name}-inl.h does not exist; "
                          "see docs/adding-an-activation.md")
    endif()
    string(APPEND content "#include \"${name}-inl.h\"\n")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${registry})
  file(CONFIGURE OUTPUT ${output} CONTENT "${content}")
endfunction()

# The names of the registry's operations, in order, into `out_var`.
function(activ_registry_names registry out_var)
  file(READ ${registry} text)
  string(REGEX MATCHALL "\nACTIV_OP\\([a-z0-9_]+" lines "${text}")
  set(names)
  foreach(line IN LISTS lines)
    string(REGEX MATCH "ACTIV_OP\\(([a-z0-9_]+)" _ "${line}")
    list(APPEND names ${CMAKE_MATCH_1})
  endforeach()
  set(${out_var} ${names} PARENT_SCOPE)
endfunction()
