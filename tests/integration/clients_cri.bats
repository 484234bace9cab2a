#!/usr/bin/env bats
# Kubernetes' path: containerd's CRI plugin (what the kubelet talks to) with
# hull as the runtime handler, driven by the kubelet's CRI calls
# (tests/clients/cri/cri.py): a pod sandbox, containers, their logs and exit
# status, ExecSync, then stop and removal of all. A private containerd with
# CRI (tests/clients/cri/cri-up) runs under a temp folder for this file;
# its shim calls hull with --root /run/containerd/runc/k8s.io.

load runtime_helpers

CRI_DIR=$BATS_TEST_DIRNAME/../clients/cri
SHIM_ROOT=/run/containerd/runc/k8s.io

setup_file() {
	export CD=$(mktemp -d /tmp/hull-cri.XXXXXX)
	export CRI_GEN=$CD/gen CRI_STATE=$CD
	# a bridge and subnet of this run's own: another run may be up beside it
	export CRI_BRIDGE=hcri$(($$ % 10000)) CRI_SUBNET=10.233.$((100 + $$ % 100)).0/24
	local p
	for p in containerd ctr protoc umoci /usr/lib/cni/bridge; do
		command -v "$p" >/dev/null || { echo "$p is missing: run scripts/install-deps" >&2; return 1; }
	done
	/usr/bin/python3 -c 'import grpc, google.protobuf' ||
		{ echo "python3-grpcio / python3-protobuf missing: run scripts/install-deps" >&2; return 1; }
	export SOCK
	SOCK=$("$CRI_DIR"/cri-up "$CD" "$HULL") || { cat "$CD"/containerd.log >&2; return 1; }
	# the CRI plugin answers a little after containerd itself
	local i
	for i in $(seq 100); do
		cri version >/dev/null 2>&1 && break
		sleep 0.1
	done
	# two images from a busybox-static rootfs: the sandbox's "pause" (it
	# sleeps) and the containers' busybox
	make_rootfs "$CD/rootfs"
	mk_image bb sh
	mk_image pause sleep 2147483647
}

# mk_image NAME CMD...: localhost/NAME:latest in containerd's k8s.io namespace
mk_image() {
	local name=$1 img=$CD/img-$1
	shift
	umoci init --layout "$img"
	umoci new --image "$img:latest"
	umoci insert --image "$img:latest" "$CD/rootfs" / >/dev/null
	local cmd=() a
	for a in "$@"; do cmd+=(--config.cmd "$a"); done
	umoci config --image "$img:latest" "${cmd[@]}"
	tar -C "$img" -cf "$img.tar" .
	ctr -a "$SOCK" -n k8s.io images import --base-name "localhost/$name" "$img.tar" >/dev/null
}

teardown_file() {
	local p
	for p in $(cri pods 2>/dev/null); do
		cri stopp "$p"
		cri rmp "$p"
	done
	"$CRI_DIR"/cri-down "$CD"
	rm -rf "$CD"
	# containerd puts the pods' cgroups under /k8s.io (the runtime removes
	# each pod's own); rmdir leaves it to a concurrent run still using it
	rmdir /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io 2>/dev/null || true
}

cri() { /usr/bin/python3 "$CRI_DIR"/cri.py "$SOCK" "$@"; }
jget() { jq -r "$1" <<<"$output"; }

@test "CRI: containerd's CRI plugin answers Version" {
	run cri version
	[ "$status" -eq 0 ]
	[[ "$output" == containerd* ]]
}

@test "CRI: RunPodSandbox with handler hull: the sandbox is a hull container, ready, with an address" {
	run cri runp cri-pod1 hull "$CD/logs"
	[ "$status" -eq 0 ]
	echo "$output" >"$CD/pod"
	pod=$output
	run cri podstatus "$pod"
	[ "$status" -eq 0 ]
	[ "$(jget .state)" = SANDBOX_READY ]
	# an address from the bridge's subnet
	[[ "$(jget .ip)" == "${CRI_SUBNET%.0/24}".* ]]
	# the shim asked hull: hull knows the sandbox, running
	run "$HULL" --root "$SHIM_ROOT" state "$pod"
	[ "$status" -eq 0 ]
	[ "$(jget .status)" = running ]
}

