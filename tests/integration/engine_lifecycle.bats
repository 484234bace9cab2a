#!/usr/bin/env bats
# Lifetime: detached containers, logs, stop/kill/wait/rm, the monitor's
# truth after a crash, exec/top/stats, commit/export.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=14
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "a detached container outlives the CLI; ps shows it; stop ends it; wait gives its code" {
	id=$("$HULL" run -d --name eng-sleeper busybox sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' 2>/dev/null)
	[ ${#id} -eq 64 ]
	run "$HULL" ps --format '{{.ID}} {{.Names}} {{.State}}'
	[[ "$output" == *"${id:0:12} eng-sleeper running"* ]]
	run "$HULL" ps -a --format json
	[[ "$output" == *'"Names":"eng-sleeper"'* ]]
	[[ "$output" == *'"State":"running"'* ]]
	run "$HULL" stop -t 5 eng-sleeper
	[ "$output" = eng-sleeper ]
	run "$HULL" wait eng-sleeper
	[ "$output" = 42 ]
	run "$HULL" ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"eng-sleeper Exited (42)"* ]]
	run "$HULL" ps -q
	[ -z "$output" ]
	"$HULL" rm eng-sleeper
}

@test "logs: json-file records, --tail, -f follows until the container stops" {
	"$HULL" run -d --name eng-talker busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 1; echo late' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" logs eng-talker 2>&1 | grep -q oops && break; sleep 0.1; done
	run "$HULL" logs --tail 2 eng-talker
	[[ "$output" == *line5* ]]
	[[ "$output" == *oops* ]]
	[[ "$output" != *line4* ]]
	run "$HULL" logs -f eng-talker
	[ "$status" -eq 0 ]
	[[ "$output" == *line1*late* ]]
	log=$("$HULL" inspect -f '{{.LogPath}}' eng-talker)
	head -1 "$log" | jq -e '.stream == "stdout" and .log == "line1\n" and (.time | test("Z$"))'
	run bash -c "'$HULL' logs eng-talker 2>/dev/null"
	[[ "$output" == *line1* ]]
	[[ "$output" != *oops* ]]
	"$HULL" rm eng-talker
}

@test "logs rotate with --log-opt max-size and max-file" {
	"$HULL" run --name eng-rot --log-opt max-size=2k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 300 ]; do echo "line number $i"; i=$((i+1)); done' >/dev/null
	log=$("$HULL" inspect -f '{{.LogPath}}' eng-rot)
	[ -f "$log.1" ]
	[ -f "$log.2" ]
	[ ! -f "$log.3" ]
	[ "$(stat -c %s "$log")" -le 2048 ]
	run "$HULL" logs --tail 1 eng-rot
	[ "$output" = "line number 299" ]
	"$HULL" rm eng-rot
}

@test "kill -s, rm of a running container is refused, rm -f works" {
	"$HULL" run -d --name eng-victim busybox sleep 60 >/dev/null
	run "$HULL" rm eng-victim
	[ "$status" -ne 0 ]
	[[ "$output" == *"Stop the container"* ]]
	# PID 1 of a pid namespace ignores signals it has no handler for: TERM
	# does nothing to sleep (as with docker), KILL ends it
	"$HULL" kill -s TERM eng-victim
	sleep 0.2
	run "$HULL" ps --format '{{.Names}}'
	[[ "$output" == *eng-victim* ]]
	"$HULL" kill eng-victim
	run "$HULL" wait eng-victim
	[ "$output" = 137 ]
	run "$HULL" kill eng-victim
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not running"* ]]
	"$HULL" start eng-victim
	run "$HULL" rm -f eng-victim
	[ "$status" -eq 0 ]
	run "$HULL" inspect eng-victim
	[ "$status" -ne 0 ]
}

