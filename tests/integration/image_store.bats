#!/usr/bin/env bats
# The store without a registry: the offline busybox image, import, tags,
# rmi, inspect, save/load round trips (also through skopeo and podman).

load image/helpers

setup_file() {
	image_setup_file
}

teardown_file() {
	image_teardown_file
}

@test "build-default makes busybox:latest from busybox-static, reproducibly" {
	run "$HULL" image build-default
	[ "$status" -eq 0 ]
	id=$output
	[[ "$id" == sha256:* ]]
	run "$HULL" image build-default
	[ "$output" = "$id" ]
	run "$HULL" image inspect busybox
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = busybox:latest ]
	[ "$(echo "$output" | jq -r '.[0].Config.Cmd[0]')" = sh ]
	L=$(echo "$output" | jq -r '.[0].LayerDirs[0]')
	[ "$(stat -c %a "$L/tmp")" = 1777 ]
	grep -q '^root:x:0:0:' "$L/etc/passwd"
	grep -q '^nobody:x:65534:65534:' "$L/etc/passwd"
	grep -q '^root:x:0:' "$L/etc/group"
	[ "$(readlink "$L/bin/sh")" = /bin/busybox ]
	# the layer runs: chroot into it
	run chroot "$L" /bin/sh -c 'echo hello from $(id -un)'
	[ "$output" = "hello from root" ]
}

@test "docker's short names resolve to the same image" {
	for n in busybox busybox:latest docker.io/library/busybox docker.io/library/busybox:latest; do
		run "$HULL" image inspect "$n"
		[ "$status" -eq 0 ]
	done
	id=$("$HULL" image inspect busybox | jq -r '.[0].Id')
	run "$HULL" image inspect "${id:7:12}"
	[ "$status" -eq 0 ]
}

@test "import makes an image from a rootfs tar (plain, gzip, stdin)" {
	make_rootfs "$IMG_TMP/root"
	tar -C "$IMG_TMP/root" -cf "$IMG_TMP/root.tar" .
	tar -C "$IMG_TMP/root" -czf "$IMG_TMP/root.tgz" .
	run "$HULL" import "$IMG_TMP/root.tar" mine:plain
	[ "$status" -eq 0 ]
	run "$HULL" import --cmd /bin/hi "$IMG_TMP/root.tgz" mine:gz
	[ "$status" -eq 0 ]
	run sh -c "'$HULL' import - mine:stdin <'$IMG_TMP/root.tar'"
	[ "$status" -eq 0 ]
	run "$HULL" image inspect mine:gz
	[ "$(echo "$output" | jq -r '.[0].Config.Cmd[0]')" = /bin/hi ]
	L=$(echo "$output" | jq -r '.[0].LayerDirs[0]')
	[ "$(cat "$L/etc/greeting")" = "hello from root" ]
	# same content, one layer on disk
	a=$("$HULL" image inspect mine:plain | jq -r '.[0].RootFS.Layers[0]')
	b=$("$HULL" image inspect mine:stdin | jq -r '.[0].RootFS.Layers[0]')
	[ "$a" = "$b" ]
	run "$HULL" images mine
	[ "${#lines[@]}" -eq 4 ]
}

@test "import of something that is not a tar fails cleanly" {
	echo "not a tar" >"$IMG_TMP/junk"
	run "$HULL" import "$IMG_TMP/junk" junk
	[ "$status" -eq 1 ]
	[[ "$output" == *"import \`$IMG_TMP/junk\`"* ]]
	run "$HULL" import /nonexistent.tar x
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent.tar"*"No such file"* ]]
	run "$HULL" images -q junk
	[ -z "$output" ]
	store_is_clean
}

@test "unknown images say how to get them" {
	run "$HULL" image inspect nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"image \`nosuch\` not found locally; pull it with \`hull pull nosuch\`"* ]]
	run "$HULL" rmi nosuch
	[ "$status" -eq 1 ]
}

@test "tag and rmi: names go first, the image with its last name" {
	"$HULL" tag busybox other/name:v1
	run "$HULL" rmi busybox:latest
	[ "$output" = "Untagged: busybox:latest" ]
	id=$("$HULL" image inspect other/name:v1 | jq -r '.[0].Id')
	"$HULL" tag other/name:v1 third
	run "$HULL" rmi "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"referenced by several names"* ]]
	run "$HULL" rmi -f "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted: $id"* ]]
	run "$HULL" image inspect third
	[ "$status" -eq 1 ]
}

