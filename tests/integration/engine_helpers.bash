# engine_helpers.bash - shared setup for the engine's bats files.
# Each file gets its own data root, its own default bridge (name and
# subnet from ENGINE_NET, a number 1-250 unique per file) and the embedded
# busybox image built offline. Ports 8080-8099, names prefixed eng-.

engine_setup_file() {
	export HULL_DATA_ROOT
	HULL_DATA_ROOT=$(mktemp -d /tmp/hull-engine-bats.XXXXXX)
	export ENGINE_BRIDGE="hulle${ENGINE_NET}"
	printf '{"bridge":"%s","bip":"10.197.%d.1/24"}\n' "$ENGINE_BRIDGE" "$ENGINE_NET" >"$HULL_DATA_ROOT/engine.json"
	"$HULL" image build-default >/dev/null
}

engine_teardown_file() {
	local ids
	ids=$("$HULL" ps -aq --no-trunc 2>/dev/null) || true
	[ -n "$ids" ] && "$HULL" rm -f $ids >/dev/null 2>&1
	ip link del "$ENGINE_BRIDGE" 2>/dev/null || true
	for b in $(ip -o link show type bridge | awk -F': ' '{print $2}' | grep '^hull-'); do
		# user networks of this data root only
		grep -qs "\"$b\"" "$HULL_DATA_ROOT"/networks/*/network.json && ip link del "$b"
	done
	nft delete element ip hull subnets "{ 10.197.${ENGINE_NET}.0/24 }" 2>/dev/null || true
	rm -rf "$HULL_DATA_ROOT"
}

# Wait (up to ~5 s) for a TCP port on 127.0.0.1 to answer.
wait_port() {
	for _ in $(seq 50); do
		curl -s -m 1 -o /dev/null "127.0.0.1:$1" && return 0
		sleep 0.1
	done
	return 1
}
