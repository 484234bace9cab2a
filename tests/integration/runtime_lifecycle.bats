#!/usr/bin/env bats
# The lifecycle with runc's command line: spec, create, start, run, state,
# list, kill, delete, exit codes and concurrency.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "spec writes runc's default config.json and refuses to overwrite it" {
	[ "$(jq -r '.process.args[0]' "$BUNDLE/config.json")" = sh ]
	[ "$(jq -r '.root.path' "$BUNDLE/config.json")" = rootfs ]
	[ "$(jq -r '[.linux.namespaces[].type] | join(",")' "$BUNDLE/config.json")" = "pid,network,ipc,uts,mount" ]
	run "$HULL" spec --bundle "$BUNDLE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json\` exists; remove it first"* ]]
}

@test "spec --rootless maps the caller in a user namespace and drops the network namespace" {
	mkdir "$TMP/rl"
	"$HULL" spec --rootless --bundle "$TMP/rl"
	[ "$(jq -r '[.linux.namespaces[].type] | join(",")' "$TMP/rl/config.json")" = "pid,ipc,uts,mount,user" ]
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$TMP/rl/config.json")" = "$(id -u)" ]
	[ "$(jq -r '.mounts[] | select(.destination=="/sys") | .options[0]' "$TMP/rl/config.json")" = rbind ]
}

@test "run exits with the process' status" {
	args /bin/true
	run hull run --bundle "$BUNDLE" rt-a
	[ "$status" -eq 0 ]
	run_in 'exit 7'
	[ "$status" -eq 7 ]
	assert_clean "rt-$BATS_TEST_NUMBER"
}

@test "run reports death by signal as 128+N" {
	args sleep 100
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" rt-sigdeath </dev/null >/dev/null 2>&1 &
	local pid=$!
	wait_status rt-sigdeath running
	hull kill rt-sigdeath KILL
	wait $pid || status=$?
	[ "$status" -eq 137 ]
	assert_clean rt-sigdeath
}

@test "run forwards SIGTERM to the container" {
	args sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" rt-fwd >"$TMP/out" 2>&1 </dev/null &
	local pid=$!
	for i in $(seq 100); do grep -q ready "$TMP/out" && break; sleep 0.05; done
	kill -TERM $pid
	wait $pid || status=$?
	[ "$status" -eq 42 ]
	grep -q got-term "$TMP/out"
}

@test "create, start, state, kill and delete walk through created, running, stopped" {
	args sleep 100
	hull create --bundle "$BUNDLE" --pid-file "$TMP/pid" rt-life </dev/null >/dev/null 2>&1
	run hull state rt-life
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .pid <<<"$output")" = "$(cat "$TMP/pid")" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" = "ociVersion,id,pid,status,bundle,rootfs,created,owner" ]
	# created: the init is the process-to-be, blocked before exec
	[ "$(cat /proc/$(cat "$TMP/pid")/comm)" = hull ]
	hull start rt-life
	[ "$(hull state rt-life | jq -r .status)" = running ]
	[ "$(cat /proc/$(cat "$TMP/pid")/comm)" = sleep ]
	run hull start rt-life
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start an already running container"* ]]
	run hull delete rt-life
	[ "$status" -eq 1 ]
	[[ "$output" == *'cannot delete container "rt-life" that is not stopped: running'* ]]
	hull kill rt-life KILL
	wait_status rt-life stopped
	[ "$(hull state rt-life | jq -r .pid)" = 0 ]
	run hull kill rt-life
	[ "$status" -eq 1 ]
	[[ "$output" == *'container "rt-life" is not running'* ]]
	run hull start rt-life
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start a container that has stopped"* ]]
	hull delete rt-life
	assert_clean rt-life
	run hull state rt-life
	[ "$status" -eq 1 ]
	[[ "$output" == *'container "rt-life" does not exist'* ]]
}

