# The commands every developer uses. `make run` and `make test` are the two a
# newcomer needs; both install what is missing first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build run test test-asan test-valgrind test-unit format fuzz bench bench-build bench-compare bench-commands bench-cluster clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

release:
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	cmake --build build-release -j $(JOBS)

# Serves the built-in example meeting from ./gavel.db on http://127.0.0.1:8080
# and prints a link for each role; Ctrl-C stops it.
run: deps build
	$(BUILD)/gavel serve

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

$(BUILD_ASAN)/CMakeCache.txt:
	CC=clang cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DGV_SANITIZE=ON $(CMAKE_ARGS)

test-asan: deps $(BUILD_ASAN)/CMakeCache.txt
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Every integration test with each gavel it starts under valgrind's memcheck
# (scripts/run-valgrind): an error or a definite leak fails. Takes minutes.
test-valgrind: deps build
	scripts/run-valgrind $(BUILD)

# Each fuzz target runs FUZZ_SECONDS on its corpus (tests/fuzz/README.md);
# only the targets are built, not the whole suite again.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/*_fuzz.c)))
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DGV_FUZZ=ON $(CMAKE_ARGS)
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz build-fuzz

# Benchmarks (docs/performance.md), from an optimised build with symbols for
# profiling. -Werror is off there only: -O2 finds format-truncation warnings
# that the debug build does not. `make bench` is the short run (1,000
# clients, a 100,000-event replay); `make bench-compare` sets nginx + Nchan
# beside Gavel (BENCH_N="1000 10000 50000" for other sizes).
BUILD_BENCH ?= build-bench
BENCH_N ?= 1000 10000
bench-build:
	cmake -S . -B $(BUILD_BENCH) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGV_WERROR=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD_BENCH) -j $(JOBS) --target gavel gavel-loadgen gavel-replay

bench: bench-build
	BENCH_BUILD=$(BUILD_BENCH) bench/run-gavel -n 1000 --events 100 --cmd-seconds 2 --rate-seconds 2
	$(BUILD_BENCH)/gavel-replay --events 100000 --runs 1

bench-compare: bench-build
	scripts/install-bench-deps
	BENCH_BUILD=$(BUILD_BENCH) bench/compare-nchan $(BENCH_N)

# Durable commands on SQLite and PostgreSQL side by side (bench/commands):
# throughput flat out, and acknowledgement latency at half that rate.
bench-commands: bench-build
	BENCH_BUILD=$(BUILD_BENCH) bench/commands

# Readers over several servers of one PostgreSQL log with NATS between them,
# beside one server and beside nginx + Nchan with as many workers
# (bench/cluster; CLUSTER_N="3000 30000", CLUSTER_NODES=6 for other sizes).
CLUSTER_N ?= 3000
bench-cluster: bench-build
	scripts/install-bench-deps
	BENCH_BUILD=$(BUILD_BENCH) bench/cluster $(CLUSTER_N)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-release build-fuzz $(BUILD_BENCH)