@test "save and load round trip: docker-archive, oci-archive, oci-dir" {
	"$HULL" image build-default >/dev/null
	id=$("$HULL" image inspect busybox | jq -r '.[0].Id')
	"$HULL" save -o "$IMG_TMP/d.tar" busybox
	"$HULL" save --format oci-archive -o "$IMG_TMP/o.tar" busybox
	"$HULL" save --format oci-dir -o "$IMG_TMP/odir" busybox
	tar tf "$IMG_TMP/d.tar" | grep -qx manifest.json
	tar tf "$IMG_TMP/o.tar" | grep -qx index.json
	for src in "$IMG_TMP/d.tar" "$IMG_TMP/o.tar" "$IMG_TMP/odir"; do
		export HULL_DATA_ROOT="$IMG_TMP/load-$(basename "$src")"
		run "$HULL" load -i "$src"
		[ "$status" -eq 0 ]
		[ "$output" = "Loaded image: busybox:latest" ]
		[ "$("$HULL" image inspect busybox | jq -r '.[0].Id')" = "$id" ]
	done
}

@test "saved archives are read by skopeo, umoci and podman" {
	"$HULL" save -o "$IMG_TMP/d2.tar" busybox
	"$HULL" save --format oci-archive -o "$IMG_TMP/o2.tar" busybox
	run skopeo inspect "docker-archive:$IMG_TMP/d2.tar"
	[ "$status" -eq 0 ]
	run skopeo inspect "oci-archive:$IMG_TMP/o2.tar"
	[ "$status" -eq 0 ]
	"$HULL" save --format oci-dir -o "$IMG_TMP/odir2" busybox
	run umoci unpack --image "$IMG_TMP/odir2:latest" "$IMG_TMP/umoci-bundle"
	[ "$status" -eq 0 ]
	[ -x "$IMG_TMP/umoci-bundle/rootfs/bin/busybox" ]
	# podman's storage keeps a mount: it lives outside the bats temp dir.
	export PEER_DIR=/tmp/hull-peers-image-tests
	. "$BATS_TEST_DIRNAME/../lib/podman-env"
	run podman load -i "$IMG_TMP/d2.tar"
	[ "$status" -eq 0 ]
	run podman --runtime runc run --rm docker.io/library/busybox:latest echo from-podman
	podman rmi -a -f >/dev/null 2>&1
	[[ "$output" == *from-podman* ]]
}

@test "a docker-archive written by skopeo loads" {
	mkdir -p "$IMG_TMP/sk"
	skopeo copy -q "oci:$IMG_TMP/odir:latest" "docker-archive:$IMG_TMP/sk/x.tar:example.com/sk/img:2" 2>/dev/null ||
		skopeo copy -q "oci-archive:$IMG_TMP/o.tar" "docker-archive:$IMG_TMP/sk/x.tar:example.com/sk/img:2"
	export HULL_DATA_ROOT="$IMG_TMP/load-skopeo"
	run "$HULL" load -i "$IMG_TMP/sk/x.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: example.com/sk/img:2" ]
	L=$("$HULL" image inspect example.com/sk/img:2 | jq -r '.[0].LayerDirs[0]')
	[ -x "$L/bin/busybox" ]
}

@test "prune removes dangling images and unreferenced layers" {
	export HULL_DATA_ROOT="$IMG_TMP/prune"
	make_rootfs "$IMG_TMP/root2"
	tar -C "$IMG_TMP/root2" -cf "$IMG_TMP/root2.tar" .
	"$HULL" import "$IMG_TMP/root2.tar" >/dev/null
	"$HULL" image build-default >/dev/null
	[ "$(ls "$HULL_DATA_ROOT/images/layers" | wc -l)" -eq 2 ]
	run "$HULL" image prune
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted: sha256:"* ]]
	[ "$(ls "$HULL_DATA_ROOT/images/layers" | wc -l)" -eq 1 ]
	run "$HULL" image inspect busybox
	[ "$status" -eq 0 ]
}

