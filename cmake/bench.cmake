# The benchmark programs of bench/ (docs/performance.md). They build with
# everything else so that they keep compiling; `make bench` runs them from an
# optimised build (build-bench) instead.
add_executable(gavel-loadgen bench/loadgen.c bench/loadgen_net.c bench/loadgen_page.c
                             bench/loadgen_worker.c bench/loadgen_phases.c)
target_link_libraries(gavel-loadgen PRIVATE m PkgConfig::ZLIB)
add_executable(gavel-replay bench/replay.c)
target_link_libraries(gavel-replay PRIVATE gv_report gv_store gv_core)

# A few seconds of each against the build's own gavel, so that the tools keep
# working as the server changes: every client gets every event in order (the
# counted ones after three of warm-up) and every acknowledged command is a
# stored event (--check), and the replayed state equals the state the log was
# made with.
add_test(NAME bench_loadgen_smoke
         COMMAND ${CMAKE_SOURCE_DIR}/bench/run-gavel -n 60 --per-addr 20 --events 10 --warmup 3
                 --gap-ms 5 --catchup 10 --behind 5 --commanders 4 --window 4 --cmd-seconds 1
                 --rate-seconds 1 --max-seconds 60 --check)
set_tests_properties(bench_loadgen_smoke PROPERTIES LABELS bench TIMEOUT 90
                     ENVIRONMENT "GAVEL=$<TARGET_FILE:gavel>;LOADGEN=$<TARGET_FILE:gavel-loadgen>")
add_test(NAME bench_replay_smoke
         COMMAND gavel-replay --events 3000 --runs 1
                 --definition ${CMAKE_SOURCE_DIR}/examples/cstd-2022-high-level-panel.yaml)
set_tests_properties(bench_replay_smoke PROPERTIES LABELS bench TIMEOUT 90)
# What a page's state costs per event on the stream, each way of sending it.
add_executable(gavel-patches bench/patches.c)
target_link_libraries(gavel-patches PRIVATE gv_core PkgConfig::ZLIB)
