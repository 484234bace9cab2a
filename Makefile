# A thin Makefile over meson for the README's commands.
BUILD ?= build
MESON_FLAGS ?=

.PHONY: all deps demo check clean asan clang bench

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_FLAGS)

deps:
	@scripts/install-deps

# Installs what is missing, builds, and runs hull's main job offline.
demo: deps all
	@scripts/demo

# Installs what is missing, builds with warnings as errors (gcc and clang), runs every test.
check: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) -Dwerror=true $(MESON_FLAGS)
	meson configure $(BUILD) -Dwerror=true >/dev/null
	ninja -C $(BUILD)
	@$(MAKE) --no-print-directory clang
	@tests/run

# Runs the benchmarks this host can run (BENCH_ALL=1 adds the nested ones,
# BENCHES="runtime/run scan" picks some), records them in bench/results.tsv
# and regenerates the README's table from it.
bench: all
	HULL=$(CURDIR)/$(BUILD)/hull BUILD_DIR=$(CURDIR)/$(BUILD) scripts/bench-table $(BENCHES)

clang:
	test -f build-clang/build.ninja || CC=clang meson setup build-clang -Dwerror=true
	ninja -C build-clang

# Every test against an ASan+UBSan build (STYLE.md #9). Sanitizer reports
# go to build-asan/sanitizer/, so that one from a process a test expects to
# fail (or a UBSan report, which does not stop the process) fails too.
# No -Werror here: gcc 12's -Wstringop-overread misfires under ASan
# (reference.c's strchr(full + 18, '/')); the gcc and clang builds have it.
asan: deps
	test -f build-asan/build.ninja || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	rm -rf build-asan/sanitizer && mkdir -p build-asan/sanitizer
	ASAN_OPTIONS=log_path=$(CURDIR)/build-asan/sanitizer/asan \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/build-asan/sanitizer/ubsan \
	BUILD_DIR=$(CURDIR)/build-asan tests/run; st=$$?; \
	reports=$$(grep -lE 'ERROR: |runtime error:' build-asan/sanitizer/* 2>/dev/null); \
	if [ -n "$$reports" ]; then \
		head -n 40 $$reports; echo "sanitizer reports:" $$reports; exit 1; \
	fi; exit $$st

clean:
	rm -rf $(BUILD) build-clang build-asan
