#!/usr/bin/env bats
# containerd driving hull through its runc shim (`ctr run --runc-binary
# build/hull`): run, exec, pause/resume, ps, kill. The shim calls hull with
# `--root R --log F --log-format json` on every command. A private
# containerd (no CRI) is started by the tests and stopped after; ids start
# with cg-, and a namespace of its own keeps them apart.

load runtime_helpers

setup_file() {
	export CD=$(mktemp -d /tmp/hull-cg-containerd.XXXXXX)
	cat >"$CD"/config.toml <<EOC
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = "$CD/debug.sock"
[metrics]
  address = ""
EOC
	containerd --config "$CD"/config.toml >"$CD"/containerd.log 2>&1 &
	echo $! >"$CD"/containerd.pid
	local i
	for i in $(seq 100); do
		ctr -a "$CD"/containerd.sock version >/dev/null 2>&1 && break
		sleep 0.1
	done
	# an OCI image archive with a busybox-static root filesystem
	make_rootfs "$CD/rootfs"
	umoci init --layout "$CD/img"
	umoci new --image "$CD/img:latest"
	umoci insert --image "$CD/img:latest" "$CD/rootfs" / >/dev/null
	umoci config --image "$CD/img:latest" --config.cmd sh
	tar -C "$CD/img" -cf "$CD/img.tar" .
	c images import --base-name docker.io/library/hull-cg-busybox "$CD/img.tar" >/dev/null
}

teardown_file() {
	local t
	for t in $(c task ls -q 2>/dev/null); do c task kill -s KILL "$t"; done
	sleep 0.2
	for t in $(c task ls -q 2>/dev/null); do c task rm -f "$t"; done
	for t in $(c container ls -q 2>/dev/null); do c container rm "$t"; done
	kill "$(cat "$CD"/containerd.pid)" 2>/dev/null
	wait 2>/dev/null
	umount -R "$CD/root" 2>/dev/null || true
	rm -rf "$CD"
	# containerd puts containers under /<namespace>/<id>; the runtime removes
	# the container's cgroup (as runc does), the namespace's parent is ours.
	# rmdir leaves it to a concurrent run that still has containers in it.
	rmdir /sys/fs/cgroup/*/hull-cg-test /sys/fs/cgroup/hull-cg-test 2>/dev/null || true
}

c() { ctr -a "$CD"/containerd.sock -n hull-cg-test "$@"; }
IMG=docker.io/library/hull-cg-busybox:latest

@test "ctr run --rm through hull" {
	run c run --rm --runc-binary "$HULL" "$IMG" cg-ctr1 echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
}

@test "ctr task exec, pause, resume, ps, kill through hull" {
	c run -d --runc-binary "$HULL" "$IMG" cg-ctr2 sleep 1000
	run c task exec --exec-id e1 cg-ctr2 sh -c 'echo exec-ok'
	[ "$status" -eq 0 ]
	[ "$output" = exec-ok ]
	c task pause cg-ctr2
	[[ "$(c task ls | grep cg-ctr2)" == *PAUSED* ]]
	c task resume cg-ctr2
	[[ "$(c task ls | grep cg-ctr2)" == *RUNNING* ]]
	pid=$(c task ls | awk '$1 == "cg-ctr2" {print $2}')
	run c task ps cg-ctr2
	[[ "$output" == *"$pid"* ]]
	c task kill -s KILL cg-ctr2
	local i
	for i in $(seq 50); do
		[[ "$(c task ls | grep cg-ctr2)" == *STOPPED* ]] && break
		sleep 0.1
	done
	[[ "$(c task ls | grep cg-ctr2)" == *STOPPED* ]]
	c task rm cg-ctr2
	c container rm cg-ctr2
	[ -z "$(c container ls -q)" ]
}
