#!/usr/bin/env bats
# Rootless engine: `hull run` and friends as an ordinary user, in one user
# namespace per user kept by a pause process (podman's design).
# The test runs as root and makes its users: hullrl (with /etc/subuid and
# /etc/subgid ranges), hullrl2 (a second user with ranges), hullrl1 (no
# ranges: the single-mapping fallback). Users stay for reuse; containers,
# pause processes and copies of hull go. Names prefixed rl-.

# useradd adds subordinate ranges itself on Debian (login.defs SUB_UID_*);
# add them when it did not, remove them for the fallback user.
ensure_user() { # $1 user, $2 yes|no: subordinate ranges
	local u=$1
	id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"
	if [ "$2" = yes ]; then
		local base=$((200000 + 100000 * $(id -u "$u") % 5000000))
		grep -q "^$u:" /etc/subuid || echo "$u:$base:65536" >>/etc/subuid
		grep -q "^$u:" /etc/subgid || echo "$u:$base:65536" >>/etc/subgid
	else
		sed -i "/^$u:/d" /etc/subuid /etc/subgid
	fi
}

# as USER ARGS...: hull as that user, with the bare environment CI has
# (no XDG_*), from a directory the user can enter.
as() {
	local u=$1
	shift
	(cd /tmp && setpriv --reuid "$u" --regid "$u" --init-groups \
		env -i HOME="/home/$u" PATH=/usr/bin:/bin:/usr/sbin:/sbin "$RLHULL" "$@")
}

pause_pid() { # $1 user
	cut -d' ' -f1 "/tmp/hull-run-$(id -u "$1")/pause.pid"
}

kill_pause() {
	local f
	f="/tmp/hull-run-$(id -u "$1")/pause.pid"
	[ -f "$f" ] || return 0
	local p
	p=$(cut -d' ' -f1 "$f")
	kill -9 "$p" 2>/dev/null || true
	# gone (a zombie has no namespaces left) before the next command looks
	for _ in $(seq 100); do
		readlink "/proc/$p/ns/user" >/dev/null 2>&1 || return 0
		sleep 0.02
	done
}

clean_user() {
	local ids
	ids=$(as "$1" ps -aq --no-trunc 2>/dev/null) || true
	if [ -n "$ids" ]; then
		as "$1" rm -f $ids >/dev/null 2>&1 || true
	fi
	as "$1" volume rm rl-vol >/dev/null 2>&1 || true
	kill_pause "$1"
}

setup_file() {
	ensure_user hullrl yes
	ensure_user hullrl2 yes
	ensure_user hullrl1 no
	# hull where the users can run it (CI's checkout may be under /root)
	export RLBIN
	RLBIN=$(mktemp -d /tmp/hull-rl-bin.XXXXXX)
	cp "$HULL" "$RLBIN/hull"
	chmod 755 "$RLBIN" "$RLBIN/hull"
	export RLHULL=$RLBIN/hull
	for u in hullrl hullrl2 hullrl1; do
		clean_user "$u"
	done
	as hullrl image build-default >/dev/null
}

teardown_file() {
	for u in hullrl hullrl2 hullrl1; do
		clean_user "$u"
	done
	rm -rf "$RLBIN" /tmp/rl-bind.*
}

@test "a user's engine commands use roots of their own and one pause process, reused" {
	local uid
	uid=$(id -u hullrl)
	kill_pause hullrl
	run as hullrl images
	[ "$status" -eq 0 ]
	[[ "$output" == *busybox* ]]
	# no XDG_* in the environment: ~/.local/share/hull from the passwd entry, /tmp/hull-run-UID
	[ "$(stat -c '%U %a' /home/hullrl/.local/share/hull)" = "hullrl 700" ]
	[ "$(stat -c '%U %a' "/tmp/hull-run-$uid")" = "hullrl 700" ]
	local pid
	pid=$(pause_pid hullrl)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$uid" ]
	# podman's mapping: 0 -> the user, 1..65536 -> the subordinate range
	local base
	base=$(awk -F: '$1 == "hullrl" {print $2; exit}' /etc/subuid)
	[ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map" | tr '\n' ' ')" = "0 $uid 1 1 $base 65536 " ]
	as hullrl ps -a >/dev/null
	as hullrl volume ls >/dev/null
	[ "$(pause_pid hullrl)" = "$pid" ]
	# nothing of it is root's
	[ ! -e /var/lib/hull/containers ] || [ "$(stat -c %U /var/lib/hull/containers)" = root ]
}

