# helpers.bash - registries, servers and fixtures for the image tests.
# Everything lives under $IMG_TMP and is stopped by image_teardown.

IMG_DIR="$HULL_TOP/tests/integration/image"

image_setup_file() {
	export IMG_TMP="$BATS_FILE_TMPDIR"
	export HULL_DATA_ROOT="$IMG_TMP/data"
	mkdir -p "$HULL_DATA_ROOT"
	: >"$IMG_TMP/pids"
}

image_teardown_file() {
	while read -r pid; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
	done <"$IMG_TMP/pids"
	while read -r pid; do
		[ -n "$pid" ] && wait_gone "$pid"
	done <"$IMG_TMP/pids"
}

wait_gone() {
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null || true
}

# port_free PORT: fail loudly when something (a leftover) already listens.
port_free() {
	if curl -sk -o /dev/null "http://127.0.0.1:$1/" || curl -sk -o /dev/null "https://127.0.0.1:$1/"; then
		echo "port $1 is already in use" >&2
		return 1
	fi
}

wait_port() { # PORT [https]
	local i=0 scheme=${2:-http}
	until curl -sk -o /dev/null "$scheme://127.0.0.1:$1/"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "nothing answers on port $1" >&2; return 1; }
		sleep 0.1
	done
}

# claim_block: choose a free, aligned block of ten ports in 5110-5199 and
# export P0..P9. A block is taken when its first port is bound, so the
# caller starts a server on $P0 before release_block. Concurrent runs of
# these tests (two checkouts) then never share ports.
claim_block() {
	exec 9>/tmp/hull-image-tests-ports.lock
	flock 9
	local base
	for base in 5110 5120 5130 5140 5150 5160 5170 5180 5190; do
		if port_free "$base" 2>/dev/null; then
			local i
			for i in 0 1 2 3 4 5 6 7 8 9; do export "P$i=$((base + i))"; done
			return 0
		fi
	done
	echo "no free block of ports in 5110-5199" >&2
	return 1
}

release_block() {
	flock -u 9
	exec 9>&-
}

# start_registry PORT [EXTRA_YAML]: docker-registry on 127.0.0.1:PORT.
start_registry() {
	local port=$1 extra=${2:-} dir="$IMG_TMP/registry-$1" scheme=http
	port_free "$port" || return 1
	mkdir -p "$dir/data"
	cat >"$dir/config.yml" <<EOC
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$extra
EOC
	case $extra in *tls:*) scheme=https ;; esac
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	echo $! >>"$IMG_TMP/pids"
	wait_port "$port" "$scheme"
}

# make_cert NAME: a self-signed certificate for 127.0.0.1 in $IMG_TMP/NAME.{crt,key}.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$IMG_TMP/$1.key" -out "$IMG_TMP/$1.crt" 2>/dev/null
}

start_python() { # SCRIPT PORT ARGS...
	port_free "$2" || return 1
	python3 "$IMG_DIR/$1" "${@:2}" >>"$IMG_TMP/python.log" 2>&1 &
	echo $! >>"$IMG_TMP/pids"
}

# make_rootfs DIR: a small tree with a known file.
make_rootfs() {
	mkdir -p "$1/etc" "$1/bin"
	echo "hello from $(basename "$1")" >"$1/etc/greeting"
	printf '#!/bin/sh\necho hi\n' >"$1/bin/hi"
	chmod 755 "$1/bin/hi"
}

# push_layout OCI_DIR REF [skopeo args]: copy an OCI layout to a registry.
push_layout() {
	skopeo copy -q --dest-tls-verify=false "${@:3}" "oci:$1:latest" "docker://$2"
}

mkoci() {
	python3 "$IMG_DIR/mkoci.py" "$@"
}

# registry_blob PORT REPO_ROOT DIGEST: the file a registry stores a blob in.
registry_blob() {
	local hex=${3#sha256:}
	echo "$IMG_TMP/registry-$1/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# store_is_clean: no temp files, no partial downloads left in the store.
store_is_clean() {
	local left
	left=$(find "$HULL_DATA_ROOT/images/tmp" "$HULL_DATA_ROOT/images/ingest" -mindepth 1 2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}
