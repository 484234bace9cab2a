# Shared setup of the vm_*.bats files: where the guests are.
GUEST=$(dirname "$HULL")/tests/guest

# vm: run hull vm run with a time limit so a hung guest fails the test (guest
# kernel code is emulated on nested PVM: a loaded machine needs minutes).
vm() {
	timeout --kill-after=5 "${VM_TIMEOUT:-180}" "$HULL" vm run "$@"
}

# no_fail: the output has PASS lines, no FAIL line and the guest's DONE line.
no_fail() {
	[[ "$output" == *"PASS "* ]] || { echo "no PASS line"; return 1; }
	[[ "$output" != *"FAIL "* ]] || { echo "a FAIL line"; return 1; }
	[[ "$output" == *"DONE failures=0"* ]] || { echo "no DONE line"; return 1; }
}

# kvm_require: skip (saying why) where this machine has no KVM for hull's
# VMM to open; the nested-machine tests run it under QEMU's emulation there.
kvm_require() {
	if [ ! -c /dev/kvm ] || ! { exec 9</dev/kvm; } 2>/dev/null; then
		skip "this machine has no usable /dev/kvm (hull's VMM needs KVM; the vm_nested_* tests cover it under emulation)"
	fi
	exec 9<&-
}
