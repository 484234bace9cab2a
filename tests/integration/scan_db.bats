#!/usr/bin/env bats
# hull scan db import: OSV exports as published (a zip of records), a tar,
# a directory, one .json; broken input of every kind leaves the previous
# database exactly as it was and says what was wrong where.

setup() {
	export DB="$BATS_TEST_TMPDIR/db"
	export OSV="$HULL_TOP/tests/fixtures/scan/debian12/osv"
	# a zip the way osv.dev publishes Debian/all.zip: one JSON per record
	python3 -c '
import sys, zipfile, glob, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(sys.argv[2] + "/*.json")):
        z.write(f, os.path.basename(f))
' "$BATS_TEST_TMPDIR/all.zip" "$OSV"
}

@test "import a zip of OSV records" {
	run "$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	[ "$status" -eq 0 ]
	[[ "$output" == *"records:    25"* ]]
	[[ "$output" == *"Debian:12 (23)"* ]]
	[ -f "$DB/osv.idx" ]
}

@test "import a gzip'd tar and a single .json file" {
	tar -C "$OSV" -czf "$BATS_TEST_TMPDIR/osv.tar.gz" .
	run "$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/osv.tar.gz"
	[ "$status" -eq 0 ]
	[[ "$output" == *"records:    25"* ]]
	run "$HULL" scan db import --db "$DB" "$OSV/HULL-TEST-0001.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"records:    1"* ]]
}

@test "--add merges; a record with the same id replaces the old one" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	mkdir "$BATS_TEST_TMPDIR/more"
	jq '.summary = "replaced"' "$OSV/HULL-TEST-0001.json" >"$BATS_TEST_TMPDIR/more/a.json"
	jq '.id = "HULL-TEST-NEW"' "$OSV/HULL-TEST-0004.json" >"$BATS_TEST_TMPDIR/more/b.json"
	run "$HULL" scan db import --db "$DB" --add "$BATS_TEST_TMPDIR/more"
	[ "$status" -eq 0 ]
	[[ "$output" == *"records:    26"* ]]
	run "$HULL" scan --db "$DB" --format json --skip-config "$HULL_TOP/tests/fixtures/scan/debian12/rootfs"
	[ "$(jq -r '[.vulnerabilities[] | select(.id=="HULL-TEST-0001")][0].title' <<<"$output")" = replaced ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="HULL-TEST-NEW")] | length' <<<"$output")" = 1 ]
}

# The database after a failed import must be byte-for-byte the old one.
keeps_old_db() {
	sum_before=$(sha256sum "$DB/osv.idx")
	run "$HULL" scan db import --db "$DB" "$@"
	[ "$status" -eq 2 ]
	[[ "$output" == *"previous database is unchanged"* ]]
	[ "$(sha256sum "$DB/osv.idx")" = "$sum_before" ]
	[ "$(ls -A "$DB")" = osv.idx ]
}

@test "a truncated zip leaves the previous database intact" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/all.zip")
	head -c $((size / 2)) "$BATS_TEST_TMPDIR/all.zip" >"$BATS_TEST_TMPDIR/half.zip"
	keeps_old_db "$BATS_TEST_TMPDIR/half.zip"
	[[ "$output" == *"half.zip"* ]]
}

@test "garbage instead of a zip leaves the previous database intact" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/junk.zip"
	keeps_old_db "$BATS_TEST_TMPDIR/junk.zip"
}

@test "a record that is not valid OSV is named with its field; nothing imported" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	mkdir "$BATS_TEST_TMPDIR/bad"
	cp "$OSV"/HULL-TEST-000[1-3].json "$BATS_TEST_TMPDIR/bad/"
	jq '.affected[0].ranges[0].events[1] = {"fixed": 3}' "$OSV/HULL-TEST-0004.json" >"$BATS_TEST_TMPDIR/bad/HULL-TEST-0004.json"
	keeps_old_db "$BATS_TEST_TMPDIR/bad"
	[[ "$output" == *"HULL-TEST-0004.json: affected[0].ranges[0].events[1].fixed: must be a string"* ]]
}

@test "broken JSON is named with file, line and column; nothing imported" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	mkdir "$BATS_TEST_TMPDIR/bad"
	printf '{\n  "id": "X-1",\n  "affected": [\n' >"$BATS_TEST_TMPDIR/bad/X-1.json"
	keeps_old_db "$BATS_TEST_TMPDIR/bad"
	[[ "$output" == *"X-1.json"*"line"* ]]
}

@test "a corrupt index file is refused with advice to import again" {
	"$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/all.zip"
	truncate -s -100 "$DB/osv.idx"
	run "$HULL" scan --db "$DB" "$HULL_TOP/tests/fixtures/scan/debian12/rootfs"
	[ "$status" -eq 2 ]
	[[ "$output" == *"corrupt"*"import"* ]]
	run "$HULL" scan db info --db "$DB"
	[ "$status" -eq 2 ]
}

@test "db usage errors exit 2" {
	run "$HULL" scan db import --db "$DB"
	[ "$status" -eq 2 ]
	run "$HULL" scan db frobnicate
	[ "$status" -eq 2 ]
	run "$HULL" scan db import --db "$DB" "$BATS_TEST_TMPDIR/nope.zip"
	[ "$status" -eq 2 ]
	[[ "$output" == *"nope.zip"* ]]
}
