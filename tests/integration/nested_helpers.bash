# Shared setup of the tests that need a real KVM: they run inside a nested
# machine (tests/nested/run-nested, docs/nested.md) whose /dev/kvm is AMD SVM
# emulated by QEMU TCG, so stock Linux kernels boot under hull as on hardware.
NESTED_DIR=${HULL_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}/tests/nested

# nested_require: skip when this machine cannot run the nested machine.
nested_require() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (qemu-system-x86)"
	command -v busybox >/dev/null || skip "busybox is not installed (busybox-static)"
	ls /boot/vmlinuz-* >/dev/null 2>&1 || skip "no /boot/vmlinuz-* (linux-image-amd64)"
	local k
	k=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	[ -d "/lib/modules/${k#/boot/vmlinuz-}" ] || skip "no /lib/modules for $k"
}

# nested_run [-t SECONDS] [-f FILE[:NAME]]... COMMAND: run COMMAND in the
# nested machine with this build's hull; sets $output and $status as bats' run.
nested_run() {
	run "$NESTED_DIR/run-nested" --hull "$HULL" "$@"
}

# nested_l2_initrd [-k MODULE]... [-f FILE[:NAME]]... SCRIPT OUT: an initramfs
# for a Linux guest of hull that runs SCRIPT (tests/nested/mkl2initrd).
nested_l2_initrd() {
	"$NESTED_DIR/mkl2initrd" "$@"
}

# nested_section NAME: the lines the nested command printed between
# "=== NAME" and the next "=== " line (for several scenarios in one boot).
nested_section() {
	printf '%s\n' "$NESTED_OUTPUT" | sed -n "/^=== $1\$/,/^=== /p" | sed '1d;/^=== /d'
}

# nested_net_modules DIR KVER: stage in DIR/mods the modules the engine's bridge networks need in
# L1 (overlay for the rootfs, the bridge, veth, tun, the nftables NAT expressions) with their
# dependencies, and DIR/mods/order; adds their -f arguments to the array NESTED_FILES. In L1:
# for m in $(cat /nested/mods/order); do insmod /nested/mods/$m; done
nested_net_modules() {
	local dir=$1 kver=$2 m
	# shellcheck source=../nested/common.sh
	. "$NESTED_DIR/common.sh"
	mkdir -p "$dir/mods"
	: >"$dir/mods/order"
	# libcrc32c asks the crypto API for crc32c (a soft dependency, not in modules.dep)
	for m in $(nested_modules "$kver" overlay crc32c_generic bridge veth tun nf_tables nft_chain_nat nft_nat \
		nft_masq nft_fib_ipv4); do
		cp "/lib/modules/$kver/$m" "$dir/mods/"
		NESTED_FILES+=(-f "$dir/mods/$(basename "$m"):mods/$(basename "$m")")
		basename "$m" >>"$dir/mods/order"
	done
	NESTED_FILES+=(-f "$dir/mods/order:mods/order")
}
