baove_test(cli_vault_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_vault_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_vault baove_platform baove_report baove_store baove_util)
target_compile_definitions(cli_vault_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(cli_vault_test baove)
