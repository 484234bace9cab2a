#!/usr/bin/env bats
# Mount destinations are compared cleaned: a bind mount on /dev spelled
# `/dev/`, `//dev` or `/dev/.` is the /dev bind it resolves to, and the
# runtime must not make device nodes in it (they would land in the bind's
# source on the host). Destinations in /proc are refused as runc refuses
# them (only proc on /proc, and lxcfs' files beneath it).

load ../integration/runtime_helpers
load ../integration/engine_helpers

setup_file() {
	runtime_setup_file
	export ENGINE_NET=40
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
	runtime_teardown_file
}

setup() {
	runtime_setup
}

teardown() {
	runtime_teardown
}

@test "runtime: a /dev bind with a non-canonical destination gets no device nodes from hull" {
	config "del(.linux.maskedPaths)" # masking binds /dev/null, which an empty /dev lacks
	for dst in /dev/ //dev /dev/. /./dev//; do
		host=$TMP/hostdev-$RANDOM
		mkdir "$host"
		config ".mounts += [{\"destination\": \"$dst\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\"]}]"
		run_in 'ls /dev'
		echo "$dst: $output"
		[ "$status" -eq 0 ]
		run find "$host" -mindepth 1
		echo "left in the host directory: $output"
		[ -z "$output" ]
		config 'del(.mounts[-1])'
	done
}

@test "engine: -v HOSTDIR:/dev/ gets no device nodes from hull" {
	for dst in /dev/ //dev /dev/.; do
		host=$TMP/enginedev-$RANDOM
		mkdir "$host"
		run "$HULL" run --rm --name sin-dev-$RANDOM --network none -v "$host:$dst" busybox true
		echo "$dst: $output"
		run find "$host" -mindepth 1
		echo "left in the host directory: $output"
		[ -z "$output" ]
	done
}

@test "runtime: mounts inside /proc are refused, naming the field; lxcfs' files are allowed" {
	src=$TMP/procsrc && mkdir "$src"
	for dst in /proc/self /proc/sys /proc/sys/kernel /proc//sysrq-trigger /proc/1/root; do
		config ".mounts += [{\"destination\": \"$dst\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"rbind\"]}]"
		run_in true
		echo "$dst: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"mounts[$(jq '.mounts | length - 1' "$BUNDLE/config.json")].destination: \`$dst\` cannot be mounted because it is inside /proc"* ]]
		config 'del(.mounts[-1])'
	done
	config '.mounts += [{"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}]'
	run_in true
	[ "$status" -ne 0 ]
	[[ "$output" == *"\`/proc\` cannot be mounted because it is not of type proc"* ]]
	config 'del(.mounts[-1])'
	echo "MemTotal: 4 kB" >"$TMP/meminfo"
	config ".mounts += [{\"destination\": \"/proc/meminfo\", \"type\": \"bind\", \"source\": \"$TMP/meminfo\", \"options\": [\"bind\"]}]"
	run_in 'cat /proc/meminfo'
	[ "$status" -eq 0 ]
	[ "$output" = "MemTotal: 4 kB" ]
}

@test "engine: -v, --mount and --tmpfs inside /proc are refused at create" {
	src=$TMP/eprocsrc && mkdir "$src"
	for flag in "-v $src:/proc/self" "-v $src:/proc" "-v $src:/proc/sys/" "--mount type=bind,src=$src,dst=/proc/self" \
		"--mount type=volume,dst=/proc/x" "--tmpfs /proc/sys" "-v /proc/self/net"; do
		run "$HULL" create --name sin-proc-$RANDOM $flag busybox true
		echo "$flag: $output"
		[ "$status" -eq 125 ]
		[[ "$output" == *"cannot be mounted because it is "* ]]
	done
	[ -z "$(ls -A "$src")" ]
}
