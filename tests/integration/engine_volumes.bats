#!/usr/bin/env bats
# Volumes: named, anonymous, bind; data outlives containers; in-use refusal.

load engine_helpers

setup_file() {
	export ENGINE_NET=12
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "a file written to -v data:/data is there in a new container after the first is removed" {
	"$HULL" run --name eng-writer -v eng-data:/data busybox sh -c 'echo kept >/data/file'
	"$HULL" rm eng-writer
	run "$HULL" run --rm -v eng-data:/data busybox cat /data/file
	[ "$status" -eq 0 ]
	[ "$output" = kept ] || [[ "$output" == *$'\nkept' ]]
	[ -f "$HULL_DATA_ROOT/volumes/eng-data/_data/file" ]
}

@test "volume rm while in use is refused, then works once the container is gone" {
	"$HULL" run -d --name eng-user -v eng-busy:/data busybox sleep 30 >/dev/null
	run "$HULL" volume rm eng-busy
	[ "$status" -ne 0 ]
	[[ "$output" == *"volume is in use"* ]]
	[ -d "$HULL_DATA_ROOT/volumes/eng-busy/_data" ]
	"$HULL" rm -f eng-user
	run "$HULL" volume rm eng-busy
	[ "$status" -eq 0 ]
	[ ! -d "$HULL_DATA_ROOT/volumes/eng-busy" ]
}

@test "a stopped container still holds its volume, as docker's" {
	"$HULL" run --name eng-stopped -v eng-held:/data busybox true
	run "$HULL" volume rm eng-held
	[ "$status" -ne 0 ]
	"$HULL" rm eng-stopped
	"$HULL" volume rm eng-held
}

@test "a new volume is filled from the image's content at its mount point" {
	run "$HULL" run --rm -v eng-etc:/etc busybox cat /etc/passwd
	[[ "$output" == *root:* ]]
	[ -f "$HULL_DATA_ROOT/volumes/eng-etc/_data/passwd" ]
	# nocopy: left empty
	run "$HULL" run --rm -v eng-empty:/etc:nocopy busybox ls /etc
	[ -z "$output" ] || [[ "$output" != *passwd* ]]
}

@test "bind mounts, read-only ones refuse writes" {
	dir=$(mktemp -d)
	echo from-host >"$dir/in"
	run "$HULL" run --rm -v "$dir:/host" busybox sh -c 'cat /host/in; echo from-ctr >/host/out'
	[[ "$output" == *from-host* ]]
	[ "$(cat "$dir/out")" = from-ctr ]
	run "$HULL" run --rm --mount "type=bind,source=$dir,target=/host,readonly" busybox sh -c 'echo x >/host/y'
	[ "$status" -ne 0 ]
	[ ! -e "$dir/y" ]
	run "$HULL" run --rm --mount "type=bind,source=$dir/missing,target=/m" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *missing* ]]
	rm -rf "$dir"
}

@test "volume create, ls, inspect, prune; rm -v takes anonymous volumes" {
	run "$HULL" volume create --label team=eng eng-made
	[ "$output" = eng-made ]
	run "$HULL" volume ls
	[[ "$output" == *"local     eng-made"* ]]
	run "$HULL" volume inspect eng-made
	[[ "$output" == *'"Mountpoint": "'"$HULL_DATA_ROOT"'/volumes/eng-made/_data"'* ]]
	[[ "$output" == *'"team": "eng"'* ]]
	"$HULL" run --name eng-anon -v /anon busybox true
	anon=$("$HULL" inspect -f '{{json .Mounts}}' eng-anon | grep -o '"Name":"[0-9a-f]*"' | cut -d'"' -f4)
	[ -n "$anon" ]
	[ -d "$HULL_DATA_ROOT/volumes/$anon" ]
	"$HULL" rm -v eng-anon
	[ ! -d "$HULL_DATA_ROOT/volumes/$anon" ]
	run "$HULL" volume prune -f -a
	[[ "$output" == *eng-made* ]]
	run "$HULL" volume inspect eng-made
	[ "$status" -ne 0 ]
}

@test "volume and network ls take -q and --format json; inspect prints what it finds and fails for the rest" {
	"$HULL" volume create eng-listed >/dev/null
	for what in volume network; do
		run "$HULL" $what ls --format table
		[ "$status" -eq 1 ]
		[[ "$output" == *"$what ls: --format: only \`json\` is known, not \`table\`"* ]]
		run "$HULL" $what ls extra
		[ "$status" -eq 1 ]
		[[ "$output" == *"accepts no arguments"* ]]
	done
	run "$HULL" volume ls -q
	[ "$output" = eng-listed ]
	run "$HULL" volume ls --format=json
	[ "$(jq -r .Name <<<"$output")" = eng-listed ]
	run "$HULL" network ls --format json
	[ "$(jq -r .Name <<<"$output")" = bridge ]
	run "$HULL" volume inspect eng-listed eng-missing
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such volume: eng-missing"* ]]
	[[ "$output" == *'"Name": "eng-listed"'* ]]
	run "$HULL" network inspect eng-missing
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "[]" ]
	"$HULL" volume rm eng-listed
}
