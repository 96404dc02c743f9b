# Helpers that give every project target the same warnings and test wiring.

set(MICROSCALE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough)
# GCC 12 at -O2/-O3 reports std::string assignments inside libstdc++ as overlapping
# memcpy (-Wrestrict, GCC bug 105329): a false positive that breaks Release builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND MICROSCALE_WARNINGS -Wno-restrict)
endif()
# A unity build includes each .cc file into a batch, so GCC takes a class holding a type of
# its own file's anonymous namespace for one declared in a header (-Wsubobject-linkage).
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND MICROSCALE_WARNINGS -Wno-subobject-linkage)
endif()
if(MICROSCALE_WERROR)
  list(APPEND MICROSCALE_WARNINGS -Werror)
endif()

function(microscale_add_subdirectory_if_present dir)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
    add_subdirectory(${dir})
  endif()
endfunction()

# microscale_target_options(target): project warnings and the repository root as include path.
# In a unity build (-DCMAKE_UNITY_BUILD=ON, what ./scripts/test uses) each batch file includes
# the target's .cc files; clang-tidy checks the batch and is told those includes are meant.
function(microscale_target_options target)
  target_compile_options(${target} PRIVATE ${MICROSCALE_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_target_properties(${target} PROPERTIES
    UNITY_BUILD_CODE_BEFORE_INCLUDE "// NOLINTNEXTLINE(bugprone-suspicious-include)")
endfunction()

# microscale_library(NAME SRCS ... DEPS ...)
function(microscale_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  microscale_target_options(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# Compile options for the test binaries' own sources (their TEST bodies, fixtures and
# helpers), after the build type's: ./scripts/test's Release build gives -O1, as test code
# does not ship and -O3 costs a fifth more compile time. The libraries the tests link,
# the code that ships, keep the build type's options.
set(MICROSCALE_TEST_CODE_OPTIONS "" CACHE STRING
    "Compile options for test binaries' own sources, e.g. -O1 (empty: the build type's)")

# microscale_test(NAME SRCS ... DEPS ... LABEL unit|integration|e2e [TIMEOUT s])
# One GoogleTest binary registered as one ctest test carrying the label.
function(microscale_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SRCS;DEPS" ${ARGN})
  if(NOT MICROSCALE_BUILD_TESTS)
    return()
  endif()
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SRCS})
  microscale_target_options(${name})
  target_compile_options(${name} PRIVATE ${MICROSCALE_TEST_CODE_OPTIONS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()