@test "CRI: a container's output reaches its log and exit status 0 its status" {
	pod=$(cat "$CD/pod")
	run cri create "$pod" c1 localhost/bb:latest sh -c 'echo hello-from-cri; hostname'
	[ "$status" -eq 0 ]
	c1=$output
	cri start "$c1"
	run cri wait "$c1" 20
	[ "$status" -eq 0 ]
	[ "$(jget .state)" = CONTAINER_EXITED ]
	[ "$(jget .exit_code)" -eq 0 ]
	# CRI's log format: TIME STREAM TAG MESSAGE
	grep -E '^[^ ]+ stdout F hello-from-cri$' "$CD/logs/c1.log"
	grep -E '^[^ ]+ stdout F cri-pod1$' "$CD/logs/c1.log"
}

@test "CRI: a container's non-zero exit status reaches ContainerStatus; it shares the pod's network" {
	pod=$(cat "$CD/pod")
	ip=$(cri podstatus "$pod" | jq -r .ip)
	run cri create "$pod" c2 localhost/bb:latest sh -c 'ip -4 addr show eth0; exit 3'
	[ "$status" -eq 0 ]
	c2=$output
	cri start "$c2"
	run cri wait "$c2" 20
	[ "$status" -eq 0 ]
	[ "$(jget .exit_code)" -eq 3 ]
	[ "$(jget .reason)" = Error ]
	grep -F "inet $ip/" "$CD/logs/c2.log"
}

@test "CRI: ExecSync in a running container returns its output and exit status" {
	pod=$(cat "$CD/pod")
	run cri create "$pod" c3 localhost/bb:latest sleep 1000
	[ "$status" -eq 0 ]
	c3=$output
	echo "$c3" >"$CD/c3"
	cri start "$c3"
	run cri status "$c3"
	[ "$(jget .state)" = CONTAINER_RUNNING ]
	run cri exec "$c3" 10 sh -c 'echo exec-ok; id -u; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	[ "$(jget .exit_code)" -eq 0 ]
	[ "$(jget .stdout)" = "$(printf 'exec-ok\n0')" ]
	[ "$(jget .stderr)" = to-stderr ]
	run cri exec "$c3" 10 sh -c 'exit 7'
	[ "$status" -eq 0 ]
	[ "$(jget .exit_code)" -eq 7 ]
	# the exec'd process is in the pod's pid namespace (CRI's default: one
	# for the pod), whose pid 1 is the sandbox's pause process, beside c3
	run cri exec "$c3" 10 sh -c 'tr "\0" " " </proc/1/cmdline; echo; ps -o args | grep -x "sleep 1000"'
	[ "$(jget .stdout)" = "$(printf 'sleep 2147483647 \nsleep 1000')" ]
}

@test "CRI: StopContainer, RemoveContainer, StopPodSandbox and RemovePodSandbox leave nothing behind" {
	pod=$(cat "$CD/pod")
	c3=$(cat "$CD/c3")
	run cri stop "$c3" 2
	[ "$status" -eq 0 ]
	run cri status "$c3"
	[ "$(jget .state)" = CONTAINER_EXITED ]
	local c
	for c in $(cri ps "$pod"); do cri rm "$c"; done
	[ -z "$(cri ps "$pod")" ]
	run cri stopp "$pod"
	[ "$status" -eq 0 ]
	run cri podstatus "$pod"
	[ "$(jget .state)" = SANDBOX_NOTREADY ]
	run cri rmp "$pod"
	[ "$status" -eq 0 ]
	[ -z "$(cri pods)" ]
	# hull no longer knows the sandbox or its containers
	run "$HULL" --root "$SHIM_ROOT" state "$pod"
	[ "$status" -ne 0 ]
	run "$HULL" --root "$SHIM_ROOT" state "$c3"
	[ "$status" -ne 0 ]
}
