#!/usr/bin/env bats
# cgroups of real containers: limits enforced (OOM kill, pids.max), cgroupsPath
# absolute/relative/default, update, pause/resume, events, ps, device rules,
# and nothing left after delete. Container ids start with cg-, cgroup paths
# with /hull-cg-test.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() {
	runtime_setup
	CG=/hull-cg-test-$$-$BATS_TEST_NUMBER
}
teardown() {
	runtime_teardown
	# a cgroup is busy for a moment after its last process died
	local d i
	for i in $(seq 50); do
		for d in /sys/fs/cgroup/*/hull-cg-test-$$-$BATS_TEST_NUMBER; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		ls -d /sys/fs/cgroup/*/hull-cg-test-$$-$BATS_TEST_NUMBER >/dev/null 2>&1 || break
		sleep 0.02
	done
	true
}

# v1 hierarchy directory of the container's cgroup for a controller
cgdir() { echo "/sys/fs/cgroup/$1$CG/ctr"; }

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds; fail
# after SECONDS. For what a loaded machine takes its time to do.
wait_until() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

@test "a process allocating past memory.limit is OOM-killed (exit 137)" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources.memory = {limit: 33554432, swap: 33554432}"
	# doubling a shell string: 32 MiB is reached within a few steps
	run_in 'a=0123456789abcdef; while true; do a="$a$a"; done'
	[ "$status" -eq 137 ]
	# the same program under a limit it does not reach ends normally
	config '.linux.resources.memory = {limit: 268435456}'
	run_in 'a=0123456789abcdef; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do a="$a$a"; done; echo ${#a}'
	[ "$status" -eq 0 ]
	[ "$output" = 4194304 ]
	[ ! -e "$(cgdir memory)" ]
}

@test "a fork bomb stops at pids.max and the host is unharmed" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources.pids = {limit: 20}"
	args sh -c 'b() { b | b & }; b 2>/dev/null; sleep 1000'
	hull run -d --bundle "$BUNDLE" cg-bomb </dev/null >/dev/null 2>&1
	# the bomb reaches the limit as fast as the (maybe loaded) machine lets it
	wait_until 20 grep -qE '^max [1-9]' "$(cgdir pids)/pids.events"
	[ "$(cat "$(cgdir pids)/pids.max")" = 20 ]
	[ "$(cat "$(cgdir pids)/pids.current")" -le 20 ]
	run hull delete -f cg-bomb
	[ "$status" -eq 0 ]
	[ ! -e "$(cgdir pids)" ]
	[ ! -e "$(cgdir memory)" ]
}

@test "cgroupsPath: absolute from each hierarchy's root, the default /hull/ID, everything removed on delete" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources = {memory: {limit: 67108864}, cpu: {shares: 512, quota: 20000, period: 100000}, pids: {limit: 99}}"
	args sleep 100
	hull create --bundle "$BUNDLE" cg-abs </dev/null >/dev/null 2>&1
	[ "$(cat "$(cgdir memory)/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$(cgdir cpu)/cpu.shares")" = 512 ]
	[ "$(cat "$(cgdir cpu)/cpu.cfs_quota_us")" = 20000 ]
	[ "$(cat "$(cgdir pids)/pids.max")" = 99 ]
	pid=$(hull state cg-abs | jq .pid)
	grep -q "^4:memory:$CG/ctr\$\|:memory:$CG/ctr\$" /proc/$pid/cgroup
	# the hybrid host's cgroup2 mount is joined as well
	grep -q "^0::$CG/ctr\$" /proc/$pid/cgroup
	hull delete -f cg-abs
	for c in memory cpu pids devices freezer unified; do [ ! -e "$(cgdir $c)" ]; done
	# no cgroupsPath: /hull/<id>
	config 'del(.linux.cgroupsPath)'
	hull create --bundle "$BUNDLE" cg-default-$$ </dev/null >/dev/null 2>&1
	[ -d /sys/fs/cgroup/memory/hull/cg-default-$$ ]
	hull delete -f cg-default-$$
	[ ! -e /sys/fs/cgroup/memory/hull/cg-default-$$ ]
}

@test "a relative cgroupsPath is below the caller's own cgroup" {
	own=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' /proc/self/cgroup)
	config ".linux.cgroupsPath = \"hull-cg-test-$$-$BATS_TEST_NUMBER/ctr\""
	args sleep 100
	hull create --bundle "$BUNDLE" cg-rel </dev/null >/dev/null 2>&1
	d=/sys/fs/cgroup/pids${own%/}/hull-cg-test-$$-$BATS_TEST_NUMBER/ctr
	[ -d "$d" ]
	hull delete -f cg-rel
	[ ! -e "$d" ]
	rmdir "${d%/ctr}"
}

