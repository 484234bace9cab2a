#!/usr/bin/env bats
# Version comparison against the package managers themselves: thousands of
# generated pairs (random strings over digits, letters, ~ + . - : and real
# versions from dpkg databases, some mutated) with hull's verdict, each
# checked by `dpkg --compare-versions` and by rpm's rpmvercmp through
# python3-rpm. apk has no binary here: its table is in tests/unit/scan.

setup_file() {
	export VERCMP="$(dirname "$HULL")/tests/unit/scan/scan-vercmp"
	[ -x "$VERCMP" ]
}

# One dpkg call per pair ("--" so that versions starting with "-" are not
# taken for options): ask dpkg the relation hull claims; a wrong claim
# (or a pair hull calls invalid that dpkg accepts) makes dpkg answer 1.
@test "dpkg: 4000 generated pairs agree with dpkg --compare-versions" {
	real="$BATS_TEST_TMPDIR/real"
	sed -n 's/^Version: //p' /var/lib/dpkg/status "$HULL_TOP/tests/fixtures/scan/debian12/rootfs/var/lib/dpkg/status" | sort -u >"$real"
	"$VERCMP" gen dpkg 4000 20261126 "$real" >"$BATS_TEST_TMPDIR/pairs"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/pairs")" = 4000 ]
	# the sample must exercise every verdict
	for v in '<' '=' '>' invalid; do
		[ "$(cut -f3 "$BATS_TEST_TMPDIR/pairs" | grep -cxF -- "$v")" -gt 20 ]
	done
	bad=0
	while IFS=$'\t' read -r a b v; do
		case $v in
		'<') rel=lt ;; '=') rel=eq ;; '>') rel=gt ;; invalid) rel=lt ;;
		esac
		rc=0
		dpkg --compare-versions -- "$a" "$rel" "$b" 2>/dev/null || rc=$?
		if { [ "$v" = invalid ] && [ $rc -ne 2 ]; } || { [ "$v" != invalid ] && [ $rc -ne 0 ]; }; then
			echo "disagree: '$a' '$b' hull=$v dpkg-$rel-exit=$rc"
			bad=$((bad + 1))
		fi
	done <"$BATS_TEST_TMPDIR/pairs"
	[ "$bad" -eq 0 ]
}

@test "rpm: 20000 generated pairs agree with rpm's rpmvercmp (python3-rpm rpm.ver)" {
	"$VERCMP" gen rpm 20000 4242 >"$BATS_TEST_TMPDIR/pairs"
	run /usr/bin/python3 -c '
import sys, rpm
bad = 0; n = 0; seen = set()
for line in open(sys.argv[1]):
    a, b, v = line.rstrip("\n").split("\t")
    x, y = rpm.ver(a), rpm.ver(b)
    r = "<" if x < y else ">" if x > y else "="
    n += 1; seen.add(r)
    if r != v:
        bad += 1
        if bad < 20: print("disagree: %r %r hull=%s rpm=%s" % (a, b, v, r))
print("checked", n, "disagreements", bad, "verdicts", "".join(sorted(seen)))
sys.exit(1 if bad or len(seen) < 3 else 0)
' "$BATS_TEST_TMPDIR/pairs"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 20000 disagreements 0"* ]]
}
