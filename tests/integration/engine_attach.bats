#!/usr/bin/env bats
# hull attach: a running detached container's output from now on, our
# input to its stdin or pty, ctrl-p ctrl-q to detach, its exit status.
# Names prefixed dx-.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=185
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# wait_for FILE TEXT: up to 5 s for TEXT to show up in FILE
wait_for() {
	for _ in $(seq 50); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no '$2' in $1:" && cat "$1"
	return 1
}

@test "attach to a detached -i cat: a line sent comes back; detach leaves it running; a second attach sees only new output" {
	"$HULL" run -d -i --name dx-cat busybox cat >/dev/null
	mkfifo "$BATS_TEST_TMPDIR/in"
	# timeout: a client that did not detach fails the test instead of hanging it
	timeout -k 1 10 "$HULL" attach --sig-proxy=false dx-cat <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	client=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	echo hello-attach >&7
	wait_for "$BATS_TEST_TMPDIR/out" hello-attach
	# ctrl-p ctrl-q: the client leaves with 0, the container runs on
	printf '\020\021' >&7
	rc=0
	wait "$client" || rc=$?
	[ "$rc" -eq 0 ]
	exec 7>&-
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-cat)" = running ]
	# the line reached cat's stdin once, and its output the log
	[ "$("$HULL" logs dx-cat)" = hello-attach ]
	# a second attach: the container's stdin is still open, no replay of old output
	(echo second-line; sleep 1) | timeout -k 1 5 "$HULL" attach --sig-proxy=false dx-cat >"$BATS_TEST_TMPDIR/out2" &
	wait_for "$BATS_TEST_TMPDIR/out2" second-line
	run ! grep -q hello-attach "$BATS_TEST_TMPDIR/out2"
	"$HULL" rm -f dx-cat
}

@test "attach --no-stdin to a counter sees new lines only; the container keeps running when the client goes" {
	"$HULL" run -d --name dx-count busybox sh -c 'i=0; while :; do echo n$i; i=$((i+1)); sleep 0.1; done' >/dev/null
	for _ in $(seq 50); do "$HULL" logs dx-count | grep -q '^n3$' && break; sleep 0.1; done
	before=$("$HULL" logs dx-count | tail -1)
	run timeout -k 1 2 "$HULL" attach --no-stdin --sig-proxy=false dx-count
	[ "$status" -eq 124 ] # ended by timeout, not by itself
	first=$(echo "$output" | head -1)
	[[ "$first" =~ ^n[0-9]+$ ]]
	[ "${first#n}" -gt "${before#n}" ]
	[ "$(echo "$output" | wc -l)" -ge 3 ]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-count)" = running ]
	"$HULL" rm -f dx-count
}

@test "attach to a -t container: its pty echoes, ctrl-p ctrl-q detaches, --detach-keys, the exit code comes back" {
	"$HULL" run -d -it --name dx-tty busybox sh >/dev/null
	run timeout -k 1 10 bash -c "(printf 'echo sum=\$((20+22))\n'; sleep 1; printf '\020\021'; sleep 2) | '$HULL' attach dx-tty"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sum=42"* ]]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-tty)" = running ]
	# other keys: ctrl-p alone is input then, ctrl-a d detaches
	run timeout -k 1 10 bash -c "(printf 'echo two\n'; sleep 1; printf '\001d'; sleep 2) | '$HULL' attach --detach-keys ctrl-a,d dx-tty"
	[ "$status" -eq 0 ]
	[[ "$output" == *two* ]]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-tty)" = running ]
	run timeout -k 1 10 bash -c "printf 'exit 5\n' | '$HULL' attach dx-tty"
	[ "$status" -eq 5 ]
	[ "$("$HULL" inspect -f '{{.State.Status}} {{.State.ExitCode}}' dx-tty)" = "exited 5" ]
	"$HULL" rm dx-tty
}

@test "attach relays signals (--sig-proxy) and returns the container's code; stopped containers and bad keys are refused" {
	"$HULL" run -d --name dx-trap busybox sh -c 'trap "echo got-term; exit 9" TERM; while :; do echo tick; sleep 0.1; done' >/dev/null
	"$HULL" attach --no-stdin dx-trap >"$BATS_TEST_TMPDIR/out" 2>&1 &
	client=$!
	# a client that did not relay would hang the test: this ends it anyway
	( sleep 10; "$HULL" kill dx-trap ) >/dev/null 2>&1 3>&- &
	guard=$!
	wait_for "$BATS_TEST_TMPDIR/out" tick # attached: the output flows
	# the client itself: a job of bats' shell is a subshell around it
	kill -TERM "$(pgrep -n -f 'attach --no-stdin dx-trap')"
	rc=0
	wait "$client" || rc=$?
	[ "$rc" -eq 9 ]
	kill "$guard" 2>/dev/null || true
	grep -q got-term "$BATS_TEST_TMPDIR/out"
	run "$HULL" attach dx-trap
	[ "$status" -ne 0 ]
	[[ "$output" == *"You cannot attach to a stopped container, start it first"* ]]
	run "$HULL" attach --detach-keys ctrl-1 dx-trap
	[ "$status" -ne 0 ]
	[[ "$output" == *"--detach-keys"* ]]
	run "$HULL" attach dx-nonexistent
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container"* ]]
	"$HULL" rm dx-trap
}

@test "run -it: ctrl-p ctrl-q detaches the foreground client (exit 0), the container runs on, attach takes it back" {
	# script(1) gives run the terminal -it asks for; sh -c, not $SHELL (unset in CI)
	run timeout -k 1 20 bash -c "(sleep 1; printf 'echo hi\$((40+2))\n'; sleep 0.5; printf '\020\021'; sleep 1) |
		SHELL=/bin/sh script -qec '$HULL run -it --name dx-fg busybox sh; echo hull-rc=\$?' /dev/null"
	[[ "$output" == *hi42* ]]
	[[ "$output" == *hull-rc=0* ]]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-fg)" = running ]
	# the monitor let go of the terminal: it is in a session of its own
	mon=$(pgrep -f 'run -it --name dx-fg')
	[ "$(ps -o tty= -p "$mon" | tr -d ' ')" = "?" ]
	run timeout -k 1 5 bash -c "printf 'exit 4\n' | '$HULL' attach dx-fg"
	[ "$status" -eq 4 ]
	"$HULL" rm dx-fg
	# a bad --detach-keys is refused before anything is made
	run "$HULL" run -it --detach-keys ctrl-11 --name dx-badkeys busybox sh
	[ "$status" -eq 125 ]
	[[ "$output" == *"--detach-keys"* ]]
}
