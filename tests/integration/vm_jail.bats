#!/usr/bin/env bats
# The VMM confines itself once its VM is built: no capabilities,
# no_new_privs, and a seccomp allowlist of its run loop's system calls
# (every other vm_*.bats test runs under it too). --no-seccomp opts out.

load vm_helpers

setup() {
	kvm_require
}

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

@test "vm: --jail runs the VMM as U:G, chrooted in an empty tmpfs, in its own mount, pid and network namespaces" {
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/jail" "$d/sock"
	chmod 777 "$d/sock"
	start_waiting_vm --vsock 5 --vsock-path "$d/sock/v" --api-socket "$d/sock/api" \
		--jail "$d/jail" --uid 65534 --gid 65534
	vmm=$(pgrep -P "$vm_pid")
	[ -n "$vmm" ]
	[ "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "/proc/$vmm/status")" = 65534655346553465534 ]
	[ "$(awk '$1 == "Gid:" { print $2 $3 $4 $5 }' "/proc/$vmm/status")" = 65534655346553465534 ]
	[ -z "$(awk '$1 == "Groups:" { print $2 }' "/proc/$vmm/status")" ]
	[ "$(vmm_status CapBnd)" = 0000000000000000 ]
	[ "$(vmm_status Seccomp)" = 2 ]
	# PID 1 of its own pid namespace; mount and network namespaces of its own
	[ "$(awk '$1 == "NSpid:" { print $3 }' "/proc/$vmm/status")" = 1 ]
	for ns in mnt net pid; do [ "$(readlink "/proc/$vmm/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]; done
	# its root holds the path to the sockets' directory and nothing else; the host's DIR stays empty
	root=/proc/$vmm/root
	[ "$(ls -A "$root")" = "$(echo "$d" | cut -d/ -f2)" ]
	[ -S "$root$d/sock/v" ] && [ -S "$root$d/sock/api" ]
	[ -z "$(find "$root/" -type f -o -type l)" ]
	[ -z "$(ls -A "$d/jail")" ]
	# the API socket works from inside: a snapshot of the running VM lands in the socket's directory
	"$HULL" vm snapshot --api-socket "$d/sock/api" "$d/sock/snap"
	[ -s "$d/sock/snap" ]
	echo "a line" >&7
	wait "$vm_pid"
	exec 7>&-
	grep -q "after the wait" "$d/out"
	# the VMM, no longer root, removed its sockets on the way out
	[ ! -e "$d/sock/v" ] && [ ! -e "$d/sock/api" ]
	# hull killed: its jailed VMM goes too (the uid change cleared the parent-death signal; it is set again)
	start_waiting_vm --jail "$d/jail" --uid 65534 --gid 65534
	vmm=$(pgrep -P "$vm_pid")
	[ -n "$vmm" ]
	kill -9 "$vm_pid"
	for _ in $(seq 50); do [ -e "/proc/$vmm" ] || break; sleep 0.1; done
	[ ! -e "/proc/$vmm" ]
	exec 7>&-
}

@test "vm: a jailed VMM still reaches the host's vsock sockets through the directory bound into its jail" {
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/jail" "$d/sock"
	chmod 777 "$d/sock"
	socat UNIX-LISTEN:"$d/sock/v_5000",mode=777 SYSTEM:'read l; echo "reply=ok got: $l"' &
	listener=$!
	for _ in $(seq 50); do [ -S "$d/sock/v_5000" ] && break; sleep 0.1; done
	run vm --kernel "$GUEST/vsock" --vsock 7 --vsock-path "$d/sock/v" --cmdline "cid=7 port=5000" \
		--jail "$d/jail" --uid 65534 --gid 65534 </dev/null
	kill "$listener" 2>/dev/null || true
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"host says: reply=ok got: hello from the guest over vsock"* ]]
	no_fail
}

@test "vm: --jail refuses what it cannot do, with a clear error" {
	d=$BATS_TEST_TMPDIR
	run "$HULL" vm run --kernel "$GUEST/hello" --jail "$d"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--jail DIR needs --uid U and --gid G"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --uid 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--uid and --gid go with --jail DIR"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --jail "$d/none" --uid 1 --gid 1 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--jail \`$d/none\`"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --jail "$d" --uid 1 --gid 1 --vsock 5 --vsock-path v </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"must be absolute"* ]]
	[ ! -e v ]
	mkdir "$d/share"
	run "$HULL" vm run --kernel "$GUEST/hello" --jail "$d" --uid 1 --gid 1 --fs s="$d/share" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--fs cannot go with --jail"* ]]
}
