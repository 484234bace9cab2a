# build_compare.bash - build a Dockerfile with `hull build` and `buildah bud`
# and print what differs: the image config fields docker defines and the
# listing of the final root filesystem (path, type, mode, owner, size or
# link target; no times). Used by build_vs_buildah.bats.

# buildah in a private store under the file's tmpdir; vfs: no overlay
# mounts to leak, chroot isolation: no runtime needed for RUN.
bah() {
	BUILDAH_ISOLATION=chroot buildah --root "$BAH_ROOT" --runroot "$BAH_RUNROOT" --storage-driver vfs "$@"
}

bah_podman() {
	podman --root "$BAH_ROOT" --runroot "$BAH_RUNROOT" --storage-driver vfs "$@"
}

# bah_setup: the store, and hull's busybox image imported into it.
bah_setup() {
	export BAH_ROOT="$BATS_FILE_TMPDIR/buildah/root" BAH_RUNROOT="$BATS_FILE_TMPDIR/buildah/run"
	mkdir -p "$BAH_ROOT" "$BAH_RUNROOT"
	"$HULL" save -o "$BATS_FILE_TMPDIR/busybox.tar" busybox
	bah pull -q docker-archive:"$BATS_FILE_TMPDIR/busybox.tar" >/dev/null
}

bah_teardown() {
	[ -n "${BAH_ROOT:-}" ] || return 0
	bah rm -a >/dev/null 2>&1 || true
	bah rmi -a -f >/dev/null 2>&1 || true
	rm -rf "$BATS_FILE_TMPDIR/buildah"
}

# The config fields compared: empty values are absent, buildah's own
# version label is dropped.
CONFIG_FILTER='{Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes,
	Labels: ((.Labels // {}) | del(.["io.buildah.version"])), Healthcheck, StopSignal, OnBuild, Shell}
	| with_entries(select(.value != null and .value != "" and .value != [] and .value != {}))'

# listing DIR: one line per entry below DIR, sorted.
listing() {
	(cd "$1" && find . -mindepth 1 \
		\( -type d -printf '%P d %m %U:%G\n' \) -o \
		\( -type l -printf '%P l %U:%G -> %l\n' \) -o \
		\( -type f -printf '%P f %m %U:%G %s\n' \) -o \
		-printf '%P %y %m %U:%G\n') | LC_ALL=C sort
}

# buildah_run_leftovers: a RUN under buildah leaves the targets of its
# bind mounts in the layer: /etc/hostname, /etc/hosts and /etc/resolv.conf
# as empty files of mode 755, and /run. hull's RUN leaves the three files
# with mode 644 and no /run (docs/build.md, "Compared with buildah"): the
# mode and the /run of buildah's listing are brought to hull's.
buildah_run_leftovers() {
	sed -E 's,^(etc/(hostname|hosts|resolv\.conf)) f 755 0:0 0$,\1 f 644 0:0 0,; /^run d 755 0:0$/d'
}

# compare_fixture NAME: build tests/fixtures/build/NAME both ways and print
# the differences as a unified diff of buildah's (-) and hull's (+) views;
# nothing when they agree.
compare_fixture() {
	local name=$1 ctx="$HULL_TOP/tests/fixtures/build/$1" out="$BATS_FILE_TMPDIR/cmp/$1"
	local tag="bvb-$1"
	rm -rf "$out" && mkdir -p "$out/hull" "$out/buildah"
	"$HULL" build -q --network none -t "$tag" "$ctx" >"$out/hull.log" 2>&1 || {
		echo "hull build failed:" && cat "$out/hull.log"
		return 1
	}
	bah bud -q --format docker --isolation chroot --pull-never -t "$tag" "$ctx" >"$out/buildah.log" 2>&1 || {
		echo "buildah bud failed:" && cat "$out/buildah.log"
		return 1
	}
	"$HULL" inspect "$tag" | jq -S ".[0].Config | $CONFIG_FILTER" >"$out/hull.config"
	bah inspect --type image "$tag" | jq -S ".Docker.config | $CONFIG_FILTER" >"$out/buildah.config"

	local cid
	cid=$("$HULL" create "$tag" 2>/dev/null) || return 1
	"$HULL" export "$cid" | tar -x --numeric-owner --same-owner -p -C "$out/hull" || return 1
	"$HULL" rm "$cid" >/dev/null
	listing "$out/hull" >"$out/hull.files"

	# the image's root filesystem as containers/storage has it (podman
	# shares buildah's store): `buildah from` would run the ONBUILD triggers
	local mnt
	mnt=$(bah_podman image mount "$tag") || return 1
	listing "$mnt" | buildah_run_leftovers >"$out/buildah.files"
	bah_podman image unmount "$tag" >/dev/null

	cat "$out/buildah.config" "$out/buildah.files" >"$out/buildah.all"
	cat "$out/hull.config" "$out/hull.files" >"$out/hull.all"
	diff -U0 --label buildah --label hull "$out/buildah.all" "$out/hull.all" | grep -v '^@@' || true
}

# expect_same NAME: the two builds agree, except for the differences
# tests/fixtures/build/NAME/expected.diff lists (each explained in
# docs/build.md).
expect_same() {
	local got expected=""
	got=$(compare_fixture "$1") || {
		echo "$got"
		return 1
	}
	[ -f "$HULL_TOP/tests/fixtures/build/$1/expected.diff" ] &&
		expected=$(cat "$HULL_TOP/tests/fixtures/build/$1/expected.diff")
	if [ "$got" != "$expected" ]; then
		echo "# $1: hull build and buildah bud differ (- buildah, + hull); expected:"
		echo "$expected"
		echo "# got:"
		echo "$got"
		return 1
	fi
}
