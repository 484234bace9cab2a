#!/usr/bin/env bats
# hull starts for every runtime operation podman and containerd make, so its
# startup must not load libcurl, libarchive, libcrypto, nftables or sqlite
# (and the ~40 libraries behind them): those are opened on first use
# (src/lib/base/lazy*.c). A library function called without a lazy stub
# silently brings its library back to the startup path; this catches it.

@test "build/hull needs only the small libraries at startup" {
	run readelf -d "$HULL"
	[ "$status" -eq 0 ]
	needed=$(echo "$output" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
	echo "NEEDED: $needed"
	for lib in $needed; do
		case $lib in
		libjansson.so.* | libseccomp.so.* | libcap.so.* | libmnl.so.* | libc.so.* | ld-linux*) ;;
		libasan.so.* | libubsan.so.*) ;; # make asan's build
		*) echo "unexpected startup dependency: $lib (add a lazy stub in src/lib/base/lazy_*.c)"; return 1 ;;
		esac
	done
}

@test "the lazily loaded libraries still load when a command needs them" {
	tmp=$(mktemp -d)
	# import exercises libarchive and libcrypto (digests) through the stubs
	mkdir -p "$tmp/rootfs/bin" && cp /bin/busybox "$tmp/rootfs/bin/"
	tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
	HULL_DATA_ROOT="$tmp/data" run "$HULL" import "$tmp/rootfs.tar" lazy-check:1
	echo "$output"
	[ "$status" -eq 0 ]
	HULL_DATA_ROOT="$tmp/data" run "$HULL" images
	[[ "$output" == *lazy-check* ]]
	rm -rf "$tmp"
}
