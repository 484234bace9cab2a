#!/usr/bin/env bats
# Crash consistency: `hull create`, `run -d` and `rm -f` killed (SIGKILL,
# every process of the command) at random points. The next command, `rm -f`
# or `container prune`, completes or undoes what was half done: no mount,
# cgroup, veth, nft element, runtime state, directory or name is left, the
# name can be given again, no containers/.rm-* survives the next command,
# and the image store still verifies. A full disk never turns an exit code
# into a false "monitor is gone".
# Names sst-ck-*, host ports 19230-19299, ENGINE_NET 31 (32 for the tmpfs root).

load crash_helpers

TRIES=50

setup_file() {
	export ENGINE_NET=31
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
	local p
	for p in $(published_ports_in 19230 19299 | awk '{print $1 "@" $3}'); do
		nft delete element ip hull publish_any "{ ${p%@*} . ${p#*@} }" 2>/dev/null || true
	done
}

# Blobs whose content does not hash to their name.
bad_blobs() {
	local f
	for f in "$HULL_DATA_ROOT"/images/blobs/sha256/*; do
		[ -f "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -c1-64)" = "${f##*/}" ] || echo "bad blob: $f"
	done
}

# After the kills: nothing of ids is left, names are free, the store verifies.
assert_clean() {
	run leaks "$@"
	echo "$output"
	[ -z "$output" ]
	run published_ports_in 19230 19299
	echo "nft: $output"
	[ -z "$output" ]
	run ls -A "$HULL_DATA_ROOT/names"
	echo "names: $output"
	[ -z "$output" ]
	run bad_blobs
	[ -z "$output" ]
	run "$HULL" images --format '{{.Repository}}'
	[[ "$output" == *busybox* ]]
}

# The name is the user's again: create takes it, rm gives it back.
assert_name_free() {
	run "$HULL" create --name "$1" busybox true
	[ "$status" -eq 0 ] || { echo "create --name $1: $output"; false; }
	"$HULL" rm "$1" >/dev/null
}

@test "create killed at random points: rm -f or container prune frees the name" {
	local ids=() i name
	for i in $(seq "$TRIES"); do
		name=sst-ck-c$i
		if ((i % 2)); then
			kill_after "$(random_delay 0 30)" "--name $name " "$HULL" create --name "$name" busybox true
		else # between the two steps that matter: the name is claimed, the record not yet written
			kill_at "$HULL_DATA_ROOT/names/$name" "$HULL" create --name "$name" busybox true
		fi
		ids+=($(container_ids))
		if ((i % 4 < 2)); then
			"$HULL" rm -f "$name" >/dev/null 2>&1 || true
		else
			"$HULL" container prune -f >/dev/null
		fi
		assert_name_free "$name"
	done
	assert_clean "${ids[@]}"
}

@test "run -d killed at random points: rm -f takes everything it made" {
	local ids=() i name
	for i in $(seq "$TRIES"); do
		name=sst-ck-r$i
		kill_after "$(random_delay 0 60)" "--name $name " \
			"$HULL" run -d --name "$name" -p "$((19230 + i)):80" busybox httpd -f -p 80
		ids+=($(container_ids))
		"$HULL" rm -f "$name" >/dev/null 2>&1 || true
		assert_name_free "$name"
	done
	assert_clean "${ids[@]}"
}

@test "rm -f killed at random points: the next command finishes it, no .rm-* is left" {
	local ids=() i name
	for i in $(seq "$TRIES"); do
		name=sst-ck-d$i
		"$HULL" run -d --name "$name" busybox sleep 60 >/dev/null 2>&1
		ids+=($(container_ids))
		if ((i % 2)); then
			kill_after "$(random_delay 0 30)" "rm -f $name" "$HULL" rm -f "$name"
		else # while it deletes the hidden directory
			kill_at "$HULL_DATA_ROOT/containers/.rm-${ids[-1]}" "$HULL" rm -f "$name"
		fi
		"$HULL" ps -a >/dev/null
		run ls -A "$HULL_DATA_ROOT/containers"
		[[ "$output" != *.rm-* ]]
		"$HULL" rm -f "$name" >/dev/null 2>&1 || true
		assert_name_free "$name"
	done
	assert_clean "${ids[@]}"
}

@test "a full disk when the container exits: ps and inspect say exit 3, never a false 'monitor is gone'" {
	local root
	root=$(mktemp -d /tmp/sst-full.XXXXXX)
	mount -t tmpfs -o size=32m tmpfs "$root"
	(
		export HULL_DATA_ROOT=$root
		printf '{"bridge":"hulle32","bip":"10.197.32.1/24"}\n' >"$root/engine.json"
		"$HULL" image build-default >/dev/null
		"$HULL" run -d --name sst-ck-full --network none busybox sh -c 'sleep 1; exit 3' >/dev/null 2>&1
		# fill the data root while it runs
		dd if=/dev/zero of="$root/fill" bs=64k 2>/dev/null || true
		"$HULL" wait sst-ck-full >"$BATS_TEST_TMPDIR/wait" 2>&1 || true
		"$HULL" ps -a --format '{{.Names}} {{.Status}}' >"$BATS_TEST_TMPDIR/ps" 2>&1 || true
		"$HULL" inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' sst-ck-full \
			>"$BATS_TEST_TMPDIR/inspect" 2>&1 || true
		rm -f "$root/fill"
		"$HULL" rm -f sst-ck-full >/dev/null 2>&1 || true
	)
	umount "$root" && rmdir "$root"
	cat "$BATS_TEST_TMPDIR/wait" "$BATS_TEST_TMPDIR/ps" "$BATS_TEST_TMPDIR/inspect"
	[ "$(cat "$BATS_TEST_TMPDIR/wait")" = 3 ]
	[[ "$(cat "$BATS_TEST_TMPDIR/ps")" == "sst-ck-full Exited (3) "* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/inspect")" = "exited 3 " ]
}
