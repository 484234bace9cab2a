#!/usr/bin/env bats
# User networks: a container's own address (--ip), its extra names
# (--network-alias), docker's refusals. Traffic only between containers of
# this file on its own bridges (10.186.x.0/24). Names prefixed ns-.

load engine_helpers

setup_file() {
	export ENGINE_NET=187
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# GET / from NAME:80 by a container on network NET: the page's last line.
get_from() { # $1 network, $2 host
	"$HULL" run --rm --network "$1" busybox sh -c \
		"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $2 80 | tail -1" 2>/dev/null
}

@test "run --network NET --ip IP: that address, reached by address, name and alias; inspect shows it" {
	"$HULL" network create --subnet 10.186.1.0/24 ns-net1 >/dev/null
	"$HULL" run -d --name ns-fixed --network ns-net1 --ip 10.186.1.77 --network-alias ns-svc busybox \
		sh -c 'mkdir /w && echo fixed-ip >/w/index.html && exec httpd -f -p 80 -h /w' >/dev/null
	run "$HULL" inspect ns-fixed
	[ "$(jq -r '.[0].NetworkSettings.Networks["ns-net1"].IPAddress' <<<"$output")" = 10.186.1.77 ]
	run "$HULL" exec ns-fixed ip -o -4 addr show eth0
	[[ "$output" == *"inet 10.186.1.77/24"* ]]
	local h
	for h in 10.186.1.77 ns-fixed ns-svc; do
		run get_from ns-net1 "$h"
		[ "$output" = fixed-ip ]
	done
	# the next container gets another address, not the one taken
	run "$HULL" run --rm --network ns-net1 busybox ip -o -4 addr show eth0
	[[ "$output" == *"inet 10.186.1."* ]]
	[[ "$output" != *"inet 10.186.1.77/"* ]]
	run "$HULL" network inspect ns-net1
	[[ "$output" == *ns-fixed* ]]
	[[ "$output" == *10.186.1.77* ]]
	"$HULL" rm -f ns-fixed
	# given back when the container goes
	"$HULL" run -d --name ns-again --network ns-net1 --ip 10.186.1.77 busybox sleep 300 >/dev/null
	run "$HULL" exec ns-again ip -o -4 addr show eth0
	[[ "$output" == *"inet 10.186.1.77/24"* ]]
	"$HULL" rm -f ns-again
	"$HULL" network rm ns-net1
}

@test "--ip refusals: taken, the gateway, outside the subnet, not a user network, not an address" {
	"$HULL" network create --subnet 10.186.2.0/24 ns-net2 >/dev/null
	"$HULL" run -d --name ns-holder --network ns-net2 --ip 10.186.2.10 busybox sleep 300 >/dev/null
	run "$HULL" run --rm --network ns-net2 --ip 10.186.2.10 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"10.186.2.10: Address already in use by container ns-holder"* ]]
	run "$HULL" run --rm --network ns-net2 --ip 10.186.2.1 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"Address already in use (the gateway of ns-net2)"* ]]
	run "$HULL" run --rm --network ns-net2 --ip 10.186.3.5 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a host address of network ns-net2 (10.186.2.0/24)"* ]]
	local before
	before=$("$HULL" ps -aq | sort)
	run "$HULL" run --rm --ip 10.186.2.20 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"supported on user defined networks only"* ]]
	run "$HULL" run --rm --network ns-net2 --ip 10.186.2.300 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not an IPv4 address"* ]]
	[ "$("$HULL" ps -aq | sort)" = "$before" ]
	# the holder is untouched by the refusals
	run "$HULL" exec ns-holder ip -o -4 addr show eth0
	[[ "$output" == *"inet 10.186.2.10/24"* ]]
	"$HULL" rm -f ns-holder
	"$HULL" network rm ns-net2
}
