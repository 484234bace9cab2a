#!/usr/bin/env bats
# Pull and push against a local docker-registry over plain HTTP: short
# names, compressions, multi-platform indexes, resume, redirects without
# credentials, concurrent pulls, gc.

load image/helpers

setup_file() {
	image_setup_file
	claim_block
	start_registry "$P0"
	release_block
	export REG=127.0.0.1:$P0
	make_rootfs "$IMG_TMP/rootA"
	make_rootfs "$IMG_TMP/rootB"
	for c in gzip zstd none; do
		mkoci "$IMG_TMP/oci-$c" --compress "$c" "$IMG_TMP/rootA"
		push_layout "$IMG_TMP/oci-$c" "$REG/test/$c:latest"
	done
	# A 4 MiB random layer: big enough that transfers take several writes.
	mkdir -p "$IMG_TMP/big"
	head -c 4194304 /dev/urandom >"$IMG_TMP/big/random.bin"
	mkoci "$IMG_TMP/oci-big" --compress gzip "$IMG_TMP/rootA" "$IMG_TMP/big"
	push_layout "$IMG_TMP/oci-big" "$REG/test/big:latest"
	mkoci "$IMG_TMP/oci-multi" --platform linux/amd64 --platform linux/arm64/v8 --platform linux/ppc64le "$IMG_TMP/rootB"
	skopeo copy -q --all --dest-tls-verify=false "oci:$IMG_TMP/oci-multi:latest" "docker://$REG/test/multi:latest"
	mkoci "$IMG_TMP/oci-docker" "$IMG_TMP/rootB"
	push_layout "$IMG_TMP/oci-docker" "$REG/test/docker:latest" --format v2s2
}

teardown_file() {
	image_teardown_file
}

layer_file() { # IMAGE PATH: the path inside the topmost layer holding PATH
	local dir
	for dir in $("$HULL" image inspect "$1" | jq -r '.[0].LayerDirs | reverse | .[]'); do
		[ -e "$dir/$2" ] && { echo "$dir/$2"; return 0; }
	done
	return 1
}

@test "pull over plain HTTP stores, unpacks and tags the image" {
	run "$HULL" pull "$REG/test/gzip"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Status: Downloaded newer image for $REG/test/gzip:latest"* ]]
	[[ "${lines[-1]}" == "$REG/test/gzip:latest" ]]
	f=$(layer_file "$REG/test/gzip" etc/greeting)
	[ "$(cat "$f")" = "hello from rootA" ]
	[ -x "$(layer_file "$REG/test/gzip" bin/hi)" ]
	run "$HULL" images --format json
	[ "$(echo "$output" | jq -r '.[] | select(.RepoTags[0]=="'$REG'/test/gzip:latest") | .Config.Cmd[0]')" = sh ]
	store_is_clean
}

@test "gzip, zstd and uncompressed layers unpack to the same tree" {
	for c in zstd none; do
		run "$HULL" pull -q "$REG/test/$c"
		[ "$status" -eq 0 ]
		[ "$output" = "$REG/test/$c:latest" ]
		f=$(layer_file "$REG/test/$c" etc/greeting)
		[ "$(cat "$f")" = "hello from rootA" ]
	done
	# Same uncompressed content -> same diff_id -> one shared layer directory.
	a=$("$HULL" image inspect "$REG/test/gzip" | jq -r '.[0].RootFS.Layers[0]')
	b=$("$HULL" image inspect "$REG/test/zstd" | jq -r '.[0].RootFS.Layers[0]')
	[ "$a" = "$b" ]
}

@test "a second pull is up to date and downloads nothing" {
	run "$HULL" pull "$REG/test/gzip"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Image is up to date"* ]]
}

@test "docker schema2 manifests pull too" {
	run "$HULL" pull "$REG/test/docker"
	[ "$status" -eq 0 ]
	[ "$(cat "$(layer_file "$REG/test/docker" etc/greeting)")" = "hello from rootB" ]
}

