#!/usr/bin/env bats
# `hull load` of hostile archives: the files the archive's JSON names are
# resolved inside the archive, must be regular files and are capped in size
# (the JSON at 4 MiB, a blob at its descriptor's size). The errors name the
# member, never what a link points at nor what it holds.

setup_file() {
	export SIN_TMP="$BATS_FILE_TMPDIR"
	# a small store: a loader that copies a device node fills this, not the disk
	mkdir -p "$SIN_TMP/store"
	mount -t tmpfs -o size=64m sin-load "$SIN_TMP/store"
	export HULL_DATA_ROOT="$SIN_TMP/store/data"
	export SRC_ROOT="$SIN_TMP/src"
	HULL_DATA_ROOT=$SRC_ROOT "$HULL" image build-default >/dev/null
	HULL_DATA_ROOT=$SRC_ROOT "$HULL" save --format oci-dir -o "$SIN_TMP/good-oci" busybox
	printf 'SIN-SECRET-TOKEN rest of the secret\n' >"$SIN_TMP/secret"
}

teardown_file() {
	umount "$SIN_TMP/store" 2>/dev/null || true
}

# mktar OUT SPEC...: a tar from python: SPEC is NAME=file:CONTENT,
# NAME=link:TARGET, NAME=chr:MAJOR:MINOR or NAME=fifo.
mktar() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w") as t:
    for spec in specs:
        name, _, what = spec.partition("=")
        kind, _, arg = what.partition(":")
        ti = tarfile.TarInfo(name)
        data = None
        if kind == "file":
            data = arg.encode()
            ti.size = len(data)
        elif kind == "link":
            ti.type, ti.linkname = tarfile.SYMTYPE, arg
        elif kind == "chr":
            ti.type = tarfile.CHRTYPE
            ti.devmajor, ti.devminor = map(int, arg.split(":"))
        elif kind == "fifo":
            ti.type = tarfile.FIFOTYPE
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
PY
}

# load_bounded TAR: hull load under a 20 s timeout and a 2 GB address space,
# so that a loader that follows the archive out of itself fails here
# instead of hanging or eating the machine's memory.
load_bounded() {
	run bash -c 'ulimit -v 2000000; exec timeout 20 "$HULL" load -i "$1" 2>&1' _ "$1"
	echo "$output"
}

@test "load: manifest.json linked to a file outside the archive is not read, and not echoed" {
	mktar "$SIN_TMP/abs.tar" "manifest.json=link:$SIN_TMP/secret"
	load_bounded "$SIN_TMP/abs.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *manifest.json* ]]
	[[ "$output" != *SIN-SECRET* ]]
	mktar "$SIN_TMP/rel.tar" "manifest.json=link:../../../../../../../../$SIN_TMP/secret"
	load_bounded "$SIN_TMP/rel.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *manifest.json* ]]
	[[ "$output" != *SIN-SECRET* ]]
	mktar "$SIN_TMP/shadow.tar" "index.json=link:/etc/shadow"
	load_bounded "$SIN_TMP/shadow.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *index.json* ]]
	[[ "$output" != *root* ]]
}

