baove_test(cli_admin_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_admin_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_platform baove_test_postgres baove_auth baove_audit baove_store baove_util)
target_compile_definitions(cli_admin_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(cli_admin_test baove)