@test "a container whose monitor died is shown exited, and rm cleans it all" {
	id=$("$HULL" run -d --name eng-orphan busybox sleep 60 2>/dev/null)
	mon=$(jq -r .HullMonitorPid "$HULL_DATA_ROOT/containers/$id/state.json")
	init=$(jq -r .Pid "$HULL_DATA_ROOT/containers/$id/state.json")
	kill -9 "$mon"
	for _ in $(seq 20); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done
	run "$HULL" ps -a --format '{{.Names}} {{.State}}'
	[[ "$output" == *"eng-orphan exited"* ]]
	run "$HULL" inspect -f '{{.State.Error}}' eng-orphan
	[[ "$output" == *"monitor is gone"* ]]
	"$HULL" rm eng-orphan
	# the init dies from rm's SIGKILL and is reaped a moment later
	for _ in $(seq 200); do kill -0 "$init" 2>/dev/null || break; sleep 0.1; done
	run ! kill -0 "$init" 2>/dev/null
	[ ! -d "$HULL_DATA_ROOT/containers/$id" ]
	[ ! -d "$HULL_DATA_ROOT/run/$id" ]
	[ "$(cat "$HULL_DATA_ROOT/networks/bridge/endpoints.json")" = "{}" ]
}

@test "create then start; a restarted container keeps its filesystem" {
	"$HULL" create --name eng-later busybox sh -c 'echo run >>/counter; wc -l </counter' >/dev/null
	run "$HULL" ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"eng-later Created"* ]]
	"$HULL" start -a eng-later
	run "$HULL" start -a eng-later
	[[ "$output" == *2* ]]
	"$HULL" rm eng-later
}

@test "exec, top and stats on a running container" {
	"$HULL" run -d --name eng-busy busybox sh -c 'echo inside >/marker; sleep 60 & wait' >/dev/null
	run "$HULL" exec eng-busy cat /marker
	[ "$output" = inside ]
	run "$HULL" exec -u nobody -e X=1 -w /tmp eng-busy sh -c 'echo "$(id -u) $X $(pwd)"'
	[ "$output" = "65534 1 /tmp" ]
	run "$HULL" exec eng-busy sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run "$HULL" top eng-busy
	[[ "$output" == *PID* ]]
	[[ "$output" == *"sleep 60"* ]]
	run "$HULL" stats --no-stream --format json eng-busy
	[[ "$output" == *'"Name":"eng-busy"'* ]]
	[[ "$output" == *'"PIDs":"2"'* ]]
	"$HULL" rm -f eng-busy
}

@test "commit makes an image of the changes; export writes one tar" {
	"$HULL" run --name eng-changed busybox sh -c 'echo saved >/saved.txt; rm /etc/group' >/dev/null
	"$HULL" commit -m "eng test" eng-changed eng-committed:1 >/dev/null
	run "$HULL" run --rm eng-committed:1 sh -c 'cat /saved.txt; ls /etc/group 2>&1'
	[[ "$output" == *saved* ]]
	[[ "$output" == *"No such file"* ]]
	out=$(mktemp /tmp/eng-export.XXXXXX)
	"$HULL" export -o "$out" eng-changed
	tar -tf "$out" | grep -qx 'saved.txt'
	tar -tf "$out" | grep -qx 'bin/busybox'
	[ -z "$(tar -tf "$out" | grep -x 'etc/group')" ]
	rm -f "$out"
	"$HULL" rm eng-changed
}

@test "names are unique and resolvable by id prefix" {
	id=$("$HULL" create --name eng-unique busybox true 2>/dev/null)
	run "$HULL" create --name eng-unique busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"already in use"* ]]
	run "$HULL" inspect -f '{{.Name}}' "${id:0:6}"
	[ "$output" = /eng-unique ]
	"$HULL" rm "${id:0:12}"
}

@test "an image a container uses cannot be removed" {
	"$HULL" create --name eng-holder busybox true >/dev/null 2>&1
	run "$HULL" rmi busybox
	[ "$status" -ne 0 ]
	[[ "$output" == *"used by a container"* ]]
	"$HULL" rm eng-holder
}
