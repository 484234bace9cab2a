#!/usr/bin/env bats
# run --init: hull-init (static, bind-mounted at /run/hull-init) is PID 1,
# forwards signals to the command, reaps orphans, passes the exit code.
# Names prefixed dx-.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=183
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "--init: PID 1 is hull-init, the command its child; inspect says HostConfig.Init" {
	run "$HULL" run --name dx-init-ps --init busybox ps -o pid,ppid,args
	[ "$status" -eq 0 ]
	[[ "$output" == *"    1     0 /run/hull-init -- ps -o pid,ppid,args"* ]]
	[[ "$output" == *"    2     1 ps -o pid,ppid,args"* ]]
	[ "$("$HULL" inspect -f '{{.HostConfig.Init}}' dx-init-ps)" = true ]
	# the record keeps the user's command, as docker's inspect does
	[ "$("$HULL" inspect -f '{{.Path}}' dx-init-ps)" = ps ]
	"$HULL" rm dx-init-ps
	# without --init the command is PID 1 and Init is false
	run "$HULL" run --name dx-noinit busybox ps -o pid,args
	[[ "$output" == *"    1 ps -o pid,args"* ]]
	[ "$("$HULL" inspect -f '{{.HostConfig.Init}}' dx-noinit)" = false ]
	"$HULL" rm dx-noinit
}

@test "--init: the exit code and a killing signal pass through; a missing command is 127" {
	run "$HULL" run --rm --init busybox sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$HULL" run --rm --init busybox sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run -127 "$HULL" run --rm --init busybox no-such-command
	[ "$status" -eq 127 ]
	[[ "$output" == *"hull-init: exec no-such-command: No such file or directory"* ]]
}

@test "--init: stop forwards SIGTERM to a sleep (exit 143), without it sleep waits for SIGKILL (137)" {
	"$HULL" run -d --init --name dx-init-sleep busybox sleep 600 >/dev/null
	"$HULL" stop -t 20 dx-init-sleep
	# 143 = 128 + SIGTERM: the signal reached sleep, no SIGKILL was needed
	[ "$("$HULL" inspect -f '{{.State.ExitCode}}' dx-init-sleep)" = 143 ]
	"$HULL" rm dx-init-sleep
	"$HULL" run -d --name dx-bare-sleep busybox sleep 600 >/dev/null
	"$HULL" stop -t 1 dx-bare-sleep
	[ "$("$HULL" inspect -f '{{.State.ExitCode}}' dx-bare-sleep)" = 137 ]
	"$HULL" rm dx-bare-sleep
}

@test "--init: orphans re-parented to PID 1 are reaped (no zombie), with a read-only rootfs too" {
	# the subshell exits at once; its sleep is re-parented to PID 1 and
	# exits 0.1 s later: a PID 1 that does not wait() leaves it a zombie
	run "$HULL" run --rm --init --read-only busybox sh -c '(sleep 0.1 &); sleep 0.6; ps -o pid,ppid,stat,comm'
	[ "$status" -eq 0 ]
	[[ "$output" == *"hull-init"* ]]
	[[ "$output" != *" Z "* ]]
	[[ "$output" != *sleep* ]]
	# the control: the orphan is really made and re-parented to PID 1
	run "$HULL" run --rm --init busybox sh -c '(sleep 2 &); sleep 0.3; ps -o ppid,comm'
	[[ "$output" == *"    1 sleep"* ]]
}

@test "--init: an image of one static binary (no /run, no /sbin, no libc) runs under hull-init" {
	dir=$(mktemp -d)
	mkdir "$dir/rootfs"
	cp /bin/busybox "$dir/rootfs/busybox" # busybox-static: the image's only file
	tar -C "$dir/rootfs" -cf "$dir/scratch.tar" .
	"$HULL" import "$dir/scratch.tar" dx-scratch:1 >/dev/null
	rm -rf "$dir"
	run "$HULL" run --rm --init dx-scratch:1 /busybox ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "$output" == *"    1 /run/hull-init -- /busybox ps -o pid,args"* ]]
	run "$HULL" run --rm --init dx-scratch:1 /busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "--init: a clear error, nothing created, when hull-init is missing" {
	dir=$(mktemp -d)
	cp "$HULL" "$dir/hull"
	run env -u HULL_INIT_PATH "$dir/hull" run --rm --init --name dx-noinit-bin busybox true
	rm -rf "$dir"
	[ "$status" -eq 125 ]
	[[ "$output" == *"hull-init not found"* ]]
	[[ "$output" == *"HULL_INIT_PATH"* ]]
	run "$HULL" inspect dx-noinit-bin
	[ "$status" -ne 0 ]
	run env HULL_INIT_PATH=/nonexistent "$HULL" run --rm --init busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"HULL_INIT_PATH \`/nonexistent\` is not an executable file"* ]]
}
