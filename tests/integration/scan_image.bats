#!/usr/bin/env bats
# hull scan IMAGE: an image in the store (loaded from a hand-made two-layer
# OCI layout) is scanned as its merged filesystem: packages from the lower
# layer, whiteouts of the upper layer respected, the config's User checked.

setup_file() {
	export HULL_DATA_ROOT="$BATS_FILE_TMPDIR/data"
	export WORK="$BATS_FILE_TMPDIR"
	FIX="$HULL_TOP/tests/fixtures/scan/debian12"
	"$HULL" scan db import --db "$WORK/db" "$FIX/osv" >/dev/null

	# layer 1: the Debian rootfs, a private key and a world-writable file
	mkdir -p "$WORK/l1/root/.ssh" "$WORK/l1/srv"
	cp -a "$FIX/rootfs/." "$WORK/l1/"
	openssl genpkey -algorithm ed25519 -out "$WORK/l1/root/.ssh/id_ed25519" 2>/dev/null
	openssl genpkey -algorithm ed25519 -out "$WORK/l1/srv/deleted.key" 2>/dev/null
	echo data >"$WORK/l1/srv/open" && chmod 666 "$WORK/l1/srv/open"
	# layer 2: deletes srv/deleted.key (a whiteout), adds a setuid program
	mkdir -p "$WORK/l2/srv" "$WORK/l2/usr/local/bin"
	: >"$WORK/l2/srv/.wh.deleted.key"
	printf '#!/bin/sh\n' >"$WORK/l2/usr/local/bin/helper" && chmod 4755 "$WORK/l2/usr/local/bin/helper"

	oci="$WORK/oci" && mkdir -p "$oci/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
	layers="" diffs=""
	for l in l1 l2; do
		tar --numeric-owner --owner=0 --group=0 -C "$WORK/$l" -cf "$WORK/$l.tar" .
		d=$(sha256sum "$WORK/$l.tar" | cut -d' ' -f1)
		cp "$WORK/$l.tar" "$oci/blobs/sha256/$d"
		layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$WORK/$l.tar")}"
		diffs="$diffs${diffs:+,}\"sha256:$d\""
	done
	printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$WORK/config.json"
	c=$(sha256sum "$WORK/config.json" | cut -d' ' -f1) && cp "$WORK/config.json" "$oci/blobs/sha256/$c"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$c" "$(stat -c %s "$WORK/config.json")" "$layers" >"$WORK/manifest.json"
	m=$(sha256sum "$WORK/manifest.json" | cut -d' ' -f1) && cp "$WORK/manifest.json" "$oci/blobs/sha256/$m"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"scan-test:1"}}]}' \
		"$m" "$(stat -c %s "$WORK/manifest.json")" >"$oci/index.json"
	"$HULL" load -i "$oci" >"$WORK/load.out" 2>&1 || { cat "$WORK/load.out"; return 1; }
	"$HULL" scan --db "$WORK/db" --format json scan-test:1 >"$WORK/report.json"
}

teardown_file() {
	rm -rf "$HULL_DATA_ROOT"
}

@test "image: packages and vulnerabilities come from the merged layers" {
	r="$WORK/report.json"
	[ "$(jq -r .os.ecosystem "$r")" = "Debian:12" ]
	[ "$(jq '.packages | length' "$r")" = 88 ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="HULL-TEST-0001")] | length' "$r")" = 2 ]
}

@test "image: no USER in the config is reported as running as root" {
	jq -e '.configuration[] | select(.id=="HULL-CFG-ROOT-USER" and .severity=="HIGH")' "$WORK/report.json"
}

@test "image: the lower layer's key is found, the whited-out one is not" {
	r="$WORK/report.json"
	jq -e '.configuration[] | select(.id=="HULL-CFG-PRIVATE-KEY" and .path=="/root/.ssh/id_ed25519")' "$r"
	[ "$(jq '[.configuration[] | select(.path=="/srv/deleted.key")] | length' "$r")" = 0 ]
}

@test "image: setuid file of the upper layer and world-writable file of the lower" {
	r="$WORK/report.json"
	jq -e '.configuration[] | select(.id=="HULL-CFG-SETUID" and .path=="/usr/local/bin/helper")' "$r"
	jq -e '.configuration[] | select(.id=="HULL-CFG-WORLD-WRITABLE-FILE" and .path=="/srv/open")' "$r"
}

@test "image: --fail-on HIGH fails it (root user, private key, CRITICAL vulnerability)" {
	run "$HULL" scan --db "$WORK/db" --fail-on HIGH scan-test:1
	[ "$status" -eq 1 ]
}

@test "an unknown image or directory is an error (exit 2) naming it" {
	run "$HULL" scan --db "$WORK/db" no-such-image:9
	[ "$status" -eq 2 ]
	[[ "$output" == *"no-such-image"* ]]
}