@test "update changes limits with runc's flags and with --resources FILE" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}"
	args sleep 100
	hull run -d --bundle "$BUNDLE" cg-upd </dev/null >/dev/null 2>&1
	hull update --memory 128m --pids-limit 70 --cpu-share 256 --cpu-quota 30000 --cpu-period 100000 cg-upd
	[ "$(cat "$(cgdir memory)/memory.limit_in_bytes")" = 134217728 ]
	[ "$(cat "$(cgdir pids)/pids.max")" = 70 ]
	[ "$(cat "$(cgdir cpu)/cpu.shares")" = 256 ]
	[ "$(cat "$(cgdir cpu)/cpu.cfs_quota_us")" = 30000 ]
	echo '{"pids": {"limit": 33}, "memory": {"limit": 100663296}}' >"$TMP/res.json"
	hull update --resources "$TMP/res.json" cg-upd
	[ "$(cat "$(cgdir pids)/pids.max")" = 33 ]
	[ "$(cat "$(cgdir memory)/memory.limit_in_bytes")" = 100663296 ]
	echo '{"pids": {"limit": 44}}' | hull update -r - cg-upd
	[ "$(cat "$(cgdir pids)/pids.max")" = 44 ]
	run hull update --memory lots cg-upd
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory: \`lots\` is not a size"* ]]
	echo '{"memory": {"limit": "big"}}' >"$TMP/bad.json"
	run hull update -r "$TMP/bad.json" cg-upd
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.resources.memory.limit: must be an integer"* ]]
}

@test "pause freezes every process, resume thaws; state says paused; ps lists the processes" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .root.readonly = false"
	args sh -c 'sleep 1000 & i=0; while true; do i=$((i+1)); echo $i > /tmp/tick; usleep 20000; done'
	hull run -d --bundle "$BUNDLE" cg-pause </dev/null >/dev/null 2>&1
	# under load the shell may not have forked sleep or written tick yet
	wait_until 20 test -s "$BUNDLE/rootfs/tmp/tick"
	wait_until 20 eval 'hull ps cg-pause | grep -q "sleep 1000"'
	run hull ps --format json cg-pause
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -ge 2 ]
	init=$(hull state cg-pause | jq .pid)
	echo "$output" | jq -e "index($init) != null"
	run hull ps cg-pause
	[[ "${lines[0]}" == *PID* ]]
	[[ "$output" == *"sleep 1000"* ]]
	hull pause cg-pause
	[ "$(hull state cg-pause | jq -r .status)" = paused ]
	[ "$(cat "$(cgdir freezer)/freezer.state")" = FROZEN ]
	a=$(cat "$BUNDLE/rootfs/tmp/tick"); sleep 0.3; b=$(cat "$BUNDLE/rootfs/tmp/tick")
	[ "$a" = "$b" ]
	run hull pause cg-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"it is paused"* ]]
	hull resume cg-pause
	[ "$(hull state cg-pause | jq -r .status)" = running ]
	# thawed, the loop ticks again (however long a loaded machine takes)
	tick_moved() { c=$(cat "$BUNDLE/rootfs/tmp/tick") && [ -n "$c" ] && [ "$c" != "$b" ]; }
	wait_until 20 tick_moved
	# a paused container can still be force-deleted
	hull pause cg-pause
	hull delete -f cg-pause
	[ ! -e "$(cgdir freezer)" ]
}

@test "events --stats prints runc's stats record; events streams until the container stops" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 10}}"
	# runs until the test says stop: a fixed lifetime (sleep 2) was used up
	# by the commands below on a loaded machine before events streamed twice
	args sh -c 'while [ ! -e /tmp/stop ]; do usleep 50000; done'
	hull run -d --bundle "$BUNDLE" cg-ev </dev/null >/dev/null 2>&1
	run hull events --stats cg-ev
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .type)" = stats ]
	[ "$(echo "$output" | jq -r .id)" = cg-ev ]
	[ "$(echo "$output" | jq .data.memory.usage.limit)" = 67108864 ]
	[ "$(echo "$output" | jq .data.pids.current)" -ge 1 ]
	[ "$(echo "$output" | jq .data.pids.limit)" = 10 ]
	timeout 20 "$HULL" --root "$ROOT" events --interval 500ms cg-ev >"$TMP/events" 2>&1 &
	local ev=$! rc=0
	wait_until 20 eval '[ "$(wc -l <"$TMP/events")" -ge 2 ]'
	touch "$BUNDLE/rootfs/tmp/stop"
	# events ends by itself (status 0) once the container has stopped
	wait "$ev" || rc=$?
	cat "$TMP/events"
	[ "$rc" -eq 0 ]
	[ "$(head -1 "$TMP/events" | jq -r .type)" = stats ]
}

@test "device rules: only the default devices and linux.devices are usable" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .root.readonly = false | .linux.resources.devices = [{allow: false, access: \"rwm\"}]"
	run_in 'mknod /tmp/loop b 7 0 && head -c 1 /tmp/loop; echo rc=$?; head -c 1 /dev/zero | wc -c'
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "${lines[-1]}" == *1 ]]
}

@test "device rules: a deny with letters beyond rwm denies all of rwm; such an allow is refused" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .root.readonly = false | .linux.resources.devices = [{allow: true, access: \"rwm\"}, {allow: false, type: \"c\", major: 10, minor: 229, access: \"rwa\"}] | .process.capabilities.bounding += [\"CAP_MKNOD\"] | .process.capabilities.effective += [\"CAP_MKNOD\"] | .process.capabilities.permitted += [\"CAP_MKNOD\"]"
	run_in 'mknod /tmp/fuse c 10 229; echo fuse=$?; mknod /tmp/loop b 7 0; echo loop=$?'
	[[ "$output" == *"mknod: /tmp/fuse: Operation not permitted"* ]]
	[[ "$output" == *"fuse=1"* ]]
	[[ "$output" == *"loop=0"* ]]
	config '.linux.resources.devices = [{allow: true, type: "c", major: 10, minor: 229, access: "rwa"}]'
	args true
	run hull create --bundle "$BUNDLE" cg-badaccess
	[ "$status" -eq 1 ]
	[[ "$output" == *'linux.resources.devices['*'].access: `rwa` must be letters of rwm'* ]]
	[ ! -e "$ROOT/cg-badaccess" ]
}

@test "bad linux.resources fail create with the field named and leave nothing behind" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources.memory = {limit: \"64M\"}"
	args true
	run hull create --bundle "$BUNDLE" cg-bad
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json: linux.resources.memory.limit: must be an integer"* ]]
	[ ! -e "$ROOT/cg-bad" ]
	[ ! -e "$(cgdir memory)" ]
	[ ! -e "$(cgdir pids)" ]
}

@test "kill --all signals every process in the container's cgroup, exec'd ones too" {
	config ".linux.cgroupsPath = \"$CG/ctr\""
	args sleep 1000
	hull run -d --bundle "$BUNDLE" cg-killall </dev/null >/dev/null 2>&1
	hull exec -d --pid-file "$TMP/x.pid" cg-killall sleep 1000
	x=$(cat "$TMP/x.pid")
	hull kill --all cg-killall KILL
	for i in $(seq 100); do [ -d /proc/$x ] || break; sleep 0.02; done
	[ ! -d /proc/$x ]
	wait_status cg-killall stopped
}

@test "events reports an OOM kill in the container" {
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources.memory = {limit: 33554432, swap: 33554432}"
	args sh -c 'sleep 0.5; a=0123456789abcdef; while true; do a="$a$a"; done'
	hull run -d --bundle "$BUNDLE" cg-oomev </dev/null >/dev/null 2>&1
	run timeout 15 "$HULL" --root "$ROOT" events --interval 10s cg-oomev
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '"type":"oom"'
	[ "$(echo "$output" | grep '"type":"oom"' | jq -r .id)" = cg-oomev ]
}

@test "hybrid host: hugetlb limits go to the cgroup2 mount, the only place this host has that controller" {
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers
	config ".linux.cgroupsPath = \"$CG/ctr\" | .linux.resources.hugepageLimits = [{pageSize: \"2MB\", limit: 4194304}]"
	args sleep 100
	hull run -d --bundle "$BUNDLE" cg-huge </dev/null >/dev/null 2>&1
	[ "$(cat /sys/fs/cgroup/unified$CG/ctr/hugetlb.2MB.max)" = 4194304 ]
	echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}' | hull update -r - cg-huge
	[ "$(cat /sys/fs/cgroup/unified$CG/ctr/hugetlb.2MB.max)" = 2097152 ]
	hull delete -f cg-huge
	[ ! -e /sys/fs/cgroup/unified$CG/ctr ]
}