@test "an index picks this machine's platform, --platform picks another" {
	run "$HULL" pull "$REG/test/multi"
	[ "$status" -eq 0 ]
	run "$HULL" image inspect "$REG/test/multi"
	[ "$(echo "$output" | jq -r '.[0].Config.Labels.platform')" = linux/amd64 ]
	run "$HULL" pull --platform linux/arm64 "$REG/test/multi"
	[ "$status" -eq 0 ]
	run "$HULL" image inspect "$REG/test/multi"
	[ "$(echo "$output" | jq -r '.[0].Config.Labels.platform')" = linux/arm64/v8 ]
	[ "$(echo "$output" | jq -r '.[0].Architecture')" = arm64 ]
}

@test "a platform the index lacks fails and lists what it offers" {
	run "$HULL" pull --platform linux/s390x "$REG/test/multi"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no image for platform linux/s390x"* ]]
	[[ "$output" == *"linux/amd64"* && "$output" == *"linux/arm64/v8"* ]]
}

@test "pull by digest verifies the manifest digest" {
	digest=$("$HULL" image inspect "$REG/test/gzip" | jq -r '.[0].RepoDigests[0]' | cut -d@ -f2)
	run "$HULL" pull "$REG/test/gzip@$digest"
	[ "$status" -eq 0 ]
	run "$HULL" image inspect "$REG/test/gzip@$digest"
	[ "$status" -eq 0 ]
}

