#!/usr/bin/env bats
# docker's health checks: --health-* flags and the image's Healthcheck; the
# container's monitor runs the probe in the container, inspect shows
# State.Health, ps shows (healthy) / (unhealthy) / (health: starting).
# Names prefixed hc-, no published ports.

load engine_helpers

setup_file() {
	export ENGINE_NET=190
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# Wait (up to ~10 s) until container $1's health status is $2.
wait_health() {
	for _ in $(seq 100); do
		[ "$("$HULL" inspect --format '{{.State.Health.Status}}' "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	"$HULL" inspect --format '{{json .State.Health}}' "$1" >&2
	return 1
}

@test "--health-cmd: starting, unhealthy after the retries, healthy once the test passes; ps and inspect show it" {
	"$HULL" run -d --name hc-file --health-cmd 'echo probing; test -e /tmp/ok' --health-interval 200ms \
		--health-retries 2 busybox sleep 300 >/dev/null
	run "$HULL" inspect --format '{{.State.Health.Status}}' hc-file
	[ "$output" = starting ]
	run "$HULL" ps --filter name=hc-file
	[[ "$output" == *"(health: starting)"* ]]
	wait_health hc-file unhealthy
	run "$HULL" ps --filter name=hc-file
	[[ "$output" == *"(unhealthy)"* ]]
	health=$("$HULL" inspect --format '{{json .State.Health}}' hc-file)
	[ "$(jq '.FailingStreak >= 2' <<<"$health")" = true ]
	[ "$(jq -r '.Log[-1].ExitCode' <<<"$health")" = 1 ]
	[ "$(jq -r '.Log[-1].Output' <<<"$health")" = "probing" ]
	[ -n "$(jq -r '.Log[-1].Start' <<<"$health")" ]
	"$HULL" exec hc-file touch /tmp/ok
	wait_health hc-file healthy
	run "$HULL" ps --filter name=hc-file
	[[ "$output" == *"Up "*"(healthy)"* ]]
	run "$HULL" ps -q --filter health=healthy
	[ "$output" = "$("$HULL" ps -q --filter name=hc-file)" ]
	run "$HULL" ps -q --filter health=unhealthy
	[ -z "$output" ]
	health=$("$HULL" inspect --format '{{json .State.Health}}' hc-file)
	[ "$(jq -r '.FailingStreak' <<<"$health")" = 0 ]
	[ "$(jq -r '.Log[-1].ExitCode' <<<"$health")" = 0 ]
	[ "$(jq '.Log | length <= 5' <<<"$health")" = true ]
	"$HULL" rm -f hc-file >/dev/null
}

@test "--health-timeout: a hung probe is killed and counts as a failure (ExitCode -1)" {
	"$HULL" run -d --name hc-hang --health-cmd 'sleep 77' --health-timeout 300ms --health-interval 200ms \
		--health-retries 1 busybox sleep 300 >/dev/null
	wait_health hc-hang unhealthy
	health=$("$HULL" inspect --format '{{json .State.Health}}' hc-hang)
	[ "$(jq -r '.Log[0].ExitCode' <<<"$health")" = -1 ]
	[ "$(jq -r '.Log[0].Output' <<<"$health")" = "Health check exceeded timeout (300ms)" ]
	# the killed probes are gone from the container (at most the running one remains)
	run "$HULL" exec hc-hang ps
	[ "$(grep -c 'sleep 77' <<<"$output")" -le 1 ]
	"$HULL" rm -f hc-hang >/dev/null
}

@test "--health-start-period: failures while starting are not counted" {
	"$HULL" run -d --name hc-grace --health-cmd false --health-interval 200ms --health-retries 1 \
		--health-start-period 30s busybox sleep 300 >/dev/null
	sleep 1
	health=$("$HULL" inspect --format '{{json .State.Health}}' hc-grace)
	[ "$(jq -r '.Status' <<<"$health")" = starting ]
	[ "$(jq -r '.FailingStreak' <<<"$health")" = 0 ]
	[ "$(jq '.Log | length >= 2' <<<"$health")" = true ]
	"$HULL" rm -f hc-grace >/dev/null
}

@test "an image's Healthcheck is honoured and --no-healthcheck disables it" {
	"$HULL" create --name hc-src --health-cmd 'test -e /etc/passwd' --health-interval 200ms busybox true >/dev/null
	"$HULL" commit hc-src hc-img:1 >/dev/null
	"$HULL" rm hc-src >/dev/null
	"$HULL" run -d --name hc-img hc-img:1 sleep 300 >/dev/null
	run "$HULL" inspect --format '{{json .Config.Healthcheck.Test}}' hc-img
	[ "$output" = '["CMD-SHELL","test -e /etc/passwd"]' ]
	wait_health hc-img healthy
	"$HULL" run -d --name hc-off --no-healthcheck hc-img:1 sleep 300 >/dev/null
	sleep 0.6
	run "$HULL" inspect --format '{{json .State}}' hc-off
	[ "$(jq 'has("Health")' <<<"$output")" = false ]
	run "$HULL" ps --filter name=hc-off
	[[ "$output" == *"Up "* ]]
	[[ "$output" != *"health"* ]]
	"$HULL" rm -f hc-img hc-off >/dev/null
}

@test "a restart by --restart begins again from starting: the Log holds only the new process' probes" {
	"$HULL" run -d --name hc-again --network none --restart on-failure:1 --health-cmd true --health-interval 200ms \
		busybox sh -c 'test -e /ran && exec sleep 300; touch /ran; sleep 1; exit 1' >/dev/null
	for _ in $(seq 100); do
		[ "$("$HULL" inspect --format '{{.RestartCount}} {{.State.Status}}' hc-again)" = "1 running" ] && break
		sleep 0.1
	done
	wait_health hc-again healthy
	started=$(date -d "$("$HULL" inspect --format '{{.State.StartedAt}}' hc-again)" +%s%N)
	first=$(date -d "$("$HULL" inspect --format '{{json .State.Health}}' hc-again | jq -r '.Log[0].Start')" +%s%N)
	[ "$first" -ge "$started" ]
	"$HULL" rm -f hc-again >/dev/null
}

@test "no probe runs while the container is paused" {
	"$HULL" run -d --name hc-pause --network none --health-cmd true --health-interval 200ms \
		busybox sleep 300 >/dev/null
	wait_health hc-pause healthy
	"$HULL" pause hc-pause >/dev/null
	n=$("$HULL" inspect --format '{{json .State.Health}}' hc-pause | jq '.Log | length')
	sleep 1
	health=$("$HULL" inspect --format '{{json .State.Health}}' hc-pause)
	[ "$(jq -r '.Status' <<<"$health")" = healthy ]
	[ "$(jq '[.Log[].ExitCode] | all(. == 0)' <<<"$health")" = true ]
	[ "$(jq '.Log | length' <<<"$health")" -le $((n + 1)) ]
	"$HULL" unpause hc-pause >/dev/null
	"$HULL" rm -f hc-pause >/dev/null
}

@test "bad --health-* flags are refused, naming the flag, leaving nothing behind" {
	run "$HULL" run --health-interval 5 busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--health-interval"*"lacks a unit"* ]]
	run "$HULL" run --health-timeout 10us busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--health-timeout"*"minimum of 1ms"* ]]
	run "$HULL" run --name hc-conflict --no-healthcheck --health-retries 2 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]]
	# nothing left behind
	run "$HULL" ps -aq --filter name=hc-conflict
	[ -z "$output" ]
}

