#!/usr/bin/env bats
# One binary answers runc's and docker's command lines; these check that a
# name both define goes to the side the user meant, that under the name runc
# hull's help and version are runc-shaped, and runc-shaped --debug output.

load runtime_helpers
bats_require_minimum_version 1.5.0

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "hull run ID in a bundle directory is runc's run (bundle from the cwd)" {
	args hostname
	cd "$BUNDLE"
	# no --root: the default state root, as a user typing runc's form gets
	run "$HULL" run rt-dispatch-cwd
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(jq -r .hostname config.json)" ]
}

@test "runc's create with --bundle goes to the runtime even without --root" {
	args sleep 30
	# the created init keeps its stdio: give it none of bats' pipes
	"$HULL" create --bundle "$BUNDLE" rt-dispatch-bundle </dev/null >/dev/null 2>&1
	run "$HULL" state rt-dispatch-bundle
	[ "$(jq -r .status <<<"$output")" = created ]
	# an id known to the runtime's state root sends kill/delete there too
	run "$HULL" kill rt-dispatch-bundle KILL
	[ "$status" -eq 0 ]
	run "$HULL" delete --force rt-dispatch-bundle
	[ "$status" -eq 0 ]
	[ ! -d /run/hull/rt-dispatch-bundle ]
}

@test "docker's flags in a bundle directory stay with the engine" {
	cd "$BUNDLE"
	HULL_DATA_ROOT=$TMP/data run "$HULL" run --rm --name x no-such-image-here true
	[ "$status" -ne 0 ]
	# the engine's words (an image lookup), not a runtime container "x"
	[[ "$output" == *no-such-image-here* ]]
	[ ! -d /run/hull/x ]
}

@test "pause: a runtime id goes to runc's pause/resume, anything else to the engine's pause/unpause" {
	args sleep 30
	"$HULL" create --bundle "$BUNDLE" rt-dispatch-pause </dev/null >/dev/null 2>&1
	"$HULL" start rt-dispatch-pause
	run "$HULL" pause rt-dispatch-pause
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$("$HULL" state rt-dispatch-pause)")" = paused ]
	run "$HULL" resume rt-dispatch-pause
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$("$HULL" state rt-dispatch-pause)")" = running ]
	"$HULL" delete --force rt-dispatch-pause
	# not a runtime id: docker's pause, which looks for an engine container
	HULL_DATA_ROOT=$TMP/data run "$HULL" pause rt-dispatch-none
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: rt-dispatch-none"* ]]
	HULL_DATA_ROOT=$TMP/data run "$HULL" unpause rt-dispatch-none
	[[ "$output" == *"No such container: rt-dispatch-none"* ]]
}

@test "under the name runc, help and version are runc-shaped and say hull" {
	ln -s "$HULL" "$TMP/runc"
	run "$TMP/runc" --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NAME:" ]
	[ "${lines[1]}" = "   runc - Open Container Initiative runtime" ]
	[[ "$output" == *"hull answering to the name runc"* ]]
	run "$TMP/runc" delete -h
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "   runc delete - delete a stopped container" ]
	[[ "$output" == *"--force"* ]]
	# runc's run, not the engine's, whatever the operands
	run "$TMP/runc" run --help
	[ "${lines[1]}" = "   runc run - create and start a container (foreground unless --detach)" ]
	# runc's checkpoint/restore: hull has none, and its help says so
	run "$TMP/runc" checkpoint -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"no checkpoint/restore"* ]]
	run "$TMP/runc" foo -h
	[ "$status" -eq 3 ]
	[ "$output" = "No help topic for 'foo'" ]
	run "$TMP/runc" -v
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^runc\ version\ [0-9]+\.[0-9]+\.[0-9]+\ \(hull\)$ ]]
	[[ "${lines[1]}" == commit:* ]]
	[[ "${lines[2]}" =~ ^spec:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	# under its own name, hull is hull
	run "$HULL" -v
	[[ "${lines[0]}" == "hull version "* ]]
}

@test "--debug logs the container's setup steps, logrus-shaped on stderr and as json in --log" {
	args echo out
	run --separate-stderr "$HULL" --root "$ROOT" --debug run --bundle "$BUNDLE" rt-debug1 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[[ "$stderr" == *'level=debug msg="nsexec container setup: cloning the init of rt-debug1'* ]]
	[[ "$stderr" == *'level=debug msg="child process in init(): setting up container rt-debug1"'* ]]
	[[ "$stderr" == *'level=debug msg="init: closing the pipe to signal completion'* ]]
	run "$HULL" --root "$ROOT" --debug --log "$TMP/log.json" --log-format json run --bundle "$BUNDLE" rt-debug2 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	jq -s -e 'map(select(.level == "debug" and (.msg | startswith("child process in init()")))) | length == 1' "$TMP/log.json"
	# without --debug, none of it
	run --separate-stderr "$HULL" --root "$ROOT" run --bundle "$BUNDLE" rt-debug3 </dev/null
	[ "$output" = out ]
	[ -z "$stderr" ]
}

@test "a failing vm command writes its error as a json record to --log, from hull and from hull-vm alike" {
	hull_vm=$(dirname "$HULL")/src/cli/vm/hull-vm
	# no KVM here, or no kernel file: either way the command fails with an error
	run --separate-stderr "$HULL" --log-format json --log "$TMP/hull.json" vm run --kernel /nonexistent </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == "hull: "* ]]
	jq -s -e 'length == 1 and .[0].level == "error" and (.[0].msg | length > 0) and (.[0].time | endswith("Z"))' \
		"$TMP/hull.json"
	run --separate-stderr "$hull_vm" --log-format json --log "$TMP/hull-vm.json" run --kernel /nonexistent </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == "hull: "* ]]
	jq -s -e 'length == 1 and .[0].level == "error"' "$TMP/hull-vm.json"
	[ "$(jq -r .msg "$TMP/hull.json")" = "$(jq -r .msg "$TMP/hull-vm.json")" ]
	run "$hull_vm" --log-format yaml run --kernel /nonexistent
	[ "$status" -eq 1 ]
	[[ "$output" == *"--log-format: unknown format \`yaml\`"* ]]
}
