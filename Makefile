# A thin Makefile over meson for the README's commands.
BUILD ?= build
MESON_FLAGS ?=

.PHONY: all deps demo check clean asan clang

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

clang:
	test -f build-clang/build.ninja || CC=clang meson setup build-clang -Dwerror=true
	ninja -C build-clang

asan:
	test -f build-asan/build.ninja || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	BUILD_DIR=$(CURDIR)/build-asan tests/run

clean:
	rm -rf $(BUILD) build-clang build-asan
