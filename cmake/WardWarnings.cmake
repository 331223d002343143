# ward_target_warnings(<target>): the project's warning set, private to the target so it never
# leaks into a parent project's flags.
function(ward_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
      $<$<BOOL:${WARD_WARNINGS_AS_ERRORS}>:-Werror>
      # GCC 12 at -O3 reports -Wrestrict inside std::string's operator+ (GCC bug 105329).
      $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${WARD_WARNINGS_AS_ERRORS}>:/WX>)
  endif()
endfunction()
