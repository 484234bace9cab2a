#!/usr/bin/env bats
# Namespaces shared between containers, docker's sidecar pattern:
# --network container:X, --pid container:X, --ipc container:X (X made
# --ipc shareable), --uts container:X; the refusals docker makes. Traffic
# only to 127.0.0.1 inside the shared namespace. Names prefixed ns-.

load engine_helpers

setup_file() {
	export ENGINE_NET=189
	engine_setup_file
}

teardown_file() {
	NSBIN=$(cat "$BATS_FILE_TMPDIR/nsbin" 2>/dev/null) || true
	if [ -n "$NSBIN" ] && [ -x "$NSBIN/hull" ]; then
		rootless_as rm -f ns-rl-web ns-rl-ipc >/dev/null 2>&1 || true
		local pause
		pause=/tmp/hull-run-$(id -u hullns)/pause.pid
		[ -f "$pause" ] && kill -9 "$(cut -d' ' -f1 "$pause")" 2>/dev/null
		rm -rf "$NSBIN"
	fi
	engine_teardown_file
}

# The page a busybox httpd serves on 127.0.0.1:PORT, from a container that
# joins $1's network namespace.
fetch_in() { # $1 container, $2 port
	"$HULL" run --rm --network "container:$1" busybox sh -c \
		"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 127.0.0.1 $2" 2>/dev/null
}

@test "--network container:A reaches A's server on 127.0.0.1, with A's hostname, hosts and resolv.conf" {
	"$HULL" run -d --name ns-web busybox sh -c \
		'mkdir /w && echo sidecar-page >/w/index.html && exec httpd -f -p 127.0.0.1:18600 -h /w' >/dev/null
	local ip
	ip=$("$HULL" inspect -f '{{.NetworkSettings.IPAddress}}' ns-web)
	[[ "$ip" == 10.197.189.* ]]
	for _ in $(seq 50); do
		run fetch_in ns-web 18600
		[[ "$output" == *sidecar-page* ]] && break
		sleep 0.1
	done
	[[ "$output" == *sidecar-page* ]]
	# the same interfaces: A's address is B's
	run "$HULL" run --rm --network container:ns-web busybox ip -o -4 addr show eth0
	[[ "$output" == *"inet $ip/24"* ]]
	# A's names: hostname, /etc/hosts and resolv.conf are A's
	local a_host
	a_host=$("$HULL" exec ns-web hostname)
	run bash -c "'$HULL' run --rm --network container:ns-web busybox sh -c 'hostname; cat /etc/hosts /etc/resolv.conf' 2>/dev/null"
	[ "${lines[0]}" = "$a_host" ]
	[ "${output#*$'\n'}" = "$("$HULL" exec ns-web cat /etc/hosts /etc/resolv.conf)" ]
	# inspect: the full id of A, as docker stores it
	"$HULL" create --name ns-side --network container:ns-web busybox true >/dev/null
	run "$HULL" inspect -f '{{.HostConfig.NetworkMode}}' ns-side
	[ "$output" = "container:$("$HULL" inspect -f '{{.Id}}' ns-web)" ]
	"$HULL" rm ns-side
	"$HULL" rm -f ns-web
}

@test "--pid container:A sees A's processes; --uts container:A has A's hostname" {
	"$HULL" run -d --name ns-pid --hostname ns-pid-host busybox sh -c 'exec sleep 300' >/dev/null
	run bash -c "'$HULL' run --rm --pid container:ns-pid busybox ps -o pid,args 2>/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 sleep 300"* ]]
	# without it: a namespace of its own, where ps is pid 1
	run bash -c "'$HULL' run --rm busybox ps -o pid,args 2>/dev/null"
	[[ "$output" != *"sleep 300"* ]]
	run bash -c "'$HULL' run --rm --uts container:ns-pid busybox hostname 2>/dev/null"
	[ "$output" = ns-pid-host ]
	"$HULL" rm -f ns-pid
}

@test "--ipc container:A shares A's IPC namespace and /dev/shm: A's message queue and files are seen in B; private and none do not" {
	"$HULL" run -d --name ns-ipc --ipc shareable busybox sh -c 'exec sleep 300' >/dev/null
	"$HULL" exec ns-ipc touch /dev/mqueue/ns-queue
	"$HULL" exec ns-ipc sh -c 'echo from-a >/dev/shm/ns-seg'
	local a_ns
	a_ns=$("$HULL" exec ns-ipc readlink /proc/1/ns/ipc)
	run bash -c "'$HULL' run --rm --ipc container:ns-ipc busybox sh -c 'ls /dev/mqueue; readlink /proc/self/ns/ipc' 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "ns-queue"$'\n'"$a_ns" ]
	# and its /dev/shm, both ways, as docker shares a shareable donor's
	run bash -c "'$HULL' run --rm --ipc container:ns-ipc busybox sh -c 'cat /dev/shm/ns-seg; echo from-b >/dev/shm/ns-back' 2>/dev/null"
	[ "$output" = from-a ]
	[ "$("$HULL" exec ns-ipc cat /dev/shm/ns-back)" = from-b ]
	run bash -c "'$HULL' run --rm --ipc private busybox sh -c 'ls /dev/mqueue; readlink /proc/self/ns/ipc' 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" != *ns-queue* ]
	[[ "$output" == ipc:* ]]
	[ "$output" != "$a_ns" ]
	# none: an IPC namespace of its own and no /dev/shm, as docker's
	run bash -c "'$HULL' run --rm --ipc none busybox sh -c 'test -e /dev/shm || echo no-shm; readlink /proc/self/ns/ipc' 2>/dev/null"
	[ "${lines[0]}" = no-shm ]
	[ "${lines[1]}" != "$a_ns" ]
	# a donor not made shareable is refused, as docker refuses it
	"$HULL" run -d --name ns-priv busybox sleep 300 >/dev/null
	run "$HULL" run --rm --ipc container:ns-priv busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"ns-priv: non-shareable IPC"*"--ipc shareable"* ]]
	"$HULL" rm -f ns-ipc ns-priv
}

