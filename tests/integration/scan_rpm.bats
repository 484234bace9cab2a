#!/usr/bin/env bats
# hull scan of a Rocky Linux 9 root whose rpm database (rpmdb.sqlite) is
# made by rpm itself (tests/fixtures/scan/rocky9/make-rpmdb: rpmbuild +
# rpm --justdb), against synthetic records with expected verdicts.

load scan_helpers

setup_file() {
	export FIX="$HULL_TOP/tests/fixtures/scan/rocky9"
	export WORK="$BATS_FILE_TMPDIR"
	cp -a "$FIX/rootfs" "$WORK/rootfs"
	"$FIX/make-rpmdb" "$WORK/rootfs"
	"$HULL" scan db import --db "$WORK/db" "$FIX/osv" >/dev/null
	"$HULL" scan --db "$WORK/db" --format json "$WORK/rootfs" >"$WORK/report.json"
}

@test "rpm: packages, epochs and source rpms read from the sqlite rpmdb" {
	r="$WORK/report.json"
	[ "$(jq -r .os.ecosystem "$r")" = "Rocky Linux:9" ]
	[ "$(jq -r .package_db "$r")" = /var/lib/rpm/rpmdb.sqlite ]
	[ "$(jq -c '[.packages[].name]' "$r")" = '["bash","glibc","glibc-common","openssl","openssl-libs","zlib"]' ]
	[ "$(jq -r '.packages[] | select(.name=="openssl-libs") | "\(.version) \(.source)"' "$r")" = "1:3.0.7-27.el9 openssl" ]
	# the same list rpm itself gives
	want=$(rpm -qa --dbpath "$WORK/rootfs/var/lib/rpm" --qf '%{NAME} %|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\n' | sort)
	[ "$(jq -r '.packages[] | "\(.name) \(.version)"' "$r" | sort)" = "$want" ]
}

@test "rpm: every record's verdict matches the expected one" {
	run check_verdicts "$FIX/osv" "$WORK/report.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 9 records, 0 disagreements"* ]]
}

@test "rpm: the scan writes nothing into the image (no -shm, no -wal, no journal)" {
	before=$(ls -a "$WORK/rootfs/var/lib/rpm" | sort)
	"$HULL" scan --db "$WORK/db" --format json "$WORK/rootfs" >/dev/null
	[ "$(ls -a "$WORK/rootfs/var/lib/rpm" | sort)" = "$before" ]
}

@test "rpm: a corrupt rpmdb is an error naming it (exit 2)" {
	mkdir -p "$WORK/bad/var/lib/rpm"
	cp "$FIX/rootfs/etc/os-release" -t "$WORK/bad" 2>/dev/null || true
	echo "not sqlite" >"$WORK/bad/var/lib/rpm/rpmdb.sqlite"
	run "$HULL" scan --db "$WORK/db" "$WORK/bad"
	[ "$status" -eq 2 ]
	[[ "$output" == *"rpmdb.sqlite"* ]]
}
