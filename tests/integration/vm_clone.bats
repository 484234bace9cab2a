#!/usr/bin/env bats
# hull vm clone: N guests from one snapshot file, their RAM the file mapped
# copy-on-write (shared while only read), each with its own identity (VM
# generation ID, vsock CID and socket); writable disks locked to one VM.

bats_require_minimum_version 1.5.0
load vm_helpers

setup() {
	kvm_require
}

# snap_guest ARGS...: run the snap guest with an API socket until it waits,
# then save it with --stop to $d/snap.
snap_guest() {
	d=$BATS_TEST_TMPDIR
	mkfifo "$d/in"
	"$HULL" vm run --api-socket "$d/api" --kernel "$GUEST/snap" "$@" <"$d/in" >"$d/out" 2>&1 &
	vm_pid=$!
	exec 7>"$d/in"
	for _ in $(seq 100); do grep -q "waiting for a line" "$d/out" && break; sleep 0.1; done
	grep -q "waiting for a line" "$d/out"
	token=$(grep -o 'token=[0-9a-f]*' "$d/out" | head -1)
}

save_guest() {
	run "$HULL" vm snapshot --api-socket "$d/api" --stop "$d/snap"
	[ "$status" -eq 0 ]
	wait "$vm_pid"
	exec 7>&-
}

# count_lines PATTERN FILES...: how many of FILES hold PATTERN
count_lines() {
	local pat=$1 n=0
	shift
	for f in "$@"; do grep -q "$pat" "$f" 2>/dev/null && n=$((n + 1)); done
	echo "$n"
}

@test "vm clone: 3 clones share the snapshot's pages and each has its own vmgenid and vsock CID" {
	snap_guest --vsock 7 --vsock-path "$BATS_TEST_TMPDIR/orig" --cmdline "fill=16 keep"
	save_guest
	mkfifo "$d/cin"
	timeout 120 "$HULL" vm clone "$d/snap" -n 3 --vsock-path-prefix "$d/vs-" --console-prefix "$d/c." \
		<"$d/cin" >"$d/cout" 2>"$d/cerr" &
	clone_pid=$!
	exec 8>"$d/cin"
	echo "first line" >&8
	for _ in $(seq 150); do
		[ "$(count_lines checked "$d"/c.0 "$d"/c.1 "$d"/c.2)" -eq 3 ] && break
		sleep 0.2
	done
	cat "$d/cerr" "$d"/c.*
	[ "$(count_lines "checked 16 MiB" "$d"/c.0 "$d"/c.1 "$d"/c.2)" -eq 3 ]
	# every clone has read the 16 MiB it filled before the snapshot: one copy in the page cache
	rss=0 pss=0
	for p in $(sed -n 's/.*clone [0-9]*: pid \([0-9]*\)/\1/p' "$d/cerr"); do
		r=$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")
		s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")
		echo "pid $p Rss ${r} kB Pss ${s} kB"
		[ "$r" -ge 16384 ]
		rss=$((rss + r)) pss=$((pss + s))
	done
	echo "total Rss $rss kB Pss $pss kB"
	[ "$pss" -lt $((rss / 2)) ]
	[ -S "$d/vs-0" ] && [ -S "$d/vs-1" ] && [ -S "$d/vs-2" ]
	echo "second line" >&8
	exec 8>&-
	wait "$clone_pid"
	for i in 0 1 2; do
		grep -q "after the wait: $token line=first line" "$d/c.$i"
		grep -q "DONE failures=0" "$d/c.$i"
		run ! grep -q "FAIL " "$d/c.$i"
	done
	# a new VM generation ID and CID each (the original had CID 7: clones 8, 9, 10)
	ids=$(grep -ho 'vmgenid=[0-9a-f]*' "$d"/c.* | sort -u | wc -l)
	[ "$ids" -eq 3 ]
	run ! grep -q 'vmgenid=00000000000000000000000000000000' "$d"/c.*
	[ "$(grep -ho 'cid=[0-9]*' "$d"/c.* | sort | tr '\n' ' ')" = "cid=10 cid=8 cid=9 " ]
	[ ! -e "$d/vs-0" ]
}

@test "vm clone: --cid-base sets the CIDs; a snapshot copied to another directory restores there" {
	snap_guest --vsock 7 --vsock-path "$BATS_TEST_TMPDIR/orig"
	save_guest
	run bash -c "echo line | timeout 60 '$HULL' vm clone '$d/snap' -n 2 --cid-base 100 --vsock-path-prefix '$d/v' \
		--console-prefix '$d/c.'"
	cat "$d"/c.*
	[ "$status" -eq 0 ]
	grep -q "cid=100" "$d/c.0"
	grep -q "cid=101" "$d/c.1"
	mkdir "$d/elsewhere"
	cp --sparse=always "$d/snap" "$d/elsewhere/copy"
	rm "$d/snap"
	run bash -c "echo moved | timeout 60 '$HULL' vm restore --vsock-path '$d/v' '$d/elsewhere/copy'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"after the wait: $token line=moved"* ]]
	[[ "$output" == *"cid=7"* ]]
}

@test "vm: a writable disk is locked to one VM; read-only disks are shared" {
	d=$BATS_TEST_TMPDIR
	truncate -s 1M "$d/disk"
	truncate -s 1M "$d/ro"
	snap_guest --disk "$d/disk" --disk "$d/ro,ro"
	run "$HULL" vm run --kernel "$GUEST/hello" --disk "$d/disk" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk \`$d/disk\` is in use by another VM"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --disk "$d/disk,ro" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use by another VM that writes to it"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --disk "$d/ro,ro" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	save_guest
	# two clones of a VM with a writable disk: the second is refused, the first runs
	run bash -c "echo line | timeout 60 '$HULL' vm clone '$d/snap' -n 2 --disk '$d/disk' --disk '$d/ro,ro'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is in use by another VM"* ]]
	[ "$(grep -c 'DONE failures=0' <<<"$output")" -eq 1 ]
	# once the VM is gone the lock is too
	run "$HULL" vm run --kernel "$GUEST/hello" --disk "$d/disk" </dev/null
	[ "$status" -eq 0 ]
}
