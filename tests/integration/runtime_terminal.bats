#!/usr/bin/env bats
# process.terminal: --console-socket (runc's protocol) and the foreground
# `run` relaying the pty.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

# start_recvtty: the receiving end of --console-socket, output in $TMP/tty.out
start_recvtty() {
	"$RECVTTY" "$TMP/console.sock" </dev/null >"$TMP/tty.out" 2>"$TMP/tty.err" &
	RECV_PID=$!
	for i in $(seq 100); do [ -S "$TMP/console.sock" ] && return 0; sleep 0.02; done
	return 1
}

@test "create --console-socket hands the pty master over; the process has a controlling tty" {
	config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	args sh -c 'tty; stty size; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; readlink /proc/self/fd/0; ls -l /dev/console | cut -c1'
	start_recvtty
	hull create --bundle "$BUNDLE" --console-socket "$TMP/console.sock" rt-tty
	hull start rt-tty
	wait "$RECV_PID"
	cat "$TMP/tty.out"
	local out
	out=$(tr -d '\r' <"$TMP/tty.out")
	[[ "$out" == *"/dev/pts/0"* ]]
	[[ "$out" == *"30 100"* ]]
	[[ "$out" == *"stdio-is-tty"* ]]
	grep -q "recvtty: got /dev/pts/0" "$TMP/tty.err"
	wait_status rt-tty stopped
	hull delete rt-tty
}

@test "run --detach with a terminal needs --console-socket, and works with one" {
	config '.process.terminal = true'
	args sh -c 'echo hello-detached; sleep 0.2'
	run hull run -d --bundle "$BUNDLE" rt-dtty </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--console-socket"* ]]
	assert_clean rt-dtty
	start_recvtty
	hull run -d --bundle "$BUNDLE" --console-socket "$TMP/console.sock" rt-dtty
	wait "$RECV_PID"
	grep -q hello-detached "$TMP/tty.out"
	wait_status rt-dtty stopped
	hull delete rt-dtty
}

@test "foreground run relays the terminal both ways and returns the exit status" {
	config '.process.terminal = true'
	args sh -c 'read line; echo "got:$line"; tty; exit 5'
	# script(1) gives hull a terminal; the container gets one of its own
	run script -qec "$HULL --root $ROOT run --bundle $BUNDLE rt-fg" /dev/null <<<"typed-input"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"got:typed-input"* ]]
	[[ "$output" == *"/dev/pts/0"* ]]
	assert_clean rt-fg
}

@test "a console socket that nobody listens on is a clear error" {
	config '.process.terminal = true'
	run hull create --bundle "$BUNDLE" --console-socket "$TMP/nobody.sock" rt-nosock </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--console-socket: connect \`$TMP/nobody.sock\`: No such file or directory"* ]]
	assert_clean rt-nosock
}
