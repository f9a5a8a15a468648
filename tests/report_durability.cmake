# report_durability_test: the real `baove serve` taking public reports with files, killed with
# SIGKILL many times; every receipt ever shown must lead to a complete report afterwards.
baove_test(report_durability_test
           SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/report_durability_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
                   ${CMAKE_CURRENT_SOURCE_DIR}/serve_process.cpp
           DEPS baove_store baove_hash baove_test_http baove_util Threads::Threads)
target_compile_definitions(report_durability_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(report_durability_test baove)