@test "run --rm: uid 0 inside; a detached container: the user on the host, ps, logs, exec, top, stop, rm" {
	run as hullrl run --rm --network none busybox id -u
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	as hullrl run -d --name rl-web --network none busybox sh -c 'echo started; exec sleep 300' >/dev/null
	local pid
	pid=$(as hullrl inspect -f '{{.State.Pid}}' rl-web)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$(id -u hullrl)" ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = "$(id -g hullrl)" ]
	run as hullrl ps
	[[ "$output" == *rl-web* ]]
	[[ "$output" == *Up* ]]
	run as hullrl logs rl-web
	[ "$output" = started ]
	run as hullrl exec rl-web sh -c 'id -u; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	[ "$output" = $'0\nsleep 300 ' ]
	run as hullrl top rl-web
	[[ "$output" == *"sleep 300"* ]]
	run as hullrl stop -t 1 rl-web
	[ "$status" -eq 0 ]
	run as hullrl inspect -f '{{.State.Status}}' rl-web
	[ "$output" = exited ]
	[ ! -d "/proc/$pid" ]
	as hullrl rm rl-web
	run as hullrl ps -a
	[[ "$output" != *rl-web* ]]
	[ -z "$(ls /home/hullrl/.local/share/hull/containers)" ]
}

@test "kill, wait, and run -d --rm as a user" {
	as hullrl run -d --name rl-exit --network none busybox sh -c 'sleep 0.2; exit 3' >/dev/null
	run as hullrl wait rl-exit
	[ "$output" = 3 ]
	as hullrl rm rl-exit >/dev/null
	as hullrl run -d --rm --name rl-gone --network none busybox sleep 300 >/dev/null
	as hullrl kill rl-gone >/dev/null
	for _ in $(seq 50); do
		as hullrl ps -a | grep -q rl-gone || break
		sleep 0.1
	done
	run as hullrl ps -a
	[[ "$output" != *rl-gone* ]]
}

@test "a file an image gives to a non-root id keeps its owner inside (subordinate ids)" {
	as hullrl run --name rl-owner --network none busybox sh -c 'echo o >/owned; chown 1234:2345 /owned'
	as hullrl commit rl-owner rl-owned:1 >/dev/null
	as hullrl rm rl-owner >/dev/null
	run as hullrl run --rm --network none rl-owned:1 stat -c %u:%g /owned
	[ "$status" -eq 0 ]
	[ "$output" = 1234:2345 ]
	# on the host it belongs to the matching subordinate id
	local base f
	base=$(awk -F: '$1 == "hullrl" {print $2; exit}' /etc/subuid)
	f=$(find /home/hullrl/.local/share/hull/images -name owned -path '*layers*' | head -1)
	[ -n "$f" ]
	[ "$(stat -c %u "$f")" = $((base + 1233)) ]
	as hullrl rmi rl-owned:1 >/dev/null
}

@test "a volume outlives its container; a bind mount of the user's directory is written as the user" {
	as hullrl run --rm --network none -v rl-vol:/data busybox sh -c 'echo kept >/data/f'
	run as hullrl run --rm --network none -v rl-vol:/data busybox cat /data/f
	[ "$output" = kept ]
	[ "$(stat -c %U /home/hullrl/.local/share/hull/volumes/rl-vol/_data/f)" = hullrl ]
	as hullrl volume rm rl-vol
	local dir
	dir=$(mktemp -d /tmp/rl-bind.XXXXXX)
	chown hullrl "$dir"
	as hullrl run --rm --network none -v "$dir:/b" busybox sh -c 'echo x >/b/y'
	[ "$(stat -c %U "$dir/y")" = hullrl ]
}

@test "-m, --cpus, --pids-limit are refused with 125 and leave nothing behind" {
	local before
	before=$(as hullrl ps -aq | wc -l)
	run as hullrl run --rm -m 10m --network none busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot set resource limits"* ]]
	[[ "$output" == *"cgroups v2"* ]]
	run as hullrl run --rm --cpus 1 --network none busybox true
	[ "$status" -eq 125 ]
	run as hullrl create --pids-limit 10 --name rl-limited --network none busybox true
	[ "$status" -eq 125 ]
	[ "$(as hullrl ps -aq | wc -l)" -eq "$before" ]
	[ -z "$(ls /home/hullrl/.local/share/hull/containers)" ]
}

