#!/usr/bin/env bats
# hull vm snapshot / restore: a running guest saved to one file and resumed
# in another hull process with its RAM, registers, interrupt controllers and
# UART state.

load vm_helpers

setup() {
	kvm_require
}

start_vm() { # start the snap guest with an API socket, its stdin a fifo we hold open
	d=$BATS_TEST_TMPDIR
	mkfifo "$d/in"
	"$HULL" vm run --api-socket "$d/api" --kernel "$GUEST/snap" "$@" <"$d/in" >"$d/out" 2>&1 &
	vm_pid=$!
	exec 7>"$d/in"
	for _ in $(seq 100); do grep -q "waiting for a line" "$d/out" && break; sleep 0.1; done
	grep -q "waiting for a line" "$d/out"
	token=$(grep -o 'token=[0-9a-f]*' "$d/out" | head -1)
}

@test "vm: snapshot --stop saves a waiting guest; restore resumes it where it was" {
	start_vm
	run "$HULL" vm snapshot --api-socket "$d/api" --stop "$d/snap"
	[ "$status" -eq 0 ]
	wait "$vm_pid"
	exec 7>&-
	grep -q "snapshot saved to" "$d/out"
	[ -s "$d/snap" ]
	[ ! -e "$d/api" ]
	run bash -c "printf 'resumed line\n' | timeout 60 '$HULL' vm restore '$d/snap'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the wait: $token line=resumed line"* ]]
	no_fail
	# a truncated copy is refused, not half-restored
	head -c 50000 "$d/snap" >"$d/trunc"
	run "$HULL" vm restore "$d/trunc" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"truncated"* ]]
}

@test "vm: snapshot without --stop leaves the guest running; the copy runs on its own" {
	start_vm --cpus 2
	run "$HULL" vm snapshot --api-socket "$d/api" "$d/snap"
	[ "$status" -eq 0 ]
	echo "original line" >&7
	wait "$vm_pid"
	exec 7>&-
	cat "$d/out"
	grep -q "after the wait: $token line=original line" "$d/out"
	run bash -c "printf 'copy line\n' | timeout 60 '$HULL' vm restore '$d/snap'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the wait: $token line=copy line"* ]]
}

@test "vm: a stale API socket file is replaced, a live one is refused" {
	sock="$BATS_TEST_TMPDIR/api"
	socat UNIX-LISTEN:"$sock",fork EXEC:true </dev/null >/dev/null 2>&1 &
	live=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	run "$HULL" vm run --api-socket "$sock" --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"served by another process"* ]]
	kill -9 "$live"
	wait "$live" || true
	[ -S "$sock" ]
	run "$HULL" vm run --api-socket "$sock" --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	no_fail
	[ ! -e "$sock" ]
}

@test "vm: snapshot and restore errors name the socket or the file" {
	run "$HULL" vm snapshot --api-socket "$BATS_TEST_TMPDIR/none" "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"API socket"* ]]
	echo "not a snapshot" >"$BATS_TEST_TMPDIR/bogus"
	run "$HULL" vm restore "$BATS_TEST_TMPDIR/bogus"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not a hull snapshot"* ]]
	run "$HULL" vm restore "$BATS_TEST_TMPDIR/missing"
	[ "$status" -eq 1 ]
	[[ "$output" == *"open snapshot"* ]]
}

@test "vm: --api-socket and --vsock-path never remove a file that is not a socket" {
	f="$BATS_TEST_TMPDIR/precious"
	echo "keep me" >"$f"
	run "$HULL" vm run --api-socket "$f" --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$f\` exists and is not a socket"* ]]
	[ "$(cat "$f")" = "keep me" ]
	run "$HULL" vm run --vsock 5 --vsock-path "$f" --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$f\` exists and is not a socket"* ]]
	[ "$(cat "$f")" = "keep me" ]
	# a directory is not replaced either
	mkdir "$BATS_TEST_TMPDIR/dir"
	run "$HULL" vm run --api-socket "$BATS_TEST_TMPDIR/dir" --kernel "$GUEST/hello" </dev/null
	[ "$status" -eq 1 ]
	[ -d "$BATS_TEST_TMPDIR/dir" ]
}
