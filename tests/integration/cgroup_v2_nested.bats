#!/usr/bin/env bats
# cgroup v2 for real: a nested machine (tests/nested, docs/nested.md) whose
# /sys/fs/cgroup is only cgroup2, with every controller enabled, as on a
# pure v2 host. One boot runs every scenario (cgroup_v2_nested.sh); each test
# checks its section of the output.

load runtime_helpers
load nested_helpers

setup_file() {
	nested_require
	CFG=$(mktemp -d /tmp/hull-cgv2.XXXXXX)
	(cd "$CFG" && "$HULL" spec)
	local base='.process.terminal = false | .root.path = "/b/rootfs"'
	jq "$base"' | .process.args = ["sleep", "300"]
		| .linux.resources.memory = {"limit": 33554432}
		| .linux.resources.pids = {"limit": 20}
		| .linux.resources.cpu = {"shares": 1024, "quota": 50000, "period": 100000}
		| .linux.resources.blockIO = {"weight": 500}
		| .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}]' \
		"$CFG/config.json" >"$CFG/limits.json"
	# a shell variable of 200 MB against a 32 MiB limit
	jq "$base"' | .process.args = ["sh", "-c", "sleep 1; x=$(head -c 200000000 /dev/zero | tr \"\\\\0\" a); echo survived"]
		| .linux.resources.memory = {"limit": 33554432}' "$CFG/config.json" >"$CFG/oom.json"
	# 20 background sleeps against pids.max 10
	jq "$base"' | .root.readonly = false | .process.args = ["sh", "-c", "for i in $(seq 20); do sleep 5 & echo started; done >/tmp/c3.out 2>&1; wait"]
		| .linux.resources.pids = {"limit": 10}' "$CFG/config.json" >"$CFG/pids.json"
	# `hull spec --rootless` for uid 1000, the nested machine's ordinary user
	(cd "$CFG" && mv config.json root.json && "$HULL" spec --rootless && mv config.json rootless-spec.json && mv root.json config.json)
	jq '.process.terminal = false | .root.path = "/b/rootfs" | .process.args = ["sleep", "300"]
		| .linux.uidMappings[0].hostID = 1000 | .linux.gidMappings[0].hostID = 1000
		| .linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}
		| .linux.resources.cpu = {"quota": 50000, "period": 100000}' "$CFG/rootless-spec.json" >"$CFG/rootless.json"
	# the engine's rootfs is an overlay: the module, as the nested machine loads none but KVM's
	. "$NESTED_DIR/common.sh"
	local kver ko
	kver=$(nested_kver "$(nested_kernel)")
	ko=$(nested_modules "$kver" overlay)
	case "$ko" in
	*.xz) xz -dc "/lib/modules/$kver/$ko" >"$CFG/overlay.ko" ;;
	*) cp "/lib/modules/$kver/$ko" "$CFG/overlay.ko" ;;
	esac
	local files=()
	for f in limits.json oom.json pids.json rootless.json overlay.ko; do files+=(-f "$CFG/$f"); done
	run "$NESTED_DIR/run-nested" --hull "$HULL" -t 900 -l libarchive.so.13 -l libz.so.1 -l libzstd.so.1 \
		-l libcrypto.so.3 "${files[@]}" \
		-f "$BATS_TEST_DIRNAME/cgroup_v2_nested.sh" -- 'sh cgroup_v2_nested.sh'
	export NESTED_OUTPUT=$output NESTED_STATUS=$status
	# NESTED_LOG=FILE keeps the nested machine's output for a look
	[ -z "${NESTED_LOG:-}" ] || printf '%s\n' "$output" >"$NESTED_LOG"
	export CFG
}

teardown_file() {
	[ -n "${CFG:-}" ] && rm -rf "$CFG"
}

# val SECTION KEY: the value of KEY=... in the section
val() {
	nested_section "$1" | sed -n "s/^$2=//p" | head -1
}

@test "nested v2 host: the machine ran the scenarios on a pure cgroup2 /sys/fs/cgroup" {
	echo "status $NESTED_STATUS: $NESTED_OUTPUT"
	[ "$NESTED_STATUS" -eq 0 ]
	[ "$(val host mounts)" = "/sys/fs/cgroup:cgroup2 " ]
	[[ "$(val host controllers)" == *memory* ]]
}

@test "nested v2 runtime: linux.resources land in memory.max, pids.max, cpu.max, cpu.weight (runc's conversion), io.weight" {
	[ "$(val limits run)" = "0 " ]
	[ "$(val limits memory.max)" = 33554432 ]
	[ "$(val limits pids.max)" = 20 ]
	[ "$(val limits cpu.max)" = "50000 100000" ]
	# 1 + ((1024 - 2) * 9999) / 262142
	[ "$(val limits cpu.weight)" = 39 ]
	# no BFQ here: blkio weight 500 -> io.weight 1 + ((500 - 10) * 9999) / 990
	[ "$(val limits io.weight)" = "default 4950" ]
	[ "$(val limits init_in_cgroup)" = 1 ]
}

