#!/usr/bin/env bats
# User networks: a container's own address (--ip), its extra names
# (--network-alias), `network connect|disconnect`, docker's refusals.
# Traffic only between containers of this file on its own bridges
# (10.186.x.0/24). Names prefixed ns-.

load engine_helpers

setup_file() {
	export ENGINE_NET=188
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

@test "network connect: a running container gets eth1 on a second network; peers there reach it by name and alias, it reaches them" {
	"$HULL" network create --subnet 10.186.4.0/24 ns-front >/dev/null
	"$HULL" network create --subnet 10.186.5.0/24 ns-back >/dev/null
	"$HULL" run -d --name ns-app --network ns-front busybox sh -c \
		'mkdir /w && echo app-page >/w/index.html && exec httpd -f -p 80 -h /w' >/dev/null
	"$HULL" run -d --name ns-db --network ns-back busybox sh -c \
		'mkdir /w && echo db-page >/w/index.html && exec httpd -f -p 80 -h /w' >/dev/null
	# not reachable before: another bridge, no route
	run "$HULL" exec ns-db sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 1 ns-app 80"
	[[ "$output" != *app-page* ]]
	run "$HULL" network connect --alias ns-api --ip 10.186.5.50 ns-back ns-app
	[ "$status" -eq 0 ]
	run "$HULL" exec ns-app ip -o -4 addr
	[[ "$output" == *"eth0    inet 10.186.4."* ]]
	[[ "$output" == *"eth1    inet 10.186.5.50/24"* ]]
	# the default route stays on the first network
	run "$HULL" exec ns-app ip route show default
	[[ "$output" == *"via 10.186.4.1 dev eth0"* ]]
	local h
	for h in ns-app ns-api 10.186.5.50; do
		run "$HULL" exec ns-db sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $h 80 | tail -1"
		[ "$output" = app-page ]
	done
	run "$HULL" exec ns-app sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 ns-db 80 | tail -1"
	[ "$output" = db-page ]
	# a container joining its first network later: both networks' names stay in its hosts
	"$HULL" run -d --name ns-front2 --network ns-front busybox sleep 300 >/dev/null
	run "$HULL" exec ns-app cat /etc/hosts
	[[ "$output" == *ns-front2* ]]
	[[ "$output" == *ns-db* ]]
	run "$HULL" inspect ns-app
	[ "$(jq -r '.[0].NetworkSettings.Networks["ns-back"].IPAddress' <<<"$output")" = 10.186.5.50 ]
	run "$HULL" network inspect ns-back
	[ "$(jq -r '.[0].Containers | map(.Name) | sort | join(",")' <<<"$output")" = ns-app,ns-db ]
	# twice: docker's refusal
	run "$HULL" network connect ns-back ns-app
	[ "$status" -ne 0 ]
	[[ "$output" == *"endpoint with name ns-app already exists in network ns-back"* ]]

	run "$HULL" network disconnect ns-back ns-app
	[ "$status" -eq 0 ]
	run "$HULL" exec ns-app ip -o link
	[[ "$output" != *eth1* ]]
	run "$HULL" exec ns-db cat /etc/hosts
	[[ "$output" != *ns-app* ]]
	run "$HULL" exec ns-app cat /etc/hosts
	[[ "$output" != *ns-db* ]]
	[[ "$output" == *ns-front2* ]]
	run "$HULL" network inspect ns-back
	[ "$(jq -r '.[0].Containers | map(.Name) | join(",")' <<<"$output")" = ns-db ]
	# the network it was started on holds its default route
	run "$HULL" network disconnect ns-front ns-app
	[ "$status" -ne 0 ]
	[[ "$output" == *"was started on network ns-front"* ]]
	"$HULL" rm -f ns-app ns-db ns-front2 >/dev/null
	"$HULL" network rm ns-front ns-back >/dev/null
}

@test "network connect of a created container applies at start and again after a restart; stop gives the address back" {
	"$HULL" network create --subnet 10.186.6.0/24 ns-side >/dev/null
	"$HULL" create --name ns-later busybox sleep 300 >/dev/null
	"$HULL" network connect --alias ns-later-alias --ip 10.186.6.9 ns-side ns-later
	# not running: nothing plumbed yet
	run "$HULL" network inspect ns-side
	[[ "$output" != *ns-later* ]]
	"$HULL" start ns-later >/dev/null
	run "$HULL" exec ns-later ip -o -4 addr show eth1
	[[ "$output" == *"inet 10.186.6.9/24"* ]]
	run "$HULL" run --rm --network ns-side busybox grep ns-later /etc/hosts
	[[ "$output" == *"10.186.6.9"*ns-later*ns-later-alias* ]]
	"$HULL" stop -t 0 ns-later >/dev/null
	# its address on the network is given back while it is stopped
	run "$HULL" network inspect ns-side
	[[ "$output" != *ns-later* ]]
	"$HULL" restart -t 0 ns-later >/dev/null
	run "$HULL" exec ns-later ip -o -4 addr show eth1
	[[ "$output" == *"inet 10.186.6.9/24"* ]]
	run "$HULL" inspect ns-later
	[ "$(jq -r '.[0].NetworkSettings.Networks["ns-side"].IPAddress' <<<"$output")" = 10.186.6.9 ]
	# the default bridge already: docker's refusal
	run "$HULL" network connect bridge ns-later
	[ "$status" -ne 0 ]
	[[ "$output" == *"already exists in network bridge"* ]]
	# disconnected while stopped: the next start has no eth1
	"$HULL" stop -t 0 ns-later >/dev/null
	"$HULL" network disconnect ns-side ns-later
	"$HULL" start ns-later >/dev/null
	run "$HULL" exec ns-later ip -o link
	[[ "$output" != *eth1* ]]
	"$HULL" rm -f ns-later >/dev/null
	run "$HULL" network rm ns-side
	[ "$status" -eq 0 ]
}

@test "network connect refusals: none and container: modes, unknown network, not connected" {
	"$HULL" network create --subnet 10.186.7.0/24 ns-other >/dev/null
	"$HULL" run -d --name ns-nonet --network none busybox sleep 300 >/dev/null
	run "$HULL" network connect ns-other ns-nonet
	[ "$status" -ne 0 ]
	[[ "$output" == *"uses --network none"* ]]
	"$HULL" run -d --name ns-base2 busybox sleep 300 >/dev/null
	"$HULL" run -d --name ns-shares --network container:ns-base2 busybox sleep 300 >/dev/null
	run "$HULL" network connect ns-other ns-shares
	[ "$status" -ne 0 ]
	[[ "$output" == *"uses --network container:"* ]]
	run "$HULL" network connect ns-nope ns-base2
	[ "$status" -ne 0 ]
	[[ "$output" == *ns-nope* ]]
	run "$HULL" network disconnect ns-other ns-base2
	[ "$status" -ne 0 ]
	[[ "$output" == *"not connected to network ns-other"* ]]
	run "$HULL" network inspect ns-other
	[ "$(jq -r '.[0].Containers | length' <<<"$output")" = 0 ]
	"$HULL" rm -f ns-nonet ns-shares ns-base2 >/dev/null
	"$HULL" network rm ns-other >/dev/null
}
