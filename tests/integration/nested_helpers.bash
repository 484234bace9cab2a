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

# nested_engine_files [-n] DIR: what an engine scenario with `hull run --vm` needs in L1, appended
# to the array NESTED_FILES (run-nested's -f arguments): the libraries hull loads on demand for
# images (libarchive, libcrypto, sqlite; with -n also libnftables and the bridge network's
# modules, see nested_net_modules, else overlay.ko alone), the busybox image as busybox.tar, the
# kernel as vmlinuz, and the guest initramfs and image disk `hull run --vm` would make (L1 has no
# mkfs.ext4) under data/vm/. In L1: load the modules (/nested/mods/order, or overlay.ko), then
# `$HULL load -i /nested/busybox.tar` with HULL_DATA_ROOT=/nested/data, LD_LIBRARY_PATH=/nested/lib.
nested_engine_files() {
	local net=false dir kernel kver paths initrd disk l p lib sonames="libarchive.so.13 libcrypto.so.3 libsqlite3.so.0"
	[ "$1" = -n ] && { net=true; shift; }
	dir=$1
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	kver=${kernel#/boot/vmlinuz-}
	paths=$("$HULL" vm-agent prepare --vm-kernel "$kernel" busybox) || return 1
	initrd=$(sed -n 1p <<<"$paths") disk=$(sed -n 2p <<<"$paths")
	"$HULL" save -o "$dir/busybox.tar" busybox || return 1
	$net && sonames="$sonames libnftables.so.1"
	for lib in $( (for l in $sonames; do
		p=$(ldconfig -p | grep -m1 "$l " | awk '{print $NF}')
		echo "$p"
		ldd "$p" | grep -oE '/[^ ]+'
	done) | sort -u | grep -v -e 'libc\.so' -e 'ld-linux'); do
		NESTED_FILES+=(-f "$lib:lib/$(basename "$lib")")
	done
	if $net; then
		nested_net_modules "$dir" "$kver" || return 1
	else
		NESTED_FILES+=(-f "/lib/modules/$kver/kernel/fs/overlayfs/overlay.ko:overlay.ko")
	fi
	NESTED_FILES+=(-f "$dir/busybox.tar:busybox.tar" -f "$kernel:vmlinuz"
		-f "$initrd:data/vm/$(basename "$initrd")" -f "$disk:data/vm/images/$(basename "$disk")")
}

# nested_session_run SECONDS: run $BATS_FILE_TMPDIR/run.sh in L1 with the files of NESTED_FILES,
# once for the whole file; its output is kept in $BATS_FILE_TMPDIR/nested.out (NESTED_LOG=FILE
# keeps a copy for a look).
nested_session_run() {
	local dir=$BATS_FILE_TMPDIR
	NESTED_OUTPUT=$("$NESTED_DIR/run-nested" --hull "$HULL" -t "$1" "${NESTED_FILES[@]}" -f "$dir/run.sh" -- \
		'sh run.sh' 2>&1) || true
	printf '%s\n' "$NESTED_OUTPUT" >"$dir/nested.out"
	[ -z "${NESTED_LOG:-}" ] || cp "$dir/nested.out" "$NESTED_LOG"
}

# nested_output: the file's nested_session, run once for the first test that needs it (a run
# filtered to the host's tests boots nothing); sets NESTED_OUTPUT.
nested_output() {
	nested_require
	[ -f "$BATS_FILE_TMPDIR/nested.out" ] || nested_session
	NESTED_OUTPUT=$(cat "$BATS_FILE_TMPDIR/nested.out")
}
