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