@test "load: manifest.json that is /dev/zero (link or device node) is refused, not read until memory runs out" {
	mktar "$SIN_TMP/zero-link.tar" "manifest.json=link:/dev/zero"
	load_bounded "$SIN_TMP/zero-link.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *manifest.json* ]]
	mktar "$SIN_TMP/zero-node.tar" "manifest.json=chr:1:5"
	load_bounded "$SIN_TMP/zero-node.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"\`manifest.json\` is a character device"* ]]
}

@test "load: index.json that is a FIFO is refused at once, not waited on" {
	mktar "$SIN_TMP/fifo.tar" "index.json=fifo"
	load_bounded "$SIN_TMP/fifo.tar"
	[ "$status" -ne 124 ]
	[ "$status" -ne 0 ]
	[[ "$output" == *"\`index.json\` is a FIFO"* ]]
}

@test "load: manifest.json larger than 4 MiB is refused" {
	python3 -c 'import sys; sys.stdout.write("[" + " " * (5 << 20) + "]")' >"$SIN_TMP/big.json"
	(cd "$SIN_TMP" && tar cf big.tar --transform 's/big.json/manifest.json/' big.json)
	load_bounded "$SIN_TMP/big.tar"
	[ "$status" -ne 0 ]
	[[ "$output" == *"\`manifest.json\` is 5242882 bytes, more than the 4194304 allowed"* ]]
}

@test "load: a docker-archive layer or config that is a device node is refused, the store stays small" {
	mktar "$SIN_TMP/dev-layer.tar" 'manifest.json=file:[{"Config":"c.json","RepoTags":["sin-x:1"],"Layers":["l.tar"]}]' \
		'c.json=file:{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}' \
		"l.tar=chr:1:5"
	load_bounded "$SIN_TMP/dev-layer.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"\`l.tar\` is a character device"* ]]
	[ "$(du -sm "$SIN_TMP/store" | cut -f1)" -lt 8 ]
	mktar "$SIN_TMP/dev-config.tar" 'manifest.json=file:[{"Config":"c.json","Layers":[]}]' "c.json=chr:1:5"
	load_bounded "$SIN_TMP/dev-config.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"\`c.json\` is a character device"* ]]
}

@test "load: an OCI blob that is a device node is refused, the store stays small" {
	rm -rf "$SIN_TMP/zoci" && cp -a "$SIN_TMP/good-oci" "$SIN_TMP/zoci"
	m=$(jq -r '.manifests[0].digest' "$SIN_TMP/zoci/index.json")
	l=$(jq -r '.layers[0].digest' "$SIN_TMP/zoci/blobs/sha256/${m#sha256:}")
	rm "$SIN_TMP/zoci/blobs/sha256/${l#sha256:}"
	mknod "$SIN_TMP/zoci/blobs/sha256/${l#sha256:}" c 1 5
	tar cf "$SIN_TMP/zoci.tar" -C "$SIN_TMP/zoci" .
	load_bounded "$SIN_TMP/zoci.tar"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"blobs/sha256/${l#sha256:}\` is a character device"* ]]
	[ "$(du -sm "$SIN_TMP/store" | cut -f1)" -lt 8 ]
	# the same as a layout directory
	load_bounded "$SIN_TMP/zoci"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"is a character device"* ]]
}

@test "load: an OCI descriptor whose size differs from its blob is refused" {
	# index.json says the manifest is one byte longer than it is
	rm -rf "$SIN_TMP/soci" && cp -a "$SIN_TMP/good-oci" "$SIN_TMP/soci"
	jq -c '.manifests[0].size += 1' "$SIN_TMP/soci/index.json" >"$SIN_TMP/i" && mv "$SIN_TMP/i" "$SIN_TMP/soci/index.json"
	run "$HULL" load -i "$SIN_TMP/soci"
	[ "$status" -ne 0 ]
	[[ "$output" == *"its descriptor says"* ]]
	# the manifest says a layer is one byte shorter than it is (manifest re-hashed)
	rm -rf "$SIN_TMP/loci" && cp -a "$SIN_TMP/good-oci" "$SIN_TMP/loci"
	python3 - "$SIN_TMP/loci" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
ix = json.load(open(f"{d}/index.json"))
old = ix["manifests"][0]["digest"].split(":")[1]
m = json.load(open(f"{d}/blobs/sha256/{old}"))
m["layers"][0]["size"] -= 1
body = json.dumps(m).encode()
new = hashlib.sha256(body).hexdigest()
open(f"{d}/blobs/sha256/{new}", "wb").write(body)
ix["manifests"][0].update(digest="sha256:" + new, size=len(body))
json.dump(ix, open(f"{d}/index.json", "w"))
PY
	run "$HULL" load -i "$SIN_TMP/loci"
	[ "$status" -ne 0 ]
	[[ "$output" == *"its descriptor says"* ]]
	# the untouched layout still loads
	run "$HULL" load -i "$SIN_TMP/good-oci"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image"* ]]
}

@test "import: a device is refused, not copied into the store until the disk is full" {
	run bash -c 'exec timeout 20 "$HULL" import /dev/zero sin-zero:1 2>&1'
	echo "$output"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"\`/dev/zero\` is a device; import a tar file"* ]]
	[ "$(du -sm "$SIN_TMP/store" | cut -f1)" -lt 8 ]
}
