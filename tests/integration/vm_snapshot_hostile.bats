#!/usr/bin/env bats
# A snapshot file is hostile input: checksums catch corruption, every size
# in it is bounded, no path in it is opened or unlinked; and restore maps
# guest memory from the file copy-on-write, never writing it back.

load vm_helpers

setup() {
	kvm_require
}

teardown() { # a failed assertion must not leave a guest waiting
	[ -z "${vm_pid:-}" ] || kill "$vm_pid" 2>/dev/null || true
}

snapfile() { python3 "$BATS_TEST_DIRNAME/vm_snapfile.py" "$@"; }

# save_snap FILE ARGS...: boot the snap guest with ARGS, wait for it, save it with --stop
save_snap() {
	local file=$1 d=$BATS_TEST_TMPDIR
	shift
	rm -f "$d/in" "$d/out"
	mkfifo "$d/in"
	"$HULL" vm run --api-socket "$d/api" --kernel "$GUEST/snap" "$@" <"$d/in" >"$d/out" 2>&1 &
	vm_pid=$!
	exec 7>"$d/in"
	for _ in $(seq 300); do grep -q "waiting for a line" "$d/out" && break; sleep 0.1; done
	grep -q "waiting for a line" "$d/out"
	token=$(grep -o 'token=[0-9a-f]*' "$d/out" | head -1)
	"$HULL" vm snapshot --api-socket "$d/api" --stop "$file"
	wait "$vm_pid"
	exec 7>&-
}

restore() { # restore FILE ARGS... with a line on the console
	run bash -c 'printf "a line\n" | timeout 60 "$0" vm restore "$@"' "$HULL" "$@"
	echo "$output"
}

@test "vm: restore maps memory from a sparse file; the guest's memory survives and its writes never reach the file" {
	s=$BATS_TEST_TMPDIR/snap
	save_snap "$s" --memory 256M --cmdline "fill=8"
	# 256 MiB of RAM, 8 MiB of it written: zero pages are holes
	[ "$(stat -c %s "$s")" -gt $((256 << 20)) ]
	[ "$(du -k "$s" | cut -f1)" -lt $((24 << 10)) ]
	sum=$(sha256sum <"$s")
	restore "$s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the wait: $token line=a line"* ]]
	[[ "$output" == *"PASS memory pattern survived: 0 of 2048 pages differ"* ]]
	[[ "$output" == *"overwrote 8 MiB"* ]]
	no_fail
	# the guest overwrote every page it had filled: the file is as it was
	[ "$(sha256sum <"$s")" = "$sum" ]
	# and a second restore still finds the saved pattern
	restore "$s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS memory pattern survived"* ]]
}

@test "vm: restore never opens or unlinks a path taken from the snapshot" {
	d=$BATS_TEST_TMPDIR
	head -c 1048576 /dev/urandom >"$d/victim.img"
	victim=$(sha256sum <"$d/victim.img")
	save_snap "$d/snap" --disk "$d/victim.img" --vsock 4711 --vsock-path "$d/vsock"
	# what a crafted file would name: a host file where the vsock socket was
	echo "host data" >"$d/vsock"
	restore "$d/snap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"has 1 disk(s) and 0 --disk were given"* ]]
	[[ "$output" == *"paths inside a snapshot are not trusted"* ]]
	[[ "$output" == *"victim.img"* ]] # named as a hint
	[ "$(cat "$d/vsock")" = "host data" ]
	# the mode the guest saw must match
	head -c 1048576 /dev/zero >"$d/other.img"
	restore "$d/snap" --disk "$d/other.img,ro" --vsock-path "$d/vs2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk 1 was read-write"* ]]
	# given again, the user's paths are used and nothing else is touched
	restore "$d/snap" --disk "$d/other.img" --vsock-path "$d/vs2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the wait: $token line=a line"* ]]
	[ "$(cat "$d/vsock")" = "host data" ]
	[ "$(sha256sum <"$d/victim.img")" = "$victim" ]
	[ ! -e "$d/vs2" ] # its socket is gone with the VM
}

@test "vm: a corrupted, truncated or foreign snapshot is refused, naming the file and what is wrong" {
	d=$BATS_TEST_TMPDIR
	save_snap "$d/good" --cmdline "fill=1"
	cp --sparse=always "$d/good" "$d/s"
	snapfile "$d/s" flip_state 300
	restore "$d/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"snapshot \`$d/s\` is corrupted: its vCPU and device state does not match its checksum"* ]]
	cp --sparse=always "$d/good" "$d/s"
	printf '\x07' | dd of="$d/s" bs=1 seek=20 conv=notrunc status=none
	restore "$d/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"its header does not match its checksum"* ]]
	# memory: the guest is stopped as soon as the check finds it (it would wait forever)
	cp --sparse=always "$d/good" "$d/s"
	snapfile "$d/s" flip_mem $(((16 << 20) + 100))
	run timeout 60 "$HULL" vm restore "$d/s" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"snapshot \`$d/s\` is corrupted: its memory does not match its checksum"* ]]
	# a hole that became data is caught the same way
	cp --sparse=always "$d/good" "$d/s"
	snapfile "$d/s" flip_mem $((200 << 20))
	run timeout 60 "$HULL" vm restore "$d/s" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"its memory does not match its checksum"* ]]
	# truncated anywhere
	for size in 10 100 5000 $((1 << 20)); do
		head -c "$size" "$d/good" >"$d/s"
		restore "$d/s"
		[ "$status" -eq 1 ]
		[[ "$output" == *"snapshot \`$d/s\` is truncated"* ]]
	done
	# foreign, or another version
	head -c 300000 /dev/urandom >"$d/s"
	restore "$d/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`$d/s\` is not a hull snapshot"* ]]
	cp --sparse=always "$d/good" "$d/s"
	snapfile "$d/s" version 1
	restore "$d/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"has format version 1; this hull reads versions 2 to 3"* ]]
	# not a regular file
	restore /dev/zero
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not a regular file"* ]]
}

@test "vm: every size in a snapshot is bounded, even behind valid checksums" {
	d=$BATS_TEST_TMPDIR
	head -c 65536 /dev/zero >"$d/disk.img"
	save_snap "$d/good" --disk "$d/disk.img"
	check() { # FIELD VALUE EXPECTED
		cp --sparse=always "$d/good" "$d/s"
		snapfile "$d/s" "$1" "$2"
		restore "$d/s"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$3"* ]]
	}
	check cpus 1000 "bad configuration"
	check cpus 0 "bad configuration"
	check n_disks 9 "bad configuration"
	check mem_size $((1 << 50)) "impossibly"
	check mem_size $((512 << 20)) "is truncated"
	check state_size $((1 << 30)) "impossibly"
	check mem_offset 4096 "impossibly"
	check memory $((128 << 20)) "the header says"
	check path_len 100000 "a path of 100000 bytes"
}