@test "conflicting options, a missing or stopped target: exit 125 and nothing left" {
	"$HULL" run -d --name ns-base busybox sleep 300 >/dev/null
	local before
	before=$("$HULL" ps -aq | sort)
	local flags
	for flags in "-p 18601:80" "--hostname x" "--dns 10.0.0.1" "--add-host h:10.0.0.2" "--network-alias a"; do
		# shellcheck disable=SC2086
		run "$HULL" run --rm --network container:ns-base $flags busybox true
		[ "$status" -eq 125 ]
		[[ "$output" == *"Conflicting options"* ]]
	done
	run "$HULL" run --rm --network container:ns-none busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"No such container: ns-none"* ]]
	run "$HULL" run --rm --ipc weird busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--ipc \`weird\`"* ]]
	[ "$("$HULL" ps -aq | sort)" = "$before" ]
	"$HULL" stop -t 0 ns-base >/dev/null
	run "$HULL" run --rm --network container:ns-base busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot join network of a non running container: ns-base"* ]]
	[ "$("$HULL" ps -aq | sort)" = "$before" ]
	"$HULL" rm ns-base
}

@test "the sharer keeps the namespace when the target goes (docker lets it be removed)" {
	"$HULL" run -d --name ns-donor busybox sleep 300 >/dev/null
	"$HULL" run -d --name ns-keeper --network container:ns-donor busybox sh -c \
		'mkdir /w && echo kept >/w/index.html && exec httpd -f -p 127.0.0.1:18602 -h /w' >/dev/null
	local keeper_ns
	keeper_ns=$(readlink "/proc/$("$HULL" inspect -f '{{.State.Pid}}' ns-keeper)/ns/net")
	[ "$keeper_ns" = "$(readlink "/proc/$("$HULL" inspect -f '{{.State.Pid}}' ns-donor)/ns/net")" ]
	"$HULL" rm -f ns-donor
	run "$HULL" inspect -f '{{.State.Status}}' ns-keeper
	[ "$output" = running ]
	[ "$(readlink "/proc/$("$HULL" inspect -f '{{.State.Pid}}' ns-keeper)/ns/net")" = "$keeper_ns" ]
	run "$HULL" exec ns-keeper sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 127.0.0.1 18602"
	[[ "$output" == *kept* ]]
	# and, stopped, it cannot start again without its target
	"$HULL" stop -t 0 ns-keeper >/dev/null
	run "$HULL" start ns-keeper
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container"* ]]
	"$HULL" rm -f ns-keeper
}

# The rootless engine: both containers in the user's namespace, joined
# from inside it. A user of this file's own (ns- prefix), with ranges.
rootless_as() {
	(cd /tmp && setpriv --reuid hullns --regid hullns --init-groups \
		env -i HOME=/home/hullns PATH=/usr/bin:/bin:/usr/sbin:/sbin "$NSBIN/hull" "$@")
}

@test "rootless: --network, --pid and --ipc container:A" {
	id hullns >/dev/null 2>&1 || useradd -m -s /bin/sh hullns
	local base=$((200000 + 100000 * $(id -u hullns) % 5000000))
	grep -q '^hullns:' /etc/subuid || echo "hullns:$base:65536" >>/etc/subuid
	grep -q '^hullns:' /etc/subgid || echo "hullns:$base:65536" >>/etc/subgid
	# teardown_file removes what this leaves, pass or fail
	NSBIN=$(mktemp -d /tmp/hull-ns-bin.XXXXXX)
	echo "$NSBIN" >"$BATS_FILE_TMPDIR/nsbin"
	cp "$HULL" "$NSBIN/hull"
	chmod 755 "$NSBIN" "$NSBIN/hull"
	rootless_as image build-default >/dev/null
	rootless_as rm -f ns-rl-web ns-rl-ipc >/dev/null 2>&1 || true # a run killed midway
	rootless_as run -d --name ns-rl-web --network none busybox sh -c \
		'mkdir /w && echo rootless-sidecar >/w/index.html && exec httpd -f -p 127.0.0.1:18603 -h /w' >/dev/null
	local out=""
	for _ in $(seq 50); do
		out=$(rootless_as run --rm --network container:ns-rl-web busybox sh -c \
			"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 127.0.0.1 18603" 2>/dev/null) || true
		[[ "$out" == *rootless-sidecar* ]] && break
		sleep 0.1
	done
	[[ "$out" == *rootless-sidecar* ]]
	run rootless_as run --rm --network none --pid container:ns-rl-web busybox ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 httpd -f -p 127.0.0.1:18603"* ]]
	# with its own user-mode network: the helper (pasta) stays out of A's
	# pid namespace, the monitor that started B too
	run rootless_as run --rm --pid container:ns-rl-web busybox ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 httpd"* ]]
	[[ "$output" != *pasta* ]]
	[[ "$output" != *slirp* ]]
	rootless_as run -d --name ns-rl-ipc --network none --ipc shareable busybox sh -c \
		'echo rootless-shm >/dev/shm/seg && exec sleep 300' >/dev/null
	run rootless_as run --rm --network none --ipc container:ns-rl-ipc busybox sh -c \
		'readlink /proc/self/ns/ipc; cat /dev/shm/seg'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(rootless_as exec ns-rl-ipc readlink /proc/1/ns/ipc)" ]
	[ "${lines[1]}" = rootless-shm ]
	rootless_as rm -f ns-rl-ipc >/dev/null
	rootless_as rm -f ns-rl-web >/dev/null
}
