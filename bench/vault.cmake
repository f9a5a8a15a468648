# bench_vault: put() throughput on one core (encrypt, hash, write, fsync) against a plain
# copy-and-write baseline and against encryption alone; get() and verify() throughput.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
add_executable(bench_vault ${CMAKE_CURRENT_SOURCE_DIR}/bench_vault.cpp)
target_link_libraries(bench_vault PRIVATE baove_vault baove_options PkgConfig::SODIUM)
if(BAOVE_TESTS)
  add_test(NAME bench_vault_smoke COMMAND bench_vault --smoke)
  set_tests_properties(bench_vault_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
endif()
