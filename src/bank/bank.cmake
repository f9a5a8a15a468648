# Included by src/bank/CMakeLists.txt.
baove_module(bank
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/bank.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_store.cpp
    ${CMAKE_CURRENT_LIST_DIR}/text_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/formats.cpp
    ${CMAKE_CURRENT_LIST_DIR}/matcher.cpp
    ${CMAKE_CURRENT_LIST_DIR}/db_path.cpp
  DEPS baove_util baove_hash baove_match
  PRIVATE_DEPS SQLite::SQLite3 nlohmann_json::nlohmann_json)

baove_test(bank_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/tests/store_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tests/formats_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tests/matcher_test.cpp
  DEPS baove_bank SQLite::SQLite3)
