#!/usr/bin/env bats
# config.json fields a hostile bundle could use: a root.path that leaves the
# bundle, is the host's root or goes through a symlink (refused, as runc
# refuses it), an unknown personality domain, and intelRdt that this host
# cannot honour. Each error names the field; nothing is left behind.

load ../integration/runtime_helpers

setup_file() {
	runtime_setup_file
}

teardown_file() {
	runtime_teardown_file
}

setup() {
	runtime_setup
}

teardown() {
	runtime_teardown
}

@test "root.path leading out of the bundle, or at /, is refused" {
	# a real rootfs beside the bundle: a runtime that follows ../ runs it
	cp -a "$BUNDLE/rootfs" "$TMP/outside"
	config '.root.path = "../outside"'
	run_in true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"root.path: \`../outside\` leads out of the bundle"* ]]
	assert_clean "rt-$BATS_TEST_NUMBER"
	config '.root.path = "rootfs/../../../../../../"'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"leads out of the bundle"* ]]
	config '.root.path = "/"'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"root.path: \`/\` is the host's root directory"* ]]
	assert_clean "rt-$BATS_TEST_NUMBER"
	# a path that only looks odd but stays inside is fine
	config '.root.path = "rootfs/./"'
	run_in true
	[ "$status" -eq 0 ]
}

@test "root.path through a symlink is refused, as runc refuses it" {
	ln -s rootfs "$BUNDLE/link"
	config '.root.path = "link"'
	run_in true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"root.path: \`$BUNDLE/link\` goes through a symlink (to \`$BUNDLE/rootfs\`)"* ]]
	ln -s / "$BUNDLE/slash"
	config '.root.path = "slash"'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"is the host's root directory"* ]]
	assert_clean "rt-$BATS_TEST_NUMBER"
}

@test "linux.personality: LINUX32 applies, an unknown domain is refused" {
	config '.linux.personality = {"domain": "LINUX32"}'
	run_in 'uname -m'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == i?86 ]]
	config '.linux.personality = {"domain": "BOGUS"}'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.personality.domain: unknown domain \`BOGUS\` (expected LINUX or LINUX32)"* ]]
	config '.linux.personality = {"domain": "LINUX", "flags": ["SHORT_INODE"]}'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.personality.flags"* ]]
	assert_clean "rt-$BATS_TEST_NUMBER"
}

@test "linux.intelRdt is refused on this host, naming the field" {
	config '.linux.intelRdt = {"closID": "sin", "l3CacheSchema": "L3:0=1"}'
	run_in true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.intelRdt: "* ]]
	assert_clean "rt-$BATS_TEST_NUMBER"
}
