#!/usr/bin/env bats
# hull run --vm with volumes and bind mounts, shared by virtio-fs
# (docs/vm-agent.md, "Volumes: virtio-fs"). The VMs run in the nested
# machine (docs/nested.md): one L1 boot and one VM for the file (a plain
# container and `exec -u 1000` meet it while it runs), each test reading its
# scenario's section. What is refused before any VM boots
# is checked on this host.
bats_require_minimum_version 1.5.0

ENGINE_NET=240
load engine_helpers
load nested_helpers

# As vm_container.bats: the libraries, overlayfs, the image and the caches
# `hull run --vm` would make with mkfs.ext4 (not in L1).
nested_session() {
	local dir=$BATS_FILE_TMPDIR
	NESTED_FILES=()
	nested_engine_files "$dir" || return 1
	# a plain Linux guest of `hull vm run --fs`: the requests a shell's tools make
	cat >"$dir/l2.sh" <<'SH'
mkdir -p /mnt /ro
mount -t virtiofs share /mnt && echo "mounted share"
mount -t virtiofs rotag /ro && echo "mounted rotag"
echo "seen: $(cat /mnt/seed)"
echo guest-data >/mnt/new && mkdir /mnt/d && echo sub >/mnt/d/f && mv /mnt/d/f /mnt/d/g && echo "renamed: $(cat /mnt/d/g)"
dd if=/dev/zero of=/mnt/big bs=64k count=40 2>/dev/null; echo "big: $(wc -c </mnt/big)"
chown 1234:5678 /mnt/new && chmod 640 /mnt/new && touch -d 2020-01-01 /mnt/new && echo "setattr done"
ln /mnt/new /mnt/hard && ln -s /etc /mnt/sym && mkfifo /mnt/fifo && echo "links done"
mknod /mnt/dev c 1 3 2>/dev/null || echo "mknod c refused"
rm /mnt/d/g && rmdir /mnt/d && echo "removed"
echo "df: $(df /mnt | tail -1 | wc -w)"
echo x >/ro/y 2>/dev/null || echo "rotag: write refused"
poweroff -f
SH
	nested_l2_initrd -k virtio_pci -k virtiofs "$dir/l2.sh" "$dir/l2.gz"
	NESTED_FILES+=(-f "$dir/l2.gz:l2.gz")
	cat >"$dir/run.sh" <<'SH'
export LD_LIBRARY_PATH=/nested/lib HULL_DATA_ROOT=/nested/data
insmod /nested/overlay.ko
$HULL load -i /nested/busybox.tar >/dev/null
vol=/nested/data/volumes/data/_data
mkdir -p /nested/host /nested/rodir
chmod 1777 /nested/host
echo from-host >/nested/host/seed
echo read-only >/nested/rodir/seed
echo SECRET >/nested/outside
# one VM: a named volume, a live bind mount, a read-only one
$HULL run --vm --vm-kernel /nested/vmlinuz -d --network none --name live -v data:/data -v /nested/host:/h -v /nested/rodir:/ro:ro \
	busybox sh -c '
	echo written-in-vm >/data/f; mkdir /data/d; echo sub >/data/d/g
	ln -s /etc /data/etc-link; echo in-guest >/data/etc-link/planted-by-vm
	cat /ro/seed; echo x >/ro/new 2>/dev/null || echo "ro: write refused"
	rm /ro/seed 2>/dev/null || echo "ro: rm refused"
	echo "ready $(cat /h/seed)"
	while [ ! -f /h/go ]; do sleep 1; done
	echo "saw $(cat /h/go)"; cat /data/c
	cat /data/leak 2>/dev/null || echo "leak: not reachable"
	echo from-vm >/h/back; sleep 600' >/dev/null
# meanwhile, on L1's other CPU: a plain guest of hull vm run --fs
mkdir -p /nested/share /nested/roshare
echo seed >/nested/share/seed
timeout 300 $HULL vm run --kernel /nested/vmlinuz --initrd /nested/l2.gz --memory 192M --cmdline "console=ttyS0 quiet" \
	--fs share=/nested/share --fs rotag=/nested/roshare,ro </dev/null >/nested/plain.log 2>&1 &
plain=$!
i=0
while ! $HULL logs live 2>/dev/null | grep -q ready && [ $i -lt 300 ]; do sleep 1; i=$((i + 1)); done
echo "=== vm-writes"
$HULL logs live
echo "host-f=$(cat $vol/f) host-g=$(cat $vol/d/g) link=$(readlink $vol/etc-link)"
echo "host-etc=$(ls /etc/planted-by-vm 2>&1 | grep -c 'No such file')"
echo "ro-host=$(ls /nested/rodir | tr '\n' ' ')"
echo "=== plain-reads"
$HULL run --rm --network none -v data:/data busybox sh -c 'cat /data/f /data/d/g
	echo written-in-container >/data/c; chown 1000:1000 /data/c
	mkdir /data/u; chown 1000:1000 /data/u; ln -s /nested/outside /data/leak'
echo "rc=$?"
echo "=== exec-1000"
$HULL exec -u 1000:1000 live sh -c 'cat /data/c; echo appended-by-1000 >>/data/c; echo mine >/data/u/mine
	touch /data/by-1000 2>/dev/null || echo "1000: no write into the root-owned dir"'
echo "exec=$?"
echo "host-c=$(tail -1 $vol/c) owner=$(stat -c %u:%g $vol/u/mine) leak=$(readlink $vol/leak)"
echo "=== live"
echo go-from-host >/nested/host/go
i=0
while [ ! -f /nested/host/back ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
$HULL logs live
echo "back=$(cat /nested/host/back)"
$HULL rm -f live >/dev/null
echo "left=$(ls /nested/data/containers | wc -l)"
echo "=== vm-run-fs"
wait $plain
echo "rc=$?"
cat /nested/plain.log
ls -ln /nested/share | awk '{print "host:", $1, $3, $4, $5, $NF}'
echo "ro-left=$(ls /nested/roshare | wc -l)"
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

@test "run --vm -v NAME:/data: what the VM writes is in the volume, for a plain container to read" {
	nested_output
	output=$(nested_section vm-writes)
	echo "$output"
	grep -qx "host-f=written-in-vm host-g=sub link=/etc" <<<"$output"
	output=$(nested_section plain-reads)
	echo "$output"
	grep -qx "written-in-vm" <<<"$output"
	grep -qx "sub" <<<"$output"
	grep -qx "rc=0" <<<"$output"
}

@test "run --vm -v NAME:/data: what a plain container writes is read in the VM; uids pass through" {
	nested_output
	output=$(nested_section exec-1000)
	echo "$output"
	grep -qx "written-in-container" <<<"$output"
	grep -qx "exec=0" <<<"$output"
	# made by uid 1000 in the guest, owned by 1000 on the host
	grep -qx "host-c=appended-by-1000 owner=1000:1000 leak=/nested/outside" <<<"$output"
	# the guest's kernel checks the modes: uid 1000 cannot write the root-owned volume root
	grep -qx "1000: no write into the root-owned dir" <<<"$output"
	run ! grep -q "Permission denied" <<<"$(nested_section exec-1000 | grep -v by-1000)"
}

@test "run --vm -v /hostdir:/h: a bind mount is shared live both ways" {
	nested_output
	output=$(nested_section live)
	echo "$output"
	grep -qx "ready from-host" <<<"$output"
	grep -qx "saw go-from-host" <<<"$output"
	grep -qx "back=from-vm" <<<"$output"
	grep -qx "left=0" <<<"$output"
}

@test "run --vm -v /hostdir:/ro:ro: writes are refused and the host dir is unchanged" {
	nested_output
	output=$(nested_section vm-writes)
	echo "$output"
	grep -qx "read-only" <<<"$output"
	grep -qx "ro: write refused" <<<"$output"
	grep -qx "ro: rm refused" <<<"$output"
	grep -qx "ro-host=seed " <<<"$output"
}

@test "run --vm: symlinks in a volume resolve in the guest, never on the host" {
	nested_output
	output=$(nested_section vm-writes)
	echo "$output"
	# the guest's symlink to /etc is a symlink in the volume; the write through it
	# landed in the container's own /etc, not the host's
	grep -qx "host-etc=1" <<<"$output"
	# a symlink planted by a host container, to a host file outside the volume
	grep -q "leak=/nested/outside" <<<"$(nested_section exec-1000)"
	output=$(nested_section live)
	echo "$output"
	grep -qx "leak: not reachable" <<<"$output"
	run ! grep -q SECRET <<<"$output"
}

@test "vm run --fs: a plain Linux guest mounts the share and changes it as a file system" {
	nested_output
	output=$(nested_section vm-run-fs | tr -d '\r')
	echo "$output"
	grep -qx "rc=0" <<<"$output"
	for line in "mounted share" "mounted rotag" "seen: seed" "renamed: sub" "big: 2621440" "setattr done" \
		"links done" "mknod c refused" "removed" "df: 6" "rotag: write refused" "ro-left=0"; do
		grep -qx "$line" <<<"$output" || { echo "missing: $line"; return 1; }
	done
	# on the host: what the guest made, with the owner and mode it set
	grep -qx "host: -rw-r----- 1234 5678 11 new" <<<"$output"
	grep -qx "host: -rw-r----- 1234 5678 11 hard" <<<"$output"
	grep -qx "host: prw-r--r-- 0 0 0 fifo" <<<"$output"
	grep -q "^host: lrwxrwxrwx 0 0 4 " <<<"$output"
	run ! grep -q "host: .* dev$" <<<"$output"
}

@test "vm run --fs: a bad tag, a tag given twice, a missing or non-directory source are refused" {
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	run "$HULL" vm run --kernel "$kernel" --fs 'bad tag=/tmp'
	[ "$status" -eq 1 ]
	[[ "$output" == *"virtio-fs tag \`bad tag\`: give 1 to 36 of [A-Za-z0-9._-]"* ]]
	run "$HULL" vm run --kernel "$kernel" --fs x=/tmp --fs x=/var
	[ "$status" -eq 1 ]
	[[ "$output" == *"the tag \`x\` is given twice"* ]]
	run "$HULL" vm run --kernel "$kernel" --fs x=/nonexistent </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"share \`/nonexistent\`: a directory is needed"* ]]
	run "$HULL" vm run --kernel "$kernel" --fs x=/etc/hostname,ro </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"share \`/etc/hostname\`: a directory is needed"* ]]
}

@test "run --vm: a file cannot be bind-mounted into a VM, refused by name and nothing is left" {
	run "$HULL" run --vm -v /etc/hostname:/mnt/h --rm busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm: \`/etc/hostname\` is not a directory: a micro-VM shares directories only"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}
