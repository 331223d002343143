# cmake -DSOURCE_DIR=<consumer project> -DBINARY_DIR=<its build dir> -DPROGRAMS=<a|b>
#       -DEXPECT=<regex> [toolchain: -DGENERATOR= -DMAKE_PROGRAM= -DBUILD_TYPE= -DC_COMPILER=
#       -DCXX_COMPILER= -DC_FLAGS= -DCXX_FLAGS= -DEXE_LINKER_FLAGS= -DPREFIX_PATH=<a|b>]
#       [-DCACHE_ARGS=<-DX=1|-DY=2>] -P run_consumer.cmake
#
# Configures a consumer project from scratch with the same toolchain as ward's own build, builds
# it, runs each of PROGRAMS and checks that each exits 0 and prints a line matching EXPECT.
# Lists are passed with "|" instead of ";" (a ";" would split the test's command line).
cmake_minimum_required(VERSION 3.21)

foreach(var IN ITEMS SOURCE_DIR BINARY_DIR PROGRAMS EXPECT)
  if(NOT ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

set(configure_args -S "${SOURCE_DIR}" -B "${BINARY_DIR}")
if(GENERATOR)
  list(APPEND configure_args -G "${GENERATOR}")
endif()
foreach(pair IN ITEMS
    "MAKE_PROGRAM:CMAKE_MAKE_PROGRAM" "BUILD_TYPE:CMAKE_BUILD_TYPE"
    "C_COMPILER:CMAKE_C_COMPILER" "CXX_COMPILER:CMAKE_CXX_COMPILER"
    "C_FLAGS:CMAKE_C_FLAGS" "CXX_FLAGS:CMAKE_CXX_FLAGS" "EXE_LINKER_FLAGS:CMAKE_EXE_LINKER_FLAGS")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  if(NOT "${${from}}" STREQUAL "")
    list(APPEND configure_args "-D${to}=${${from}}")
  endif()
endforeach()
if(PREFIX_PATH)
  string(REPLACE "|" ";" prefix_path "${PREFIX_PATH}")
  list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix_path}")
endif()
if(CACHE_ARGS)
  string(REPLACE "|" ";" cache_args "${CACHE_ARGS}")
  list(APPEND configure_args ${cache_args})
endif()

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${step} failed (${result}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE "${BINARY_DIR}")
run("configure" "${CMAKE_COMMAND}" ${configure_args})
set(build_args "")
if(BUILD_TYPE)
  set(build_args --config "${BUILD_TYPE}")
endif()
run("build" "${CMAKE_COMMAND}" --build "${BINARY_DIR}" ${build_args})

string(REPLACE "|" ";" programs "${PROGRAMS}")
foreach(program IN LISTS programs)
  # Single-config generators put the program in BINARY_DIR, multi-config ones in a subdirectory.
  set(candidates "${BINARY_DIR}/${program}" "${BINARY_DIR}/${BUILD_TYPE}/${program}")
  set(path "")
  foreach(candidate IN LISTS candidates)
    if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
      set(path "${candidate}")
      break()
    endif()
  endforeach()
  if(NOT path)
    message(FATAL_ERROR "the consumer build produced no ${program}")
  endif()
  execute_process(COMMAND "${path}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error)
  message(STATUS "${program}: ${output}${error}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${program} failed (${result}): ${output}${error}")
  endif()
  if(NOT output MATCHES "${EXPECT}")
    message(FATAL_ERROR "${program} printed '${output}', expected a match for '${EXPECT}'")
  endif()
endforeach()
