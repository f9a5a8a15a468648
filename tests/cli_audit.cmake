baove_test(cli_audit_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_audit_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_audit baove_store baove_util)
target_compile_definitions(cli_audit_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(cli_audit_test baove)
