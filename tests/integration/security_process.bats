#!/usr/bin/env bats
# What a container's process may do: capabilities, seccomp, no_new_privs,
# hooks, and the two runtime CVEs: CVE-2019-5736 (the runtime binary
# overwritten through /proc/self/exe) and CVE-2024-21626 (a host fd or
# working directory leaking into the container). Ids start with cg-.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "capabilities: the five sets and the bounding set are exactly the configured ones" {
	config '.process.capabilities = {bounding: ["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE"],
		effective: ["CAP_CHOWN","CAP_KILL"], permitted: ["CAP_CHOWN","CAP_KILL"],
		inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
	run_in 'grep ^Cap /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapBnd:	0000000000000421"* ]]
	[[ "$output" == *"CapInh:	0000000000000020"* ]]
	[[ "$output" == *"CapAmb:	0000000000000020"* ]]
	[[ "$output" == *"CapPrm:	0000000000000021"* ]]
	[[ "$output" == *"CapEff:	0000000000000021"* ]]
	# without CAP_CHOWN kept, chown fails for root inside
	config '.root.readonly = false | .process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	run_in 'touch /tmp/f && chown 65534 /tmp/f'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "capabilities: a non-root user keeps only what it is given" {
	config '.process.user = {uid: 65534, gid: 65534} | .process.capabilities = {bounding: ["CAP_NET_RAW"], effective: ["CAP_NET_RAW"], permitted: ["CAP_NET_RAW"], ambient: ["CAP_NET_RAW"], inheritable: ["CAP_NET_RAW"]}'
	run_in 'id -u; grep -E "^Cap(Eff|Bnd)" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[[ "$output" == *"CapEff:	0000000000002000"* ]]
	[[ "$output" == *"CapBnd:	0000000000002000"* ]]
}

@test "an unknown capability name is an error naming the field" {
	config '.process.capabilities.bounding += ["CAP_TELEPORT"]'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *'process.capabilities.bounding['*']: unknown capability "CAP_TELEPORT"'* ]]
}

@test "seccomp: SCMP_ACT_ERRNO with errnoRet, argument conditions, and kill" {
	config '.root.readonly = false | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
		{names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
		 args: [{index: 1, value: 511, op: "SCMP_CMP_EQ"}]},
		{names: ["fchmodat"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
		 args: [{index: 2, value: 511, op: "SCMP_CMP_EQ"}]}]}'
	run_in 'mkdir /tmp/d; echo mkdir=$?; touch /tmp/f; chmod 777 /tmp/f; echo chmod777=$?; chmod 644 /tmp/f; echo chmod644=$?'
	[[ "$output" == *"mkdir=1"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"chmod777=1"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"chmod644=0"* ]]
	config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["uname"], action: "SCMP_ACT_KILL_PROCESS"}]}'
	run_in 'uname'
	[ "$status" -eq 159 ] # 128 + SIGSYS
}

@test "seccomp: a bad profile fails create with the field named, nothing left" {
	config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_SOMETIMES"}]}'
	args true
	run hull create --bundle "$BUNDLE" cg-badsc
	[ "$status" -eq 1 ]
	[[ "$output" == *'linux.seccomp.syscalls[0]: unknown action "SCMP_ACT_SOMETIMES"'* ]]
	[ ! -e "$ROOT/cg-badsc" ]
}

@test "noNewPrivileges sets no_new_privs" {
	config '.process.noNewPrivileges = true'
	run_in 'grep NoNewPrivs /proc/self/status'
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	config '.process.noNewPrivileges = false'
	run_in 'grep NoNewPrivs /proc/self/status'
	[[ "$output" == *"NoNewPrivs:	0"* ]]
}

@test "CVE-2019-5736: the runtime binary cannot be overwritten from inside the container" {
	sum=$(sha256sum "$HULL" | cut -d' ' -f1)
	config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"] | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'
	# the init is the user's process: /proc/self/exe is busybox, never hull
	run_in 'readlink /proc/self/exe; readlink /proc/1/exe'
	[ "${lines[0]}" = /bin/busybox ]
	[ "${lines[1]}" = /bin/busybox ]
	args sleep 100
	hull run -d --bundle "$BUNDLE" cg-cve1 </dev/null >/dev/null 2>&1
	# every process of the container, exec'd ones included, tries to open
	# each /proc/PID/exe for writing while `hull exec` runs
	run hull exec cg-cve1 sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; (echo pwn >$p/exe) 2>/dev/null && echo WROTE $p; done; true'
	[ "$status" -eq 0 ]
	[[ "$output" != *WROTE* ]]
	[[ "$output" != *hull* ]]
	[ "$(sha256sum "$HULL" | cut -d' ' -f1)" = "$sum" ]
}

@test "CVE-2024-21626: only fds 0-2 reach the container and a host cwd through a leaked fd is refused" {
	# this shell holds extra fds (bats' own 3 and more); open some on host dirs too
	exec 7</sys/fs/cgroup 8</ 9</tmp
	run_in 'ls /proc/$$/fd; true'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2" ]
	args sleep 100
	hull run -d --bundle "$BUNDLE" cg-cve2 </dev/null >/dev/null 2>&1
	run hull exec cg-cve2 sh -c 'ls /proc/$$/fd; true'
	[ "$(echo $output)" = "0 1 2" ]
	# --preserve-fds passes exactly the ones asked for
	run hull exec --preserve-fds 1 cg-cve2 sh -c 'readlink /proc/$$/fd/3; ls /proc/$$/fd/7 /proc/$$/fd/8 /proc/$$/fd/9' 3</dev/null
	[ "${lines[0]}" = /dev/null ]
	[ "${#lines[@]}" -eq 4 ] # the three ls errors: 7, 8, 9 did not pass
	for fd in 3 4 5 6 7 8 9 10; do
		run hull exec --cwd /proc/self/fd/$fd cg-cve2 pwd
		[ "$status" -ne 0 ]
		[[ "$output" != /sys* ]]
		[[ "$output" != /tmp* ]]
	done
	for fd in 3 4 5 6 7 8 9; do
		config ".process.cwd = \"/proc/self/fd/$fd\""
		args pwd
		run hull run --bundle "$BUNDLE" cg-cwd$fd
		[ "$status" -ne 0 ]
		[[ "$output" != /sys* ]]
	done
	exec 7<&- 8<&- 9<&-
}

