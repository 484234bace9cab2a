#!/usr/bin/env bats
# The VMM confines itself once its VM is built: no capabilities,
# no_new_privs, and a seccomp allowlist of its run loop's system calls
# (every other vm_*.bats test runs under it too). --no-seccomp opts out.

load vm_helpers

teardown() { # a failed assertion must not leave a guest waiting
	[ -z "${vm_pid:-}" ] || kill "$vm_pid" 2>/dev/null || true
}

@test "vm: a system call outside the VMM's seccomp allowlist kills it with SIGSYS, and says which" {
	HULL_VM_TEST_SECCOMP=1 run vm --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the VMM made system call 110 "*"outside its seccomp allowlist"* ]]
	[[ "$output" == *"the VMM was killed by SIGSYS"* ]]
	[[ "$output" != *"DONE failures=0"* ]]
	# the same with the filter off: getppid is harmless, the guest runs
	HULL_VM_TEST_SECCOMP=1 run vm --no-seccomp --kernel "$GUEST/hello" </dev/null
	[ "$status" -eq 0 ]
	no_fail
	# the lean executable loads libseccomp itself, and does the same
	HULL_VM_TEST_SECCOMP=1 run "$(dirname "$HULL")/src/cli/vm/hull-vm" run --kernel "$GUEST/hello" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"killed by SIGSYS"* ]]
}

# vmm_status FIELD: a field of /proc/PID/status of the process running the VM
vmm_status() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$vmm/status"; }

start_waiting_vm() { # the snap guest waits for a line on its console
	d=$BATS_TEST_TMPDIR
	rm -f "$d/in" "$d/out"
	mkfifo "$d/in"
	"$HULL" vm run --kernel "$GUEST/snap" "$@" <"$d/in" >"$d/out" 2>&1 &
	vm_pid=$!
	exec 7>"$d/in"
	for _ in $(seq 100); do grep -q "waiting for a line" "$d/out" && break; sleep 0.1; done
	grep -q "waiting for a line" "$d/out"
}

@test "vm: the running VMM has no capabilities, no_new_privs and a seccomp filter; --no-seccomp keeps them" {
	start_waiting_vm
	vmm=$(pgrep -P "$vm_pid")
	[ -n "$vmm" ]
	[ "$(vmm_status Seccomp)" = 2 ]
	[ "$(vmm_status NoNewPrivs)" = 1 ]
	[ "$(vmm_status CapEff)" = 0000000000000000 ]
	[ "$(vmm_status CapPrm)" = 0000000000000000 ]
	[ "$(vmm_status CapBnd)" = 0000000000000000 ]
	# every thread: the vCPU and I/O threads too
	for t in /proc/$vmm/task/*; do [ "$(awk '$1 == "Seccomp:" { print $2 }' "$t/status")" = 2 ]; done
	echo "a line" >&7
	wait "$vm_pid"
	exec 7>&-
	grep -q "after the wait" "$d/out"
	start_waiting_vm --no-seccomp
	vmm=$vm_pid
	[ "$(vmm_status Seccomp)" = 0 ]
	[ "$(vmm_status CapEff)" != 0000000000000000 ]
	echo "a line" >&7
	wait "$vm_pid"
	exec 7>&-
}

@test "vm --fs: the VMM keeps only the file capabilities its virtio-fs server needs; no snapshot of it" {
	mkdir -p "$BATS_TEST_TMPDIR/share"
	start_waiting_vm --fs "share=$BATS_TEST_TMPDIR/share" --api-socket "$BATS_TEST_TMPDIR/api"
	vmm=$(pgrep -P "$vm_pid")
	[ -n "$vmm" ]
	[ "$(vmm_status Seccomp)" = 2 ]
	[ "$(vmm_status NoNewPrivs)" = 1 ]
	# CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID
	[ "$(vmm_status CapEff)" = 000000000000001f ]
	[ "$(vmm_status CapPrm)" = 000000000000001f ]
	[ "$(vmm_status CapBnd)" = 000000000000001f ]
	# its open files are host fds: a snapshot could not give them back
	run "$HULL" vm snapshot --api-socket "$BATS_TEST_TMPDIR/api" "$BATS_TEST_TMPDIR/snap"
	[ "$status" -ne 0 ]
	[[ "$output" == *"a VM with virtio-fs shares (--fs) cannot be snapshotted"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/snap" ]
	echo "a line" >&7
	wait "$vm_pid"
	exec 7>&-
	grep -q "after the wait" "$d/out"
}

@test "vm: a restored VMM runs under the same filter, its memory check included" {
	d=$BATS_TEST_TMPDIR
	start_waiting_vm --api-socket "$d/api" --cmdline "fill=2"
	"$HULL" vm snapshot --api-socket "$d/api" --stop "$d/snap"
	wait "$vm_pid"
	exec 7>&-
	run bash -c "printf 'again\n' | timeout 60 '$HULL' vm restore '$d/snap'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS memory pattern survived"* ]]
	no_fail
	HULL_VM_TEST_SECCOMP=1 run bash -c "timeout 60 '$HULL' vm restore '$d/snap' </dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == *"killed by SIGSYS"* ]]
}
