# server_durability_test: the real `baove serve`, killed with SIGKILL during streams of audited
# writes and reads, restarted on the same data directory; nothing acknowledged may be lost.
baove_test(server_durability_test
           SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/server_durability_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
                   ${CMAKE_CURRENT_SOURCE_DIR}/serve_process.cpp
           DEPS baove_auth baove_test_http baove_util nlohmann_json::nlohmann_json Threads::Threads)
target_compile_definitions(server_durability_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(server_durability_test baove)
