baove_test(cli_bank_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_bank_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_util nlohmann_json::nlohmann_json)
if(TARGET cli_bank_test)
  target_compile_definitions(cli_bank_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
  add_dependencies(cli_bank_test baove)
endif()
