#!/usr/bin/env bats
# virtio-net on a tap inside a network namespace the test makes.

load vm_helpers

setup() {
	kvm_require
	ns=hvm$$
	ip netns add "$ns"
	ip netns exec "$ns" ip tuntap add dev hvmtap0 mode tap vnet_hdr
	ip netns exec "$ns" ip link set hvmtap0 up
	ip netns exec "$ns" ip addr add 10.77.0.1/24 dev hvmtap0
	ip netns exec "$ns" ip tuntap add dev hvmtap1 mode tap vnet_hdr
	ip netns exec "$ns" ip link set hvmtap1 up
}

teardown() {
	ip netns del "$ns" 2>/dev/null || true
}

@test "vm: a frame goes out through the tap and the host's ARP reply comes back" {
	run ip netns exec "$ns" timeout 60 "$HULL" vm run --kernel "$GUEST/net" --net tap:hvmtap0 \
		--cmdline "self=10.77.0.2 host=10.77.0.1" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ARP reply: 10.77.0.1 is at"* ]]
	no_fail
	# the reply is addressed to the guest's MAC (checked in the guest), so the
	# host kernel saw the request; the tap counted it too
	[ "$(ip netns exec "$ns" cat /sys/class/net/hvmtap0/statistics/rx_packets)" -ge 1 ]
}

@test "vm: two --net options make two virtio-net devices; the first one carries the ARP exchange" {
	run ip netns exec "$ns" timeout 60 "$HULL" vm run --kernel "$GUEST/pci" --net tap:hvmtap0 --net tap:hvmtap1 \
		--cmdline "expect=rng:1,net:2" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'virtio-net 1af4:1041' <<<"$output")" -eq 2 ]
	no_fail
	run ip netns exec "$ns" timeout 60 "$HULL" vm run --kernel "$GUEST/net" --net tap:hvmtap0 --net tap:hvmtap1 \
		--cmdline "self=10.77.0.2 host=10.77.0.1" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	no_fail
}

@test "vm: --net with a tap that cannot be attached fails with a clear error" {
	run ip netns exec "$ns" "$HULL" vm run --kernel "$GUEST/hello" --net tap:this-name-is-far-too-long-for-ifnamsiz
	[ "$status" -eq 1 ]
	[[ "$output" == *"tap name"* ]]
	run "$HULL" vm run --kernel "$GUEST/hello" --net bridge:x
	[ "$status" -eq 1 ]
	[[ "$output" == *"tap:NAME or none"* ]]
}