@test "networks as a user: pasta by default, -p published through it; bridge refused naming the choices; none and host work" {
	# pasta copies the host's address in: eth0 has an IPv4 address
	run as hullrl run --rm busybox sh -c 'ip -4 -o addr show eth0'
	[ "$status" -eq 0 ]
	[[ "$output" == *" inet "* ]]
	as hullrl run -d --name rl-httpd -p 18180:80 busybox sh -c 'echo from-rootless >/i.txt; exec httpd -f -p 80 -h /' >/dev/null
	local got=""
	for _ in $(seq 50); do
		got=$(curl -s -m 1 127.0.0.1:18180/i.txt) && [ -n "$got" ] && break
		sleep 0.1
	done
	as hullrl rm -f rl-httpd >/dev/null
	[ "$got" = from-rootless ]
	run as hullrl run --rm --network bridge busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network pasta|slirp4netns|none|host"* ]]
	run as hullrl network create rl-net
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge networks need root on the host"* ]]
	run as hullrl network ls
	[[ "$output" != *rl-net* ]]
	run as hullrl run --rm --network none busybox cat /sys/class/net/lo/operstate
	[ "$output" = unknown ]
	run as hullrl run --rm --network none busybox ls /sys/class/net
	[ "$output" = lo ]
	run as hullrl run --rm --network host busybox hostname
	[ "$output" = "$(hostname)" ]
	[ -z "$(ls /home/hullrl/.local/share/hull/containers)" ]
}

@test "--privileged as a user: every capability in the user namespace, still the user on the host" {
	run as hullrl run --rm --privileged --network none busybox sh -c 'grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	000001ffffffffff"* ]] || [[ "$output" == *"CapEff:	000003ffffffffff"* ]]
	[[ "$output" == *"PRIVILEGED (rootless)"* ]]
}

@test "a second user sees none of the first's containers and cannot touch them" {
	as hullrl run -d --name rl-mine --network none busybox sleep 300 >/dev/null
	as hullrl2 image build-default >/dev/null
	run as hullrl2 ps -a
	[ "$status" -eq 0 ]
	[[ "$output" != *rl-mine* ]]
	run as hullrl2 rm -f rl-mine
	[ "$status" -ne 0 ]
	run as hullrl2 exec rl-mine true
	[ "$status" -ne 0 ]
	[ "$(pause_pid hullrl)" != "$(pause_pid hullrl2)" ]
	run as hullrl inspect -f '{{.State.Status}}' rl-mine
	[ "$output" = running ]
	as hullrl rm -f rl-mine >/dev/null
}

@test "a stale pause pid file is recovered, running containers kept reachable; concurrent first commands make one" {
	local uid old
	uid=$(id -u hullrl)
	as hullrl images >/dev/null
	old=$(pause_pid hullrl)
	kill_pause hullrl
	run as hullrl run --rm --network none busybox echo ok
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ "$(pause_pid hullrl)" != "$old" ]
	# containers that outlive their pause process: the new one takes their
	# namespace again, so exec still reaches them
	as hullrl run -d --name rl-survivor --network none busybox sleep 300 >/dev/null
	local ns
	ns=$(readlink "/proc/$(pause_pid hullrl)/ns/user")
	kill_pause hullrl
	run as hullrl exec rl-survivor echo still-here
	[ "$status" -eq 0 ]
	[ "$output" = still-here ]
	[ "$(readlink "/proc/$(pause_pid hullrl)/ns/user")" = "$ns" ]
	as hullrl rm -f rl-survivor >/dev/null
	# a pid file naming another process (pid reuse): its start time differs
	kill_pause hullrl
	echo "1 12345" >"/tmp/hull-run-$uid/pause.pid"
	run as hullrl images
	[ "$status" -eq 0 ]
	[ "$(pause_pid hullrl)" != 1 ]
	kill_pause hullrl
	rm -f "/tmp/hull-run-$uid/pause.pid"
	for _ in 1 2 3 4; do
		as hullrl images >/dev/null &
	done
	wait
	# live ones (the killed ones may not be reaped yet)
	local live
	live=$(ps -o pid=,stat=,comm= -u "$uid" | awk '$2 !~ /Z/ && $3 == "hull-pause" {print $1}')
	[ "$(echo "$live" | wc -w)" -eq 1 ]
	[ "$live" = "$(pause_pid hullrl)" ]
}

@test "a runtime or data directory owned by someone else is refused" {
	local dir
	dir=$(mktemp -d /tmp/rl-bind.XXXXXX)
	mkdir "$dir/hull"
	chmod 755 "$dir" "$dir/hull"
	run setpriv --reuid hullrl --regid hullrl --init-groups env -i HOME=/home/hullrl XDG_RUNTIME_DIR="$dir" \
		PATH=/usr/bin:/bin "$RLHULL" images
	[ "$status" -ne 0 ]
	[[ "$output" == *"\`$dir/hull\` belongs to uid 0, not to you"* ]]
	# the default data root too (a given HULL_DATA_ROOT may be shared on purpose)
	run setpriv --reuid hullrl --regid hullrl --init-groups env -i HOME=/home/hullrl XDG_DATA_HOME="$dir" \
		PATH=/usr/bin:/bin "$RLHULL" images
	[ "$status" -ne 0 ]
	[[ "$output" == *"\`$dir/hull\` belongs to uid 0, not to you"* ]]
	[ "$(stat -c %U "$dir/hull")" = root ]
}

