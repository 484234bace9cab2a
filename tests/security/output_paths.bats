#!/usr/bin/env bats
# Output paths (hull export -o, hull save -o, hull scan -o, hull cp C:F DEST):
# a destination that exists and is not a regular file (a character device
# such as /dev/null, a FIFO) is written into and stays what it is; a
# regular file is replaced whole (temp name + rename), and a failed run
# leaves it as it was. Names prefixed scp-.

load ../integration/engine_helpers

setup_file() {
	export ENGINE_NET=22
	engine_setup_file
	export SCPDIR
	SCPDIR=$(mktemp -d /tmp/scp-output.XXXXXX)
	"$HULL" run -d --network none --name scp-out busybox sh -c \
		'echo "from the container" >/f && touch /ready && exec sleep 1000' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec scp-out test -e /ready && break; sleep 0.1; done
	mkdir -p "$SCPDIR/scanroot/etc"
	printf 'ID=debian\nVERSION_ID="12"\n' >"$SCPDIR/scanroot/etc/os-release"
}

teardown_file() {
	engine_teardown_file
	rm -rf "$SCPDIR"
}

# Each command, writing its output to $1.
export_to() { "$HULL" export -o "$1" scp-out; }
save_to() { "$HULL" save -o "$1" busybox; }
scan_to() { "$HULL" scan --skip-vulns -f json -o "$1" "$SCPDIR/scanroot"; }
cp_to() { "$HULL" cp scp-out:/f "$1"; }

# A character device of our own, a copy of /dev/null (a command that
# replaced it must not take the machine's /dev/null with it).
make_null() {
	rm -f "$1"
	mknod "$1" c 1 3
	chmod 0666 "$1"
}

null_intact() {
	[ "$(stat -c '%F %u:%g %a %t,%T' "$1")" = "character special file 0:0 666 1,3" ]
}

@test "-o a character device writes into it and leaves it a device" {
	for cmd in export_to save_to scan_to cp_to; do
		make_null "$SCPDIR/null"
		"$cmd" "$SCPDIR/null"
		null_intact "$SCPDIR/null"
		[ -z "$(ls "$SCPDIR" | grep -F 'null.tmp')" ]
	done
	# and the machine's /dev/null (reached only once the copy above held)
	for cmd in export_to save_to scan_to cp_to; do
		"$cmd" /dev/null
		null_intact /dev/null
	done
}

@test "-o a FIFO writes the whole output into it and leaves it a FIFO" {
	for cmd in export_to save_to scan_to cp_to; do
		rm -f "$SCPDIR/fifo" "$SCPDIR/got"
		mkfifo "$SCPDIR/fifo"
		timeout 20 cat "$SCPDIR/fifo" >"$SCPDIR/got" &
		local reader=$!
		"$cmd" "$SCPDIR/fifo"
		wait "$reader"
		[ -p "$SCPDIR/fifo" ]
		case $cmd in
		export_to) tar -tf "$SCPDIR/got" | grep -qx f ;;
		save_to) tar -tf "$SCPDIR/got" | grep -qx manifest.json ;;
		scan_to) grep -q '"target"' "$SCPDIR/got" ;;
		cp_to) [ "$(cat "$SCPDIR/got")" = "from the container" ] ;;
		esac
	done
}

@test "-o a regular file replaces it whole; a failed run leaves it as it was" {
	for cmd in export_to save_to scan_to cp_to; do
		echo old >"$SCPDIR/out"
		local inode
		inode=$(stat -c %i "$SCPDIR/out")
		"$cmd" "$SCPDIR/out"
		[ -f "$SCPDIR/out" ]
		[ "$(stat -c %i "$SCPDIR/out")" != "$inode" ]
		[ "$(stat -c %s "$SCPDIR/out")" -gt 4 ]
	done
	# a symlink to a file: the file is replaced, the link stays
	for cmd in export_to save_to scan_to cp_to; do
		echo old >"$SCPDIR/target"
		ln -sfn "$SCPDIR/target" "$SCPDIR/link"
		"$cmd" "$SCPDIR/link"
		[ -L "$SCPDIR/link" ]
		[ "$(readlink "$SCPDIR/link")" = "$SCPDIR/target" ]
		[ "$(stat -c %s "$SCPDIR/target")" -gt 4 ]
	done
	# an image that does not exist: save fails after opening its output
	echo old >"$SCPDIR/kept"
	run "$HULL" save -o "$SCPDIR/kept" scp-no-such-image
	[ "$status" -ne 0 ]
	[ "$(cat "$SCPDIR/kept")" = old ]
	[ -z "$(ls "$SCPDIR" | grep -F '.tmp')" ]
	# a directory is refused, not replaced
	mkdir "$SCPDIR/adir"
	run "$HULL" export -o "$SCPDIR/adir" scp-out
	[ "$status" -ne 0 ]
	[ -d "$SCPDIR/adir" ]
}
