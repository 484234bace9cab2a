#!/usr/bin/env bats
# --restart: the container's monitor runs the process again as docker's
# restart manager would; a stop or kill by the user is for good.
# Names prefixed dx-, published ports 18310-18319.

load engine_helpers

setup_file() {
	export ENGINE_NET=184
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "--restart on-failure:2: three runs, then exited with RestartCount 2 and the last code" {
	"$HULL" run -d --name dx-onfail --restart on-failure:2 busybox sh -c 'echo run; exit 3' >/dev/null
	run "$HULL" wait dx-onfail
	[ "$output" = 3 ]
	[ "$("$HULL" logs dx-onfail | grep -c '^run$')" -eq 3 ]
	run "$HULL" inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' dx-onfail
	[ "$output" = "2 exited 3 on-failure 2" ]
	# a clean exit is no failure: one run
	"$HULL" run -d --name dx-onfail-ok --restart on-failure busybox sh -c 'echo run' >/dev/null
	"$HULL" wait dx-onfail-ok
	[ "$("$HULL" logs dx-onfail-ok | grep -c '^run$')" -eq 1 ]
	[ "$("$HULL" inspect -f '{{.RestartCount}}' dx-onfail-ok)" = 0 ]
	# a new start counts from 0 again (docker's ResetRestartManager)
	"$HULL" start dx-onfail >/dev/null
	"$HULL" wait dx-onfail
	[ "$("$HULL" inspect -f '{{.RestartCount}}' dx-onfail)" = 2 ]
	[ "$("$HULL" logs dx-onfail | grep -c '^run$')" -eq 6 ]
	"$HULL" rm dx-onfail dx-onfail-ok
}

@test "--restart always: runs again after a clean exit, ps says Restarting (N), stop ends it for good" {
	"$HULL" run -d --name dx-always --restart always busybox sh -c 'echo run; exit 0' >/dev/null
	# the back-off doubles from 100 ms: soon it spends most of its time waiting
	seen=
	for _ in $(seq 100); do
		st=$("$HULL" ps --format '{{.Names}} {{.Status}}')
		[[ "$st" == "dx-always Restarting (0) "* ]] && { seen=1; break; }
		sleep 0.05
	done
	[ -n "$seen" ]
	run "$HULL" inspect -f '{{.State.Status}} {{.State.Restarting}} {{.State.Running}} {{.State.Pid}}' dx-always
	[[ "$output" == "restarting true true 0" || "$output" == "running false true "* ]]
	[ "$("$HULL" inspect -f '{{.RestartCount}}' dx-always)" -ge 1 ]
	run "$HULL" stop dx-always
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-always)" = exited ]
	count=$("$HULL" inspect -f '{{.RestartCount}}' dx-always)
	runs=$("$HULL" logs dx-always | grep -c '^run$')
	# the count grows when a restart is decided (docker's too): a stop in
	# the back-off leaves one counted restart that never ran
	[ "$runs" -eq "$count" ] || [ "$runs" -eq $((count + 1)) ]
	sleep 1
	# stopped for good: no more runs
	[ "$("$HULL" logs dx-always | grep -c '^run$')" -eq "$runs" ]
	[ "$("$HULL" inspect -f '{{.State.Status}} {{.RestartCount}}' dx-always)" = "exited $count" ]
	"$HULL" rm dx-always
}

@test "--restart always: a stop or kill of a running process is not restarted; rm of a restarting one needs -f" {
	"$HULL" run -d --name dx-always-up --restart always --init busybox sleep 600 >/dev/null
	"$HULL" stop dx-always-up
	sleep 0.5
	run "$HULL" inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' dx-always-up
	[ "$output" = "exited 143 0" ]
	"$HULL" start dx-always-up >/dev/null
	"$HULL" kill dx-always-up
	sleep 0.5
	run "$HULL" inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' dx-always-up
	[ "$output" = "exited 137 0" ]
	# a crash (a kill from inside, not the user) is restarted
	"$HULL" start dx-always-up >/dev/null
	pid=$("$HULL" inspect -f '{{.State.Pid}}' dx-always-up)
	kill -9 "$pid"
	for _ in $(seq 150); do
		[ "$("$HULL" inspect -f '{{.RestartCount}} {{.State.Status}}' dx-always-up)" = "1 running" ] && break
		sleep 0.1
	done
	[ "$("$HULL" inspect -f '{{.RestartCount}} {{.State.Status}}' dx-always-up)" = "1 running" ]
	[ "$("$HULL" inspect -f '{{.State.Pid}}' dx-always-up)" != "$pid" ]
	"$HULL" rm -f dx-always-up
	# restarting: rm is refused without -f, as docker does
	"$HULL" run -d --name dx-flap --restart always busybox false >/dev/null
	for _ in $(seq 100); do
		[ "$("$HULL" inspect -f '{{.State.Status}}' dx-flap)" = restarting ] && break
		sleep 0.05
	done
	run "$HULL" rm dx-flap
	[ "$status" -ne 0 ]
	[[ "$output" == *"You cannot remove a restarting container"* ]]
	"$HULL" rm -f dx-flap
	run "$HULL" inspect dx-flap
	[ "$status" -ne 0 ]
}

