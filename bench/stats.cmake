# bench_stats: the hotline's yearly statistics table over 1,000,000 contacts on SQLite and PostgreSQL.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
add_executable(bench_stats ${CMAKE_CURRENT_SOURCE_DIR}/bench_stats.cpp)
target_link_libraries(bench_stats PRIVATE baove_hotline baove_auth baove_audit baove_store baove_taxonomy
                                          baove_test_postgres PkgConfig::SODIUM baove_options)
target_compile_definitions(bench_stats PRIVATE BAOVE_SHARED_DIR="${BAOVE_SHARED_DIR}")
if(BAOVE_TESTS)
  # A quick run (20,000 contacts, a throw-away PostgreSQL server included); figures at this size are not targets.
  add_test(NAME bench_stats_smoke COMMAND bench_stats --smoke)
  set_tests_properties(bench_stats_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
endif()
