# A cmocka program `target` built from `src` with the test helpers of
# tests/unit, registered under CTest as `test` with `label` and a timeout.
function(gv_cmocka_test target src test label timeout)
  add_executable(${target} ${src})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit
                                               ${CMAKE_SOURCE_DIR}/tests/support)
  target_link_libraries(${target} PRIVATE gv_cli PkgConfig::CMOCKA)
  target_compile_definitions(${target} PRIVATE
    GV_SOURCE_DIR="${CMAKE_SOURCE_DIR}" GV_BINARY="$<TARGET_FILE:gavel>")
  add_test(NAME ${test} COMMAND ${target})
  set_tests_properties(${test} PROPERTIES LABELS ${label} TIMEOUT ${timeout})
endfunction()

# The layers hold: a probe that includes a header of every layer, compiled
# with each layer's own command from compile_commands.json, compiles exactly
# where docs/design.md allows (tests/build/layers.cmake).
add_test(NAME build/layers
         COMMAND ${CMAKE_COMMAND} -DCOMMANDS=${CMAKE_BINARY_DIR}/compile_commands.json
                 -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DWORK=${CMAKE_BINARY_DIR}/layer-probes
                 -P ${CMAKE_SOURCE_DIR}/tests/build/layers.cmake)
set_tests_properties(build/layers PROPERTIES LABELS build TIMEOUT 120)

# Unit tests: every tests/unit/<module>/<name>_test.c is one cmocka program,
# linked against the library of its module and registered under CTest.
file(GLOB_RECURSE GV_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/*_test.c)
foreach(src ${GV_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  gv_cmocka_test(${module}_${name} ${src} unit/${module}/${name} unit 300)
endforeach()
# Programs that fail allocations on demand (tests/unit/server/fault_alloc.h):
# the project's calls to malloc, calloc and realloc reach its wrappers.
foreach(target server_ws_test server_room_test server_room_deflate_test)
  target_link_options(${target} PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -rdynamic)
endforeach()

# Integration tests run the real gavel binary: every tests/integration/*.sh,
# and every tests/integration/<part>/<name>_test.c, a cmocka program that
# starts `gavel serve` and talks to it over sockets (tests/support/
# server_client.h), registered as integration/<part>/<name>.
file(GLOB_RECURSE GV_INTEGRATION_PROGRAMS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/tests/integration/*_test.c)
foreach(src ${GV_INTEGRATION_PROGRAMS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(part ${dir} NAME)
  string(REGEX REPLACE "_test$" "" test_name ${name})
  gv_cmocka_test(integration_${part}_${name} ${src} integration/${part}/${test_name}
                 integration 600)
endforeach()
# Cluster tests (tests/cluster): several `gavel serve` nodes on one
# throwaway PostgreSQL, with NATS between them and nginx in front
# (tests/support/cluster.h), each started by the test and stopped at its end.
file(GLOB GV_CLUSTER_PROGRAMS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cluster/*_test.c)
foreach(src ${GV_CLUSTER_PROGRAMS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_test$" "" test_name ${name})
  gv_cmocka_test(cluster_${name} ${src} cluster/${test_name} cluster 600)
endforeach()
file(GLOB GV_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*.sh)
foreach(script ${GV_INTEGRATION_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME integration/${name} COMMAND bash ${script})
  set_tests_properties(integration/${name} PROPERTIES LABELS integration TIMEOUT 600
    ENVIRONMENT "GAVEL=$<TARGET_FILE:gavel>;GV_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()

# Crash tests (tests/crash/README.md): every tests/crash/<name>_test.c is a
# cmocka program built like a unit test, every tests/crash/*.sh a script run
# like an integration test. They kill servers, fill disks and mount tmpfs
# folders; one that cannot (no permission to mount) exits 77 and is reported
# as skipped, never as passed.
set(GV_CRASH_SKIP 77)
file(GLOB GV_CRASH_PROGRAMS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/crash/*_test.c)
foreach(src ${GV_CRASH_PROGRAMS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_test$" "" test_name ${name})
  gv_cmocka_test(crash_${name} ${src} crash/${test_name} crash 600)
  target_compile_definitions(crash_${name} PRIVATE GV_CRASH_SKIP=${GV_CRASH_SKIP})
  set_tests_properties(crash/${test_name} PROPERTIES SKIP_RETURN_CODE ${GV_CRASH_SKIP})
endforeach()
file(GLOB GV_CRASH_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/crash/*.sh)
foreach(script ${GV_CRASH_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME crash/${name} COMMAND bash ${script})
  set_tests_properties(crash/${name} PROPERTIES LABELS crash TIMEOUT 600
    SKIP_RETURN_CODE ${GV_CRASH_SKIP}
    ENVIRONMENT "GAVEL=$<TARGET_FILE:gavel>;GV_SOURCE_DIR=${CMAKE_SOURCE_DIR};GV_CRASH_SKIP=${GV_CRASH_SKIP}")
endforeach()

# Fuzz targets: every tests/fuzz/<name>_fuzz.c is a libFuzzer program (clang,
# -DGV_FUZZ=ON), run by `make fuzz` on its corpus tests/fuzz/corpus/<name>/
# with the dictionary tests/fuzz/<name>.dict when present.
if(GV_FUZZ)
  file(GLOB GV_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.c)
  foreach(src ${GV_FUZZ_TARGETS})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE gv_cli)
  endforeach()
endif()

# Browser tests: every tests/browser/*.test.js drives Debian's Chromium through
# the pages with playwright-core (scripts/install-npm). One at a time: a
# browser and a server fill the two cores of a small machine.
find_program(GV_NODE node)
if(GV_NODE)
  file(GLOB GV_BROWSER_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/browser/*.test.js)
  foreach(script ${GV_BROWSER_TESTS})
    get_filename_component(name ${script} NAME)
    string(REGEX REPLACE "[.]test[.]js$" "" name ${name})
    add_test(NAME browser/${name} COMMAND ${GV_NODE} ${script})
    set_tests_properties(browser/${name} PROPERTIES LABELS browser TIMEOUT 300 RESOURCE_LOCK chromium
      ENVIRONMENT "GAVEL=$<TARGET_FILE:gavel>;GV_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endforeach()
endif()