@test "hooks: all six kinds run in order with the state on stdin; a hook may ignore stdin" {
	log=$TMP/hooks.log
	hook() { echo "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"read -r s; echo $1 \\\"\$s\\\" >> $log\"]}"; }
	# startContainer runs in the container: its path and log are the container's
	start='{"path": "/bin/sh", "args": ["sh", "-c", "read -r s; echo startContainer \"$s\" >> /tmp/hooks.log"]}'
	config ".root.readonly = false | .hooks = {prestart: [$(hook prestart)], createRuntime: [$(hook createRuntime)],
		createContainer: [$(hook createContainer)], startContainer: [$start],
		poststart: [$(hook poststart), {path: \"/bin/true\"}], poststop: [$(hook poststop)]}"
	args true
	hull create --bundle "$BUNDLE" cg-hooks </dev/null >/dev/null 2>&1
	pid=$(hull state cg-hooks | jq .pid)
	hull start cg-hooks
	# delete (without -f) needs the init gone, which a loaded machine delays
	wait_status cg-hooks stopped
	hull delete cg-hooks
	cut -d' ' -f1 "$log" | tr '\n' ' ' >"$TMP/order"
	cat "$log" >&2
	[ "$(cat "$TMP/order")" = "prestart createRuntime createContainer poststart poststop " ]
	[ "$(cut -d' ' -f2- "$BUNDLE/rootfs/tmp/hooks.log" | jq -r .id)" = cg-hooks ]
	# startContainer ran before the process and after createContainer
	[ "$BUNDLE/rootfs/tmp/hooks.log" -nt "$log" ] || [ "$(grep -c . "$log")" -ge 3 ]
	[ "$(grep ^createRuntime "$log" | cut -d' ' -f2- | jq -r .status)" = creating ]
	[ "$(grep ^createRuntime "$log" | cut -d' ' -f2- | jq -r .pid)" = "$pid" ]
	[ "$(grep ^poststart "$log" | cut -d' ' -f2- | jq -r .status)" = running ]
	[ "$(grep ^poststop "$log" | cut -d' ' -f2- | jq -r .status)" = stopped ]
	[ "$(grep ^poststop "$log" | cut -d' ' -f2- | jq -r .bundle)" = "$BUNDLE" ]
}

@test "hooks: a failing or timed-out createRuntime hook fails create and leaves nothing" {
	config '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 3"]}]}'
	args true
	run hull create --bundle "$BUNDLE" cg-hookfail
	[ "$status" -eq 1 ]
	[[ "$output" == *'error running hook #0 (createRuntime): `/bin/sh` exited with status 3, output: nope'* ]]
	[ ! -e "$ROOT/cg-hookfail" ]
	config '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
	run hull create --bundle "$BUNDLE" cg-hooktime
	[ "$status" -eq 1 ]
	[[ "$output" == *"timed out after 1s"* ]]
	[ ! -e "$ROOT/cg-hooktime" ]
}

@test "rootless: an ordinary user runs a container in its own user namespace" {
	# a directory the user can reach (the test's $TMP is root's, mode 700)
	rl=$(mktemp -d /tmp/hull-cg-rootless.XXXXXX)
	chmod 755 "$rl"
	mkdir -p "$rl/b"
	cp -a "$BUNDLE/rootfs" "$rl/b/rootfs"
	chown -R 65534:65534 "$rl"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$rl" "$@"; }
	(cd "$rl/b" && as_nobody "$HULL" spec --rootless)
	jq '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]' \
		"$rl/b/config.json" >"$rl/c.json" && mv "$rl/c.json" "$rl/b/config.json" && chown 65534 "$rl/b/config.json"
	run as_nobody "$HULL" --root "$rl/state" run --bundle "$rl/b" cg-rootless
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "0 65534 1" ]
	[ -z "$(ls "$rl/state")" ]
	# limits need a cgroup the user may write: a clear error, nothing left
	jq '.linux.resources.memory = {limit: 67108864}' "$rl/b/config.json" >"$rl/c.json" && mv "$rl/c.json" "$rl/b/config.json"
	chown 65534 "$rl/b/config.json"
	run as_nobody "$HULL" --root "$rl/state" run --bundle "$rl/b" cg-rootless2
	[ "$status" -eq 1 ]
	[[ "$output" == *"Permission denied"* ]]
	[ -z "$(ls "$rl/state")" ]
	rm -rf "$rl"
}

@test "features reports the hooks, namespaces, capabilities, cgroup versions and seccomp support" {
	run "$HULL" features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.hooks | join(",")')" = "prestart,createRuntime,createContainer,startContainer,poststart,poststop" ]
	echo "$output" | jq -e '.linux.cgroup.v1 and .linux.cgroup.v2 and .linux.seccomp.enabled'
	echo "$output" | jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null'
	echo "$output" | jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null'
	echo "$output" | jq -e '.linux.namespaces | index("cgroup") != null'
}
