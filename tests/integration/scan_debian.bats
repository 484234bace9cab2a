#!/usr/bin/env bats
# hull scan of a Debian 12 minbase root (the dpkg status of a debootstrap'd
# bookworm minbase, 88 packages) against synthetic OSV records written for
# its real source packages and versions. Each record carries its expected
# verdict in database_specific.hull_test: affected / unfixed (reported, with
# or without a fixed version), fixed / not-affected / withdrawn (not reported).

load scan_helpers

setup_file() {
	export FIX="$HULL_TOP/tests/fixtures/scan/debian12"
	export WORK="$BATS_FILE_TMPDIR"
	"$HULL" scan db import --db "$WORK/db" "$FIX/osv" >"$WORK/import.out"
	"$HULL" scan --db "$WORK/db" --format json "$FIX/rootfs" >"$WORK/report.json"
}

@test "import: all 25 records, keyed by (ecosystem, source package)" {
	grep -q '^records: *25$' "$WORK/import.out"
	run "$HULL" scan db info --db "$WORK/db" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r .records <<<"$output")" = 25 ]
	[[ "$(jq -r .ecosystems <<<"$output")" == *"Debian:12 (23)"* ]]
}

@test "OS, ecosystem and the 88 packages with their source names and versions" {
	r="$WORK/report.json"
	[ "$(jq -r .os.id "$r")" = debian ]
	[ "$(jq -r .os.ecosystem "$r")" = "Debian:12" ]
	[ "$(jq '.packages | length' "$r")" = 88 ]
	[ "$(jq '[.packages[] | select(.name != .source)] | length' "$r")" = 62 ]
	# Source: util-linux (2.38.1-5+deb12u3) has no epoch; the binary has 1:
	[ "$(jq -r '.packages[] | select(.name=="bsdutils") | "\(.version) \(.source) \(.source_version)"' "$r")" = \
	  "1:2.38.1-5+deb12u3 util-linux 2.38.1-5+deb12u3" ]
	# Source: libcap2 (1:2.66-4+deb12u3) keeps its epoch
	[ "$(jq -r '.packages[] | select(.name=="libcap2") | .source_version' "$r")" = "1:2.66-4+deb12u3" ]
	# no Source: field: the source is the package itself, same version
	[ "$(jq -r '.packages[] | select(.name=="zlib1g") | "\(.source) \(.source_version)"' "$r")" = "zlib 1:1.2.13.dfsg-1" ]
}

@test "every record's verdict matches the expected one" {
	run check_verdicts "$FIX/osv" "$WORK/report.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 25 records, 0 disagreements"* ]]
}

