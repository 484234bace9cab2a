#!/usr/bin/env bats
# Unpacking: what a layer may hold is kept faithfully (whiteouts in
# overlayfs form, hard links, xattrs, devices, long names, sparse files);
# what a hostile layer tries is refused, nothing lands outside the store
# and no image is left half-made.

load image/helpers

setup_file() {
	image_setup_file
	claim_block
	start_registry "$P0"
	release_block
	export REG=127.0.0.1:$P0
	mkdir -p "$IMG_TMP/outside"
	for k in traversal absolute hardlink-escape hardlink-abs huge features; do
		python3 "$IMG_DIR/mktar.py" "$k" "$IMG_TMP/$k.tar"
		mkoci "$IMG_TMP/oci-$k" "$IMG_TMP/$k.tar"
		push_layout "$IMG_TMP/oci-$k" "$REG/layer/$k:1"
	done
	python3 "$IMG_DIR/mktar.py" symlink-escape "$IMG_TMP/symlink-escape.tar" "$IMG_TMP/outside"
	mkoci "$IMG_TMP/oci-symlink-escape" "$IMG_TMP/symlink-escape.tar"
	push_layout "$IMG_TMP/oci-symlink-escape" "$REG/layer/symlink-escape:1"
	# a sparse file: 64 MiB with 3 bytes of data
	mkdir -p "$IMG_TMP/sparse"
	truncate -s 64M "$IMG_TMP/sparse/holes"
	printf abc | dd of="$IMG_TMP/sparse/holes" bs=1 seek=1000000 conv=notrunc 2>/dev/null
	tar -C "$IMG_TMP/sparse" --sparse -cf "$IMG_TMP/sparse.tar" holes
	mkoci "$IMG_TMP/oci-sparse" "$IMG_TMP/sparse.tar"
	push_layout "$IMG_TMP/oci-sparse" "$REG/layer/sparse:1"
	make_rootfs "$IMG_TMP/root"
	mkoci "$IMG_TMP/oci-good" --compress none "$IMG_TMP/root"
	push_layout "$IMG_TMP/oci-good" "$REG/good/a:1"
	push_layout "$IMG_TMP/oci-good" "$REG/good/b:1"
}

teardown_file() {
	image_teardown_file
}

refused() { # KIND EXPECTED_TEXT
	export HULL_DATA_ROOT="$IMG_TMP/data-$1"
	run "$HULL" pull "$REG/layer/$1:1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$2"* ]] || { echo "got: $output"; return 1; }
	run "$HULL" images -q
	[ -z "$output" ]
	[ -z "$(ls "$HULL_DATA_ROOT/images/layers")" ]
	store_is_clean
	[ -z "$(find "$IMG_TMP" -name escape -o -name abs-escape -o -name pwned)" ]
	[ -z "$(ls "$IMG_TMP/outside")" ]
}

@test "a ../ member is refused" {
	refused traversal "contains \`..\`: refusing to write outside the layer"
}

@test "an absolute member is refused" {
	refused absolute "absolute path \`/abs-escape\`"
}

@test "writing through a symlink is refused" {
	refused symlink-escape "entry \`link/pwned\`: its directory \`link\` goes through a symlink"
}

@test "hard links to outside the layer are refused" {
	refused hardlink-escape "hardlink target"
	refused hardlink-abs "hardlink target"
}

@test "a member claiming an absurd size is refused" {
	refused huge "claims 1099511627776 bytes"
}

@test "whiteouts, hard links, long names, xattrs, devices, fifos, set-id bits are kept; overlay xattrs are not" {
	export HULL_DATA_ROOT="$IMG_TMP/data-features"
	run "$HULL" pull "$REG/layer/features:1"
	[ "$status" -eq 0 ]
	L=$("$HULL" image inspect "$REG/layer/features:1" | jq -r '.[0].LayerDirs[0]')
	[ "$(stat -c '%F %t:%T' "$L/dir/gone")" = "character special file 0:0" ]
	[ "$(python3 -c "import os; print(os.getxattr('$L/opaque', 'trusted.overlay.opaque').decode())")" = y ]
	[ "$(stat -c %i "$L/dir/file")" = "$(stat -c %i "$L/dir/hard")" ]
	[ "$(cat "$L/$(printf 'd%.0s' {1..120})/$(printf 'f%.0s' {1..150})")" = long ]
	[ "$(python3 -c "import os; print(os.getxattr('$L/xattr.txt', 'user.hull').decode())")" = yes ]
	[ "$(stat -c '%F %t:%T' "$L/dev/null")" = "character special file 1:3" ]
	[ "$(stat -c %F "$L/fifo")" = fifo ]
	[ "$(stat -c '%a %u:%g' "$L/suid")" = "4755 1000:1000" ]
	[ "$(readlink "$L/sym")" = /dir/file ]
	[ "$(stat -c %Y "$L/dir/file")" = 1700000000 ]
	# overlayfs' control attributes never come from a layer
	[ "$(python3 -c "import os; print(len(os.listxattr('$L/smuggle')))")" = 0 ]
}

