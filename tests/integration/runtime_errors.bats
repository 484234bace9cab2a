#!/usr/bin/env bats
# Bad input: a message naming file and field, exit 1, nothing left behind
# (no state dir, no mount, no process).

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

# fails_clean ID MESSAGE: `hull create` and `hull run` both fail with
# MESSAGE (a substring), exit 1, and leave nothing behind.
fails_clean() {
	local cmd
	for cmd in create run; do
		run hull "$cmd" --bundle "$BUNDLE" "$1" </dev/null
		echo "$cmd: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$2"* ]]
		assert_clean "$1"
		[ -z "$(pgrep -f "hull --root $ROOT")" ]
	done
}

@test "invalid JSON names the file, line and column" {
	printf '{\n  "ociVersion": "1.0.2",\n  "process": ,\n}\n' >"$BUNDLE/config.json"
	fails_clean rt-json "config.json: line 3 column"
}

@test "a field of the wrong type" {
	config '.process.args = "sh"'
	fails_clean rt-type "config.json: process.args: must be an array, not a string"
}

@test "empty process.args" {
	config '.process.args = []'
	fails_clean rt-args "config.json: process.args: must be a non-empty array"
}

@test "a missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	fails_clean rt-rootfs "config.json: root.path: \`$BUNDLE/rootfs\`: No such file or directory"
}

@test "an unknown namespace type" {
	config '.linux.namespaces += [{"type":"bogus"}]'
	fails_clean rt-ns "config.json: linux.namespaces[5].type: unknown namespace type \`bogus\`"
}

@test "a relative path where the spec wants an absolute one" {
	config '.mounts[0].destination = "proc"'
	fails_clean rt-rel "config.json: mounts[0].destination: must be an absolute path, not \`proc\`"
	config '.mounts[0].destination = "/proc" | .process.cwd = "tmp"'
	fails_clean rt-rel "config.json: process.cwd: must be an absolute path, not \`tmp\`"
}

@test "a missing config.json and a missing bundle" {
	rm "$BUNDLE/config.json"
	fails_clean rt-nocfg "config.json\`: No such file or directory"
	run hull create --bundle "$TMP/nowhere" rt-nobundle
	[ "$status" -eq 1 ]
	[[ "$output" == *"bundle \`$TMP/nowhere\`: No such file or directory"* ]]
	assert_clean rt-nobundle
}

@test "failures inside the container's setup leave nothing: bad mount source" {
	config '.mounts += [{"destination":"/data","type":"bind","source":"/nonexistent-rt-src","options":["bind"]}]'
	fails_clean rt-mnt "bind mount source \`/nonexistent-rt-src\`: No such file or directory"
}

@test "proc and sysfs are never mounted through a symlink in the rootfs" {
	mkdir "$BUNDLE/rootfs/elsewhere"
	rmdir "$BUNDLE/rootfs/proc" && ln -s /elsewhere "$BUNDLE/rootfs/proc"
	fails_clean rt-proc 'filesystem "proc" must be mounted on ordinary directory: `/proc` is a symlink'
	[ -z "$(ls "$BUNDLE/rootfs/elsewhere")" ]
	rm "$BUNDLE/rootfs/proc" && mkdir "$BUNDLE/rootfs/proc"
	rmdir "$BUNDLE/rootfs/sys" && touch "$BUNDLE/rootfs/sys"
	fails_clean rt-sys 'filesystem "sysfs" must be mounted on ordinary directory: `/sys` is not a directory'
}

@test "failures inside the container's setup leave nothing: a program not in PATH" {
	args no-such-program
	fails_clean rt-exec "exec \`no-such-program\`: executable file not found in \$PATH"
}

@test "failures inside the container's setup leave nothing: a joined namespace that is not there" {
	config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/run/netns/rt-none" else . end]'
	fails_clean rt-join "join network namespace: open \`/run/netns/rt-none\`: No such file or directory"
}

@test "a joined user namespace that is missing or not a user namespace (with a new pid namespace)" {
	config '.linux.namespaces += [{"type":"user","path":"/proc/self/ns/rt-none"}]'
	fails_clean rt-user "join user namespace: open \`/proc/self/ns/rt-none\`: No such file or directory"
	config '.linux.namespaces |= map(if .type == "user" then .path = "/proc/self/ns/net" else . end)'
	fails_clean rt-user2 "join user namespace \`/proc/self/ns/net\`: Invalid argument"
}

@test "a sysctl that would change the host is refused" {
	config '.linux.sysctl = {"vm.swappiness": "10"}'
	fails_clean rt-sysctl "config.json: linux.sysctl.vm.swappiness: not a namespaced sysctl"
}

@test "a terminal without --console-socket is refused for create" {
	config '.process.terminal = true'
	run hull create --bundle "$BUNDLE" rt-tty </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json: process.terminal: a detached container with a terminal needs --console-socket"* ]]
	assert_clean rt-tty
}

@test "an id that exists already, and an invalid id" {
	args sleep 100
	hull create --bundle "$BUNDLE" rt-dup </dev/null >/dev/null 2>&1
	run hull create --bundle "$BUNDLE" rt-dup </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = 'hull: container "rt-dup" already exists' ]
	[ "$(hull state rt-dup | jq -r .status)" = created ]
	hull delete rt-dup
	run hull create --bundle "$BUNDLE" '../escape' </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid container id"* ]]
	[ ! -e "$TMP/escape" ]
}

@test "--log-format json puts the error in the log as runc's json record" {
	config '.process.args = []'
	run "$HULL" --root "$ROOT" --log "$TMP/log.json" --log-format json create --bundle "$BUNDLE" rt-log
	[ "$status" -eq 1 ]
	[ "$(jq -r .level "$TMP/log.json")" = error ]
	[[ "$(jq -r .msg "$TMP/log.json")" == *"config.json: process.args: must be a non-empty array"* ]]
}
