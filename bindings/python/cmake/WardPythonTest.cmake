# ward_python_test(NAME <name> COMMAND <args...>): registers a CTest test that runs Python against the
# freshly built libward (target ward_c), with the binding in bindings/python on PYTHONPATH.
# Included by bindings/python (the binding's unit tests) and examples/python (the example app); the
# variables below are directory-scoped, so every includer runs this file.

find_package(Python3 COMPONENTS Interpreter)

cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH _ward_python_binding_dir)

set(_ward_python_test_env
  "WARD_LIBRARY=$<TARGET_FILE:ward_c>"
  "PYTHONPATH=${_ward_python_binding_dir}"
  "PYTHONDONTWRITEBYTECODE=1")
set(_ward_python_tests_disabled_reason "")

# Python is not built with AddressSanitizer, so an ASan-instrumented libward only loads into it with
# the ASan runtime preloaded; Python's own allocations would then be reported as leaks.
if("${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS} ${CMAKE_SHARED_LINKER_FLAGS}" MATCHES "-fsanitize=[^ ]*address")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(_ward_asan_runtime_name "libasan.so")
  else()
    set(_ward_asan_runtime_name "libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so")
  endif()
  execute_process(
    COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_ward_asan_runtime_name}
    OUTPUT_VARIABLE _ward_asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(IS_ABSOLUTE "${_ward_asan_runtime}" AND EXISTS "${_ward_asan_runtime}")
    list(APPEND _ward_python_test_env "LD_PRELOAD=${_ward_asan_runtime}" "ASAN_OPTIONS=detect_leaks=0")
  else()
    set(_ward_python_tests_disabled_reason
      "the ASan runtime ${_ward_asan_runtime_name} was not found to preload into Python")
  endif()
endif()

function(ward_python_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME" "COMMAND")
  if(NOT Python3_Interpreter_FOUND)
    message(STATUS "ward: Python 3 not found; test ${arg_NAME} is not registered")
    return()
  endif()
  if(NOT TARGET ward_c)
    message(STATUS "ward: libward (target ward_c) is not built; test ${arg_NAME} is not registered")
    return()
  endif()
  if(_ward_python_tests_disabled_reason)
    message(STATUS "ward: test ${arg_NAME} is not registered: ${_ward_python_tests_disabled_reason}")
    return()
  endif()
  add_test(NAME ${arg_NAME} COMMAND ${Python3_EXECUTABLE} -B ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES
    ENVIRONMENT "${_ward_python_test_env}"
    LABELS "python"
    TIMEOUT 300)
endfunction()
