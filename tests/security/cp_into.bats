#!/usr/bin/env bats
# hull cp into a container that races the copy: while hull creates the file
# and then sets its mode, owner and times, the container renames a symlink to
# a host file over it. No metadata call may follow that symlink from the
# host's root: the host file keeps its mode, owner, times and content.
# Names prefixed scp-.

load ../integration/engine_helpers

setup_file() {
	export ENGINE_NET=20
	engine_setup_file
	export SCPDIR
	SCPDIR=$(mktemp -d /tmp/scp-into.XXXXXX)
}

teardown_file() {
	engine_teardown_file
	rm -rf "$SCPDIR"
}

# A host file outside the container (under /tmp), 0600, owned by 4321:4321, dated 2001.
make_victim() {
	VICTIM=$(mktemp "$SCPDIR/victim.XXXXXX")
	echo "host secret" >"$VICTIM"
	chmod 0600 "$VICTIM"
	chown 4321:4321 "$VICTIM"
	touch -d '2001-02-03 04:05:06' "$VICTIM"
	VICTIM_STAT=$(stat -c '%a %u:%g %Y %s' "$VICTIM")
}

victim_unchanged() {
	[ "$(stat -c '%a %u:%g %Y %s' "$VICTIM")" = "$VICTIM_STAT" ]
	[ "$(cat "$VICTIM")" = "host secret" ]
}

# The container swaps `big` in /x for a symlink to the host file, forever.
start_swapper() {
	"$HULL" run -d --network none --name "$1" busybox sh -c \
		"mkdir -p /x && cd /x && while :; do ln -s $VICTIM t; mv -f t big; done" >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec "$1" test -L /x/big && return 0; sleep 0.1; done
	return 1
}

@test "cp into a container racing a symlink swap never touches the host file" {
	make_victim
	start_swapper scp-swap
	echo "copied in" >"$SCPDIR/big"
	chmod 0757 "$SCPDIR/big"
	touch -d '2020-01-01' "$SCPDIR/big"
	local end=$((SECONDS + 12)) tries=0 copied=0
	while [ "$tries" -lt 200 ] && [ "$SECONDS" -lt "$end" ]; do
		"$HULL" cp "$SCPDIR/big" scp-swap:/x/ 2>/dev/null && copied=$((copied + 1))
		"$HULL" cp -a "$SCPDIR/big" scp-swap:/x/ 2>/dev/null && copied=$((copied + 1))
		tries=$((tries + 1))
		victim_unchanged
	done
	# the copies themselves went through (a race lost fails one, cleanly)
	[ "$copied" -gt 0 ]
	"$HULL" rm -f scp-swap >/dev/null
	rm -f "$VICTIM"
}

@test "cp - (a tar) into a container racing a symlink swap never touches the host file" {
	make_victim
	start_swapper scp-swaptar
	mkdir -p "$SCPDIR/tarsrc"
	echo "from a tar" >"$SCPDIR/tarsrc/big"
	chmod 0757 "$SCPDIR/tarsrc/big"
	tar -C "$SCPDIR/tarsrc" -cf "$SCPDIR/big.tar" big
	local end=$((SECONDS + 12)) tries=0 copied=0
	while [ "$tries" -lt 200 ] && [ "$SECONDS" -lt "$end" ]; do
		"$HULL" cp - scp-swaptar:/x <"$SCPDIR/big.tar" 2>/dev/null && copied=$((copied + 1))
		"$HULL" cp -a - scp-swaptar:/x <"$SCPDIR/big.tar" 2>/dev/null && copied=$((copied + 1))
		tries=$((tries + 1))
		victim_unchanged
	done
	[ "$copied" -gt 0 ]
	"$HULL" rm -f scp-swaptar >/dev/null
	rm -f "$VICTIM"
}

@test "cp in without a race: the entries made get their mode, owner and times" {
	"$HULL" run -d --network none --name scp-plain busybox sleep 1000 >/dev/null 2>&1
	mkdir -p "$SCPDIR/tree/sub"
	echo data >"$SCPDIR/tree/sub/file"
	chmod 4750 "$SCPDIR/tree/sub/file"
	chmod 0705 "$SCPDIR/tree/sub"
	ln -s file "$SCPDIR/tree/sub/link"
	mkfifo "$SCPDIR/tree/fifo"
	chmod 0620 "$SCPDIR/tree/fifo"
	touch -h -d '2001-02-03 04:05:06' "$SCPDIR/tree/sub/file" "$SCPDIR/tree/sub/link" "$SCPDIR/tree/fifo"
	chown -R 1234:2345 "$SCPDIR/tree"
	chmod 4750 "$SCPDIR/tree/sub/file" # chown cleared it
	"$HULL" cp -a "$SCPDIR/tree" scp-plain:/
	local t
	t=$(date -d '2001-02-03 04:05:06' +%s)
	run "$HULL" exec scp-plain stat -c '%a %u:%g %Y %F %n' /tree/sub/file /tree/sub/link /tree/fifo
	[ "${lines[0]}" = "4750 1234:2345 $t regular file /tree/sub/file" ]
	[ "${lines[1]}" = "777 1234:2345 $t symbolic link /tree/sub/link" ]
	[ "${lines[2]}" = "620 1234:2345 $t fifo /tree/fifo" ]
	run "$HULL" exec scp-plain stat -c '%a %u:%g %F' /tree/sub
	[ "$output" = "705 1234:2345 directory" ]
	# without -a: the container's root owns them, modes unchanged
	"$HULL" cp "$SCPDIR/tree" scp-plain:/mine
	run "$HULL" exec scp-plain stat -c '%a %u:%g' /mine/sub/file
	[ "$output" = "4750 0:0" ]
	"$HULL" rm -f scp-plain >/dev/null
}
