# bench_server: the server end to end under Debian's wrk: audited and unaudited reads of one
# record (requests/s, p50, p99, the audit's cost) and audited durable writes per second.
add_executable(bench_server ${CMAKE_CURRENT_SOURCE_DIR}/bench_server.cpp)
target_link_libraries(bench_server PRIVATE baove_api baove_http baove_platform baove_auth baove_test_http
                                           nlohmann_json::nlohmann_json Threads::Threads baove_options)
if(BAOVE_TESTS)
  # One second a run at 16 connections, checking answers and stored writes; figures at this size
  # are not targets. Skipped (exit 77) when wrk is not installed.
  add_test(NAME bench_server_smoke COMMAND bench_server --smoke)
  set_tests_properties(bench_server_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
