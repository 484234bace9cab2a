# runtime_helpers.bash - shared setup for tests/integration/runtime_*.bats.
# Each test gets its own state root and bundle under a private temp dir;
# container ids start with rt- so parallel helpers never collide.

: "${HULL:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/hull}"
RECVTTY=$(dirname "$HULL")/tests/unit/runtime/recvtty

# A busybox-static root filesystem in $1 (every applet linked, passwd/group).
make_rootfs() {
	local r=$1 bb
	bb=$(command -v busybox) || { echo "busybox-static is not installed" >&2; return 1; }
	mkdir -p "$r"/bin "$r"/proc "$r"/sys "$r"/dev "$r"/etc "$r"/tmp "$r"/root
	cp "$bb" "$r"/bin/busybox
	local a
	for a in $("$r"/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$r"/etc/passwd
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r"/etc/group
	chmod 1777 "$r"/tmp
}

# One rootfs per test file (copying busybox's applet links is the slow part).
runtime_setup_file() {
	export RT_CACHE=$(mktemp -d /tmp/hull-rt-test.XXXXXX)
	make_rootfs "$RT_CACHE/rootfs"
}

runtime_teardown_file() {
	[ -n "${RT_CACHE:-}" ] && rm -rf "$RT_CACHE"
}

# Per test: $ROOT (state root), $BUNDLE with config.json from `hull spec`,
# terminal off, running ARGS.
runtime_setup() {
	TMP=$(mktemp -d /tmp/hull-rt.XXXXXX)
	ROOT=$TMP/root
	BUNDLE=$TMP/bundle
	mkdir -p "$BUNDLE"
	cp -a "$RT_CACHE/rootfs" "$BUNDLE/rootfs"
	(cd "$BUNDLE" && "$HULL" spec)
	config '.process.terminal = false'
}

runtime_teardown() {
	local id
	for id in $("$HULL" --root "$ROOT" list -q 2>/dev/null); do
		"$HULL" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}

# config JQ-FILTER: edit the bundle's config.json in place.
config() {
	local f=$BUNDLE/config.json
	jq "$1" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
}

# args CMD...: set process.args.
args() {
	local a
	a=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	config ".process.args = $a"
}

hull() {
	"$HULL" --root "$ROOT" "$@"
}

# run_in SHELL-COMMAND: `hull run` of `sh -c CMD` in the bundle; output in $output.
run_in() {
	args sh -c "$1"
	run hull run --bundle "$BUNDLE" "rt-$BATS_TEST_NUMBER" </dev/null
}

# assert_clean ID: no state dir, no mount left behind.
assert_clean() {
	[ ! -e "$ROOT/$1" ] || { echo "state dir $ROOT/$1 was left behind" >&2; return 1; }
	# Other work on the machine mounts things too, so no count: a leak from
	# the container would be a mount of, or under, this test's bundle.
	! grep -q "$TMP" /proc/self/mountinfo || { echo "a mount under $TMP remains" >&2; return 1; }
}

# wait_status ID STATUS: poll `hull state` (up to 20 s).
wait_status() {
	# a deadline, not a count: on a loaded machine each `hull state` is slow
	local end=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(hull state "$1" 2>/dev/null | jq -r .status)" = "$2" ] && return 0
		sleep 0.05
	done
	echo "container $1 never reached $2" >&2
	return 1
}

# gone PID: true when PID no longer runs: absent, or a zombie waiting for a
# reaper that is not ours (a detached container's init is reparented).
gone() {
	! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
