# cmake -DJS_PACKAGE_DIR=<bindings/js> -P check_js_modules.cmake
# Fails with the fix when the page harness's npm dependencies (bindings/js) are not installed.
cmake_minimum_required(VERSION 3.21)
foreach(module esbuild @tauri-apps/api)
  if(NOT EXISTS "${JS_PACKAGE_DIR}/node_modules/${module}/package.json")
    message(FATAL_ERROR
      "The page harness's dependencies are not installed (${JS_PACKAGE_DIR}/node_modules/${module} "
      "is missing). Install them with:\n  npm ci --prefix ${JS_PACKAGE_DIR}")
  endif()
endforeach()
message(STATUS "esbuild and @tauri-apps/api found in ${JS_PACKAGE_DIR}/node_modules")
