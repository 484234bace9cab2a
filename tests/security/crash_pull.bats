#!/usr/bin/env bats
# `hull pull` from a local docker-registry killed (SIGKILL) at random
# points, 50 times: the image store never holds a blob whose content does
# not match its digest, and the next pull completes and leaves no partial
# download or temp file behind.

load crash_helpers
load ../integration/image/helpers

setup_file() {
	image_setup_file
	claim_block
	start_registry "$P0"
	release_block
	export REG=127.0.0.1:$P0
	make_rootfs "$IMG_TMP/root"
	# a few MiB of random data: a pull takes 0.5-1 s here, cut anywhere in it
	mkdir -p "$IMG_TMP/big"
	head -c 6291456 /dev/urandom >"$IMG_TMP/big/random.bin"
	mkoci "$IMG_TMP/oci" --compress gzip "$IMG_TMP/root" "$IMG_TMP/big"
	push_layout "$IMG_TMP/oci" "$REG/sst/crash:latest"
}

teardown_file() {
	image_teardown_file
}

bad_blobs() {
	local f
	for f in "$HULL_DATA_ROOT"/images/blobs/sha256/*; do
		[ -f "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -c1-64)" = "${f##*/}" ] || echo "bad blob: ${f##*/}"
	done
}

@test "pull killed at random points: the store verifies and the next pull completes" {
	local i cut=0
	for i in $(seq 50); do
		if ((i % 5)); then
			kill_after "$(random_delay 0 800)" "pull $REG/sst/crash" "$HULL" pull "$REG/sst/crash"
		else # while the manifest or config is written (a temp file beside the blobs, or in tmp/)
			kill_at "$HULL_DATA_ROOT/images/blobs/sha256/*.tmp.*|$HULL_DATA_ROOT/images/tmp/blob-*" \
				"$HULL" pull "$REG/sst/crash"
		fi
		"$HULL" image inspect "$REG/sst/crash" >/dev/null 2>&1 || cut=$((cut + 1))
		run bad_blobs
		[ -z "$output" ] || { echo "after try $i: $output"; false; }
		# every try pulls everything again
		"$HULL" rmi -f "$REG/sst/crash" >/dev/null 2>&1 || true
		"$HULL" image prune -a -f >/dev/null
	done
	echo "$cut of 50 pulls were cut short"
	[ "$cut" -gt 0 ]
	run "$HULL" pull "$REG/sst/crash"
	[ "$status" -eq 0 ]
	run bad_blobs
	[ -z "$output" ]
	store_is_clean
	f=$("$HULL" image inspect "$REG/sst/crash" | jq -r '.[0].LayerDirs[-1]')/random.bin
	[ "$(sha256sum <"$f")" = "$(sha256sum <"$IMG_TMP/big/random.bin")" ]
	run "$HULL" images --format '{{.Repository}}'
	[[ "$output" == *"$REG/sst/crash"* ]]
}
