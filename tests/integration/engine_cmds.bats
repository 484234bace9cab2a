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

@test "pause freezes a container (ps: Paused, inspect State.Paused), unpause thaws it; docker's errors" {
	"$HULL" run -d --network none --name dc-pause busybox sh -c 'while :; do date +%s%N >/tmp/t; sleep 0.05; done' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec dc-pause test -s /tmp/t && break; sleep 0.1; done
	run "$HULL" pause dc-pause
	[ "$status" -eq 0 ]
	[ "$output" = dc-pause ]
	run "$HULL" ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"dc-pause Up "*" (Paused)"* ]]
	[ "$("$HULL" inspect -f '{{.State.Paused}} {{.State.Status}} {{.State.Running}}' dc-pause)" = "true paused true" ]
	# frozen: the loop writes nothing more (read through cp, which works on a paused container)
	a=$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)
	sleep 0.5
	[ "$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)" = "$a" ]
	run "$HULL" pause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is already paused"* ]]
	run "$HULL" unpause dc-pause
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect -f '{{.State.Paused}} {{.State.Status}}' dc-pause)" = "false running" ]
	sleep 0.3
	[ "$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)" != "$a" ]
	run "$HULL" unpause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not paused"* ]]
	# stop and kill reach a paused container (it is thawed after the signal)
	"$HULL" pause dc-pause >/dev/null
	run "$HULL" stop -t 1 dc-pause
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect -f '{{.State.Status}} {{.State.Paused}}' dc-pause)" = "exited false" ]
	run "$HULL" pause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
	"$HULL" rm dc-pause >/dev/null
}

@test "rename: the new name everywhere, the old one gone; docker's conflict and same-name errors" {
	"$HULL" run -d --network none --restart always --name dc-old busybox sh -c 'sleep 0.3; exit 3' >/dev/null 2>&1
	"$HULL" create --network none --name dc-taken busybox true >/dev/null 2>&1
	run "$HULL" rename dc-old dc-new
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HULL" inspect -f '{{.Name}}' dc-new
	[ "$output" = /dc-new ]
	run "$HULL" diff dc-old
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: dc-old"* ]]
	# the monitor restarting it keeps the new name
	for _ in $(seq 50); do
		[ "$("$HULL" inspect -f '{{.RestartCount}}' dc-new)" -ge 2 ] && break
		sleep 0.1
	done
	[ "$("$HULL" inspect -f '{{.RestartCount}}' dc-new)" -ge 2 ]
	[ "$("$HULL" inspect -f '{{.Name}}' dc-new)" = /dc-new ]
	run "$HULL" ps -a --format '{{.Names}}'
	[[ "$output" == *dc-new* ]]
	[[ "$output" != *dc-old* ]]
	run "$HULL" rename dc-new dc-taken
	[ "$status" -eq 1 ]
	[[ "$output" == *'Conflict. The container name "/dc-taken" is already in use'* ]]
	run "$HULL" rename dc-new dc-new
	[ "$status" -eq 1 ]
	[[ "$output" == *"same name as its current name"* ]]
	run "$HULL" rename dc-new 'bad name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Invalid container name"* ]]
	# the old name is free again
	"$HULL" create --network none --name dc-old busybox true >/dev/null 2>&1
	"$HULL" rm -f dc-new dc-taken dc-old >/dev/null
}
