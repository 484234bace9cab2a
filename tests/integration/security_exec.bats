#!/usr/bin/env bats
# exec with runc's flags: --process FILE, --detach + --pid-file, --cwd, --env,
# --user, --additional-gids, --cap, --tty with --console-socket, and the
# namespaces, cgroup, seccomp and capabilities the new process gets.
# Container ids start with cg-.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() {
	runtime_setup
	config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 38}]}
		| .linux.cgroupsPath = "/hull-cg-test-'$$'/exec"'
	args sleep 1000
	hull run -d --bundle "$BUNDLE" cg-ex </dev/null >/dev/null 2>&1
}
teardown() {
	runtime_teardown
	local d
	for d in /sys/fs/cgroup/*/hull-cg-test-$$; do [ -d "$d" ] && rmdir "$d"; done
	true
}

@test "exec joins every namespace and the cgroup of the init, and gets its seccomp filter" {
	init=$(hull state cg-ex | jq .pid)
	run hull exec cg-ex sh -c 'for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup; hostname x'
	[ "$status" -ne 0 ] # sethostname fails with the container's errnoRet
	for n in ipc mnt net pid uts cgroup; do
		[[ "$output" == *"$(readlink /proc/$init/ns/$n)"* ]]
	done
	[[ "$output" == *":memory:/hull-cg-test-$$/exec"* ]]
	[[ "$output" == *"Function not implemented"* ]]
}

@test "exec --env --cwd --user --additional-gids --cap, and the exit status passes through" {
	run hull exec --env FOO=bar --cwd /tmp --user 65534:65534 --additional-gids 10 --additional-gids 11 --cap CAP_CHOWN \
		cg-ex sh -c 'echo $FOO; pwd; id -u; id -g; id -G; grep CapEff /proc/self/status; exit 7'
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = bar ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 65534 ]
	[ "${lines[3]}" = 65534 ]
	[[ "${lines[4]}" == *10*11* ]]
	# a non-root process keeps, across execve, only its ambient set: the added CAP_CHOWN
	[[ "${lines[5]}" == *0000000000000001 ]]
	run hull exec cg-ex /no/such/program
	[ "$status" -eq 255 ]
	[[ "$output" == *"/no/such/program"* ]]
}

@test "exec sets HOME from the container's /etc/passwd unless the env has one, as runc does" {
	run hull exec --user 1000:1000 cg-ex sh -c 'echo "$HOME"'
	[ "$status" -eq 0 ]
	[ "$output" = /home/user ]
	run hull exec --user 4242:4242 cg-ex sh -c 'echo "$HOME"'
	[ "$output" = / ] # no passwd entry
	run hull exec --user 1000:1000 --env HOME=/elsewhere cg-ex sh -c 'echo "$HOME"'
	[ "$output" = /elsewhere ]
}

@test "exec --process FILE, and --detach --pid-file" {
	cat >"$TMP/proc.json" <<EOF2
{"args": ["sh", "-c", "echo from-file \$X; id -u"], "env": ["X=y", "PATH=/bin"], "cwd": "/", "user": {"uid": 1, "gid": 1}}
EOF2
	run hull exec --process "$TMP/proc.json" cg-ex
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "from-file y" ]
	[ "${lines[1]}" = 1 ]
	hull exec --detach --pid-file "$TMP/ex.pid" cg-ex sleep 100
	pid=$(cat "$TMP/ex.pid")
	[ -d /proc/$pid ]
	[ "$(cat /proc/$pid/comm)" = sleep ]
	run hull ps --format json cg-ex
	echo "$output" | jq -e "index($pid) != null"
	run hull exec --process "$TMP/missing.json" cg-ex
	[ "$status" -eq 255 ]
	[[ "$output" == *missing.json* ]]
}

@test "exec --tty --console-socket hands a pty over as runc does" {
	"$RECVTTY" "$TMP/console.sock" </dev/null >"$TMP/tty.out" 2>"$TMP/tty.err" &
	recv=$!
	for i in $(seq 100); do [ -S "$TMP/console.sock" ] && break; sleep 0.02; done
	hull exec --tty --detach --console-socket "$TMP/console.sock" cg-ex sh -c 'tty; [ -t 0 ] && echo stdin-is-tty'
	wait "$recv"
	out=$(tr -d '\r' <"$TMP/tty.out")
	[[ "$out" == */dev/pts/* ]]
	[[ "$out" == *stdin-is-tty* ]]
	grep -q "recvtty: got /dev/pts/" "$TMP/tty.err"
	run hull exec --tty --detach cg-ex true
	[ "$status" -eq 1 ]
	[[ "$output" == *"--console-socket"* ]]
}

@test "exec into a stopped or missing container fails with the reason" {
	hull kill cg-ex KILL
	wait_status cg-ex stopped
	run hull exec cg-ex true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a stopped container"* ]]
	run hull exec cg-nope true
	[ "$status" -eq 255 ]
	[[ "$output" == *'"cg-nope" does not exist'* ]]
}
