#!/usr/bin/env bats
# virtio-vsock: guest -> host streams to <vsock-path>_PORT unix sockets.

bats_require_minimum_version 1.5.0

load vm_helpers

setup() {
	kvm_require
}

@test "vm: a guest vsock stream reaches a host unix socket and gets the reply" {
	base="$BATS_TEST_TMPDIR/v"
	socat UNIX-LISTEN:"${base}_5000" SYSTEM:'read l; echo "$l" >'"$BATS_TEST_TMPDIR/got"'; echo "reply=ok got: $l"' &
	listener=$!
	for _ in $(seq 50); do [ -S "${base}_5000" ] && break; sleep 0.1; done
	run vm --kernel "$GUEST/vsock" --vsock 7 --vsock-path "$base" --cmdline "cid=7 port=5000" </dev/null
	kill "$listener" 2>/dev/null || true
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"host says: reply=ok got: hello from the guest over vsock"* ]]
	[[ "$output" == *"PASS vsock connect to a closed port is reset"* ]]
	no_fail
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = "hello from the guest over vsock" ]
}

@test "vm: a host program reaches a guest listener with CONNECT on the base socket (Firecracker's protocol)" {
	base="$BATS_TEST_TMPDIR/v"
	timeout 60 "$HULL" vm run --kernel "$GUEST/vsock" --vsock 9 --vsock-path "$base" \
		--cmdline "cid=9 listen=6000" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	vm=$!
	for _ in $(seq 100); do grep -q "vsock listening" "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	run bash -c "printf 'CONNECT 6000\nping\n' | timeout 20 socat - UNIX-CONNECT:'$base'"
	echo "$output"
	wait "$vm"
	cat "$BATS_TEST_TMPDIR/out"
	[[ "$output" == "OK 1073741824"*"pong: ping"* ]]
	grep -q "vsock server got: ping" "$BATS_TEST_TMPDIR/out"
	run ! grep -q FAIL "$BATS_TEST_TMPDIR/out"
	[ ! -e "$base" ]
}

@test "vm: a host stream reaches a guest that grants credit only when asked, even when a request goes unanswered" {
	base="$BATS_TEST_TMPDIR/v" size=131072
	python3 -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(random.randbytes(int(sys.argv[1])))' \
		"$size" >"$BATS_TEST_TMPDIR/data"
	fnv=$(python3 -c 'import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 16777619) & 0xffffffff
print(format(h, "x"))' "$BATS_TEST_TMPDIR/data")
	timeout 90 "$HULL" vm run --kernel "$GUEST/vsock" --vsock 11 --vsock-path "$base" \
		--cmdline "cid=11 listen=6100 bulk=$size" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	vm=$!
	for _ in $(seq 100); do grep -q "vsock listening" "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	run bash -c "{ printf 'CONNECT 6100\n'; cat '$BATS_TEST_TMPDIR/data'; } | timeout 60 socat -t 60 - UNIX-CONNECT:'$base'"
	echo "$output"
	wait "$vm"
	cat "$BATS_TEST_TMPDIR/out"
	[[ "$output" == "OK "*"done"* ]]
	grep -q "vsock bulk got $size bytes fnv $fnv after" "$BATS_TEST_TMPDIR/out"
	# the first request went unanswered: the device asked again
	requests=$(sed -n 's/.*after \([0-9]*\) credit requests.*/\1/p' "$BATS_TEST_TMPDIR/out")
	[ "$requests" -ge 2 ]
	run ! grep -q FAIL "$BATS_TEST_TMPDIR/out"
}

@test "vm: --vsock refuses a reserved CID" {
	run "$HULL" vm run --kernel "$GUEST/hello" --vsock 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"--vsock"* ]]
}
