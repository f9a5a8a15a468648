# Compiler settings shared by every Baove target, applied through the interface target
# baove_options (link it PRIVATE from each library and executable).
add_library(baove_options INTERFACE)
target_compile_options(baove_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict positives inside libstdc++ string code at -O3 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # PDQ must equal the reference bit for bit: no fused multiply-add contraction.
  -ffp-contract=off)
if(BAOVE_WERROR)
  target_compile_options(baove_options INTERFACE -Werror)
endif()
if(BAOVE_ARCH AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(baove_options INTERFACE -march=${BAOVE_ARCH})
endif()
if(BAOVE_SANITIZE)
  target_compile_options(baove_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    # GCC's -Wmaybe-uninitialized is unreliable under the sanitizers' instrumentation (false
    # positives in std::variant construction); the release build keeps it.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  target_link_options(baove_options INTERFACE -fsanitize=address,undefined)
endif()
if(BAOVE_FUZZ)
  # -fsanitize=function (part of undefined) cannot instrument clang 14's coroutine frames
  # ("Cannot represent a difference across sections" in src/http/server.cpp).
  target_compile_options(baove_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function)
  target_link_options(baove_options INTERFACE -fsanitize=address,undefined -fno-sanitize=function)
endif()

# baove_module(NAME SOURCES... [DEPS targets...])
# Declares library baove_NAME from src/NAME with src/ as the include root.
function(baove_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(baove_${name} STATIC ${M_SOURCES})
  target_include_directories(baove_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(baove_${name} PUBLIC ${M_DEPS} PRIVATE baove_options ${M_PRIVATE_DEPS})
endfunction()

# baove_test(NAME SOURCES... DEPS ...): a GoogleTest executable registered with CTest.
function(baove_test name)
  if(NOT BAOVE_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest_main GTest::gmock baove_options)
  target_compile_definitions(${name} PRIVATE
    BAOVE_SHARED_DIR="${BAOVE_SHARED_DIR}" BAOVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
