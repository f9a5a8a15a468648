# bench_audit: audited writes per second on SQLite (synchronous=FULL), one per transaction and
# 100 per transaction, the cost of append() itself, and the time to verify a log.
add_executable(bench_audit ${CMAKE_CURRENT_SOURCE_DIR}/bench_audit.cpp)
target_link_libraries(bench_audit PRIVATE baove_audit baove_store baove_options)
if(BAOVE_TESTS)
  add_test(NAME bench_audit_smoke COMMAND bench_audit --smoke)
  set_tests_properties(bench_audit_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
endif()
