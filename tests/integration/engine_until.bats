#!/usr/bin/env bats
# `until=` filters of container prune and image prune: an RFC 3339 time with
# an offset names an instant (10:00+02:00 is 08:00Z), and docker's other
# forms (durations, unix times) mean the same instants. Also (it needs this
# file's bridge): network setup on a machine whose libnftables is broken.

load engine_helpers

setup_file() {
	export ENGINE_NET=60
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# at_plus2 UNIX: the instant UNIX written with a +02:00 offset
at_plus2() {
	TZ=Etc/GMT-2 date -d "@$1" +%Y-%m-%dT%H:%M:%S+02:00
}

@test "container prune --filter until= with a +02:00 offset keeps what was created after" {
	"$HULL" create --network none --name dbt-old busybox true >/dev/null
	sleep 1.2
	mid=$(date +%s)
	sleep 1.2
	"$HULL" create --network none --name dbt-new busybox true >/dev/null
	until=$(at_plus2 "$mid")
	echo "until=$until"
	run "$HULL" container prune -f --filter "until=$until"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$HULL" ps -a --format '{{.Names}}'
	[ "$output" = dbt-new ]
	# the same instant as a unix time and as UTC: nothing more goes
	run "$HULL" container prune -f --filter "until=$mid"
	run "$HULL" container prune -f --filter "until=$(date -u -d "@$mid" +%Y-%m-%dT%H:%M:%SZ)"
	[ "$("$HULL" ps -a --format '{{.Names}}')" = dbt-new ]
	# a time with garbage after it is refused, and nothing goes
	run "$HULL" container prune -f --filter "until=${until}x"
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid filter 'until=${until}x'"* ]]
	[ "$("$HULL" ps -a --format '{{.Names}}')" = dbt-new ]
	"$HULL" rm -f dbt-new >/dev/null
}

@test "image prune --filter until= with a +02:00 offset removes only the older image" {
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin" && cp /bin/busybox "$BATS_TEST_TMPDIR/rootfs/bin/"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/a.tar" .
	echo b >"$BATS_TEST_TMPDIR/rootfs/b"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/b.tar" .
	"$HULL" import "$BATS_TEST_TMPDIR/a.tar" dbt-old:1 >/dev/null
	sleep 1.2
	mid=$(date +%s)
	sleep 1.2
	"$HULL" import "$BATS_TEST_TMPDIR/b.tar" dbt-new:1 >/dev/null
	# a container keeps busybox (built from an older busybox binary) in use
	"$HULL" create --network none --name dbt-user busybox true >/dev/null
	run "$HULL" image prune -a -f --filter "until=$(at_plus2 "$mid")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Untagged: "*"dbt-old:1"* ]]
	[[ "$output" != *"dbt-new"* ]]
	run "$HULL" images --format '{{.Repository}}:{{.Tag}}'
	echo "$output"
	[[ "$output" == *dbt-new:1* ]]
	[[ "$output" != *dbt-old* ]]
	[[ "$output" == *busybox* ]]
	run "$HULL" image prune -a -f --filter until=yesterday
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid filter 'until=yesterday'"* ]]
	"$HULL" rm -f dbt-user >/dev/null
}

@test "run -p without libnftables fails with the package to install, and leaves no container" {
	: >"$BATS_TEST_TMPDIR/empty.so"
	lib=$(readlink -f "$(ldconfig -p | sed -n 's/^[[:space:]]*libnftables.so.1 (libc6,x86-64) => //p' | head -1)")
	[ -f "$lib" ]
	run unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$BATS_TEST_TMPDIR/empty.so" "$lib" \
		"$HULL" run --rm --name dbt-nft -p 8097:80 busybox true
	echo "status $status: $output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 127 ]
	[ "$status" -lt 128 ]
	[[ "$output" == *"libnftables.so.1 cannot be loaded"* ]]
	[[ "$output" == *"install libnftables1 (apt-get install --reinstall libnftables1)"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}

# blob DIR FILE: move FILE into the OCI layout DIR under its digest; prints
# the digest
blob() {
	local d
	d=$(sha256sum "$2" | cut -d' ' -f1)
	mv "$2" "$1/blobs/sha256/$d"
	echo "sha256:$d"
}

@test "images reads a config's created time with an offset as the instant it names" {
	l="$BATS_TEST_TMPDIR/layout"
	mkdir -p "$l/blobs/sha256" "$BATS_TEST_TMPDIR/rootfs/bin"
	cp /bin/busybox "$BATS_TEST_TMPDIR/rootfs/bin/"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf "$l/layer" .
	lsize=$(stat -c %s "$l/layer")
	layer=$(blob "$l" "$l/layer")
	printf '{"architecture":"amd64","os":"linux","created":"2026-12-07T10:00:00.5+02:00","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
		"$layer" >"$l/config"
	csize=$(stat -c %s "$l/config")
	config=$(blob "$l" "$l/config")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
		"$config" "$csize" "$layer" "$lsize" >"$l/manifest"
	msize=$(stat -c %s "$l/manifest")
	manifest=$(blob "$l" "$l/manifest")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"dbt-offset:1"}}]}' \
		"$manifest" "$msize" >"$l/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$l/oci-layout"
	run "$HULL" load -i "$l"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$HULL" images --format '{{.Repository}} {{.CreatedAt}}'
	echo "$output"
	# 2026-12-07T10:00:00+02:00 is 08:00Z, 1796630400
	[[ "$output" == *"dbt-offset 1796630400"* ]]
	"$HULL" rmi dbt-offset:1 >/dev/null
}
