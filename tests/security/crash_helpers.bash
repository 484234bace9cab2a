# crash_helpers.bash - shared by the tests that kill hull at random points:
# start a hull command in the background, SIGKILL every process of it after
# a delay, and look for what it may have left behind on the host.
# Names prefixed sst-, ports 19200-19299, ENGINE_NET 30-39.

load ../integration/engine_helpers

# A random delay in seconds (for sleep) between $1 and $2 milliseconds.
random_delay() {
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	printf '0.%03d' "$ms"
}

# kill_after DELAY TAG CMD...: run CMD in the background; after DELAY
# seconds SIGKILL every process whose command line holds TAG (the CLI, and
# the monitor it forked: same command line), then reap the CLI.
kill_after() {
	local delay=$1 tag=$2 pid p
	shift 2
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	# again until none is left: one may fork between pgrep and kill
	for _ in 1 2 3 4 5; do
		p=$(pgrep -f -- "$tag") || break
		kill -9 $p 2>/dev/null || true
	done
	wait "$pid" 2>/dev/null || true
}

# The container ids (directories, hidden .rm-* and .new-* ones) of this
# data root that $BATS_TEST_TMPDIR/seen does not list yet (then listed).
container_ids() {
	local d
	touch "$BATS_TEST_TMPDIR/seen"
	for d in "$HULL_DATA_ROOT"/containers/* "$HULL_DATA_ROOT"/containers/.rm-* "$HULL_DATA_ROOT"/containers/.new-*; do
		[ -d "$d" ] || continue
		d=${d##*/}
		d=${d#.rm-}
		d=${d#.new-}
		grep -qx "$d" "$BATS_TEST_TMPDIR/seen" && continue
		echo "$d" | tee -a "$BATS_TEST_TMPDIR/seen"
	done
}

# leaks ID...: print what the host still holds of these containers: a
# mount under the data root, a cgroup (a process left in it keeps it), a
# veth, runtime state, a directory.
leaks() {
	local id cg
	grep -F "$HULL_DATA_ROOT" /proc/self/mountinfo | sed 's/^/mount: /'
	for id in "$@"; do
		for cg in /sys/fs/cgroup/*/hull/"$id"; do
			[ -d "$cg" ] && echo "cgroup: $cg"
		done
		ip link show "veth${id:0:11}" >/dev/null 2>&1 && echo "veth: veth${id:0:11}"
		[ -e "$HULL_DATA_ROOT/run/$id" ] && echo "runtime state: $HULL_DATA_ROOT/run/$id"
		[ -e "$HULL_DATA_ROOT/containers/$id" ] && echo "directory: containers/$id"
		[ -e "$HULL_DATA_ROOT/containers/.rm-$id" ] && echo "directory: containers/.rm-$id"
		[ -e "$HULL_DATA_ROOT/containers/.new-$id" ] && echo "directory: containers/.new-$id"
	done
	true
}

# Published elements of table ip hull that map to a port in $1..$2.
published_ports_in() {
	nft list table ip hull 2>/dev/null | grep -oE '(tcp|udp) \. [0-9]+' | awk -v lo="$1" -v hi="$2" '$3 >= lo && $3 <= hi'
}

# seen GLOB...: does a path match one of the globs? (builtins only)
seen() {
	local g
	for g in "$@"; do
		compgen -G "$g" >/dev/null && return 0
	done
	return 1
}

# kill_at 'GLOB[|GLOB...]' CMD...: run CMD in the background and SIGKILL it
# the moment a path matching a GLOB appears (a busy wait with builtins
# only: the windows between two steps of a command are well under a
# millisecond), or when it ends, at most after 3 s.
kill_at() {
	local globs pid start=$SECONDS
	IFS='|' read -r -a globs <<<"$1"
	shift
	"$@" >/dev/null 2>&1 &
	pid=$!
	while ! seen "${globs[@]}" && kill -0 "$pid" 2>/dev/null && ((SECONDS - start < 3)); do
		:
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