@test "without subordinate ids: one mapping, a warning, and image files of other users become root's" {
	kill_pause hullrl1
	run as hullrl1 image build-default
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING: no range for you in /etc/subuid"* ]]
	local pid
	pid=$(pause_pid hullrl1)
	[ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" = "0 $(id -u hullrl1) 1" ]
	# an image with a file of uid 1234 (made by the user with subordinate ids)
	as hullrl run --name rl-owner --network none busybox sh -c 'echo o >/owned; chown 1234:2345 /owned'
	as hullrl commit rl-owner rl-owned:2 >/dev/null
	as hullrl rm rl-owner >/dev/null
	local tar
	tar=$(mktemp /tmp/rl-bind.XXXXXX)
	chmod 644 "$tar"
	chown hullrl "$tar"
	as hullrl save -o "$tar" rl-owned:2
	as hullrl rmi rl-owned:2 >/dev/null
	run as hullrl1 load -i "$tar"
	rm -f "$tar"
	[ "$status" -eq 0 ]
	run as hullrl1 run --rm --network none rl-owned:2 sh -c 'stat -c %u:%g /owned; id -u'
	[ "$status" -eq 0 ]
	[ "$output" = $'0:0\n0' ]
	as hullrl1 rmi rl-owned:2 >/dev/null
}

@test "pull and push as a user (a registry on 127.0.0.1): owners kept with subordinate ids, root's without" {
	command -v docker-registry >/dev/null
	local reg pid
	reg=$(mktemp -d /tmp/rl-bind.XXXXXX)
	printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:18150\n' "$reg" >"$reg/config.yml"
	docker-registry serve "$reg/config.yml" >"$reg/log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1:18150/v2/ && break; sleep 0.1; done
	as hullrl run --name rl-owner --network none busybox sh -c 'echo o >/owned; chown 1234:2345 /owned'
	as hullrl commit rl-owner rl-owned:3 >/dev/null
	as hullrl rm rl-owner >/dev/null
	run as hullrl push rl-owned:3 127.0.0.1:18150/rl/owned:3
	[ "$status" -eq 0 ]
	as hullrl rmi rl-owned:3 >/dev/null
	run as hullrl run --rm --network none 127.0.0.1:18150/rl/owned:3 stat -c %u:%g /owned
	local with=$output with_status=$status
	run as hullrl1 run --rm --network none 127.0.0.1:18150/rl/owned:3 stat -c %u:%g /owned
	local without=$output without_status=$status
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$reg"
	as hullrl rmi 127.0.0.1:18150/rl/owned:3 >/dev/null
	as hullrl1 rmi 127.0.0.1:18150/rl/owned:3 >/dev/null
	[ "$with_status" -eq 0 ]
	[[ "$with" == *"Unable to find image"* ]]
	[[ "$with" == *$'\n1234:2345' ]]
	[ "$without_status" -eq 0 ]
	[[ "$without" == *$'\n0:0' ]]
}

@test "hull unshare runs a command as uid 0 in the user's namespace, where subordinate-id files can go" {
	as hullrl run --name rl-owner --network none busybox sh -c 'mkdir /d; echo o >/d/f; chown -R 1234 /d; chmod 700 /d'
	local diff
	diff=$(as hullrl inspect -f '{{.GraphDriver.Data.UpperDir}}' rl-owner)
	# outside the namespace the user cannot even look into it
	run setpriv --reuid hullrl --regid hullrl --init-groups ls "$diff/d"
	[ "$status" -ne 0 ]
	run as hullrl unshare sh -c "id -u; stat -c %u $diff/d/f; rm -rf $diff/d && echo removed"
	[ "$status" -eq 0 ]
	[ "$output" = $'0\n1234\nremoved' ]
	as hullrl rm rl-owner >/dev/null
	run "$HULL" unshare true
	[ "$status" -eq 125 ]
	[[ "$output" == *"only for a user without root"* ]]
}

@test "--pid host, --ipc host, --uts host as a user: the host's, bound where they cannot be mounted" {
	run as hullrl run --rm --network none --pid host busybox cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat /proc/1/comm)" ]
	run as hullrl run --rm --network none --ipc host --uts host busybox hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$(hostname)" ]
}
