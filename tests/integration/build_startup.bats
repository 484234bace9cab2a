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

# without LIB COMMAND...: run COMMAND in a private mount namespace where the
# shared library LIB (a soname) is an empty file, as on a machine where its
# package is missing or broken.
without() {
	local lib=$1 path
	shift
	path=$(ldconfig -p | sed -n "s/^[[:space:]]*$lib (libc6,x86-64) => //p" | head -1)
	[ -n "$path" ] || { echo "no $lib on this machine"; return 1; }
	: >"$BATS_TEST_TMPDIR/empty.so"
	unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
		"$BATS_TEST_TMPDIR/empty.so" "$(readlink -f "$path")" "$@"
}

# A missing optional library is an ordinary error naming the library and the
# package to install: never ld.so's exit 127, never a crash in a stub.
expect_missing() { # LIB PACKAGE
	echo "status $status: $output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 127 ]
	[ "$status" -lt 128 ] # no abort() from a stub
	[[ "$output" == *"$1 cannot be loaded"* ]]
	[[ "$output" == *"install $2 (apt-get install --reinstall $2)"* ]]
}

@test "pull without libcurl fails with the package to install" {
	export HULL_DATA_ROOT="$BATS_TEST_TMPDIR/data"
	run without libcurl.so.4 "$HULL" pull 127.0.0.1:1/dbt-missing:1
	expect_missing libcurl.so.4 libcurl4
	[[ "$output" == *"pull"* ]]
}

@test "import without libarchive fails with the package to install" {
	export HULL_DATA_ROOT="$BATS_TEST_TMPDIR/data"
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin" && cp /bin/busybox "$BATS_TEST_TMPDIR/rootfs/bin/"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/rootfs.tar" .
	run without libarchive.so.13 "$HULL" import "$BATS_TEST_TMPDIR/rootfs.tar" dbt-lazy:1
	expect_missing libarchive.so.13 libarchive13
	run "$HULL" images -q
	[ -z "$output" ]
}

@test "scan of an image without libcrypto fails with the package to install" {
	export HULL_DATA_ROOT="$BATS_TEST_TMPDIR/data"
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin" && cp /bin/busybox "$BATS_TEST_TMPDIR/rootfs/bin/"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/rootfs.tar" .
	"$HULL" import "$BATS_TEST_TMPDIR/rootfs.tar" dbt-lazy:1
	run without libcrypto.so.3 "$HULL" scan --skip-vulns dbt-lazy:1
	expect_missing libcrypto.so.3 libssl3
}

@test "scan of an rpm root without libsqlite3 fails with the package to install" {
	command -v rpm >/dev/null || skip "rpm is not installed (make-rpmdb needs it)"
	cp -a "$HULL_TOP/tests/fixtures/scan/rocky9/rootfs" "$BATS_TEST_TMPDIR/rootfs"
	"$HULL_TOP/tests/fixtures/scan/rocky9/make-rpmdb" "$BATS_TEST_TMPDIR/rootfs" >/dev/null
	run without libsqlite3.so.0 "$HULL" scan --skip-config --db "$BATS_TEST_TMPDIR/db" "$BATS_TEST_TMPDIR/rootfs"
	expect_missing libsqlite3.so.0 libsqlite3-0
}
