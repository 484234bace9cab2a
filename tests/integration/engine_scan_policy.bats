#!/usr/bin/env bats
# hull run/create --scan-policy SEVERITY: an image with scan findings at or
# above SEVERITY is refused (exit 125) before anything is created; the
# verdict is the one `hull scan --fail-on SEVERITY IMAGE` gives.
# Names prefixed eng-sp-.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=15
	engine_setup_file
	export WORK="$BATS_FILE_TMPDIR"
	# a Debian 12 rootfs with one package (zz-demo 1.0-1) and a shell
	local r="$WORK/rootfs"
	mkdir -p "$r/bin" "$r/etc" "$r/var/lib/dpkg" "$r/tmp"
	cp /bin/busybox "$r/bin/busybox" && chmod 755 "$r/bin/busybox"
	ln -s busybox "$r/bin/sh" && ln -s busybox "$r/bin/echo"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$r/etc/os-release"
	printf 'Package: zz-demo\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-1\nDescription: demo\n\n' >"$r/var/lib/dpkg/status"
	tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$WORK/rootfs.tar" .
	"$HULL" import "$WORK/rootfs.tar" eng-sp-deb:1 >/dev/null
	# one HIGH advisory for it, fixed in 1.0-2
	mkdir -p "$WORK/osv"
	cat >"$WORK/osv/HULL-SP-0001.json" <<'JSON'
{"schema_version":"1.6.0","id":"HULL-SP-0001","modified":"2026-01-01T00:00:00Z","summary":"zz-demo: test advisory",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"zz-demo"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}]}],
 "database_specific":{"severity":"HIGH"}}
JSON
	# the default database, the one `hull scan` uses
	"$HULL" scan db import "$WORK/osv" >/dev/null
}

teardown_file() {
	engine_teardown_file
}

teardown() {
	local ids
	ids=$("$HULL" ps -aq --no-trunc 2>/dev/null) || true
	[ -n "$ids" ] && "$HULL" rm -f $ids >/dev/null 2>&1 || true
}

no_containers() {
	[ -z "$("$HULL" ps -aq)" ]
	run ! grep -qs " $HULL_DATA_ROOT/" /proc/self/mountinfo
}

@test "scan-policy: hull scan sees the advisory (the test's premise)" {
	run "$HULL" scan --format json eng-sp-deb:1
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.vulnerabilities[] | select(.id=="HULL-SP-0001" and .package=="zz-demo" and .severity=="HIGH")'
}

@test "scan-policy: run --scan-policy high refuses (125), names image, threshold, finding; creates nothing" {
	run "$HULL" run --name eng-sp-refused --scan-policy high eng-sp-deb:1 echo ran
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" != *ran* ]]
	[[ "$output" == *"eng-sp-deb:1"* ]]
	[[ "$output" == *"HIGH"* ]]
	[[ "$output" == *"HULL-SP-0001  zz-demo 1.0-1  HIGH"* ]]
	[[ "$output" == *"hull scan eng-sp-deb:1"* ]]
	[ "$(echo "$output" | wc -l)" -le 10 ]
	no_containers
	run "$HULL" inspect eng-sp-refused
	[ "$status" -ne 0 ]
}

@test "scan-policy: create --scan-policy HIGH refuses too and leaves nothing" {
	run "$HULL" create --scan-policy HIGH eng-sp-deb:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"HULL-SP-0001"* ]]
	no_containers
}

@test "scan-policy: agrees with hull scan --fail-on" {
	run "$HULL" scan --fail-on high eng-sp-deb:1
	[ "$status" -eq 1 ]
	run "$HULL" scan --fail-on critical eng-sp-deb:1
	[ "$status" -eq 0 ]
}

@test "scan-policy: critical runs the image (no finding reaches it)" {
	run "$HULL" run --rm --scan-policy critical eng-sp-deb:1 echo ran
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-1]}" = ran ]
}

@test "scan-policy: without the flag the image runs (no scan)" {
	# no database at all: a scan would fail, so success proves none was made
	run "$HULL" run --rm --scan-db "$WORK/none" eng-sp-deb:1 echo ran
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-1]}" = ran ]
	run env HULL_SCAN_DB="$WORK/none" "$HULL" run --rm eng-sp-deb:1 echo ran
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-1]}" = ran ]
}

@test "scan-policy: a missing database refuses (fails closed) with how to import one" {
	run "$HULL" run --rm --scan-policy critical --scan-db "$WORK/none" eng-sp-deb:1 echo ran
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" != *ran* ]]
	[[ "$output" == *"scan db import"* ]]
	no_containers
}

@test "scan-policy: an unknown severity is a usage error naming the allowed values" {
	run "$HULL" run --scan-policy severe eng-sp-deb:1 echo ran
	[ "$status" -eq 125 ]
	[[ "$output" == *"severe"* ]]
	[[ "$output" == *"low, medium, high or critical"* ]]
	no_containers
}
