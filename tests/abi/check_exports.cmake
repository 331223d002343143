# cmake -DLIBRARY=<libward.so> -DHEADER=<ward.h> -DNM=<nm> -DREADELF=<readelf> -P check_exports.cmake
#
# Fails unless
#  - every defined dynamic symbol of LIBRARY starts with ward_ (the version node WARD_1 aside):
#    no C++ runtime, simdjson or mimalloc symbol may leak into a host's symbol namespace;
#  - every function ward.h declares (WARD_API ... ward_xxx(...)) is exported;
#  - the SONAME is libward.so.<WARD_ABI_VERSION of ward.h> (the SOVERSION is bumped with the ABI).
cmake_minimum_required(VERSION 3.21)

foreach(var IN ITEMS LIBRARY HEADER NM READELF)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_exports.cmake: ${var} is not set")
  endif()
endforeach()

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
  OUTPUT_VARIABLE nm_output
  ERROR_VARIABLE nm_error
  RESULT_VARIABLE nm_result)
if(NOT nm_result EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed (${nm_result}): ${nm_error}")
endif()

set(exported "")
set(foreign "")
string(REPLACE "\n" ";" nm_lines "${nm_output}")
foreach(line IN LISTS nm_lines)
  if(line STREQUAL "")
    continue()
  endif()
  # "<address> <type> <name>[@[@]<version>]"
  if(NOT line MATCHES "^[0-9a-fA-F]* *[A-Za-z] +([^ @]+)(@.*)?$")
    message(FATAL_ERROR "Cannot read this line of nm output: '${line}'")
  endif()
  set(symbol "${CMAKE_MATCH_1}")
  if(symbol STREQUAL "WARD_1")
    continue()   # the version node of ward.map
  endif()
  if(symbol MATCHES "^ward_")
    list(APPEND exported "${symbol}")
  else()
    list(APPEND foreign "${symbol}")
  endif()
endforeach()

if(foreign)
  list(LENGTH foreign foreign_count)
  list(JOIN foreign "\n  " foreign_text)
  message(FATAL_ERROR "${LIBRARY} exports ${foreign_count} symbol(s) outside the ward_ namespace:\n  ${foreign_text}")
endif()

file(READ "${HEADER}" header_text)
if(NOT header_text MATCHES "#define WARD_ABI_VERSION ([0-9]+)")
  message(FATAL_ERROR "No WARD_ABI_VERSION in ${HEADER}")
endif()
set(SONAME "libward.so.${CMAKE_MATCH_1}")

string(REGEX MATCHALL "WARD_API[^;(]*[ *]ward_[a-z0-9_]+[ \t]*\\(" declarations "${header_text}")
set(missing "")
set(declared_count 0)
foreach(declaration IN LISTS declarations)
  string(REGEX MATCH "ward_[a-z0-9_]+[ \t]*\\($" name "${declaration}")
  string(REGEX REPLACE "[ \t]*\\($" "" name "${name}")
  math(EXPR declared_count "${declared_count} + 1")
  if(NOT name IN_LIST exported)
    list(APPEND missing "${name}")
  endif()
endforeach()
if(declared_count EQUAL 0)
  message(FATAL_ERROR "Found no WARD_API function declarations in ${HEADER}")
endif()
if(missing)
  list(JOIN missing "\n  " missing_text)
  message(FATAL_ERROR "${LIBRARY} does not export these functions declared in ${HEADER}:\n  ${missing_text}")
endif()

execute_process(COMMAND "${READELF}" -d "${LIBRARY}"
  OUTPUT_VARIABLE readelf_output
  ERROR_VARIABLE readelf_error
  RESULT_VARIABLE readelf_result)
if(NOT readelf_result EQUAL 0)
  message(FATAL_ERROR "${READELF} -d ${LIBRARY} failed (${readelf_result}): ${readelf_error}")
endif()
if(NOT readelf_output MATCHES "\\(SONAME\\)[^\n]*\\[([^]\n]*)\\]")
  message(FATAL_ERROR "${LIBRARY} has no SONAME")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL SONAME)
  message(FATAL_ERROR "${LIBRARY} has SONAME ${CMAKE_MATCH_1}, expected ${SONAME}")
endif()

list(LENGTH exported exported_count)
message(STATUS "${LIBRARY}: ${exported_count} symbols, all ward_*, all ${declared_count} ward.h functions present, SONAME ${SONAME}")
