#!/usr/bin/env bats
# docker's other container commands: diff, pause/unpause, rename,
# container prune, system df/prune, the `container` management command,
# image history. Names prefixed dc-.

load engine_helpers

setup_file() {
	export ENGINE_NET=187
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "diff: A, C and D lines from the container's changes, sorted; none for an untouched one" {
	"$HULL" run --network none --name dc-diff busybox sh -c 'rm /bin/ls; echo x >/etc/newf; echo y >>/etc/group; mkdir -p /new/dir' >/dev/null 2>&1
	run "$HULL" diff dc-diff
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'C /bin\nD /bin/ls\nC /etc\nC /etc/group\nA /etc/newf\nA /new\nA /new/dir')" ]
	"$HULL" run --network none --name dc-clean busybox true >/dev/null 2>&1
	run "$HULL" diff dc-clean
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HULL" diff dc-none
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: dc-none"* ]]
	"$HULL" rm dc-diff dc-clean >/dev/null
}
