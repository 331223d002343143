# cmake -DPREFIX=<installed ward> -DLIBDIR=<libdir relative to PREFIX> -DPKG_CONFIG=<pkg-config>
#       -DC_COMPILER=<cc> [-DC_FLAGS= -DEXE_LINKER_FLAGS=] -DSOURCE=<ping.c> -DBINARY_DIR=<dir>
#       -DVERSION=<expected version> -P run_pkg_config.cmake
#
# What a C user without CMake does:
#   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig cc ping.c $(pkg-config --cflags --libs ward)
#   LD_LIBRARY_PATH=<prefix>/lib ./ping_c
cmake_minimum_required(VERSION 3.21)

foreach(var IN ITEMS PREFIX LIBDIR PKG_CONFIG C_COMPILER SOURCE BINARY_DIR VERSION)
  if(NOT ${var})
    message(FATAL_ERROR "run_pkg_config.cmake: ${var} is not set")
  endif()
endforeach()

set(libdir "${PREFIX}/${LIBDIR}")
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")

function(pkg_config out)
  execute_process(COMMAND "${PKG_CONFIG}" ${ARGN} ward
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} ward failed (${result}): ${error}")
  endif()
  set(${out} "${output}" PARENT_SCOPE)
endfunction()

pkg_config(modversion --modversion)
if(NOT modversion STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion ward is '${modversion}', expected '${VERSION}'")
endif()
pkg_config(flags --cflags --libs)
message(STATUS "pkg-config --cflags --libs ward: ${flags}")
separate_arguments(flag_list UNIX_COMMAND "${flags}")
foreach(expected IN ITEMS "-I${PREFIX}/include" "-L${libdir}" "-lward")
  if(NOT expected IN_LIST flag_list)
    message(FATAL_ERROR "pkg-config --cflags --libs ward gave '${flags}', which lacks ${expected}")
  endif()
endforeach()

separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${EXE_LINKER_FLAGS}")
file(REMOVE_RECURSE "${BINARY_DIR}")
file(MAKE_DIRECTORY "${BINARY_DIR}")
set(program "${BINARY_DIR}/ping_c")
execute_process(
  COMMAND "${C_COMPILER}" ${c_flags} -std=c99 "${SOURCE}" -o "${program}" ${flag_list} ${linker_flags}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} with the pkg-config flags failed (${result}):\n${output}${error}")
endif()

set(ENV{LD_LIBRARY_PATH} "${libdir}")
execute_process(COMMAND "${program}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error)
message(STATUS "ping_c: ${output}${error}")
if(NOT result EQUAL 0 OR NOT output MATCHES "ping -> \"pong consumer\"")
  message(FATAL_ERROR "ping_c failed (${result}): ${output}${error}")
endif()
