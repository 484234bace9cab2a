#!/usr/bin/env bats
# hull export of a running container that swaps one of its directories for
# a symlink to a host directory while the export walks it: nothing of the
# host's (names or data) may end up in the tar. Names prefixed scp-.

load ../integration/engine_helpers

setup_file() {
	export ENGINE_NET=23
	engine_setup_file
	export SCPDIR HOSTDIR
	SCPDIR=$(mktemp -d /tmp/scp-export.XXXXXX)
	HOSTDIR="$SCPDIR/host"
	mkdir -p "$HOSTDIR/scp-host-only-dir"
	# host files under the names the container's decoys have: every one is
	# a chance for the race to win in each export
	for i in $(seq 100); do
		{ echo HOSTSECRET; head -c 8000 /dev/zero; } >"$HOSTDIR/s$i"
	done
	echo HOSTSECRET >"$HOSTDIR/scp-host-only-file"
	# the container's racer: a static binary exchanging two names as fast
	# as the kernel allows (busybox's mv forks once per step)
	cc -static -O2 -o "$SCPDIR/swap" "$BATS_TEST_DIRNAME/swap.c"
}

teardown_file() {
	engine_teardown_file
	rm -rf "$SCPDIR"
}

@test "export racing a directory-to-symlink swap carries nothing of the host" {
	# /x/a: a directory of decoys as big as the host files, or, for a
	# moment, a symlink to the host directory
	"$HULL" run -d --network none --name scp-exp busybox sh -c "
		mkdir -p /x/a/sub && for i in \$(seq 100); do head -c 8011 /dev/zero >/x/a/s\$i; done &&
		ln -s $HOSTDIR /x/l &&
		while [ ! -x /swap ]; do sleep 0.1; done; exec /swap /x/a /x/l" >/dev/null 2>&1
	"$HULL" cp "$SCPDIR/swap" scp-exp:/swap
	# the premise: the racer runs (/x/a is a symlink now and then)
	local seen=0
	for _ in $(seq 50); do
		"$HULL" exec scp-exp test -L /x/a && seen=1 && break
		sleep 0.1
	done
	[ "$seen" = 1 ]
	local end=$((SECONDS + 12)) tries=0 done=0
	while [ "$tries" -lt 100 ] && [ "$SECONDS" -lt "$end" ]; do
		rm -f "$SCPDIR/out.tar"
		# an export may fail (the walker refuses a directory that changed
		# under it); one that succeeds must hold nothing of the host
		"$HULL" export -o "$SCPDIR/out.tar" scp-exp 2>/dev/null || true
		tries=$((tries + 1))
		[ -f "$SCPDIR/out.tar" ] || continue
		done=$((done + 1))
		[ "$(grep -c -e HOSTSECRET -e scp-host-only "$SCPDIR/out.tar")" = 0 ]
	done
	[ "$done" -gt 0 ]
	"$HULL" rm -f scp-exp >/dev/null
}
