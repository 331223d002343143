# ward_node_test(NAME <name> WORKING_DIRECTORY <dir> COMMAND <args...>): registers a CTest test
# that runs Node.js against the freshly built libward (target ward_c) through the binding in
# bindings/node. Included by bindings/node (the binding's tests) and examples/node (the example
# app); the variables below are directory-scoped, so every includer runs this file.
#
# The binding needs its npm dependencies (koffi) in bindings/node/node_modules, installed by
#   npm ci --prefix bindings/node
# A fixture test checks for them first, so a missing install fails with that instruction
# instead of a "Cannot find module" stack trace.

find_program(NODE node)

cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH WARD_NODE_PACKAGE_DIR)

set(_ward_node_test_env "WARD_LIBRARY=$<TARGET_FILE:ward_c>")
set(_ward_node_tests_disabled_reason "")

set(_ward_sanitizer_flags "${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS} ${CMAKE_SHARED_LINKER_FLAGS}")
if(_ward_sanitizer_flags MATCHES "-fsanitize=[^ ]*thread")
  # The TSan runtime must be the first thing a process loads; node is not built with it.
  set(_ward_node_tests_disabled_reason "a ThreadSanitizer libward cannot be loaded into node")
elseif(_ward_sanitizer_flags MATCHES "-fsanitize=[^ ]*address")
  # node is not built with AddressSanitizer, so an ASan-instrumented libward only loads into it
  # with the ASan runtime preloaded; node's own allocations would then be reported as leaks.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(_ward_asan_runtime_name "libasan.so")
  else()
    set(_ward_asan_runtime_name "libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so")
  endif()
  execute_process(
    COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_ward_asan_runtime_name}
    OUTPUT_VARIABLE _ward_asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(IS_ABSOLUTE "${_ward_asan_runtime}" AND EXISTS "${_ward_asan_runtime}")
    list(APPEND _ward_node_test_env "LD_PRELOAD=${_ward_asan_runtime}" "ASAN_OPTIONS=detect_leaks=0")
  else()
    set(_ward_node_tests_disabled_reason
      "the ASan runtime ${_ward_asan_runtime_name} was not found to preload into node")
  endif()
endif()

# The fixture is registered once, by the first includer (CTest test names should be unique).
get_property(_ward_node_fixture_registered GLOBAL PROPERTY WARD_NODE_FIXTURE_REGISTERED)
if(NODE AND TARGET ward_c AND NOT _ward_node_tests_disabled_reason AND NOT _ward_node_fixture_registered)
  set_property(GLOBAL PROPERTY WARD_NODE_FIXTURE_REGISTERED TRUE)
  add_test(NAME ward_node_modules
    COMMAND ${CMAKE_COMMAND} -DPACKAGE_DIR=${WARD_NODE_PACKAGE_DIR}
      -P ${WARD_NODE_PACKAGE_DIR}/cmake/check_node_modules.cmake)
  set_tests_properties(ward_node_modules PROPERTIES
    FIXTURES_SETUP ward_node_modules
    LABELS "node"
    TIMEOUT 30)
endif()

function(ward_node_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;WORKING_DIRECTORY" "COMMAND;ENVIRONMENT")
  if(NOT NODE)
    message(STATUS "ward: node not found; test ${arg_NAME} is not registered")
    return()
  endif()
  if(NOT TARGET ward_c)
    message(STATUS "ward: libward (target ward_c) is not built; test ${arg_NAME} is not registered")
    return()
  endif()
  if(_ward_node_tests_disabled_reason)
    message(STATUS "ward: test ${arg_NAME} is not registered: ${_ward_node_tests_disabled_reason}")
    return()
  endif()
  add_test(NAME ${arg_NAME} COMMAND ${NODE} ${arg_COMMAND} WORKING_DIRECTORY ${arg_WORKING_DIRECTORY})
  set(environment ${_ward_node_test_env} ${arg_ENVIRONMENT})
  set_tests_properties(${arg_NAME} PROPERTIES
    ENVIRONMENT "${environment}"
    FIXTURES_REQUIRED ward_node_modules
    LABELS "node"
    TIMEOUT 300)
endfunction()
