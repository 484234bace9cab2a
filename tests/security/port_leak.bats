#!/usr/bin/env bats
# A monitor killed (kill -9) at any point of a `run -d -p` must not leave a
# published port behind: `rm -f` removes the DNAT map elements the kernel
# has for the container, whether or not its record got to list them, and a
# later container given the same address does not answer on the old port.
# Names sst-pl-*, host ports 19200-19229, ENGINE_NET 30.

load crash_helpers

setup_file() {
	export ENGINE_NET=30
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
	# what a failing run leaked, so that it does not outlive this file
	local p
	for p in $(published_ports_in 19200 19229 | awk '{print $1 "@" $3}'); do
		nft delete element ip hull publish_any "{ ${p%@*} . ${p#*@} }" 2>/dev/null || true
	done
}

# The records (NetworkSettings.Ports) that list host port $1.
recorded_port() {
	cat "$HULL_DATA_ROOT"/containers/*/container.json 2>/dev/null |
		jq -r --arg p "$1" '.NetworkSettings.Ports[]?[]?.HostPort | select(. == $p)'
}

@test "kill -9 of the monitor while it publishes: rm -f leaves no DNAT element, a new container gets no old port" {
	local ids=() tries=30 i port hits=0
	for i in $(seq 0 $((tries - 1))); do
		port=$((19200 + i))
		# the ports are published ~10-30 ms into run -d here (later under load)
		kill_after "$(random_delay 5 60)" "--name sst-pl-$i " \
			"$HULL" run -d -p "$port:80" --name "sst-pl-$i" busybox httpd -f -p 80
		ids+=($(container_ids))
		# the window this is about: published, but no record lists it
		if [ -n "$(published_ports_in "$port" "$port")" ] && [ -z "$(recorded_port "$port")" ]; then
			hits=$((hits + 1))
		fi
		"$HULL" rm -f "sst-pl-$i" >/dev/null 2>&1 || true
	done
	echo "$hits of $tries kills came between publishing and the record"
	run published_ports_in 19200 19229
	echo "left in table ip hull: $output"
	[ -z "$output" ]
	run leaks "${ids[@]}"
	echo "$output"
	[ -z "$output" ]
	# the address the killed ones had goes to the next container: it must
	# not be reachable through any of their ports
	"$HULL" run -d --name sst-pl-new busybox httpd -f -p 80 >/dev/null
	ip=$("$HULL" inspect -f '{{.NetworkSettings.IPAddress}}' sst-pl-new)
	[ "$ip" = "10.197.30.2" ]
	for _ in $(seq 50); do nc -z -w1 "$ip" 80 && break; sleep 0.1; done
	for i in $(seq 0 $((tries - 1))); do
		run curl -s -m 1 -o /dev/null "127.0.0.1:$((19200 + i))"
		[ "$status" -ne 0 ]
	done
	"$HULL" rm -f sst-pl-new >/dev/null
}
