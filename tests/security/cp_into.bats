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
