#!/usr/bin/env bats
# hull's virtio-net and virtio-vsock under Debian's own drivers (virtio_net,
# vmw_vsock_virtio_transport), in the nested test machine (docs/nested.md):
# one L1 boot, one L2 guest that runs every scenario (tests/nested/devices/):
# a checksummed stream each way over the tap and over vsock (the host end of
# the guest-to-host one is hull's unix socket PATH_PORT, the host-to-guest one
# goes through hull's "CONNECT PORT" handshake), and a host peer that stops
# reading. NESTED_DEVICES_BYTES sets the size of each stream (default 16 MB:
# enough for thousands of packets, credit windows and ring wraps each way,
# while the whole file stays within a few minutes under QEMU TCG).

load vm_helpers
load nested_helpers

setup_file() {
	nested_require
	local dir=$BATS_FILE_TMPDIR kernel kver size=${NESTED_DEVICES_BYTES:-16000000}
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	kver=${kernel#/boot/vmlinuz-}
	gcc -static -O2 -o "$dir/streamio" "$NESTED_DIR/streamio.c"
	"$dir/streamio" gen "$size" | md5sum >"$dir/expected"
	echo "$size" >"$dir/size"
	{ echo "SIZE=$size"; cat "$NESTED_DIR/devices/guest.sh"; } >"$dir/guest.sh"
	nested_l2_initrd -k virtio_pci -k virtio_net -k vmw_vsock_virtio_transport -f "$dir/streamio" \
		"$dir/guest.sh" "$dir/l2.gz"
	"$NESTED_DIR/run-nested" --hull "$HULL" -t 900 -f "$kernel:bzImage" -f "$dir/l2.gz:l2.gz" \
		-f "/lib/modules/$kver/kernel/drivers/net/tun.ko" -f "$dir/streamio" -f "$dir/size" \
		-f "$NESTED_DIR/devices/l1.sh" -- 'sh l1.sh' >"$dir/out" 2>&1 || echo "run-nested status $?" >>"$dir/out"
	[ -z "${NESTED_LOG:-}" ] || cp "$dir/out" "$NESTED_LOG"
}

section() {
	NESTED_OUTPUT=$(cat "$BATS_FILE_TMPDIR/out") nested_section "$1"
}

expected() {
	cat "$BATS_FILE_TMPDIR/expected"
}

@test "nested vm: Debian's virtio_net and vsock drivers bind hull's devices; the guest pings L1 over the tap" {
	grep -E "^L1:|^hull status|^run-nested" "$BATS_FILE_TMPDIR/out"
	grep -q "^hull status 0 " "$BATS_FILE_TMPDIR/out"
	[ "$(section probe | grep -c '^virtio[0-9]')" -eq 2 ]
	section probe | grep -q "inet 10.0.2.2/24"
	section ping | grep -q "3 packets transmitted, 3 packets received"
}

@test "nested vm: a TCP stream from the guest to L1 through virtio-net arrives whole" {
	section net-g2h
	section net-g2h | grep -q "^sent "
	[ "$(section l1-net-g2h)" = "$(expected)" ]
}

@test "nested vm: a TCP stream from L1 to the guest through virtio-net arrives whole" {
	section net-h2g
	[ "$(section net-h2g | head -1)" = "$(expected)" ]
}

@test "nested vm: a vsock stream from the guest reaches the host's unix socket whole" {
	section vsock-g2h
	section vsock-g2h | grep -q "^sent "
	[ "$(section l1-vsock-g2h)" = "$(expected)" ]
}

@test "nested vm: a host program's stream through hull's CONNECT handshake reaches the guest's vsock listener whole" {
	section vsock-h2g
	grep "L1: vsock-h2g ended" "$BATS_FILE_TMPDIR/out"
	[ "$(section vsock-h2g | head -1)" = "$(expected)" ]
}

@test "nested vm: a vsock peer that stops reading does not stop the guest's console" {
	section stall
	section l1-stall
	[ "$(section stall | grep -c '^tick ')" -eq 10 ]
	section stall | grep -q "^stalled stream done"
	[ "$(section l1-stall)" = "drained 8000000 bytes" ]
	# the ticks are a second apart: none waited for the stalled peer (15 s)
	section stall | awk '/^tick /{ if (prev && $4 - prev > 4) bad = 1; prev = $4 } END { exit bad }'
}
