#!/usr/bin/env bats
# A hostile guest: malformed virtqueues and garbage register writes.

load vm_helpers

setup() {
	# the kernel loader's fuzz target runs without KVM
	[[ $BATS_TEST_DESCRIPTION == *"kernel loader fuzz target"* ]] || kvm_require
}

@test "vm: malformed virtqueues mark the device broken; the VMM survives and the device recovers" {
	truncate -s 1M "$BATS_TEST_TMPDIR/h.img"
	printf 'HULLDISK' | dd of="$BATS_TEST_TMPDIR/h.img" bs=1 seek=512 conv=notrunc status=none
	run vm --kernel "$GUEST/hostile" --disk "$BATS_TEST_TMPDIR/h.img" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'breaks the device\|break the device' <<<"$output")" -eq 9 ]
	[[ "$output" == *"PASS after a reset the device works again"* ]]
	[[ "$output" == *"PASS the VMM survived 3000 garbage accesses"* ]]
	no_fail
}

@test "vm: the virtqueue walker fuzz target replays its corpus and 20000 random rings cleanly" {
	fuzz=$(dirname "$HULL")/tests/fuzz/fuzz-virtq
	[ -x "$fuzz" ]
	run "$fuzz" "$HULL_TOP"/tests/fuzz/corpus/virtq/*
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"inputs ok"* ]]
}

@test "vm: the kernel loader fuzz target loads or refuses 6000 mangled bzImages and ELFs cleanly" {
	fuzz=$(dirname "$HULL")/tests/fuzz/fuzz-boot
	[ -x "$fuzz" ]
	run "$fuzz" "$GUEST/hello" "$GUEST/hello.bzImage"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"6002 inputs ok"* ]]
}
