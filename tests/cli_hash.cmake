baove_test(cli_hash_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_hash_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_util nlohmann_json::nlohmann_json)
target_compile_definitions(cli_hash_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(cli_hash_test baove)
