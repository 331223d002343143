# Install rules, included by the top-level CMakeLists.txt when WARD_INSTALL is ON.
#
#   <prefix>/include/ward/...                 C++ headers of ward::ward
#   <prefix>/include/ward.h                   the C ABI header of ward::c
#   <libdir>/libward.a                        ward::ward (static C++ library)
#   <libdir>/libward.so.1 (+ libward.so)      ward::c (the C ABI)
#   <libdir>/cmake/ward/                      find_package(ward CONFIG)
#   <libdir>/pkgconfig/ward.pc                pkg-config --cflags --libs ward (C users)
#
# Components: ward_runtime (the shared library alone, what an app ships) and ward_development
# (everything else). A plain `cmake --install` installs both.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WARD_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/ward"
  CACHE STRING "Directory of wardConfig.cmake, relative to the install prefix")
mark_as_advanced(WARD_INSTALL_CMAKEDIR)

set(ward_package_dir "${PROJECT_BINARY_DIR}/ward-package")

# --- Targets and headers --------------------------------------------------------------------------

set_target_properties(ward PROPERTIES EXPORT_NAME ward)
set(ward_installed_targets ward)
if(TARGET ward_c)
  list(APPEND ward_installed_targets ward_c)
endif()

install(TARGETS ${ward_installed_targets}
  EXPORT wardTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ward_development
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ward_runtime
    NAMELINK_COMPONENT ward_development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ward_runtime
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/ward"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT ward_development)
if(TARGET ward_c)
  install(FILES "${PROJECT_SOURCE_DIR}/capi/include/ward.h"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    COMPONENT ward_development)
endif()

# --- CMake package: find_package(ward CONFIG) -----------------------------------------------------

install(EXPORT wardTargets
  NAMESPACE ward::
  FILE wardTargets.cmake
  DESTINATION "${WARD_INSTALL_CMAKEDIR}"
  COMPONENT ward_development)

# wardConfig.cmake.in reads WARD_USE_MIMALLOC: the static library links mimalloc only when it
# was built with it, so only then must a consumer find it.
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/wardConfig.cmake.in"
  "${ward_package_dir}/wardConfig.cmake"
  INSTALL_DESTINATION "${WARD_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${ward_package_dir}/wardConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES
    "${ward_package_dir}/wardConfig.cmake"
    "${ward_package_dir}/wardConfigVersion.cmake"
  DESTINATION "${WARD_INSTALL_CMAKEDIR}"
  COMPONENT ward_development)

# --- pkg-config: ward.pc, for C users of libward.so ----------------------------------------------
#
# The prefix written into ward.pc must be the one the files are installed to, and
# `cmake --install --prefix <dir>` only decides that at install time. So ward.pc is configured in
# two steps: now with everything but the prefix (left as the placeholder @CMAKE_INSTALL_PREFIX@),
# then at install time with the actual CMAKE_INSTALL_PREFIX.

if(TARGET ward_c)
  set(WARD_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
  foreach(kind IN ITEMS LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
      set(WARD_PC_${kind} "${CMAKE_INSTALL_${kind}}")
    else()
      set(WARD_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
    endif()
  endforeach()
  configure_file("${PROJECT_SOURCE_DIR}/cmake/ward.pc.in" "${ward_package_dir}/ward.pc.in" @ONLY)
  install(CODE "configure_file(\"${ward_package_dir}/ward.pc.in\" \"${ward_package_dir}/ward.pc\" @ONLY)"
    COMPONENT ward_development)
  install(FILES "${ward_package_dir}/ward.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    COMPONENT ward_development)
endif()
