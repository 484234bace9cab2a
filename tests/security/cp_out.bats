#!/usr/bin/env bats
# hull cp out of a container to a host directory: a container's device
# nodes, FIFOs and sockets are never made on the host and no file or
# directory keeps a setuid or setgid bit, with or without -a; a tar on
# stdout keeps them all (that is the user's own tar to extract).
# Names prefixed scp-.

load ../integration/engine_helpers

setup_file() {
	export ENGINE_NET=21
	engine_setup_file
	export SCPDIR
	SCPDIR=$(mktemp -d /tmp/scp-out.XXXXXX)
	"$HULL" run -d --network none --name scp-special busybox sh -c '
		mkdir -p /d/suiddir /d/sgiddir &&
		mknod /d/blk b 8 0 && mknod /d/chr c 1 3 && mkfifo /d/fifo &&
		chmod 0666 /d/blk /d/chr /d/fifo &&
		echo "#!/bin/sh" >/d/suid && chmod 4777 /d/suid &&
		echo data >/d/sgid && chmod 2755 /d/sgid &&
		chmod 4777 /d/suiddir && chmod 2775 /d/sgiddir &&
		echo plain >/d/suiddir/inner && chmod 6755 /d/suiddir/inner &&
		touch /d/ready && exec sleep 1000' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec scp-special test -e /d/ready && return 0; sleep 0.1; done
	return 1
}

teardown_file() {
	engine_teardown_file
	rm -rf "$SCPDIR"
}

# No device, FIFO or socket, and no setuid or setgid bit, anywhere under $1.
nothing_special_under() {
	[ -z "$(find "$1" \( -type b -o -type c -o -type p -o -type s \) -print)" ]
	[ -z "$(find "$1" -perm /6000 -print)" ]
}

@test "cp out of a directory skips devices and FIFOs with a warning and drops setuid/setgid" {
	run "$HULL" cp scp-special:/d "$SCPDIR/plain"
	[ "$status" -eq 0 ]
	[[ "$output" == *"skipped \`/d/blk\`: a block device"* ]]
	[[ "$output" == *"skipped \`/d/chr\`: a character device"* ]]
	[[ "$output" == *"skipped \`/d/fifo\`: a FIFO"* ]]
	nothing_special_under "$SCPDIR/plain"
	[ ! -e "$SCPDIR/plain/blk" ]
	[ ! -e "$SCPDIR/plain/chr" ]
	[ ! -e "$SCPDIR/plain/fifo" ]
	# the rest is there, with its other mode bits
	[ "$(stat -c %a "$SCPDIR/plain/suid")" = 777 ]
	[ "$(stat -c %a "$SCPDIR/plain/sgid")" = 755 ]
	[ "$(stat -c %a "$SCPDIR/plain/suiddir")" = 777 ]
	[ "$(stat -c %a "$SCPDIR/plain/sgiddir")" = 775 ]
	[ "$(stat -c %a "$SCPDIR/plain/suiddir/inner")" = 755 ]
	[ "$(cat "$SCPDIR/plain/suiddir/inner")" = plain ]
}

@test "cp -a out keeps owners but makes no device and keeps no setuid/setgid bit" {
	# chown clears setuid: set the bits again after it
	"$HULL" exec scp-special sh -c 'chown -R 1234:2345 /d/suid /d/suiddir &&
		chmod 4777 /d/suid /d/suiddir && chmod 6755 /d/suiddir/inner'
	run "$HULL" cp -a scp-special:/d/. "$SCPDIR/archive"
	[ "$status" -eq 0 ]
	[[ "$output" == *"skipped \`/d/blk\`: a block device"* ]]
	nothing_special_under "$SCPDIR/archive"
	[ "$(stat -c '%u:%g %a' "$SCPDIR/archive/suid")" = "1234:2345 777" ]
	[ "$(stat -c '%u:%g %a' "$SCPDIR/archive/suiddir/inner")" = "1234:2345 755" ]
}

@test "cp out of one file: setuid dropped; a device or FIFO source is refused, nothing made" {
	"$HULL" cp scp-special:/d/suid "$SCPDIR/one"
	[ "$(stat -c %a "$SCPDIR/one")" = 777 ]
	"$HULL" cp -a scp-special:/d/sgid "$SCPDIR/two"
	[ "$(stat -c %a "$SCPDIR/two")" = 755 ]
	for f in blk chr fifo; do
		run "$HULL" cp scp-special:/d/$f "$SCPDIR/dev-$f"
		[ "$status" -ne 0 ]
		[[ "$output" == *"no device node, FIFO or socket on the host"* ]]
		[ ! -e "$SCPDIR/dev-$f" ]
		[ ! -L "$SCPDIR/dev-$f" ]
	done
	# -L onto a symlink to one is refused the same way
	"$HULL" exec scp-special ln -sf /d/blk /d/blklink
	run "$HULL" cp -L scp-special:/d/blklink "$SCPDIR/via-link"
	[ "$status" -ne 0 ]
	[ ! -e "$SCPDIR/via-link" ]
}

@test "cp out to - is a tar that keeps devices, FIFOs and setuid bits" {
	"$HULL" cp scp-special:/d - >"$SCPDIR/d.tar"
	run tar -tvf "$SCPDIR/d.tar"
	[[ "$output" == *"brw-rw-rw-"*" d/blk"* ]]
	[[ "$output" == *"crw-rw-rw-"*" d/chr"* ]]
	[[ "$output" == *"prw-rw-rw-"*" d/fifo"* ]]
	[[ "$output" == *"-rwsrwxrwx"*" d/suid"* ]]
	"$HULL" cp scp-special:/d/suid - >"$SCPDIR/suid.tar"
	run tar -tvf "$SCPDIR/suid.tar"
	[[ "$output" == *"-rwsrwxrwx"*" suid"* ]]
}