@test "missing images and repositories give clear errors" {
	run "$HULL" pull "$REG/test/gzip:nope"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pull \`$REG/test/gzip:nope\`"* && "$output" == *"not found"* ]]
	run "$HULL" pull "127.0.0.1:$P9/nothing/here"
	[ "$status" -eq 1 ]
	[[ "$output" == *"registry 127.0.0.1:$P9"* ]]
	run "$HULL" pull "Bad/Name"
	[ "$status" -eq 1 ]
	[[ "$output" == *"must be lowercase"* ]]
}

@test "every manifest request lists the four manifest media types" {
	start_python regproxy.py $P1 $P0 "$IMG_TMP/accept.log"
	wait_port $P1
	# The registry answers 404 for an OCI manifest without its type in Accept:
	# pulling the OCI image through a logging proxy proves the header.
	run "$HULL" pull "127.0.0.1:$P1/test/none"
	[ "$status" -eq 0 ]
	line=$(grep "GET /v2/test/none/manifests/latest" "$IMG_TMP/accept.log")
	for t in application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.index.v1+json \
		application/vnd.docker.distribution.manifest.v2+json application/vnd.docker.distribution.manifest.list.v2+json; do
		[[ "$line" == *"$t"* ]] || { echo "Accept lacks $t: $line"; return 1; }
	done
}

@test "a dropped connection is resumed with Range within the same pull" {
	export HULL_DATA_ROOT="$IMG_TMP/dropped"
	start_python regproxy.py $P2 $P0 "$IMG_TMP/cut.log" --cut-after 1000000
	wait_port $P2
	run "$HULL" pull --parallel 1 "127.0.0.1:$P2/test/big"
	[ "$status" -eq 0 ]
	grep -q "range=bytes=1000000-" "$IMG_TMP/cut.log"
	cmp "$(layer_file 127.0.0.1:$P2/test/big random.bin)" "$IMG_TMP/big/random.bin"
	store_is_clean
}

@test "a killed pull resumes with Range on the next pull" {
	export HULL_DATA_ROOT="$IMG_TMP/killed"
	start_python regproxy.py $P6 $P0 "$IMG_TMP/slow.log" --slow
	wait_port $P6
	"$HULL" pull -q "127.0.0.1:$P6/test/big" >/dev/null 2>&1 &
	pid=$!
	i=0
	until [ "$(stat -c %s "$HULL_DATA_ROOT"/images/ingest/*.partial 2>/dev/null | sort -n | tail -1)" -gt 500000 ] 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
	done
	kill -9 $pid
	wait $pid || true
	size=$(stat -c %s "$HULL_DATA_ROOT"/images/ingest/*.partial | sort -n | tail -1)
	[ "$size" -gt 0 ]
	run "$HULL" images -q
	[ -z "$output" ]
	run "$HULL" pull "127.0.0.1:$P6/test/big"
	[ "$status" -eq 0 ]
	grep -Eq "range=bytes=[1-9][0-9]*-" "$IMG_TMP/slow.log"
	cmp "$(layer_file 127.0.0.1:$P6/test/big random.bin)" "$IMG_TMP/big/random.bin"
	store_is_clean
}

@test "credentials are not forwarded when the registry redirects blobs" {
	start_python regproxy.py $P3 $P0 "$IMG_TMP/redirect.log" --basic --redirect-blobs
	wait_port $P3
	export HULL_DATA_ROOT="$IMG_TMP/redirect"
	run "$HULL" pull "127.0.0.1:$P3/test/gzip"
	[ "$status" -eq 1 ]
	[[ "$output" == *"requires authentication"*"hull login 127.0.0.1:$P3"* ]]
	run "$HULL" pull --creds hull:secret "127.0.0.1:$P3/test/zstd"
	[ "$status" -eq 0 ]
	grep -q "^GET /v2/test/zstd/manifests/latest .*auth=yes" "$IMG_TMP/redirect.log"
	grep -q "^STORE /store/v2/test/zstd/blobs/" "$IMG_TMP/redirect.log"
	[ -z "$(grep "^STORE" "$IMG_TMP/redirect.log" | grep "auth=yes")" ]
}

@test "concurrent pulls of the same layers both succeed, one copy is kept" {
	export HULL_DATA_ROOT="$IMG_TMP/concurrent"
	"$HULL" pull -q "$REG/test/big" >"$IMG_TMP/c1.out" 2>&1 &
	p1=$!
	"$HULL" pull -q "$REG/test/big" >"$IMG_TMP/c2.out" 2>&1 &
	p2=$!
	wait $p1
	wait $p2
	[ "$(ls "$HULL_DATA_ROOT/images/layers" | wc -l)" -eq 2 ]
	[ "$(ls "$HULL_DATA_ROOT/images/blobs/sha256" | wc -l)" -eq 4 ]
	cmp "$(layer_file "$REG/test/big" random.bin)" "$IMG_TMP/big/random.bin"
	store_is_clean
}

@test "push uploads an image another client can pull" {
	"$HULL" image build-default >/dev/null
	run "$HULL" push busybox "$REG/hull/busybox:offline"
	[ "$status" -eq 0 ]
	run skopeo inspect --tls-verify=false "docker://$REG/hull/busybox:offline"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .Os)" = linux ]
	export HULL_DATA_ROOT="$IMG_TMP/other"
	run "$HULL" pull "$REG/hull/busybox:offline"
	[ "$status" -eq 0 ]
	[ -x "$(layer_file "$REG/hull/busybox:offline" bin/busybox)" ]
}

@test "rmi keeps shared layers until the last image goes; prune and gc free the rest" {
	export HULL_DATA_ROOT="$IMG_TMP/gc"
	"$HULL" pull -q "$REG/test/gzip" >/dev/null
	"$HULL" pull -q "$REG/test/big" >/dev/null
	[ "$(ls "$HULL_DATA_ROOT/images/layers" | wc -l)" -eq 2 ]
	run "$HULL" rmi "$REG/test/big"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Untagged: $REG/test/big:latest"* && "$output" == *"Deleted: sha256:"* ]]
	# The rootA layer is shared with test/gzip: it stays.
	[ "$(ls "$HULL_DATA_ROOT/images/layers" | wc -l)" -eq 1 ]
	f=$(layer_file "$REG/test/gzip" etc/greeting)
	[ -f "$f" ]
	"$HULL" tag "$REG/test/gzip" keep:1
	run "$HULL" rmi "$REG/test/gzip"
	[ "$output" = "Untagged: $REG/test/gzip:latest" ]
	[ -f "$f" ]
	run "$HULL" image prune -a
	[ "$status" -eq 0 ]
	[[ "$output" == *"Total reclaimed space"* ]]
	[ -z "$(ls "$HULL_DATA_ROOT/images/layers")" ]
	[ -z "$(ls "$HULL_DATA_ROOT/images/blobs/sha256")" ]
	run "$HULL" images -q
	[ -z "$output" ]
}
