# Flags every strata target gets: warnings as a contract, sanitizers on request.
add_library(strata_flags INTERFACE)
# Position-independent code, but nothing is ever interposed: calls may be inlined.
target_compile_options(strata_flags INTERFACE -fno-semantic-interposition)
target_compile_options(strata_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                              -Wold-style-cast -Wcast-align -Wnull-dereference)
if(STRATA_SANITIZE)
  target_compile_options(strata_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                -fno-sanitize-recover=undefined)
  target_link_options(strata_flags INTERFACE -fsanitize=address,undefined)
endif()
# The fuzz build: every library is instrumented for libFuzzer's coverage feedback (the
# targets themselves link the fuzzer's main with -fsanitize=fuzzer), and UB aborts so
# that libFuzzer keeps the input as a crash.
if(STRATA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STRATA_FUZZ needs clang++ (libFuzzer): use the `fuzz` preset")
  endif()
  target_compile_options(strata_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                -fno-sanitize-recover=undefined
                                                -fno-omit-frame-pointer)
  target_link_options(strata_flags INTERFACE -fsanitize=address,undefined)
endif()

# strata_library(name SOURCES ... DEPENDS ...): one library per layer folder, aliased strata::name.
function(strata_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(strata_${name} ${ARG_SOURCES})
  add_library(strata::${name} ALIAS strata_${name})
  target_include_directories(strata_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(strata_${name} PUBLIC strata_flags ${ARG_DEPENDS})
endfunction()