@test "--restart: published ports and the network come back with the process" {
	# the first run fails after a second; the restarted one (the same
	# container's files: /tmp/ran is there) serves until it is removed
	"$HULL" run -d --name dx-web --restart on-failure:1 -p 18311:80 busybox \
		sh -c '[ -f /tmp/ran ] && exec httpd -f -h /tmp -p 80; touch /tmp/ran; echo hi >/tmp/i
			httpd -h /tmp -p 80; sleep 1; exit 1' >/dev/null
	wait_port 18311
	[ "$(curl -s -m 2 127.0.0.1:18311/i)" = hi ]
	for _ in $(seq 300); do
		[ "$("$HULL" inspect -f '{{.RestartCount}} {{.State.Status}}' dx-web)" = "1 running" ] && break
		sleep 0.1
	done
	[ "$("$HULL" inspect -f '{{.RestartCount}} {{.State.Status}}' dx-web)" = "1 running" ]
	wait_port 18311
	[ "$(curl -s -m 2 127.0.0.1:18311/i)" = hi ]
	"$HULL" rm -f dx-web
	# the port is free again
	[ -z "$(nft list table ip hull 2>/dev/null | grep 18311)" ]
}

@test "--restart: bad policies and --rm are refused before anything is created" {
	run "$HULL" run --rm --restart always --name dx-bad busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"Conflicting options: --restart and --rm"* ]]
	run "$HULL" run --restart always:3 --name dx-bad busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"only be given to on-failure"* ]]
	run "$HULL" run --restart sometimes --name dx-bad busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected no, always, on-failure[:N] or unless-stopped"* ]]
	run "$HULL" inspect dx-bad
	[ "$status" -ne 0 ]
}

@test "hull restart: stops and starts again (a new process, the log goes on); a stopped container just starts" {
	"$HULL" run -d --name dx-rs busybox sh -c 'trap "exit 0" TERM; echo started; while :; do sleep 0.1; done' >/dev/null
	pid1=$("$HULL" inspect -f '{{.State.Pid}}' dx-rs)
	run "$HULL" restart -t 5 dx-rs
	[ "$status" -eq 0 ]
	[ "$output" = dx-rs ]
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-rs)" = running ]
	[ "$("$HULL" inspect -f '{{.State.Pid}}' dx-rs)" != "$pid1" ]
	for _ in $(seq 50); do [ "$("$HULL" logs dx-rs | grep -c started)" -eq 2 ] && break; sleep 0.1; done
	[ "$("$HULL" logs dx-rs | grep -c started)" -eq 2 ]
	"$HULL" stop dx-rs >/dev/null
	"$HULL" restart dx-rs
	[ "$("$HULL" inspect -f '{{.State.Status}}' dx-rs)" = running ]
	"$HULL" rm -f dx-rs
	run "$HULL" restart dx-nonexistent
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container"* ]]
}

@test "hull update --restart: a running container follows the new policy from its next exit; --rm ones refuse it" {
	"$HULL" run -d --name dx-upd busybox sh -c 'echo run; sleep 0.5; exit 1' >/dev/null
	run "$HULL" update --restart on-failure:2 dx-upd
	[ "$status" -eq 0 ]
	[ "$output" = dx-upd ]
	[ "$("$HULL" inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' dx-upd)" = on-failure:2 ]
	"$HULL" wait dx-upd
	[ "$("$HULL" logs dx-upd | grep -c '^run$')" -eq 3 ]
	# the monitor's own saves (RestartCount) kept the updated policy
	[ "$("$HULL" inspect -f '{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}' dx-upd)" = "2 on-failure" ]
	run "$HULL" update --restart sometimes dx-upd
	[ "$status" -ne 0 ]
	[[ "$output" == *"expected no, always"* ]]
	run "$HULL" update --memory 1g dx-upd
	[ "$status" -ne 0 ]
	"$HULL" rm dx-upd
	"$HULL" run -d --rm --name dx-upd-rm busybox sleep 30 >/dev/null
	run "$HULL" update --restart always dx-upd-rm
	[ "$status" -ne 0 ]
	[[ "$output" == *"AutoRemove is enabled"* ]]
	# rm -f of a --rm container: its monitor removes it, rm says nothing more
	run "$HULL" rm -f dx-upd-rm
	[ "$status" -eq 0 ]
	[ "$output" = dx-upd-rm ]
	run "$HULL" inspect dx-upd-rm
	[ "$status" -ne 0 ]
}
