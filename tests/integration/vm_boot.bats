#!/usr/bin/env bats
# hull vm run: boot paths, the console, and how a guest ends.

load vm_helpers

setup() {
	# the one test that hides /dev/kvm itself runs anywhere
	[[ $BATS_TEST_DESCRIPTION == *"without /dev/kvm"* ]] || kvm_require
}

@test "vm: a PVH guest prints on the serial console and powers off with status 0" {
	run vm --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from the hull test guest (boot pvh)"* ]]
	no_fail
}

@test "vm: a bzImage guest is entered at its 64-bit entry point" {
	run vm --kernel "$GUEST/hello.bzImage" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(boot bzImage)"* ]]
	no_fail
}

@test "vm: bzImage boot_params, e820, command line, initrd and ACPI tables" {
	printf 'HULL-INITRD-MAGIC and more' >"$BATS_TEST_TMPDIR/initrd"
	run vm --kernel "$GUEST/bootparams.bzImage" --memory 96M --initrd "$BATS_TEST_TMPDIR/initrd" \
		--cmdline "marker=hull42 expect_mem=96 initrd_magic=HULL-INITRD-MAGIC year=$(date -u +%Y)" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS boot_params type_of_loader"* ]]
	[[ "$output" == *"PASS e820 RAM total"* ]]
	[[ "$output" == *"PASS initrd contents"* ]]
	[[ "$output" == *"PASS ACPI MADT and FADT"* ]]
	[[ "$output" == *"PASS RTC date"* ]]
	no_fail
}

@test "vm: PVH start info, memory map above 4 GiB split by the PCI hole" {
	run vm --kernel "$GUEST/bootparams" --memory 3200M --cmdline "marker=hull42 expect_mem=3200" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASS hvm_start_info magic"* ]]
	[[ "$output" == *"e820: 0000000100000000-"* ]]
	no_fail
}

@test "vm: serial input reaches the guest, polled and by interrupt" {
	run bash -c "printf 'hello world\nsecond line\n' | timeout 60 '$HULL' vm run --kernel '$GUEST/echo'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ECHO1 hello world"* ]]
	[[ "$output" == *"ECHO2 second line"* ]]
	no_fail
}

@test "vm: console output is written a line at a time, not with a system call per byte" {
	log=$BATS_TEST_TMPDIR/writes
	run strace -f -qq -e trace=write -e signal=none -o "$log" "$HULL" vm run --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	no_fail
	lines=$(printf '%s\n' "$output" | wc -l)
	bytes=$(printf '%s' "$output" | wc -c)
	writes=$(grep -c '^[0-9]* *write(1, ' "$log")
	echo "$lines lines, $bytes bytes, $writes writes to the console"
	[ "$writes" -ge 1 ]
	[ "$writes" -le $((lines + 2)) ]
}

@test "vm: a prompt without a newline reaches the console while the guest waits for input" {
	d=$BATS_TEST_TMPDIR
	mkfifo "$d/in"
	timeout 60 "$HULL" vm run --kernel "$GUEST/echo" <"$d/in" >"$d/out" 2>&1 &
	vm_pid=$!
	exec 7>"$d/in"
	for _ in $(seq 100); do grep -q "type a line> " "$d/out" && break; sleep 0.1; done
	cat "$d/out"
	grep -q "type a line> " "$d/out"
	printf 'hello world\nsecond line\n' >&7
	exec 7>&-
	wait "$vm_pid"
	grep -q "ECHO2 second line" "$d/out"
}

@test "vm: a partial last line is not lost when the guest crashes" {
	run vm --kernel "$GUEST/triple" </dev/null
	[ "$status" -eq 2 ]
	# the console's last bytes come out before hull's crash report
	[[ "$output" == *"last words, no newline"*"the guest crashed"* ]]
}

@test "vm: a reset through the i8042 ends hull with status 0 and says so" {
	run vm --kernel "$GUEST/reset" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"resetting through the i8042"* ]]
	[[ "$output" == *"the guest reset the machine"* ]]
	[[ "$output" != *"FAIL"* ]]
}

