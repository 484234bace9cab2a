#!/usr/bin/env bats
# hull scan of an Alpine 3.19 root: a hand-written lib/apk/db/installed in
# apk's format (P:/V:/A:/o: ...; subpackages such as libcrypto3 carry their
# origin `openssl`) against synthetic records keyed by origin, each with its
# expected verdict; the apk version order decides _git/_rc/-rN cases.

load scan_helpers

setup_file() {
	export FIX="$HULL_TOP/tests/fixtures/scan/alpine319"
	export WORK="$BATS_FILE_TMPDIR"
	"$HULL" scan db import --db "$WORK/db" "$FIX/osv" >/dev/null
	"$HULL" scan --db "$WORK/db" --format json "$FIX/rootfs" >"$WORK/report.json"
}

@test "alpine: OS, ecosystem Alpine:v3.19 and 15 packages with their origins" {
	r="$WORK/report.json"
	[ "$(jq -r .os.id "$r")" = alpine ]
	[ "$(jq -r .os.ecosystem "$r")" = "Alpine:v3.19" ]
	[ "$(jq -r .package_db "$r")" = /lib/apk/db/installed ]
	[ "$(jq '.packages | length' "$r")" = 15 ]
	[ "$(jq -r '.packages[] | select(.name=="libssl3") | "\(.source) \(.source_version)"' "$r")" = "openssl 3.1.4-r1" ]
}

@test "alpine: every record's verdict matches the expected one" {
	run check_verdicts "$FIX/osv" "$WORK/report.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 14 records, 0 disagreements"* ]]
}

@test "alpine: os-release missing, alpine-release still identifies the release" {
	mkdir -p "$WORK/bare/etc" "$WORK/bare/lib/apk/db"
	cp "$FIX/rootfs/etc/alpine-release" "$WORK/bare/etc/"
	cp "$FIX/rootfs/lib/apk/db/installed" "$WORK/bare/lib/apk/db/"
	run "$HULL" scan --db "$WORK/db" --format json --skip-config "$WORK/bare"
	[ "$status" -eq 0 ]
	[ "$(jq -r .os.ecosystem <<<"$output")" = "Alpine:v3.19" ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="ALPINE-TEST-01")] | length' <<<"$output")" = 2 ]
}