# as ARGS...: hull as the ordinary user hullhc (made here, with subordinate
# ranges; shared with no other file), with CI's bare environment.
as_user() {
	(cd /tmp && setpriv --reuid hullhc --regid hullhc --init-groups \
		env -i HOME=/home/hullhc PATH=/usr/bin:/bin:/usr/sbin:/sbin "$HCBIN/hull" "$@")
}

@test "rootless: the same probes as an ordinary user" {
	id hullhc >/dev/null 2>&1 || useradd -m -s /bin/sh hullhc
	local base=$((200000 + 100000 * $(id -u hullhc) % 5000000))
	grep -q "^hullhc:" /etc/subuid || echo "hullhc:$base:65536" >>/etc/subuid
	grep -q "^hullhc:" /etc/subgid || echo "hullhc:$base:65536" >>/etc/subgid
	HCBIN=$(mktemp -d /tmp/hull-hc-bin.XXXXXX)
	cp "$HULL" "$HCBIN/hull"
	chmod 755 "$HCBIN" "$HCBIN/hull"
	as_user image build-default >/dev/null
	as_user rm -f hc-rl >/dev/null 2>&1 || true
	as_user run -d --name hc-rl --network none --health-cmd 'test -e /tmp/ok' --health-interval 200ms \
		--health-retries 1 busybox sleep 300 >/dev/null
	for _ in $(seq 100); do
		[ "$(as_user inspect --format '{{.State.Health.Status}}' hc-rl)" = unhealthy ] && break
		sleep 0.1
	done
	run as_user inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hc-rl
	[[ "$output" == "unhealthy "[1-9]* ]]
	as_user exec hc-rl touch /tmp/ok
	for _ in $(seq 100); do
		[ "$(as_user inspect --format '{{.State.Health.Status}}' hc-rl)" = healthy ] && break
		sleep 0.1
	done
	run as_user ps --filter name=hc-rl
	[[ "$output" == *"(healthy)"* ]]
	as_user rm -f hc-rl >/dev/null
	local f="/tmp/hull-run-$(id -u hullhc)/pause.pid"
	[ -f "$f" ] && kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null || true
	rm -rf "$HCBIN"
}
