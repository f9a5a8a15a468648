# bench_store: durable single-row commits and point SELECTs per second on SQLite and PostgreSQL.
add_executable(bench_store ${CMAKE_CURRENT_SOURCE_DIR}/bench_store.cpp)
target_link_libraries(bench_store PRIVATE baove_store baove_test_postgres baove_options)
if(BAOVE_TESTS)
  # A quick run (seconds, a throw-away PostgreSQL server included); figures at this size are not targets.
  add_test(NAME bench_store_smoke COMMAND bench_store --smoke)
  set_tests_properties(bench_store_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
endif()