@test "after a reboot, layers that were never synced are dropped, damaged blobs too" {
	export HULL_DATA_ROOT="$IMG_TMP/reboot"
	"$HULL" image build-default >/dev/null
	boot=$(cat /proc/sys/kernel/random/boot_id)
	U="$HULL_DATA_ROOT/images/unsynced"
	[ -n "$(ls "$U/$boot")" ]
	layer=$(ls "$U/$boot" | grep '^layer-' | head -1)
	blob=$(ls "$U/$boot" | grep '^blob-' | head -1)
	# pretend the markers were written in an earlier boot, and the crash hit one blob
	mv "$U/$boot" "$U/00000000-0000-0000-0000-000000000000"
	printf 'XX' | dd of="$HULL_DATA_ROOT/images/blobs/sha256/${blob#blob-}" bs=1 seek=10 conv=notrunc 2>/dev/null
	run "$HULL" image inspect busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"layer sha256:${layer#layer-} was unpacked before a reboot and never synced: removed"* ]]
	[[ "$output" == *"is missing from the store; pull the image again"* ]] || [[ "$output" == *"not found"* ]]
	[ ! -e "$HULL_DATA_ROOT/images/layers/${layer#layer-}" ]
	[ ! -e "$HULL_DATA_ROOT/images/blobs/sha256/${blob#blob-}" ]
	[ ! -e "$U/00000000-0000-0000-0000-000000000000" ]
	# the recipe runs again and repairs the image
	"$HULL" image build-default >/dev/null
	run "$HULL" image inspect busybox
	[ "$status" -eq 0 ]
	# gc syncs and forgets this boot's markers
	"$HULL" image prune >/dev/null
	[ -z "$(ls "$U")" ]
}

@test "--format templates as docker's: images and image inspect" {
	export HULL_DATA_ROOT="$IMG_TMP/format"
	"$HULL" image build-default >/dev/null
	id=$("$HULL" image inspect --format '{{.Id}}' busybox)
	[[ "$id" == sha256:* ]]
	run "$HULL" image inspect --format '{{.Config.Cmd}} {{json .Config.Cmd}} {{.Os}}/{{.Architecture}}' busybox
	[ "$output" = '[sh] ["sh"] linux/amd64' ]
	run "$HULL" images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$output" = "busybox:latest ${id:7:12}" ]
	run "$HULL" images --format '{{nonsense}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"only {{.Field}} and {{json .Field}}"* ]]
}

@test "images --filter dangling=true lists untagged images for rmi" {
	export HULL_DATA_ROOT="$IMG_TMP/dangling"
	"$HULL" image build-default >/dev/null
	make_rootfs "$IMG_TMP/root3"
	tar -C "$IMG_TMP/root3" -cf "$IMG_TMP/root3.tar" .
	untagged=$("$HULL" import "$IMG_TMP/root3.tar")
	run "$HULL" images -f dangling=true -q
	[ "$output" = "${untagged:7:12}" ]
	run "$HULL" images -f dangling=false -q
	[ "$output" = "$("$HULL" image inspect --format '{{.Id}}' busybox | cut -c8-19)" ]
	run "$HULL" rmi $("$HULL" images -f dangling=true -q)
	[ "$status" -eq 0 ]
	[ -z "$("$HULL" images -f dangling=true -q)" ]
}

@test "build-default refuses a busybox that would not run alone" {
	export HULL_DATA_ROOT="$IMG_TMP/notstatic"
	run "$HULL" image build-default --busybox /bin/ls
	[ "$status" -eq 1 ]
	[[ "$output" == *"is dynamically linked"*"install busybox-static"* ]]
	run "$HULL" image build-default --busybox /nonexistent
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent"*"install Debian's busybox-static"* ]]
	run "$HULL" images -q
	[ -z "$output" ]
	store_is_clean
}

@test "load follows links inside an archive, never out of it" {
	export HULL_DATA_ROOT="$IMG_TMP/links"
	"$HULL" image build-default >/dev/null
	"$HULL" save -o "$IMG_TMP/l.tar" busybox
	mkdir -p "$IMG_TMP/l/x"
	tar -C "$IMG_TMP/l" -xf "$IMG_TMP/l.tar"
	layer=$(jq -r '.[0].Layers[0]' "$IMG_TMP/l/manifest.json")
	ln -s "../$layer" "$IMG_TMP/l/x/layer.tar"
	jq '.[0].Layers = ["x/layer.tar"] | .[0].RepoTags = ["linked:1"]' "$IMG_TMP/l/manifest.json" >"$IMG_TMP/m.json"
	mv "$IMG_TMP/m.json" "$IMG_TMP/l/manifest.json"
	rm "$IMG_TMP/l/index.json"
	tar -C "$IMG_TMP/l" -cf "$IMG_TMP/linked.tar" .
	run "$HULL" load -i "$IMG_TMP/linked.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: linked:1" ]
	ln -sf /etc/hostname "$IMG_TMP/l/x/layer.tar"
	tar -C "$IMG_TMP/l" -cf "$IMG_TMP/escape.tar" .
	run "$HULL" load -i "$IMG_TMP/escape.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"x/layer.tar"*"No such file"* ]]
	store_is_clean
}
