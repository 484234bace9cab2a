#!/usr/bin/env bats
# Pull checks a descriptor's size as well as its digest: a manifest whose
# layer descriptor lies about the size of a blob already in the store, and
# an index whose entry lies about its manifest's size, are refused.

load ../integration/image/helpers

setup_file() {
	export HULL_TOP=${HULL_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	IMG_DIR="$HULL_TOP/tests/integration/image"
	image_setup_file
	export REG=127.0.0.1:19310
	start_registry 19310
	make_rootfs "$IMG_TMP/root"
	mkoci "$IMG_TMP/a" --tag latest "$IMG_TMP/root" >/dev/null
	push_layout "$IMG_TMP/a" "$REG/sin/a:latest"
}

teardown_file() {
	image_teardown_file
}

MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_INDEX=application/vnd.oci.image.index.v1+json

get_manifest() { # REF
	curl -sf -H "Accept: $MT_MANIFEST" "http://$REG/v2/sin/a/manifests/$1"
}

put() { # TAG MEDIA_TYPE FILE
	curl -sf -X PUT -H "Content-Type: $2" --data-binary "@$3" "http://$REG/v2/sin/a/manifests/$1" >/dev/null
}

@test "pull: a layer descriptor whose size differs from the stored blob is refused" {
	run "$HULL" pull "$REG/sin/a:latest"
	[ "$status" -eq 0 ]
	get_manifest latest | jq -c '.layers[0].size -= 1' >"$IMG_TMP/bad.json"
	put badsize "$MT_MANIFEST" "$IMG_TMP/bad.json"
	layer=$(jq -r '.layers[0].digest' "$IMG_TMP/bad.json")
	run "$HULL" pull "$REG/sin/a:badsize"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"blob $layer is "*" bytes, its descriptor says "* ]]
	run "$HULL" image inspect "$REG/sin/a:badsize"
	[ "$status" -ne 0 ]
}

@test "pull: an index entry whose size differs from its manifest is refused" {
	get_manifest latest >"$IMG_TMP/m.json"
	digest=sha256:$(sha256sum "$IMG_TMP/m.json" | cut -d' ' -f1)
	size=$(stat -c %s "$IMG_TMP/m.json")
	jq -n -c --arg d "$digest" --argjson s $((size + 7)) --arg mt "$MT_MANIFEST" --arg it "$MT_INDEX" \
		'{schemaVersion: 2, mediaType: $it, manifests: [{mediaType: $mt, digest: $d, size: $s,
		  platform: {os: "linux", architecture: "amd64"}}]}' >"$IMG_TMP/ix.json"
	put badindex "$MT_INDEX" "$IMG_TMP/ix.json"
	run "$HULL" pull "$REG/sin/a:badindex"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"manifest $digest is $size bytes, the index says $((size + 7))"* ]]
}
