#!/usr/bin/env bats
# Debian's stock kernel under hull on a real KVM, from boot to user space and
# back out: power-off, reboot (keyboard controller, ACPI reset register),
# panic, and a final halt, on 1, 2 and 4 vCPUs with 128M to 2G, as a bzImage
# and as the vmlinux inside it through the PVH entry. This machine's /dev/kvm
# (nested PVM) cannot boot it in useful time, so it all runs in the nested
# machine (docs/nested.md): one L1 boot for the whole file, the scenarios one
# after the other in it, each test reading its scenario's section.

load vm_helpers
load nested_helpers

setup_file() {
	nested_require
	dir=$BATS_FILE_TMPDIR
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	# The vmlinux for the PVH entry: the XZ stream after the first "\xfd7zXZ\0".
	off=$(grep -abo $'\xfd7zXZ\x00' "$kernel" | head -1 | cut -d: -f1)
	tail -c +$((off + 1)) "$kernel" | xz -dc >"$dir/vmlinux" 2>/dev/null || true
	[ -s "$dir/vmlinux" ]
	# L2 user space: report what the guest sees, then end the way the test asks.
	cat >"$dir/guest.sh" <<'SH'
echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "memkb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
action=$(sed -n 's/.*hulltest=\([a-z]*\).*/\1/p' /proc/cmdline)
echo "action=$action"
case "$action" in
poweroff) poweroff -f ;;
reboot) reboot -f ;;
halt) halt -f ;;
panic) echo c >/proc/sysrq-trigger ;;
esac
SH
	nested_l2_initrd "$dir/guest.sh" "$dir/l2.gz"
	# pvpanic's driver is a module in Debian's kernel; a distribution's udev
	# loads it for the ACPI QEMU0001 device, this busybox guest by hand.
	nested_l2_initrd -k pvpanic_mmio "$dir/guest.sh" "$dir/l2-pvpanic.gz"
	cat >"$dir/run.sh" <<'SH'
s() {
	name=$1
	shift
	echo "=== $name"
	timeout 300 $HULL vm run "$@" </dev/null 2>&1
	echo "rc=$?"
}
c="console=ttyS0 quiet"
s bz-1cpu-128M-poweroff --kernel bzImage --initrd l2.gz --cpus 1 --memory 128M --cmdline "$c hulltest=poweroff"
s bz-2cpu-512M-reboot-kbd --kernel bzImage --initrd l2.gz --cpus 2 --memory 512M --cmdline "$c reboot=k hulltest=reboot"
s bz-2cpu-256M-halt --kernel bzImage --initrd l2.gz --cpus 2 --memory 256M --cmdline "$c hulltest=halt"
s pvh-1cpu-256M-panic --kernel vmlinux --initrd l2-pvpanic.gz --cpus 1 --memory 256M --cmdline "$c panic=0 hulltest=panic"
echo "=== pvh-4cpu-2G-reboot-acpi"
$HULL vm run --reboot --kernel vmlinux --initrd l2.gz --cpus 4 --memory 2G --cmdline "$c reboot=a hulltest=reboot" </dev/null >r.log 2>&1 &
pid=$!
i=0
while [ "$(grep -c 'L2: userspace' r.log)" -lt 2 ] && [ $i -lt 300 ] && kill -0 $pid 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
kill $pid 2>/dev/null
wait $pid
st=$?
echo "status=$st"
cat r.log
echo "boots=$(grep -c 'L2: userspace' r.log)"
echo "=== end"
SH
	NESTED_OUTPUT=$("$NESTED_DIR/run-nested" --hull "$HULL" -t 600 -f "$kernel:bzImage" -f "$dir/vmlinux" \
		-f "$dir/l2.gz" -f "$dir/l2-pvpanic.gz" -f "$dir/run.sh" -- 'sh run.sh' 2>&1) || true
	printf '%s\n' "$NESTED_OUTPUT" >"$dir/nested.out"
	[ -z "${NESTED_LOG:-}" ] || cp "$dir/nested.out" "$NESTED_LOG"
}

setup() {
	NESTED_OUTPUT=$(cat "$BATS_FILE_TMPDIR/nested.out" 2>/dev/null)
}

@test "nested: a bzImage on 1 vCPU and 128M reaches user space; poweroff -f ends hull vm run with 0" {
	output=$(nested_section bz-1cpu-128M-poweroff)
	echo "$output"
	[[ "$output" == *"L2: userspace"* ]]
	[[ "$output" == *"cpus=1"* ]]
	[[ "$output" == *"action=poweroff"* ]]
	[[ "$output" == *"reboot: Power down"* ]]
	[[ "$output" == *"rc=0"* ]]
}

@test "nested: a bzImage on 2 vCPUs (SMP bring-up through the MADT) and 512M; reboot -f with reboot=k ends with 0 and a note" {
	output=$(nested_section bz-2cpu-512M-reboot-kbd)
	echo "$output"
	[[ "$output" == *"cpus=2"* ]]
	kb=$(sed -n 's/^memkb=//p' <<<"$output")
	[ "$kb" -gt 400000 ] && [ "$kb" -le 524288 ]
	[[ "$output" == *"reboot: Restarting system"* ]]
	[[ "$output" == *"the guest reset the machine"* ]]
	[[ "$output" == *"rc=0"* ]]
}

@test "nested: halt -f on 2 vCPUs (every vCPU halted, interrupts off) ends with 2 and a clear reason, not a hang" {
	output=$(nested_section bz-2cpu-256M-halt)
	echo "$output"
	[[ "$output" == *"cpus=2"* ]]
	[[ "$output" == *"action=halt"* ]]
	[[ "$output" == *"every vCPU halted with interrupts disabled"* ]]
	[[ "$output" == *"rc=2"* ]]
}

@test "nested: a kernel panic (sysrq c, panic=0) through the PVH entry ends with 2 and the panic lines" {
	output=$(nested_section pvh-1cpu-256M-panic)
	echo "$output"
	[[ "$output" == *"action=panic"* ]]
	[[ "$output" == *"Kernel panic - not syncing: sysrq triggered crash"* ]]
	[[ "$output" == *"guest kernel panic (reported on the pvpanic port)"* ]]
	[[ "$output" == *"last console lines:"*"Kernel panic"* ]]
	[[ "$output" == *"rc=2"* ]]
}

@test "nested: the vmlinux (PVH) on 4 vCPUs and 2G; reboot -f with reboot=a and --reboot boots it again" {
	output=$(nested_section pvh-4cpu-2G-reboot-acpi)
	echo "${output:0:6000}"
	[[ "$output" == *"cpus=4"* ]]
	kb=$(sed -n 's/^memkb=//p' <<<"$output" | head -1)
	[ "$kb" -gt 1800000 ] && [ "$kb" -le 2097152 ]
	[[ "$output" == *"reboot: Restarting system"* ]]
	[[ "$output" == *"boots=2"* ]]
}