@test "vm: a reset through port 0xcf9 with --reboot boots the guest again" {
	# With --reboot the guest keeps resetting; the second boot proves the restart.
	run timeout 5 "$HULL" vm run --reboot --kernel "$GUEST/reset" --cmdline cf9 </dev/null
	echo "${output:0:300}"
	[ "$status" -eq 124 ]
	n=$(grep -c "resetting through port 0xcf9" <<<"$output")
	[ "$n" -ge 2 ]
}

@test "vm: a triple fault exits non-zero with the registers and the last console lines" {
	run vm --kernel "$GUEST/triple" </dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"the guest crashed: guest triple fault"* ]]
	[[ "$output" == *"r12=000000001234abcd"* ]]
	[[ "$output" == *"last console lines:"*"about to triple fault"* ]]
}

@test "vm: a guest halted for good (interrupts off, no vCPU left to wake it) ends with status 2, not a hang" {
	for cpus in 1 2; do
		run vm --kernel "$GUEST/halt" --cpus "$cpus" </dev/null
		echo "$output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"every vCPU halted with interrupts disabled"* ]]
		[[ "$output" == *"r12=0000000000004a17"* ]]
		[[ "$output" == *"last console lines:"*"halting with interrupts off"* ]]
	done
}

@test "vm: bad input is refused with a clear error" {
	run "$HULL" vm run --kernel /nonexistent/kernel
	[ "$status" -eq 1 ]
	[[ "$output" == *"open kernel \`/nonexistent/kernel\`"* ]]
	run "$HULL" vm run --kernel /etc/hostname
	[ "$status" -eq 1 ]
	[[ "$output" == *"neither a bzImage"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --memory 12Q
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --cpus 0
	[ "$status" -eq 1 ]
	run "$HULL" vm run
	[ "$status" -eq 1 ]
	[[ "$output" == *"--kernel FILE is required"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --disk /nonexistent.img
	[ "$status" -eq 1 ]
	[[ "$output" == *"disk \`/nonexistent.img\`"* ]]
}

@test "vm: hull-vm, the lean VMM executable, runs the same commands without the other rooms' libraries" {
	hull_vm=$(dirname "$HULL")/src/cli/vm/hull-vm
	run "$hull_vm" run --kernel "$GUEST/hello" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	no_fail
	run "$hull_vm" run --kernel "$GUEST/triple" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"the guest crashed"* ]]
	run "$hull_vm" run
	[ "$status" -eq 1 ]
	[[ "$output" == *"--kernel FILE is required"* ]]
	# none of the other rooms' libraries in the VMM process
	ldd "$hull_vm"
	[ "$(ldd "$hull_vm" | grep -cE 'curl|crypto|ssl|archive|jansson|seccomp|zstd|libcap')" -eq 0 ]
}

@test "vm: the test guests are standard: qemu -M microvm boots the same PVH ELF" {
	run timeout 60 qemu-system-x86_64 -M microvm,x-option-roms=off,rtc=off -enable-kvm -cpu host,arch-capabilities=off -m 256M \
		-nodefaults -no-user-config -nographic -serial stdio -device isa-debug-exit,iobase=0xf4 \
		-kernel "$GUEST/bootparams" -append "marker=hull42 expect_mem=256" </dev/null
	echo "$output"
	# isa-debug-exit: written 0 -> qemu exits (0 << 1) | 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"boot protocol: pvh"* ]]
	[[ "$output" == *"PASS cmdline"* ]]
	[[ "$output" == *"PASS hvm_start_info magic"* ]]
}

@test "vm: without /dev/kvm hull says what is missing" {
	run unshare -m sh -c "mount -t tmpfs none /dev && '$HULL' vm run --kernel '$GUEST/hello'"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"open \`/dev/kvm\`"*"No such file or directory"* ]]
}
