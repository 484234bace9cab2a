#!/usr/bin/env bats
# The fuzz targets' seed corpora (tests/fuzz/corpus/NAME) replayed through
# the plain replay drivers (tests/fuzz/replay.c): every input that once
# crashed a parser, or reached a corner of it, stays a regression test.
# Fuzzing itself: tests/fuzz/run NAME SECONDS (clang, libFuzzer, ASan, UBSan).

replay() {
	local name=$1 exe
	exe=$(dirname "$HULL")/tests/fuzz/fuzz-$name
	[ -x "$exe" ]
	local n
	n=$(find "$HULL_TOP/tests/fuzz/corpus/$name" -type f | wc -l)
	[ "$n" -gt 0 ]
	run "$exe" "$HULL_TOP/tests/fuzz/corpus/$name"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$n inputs ok" ]
}

@test "fuzz replay: config.json and exec --process documents (oci-config corpus)" {
	replay oci-config
}

@test "fuzz replay: image references (reference corpus)" {
	replay reference
}

@test "fuzz replay: manifests, indexes, image configs, platforms (manifest corpus)" {
	replay manifest
}

@test "fuzz replay: layer tars land only inside the layer root (tar corpus)" {
	replay tar
}

@test "fuzz replay: package versions, dpkg/apk/rpm databases, OSV records, CVSS (scan corpus)" {
	replay scan
}

@test "fuzz replay: docker run's -p/-v/--mount/--tmpfs/-m, log times, signal names (flags corpus)" {
	replay flags
}

@test "fuzz replay: FUSE requests of a hostile guest stay inside the virtio-fs share (fuse corpus)" {
	replay fuse
}

@test "fuzz replay: capabilities, seccomp profiles, hooks, cgroup mountinfo (security corpus)" {
	replay security
}

@test "fuzz replay: RFC 3339 and filter times (time corpus)" {
	replay time
}

@test "fuzz replay: Dockerfiles, word expansion, .dockerignore (dockerfile corpus)" {
	replay dockerfile
}