@test "nested v2 runtime: cpu.max is enforced, the eBPF device filter denies what is not allowed, ps and events --stats read v2 files" {
	[ "$(val limits nr_throttled)" -gt 0 ]
	[ "$(val limits null)" = ok ]
	[ "$(val limits kmsg)" = denied ]
	[ "$(val limits ps_pid)" = 1 ]
	local ev
	ev=$(val limits events)
	[ "$(echo "$ev" | jq .data.memory.usage.limit)" = 33554432 ]
	[ "$(echo "$ev" | jq .data.pids.limit)" = 20 ]
	[ "$(echo "$ev" | jq .data.pids.current)" -ge 1 ]
}

@test "nested v2 runtime: update changes the limits live" {
	[ "$(val update update)" = 0 ]
	[ "$(val update memory.max)" = 67108864 ]
	[ "$(val update pids.max)" = 50 ]
	[ "$(val update cpu.max)" = "25000 100000" ]
	[ "$(val update cpu.weight)" = 79 ]
}

@test "nested v2 runtime: pause and resume use cgroup.freeze" {
	local s
	s=$(nested_section pause)
	[[ "$s" == *"pause=0 status=paused"* ]]
	[[ "$s" == *"freeze=1 frozen=1"* ]]
	[[ "$s" == *"resume=0 status=running"* ]]
	[[ "$s" == *"freeze=0 frozen=0"* ]]
}

@test "nested v2 runtime: delete removes the cgroup" {
	[ "$(val delete delete)" = "0 exists=no" ]
}

@test "nested v2 runtime: a process allocating beyond memory.max is OOM-killed; events reports it" {
	[ "$(val oom run)" = "0 " ]
	[ "$(val oom memory.max)" = 33554432 ]
	[ "$(val oom oom_kill)" -ge 1 ]
	[ "$(val oom oom_record)" -ge 1 ]
}

@test "nested v2 runtime: pids.max stops a fork loop" {
	[ "$(val pids run)" = 0 ]
	[ "$(val pids fork_failed)" -ge 1 ]
	[ "$(val pids started)" -lt 20 ]
	[[ "$(val pids pids.max)" == "10 events_max="[1-9]* ]]
	[ "$(val pids gone)" = yes ]
}

@test "nested v2 runtime: limits below a cgroup holding processes fail naming the no-internal-processes rule, leaving nothing" {
	local out
	out=$(val busy-parent run)
	[[ "$out" == 1* ]]
	[[ "$out" == *"memory.max"* ]]
	[[ "$out" == *"/sys/fs/cgroup/busy\` holds processes"* ]]
	[[ "$out" == *"no-internal-processes"* ]]
	[ "$(val busy-parent left)" = "0 state=0" ]
}

@test "nested v2 engine: run -m 32m --pids-limit 10 --cpus 0.5 lands in memory.max, pids.max, cpu.max" {
	[[ "$(val engine run)" == "0 "* ]]
	[ "$(val engine memory.max)" = 33554432 ]
	[ "$(val engine pids.max)" = 10 ]
	[ "$(val engine cpu.max)" = "50000 100000" ]
	[ "$(val engine gone)" = yes ]
}

@test "nested v2 rootless runtime: with a delegated subtree the cgroup is <delegated>/hull/ID, limits set, update, pause, delete" {
	[ "$(val rootless-runtime run)" = "0 " ]
	[ "$(val rootless-runtime memory.max)" = 33554432 ]
	[ "$(val rootless-runtime pids.max)" = 20 ]
	[ "$(val rootless-runtime cpu.max)" = "50000 100000" ]
	[ "$(val rootless-runtime owner)" = 1000 ]
	[ "$(val rootless-runtime update)" = "0 memory.max=67108864" ]
	[ "$(val rootless-runtime pause)" = "0 frozen=1 paused=1" ]
	[ "$(val rootless-runtime delete)" = "0 gone=yes" ]
}

@test "nested v2 rootless engine: -m/--cpus/--pids-limit work in a delegated subtree, are refused with the reason without one" {
	[ "$(val rootless-engine run)" = "0 " ]
	[ "$(val rootless-engine memory.max)" = 33554432 ]
	[ "$(val rootless-engine pids.max)" = 10 ]
	[ "$(val rootless-engine cpu.max)" = "50000 100000" ]
	[ "$(val rootless-engine gone)" = yes ]
	local refused
	refused=$(val rootless-refused run)
	[[ "$refused" == 125* ]]
	[[ "$refused" == *"cannot set resource limits"* ]]
	[[ "$refused" == *"is not delegated to you"* ]]
}
