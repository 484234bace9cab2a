#!/usr/bin/env bats
# hull build against buildah bud: every Dockerfile of tests/fixtures/build/
# is built by both (FROM busybox: hull's embedded image, imported into a
# private buildah store) and the results compared: the config fields docker
# defines and the final root filesystem's listing (path, type, mode, owner,
# size, link target). They must agree, except for the differences a
# fixture's expected.diff lists, each explained in docs/build.md. Images
# named bvb-*.
bats_require_minimum_version 1.5.0

ENGINE_NET=280
load engine_helpers
load build_compare

setup_file() {
	engine_setup_file
	# 280 is past an IPv4 octet: this file's bridge gets 10.199.24.0/24
	printf '{"bridge":"%s","bip":"10.199.%d.1/24"}\n' "$ENGINE_BRIDGE" $((ENGINE_NET - 256)) >"$HULL_DATA_ROOT/engine.json"
	bah_setup
}

teardown_file() {
	bah_teardown
	engine_teardown_file
	nft delete element ip hull subnets "{ 10.199.$((ENGINE_NET - 256)).0/24 }" 2>/dev/null || true
}

@test "the corpus has at least 20 Dockerfiles, each with a test here" {
	local n=0 d
	for d in "$HULL_TOP"/tests/fixtures/build/*/Dockerfile; do
		d=$(basename "$(dirname "$d")")
		grep -qF "expect_same $d" "$BATS_TEST_FILENAME"
		n=$((n + 1))
	done
	[ "$n" -ge 20 ]
}

@test "01-cmd-exec: cmd exec" {
	expect_same 01-cmd-exec
}

@test "02-env-expansion: env expansion" {
	expect_same 02-env-expansion
}

@test "03-arg-before-from: arg before from" {
	expect_same 03-arg-before-from
}

@test "04-multistage: multistage" {
	expect_same 04-multistage
}

@test "05-whiteout-file: whiteout file" {
	expect_same 05-whiteout-file
}

@test "06-whiteout-dir: whiteout dir" {
	expect_same 06-whiteout-dir
}

@test "07-chown: chown" {
	expect_same 07-chown
}

@test "08-user: user" {
	expect_same 08-user
}

@test "09-chmod: chmod" {
	expect_same 09-chmod
}

@test "10-dockerignore: dockerignore" {
	expect_same 10-dockerignore
}

@test "11-shell: shell" {
	expect_same 11-shell
}

@test "12-healthcheck: healthcheck" {
	expect_same 12-healthcheck
}

@test "13-healthcheck-exec: healthcheck exec" {
	expect_same 13-healthcheck-exec
}

@test "14-volume: volume" {
	expect_same 14-volume
}

@test "15-expose: expose" {
	expect_same 15-expose
}

@test "16-label: label" {
	expect_same 16-label
}

@test "17-onbuild: onbuild" {
	expect_same 17-onbuild
}

@test "18-stopsignal: stopsignal" {
	expect_same 18-stopsignal
}

@test "19-entrypoint-exec: entrypoint exec" {
	expect_same 19-entrypoint-exec
}

@test "20-entrypoint-shell: entrypoint shell" {
	expect_same 20-entrypoint-shell
}

@test "21-workdir: workdir" {
	expect_same 21-workdir
}

@test "22-add-tar: add tar" {
	expect_same 22-add-tar
}

@test "23-copy-globs: copy globs" {
	expect_same 23-copy-globs
}

@test "24-run-exec-form: run exec form" {
	expect_same 24-run-exec-form
}

@test "25-user-config: user config" {
	expect_same 25-user-config
}

@test "26-copy-over-existing: copy over existing" {
	expect_same 26-copy-over-existing
}
