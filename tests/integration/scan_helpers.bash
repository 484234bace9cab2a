# scan_helpers.bash - shared by the scan_*.bats files (loaded with `load`).

# check_verdicts OSV_DIR REPORT_JSON: every record's expected verdict
# (database_specific.hull_test) against the report. affected/unfixed records
# must be reported for exactly the expected binary packages, with the
# expected fixed version (null when unfixed) and severity; fixed,
# not-affected and withdrawn records must not be reported at all. Prints
# each disagreement; fails when there is one or when no record was checked.
check_verdicts() {
	local dir=$1 r=$2 fails=0 checked=0 f id expect want_pkgs want_fixed want_sev got_pkgs got_fixed got_sev ok
	for f in "$dir"/*.json; do
		id=$(jq -r .id "$f")
		expect=$(jq -r .database_specific.hull_test.expect "$f")
		want_pkgs=$(jq -c .database_specific.hull_test.packages "$f")
		want_fixed=$(jq -c .database_specific.hull_test.fixed "$f")
		want_sev=$(jq -r .database_specific.hull_test.severity "$f")
		got_pkgs=$(jq -c --arg id "$id" '[.vulnerabilities[] | select(.id==$id) | .package] | sort' "$r")
		got_fixed=$(jq -c --arg id "$id" '[.vulnerabilities[] | select(.id==$id) | .fixed] | unique | .[0]' "$r")
		got_sev=$(jq -r --arg id "$id" '[.vulnerabilities[] | select(.id==$id) | .severity] | unique | .[0] // "none"' "$r")
		case $expect in
		affected | unfixed)
			ok=1
			[ "$got_pkgs" = "$want_pkgs" ] || ok=0
			[ "$got_fixed" = "$want_fixed" ] || ok=0
			[ "$got_sev" = "$want_sev" ] || ok=0
			[ "$expect" = unfixed ] && [ "$want_fixed" != null ] && ok=0 ;;
		fixed | not-affected | withdrawn)
			ok=1
			[ "$got_pkgs" = "[]" ] || ok=0 ;;
		*) ok=0 ;;
		esac
		checked=$((checked + 1))
		if [ $ok = 0 ]; then
			echo "$id: expected $expect $want_pkgs fixed=$want_fixed sev=$want_sev; got $got_pkgs fixed=$got_fixed sev=$got_sev"
			fails=$((fails + 1))
		fi
	done
	echo "checked $checked records, $fails disagreements"
	[ "$checked" -gt 0 ] && [ "$fails" = 0 ]
}
