#!/usr/bin/env bats
# PCI enumeration and the virtio devices, end to end from inside the guest.

load vm_helpers

setup() {
	kvm_require
}

disk() { # disk PATH: a 1 MiB raw image with "HULLDISK" at sector 1
	truncate -s 1M "$1"
	printf 'HULLDISK' | dd of="$1" bs=1 seek=512 conv=notrunc status=none
}

@test "vm: PCI bus 0 has the host bridge and the virtio devices, BARs size and map" {
	disk "$BATS_TEST_TMPDIR/a.img"
	disk "$BATS_TEST_TMPDIR/b.img"
	run vm --kernel "$GUEST/pci" --cmdline "expect=rng:1,blk:2" \
		--disk "$BATS_TEST_TMPDIR/a.img" --disk "$BATS_TEST_TMPDIR/b.img,ro" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"virtio-blk 1af4:1042 class 018000"* ]]
	[[ "$output" == *"virtio-rng 1af4:1044"* ]]
	no_fail
}

@test "vm: --no-rng leaves the rng out" {
	run vm --kernel "$GUEST/pci" --no-rng --cmdline "expect=rng:0" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"virtio-rng"* ]]
	no_fail
}

@test "vm: virtio-rng hands the guest random bytes" {
	run vm --kernel "$GUEST/rng" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS virtio-rng filled both buffers: 64 64"* ]]
	no_fail
}

@test "vm: virtio-blk writes, reads back, flushes; the data lands in the image file" {
	disk "$BATS_TEST_TMPDIR/d.img"
	run vm --kernel "$GUEST/blk" --disk "$BATS_TEST_TMPDIR/d.img" --cmdline "sectors=2048" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS virtio-blk read back"* ]]
	[[ "$output" == *"PASS virtio-blk flush"* ]]
	no_fail
	# sector 8 holds the guest's pattern i*7+3
	[ "$(od -An -tx1 -j 4096 -N 4 "$BATS_TEST_TMPDIR/d.img" | tr -d ' ')" = "030a1118" ]
}

@test "vm: a read-only virtio-blk disk refuses writes and stays unchanged" {
	disk "$BATS_TEST_TMPDIR/r.img"
	before=$(sha256sum <"$BATS_TEST_TMPDIR/r.img")
	run vm --kernel "$GUEST/blk" --disk "$BATS_TEST_TMPDIR/r.img,ro" --cmdline "ro sectors=2048" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS virtio-blk write refused on a read-only disk"* ]]
	no_fail
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/r.img")" = "$before" ]
}

@test "vm: virtio interrupts arrive as INTx (with ISR) and as MSI-X (with mask and PBA)" {
	run vm --kernel "$GUEST/irq" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS INTx delivered with ISR queue bit"* ]]
	[[ "$output" == *"PASS MSI-X delivered"* ]]
	[[ "$output" == *"PASS pending MSI-X delivered on unmask"* ]]
	no_fail
}

@test "vm: with HULL_VM_IRQFD=1 virtio interrupts go through irqfds (MSI-X on routed GSIs, INTx resampled); by default KVM_SIGNAL_MSI and KVM_IRQ_LINE" {
	log=$BATS_TEST_TMPDIR/ioctls
	HULL_VM_IRQFD=1 run strace -f -qq -e trace=ioctl -o "$log" "$HULL" vm run --kernel "$GUEST/irq" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS MSI-X delivered"* ]]
	[[ "$output" == *"PASS pending MSI-X delivered on unmask"* ]]
	no_fail
	grep -q "KVM_IRQFD" "$log"
	grep -q "KVM_SET_GSI_ROUTING" "$log"
	[ "$(grep -c KVM_SIGNAL_MSI "$log")" -eq 0 ]
	# INTx too: a resampled irqfd on the line, no KVM_IRQ_LINE (the guest polls its console)
	[[ "$output" == *"PASS INTx delivered with ISR queue bit"* ]]
	[[ "$output" == *"PASS INTx deasserted after the ISR read"* ]]
	[ "$(grep -c KVM_IRQ_LINE "$log")" -eq 0 ]
	# by default (and where KVM offers no irqfds) the same guest passes with KVM_SIGNAL_MSI
	run strace -f -qq -e trace=ioctl -o "$log" "$HULL" vm run --kernel "$GUEST/irq" </dev/null
	[ "$status" -eq 0 ]
	no_fail
	[ "$(grep -c KVM_IRQFD "$log")" -eq 0 ]
	grep -q "KVM_SIGNAL_MSI" "$log"
	grep -q "KVM_IRQ_LINE" "$log"
}
