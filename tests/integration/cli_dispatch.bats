#!/usr/bin/env bats
# One binary answers runc's and docker's command lines; these check that a
# name both define goes to the side the user meant.

load runtime_helpers

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
