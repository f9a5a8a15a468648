# bench_report: public reports end to end against `baove serve` (reports with a 2 MB photo per
# second; server memory during a large streamed upload).
add_executable(bench_report ${CMAKE_CURRENT_SOURCE_DIR}/bench_report.cpp)
target_sources(bench_report PRIVATE ${PROJECT_SOURCE_DIR}/tests/serve_process.cpp)
target_include_directories(bench_report PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(bench_report PRIVATE baove_store baove_test_http JPEG::JPEG Threads::Threads baove_options)
target_compile_definitions(bench_report PRIVATE BAOVE_BIN="$<TARGET_FILE:baove>")
add_dependencies(bench_report baove)
if(BAOVE_TESTS)
  # Two seconds of reports from two clients and a 64 MiB upload, checking answers and stored rows.
  add_test(NAME bench_report_smoke COMMAND bench_report --smoke)
  set_tests_properties(bench_report_smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
endif()
