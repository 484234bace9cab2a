#!/usr/bin/env bats
# The root file system of a `hull run --vm` container (docs/vm-agent.md,
# "Root filesystem"): by default the container's own overlay on the host,
# shared with the guest by virtio-fs, so that diff, cp, commit and export see
# what the VM wrote; `--vm-rootfs disk` keeps the image's read-only ext4 disk
# and a tmpfs in the guest. The VMs run in the nested machine (docs/nested.md):
# one L1 boot, one VM per root kind, each test reading its scenario's section.
bats_require_minimum_version 1.5.0

ENGINE_NET=255
load engine_helpers
load nested_helpers

# As vm_container.bats: the libraries, overlayfs, the image and the caches
# (the disk of --vm-rootfs disk is made here: L1 has no mkfs.ext4).
nested_session() {
	local dir=$BATS_FILE_TMPDIR
	NESTED_FILES=()
	nested_engine_files "$dir" || return 1
	# the guest's workload: a write, a delete, a device node, and two timings
	cat >"$dir/work.sh" <<'SH'
echo hello-from-vm >/hello
rm /etc/group && echo "rm done"
mknod /null2 c 1 3 2>/dev/null && echo "mknod made" || echo "mknod refused"
echo "entries=$(find / -xdev | wc -l)"
time -p sh -c 'find / -xdev >/dev/null' 2>&1 | sed -n 's/^real /find-seconds=/p'
time -p dd if=/dev/zero of=/big bs=1M count=10 conv=fsync 2>&1 | sed -n 's/^real /write-10M-seconds=/p'
echo "big=$(wc -c </big)"
rm /big
[ "$1" = wait ] || exit 0
echo "waiting"
i=0
while [ ! -f /from-host ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo "from the host: $(cat /from-host)"
SH
	NESTED_FILES+=(-f "$dir/work.sh:work.sh")
	cat >"$dir/run.sh" <<'SH'
export LD_LIBRARY_PATH=/nested/lib HULL_DATA_ROOT=/nested/data
insmod /nested/overlay.ko
$HULL load -i /nested/busybox.tar >/dev/null
echo "=== host-root"
$HULL run -d --vm --network none --vm-kernel /nested/vmlinuz --name vmc -v /nested:/w:ro busybox sh /w/work.sh wait >/dev/null
i=0
while ! $HULL logs vmc 2>/dev/null | grep -q waiting && [ $i -lt 300 ]; do sleep 1; i=$((i + 1)); done
echo copied-in >/nested/from-host.txt
$HULL cp /nested/from-host.txt vmc:/from-host
echo "rc=$($HULL wait vmc)"
$HULL logs vmc 2>&1
echo "=== diff"
$HULL diff vmc
echo "=== cp"
$HULL cp vmc:/hello - | tar -xOf -
$HULL cp vmc:/hello /nested/hello.out && echo "file: $(cat /nested/hello.out)"
echo "=== commit"
$HULL commit vmc img2 >/dev/null && echo "committed"
$HULL run --rm --network none img2 sh -c 'cat /hello; cat /etc/group 2>/dev/null || echo "no group"'
echo "=== export"
$HULL export -o /nested/vmc.tar vmc && tar -tf /nested/vmc.tar | grep -x -e hello -e bin/busybox -e etc/group
tar -xOf /nested/vmc.tar hello
echo "=== disk-root"
$HULL run --vm --network none --vm-rootfs disk --vm-kernel /nested/vmlinuz --name vmd -v /nested:/w:ro busybox sh /w/work.sh 2>&1
echo "rc=$?"
echo "diff-lines=$($HULL diff vmd | wc -l)"
$HULL rm vmc vmd >/dev/null
echo "=== end"
SH
	nested_session_run 900
}

setup_file() {
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "run --vm: what the VM writes and deletes is in the container's layer: hull diff shows it" {
	nested_output
	output=$(nested_section host-root)
	echo "$output"
	grep -qx "rc=0" <<<"$output"
	grep -qx "rm done" <<<"$output"
	grep -qx "big=10485760" <<<"$output"
	output=$(nested_section diff)
	echo "$output"
	grep -qx "A /hello" <<<"$output"
	grep -qx "A /from-host" <<<"$output"
	grep -qx "D /etc/group" <<<"$output"
	# what the workload removed again leaves nothing
	run ! grep -q "/big" <<<"$output"
}

@test "run --vm: hull cp into a running VM container: the guest reads the file" {
	nested_output
	output=$(nested_section host-root)
	echo "$output"
	grep -qx "from the host: copied-in" <<<"$output"
}

@test "run --vm: hull cp reads a file the VM wrote, to stdout (a tar) and to a file" {
	nested_output
	output=$(nested_section cp)
	echo "$output"
	[ "$(sed -n 1p <<<"$output")" = "hello-from-vm" ]
	grep -qx "file: hello-from-vm" <<<"$output"
}

@test "run --vm: hull commit keeps what the VM wrote and deleted, for a plain container" {
	nested_output
	output=$(nested_section commit)
	echo "$output"
	grep -qx "committed" <<<"$output"
	grep -qx "hello-from-vm" <<<"$output"
	grep -qx "no group" <<<"$output"
}

@test "run --vm: hull export holds the VM's file and not the one it deleted" {
	nested_output
	output=$(nested_section export)
	echo "$output"
	grep -qx "hello" <<<"$output"
	grep -qx "bin/busybox" <<<"$output"
	grep -qx "hello-from-vm" <<<"$output"
	run ! grep -qx "etc/group" <<<"$output"
}

@test "run --vm: a device node the container makes in its root is refused (the host's layer holds none)" {
	nested_output
	output=$(nested_section host-root)
	echo "$output"
	grep -qx "mknod refused" <<<"$output"
	run ! grep -q "null2" <<<"$(nested_section diff)"
}

@test "run --vm --vm-rootfs disk: the image's disk and a tmpfs, the writes stay in the guest" {
	nested_output
	output=$(nested_section disk-root)
	echo "$output"
	grep -qx "rc=0" <<<"$output"
	grep -qx "rm done" <<<"$output"
	grep -qx "big=10485760" <<<"$output"
	# the tmpfs upper layer: a device node can be made there, and the host sees no change
	grep -qx "mknod made" <<<"$output"
	grep -qx "diff-lines=0" <<<"$output"
}

@test "run --vm-rootfs: a value other than host or disk is refused and nothing is left" {
	run "$HULL" run --vm-rootfs nfs --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm-rootfs \`nfs\`: give host"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}