@test "sparse files keep their size and holes" {
	export HULL_DATA_ROOT="$IMG_TMP/data-sparse"
	run "$HULL" pull "$REG/layer/sparse:1"
	[ "$status" -eq 0 ]
	L=$("$HULL" image inspect "$REG/layer/sparse:1" | jq -r '.[0].LayerDirs[0]')
	[ "$(stat -c %s "$L/holes")" -eq 67108864 ]
	[ "$(dd if="$L/holes" bs=1 skip=1000000 count=3 2>/dev/null)" = abc ]
	# allocated blocks far below the apparent size
	[ "$(du -k "$L/holes" | cut -f1)" -lt 1024 ]
}

@test "a blob whose bytes do not match its digest is refused" {
	export HULL_DATA_ROOT="$IMG_TMP/data-corrupt"
	digest=$(skopeo inspect --raw --tls-verify=false "docker://$REG/good/a:1" | jq -r '.layers[0].digest')
	blob=$(registry_blob "$P0" good "$digest")
	cp "$blob" "$IMG_TMP/blob.orig"
	printf 'XXXX' | dd of="$blob" bs=1 seek=$(($(stat -c %s "$blob") / 2)) conv=notrunc 2>/dev/null
	run "$HULL" pull "$REG/good/a:1"
	cp "$IMG_TMP/blob.orig" "$blob"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not match its digest"*"nothing was stored"* ]]
	run "$HULL" images -q
	[ -z "$output" ]
	[ -z "$(ls "$HULL_DATA_ROOT/images/layers")" ]
	store_is_clean
}

@test "a truncated blob is refused" {
	export HULL_DATA_ROOT="$IMG_TMP/data-truncated"
	digest=$(skopeo inspect --raw --tls-verify=false "docker://$REG/good/b:1" | jq -r '.layers[0].digest')
	blob=$(registry_blob "$P0" good "$digest")
	cp "$blob" "$IMG_TMP/blob.orig"
	truncate -s $(($(stat -c %s "$blob") / 2)) "$blob"
	run "$HULL" pull "$REG/good/b:1"
	cp "$IMG_TMP/blob.orig" "$blob"
	[ "$status" -eq 1 ]
	[[ "$output" == *"truncated"* ]]
	run "$HULL" images -q
	[ -z "$output" ]
	store_is_clean
}

@test "a manifest claiming an absurd layer size is refused before downloading" {
	export HULL_DATA_ROOT="$IMG_TMP/data-size"
	skopeo inspect --raw --tls-verify=false "docker://$REG/good/a:1" | jq -c '.layers[0].size = 1099511627776000' >"$IMG_TMP/m.json"
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @"$IMG_TMP/m.json" \
		"http://$REG/v2/good/a/manifests/huge"
	run "$HULL" pull "$REG/good/a:huge"
	[ "$status" -eq 1 ]
	[[ "$output" == *"claims 1099511627776000 bytes"* ]]
	store_is_clean
}

@test "a config whose diff_ids do not match the layers is refused" {
	export HULL_DATA_ROOT="$IMG_TMP/data-diffid"
	raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/good/a:1")
	cdigest=$(echo "$raw" | jq -r .config.digest)
	curl -sf "http://$REG/v2/good/a/blobs/$cdigest" |
		jq -c '.rootfs.diff_ids[0] = "sha256:0000000000000000000000000000000000000000000000000000000000000000"' >"$IMG_TMP/c.json"
	new="sha256:$(sha256sum "$IMG_TMP/c.json" | cut -d' ' -f1)"
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/good/a/blobs/uploads/" | tr -d '\r' | sed -n 's/^Location: //p')
	case $loc in http*) ;; *) loc="http://$REG$loc" ;; esac
	curl -sf -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$IMG_TMP/c.json" "$loc&digest=$new"
	echo "$raw" | jq -c --arg d "$new" --arg s "$(stat -c %s "$IMG_TMP/c.json")" '.config.digest = $d | .config.size = ($s|tonumber)' >"$IMG_TMP/m2.json"
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @"$IMG_TMP/m2.json" \
		"http://$REG/v2/good/a/manifests/baddiff"
	run "$HULL" pull "$REG/good/a:baddiff"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not match the image config: diff_id sha256:0000"* ]]
	run "$HULL" images -q
	[ -z "$output" ]
	[ -z "$(ls "$HULL_DATA_ROOT/images/layers")" ]
	store_is_clean
}

@test "a docker-archive naming files outside itself is refused" {
	export HULL_DATA_ROOT="$IMG_TMP/data-archive"
	mkdir -p "$IMG_TMP/arch"
	echo '[{"Config":"../../../../etc/hostname","RepoTags":["evil:1"],"Layers":[]}]' >"$IMG_TMP/arch/manifest.json"
	tar -C "$IMG_TMP/arch" -cf "$IMG_TMP/evil.tar" manifest.json
	run "$HULL" load -i "$IMG_TMP/evil.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"contains \`..\`"* ]]
	run "$HULL" images -q
	[ -z "$output" ]
	store_is_clean
}
