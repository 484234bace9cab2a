#!/usr/bin/env bats
# podman driving hull as its OCI runtime (`podman --runtime build/hull`):
# run, exec, pause/unpause, top, stats, kill, rm -f. podman runs with a
# private config and storage under a temp dir (cgroupfs manager, no
# network namespace setup, the ulimits this machine allows), started and
# removed by the tests themselves. Names start with cg-.

load runtime_helpers

setup_file() {
	export PD=$(mktemp -d /tmp/hull-cg-podman.XXXXXX)
	mkdir -p "$PD"/conf "$PD"/root "$PD"/runroot "$PD"/tmp
	cat >"$PD"/conf/containers.conf <<EOC
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PD/events.log"
tmp_dir = "$PD/tmp"
static_dir = "$PD/root/libpod"
volume_path = "$PD/root/volumes"
EOC
	cat >"$PD"/conf/storage.conf <<EOC
[storage]
driver = "overlay"
graphroot = "$PD/root"
runroot = "$PD/runroot"
EOC
	export CONTAINERS_CONF="$PD"/conf/containers.conf CONTAINERS_STORAGE_CONF="$PD"/conf/storage.conf
	make_rootfs "$PD/rootfs"
	tar -C "$PD/rootfs" -cf "$PD/rootfs.tar" .
	podman import "$PD/rootfs.tar" hull-cg-busybox >/dev/null
}

teardown_file() {
	podman rm -a -f -t 0 >/dev/null 2>&1
	podman system reset -f >/dev/null 2>&1 || true
	umount -R "$PD/root/overlay" 2>/dev/null || true
	rm -rf "$PD"
}

p() { podman --runtime "$HULL" "$@"; }

@test "podman run --rm through hull" {
	run p run --rm hull-cg-busybox echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run p run --rm hull-cg-busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "podman exec, pause, unpause, top, stats, kill, rm -f through hull" {
	p run -d --name cg-pod hull-cg-busybox sleep 1000
	run p exec cg-pod sh -c 'echo in $(hostname); grep -c . /proc/self/cgroup'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "in "* ]]
	# the exec'd process is in the container's cgroup
	pid=$(p inspect -f '{{.State.Pid}}' cg-pod)
	p exec cg-pod sh -c 'cat /proc/self/cgroup' | grep ':memory:' >"$BATS_TEST_TMPDIR/exec.cg"
	grep ':memory:' /proc/$pid/cgroup | cmp - "$BATS_TEST_TMPDIR/exec.cg"
	p pause cg-pod
	[ "$(p inspect -f '{{.State.Status}}' cg-pod)" = paused ]
	p unpause cg-pod
	[ "$(p inspect -f '{{.State.Status}}' cg-pod)" = running ]
	run p top cg-pod
	[[ "$output" == *"sleep 1000"* ]]
	run p stats --no-stream --format '{{.PIDs}}' cg-pod
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	p kill cg-pod
	# podman records the exit a moment after kill returns
	for i in $(seq 50); do
		[ "$(p inspect -f '{{.State.Status}}' cg-pod)" = exited ] && break
		sleep 0.1
	done
	[ "$(p inspect -f '{{.State.Status}}' cg-pod)" = exited ]
	p run -d --name cg-pod2 hull-cg-busybox sleep 1000
	p rm -f -t 0 cg-pod cg-pod2
	run p ps -a --format '{{.Names}}'
	[[ "$output" != *cg-pod* ]]
}

@test "podman run with limits: the memory limit and pids limit reach the cgroup" {
	run p run --rm --memory 64m --pids-limit 33 hull-cg-busybox sh -c \
		'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 33 ]
}

@test "podman --userns container:NAME: the container joins that user namespace, in a pid namespace of its own" {
	# (what a pod sharing a user namespace does; pods themselves leave
	# cgroup directories podman cannot remove on this hybrid host)
	p run -d --name cg-userns-owner --uidmap 0:200000:65536 --gidmap 0:200000:65536 hull-cg-busybox sleep 1000
	owner_ns=$(readlink "/proc/$(p inspect -f '{{.State.Pid}}' cg-userns-owner)/ns/user")
	run p run --rm --userns container:cg-userns-owner hull-cg-busybox sh -c 'cat /proc/self/uid_map; readlink /proc/self/ns/user; echo $$'
	# podman's own cleanup of the --rm container can still hold the owner's
	# shm mount for a moment ("unlinkat .../shm: device or resource busy")
	for _ in 1 2 3 4 5; do p rm -f -t 0 cg-userns-owner >/dev/null 2>&1 && break; sleep 1; done
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "0 200000 65536" ]
	[ "${lines[1]}" = "$owner_ns" ]
	[ "${lines[2]}" = 1 ] # proc mounted for its own pid namespace
}
