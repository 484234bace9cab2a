#!/usr/bin/env bats
# User-mode networks: --network slirp4netns[:OPTIONS] and --network
# pasta[:ARGS] (Debian's slirp4netns 1.2 and passt 2023-03), their
# published ports, their teardown, their errors; and the same helpers,
# with hull's command lines, inside an unprivileged user namespace (how a
# rootless container's monitor runs them). Ports 18210-18239, names rn-.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=182
	engine_setup_file
	# the image's busybox nc has no UDP mode: a static UDP echo server
	export UDP_ECHO="$BATS_FILE_TMPDIR/udp_echo"
	cc -static -O2 -o "$UDP_ECHO" "$HULL_TOP/tests/fixtures/usernet/udp_echo.c"
}

teardown_file() {
	engine_teardown_file
}

# The helper process a container's record names, and whether it runs.
helper_pid() {
	"$HULL" inspect -f '{{.NetworkSettings.HullUserNet.Pid}}' "$1"
}

alive() {
	[ -n "$1" ] && [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status"
}

host_addr() {
	ip -4 -o addr show "$(ip route show default | awk '{print $5; exit}')" | awk '{print $4; exit}' | cut -d/ -f1
}

@test "slirp4netns: tap0 10.0.2.100/24 via 10.0.2.2, DNS 10.0.2.3 answers" {
	run "$HULL" run --rm --network slirp4netns -h rn-host busybox sh -c \
		'ip -o -4 addr show tap0; ip route; cat /etc/resolv.conf /etc/hosts; ip link show tap0'
	[ "$status" -eq 0 ]
	[[ "$output" == *"tap0    inet 10.0.2.100/24"* ]]
	[[ "$output" == *"default via 10.0.2.2 dev tap0"* ]]
	[[ "$output" == *"nameserver 10.0.2.3"* ]]
	[[ "$output" == *"mtu 65520"* ]]
	[[ "$output" == *"10.0.2.100	rn-host"* ]]
	# the resolver slirp4netns forwards to is the host's
	want=$(getent ahostsv4 deb.debian.org | awk '{print $1; exit}')
	[ -n "$want" ]
	run "$HULL" run --rm --network slirp4netns busybox nslookup deb.debian.org
	[ "$status" -eq 0 ]
	[[ "$output" == *"Address: $want"* ]]
}

@test "slirp4netns: -p 18210:80 and -p 80 answer on the host, ps and inspect show them; rm leaves nothing" {
	"$HULL" run -d --name rn-web --network slirp4netns -p 18210:80 -p 80 busybox \
		sh -c 'mkdir /w && echo hello-slirp >/w/index.html && httpd -f -p 80 -h /w' >/dev/null
	wait_port 18210
	run curl -s -m 3 127.0.0.1:18210/
	[ "$output" = hello-slirp ]
	run "$HULL" inspect -f '{{.NetworkSettings.IPAddress}} {{json .NetworkSettings.Ports}}' rn-web
	[[ "$output" == "10.0.2.100 "*'"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18210"},{"HostIp":"0.0.0.0","HostPort":"'* ]]
	random=$("$HULL" inspect -f '{{json .NetworkSettings.Ports}}' rn-web | jq -r '."80/tcp"[1].HostPort')
	[ "$random" -gt 0 ] && [ "$random" != 18210 ]
	run curl -s -m 3 "127.0.0.1:$random/"
	[ "$output" = hello-slirp ]
	run "$HULL" ps --format '{{.Names}} {{.Ports}}'
	[[ "$output" == *"rn-web 0.0.0.0:18210->80/tcp, 0.0.0.0:$random->80/tcp"* ]]
	run "$HULL" port rn-web
	[ "$output" = "80/tcp -> 0.0.0.0:18210
80/tcp -> 0.0.0.0:$random" ]
	run "$HULL" port rn-web 80/tcp
	[ "${lines[0]}" = "0.0.0.0:18210" ]
	run "$HULL" port rn-web 81
	[ "$status" -eq 1 ]
	[[ "$output" == *"No public port '81/tcp' published for rn-web"* ]]
	pid=$(helper_pid rn-web)
	alive "$pid"
	grep -q slirp4netns "/proc/$pid/cmdline"
	dir=$HULL_DATA_ROOT/containers/$("$HULL" inspect -f '{{.Id}}' rn-web)
	[ -S "$dir/slirp4netns.sock" ]
	"$HULL" rm -f rn-web
	run ! alive "$pid"
	[ ! -e "$dir" ]
	run ! curl -s -m 1 -o /dev/null 127.0.0.1:18210
	# the port is free again at once
	"$HULL" run -d --name rn-web2 --network slirp4netns -p 18210:80 busybox httpd -f -p 80 >/dev/null
	"$HULL" rm -f rn-web2
}

@test "slirp4netns: a published udp port answers (from the host's address: libslirp drops replies to a loopback client when host loopback is disabled)" {
	"$HULL" run -d --name rn-udp --network slirp4netns -p 18211:5353/udp -v "$UDP_ECHO:/udp_echo:ro" busybox \
		/udp_echo 5353 >/dev/null
	sleep 0.3
	run bash -c "echo ping | socat -t 2 - UDP:$(host_addr):18211"
	[ "$output" = "echo:ping" ]
	"$HULL" rm -f rn-udp
	"$HULL" run -d --name rn-udp --network slirp4netns:allow_host_loopback=true -p 18212:5353/udp \
		-v "$UDP_ECHO:/udp_echo:ro" busybox /udp_echo 5353 >/dev/null
	sleep 0.3
	run bash -c "echo ping | socat -t 2 - UDP:127.0.0.1:18212"
	[ "$output" = "echo:ping" ]
	"$HULL" rm -f rn-udp
}

@test "slirp4netns:allow_host_loopback=true reaches a host server on 127.0.0.1 via 10.0.2.2; the default does not" {
	printf 'HTTP/1.0 200 OK\r\n\r\nfrom-the-host\n' >"$BATS_TEST_TMPDIR/reply"
	socat -T 5 TCP-LISTEN:18213,bind=127.0.0.1,reuseaddr,fork SYSTEM:"cat $BATS_TEST_TMPDIR/reply" &
	server=$!
	sleep 0.2
	run "$HULL" run --rm --network slirp4netns:allow_host_loopback=true busybox \
		sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 10.0.2.2 18213'
	ok_status=$status ok_output=$output
	run "$HULL" run --rm --network slirp4netns busybox \
		sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.0.2.2 18213'
	kill $server
	[ "$ok_status" -eq 0 ]
	[[ "$ok_output" == *from-the-host* ]]
	[[ "$output" != *from-the-host* ]]
}

@test "slirp4netns options: mtu= and cidr= shape the network" {
	run "$HULL" run --rm --network slirp4netns:mtu=1500,cidr=10.41.7.0/24,enable_ipv6=false busybox \
		sh -c 'ip -o -4 addr show tap0; ip route; ip link show tap0; cat /etc/resolv.conf'
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 10.41.7.100/24"* ]]
	[[ "$output" == *"default via 10.41.7.2"* ]]
	[[ "$output" == *"mtu 1500"* ]]
	[[ "$output" == *"nameserver 10.41.7.3"* ]]
}

@test "bad user-mode network options fail with 125 and leave nothing" {
	before=$(ls "$HULL_DATA_ROOT/containers" | wc -l)
	run "$HULL" run --rm --network slirp4netns:mtu=abc busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network slirp4netns: mtu=abc"* ]]
	run "$HULL" run --rm --network slirp4netns:bogus=1 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown option \`bogus\`"* ]]
	run "$HULL" run --rm --network slirp4netns:port_handler=rootlesskit busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"rootlesskit is not packaged in Debian"* ]]
	run "$HULL" run --rm --network pasta:--netns,/tmp/x busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"\`--netns\` is hull's to set"* ]]
	run env PATH=/nonexistent "$HULL" run --rm --network pasta busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"install Debian's passt package"* ]]
	run env PATH=/nonexistent "$HULL" create --network slirp4netns busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"install Debian's slirp4netns package"* ]]
	[ "$(ls "$HULL_DATA_ROOT/containers" | wc -l)" -eq "$before" ]
}

@test "a helper that fails to come up: not started, its last words shown, nothing left" {
	fake=$BATS_TEST_TMPDIR/bin
	mkdir -p "$fake"
	printf '#!/bin/sh\necho "starting" >&2\necho "cannot open /dev/net/tun: made to fail" >&2\nexit 1\n' \
		>"$fake/slirp4netns"
	chmod +x "$fake/slirp4netns"
	run env PATH="$fake:$PATH" "$HULL" run --name rn-fail --network slirp4netns -p 18214:80 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"slirp4netns failed to set up the network: cannot open /dev/net/tun: made to fail"* ]]
	id=$("$HULL" inspect -f '{{.Id}}' rn-fail)
	[ ! -e "$HULL_DATA_ROOT/containers/$id/slirp4netns.sock" ]
	[ ! -e "$HULL_DATA_ROOT/run/$id" ]
	run "$HULL" inspect -f '{{.State.Status}}' rn-fail
	[ "$output" = exited ]
	"$HULL" rm rn-fail
	# the port was never taken
	"$HULL" run -d --name rn-after --network slirp4netns -p 18214:80 busybox sleep 30 >/dev/null
	"$HULL" rm -f rn-after

	run "$HULL" run --rm --network pasta:--bogus-flag busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"pasta failed to set up the network"*"unrecognized option '--bogus-flag'"* ]]
	run pgrep -f -- "--bogus-flag"
	[ "$status" -ne 0 ]
}

@test "pasta: the host's address inside, DNS through 169.254.1.1, -p answers, rm leaves no pasta" {
	addr=$(host_addr)
	run "$HULL" run --rm --network pasta -h rn-host busybox sh -c 'ip -o -4 addr; cat /etc/resolv.conf /etc/hosts'
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $addr/"* ]]
	[[ "$output" == *"$addr	rn-host"* ]]
	[[ "$output" == *"nameserver 169.254.1.1"* ]]
	want=$(getent ahostsv4 deb.debian.org | awk '{print $1; exit}')
	run "$HULL" run --rm --network pasta busybox nslookup deb.debian.org
	[ "$status" -eq 0 ]
	[[ "$output" == *"Address: $want"* ]]

	"$HULL" run -d --name rn-pweb --network pasta -p 18215:80 -p 127.0.0.1:18216:80 busybox \
		sh -c 'mkdir /w && echo hello-pasta >/w/index.html && httpd -f -p 80 -h /w' >/dev/null
	wait_port 18215
	run curl -s -m 3 127.0.0.1:18215/
	[ "$output" = hello-pasta ]
	run curl -s -m 3 "$addr:18215/"
	[ "$output" = hello-pasta ]
	run curl -s -m 3 127.0.0.1:18216/
	[ "$output" = hello-pasta ]
	run "$HULL" ps --format '{{.Names}} {{.Ports}}'
	[[ "$output" == *"rn-pweb 0.0.0.0:18215->80/tcp, 127.0.0.1:18216->80/tcp"* ]]
	pid=$(helper_pid rn-pweb)
	alive "$pid"
	"$HULL" rm -f rn-pweb
	run ! alive "$pid"
	run ! curl -s -m 1 -o /dev/null 127.0.0.1:18215
}

@test "pasta: a published udp port answers; ARGS pass through" {
	# this pasta forwards UDP replies to a loopback client only when the
	# host and container ports are the same
	"$HULL" run -d --name rn-pudp --network pasta:--mtu,1400 -p 18217:18217/udp -v "$UDP_ECHO:/udp_echo:ro" \
		busybox sh -c 'ip link show eth0; exec /udp_echo 18217' >/dev/null
	sleep 0.3
	run bash -c "echo ping | socat -t 2 - UDP:127.0.0.1:18217"
	[ "$output" = "echo:ping" ]
	pid=$(helper_pid rn-pudp)
	grep -q -- --mtu "/proc/$pid/cmdline"
	run "$HULL" logs rn-pudp
	[[ "$output" == *"mtu 1400"* ]]
	"$HULL" rm -f rn-pudp
	run ! alive "$pid"
}

@test "a stopped container's helper is gone; a killed monitor's is killed by rm" {
	"$HULL" run -d --name rn-stop --network slirp4netns busybox sleep 30 >/dev/null
	pid=$(helper_pid rn-stop)
	alive "$pid"
	"$HULL" stop -t 1 rn-stop >/dev/null
	run ! alive "$pid"
	"$HULL" rm rn-stop

	"$HULL" run -d --name rn-orphan --network pasta -p 18218:80 busybox httpd -f -p 80 >/dev/null
	pid=$(helper_pid rn-orphan)
	monitor=$(jq -r '.HullMonitorPid // empty' "$HULL_DATA_ROOT/containers/$("$HULL" inspect -f '{{.Id}}' rn-orphan)/state.json")
	[ -n "$monitor" ]
	kill -9 "$monitor"
	sleep 0.2
	alive "$pid"
	"$HULL" rm -f rn-orphan
	run ! alive "$pid"
}

@test "--restart: each run gets a new helper, the old one gone, the port back" {
	"$HULL" run -d --name rn-restart --restart on-failure:1 --network slirp4netns -p 18226:80 busybox \
		sh -c 'httpd -p 80; sleep 3; exit 3' >/dev/null
	wait_port 18226
	first=$(helper_pid rn-restart)
	alive "$first"
	# the record names the new helper once the restarted run is up
	for _ in $(seq 100); do
		second=$(helper_pid rn-restart)
		[ "$second" != "$first" ] && [ "$("$HULL" inspect -f '{{.State.Status}}' rn-restart)" = running ] && break
		sleep 0.1
	done
	[ "$("$HULL" inspect -f '{{.RestartCount}}' rn-restart)" = 1 ]
	[ "$second" != "$first" ]
	wait_port 18226
	run ! alive "$first"
	alive "$second"
	"$HULL" wait rn-restart >/dev/null
	run ! alive "$second"
	"$HULL" rm rn-restart
}

@test "rootless: hull's slirp4netns and pasta command lines work from an unprivileged user namespace" {
	# uid 0 of a user namespace that nobody owns, as a rootless monitor
	# runs; the "container" is a new network namespace with httpd in it
	# (bats's own temporary directories are closed to other users)
	work=$(mktemp -d /tmp/rn-userns.XXXXXX)
	mkdir -p "$work/www"
	echo from-userns >"$work/www/index.html"
	chmod -R 777 "$work"
	script='
		set -e
		cd "$1"
		unshare -n busybox httpd -f -p 80 -h "$1/www" & ctr=$!
		trap "kill \$ctr || :" EXIT
		trap "exit 1" TERM
		mkfifo exit ready
		slirp4netns --configure --mtu=65520 --disable-host-loopback --enable-sandbox --enable-seccomp \
			--exit-fd=3 --ready-fd=4 --api-socket api.sock --netns-type=path /proc/self/fd/5 tap0 \
			3<exit 4>ready 5</proc/$ctr/ns/net 2>slirp.log &
		slirp=$!
		exec 7>exit
		head -c1 ready >ready.byte
		printf "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":18219,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}}" |
			socat -t 2 - UNIX-CONNECT:api.sock
		echo
		nsenter -t $ctr -n --preserve-credentials ip -o -4 addr show tap0
		curl -s -m 3 127.0.0.1:18219/
		exec 7>&-
		wait $slirp
		echo slirp-exited
		exec 3</proc/$ctr/ns/net
		pasta --config-net --quiet --runas 0 -t 18220:80 -u none -T none -U none --no-map-gw \
			--dns-forward 169.254.1.1 -P "$1/pasta.pid" --netns /proc/self/fd/3 2>pasta.log
		curl -s -m 3 127.0.0.1:18220/
		kill $(cat pasta.pid)
	'
	run timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --map-root-user \
		bash -c "$script" userns "$work"
	echo "$output"
	rm -rf "$work"
	[ "$status" -eq 0 ]
	[[ "$output" == *'{"return":{"id":1}}'* ]]
	[[ "$output" == *"tap0    inet 10.0.2.100/24"* ]]
	[[ "$output" == *"from-userns"*"slirp-exited"*"from-userns"* ]]
}
