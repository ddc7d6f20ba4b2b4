# The two commands of the quick start, and the ones developers use beside them.
#   make run    install what is missing, build, serve examples/seed/ (stack.conf) on :8080
#   make test   install what is missing, build (Debug + ASan/UBSan), run unit + e2e tests,
#               then build the fuzz targets (clang + libFuzzer) and run each briefly
#   make fuzz   each fuzz target for FUZZ_SECONDS (default 300); corpora kept in build/fuzz
#   make bench  micro benchmarks and the side-by-side comparison with nginx and h2o
#   make soak   the release build under mixed wrk load for SOAK_MINUTES (default 30),
#               watched for memory growth, descriptor leaks and error-log lines

JOBS ?= $(shell nproc)
RELEASE_BIN := build/release/src/strata/cli/strata

FUZZ_SECONDS ?= 300
SOAK_MINUTES ?= 30

.PHONY: all deps build build-release build-fuzz run test fuzz bench soak clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

build-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

STACK_URLS := / /path/to/resource /stack/ /gunicorn/ /wsgi/ /middleware/ \
	/werkzeug/hello/Ada /flask/ /flask/hello/Ada

run: build-release
	@echo "strata: serving examples/seed/stack.conf (the seed's nginx.conf with its apps mounted)"
	@for url in $(STACK_URLS); do echo "  http://localhost:8080$$url"; done
	@echo "(Ctrl-C stops)"
	$(RELEASE_BIN) -c examples/seed/stack.conf -g "daemon off;"

test: build build-fuzz
	ctest --preset dev -j $(JOBS) --timeout 900
	ctest --preset fuzz -j $(JOBS)

fuzz: build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir build/fuzz -L '^fuzz-long$$' -j $(JOBS) --output-on-failure

bench: build-release
	build/release/bench/strata_micro_bench
	bench/compare/run
	bench/compare/wsgi

soak: build-release
	SOAK_MINUTES=$(SOAK_MINUTES) STRATA_BIN=$(RELEASE_BIN) tests/soak/run

clean:
	rm -rf build
