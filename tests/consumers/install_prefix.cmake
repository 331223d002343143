# cmake -DBUILD_DIR=<ward build tree> -DPREFIX=<dir> [-DCONFIG=<config>] -P install_prefix.cmake
#
# Installs the ward build tree into a fresh PREFIX, the way a packager or user would.
foreach(var IN ITEMS BUILD_DIR PREFIX)
  if(NOT ${var})
    message(FATAL_ERROR "install_prefix.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${PREFIX}")
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed (${result})")
endif()
