#!/usr/bin/env bats
# Networks: the default bridge, published ports, user networks with names,
# none and host. Traffic only to 127.0.0.1 and to the containers' own
# namespaces on this host.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=13
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "run -d -p 8080:80 --name web busybox httpd answers curl 127.0.0.1:8080" {
	id=$("$HULL" run -d -p 8080:80 --name eng-web busybox httpd -f -p 80 2>/dev/null)
	[ ${#id} -eq 64 ]
	wait_port 8080
	# httpd answers (404: busybox's httpd has no index page)
	code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' 127.0.0.1:8080)
	[ "$code" = 404 ]
	run "$HULL" ps --format '{{.Names}} {{.Ports}}'
	[[ "$output" == *"eng-web 0.0.0.0:8080->80/tcp"* ]]
	"$HULL" rm -f eng-web
	run ! curl -s -m 1 -o /dev/null 127.0.0.1:8080
}

@test "a page served from a container, and a taken port is refused" {
	"$HULL" run -d -p 127.0.0.1:8081:80 --name eng-page busybox \
		sh -c 'mkdir /www && echo hello-from-hull >/www/index.html && httpd -f -p 80 -h /www' >/dev/null
	wait_port 8081
	run curl -s -m 3 127.0.0.1:8081/
	[ "$output" = hello-from-hull ]
	run "$HULL" run --rm -p 127.0.0.1:8081:80 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"port is already allocated"* ]]
	"$HULL" rm -f eng-page
}

@test "-p with a udp port and -P pick ports and show them" {
	"$HULL" run -d -P --expose 90 -p 8082:53/udp --name eng-ports busybox sleep 30 >/dev/null
	run "$HULL" inspect -f '{{json .NetworkSettings.Ports}}' eng-ports
	[[ "$output" == *'"53/udp":[{"HostIp":"0.0.0.0","HostPort":"8082"}]'* ]]
	[[ "$output" == *'"90/tcp":[{"HostIp":"0.0.0.0","HostPort":"'* ]]
	"$HULL" rm -f eng-ports
}

@test "concurrent containers never share an address" {
	for i in 1 2 3 4 5; do "$HULL" run -d --name eng-c$i busybox sleep 30 >/dev/null & done
	wait
	run bash -c "for i in 1 2 3 4 5; do '$HULL' inspect -f '{{.NetworkSettings.IPAddress}}' eng-c\$i; done | sort -u | wc -l"
	[ "$output" -eq 5 ]
	"$HULL" rm -f eng-c1 eng-c2 eng-c3 eng-c4 eng-c5
}

@test "containers on a user network reach each other by name" {
	"$HULL" network create --subnet 10.196.${ENGINE_NET}.0/24 eng-net >/dev/null
	"$HULL" run -d --network eng-net --name eng-srv --network-alias eng-alias busybox \
		sh -c 'mkdir /w && echo by-name >/w/index.html && httpd -f -p 80 -h /w' >/dev/null
	# nc, not wget: Debian's static busybox wget crashes in the image's
	# NSS-less glibc when it looks up the "http" service
	run "$HULL" run --rm --network eng-net busybox sh -c \
		'for h in eng-srv eng-alias; do printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 $h 80; done'
	[ "$status" -eq 0 ]
	[[ "$output" == *by-name*by-name* ]]
	# docker rename: a running peer's /etc/hosts follows the new name
	"$HULL" run -d --network eng-net --name eng-peer busybox sleep 300 >/dev/null
	"$HULL" rename eng-srv eng-srv2
	run "$HULL" exec eng-peer sh -c 'grep -w eng-srv2 /etc/hosts; grep -cw eng-srv /etc/hosts'
	[[ "${lines[0]}" == 10.196.${ENGINE_NET}.*eng-srv2* ]]
	[ "${lines[1]}" = 0 ]
	run "$HULL" exec eng-peer sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 eng-srv2 80'
	[[ "$output" == *by-name* ]]
	run "$HULL" network rm eng-net
	[ "$status" -ne 0 ]
	[[ "$output" == *"active endpoints"* ]]
	"$HULL" rm -f eng-srv2 eng-peer
	run "$HULL" network rm eng-net
	[ "$status" -eq 0 ]
	run "$HULL" network ls
	[[ "$output" != *eng-net* ]]
}

@test "--network none has only lo, --network host shares the host's" {
	run "$HULL" run --rm --network none busybox ip -o link
	[[ "$output" == *"lo:"* ]]
	[[ "$output" != *"eth0"* ]]
	run bash -c "'$HULL' run --rm --network host busybox hostname 2>/dev/null"
	[ "$output" = "$(hostname)" ]
}

@test "the container reaches the outside through NAT (to a namespace of ours)" {
	# a stand-in for "the outside": a netns on the far side of a veth,
	# reachable only through the host's routing and our masquerade
	ip netns del eng-outside 2>/dev/null || true
	ip link del eng-out0 2>/dev/null || true
	ip netns add eng-outside
	ip link add eng-out0 type veth peer name eng-out1
	ip link set eng-out1 netns eng-outside
	ip addr add 10.195.${ENGINE_NET}.1/24 dev eng-out0
	ip link set eng-out0 up
	ip netns exec eng-outside ip addr add 10.195.${ENGINE_NET}.2/24 dev eng-out1
	ip netns exec eng-outside ip link set eng-out1 up
	ip netns exec eng-outside ip link set lo up
	mkdir -p /tmp/eng-outside-www && echo outside-ok >/tmp/eng-outside-www/index.html
	ip netns exec eng-outside busybox httpd -p 80 -h /tmp/eng-outside-www
	run "$HULL" run --rm busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 10.195.${ENGINE_NET}.2 80"
	ip netns pids eng-outside | xargs -r kill
	ip netns del eng-outside
	ip link del eng-out0 2>/dev/null || true
	rm -rf /tmp/eng-outside-www
	[ "$status" -eq 0 ]
	[[ "$output" == *"200 OK"*outside-ok* ]]
}
