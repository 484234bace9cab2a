#!/usr/bin/env bats
# The Debian kernel (linux-image-amd64) under hull: its first console lines.
# Kernel-mode code is emulated on this machine's nested PVM (~1 instruction
# per microsecond), so the bzImage's XZ decompressor alone would take many
# minutes; the test boots the same kernel's vmlinux, taken out of the
# bzImage, through its PVH entry (CONFIG_PVH=y), which skips decompression.

load vm_helpers

setup() {
	kvm_require
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	[ -n "$kernel" ]
	vmlinux="$BATS_TEST_TMPDIR/vmlinux"
	# extract-vmlinux: the XZ stream starts at the first "\xfd7zXZ\0".
	off=$(grep -abo $'\xfd7zXZ\x00' "$kernel" | head -1 | cut -d: -f1)
	[ -n "$off" ]
	tail -c +$((off + 1)) "$kernel" | xz -dc >"$vmlinux" 2>/dev/null || true
	[ -s "$vmlinux" ]
}

@test "vm: the Debian kernel prints its first console lines on ttyS0 (earlyprintk)" {
	log="$BATS_TEST_TMPDIR/console"
	"$HULL" vm run --kernel "$vmlinux" --memory 512M --cmdline "earlyprintk=serial console=ttyS0" \
		</dev/null >"$log" 2>&1 &
	pid=$!
	# up to 5 minutes: a loaded machine emulates the kernel's code slower
	for _ in $(seq 600); do
		grep -q "ACPI: RSDP" "$log" && break
		sleep 0.5
	done
	kill "$pid"
	wait "$pid" || true
	output=$(cat "$log")
	echo "${output:0:3000}"
	[[ "$output" == *"Linux version "* ]]
	[[ "$output" == *"Command line: earlyprintk=serial console=ttyS0"* ]]
	[[ "$output" == *"BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable"* ]]
	[[ "$output" == *"Hypervisor detected: KVM"* ]]
	[[ "$output" == *"ACPI: RSDP 0x00000000000E0000"* ]]
}

@test "vm: the Debian bzImage is accepted (boot protocol, 64-bit entry) and runs" {
	# Loaded and entered: hull keeps running it until the time limit; a bad
	# header would end hull at once with status 1.
	run timeout 5 "$HULL" vm run --kernel "$(ls /boot/vmlinuz-* | sort -V | tail -1)" --memory 512M \
		--cmdline "console=ttyS0" </dev/null
	echo "$output"
	[ "$status" -eq 124 ]
	[[ "$output" != *"hull:"* ]]
}
