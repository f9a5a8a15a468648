# bench_queue: the counsellors' queue page with 10,000 waiting items, first paint in Chromium
# (bench/queue_paint.mjs; bench_queue_seed fills the queue). Run: `ninja bench_queue` or
# `BAOVE_BIN=... BAOVE_QUEUE_SEED=... node bench/queue_paint.mjs`.
add_executable(bench_queue_seed ${CMAKE_CURRENT_SOURCE_DIR}/bench_queue_seed.cpp)
target_link_libraries(bench_queue_seed PRIVATE baove_platform baove_report baove_store baove_taxonomy baove_options)
find_program(BAOVE_NODE NAMES node nodejs)
set(_bench_web_modules ${PROJECT_SOURCE_DIR}/web/node_modules)
if(BAOVE_NODE AND EXISTS /usr/bin/chromium AND EXISTS ${_bench_web_modules}/playwright-core/package.json)
  add_custom_target(bench_queue
    COMMAND ${CMAKE_COMMAND} -E env BAOVE_BIN=$<TARGET_FILE:baove> BAOVE_QUEUE_SEED=$<TARGET_FILE:bench_queue_seed>
            ${BAOVE_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/queue_paint.mjs
    DEPENDS baove bench_queue_seed
    USES_TERMINAL)
  if(BAOVE_TESTS)
    # 500 items, two loads: the page paints its queue and the figures print (not a target at this size).
    add_test(NAME bench_queue_smoke COMMAND ${BAOVE_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/queue_paint.mjs --smoke)
    set_tests_properties(bench_queue_smoke PROPERTIES
      ENVIRONMENT "BAOVE_BIN=$<TARGET_FILE:baove>;BAOVE_QUEUE_SEED=$<TARGET_FILE:bench_queue_seed>"
      LABELS "bench-smoke;browser" TIMEOUT 300)
  endif()
endif()
