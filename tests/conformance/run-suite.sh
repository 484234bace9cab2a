#!/bin/bash
# tests/conformance/run-suite.sh RUNTIME [TEST_FILE...]
#
# Runs runc 1.1.5's integration suite (prepared by setup.sh) against any
# runtime with runc's command line: build/hull, runc, crun (through a wrapper
# such as ../shared/peers/crun-hybrid). Each test runs in its own bats
# process inside a private mount namespace, under script(1) so that it has
# a tty (upstream CI does this too), calling RUNTIME through a symlink named
# runc (the suite's help/version tests want that name); leftovers (containers, cgroups, temp
# dirs) are removed after each test.
#   HULL_CONFORMANCE_DIR  where setup.sh prepared things (default /var/tmp/hull-conformance)
#   OUT                   results folder (default $HULL_CONFORMANCE_DIR/results/NAME)
#   ONLY=FILE             run only the tests listed in FILE ("file.bats|test name" lines)
#   TIMEOUT=60            seconds per test
# Writes OUT/results.txt ("ok|file|name" / "not ok|file|name"), OUT/pass.txt
# ("file|name") and prints "tests: N pass: N fail: N skip: N".
set -u
RUNTIME=${1:?usage: run-suite.sh RUNTIME [TEST_FILE...]}
shift
RUNTIME=$(readlink -f "$(command -v "$RUNTIME")") || { echo "no such runtime" >&2; exit 2; }
W=${HULL_CONFORMANCE_DIR:-/var/tmp/hull-conformance}
SRC=$W/runc-1.1.5+ds1
IT=$SRC/tests/integration
NAME=${NAME:-$(basename "$RUNTIME")}
OUT=${OUT:-$W/results/$NAME}
TIMEOUT=${TIMEOUT:-60}
ONLY=${ONLY:-}
[ -d "$IT" ] || { echo "run tests/conformance/setup.sh first ($IT missing)" >&2; exit 2; }

for img in busybox debian; do
	[ -e "$W/images/$img-amd64.tar.xz" ] && ln -sfn "$W/images/$img-amd64.tar.xz" "$IT/testdata/$img-amd64.tar.xz"
done

[ $# -eq 0 ] && set -- "$IT"/*.bats
files=()
for f in "$@"; do
	if [ -f "$IT/$f" ]; then files+=("$IT/$f")
	elif [ -f "$IT/$f.bats" ]; then files+=("$IT/$f.bats")
	elif [ -f "$f" ]; then files+=("$(readlink -f "$f")")
	else echo "no such test file: $f" >&2; exit 2; fi
done

# tests bind unix sockets at OUT/tmp/update.13/bats-run-XXXXXX/runc-tmp-recvtty.XXXXXX/console.sock:
# at most 107 bytes, or they fail whatever the runtime
[ ${#OUT} -le 39 ] || echo "run-suite: warning: OUT ($OUT) is longer than 39 bytes: tests that bind unix sockets beneath it will fail" >&2
rm -rf "$OUT"
mkdir -p "$OUT/tap" "$OUT/bin"
# the suite's help and version tests look for the name "runc" in the output:
# the runtime is called through a symlink of that name (hull answers to it)
ln -s "$RUNTIME" "$OUT/bin/runc"
PRE=""
# tests mknod and compare /dev/null's owner: give them a root-owned one
if [ "$(stat -c %u:%g /dev/null)" != 0:0 ]; then
	mknod -m 666 "$OUT/devnull" c 1 3 && chown 0:0 "$OUT/devnull" && PRE="mount --bind '$OUT/devnull' /dev/null && "
fi

cleanup_leftovers() { # $1 = TMPDIR of one bats process
	local st ct d
	# only what this test made: other runs of the suite may share the machine
	# (and the suite's global /runc-cgroups-integration-test cgroup parent),
	# so nothing of theirs is thawed, killed or removed here
	for st in "$1"/bats-run-*/runc.*/state; do
		[ -d "$st" ] || continue
		for ct in $("$RUNTIME" --root "$st" list -q 2>/dev/null); do
			timeout 20 "$RUNTIME" --root "$st" delete -f "$ct" >>"$OUT/cleanup.log" 2>&1
		done
	done
	# empty test cgroups only (rmdir refuses busy ones)
	for d in /sys/fs/cgroup/*/runc-cgroups-integration-test /sys/fs/cgroup/runc-cgroups-integration-test; do
		[ -d "$d" ] && find "$d" -mindepth 1 -depth -type d -empty -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$1"
}

run_one() { # $1 = tap, $2 = tmpdir, $3 = regex, $4 = file
	local cmd
	cmd="cd '$IT' && exec bats -t -f $(printf '%q' "$3") $(printf '%q' "$4") >'$1' 2>&1"
	# script(1) runs the command with $SHELL (/bin/sh when unset, as under
	# CI): printf %q quoting is bash's, so name bash explicitly
	cmd="SHELL=/bin/bash script -q -e -c $(printf '%q' "$cmd") /dev/null </dev/null >/dev/null 2>&1"
	mkdir -p "$2"
	TMPDIR=$2 RUNC=$OUT/bin/runc timeout -k 10 "$TIMEOUT" unshare -m --propagation private bash -c "$PRE$cmd"
}

START=$(date +%s)
: >"$OUT/results.txt"
for f in "${files[@]}"; do
	base=$(basename "$f")
	mapfile -t names < <(sed -nE 's/^@test "(.*)" \{$/\1/p' "$f")
	n=0
	for name in "${names[@]}"; do
		n=$((n + 1))
		[ -n "$ONLY" ] && ! grep -qxF "$base|$name" "$ONLY" && continue
		re=^$(sed -E 's/[][\\.*^$(){}+?|]/\\&/g' <<<"$name")\$
		tap=$OUT/tap/${base%.bats}.$n.tap
		run_one "$tap" "$OUT/tmp/${base%.bats}.$n" "$re" "$f"
		rc=$?
		cleanup_leftovers "$OUT/tmp/${base%.bats}.$n"
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then status="not ok"; echo "# TIMEOUT after ${TIMEOUT}s" >>"$tap"
		elif grep -qE '^ok 1 .*# skip' "$tap"; then status="skip"
		elif grep -qE '^ok 1 ' "$tap"; then status="ok"
		else status="not ok"; fi
		echo "$status|$base|$name" >>"$OUT/results.txt"
		[ -n "${VERBOSE:-}" ] && echo "$status|$base|$name"
	done
done
END=$(date +%s)
grep '^ok|' "$OUT/results.txt" | cut -d'|' -f2- >"$OUT/pass.txt"
{
	echo "runtime: $RUNTIME"
	echo "tests: $(wc -l <"$OUT/results.txt")  pass: $(grep -c '^ok|' "$OUT/results.txt")  fail: $(grep -c '^not ok|' "$OUT/results.txt")  skip: $(grep -c '^skip|' "$OUT/results.txt")"
	echo "wall time: $((END - START))s"
} | tee "$OUT/summary.txt"
