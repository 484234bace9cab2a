#!/usr/bin/env bats
# SMP: one thread per vCPU; the guest starts its APs with INIT-SIPI-SIPI.

load vm_helpers

setup() {
	kvm_require
}

@test "vm: 4 vCPUs: the MADT lists them and INIT/SIPI brings each one up" {
	run vm --kernel "$GUEST/smp" --cpus 4 --cmdline cpus=4 </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	for id in 1 2 3; do [[ "$output" == *"AP $id online"* ]]; done
	[[ "$output" == *"PASS all vCPUs online: 3 APs"* ]]
	no_fail
}

@test "vm: 8 vCPUs through the bzImage entry" {
	run vm --kernel "$GUEST/smp.bzImage" --cpus 8 --cmdline cpus=8 </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS all vCPUs online: 7 APs"* ]]
	no_fail
}

@test "vm: one vCPU: the MADT has one processor" {
	run vm --kernel "$GUEST/smp" --cmdline cpus=1 </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	no_fail
}
