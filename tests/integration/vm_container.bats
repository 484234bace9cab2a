#!/usr/bin/env bats
# hull run --vm: containers in micro-VMs (docs/vm-agent.md). The image, flags
# and logs of a container; a kernel of its own. This machine's /dev/kvm
# (nested PVM) cannot boot a Linux guest in useful time, so the runs happen
# in the nested machine (docs/nested.md): one L1 boot for the whole file,
# the scenarios in it (one VM in the background while the others run), each
# test reading its scenario's section. What is refused before any VM boots
# is checked on this host.
bats_require_minimum_version 1.5.0

ENGINE_NET=231
load engine_helpers
load nested_helpers

# What L1 needs beyond hull: the libraries the image commands load when
# they need them (hull load) and libnftables (the default bridge's NAT), the
# modules of overlayfs for the engine's rootfs and of the bridge network,
# the image, and the caches `hull run --vm` would make with mkfs.ext4 (not in L1).
nested_session() {
	local dir=$BATS_FILE_TMPDIR
	NESTED_FILES=()
	nested_engine_files -n "$dir" || return 1
	cat >"$dir/run.sh" <<'SH'
export LD_LIBRARY_PATH=/nested/lib HULL_DATA_ROOT=/nested/data
for m in $(cat /nested/mods/order); do insmod /nested/mods/$m || echo "insmod $m failed"; done
$HULL load -i /nested/busybox.tar >/dev/null
run() { timeout 300 $HULL run --vm --vm-kernel /nested/vmlinuz "$@"; echo "rc=$?"; }
# boots while the foreground ones run
$HULL run --vm --vm-kernel /nested/vmlinuz -d --name bg busybox \
	sh -c 'echo started; trap "echo got TERM; exit 0" TERM; while :; do sleep 1; done' >/dev/null
echo "=== memory-exit"
run -m 300m --rm busybox sh -c 'grep MemTotal /proc/meminfo; uname -r; echo "host $(cat /etc/hostname)"; exit 7'
echo "=== tty"
run -t --rm busybox sh -c 'tty; exit 3' </dev/null
echo "=== env-workdir-user"
run --rm -e GREETING=hello -w /tmp -u nobody busybox sh -c 'echo "$GREETING $(pwd) $(id -u)"'
echo "=== wait-started"
i=0
while ! $HULL logs bg 2>/dev/null | grep -q started && [ $i -lt 300 ]; do sleep 1; i=$((i + 1)); done
echo "=== exec"
$HULL exec bg sh -c 'echo "pid1 $(tr "\0" " " </proc/1/cmdline)"; echo "kernel $(uname -r)"; echo oops >&2; exit 4'
echo "exec=$?"
$HULL exec -e GREETING=hi -w /tmp -u nobody bg sh -c 'echo "$GREETING $(pwd) $(id -u)"'
echo "exec-flags=$?"
echo typed | $HULL exec -i bg sh -c 'read l; echo "got $l"'
$HULL exec -t bg sh -c 'tty' </dev/null
$HULL exec bg nonexistent-command
echo "exec-missing=$?"
$HULL exec -d bg true
echo "exec-d=$?"
echo "=== stop"
$HULL stop -t 60 bg
echo "stop=$?"
echo "wait=$($HULL wait bg)"
$HULL logs bg
$HULL rm bg >/dev/null
echo "left=$(ls /nested/data/containers | wc -l)"
echo "=== compare"
$HULL compare --vm-kernel /nested/vmlinuz --timeout 240 busybox
echo "compare=$?"
echo "compare-left=$(ls /nested/data/containers | wc -l)"
echo "=== end"
SH
	nested_session_run 1200
}