@test "the report's findings are exactly those of the affected and unfixed records" {
	want=$(jq -s '[.[] | select(.database_specific.hull_test.expect | test("affected|unfixed")) | select(.database_specific.hull_test.expect != "not-affected") | .database_specific.hull_test.packages | length] | add' "$FIX"/osv/*.json)
	[ "$(jq '.vulnerabilities | length' "$WORK/report.json")" = "$want" ]
}

@test "--ignore-unfixed drops vulnerabilities without a fixed version" {
	run "$HULL" scan --db "$WORK/db" --format json --ignore-unfixed --skip-config "$FIX/rootfs"
	[ "$status" -eq 0 ]
	[ "$(jq '[.vulnerabilities[] | select(.fixed == null)] | length' <<<"$output")" = 0 ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="HULL-TEST-0004" or .id=="HULL-TEST-0011" or .id=="HULL-TEST-0015")] | length' <<<"$output")" = 0 ]
	[ "$(jq '.filtered' <<<"$output")" -gt 0 ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="HULL-TEST-0001")] | length' <<<"$output")" = 2 ]
}

@test "--severity keeps only the listed severities" {
	run "$HULL" scan --db "$WORK/db" --format json --severity HIGH,CRITICAL "$FIX/rootfs"
	[ "$status" -eq 0 ]
	[ "$(jq '[.vulnerabilities[], .configuration[] | select(.severity != "HIGH" and .severity != "CRITICAL")] | length' <<<"$output")" = 0 ]
	[ "$(jq '[.vulnerabilities[] | select(.severity == "CRITICAL")] | length' <<<"$output")" = 3 ]
}

@test "--fail-on: exit 1 at or above the threshold, 0 below it" {
	run "$HULL" scan --db "$WORK/db" --fail-on CRITICAL --skip-config "$FIX/rootfs"
	[ "$status" -eq 1 ]
	run "$HULL" scan --db "$WORK/db" --fail-on CRITICAL --ignore-unfixed --severity LOW,MEDIUM "$FIX/rootfs"
	[ "$status" -eq 0 ]
	run "$HULL" scan --db "$WORK/db" --fail-on high --severity LOW "$FIX/rootfs"
	[ "$status" -eq 0 ]
}

@test "errors exit 2 and say what to do" {
	run "$HULL" scan --db "$WORK/nodb" "$FIX/rootfs"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no vulnerability database"*"hull scan db import"* ]]
	run "$HULL" scan --db "$WORK/db" --fail-on SEVERE "$FIX/rootfs"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown severity"* ]]
	run "$HULL" scan --db "$WORK/db" --format xml "$FIX/rootfs"
	[ "$status" -eq 2 ]
	run "$HULL" scan --db "$WORK/db" "$WORK/does-not-exist"
	[ "$status" -eq 2 ]
	[[ "$output" == *"does-not-exist"* ]]
}

@test "table output lists package, installed, fixed, severity and id" {
	run "$HULL" scan --db "$WORK/db" "$FIX/rootfs"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Debian GNU/Linux 12 (bookworm)"* ]]
	line=$(grep -E '^libc6 ' <<<"$output" | grep HULL-TEST-0001)
	[[ "$line" == *"2.36-9+deb12u14"*"2.36-9+deb12u15"*"CRITICAL"*"HULL-TEST-0001"* ]]
	grep -E '^zlib1g ' <<<"$output" | grep -q '(unfixed).*HIGH.*HULL-TEST-0004'
}

@test "sarif output is SARIF 2.1.0 with one rule per id and a result per finding" {
	run "$HULL" scan --db "$WORK/db" --format sarif --skip-config "$FIX/rootfs"
	[ "$status" -eq 0 ]
	[ "$(jq -r .version <<<"$output")" = 2.1.0 ]
	[ "$(jq -r '.runs[0].tool.driver.name' <<<"$output")" = hull ]
	n=$(jq '.vulnerabilities | length' "$WORK/report.json")
	[ "$(jq '.runs[0].results | length' <<<"$output")" = "$n" ]
	[ "$(jq '[.runs[0].tool.driver.rules[].id] | length' <<<"$output")" = "$(jq '[.runs[0].tool.driver.rules[].id] | unique | length' <<<"$output")" ]
	[ "$(jq -r '[.runs[0].results[] | select(.ruleId=="HULL-TEST-0001")][0].level' <<<"$output")" = error ]
	[ "$(jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' <<<"$output")" = var/lib/dpkg/status ]
}

@test "--output writes the report to a file" {
	run "$HULL" scan --db "$WORK/db" --format json -o "$WORK/out.json" "$FIX/rootfs"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	jq -e '.vulnerabilities | length > 0' "$WORK/out.json"
	[ -z "$(ls "$WORK"/out.json.tmp.* 2>/dev/null)" ]
}

@test "--ignore and --ignore-file leave out ids and aliases" {
	printf 'HULL-TEST-0001   # accepted risk\n\n# comment line\nCVE-2099-0004\n' >"$BATS_TEST_TMPDIR/ignore"
	run "$HULL" scan --db "$WORK/db" --format json --skip-config --ignore-file "$BATS_TEST_TMPDIR/ignore" \
		--ignore HULL-TEST-0003 "$FIX/rootfs"
	[ "$status" -eq 0 ]
	ids=$(jq -c '[.vulnerabilities[].id] | unique' <<<"$output")
	[[ "$ids" != *HULL-TEST-0001* && "$ids" != *HULL-TEST-0003* && "$ids" != *HULL-TEST-0004* ]]
	[[ "$ids" == *HULL-TEST-0006* ]]
	# the CRITICAL ones are ignored (one by id, one by alias): --fail-on CRITICAL passes
	run "$HULL" scan --db "$WORK/db" --skip-config --ignore HULL-TEST-0001 --ignore CVE-2099-0024 --fail-on CRITICAL "$FIX/rootfs"
	[ "$status" -eq 0 ]
	run "$HULL" scan --db "$WORK/db" --ignore-file "$BATS_TEST_TMPDIR/missing" "$FIX/rootfs"
	[ "$status" -eq 2 ]
}

@test "distroless: packages from var/lib/dpkg/status.d stanzas (md5sums skipped)" {
	d="$BATS_TEST_TMPDIR/distroless"
	mkdir -p "$d/var/lib/dpkg/status.d" "$d/etc"
	cp "$FIX/rootfs/usr/lib/os-release" "$d/etc/os-release"
	printf 'Package: libc6\nVersion: 2.36-9+deb12u14\nArchitecture: amd64\nSource: glibc\n' >"$d/var/lib/dpkg/status.d/libc6"
	printf 'd41d8cd98f00b204e9800998ecf8427e  lib/x\n' >"$d/var/lib/dpkg/status.d/libc6.md5sums"
	printf 'Package: base-files\nVersion: 12.4+deb12u15\nArchitecture: amd64\n' >"$d/var/lib/dpkg/status.d/base"
	run "$HULL" scan --db "$WORK/db" --format json --skip-config "$d"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.packages[].name]' <<<"$output")" = '["base-files","libc6"]' ]
	[ "$(jq -r .package_db <<<"$output")" = /var/lib/dpkg/status.d ]
	[ "$(jq '[.vulnerabilities[] | select(.id=="HULL-TEST-0001" and .package=="libc6")] | length' <<<"$output")" = 1 ]
}

@test "a record without a severity borrows one from a record about the same CVE" {
	r="$WORK/report.json"
	[ "$(jq -r '.vulnerabilities[] | select(.id=="HULL-TEST-0024") | .severity' "$r")" = CRITICAL ]
	# without the related record there is nothing to borrow
	mkdir -p "$BATS_TEST_TMPDIR/osv"
	cp "$FIX/osv/HULL-TEST-0024.json" "$BATS_TEST_TMPDIR/osv/"
	"$HULL" scan db import --db "$BATS_TEST_TMPDIR/db" "$BATS_TEST_TMPDIR/osv" >/dev/null
	run "$HULL" scan --db "$BATS_TEST_TMPDIR/db" --format json --skip-config "$FIX/rootfs"
	[ "$(jq -r '.vulnerabilities[] | select(.id=="HULL-TEST-0024") | .severity' <<<"$output")" = UNKNOWN ]
}
