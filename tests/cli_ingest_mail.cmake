# cli_ingest_mail_test: `baove ingest-mail` on a Maildir and on standard input.
baove_test(cli_ingest_mail_test
           SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_ingest_mail_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/run_command.cpp
           DEPS baove_store baove_hash baove_util)
target_compile_definitions(cli_ingest_mail_test PRIVATE BAOVE_EXE="$<TARGET_FILE:baove>")
add_dependencies(cli_ingest_mail_test baove)