setup_file() {
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "run --vm: -m 300m sizes the VM, whose kernel is its own; the exit status comes back" {
	nested_output
	output=$(nested_section memory-exit)
	echo "$output"
	kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' <<<"$output")
	# the guest's kernel keeps some of the 300 MiB (307200 kB) for itself
	[ -n "$kb" ]
	[ "$kb" -gt 220000 ]
	[ "$kb" -le 307200 ]
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	grep -qx "${kernel#/boot/vmlinuz-}" <<<"$output"
	# the engine's /etc files travel into the VM
	grep -qE '^host [0-9a-f]{12}$' <<<"$output"
	grep -qx "rc=7" <<<"$output"
}

@test "run --vm -t: the process gets a terminal in the guest, its status comes back" {
	nested_output
	output=$(nested_section tty | tr -d '\r')
	echo "$output"
	grep -qx "/dev/pts/0" <<<"$output"
	grep -qx "rc=3" <<<"$output"
}

@test "run --vm: -e, -w and -u reach the process in the guest" {
	nested_output
	output=$(nested_section env-workdir-user)
	echo "$output"
	grep -qx "hello /tmp 65534" <<<"$output"
	grep -qx "rc=0" <<<"$output"
}

@test "run --vm -d: logs, stop (the signal reaches the process in the guest), wait, rm" {
	nested_output
	output=$(nested_section stop)
	echo "$output"
	grep -qx "stop=0" <<<"$output"
	grep -qx "started" <<<"$output"
	grep -qx "got TERM" <<<"$output" # the trap ran: the process saw SIGTERM
	grep -qx "wait=0" <<<"$output"
	grep -qx "left=0" <<<"$output"
}

@test "exec into a --vm container: runs in the container in the guest; -e -w -u -i -t; status back" {
	nested_output
	output=$(nested_section exec | tr -d '\r')
	echo "$output"
	# the container's pid namespace in the guest, the guest's kernel
	grep -qx "pid1 sh -c echo started; trap \"echo got TERM; exit 0\" TERM; while :; do sleep 1; done " <<<"$output"
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	grep -qx "kernel ${kernel#/boot/vmlinuz-}" <<<"$output"
	grep -qx "oops" <<<"$output"
	grep -qx "exec=4" <<<"$output"
	grep -qx "hi /tmp 65534" <<<"$output"
	grep -qx "exec-flags=0" <<<"$output"
	grep -qx "got typed" <<<"$output"
	grep -qx "/dev/pts/[0-9]*" <<<"$output"
	# 126, as exec into a container on the host says it (the runtime reports "not found" as
	# a failure to start)
	grep -q 'exec `nonexistent-command`: executable file not found' <<<"$output"
	grep -qx "exec-missing=126" <<<"$output"
	grep -q "exec -d into it is not supported" <<<"$output"
	grep -qx "exec-d=1" <<<"$output"
}

@test "run --vm: what a VM cannot have yet is refused by name, and nothing is left" {
	# -p and bridge networks are a VM's too (vm_network.bats); the host's network is not
	run "$HULL" run --vm --network host --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm: --network host or container: (the VM has a network stack of its own) is not supported"* ]]
	# volumes and bind mounts are shared by virtio-fs (vm_volumes.bats), directories only
	run "$HULL" run --vm -v /etc/hostname:/mnt/h --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm: \`/etc/hostname\` is not a directory"* ]]
	run "$HULL" run --vm -m 64m --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"-m 64 MiB is too little for a VM's kernel"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}

@test "run --vm-kernel: a file that is not a bzImage is refused before anything runs" {
	run "$HULL" run --vm-kernel /etc/passwd --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"kernel \`/etc/passwd\` is not a bzImage"* ]]
	run "$HULL" create --vm --vm-kernel /nonexistent busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm-kernel \`/nonexistent\`: No such file or directory"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}

@test "run --vm: an image's VM disk goes with the image (rmi)" {
	run "$HULL" vm-agent prepare busybox
	[ "$status" -eq 0 ]
	disk=$(sed -n 2p <<<"$output")
	[ -f "$disk" ]
	[[ "$disk" == "$HULL_DATA_ROOT/vm/images/"*.ext4 ]]
	"$HULL" rmi busybox
	[ ! -e "$disk" ]
	"$HULL" image build-default >/dev/null
}

@test "compare: in the nested machine, both sides measured (the table)" {
	nested_output
	output=$(nested_section compare)
	echo "$output"
	grep -qx "compare=0" <<<"$output"
	grep -qE '^time to first output +[0-9.]+ ms +[0-9.]+ ms' <<<"$output"
	grep -qE '^host memory \(PSS\) +[0-9.]+ MiB \([0-9]+ processes\) +[0-9.]+ MiB \([0-9]+ processes\)' <<<"$output"
	grep -qE '^disk +[0-9.]+ MiB +[0-9.]+ MiB \+ initramfs [0-9.]+ MiB' <<<"$output"
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	grep -qE "^kernel seen +[^ ]+ +${kernel#/boot/vmlinuz-}\$" <<<"$output"
	grep -qE '^host syscalls reachable +[0-9]+ \(seccomp profile\) +[0-9]+ \(VMM jail\)' <<<"$output"
	grep -qx "compare-left=0" <<<"$output"
}

@test "compare: both sides measured in JSON; the container's here, the VM's where KVM boots Linux" {
	run "$HULL" compare --timeout 5 --format json busybox
	echo "$output"
	c=$(jq '.runs[0]' <<<"$output")
	jq -e '.mode == "container" and .own_kernel == false and .error == null and .first_output_ms > 0
		and .host_pss_kib > 0 and .host_processes >= 2 and .host_syscalls_reachable > 300
		and .disk_bytes.layers > 0' <<<"$c"
	# the host's kernel, as the container sees it
	jq -e --arg k "$(uname -r)" '.kernel == $k' <<<"$c"
	v=$(jq '.runs[1]' <<<"$output")
	jq -e '.mode == "vm" and .own_kernel == true and .host_syscalls_reachable > 30
		and .host_syscalls_reachable < 100 and .disk_bytes.layers > 0 and .disk_bytes.initramfs > 0
		and (.disk_bytes | has("vm_disk") | not)' <<<"$v"
	if [ ! -c /dev/kvm ]; then
		# a machine without KVM: the VM side says so, and what to do
		[ "$status" -eq 1 ]
		jq -e '(.error | test("no usable KVM: open `/dev/kvm`")) and .first_output_ms == null' <<<"$v"
	elif jq -e '.error != null' <<<"$v"; then
		# this host's nested PVM cannot boot Linux in 5 s: then the VM side says so
		[ "$status" -eq 1 ]
		jq -e '.error == "no output within 5 s (--timeout)" and .first_output_ms == null' <<<"$v"
	fi
	# nothing left of either run
	[ -z "$("$HULL" ps -aq)" ]
	run "$HULL" compare --format yaml busybox
	[ "$status" -ne 0 ]
	[[ "$output" == *"--format: table or json"* ]]
}
