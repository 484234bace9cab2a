#!/usr/bin/env bats
# Real Linux drivers on hull's devices, in the nested machine (docs/nested.md;
# one L1 boot for the file): the root file system on virtio-blk (an ext4
# image made with mkfs.ext4 -d), data written and synced before a reboot
# and read back after it; virtio-rng as /dev/hwrng; the RTC's time; keys
# typed on hull's stdin reaching a shell on the guest's serial console.

load vm_helpers
load nested_helpers

setup_file() {
	nested_require
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed (e2fsprogs)"
	dir=$BATS_FILE_TMPDIR
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	# The root disk: busybox and an init that checks the devices, then
	# writes a file and reboots, or, finding the file, powers off.
	root=$dir/rootfs
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/data"
	cp "$(command -v busybox)" "$root/bin/busybox"
	for a in sh mount cat echo grep sed head wc sync poweroff reboot date od tr; do
		ln -s busybox "$root/bin/$a"
	done
	cat >"$root/init" <<'SH'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "root: $(grep ' / ' /proc/mounts | grep -v rootfs)"
echo "rng: $(cat /sys/class/misc/hw_random/rng_current)"
echo "hwrng bytes: $(head -c 256 /dev/hwrng | wc -c)"
echo "rtc: $(cat /sys/class/rtc/rtc0/since_epoch) host: $(sed -n 's/.*hosttime=\([0-9]*\).*/\1/p' /proc/cmdline)"
if [ -f /data/written ]; then
	echo "after reboot: $(cat /data/written)"
	poweroff -f
fi
echo "written before reboot $(head -c 8 /dev/hwrng | od -An -tx1 | tr -d ' ')" >/data/written
sync
echo "synced: $(cat /data/written)"
reboot -f
SH
	chmod +x "$root/init"
	mkfs.ext4 -q -F -d "$root" "$dir/root.img" 64M
	# L2's initramfs: the drivers, then the disk as /.
	cat >"$dir/toroot.sh" <<'SH'
mkdir -p /newroot
mount -t ext4 /dev/vda /newroot && exec switch_root /newroot /init
echo "mount of /dev/vda failed"
SH
	nested_l2_initrd -k virtio_pci -k virtio_blk -k virtio-rng -k ext4 -k crc32c_generic "$dir/toroot.sh" "$dir/l2-root.gz"
	cat >"$dir/shell.sh" <<'SH'
echo "ready for input"
read -r line
echo "read: $line"
eval "$line"
SH
	nested_l2_initrd "$dir/shell.sh" "$dir/l2-shell.gz"
	cat >"$dir/run.sh" <<'SH'
c="console=ttyS0 quiet"
echo "=== blk-root-reboot"
timeout 400 $HULL vm run --reboot --kernel bzImage --initrd l2-root.gz --disk root.img --cpus 2 --memory 256M \
	--cmdline "$c reboot=k hosttime=$(date +%s)" </dev/null 2>&1
echo "rc=$?"
echo "=== serial-input"
mkfifo in
(
	i=0
	while ! grep -q "ready for input" s.log 2>/dev/null && [ $i -lt 300 ]; do
		sleep 1
		i=$((i + 1))
	done
	echo 'echo "typed: $((6 * 7))"; poweroff -f'
	sleep 400
) >in &
feeder=$!
timeout 300 $HULL vm run --kernel bzImage --initrd l2-shell.gz --cpus 1 --memory 128M --cmdline "$c" <in >s.log 2>&1
echo "rc=$?"
kill $feeder
cat s.log
echo "=== end"
SH
	NESTED_OUTPUT=$("$NESTED_DIR/run-nested" --hull "$HULL" -t 1200 -f "$kernel:bzImage" -f "$dir/root.img" \
		-f "$dir/l2-root.gz" -f "$dir/l2-shell.gz" -f "$dir/run.sh" -- 'sh run.sh' 2>&1) || true
	printf '%s\n' "$NESTED_OUTPUT" >"$dir/nested.out"
	[ -z "${NESTED_LOG:-}" ] || cp "$dir/nested.out" "$NESTED_LOG"
}

setup() {
	NESTED_OUTPUT=$(cat "$BATS_FILE_TMPDIR/nested.out" 2>/dev/null)
}

@test "nested: Linux's root on virtio-blk (ext4); a file written and synced is there after a reboot" {
	output=$(nested_section blk-root-reboot)
	echo "$output"
	[[ "$output" == *"root: /dev/vda / ext4 rw"* ]]
	written=$(sed -n 's/^synced: //p' <<<"$output")
	[[ "$written" == "written before reboot "???* ]]
	[[ "$output" == *"after reboot: $written"* ]]
	[[ "$output" == *"rc=0"* ]]
}

@test "nested: virtio-rng is Linux's /dev/hwrng" {
	output=$(nested_section blk-root-reboot)
	[[ "$output" == *"rng: virtio_rng.0"* ]]
	[[ "$output" == *"hwrng bytes: 256"* ]]
	# two boots, two different random strings: the second read what the first wrote
	[ "$(grep -c '^rng: virtio_rng.0' <<<"$output")" -eq 2 ]
}

@test "nested: the guest's RTC reads the host's time" {
	output=$(nested_section blk-root-reboot)
	line=$(grep -m1 '^rtc: ' <<<"$output")
	echo "$line"
	rtc=$(awk '{print $2}' <<<"$line")
	host=$(awk '{print $4}' <<<"$line")
	[ -n "$rtc" ] && [ -n "$host" ]
	# the guest read its clock after booting, within minutes of the host's
	[ "$rtc" -ge "$((host - 5))" ] && [ "$rtc" -le "$((host + 600))" ]
}

@test "nested: keys on hull's stdin reach a shell on the guest's serial console" {
	output=$(nested_section serial-input)
	echo "$output"
	[[ "$output" == *"read: echo \"typed: \$((6 * 7))\"; poweroff -f"* ]]
	[[ "$output" == *"typed: 42"* ]]
	[[ "$output" == *"rc=0"* ]]
}