@test "kill sends SIGTERM by default and takes names with or without SIG, and numbers" {
	args sh -c 'trap "echo TERM >>/tmp/got" TERM; trap "echo USR1 >>/tmp/got" USR1; trap "echo HUP >>/tmp/got" HUP; touch /tmp/ready; while :; do sleep 0.05; done'
	config '.root.readonly = false'
	hull run -d --bundle "$BUNDLE" rt-sig </dev/null >/dev/null 2>&1
	for i in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/ready" ] && break; sleep 0.05; done
	hull kill rt-sig
	for i in $(seq 100); do grep -q TERM "$BUNDLE/rootfs/tmp/got" 2>/dev/null && break; sleep 0.05; done
	hull kill rt-sig SIGUSR1
	for i in $(seq 100); do grep -q USR1 "$BUNDLE/rootfs/tmp/got" && break; sleep 0.05; done
	hull kill rt-sig 1
	for i in $(seq 100); do grep -q HUP "$BUNDLE/rootfs/tmp/got" && break; sleep 0.05; done
	[ "$(tr '\n' ' ' <"$BUNDLE/rootfs/tmp/got")" = "TERM USR1 HUP " ]
	run hull kill rt-sig NOSUCH
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid signal \`NOSUCH\`"* ]]
	hull kill rt-sig kill
	wait_status rt-sig stopped
	hull delete rt-sig
}

@test "kill --all reaches every process in the container" {
	args sh -c 'sleep 100 & sleep 100 & wait'
	hull run -d --bundle "$BUNDLE" rt-all </dev/null >/dev/null 2>&1
	local pid
	pid=$(hull state rt-all | jq -r .pid)
	for i in $(seq 100); do [ "$(pgrep -P "$pid" | wc -l)" -eq 2 ] && break; sleep 0.05; done
	local kids
	kids=$(pgrep -P "$pid")
	hull kill --all rt-all KILL
	wait_status rt-all stopped
	for k in $kids; do gone "$k"; done
	hull delete rt-all
}

@test "delete --force kills a running container; a created one needs no force" {
	args sleep 100
	hull run -d --bundle "$BUNDLE" rt-force </dev/null >/dev/null 2>&1
	local pid
	pid=$(hull state rt-force | jq -r .pid)
	hull delete --force rt-force
	assert_clean rt-force
	gone "$pid"
	hull create --bundle "$BUNDLE" rt-created </dev/null >/dev/null 2>&1
	pid=$(hull state rt-created | jq -r .pid)
	hull delete rt-created
	assert_clean rt-created
	gone "$pid"
	run hull delete rt-created
	[ "$status" -eq 1 ]
	hull delete --force rt-created
}

@test "list shows runc's table, json and ids" {
	args sleep 100
	hull create --bundle "$BUNDLE" rt-l1 </dev/null >/dev/null 2>&1
	hull run -d --bundle "$BUNDLE" rt-l2 </dev/null >/dev/null 2>&1
	run hull list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[[ "${lines[1]}" =~ ^rt-l1\ +[0-9]+\ +created\ +$BUNDLE\ +[0-9T:.-]+Z\ +root$ ]]
	[[ "${lines[2]}" =~ ^rt-l2\ +[0-9]+\ +running\ + ]]
	run hull list --format json
	[ "$(jq -r '[.[].id] | join(",")' <<<"$output")" = "rt-l1,rt-l2" ]
	[ "$(jq -r '.[1].status' <<<"$output")" = running ]
	run hull list -q
	[ "$output" = "$(printf 'rt-l1\nrt-l2')" ]
	hull delete --force rt-l1
	hull delete --force rt-l2
	run hull list --format json
	[ "$output" = "[]" ]
}

@test "two concurrent creates of one id: exactly one wins" {
	args sleep 100
	local i
	for i in 1 2 3 4; do
		( rc=0; hull create --bundle "$BUNDLE" rt-race </dev/null >/dev/null 2>"$TMP/err$i" || rc=$?
		  echo $rc >"$TMP/rc$i" ) &
	done
	wait
	[ "$(cat "$TMP"/rc* | grep -c '^0$')" -eq 1 ]
	[ "$(cat "$TMP"/rc* | grep -c '^1$')" -eq 3 ]
	[ "$(cat "$TMP"/err* | grep -c 'container "rt-race" already exists')" -eq 3 ]
	[ "$(hull state rt-race | jq -r .status)" = created ]
	hull delete rt-race
}

@test "run --detach returns at once and leaves the container running" {
	args sleep 100
	hull run --detach --bundle "$BUNDLE" --pid-file "$TMP/pid" rt-det </dev/null >/dev/null 2>&1
	[ "$(hull state rt-det | jq -r .status)" = running ]
	[ "$(cat /proc/$(cat "$TMP/pid")/comm)" = sleep ]
	hull kill rt-det KILL
	wait_status rt-det stopped
	hull delete rt-det
	assert_clean rt-det
}

@test "the state outlives a reused pid: a dead container stays stopped" {
	args /bin/true
	hull create --bundle "$BUNDLE" rt-reuse </dev/null >/dev/null 2>&1
	local st="$ROOT/rt-reuse/state.json" pid
	pid=$(jq -r .pid "$st")
	kill -9 "$pid"
	# point the record at a live process of ours with a wrong start time
	jq ".pid = $$ | .pid_start = 1" "$st" >"$st.new" && mv "$st.new" "$st"
	[ "$(hull state rt-reuse | jq -r .status)" = stopped ]
	hull delete rt-reuse
}

@test "commands print runc-style usage errors and help" {
	run hull start
	[ "$status" -eq 1 ]
	[[ "$output" == *"requires exactly 1 argument"* ]]
	run hull create --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--console-socket"* ]]
	run hull kill --bogus x
	[ "$status" -eq 1 ]
	run hull state 'bad/id'
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid container id"* ]]
}

@test "create/start as a non-root process.user and in a user namespace" {
	args sh -c 'id -u >/tmp/out/uid'
	mkdir -p "$TMP/out" && chmod 777 "$TMP/out"
	config ".process.user = {\"uid\": 1000, \"gid\": 1000}
		| .mounts += [{\"destination\":\"/tmp/out\",\"type\":\"bind\",\"source\":\"$TMP/out\",\"options\":[\"bind\"]}]"
	hull create --bundle "$BUNDLE" rt-user </dev/null >/dev/null 2>&1
	hull start rt-user
	wait_status rt-user stopped
	[ "$(cat "$TMP/out/uid")" = 1000 ]
	hull delete rt-user
	rm "$TMP/out/uid"
	config '.process.user = {"uid": 0, "gid": 0} | .linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
	chmod 755 "$TMP" "$BUNDLE"
	hull create --bundle "$BUNDLE" rt-userns </dev/null >/dev/null 2>&1
	hull start rt-userns
	wait_status rt-userns stopped
	[ "$(cat "$TMP/out/uid")" = 0 ]
	[ "$(stat -c %u "$TMP/out/uid")" = 100000 ]
	hull delete rt-userns
}

@test "an error after create (bad program at start) goes to the process' stderr" {
	args sleep 100
	hull create --bundle "$BUNDLE" rt-late </dev/null >/dev/null 2>"$TMP/err"
	# the program vanishes between create and start
	rm "$BUNDLE/rootfs/bin/sleep"
	hull start rt-late
	wait_status rt-late stopped
	for i in $(seq 50); do grep -q "exec" "$TMP/err" && break; sleep 0.05; done
	grep -q 'hull: exec `/bin/sleep`: No such file or directory' "$TMP/err"
	hull delete rt-late
}
