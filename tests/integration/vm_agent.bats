#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The guest agent of `hull run --vm` (docs/vm-agent.md), served on a unix
# socket on the host: the same protocol code the VM's init runs, verified
# before any VM boots. `hull vm-agent call` is the host's side.

load runtime_helpers

setup_file() {
	runtime_setup_file
}

teardown_file() {
	runtime_teardown_file
}

setup() {
	runtime_setup
	SOCK=$TMP/agent.sock
	STATE=$TMP/state
	# the agent gets the rootfs; config.json's root.path is its own choice
	"$HULL" vm-agent serve --listen "$SOCK" --rootfs "$BUNDLE/rootfs" --state-dir "$STATE" \
		2>"$TMP/agent.err" &
	AGENT=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
}

teardown() {
	kill "$AGENT" 2>/dev/null || true
	wait "$AGENT" 2>/dev/null || true
	runtime_teardown
}

call() {
	timeout --kill-after=5 30 "$HULL" vm-agent call --socket "$SOCK" --bundle "$BUNDLE" "$@"
}

@test "vm-agent: stdout, stderr and stdin are relayed, the exit status comes back" {
	args sh -c 'echo out; echo err >&2; read line; echo "got $line"; exit 7'
	run --separate-stderr call <<<"hello"
	[ "$status" -eq 7 ]
	[ "$output" = $'out\ngot hello' ]
	[ "$stderr" = "err" ]
	# the agent ends with its connection and leaves no container behind
	wait "$AGENT"
	[ -z "$("$HULL" --root "$STATE/runtime" list -q)" ]
}

@test "vm-agent: the OCI config is applied by hull's runtime (env, cwd, user, hostname, caps)" {
	args sh -c 'echo "$GREETING $(pwd) $(id -u):$(id -g) $(hostname)"; grep CapBnd /proc/self/status'
	config '.process.env += ["GREETING=hi"] | .process.cwd = "/tmp" | .process.user = {"uid": 1000, "gid": 1000}
		| .hostname = "in-vm" | .process.capabilities.effective = ["CAP_CHOWN"]
		| .process.capabilities.permitted = ["CAP_CHOWN"] | .process.capabilities.bounding = ["CAP_CHOWN"]'
	run call </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hi /tmp 1000:1000 in-vm" ]
	[[ "${lines[1]}" == *"0000000000000001" ]] # CAP_CHOWN only
}

@test "vm-agent: a signal to the caller reaches the process" {
	args sh -c 'trap "echo trapped; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	"$HULL" vm-agent call --socket "$SOCK" --bundle "$BUNDLE" </dev/null >"$TMP/out" 2>&1 &
	caller=$!
	for _ in $(seq 100); do grep -q ready "$TMP/out" && break; sleep 0.05; done
	kill -TERM "$caller"
	rc=0
	wait "$caller" || rc=$?
	cat "$TMP/out"
	[ "$rc" -eq 3 ]
	grep -q trapped "$TMP/out"
}

@test "vm-agent: process.terminal: the process gets a pty in the agent, sized by resize frames" {
	args sh -c 'tty; stty size; exit 4'
	config '.process.terminal = true'
	# script(1): the caller on a terminal of 33 rows and 101 columns
	run script -qec "stty rows 33 cols 101; $HULL vm-agent call --socket $SOCK --bundle $BUNDLE" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"33 101"* ]]
}

# exec_call JQ CMD...: a second connection that execs CMD (the container's
# process, changed by JQ) in the running container, as `hull exec` does.
exec_call() {
	exec_bundle "$@"
	timeout --kill-after=5 30 "$HULL" vm-agent call --socket "$SOCK" --bundle "$TMP/exec" --exec
}

exec_bundle() {
	local filter=$1
	shift
	mkdir -p "$TMP/exec"
	jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s -c .)" ".process.args = \$a | $filter" \
		"$BUNDLE/config.json" >"$TMP/exec/config.json"
}

# start_container CMD...: the container's process, its stdin held open on fd 8
start_container() {
	args "$@"
	mkfifo "$TMP/in"
	call <"$TMP/in" >"$TMP/out" 2>&1 &
	CALLER=$!
	exec 8>"$TMP/in"
	for _ in $(seq 100); do grep -q ready "$TMP/out" && break; sleep 0.05; done
	grep -q ready "$TMP/out"
}

@test "vm-agent: exec: a second connection runs a process in the running container" {
	config '.hostname = "in-vm"'
	start_container sh -c 'echo ready; read x; echo "init got $x"'
	# the container's uts and pid namespaces; env, cwd, user as asked; stdio and status back
	run --separate-stderr exec_call '.process.env += ["EXTRA=yes"] | .process.cwd = "/tmp"
		| .process.user = {"uid": 1000, "gid": 1000}' \
		sh -c 'read line; echo "$(hostname) $EXTRA $(pwd) $(id -u):$(id -g) $(tr "\0" " " </proc/1/cmdline) $line"; echo oops >&2; exit 5' <<<"typed"
	[ "$status" -eq 5 ]
	[ "$output" = "in-vm yes /tmp 1000:1000 sh -c echo ready; read x; echo \"init got \$x\"  typed" ]
	[ "$stderr" = "oops" ]
	# two at once, and a signal to an exec's caller reaches its process only
	exec_bundle '.' sh -c 'trap "echo trapped; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	mv "$TMP/exec" "$TMP/exec1.bundle"
	"$HULL" vm-agent call --socket "$SOCK" --bundle "$TMP/exec1.bundle" --exec </dev/null >"$TMP/exec1" 2>&1 &
	e1=$!
	for _ in $(seq 100); do grep -q ready "$TMP/exec1" && break; sleep 0.05; done
	run exec_call '.' echo second
	[ "$output" = "second" ]
	kill -TERM "$e1"
	rc=0
	wait "$e1" || rc=$?
	[ "$rc" -eq 3 ]
	grep -q trapped "$TMP/exec1"
	# the container went on through all of it
	echo go >&8
	exec 8>&-
	wait "$CALLER"
	grep -q "init got go" "$TMP/out"
}

@test "vm-agent: exec: refused on the container's own connection, checked as input; -t" {
	# the first connection is the container's: it creates, never execs
	run exec_call '.' true
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec: only on a connection of its own"* ]]
	wait "$AGENT"
	rm -f "$SOCK"
	"$HULL" vm-agent serve --listen "$SOCK" --rootfs "$BUNDLE/rootfs" --state-dir "$STATE" 2>"$TMP/agent.err" &
	AGENT=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
	start_container sh -c 'echo ready; read x; exit 0'
	# a bad process object is answered with the parser's reason
	run exec_call '.process.cwd = "relative"' true
	[ "$status" -ne 0 ]
	[[ "$output" == *"cwd"* ]]
	# a command that is not there: the error says so, with its errno (ENOENT: exec's 127)
	exec_bundle '.' nonexistent-command
	run timeout 10 "$HULL" vm-agent call --socket "$SOCK" --bundle "$TMP/exec" --exec
	[ "$status" -ne 0 ]
	[[ "$output" == *"executable file not found"* ]]
	# with a terminal: a pty of the exec's own, sized by the caller's
	exec_bundle '.process.terminal = true' sh -c 'tty; stty size; exit 6'
	run script -qec "stty rows 21 cols 77; $HULL vm-agent call --socket $SOCK --bundle $TMP/exec --exec" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"21 77"* ]]
	exec 8>&-
	wait "$CALLER"
}

@test "vm-agent: hostile requests are refused with an answer, not obeyed" {
	# a file name that climbs out of the bundle, then an unknown request
	python3 - "$SOCK" "$TMP" <<'PY' >"$TMP/answers"
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def send(m):
    b = json.dumps(m).encode(); s.sendall(struct.pack(">I", len(b)) + b)
def recv():
    n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
send({"type": "create", "id": "x", "config": {"process": {"args": ["true"], "cwd": "/"}},
      "files": {"../../escaped": "pwned"}})
print(json.dumps(recv()))
send({"type": "create", "id": "../x", "config": {"process": {"args": ["true"], "cwd": "/"}}})
print(json.dumps(recv()))
send({"type": "start"})
print(json.dumps(recv()))
send({"type": "frobnicate"})
print(json.dumps(recv()))
PY
	cat "$TMP/answers"
	run jq -r '.type + ": " + (.message // "")' "$TMP/answers"
	[[ "${lines[0]}" == "error: create: files: \`../../escaped\` is not a plain file name"* ]]
	[[ "${lines[1]}" == "error: create: id: must be a container id"* ]]
	[ "${lines[2]}" = "error: start: nothing was created" ]
	[ "${lines[3]}" = "error: unknown request type \`frobnicate\`" ]
	[ ! -e "$TMP/escaped" ]
	[ ! -e "$STATE/escaped" ]
}

@test "vm-agent: a create's network is checked, and refused by an agent that is not a VM's" {
	python3 - "$SOCK" <<'PY' >"$TMP/answers"
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def send(m):
    b = json.dumps(m).encode(); s.sendall(struct.pack(">I", len(b)) + b)
def recv():
    n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
cfg = {"process": {"args": ["true"], "cwd": "/"}}
for net in [{"address": "10.1.2.3/24", "mac": "03:00:00:00:00:01"},
            {"address": "10.1.2.3/24", "mac": "02:00:00:00:00:01", "gateway": "10.9.9.9"},
            {"address": "10.1.2.3/24", "mac": "02:00:00:00:00:01", "ifname": "lo"},
            {"address": "10.1.2.3/24", "mac": "02:00:00:00:00:01", "gateway": "10.1.2.1"}]:
    send({"type": "create", "id": "x", "config": cfg, "network": net})
    print(json.dumps(recv()))
PY
	cat "$TMP/answers"
	run jq -r '.type + ": " + (.message // "")' "$TMP/answers"
	[[ "${lines[0]}" == "error: create: network: mac: must be a unicast"* ]]
	[[ "${lines[1]}" == "error: create: network: gateway: must be another IPv4 address in the address's subnet"* ]]
	[[ "${lines[2]}" == "error: create: network: unknown field \`ifname\`"* ]]
	# a well-formed one: this agent runs on the host, whose interfaces it must not touch
	[[ "${lines[3]}" == "error: create: network: this agent is not a VM's"* ]]
	[ ! -e "$STATE/bundle/init.pid" ]
}

@test "vm-agent: file: a file the create brought is rewritten in place; no other name is" {
	python3 - "$SOCK" "$BUNDLE/config.json" <<'PY' >"$TMP/answers"
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def send(m):
    b = json.dumps(m).encode(); s.sendall(struct.pack(">I", len(b)) + b)
def recv():
    n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
send({"type": "file", "name": "hosts", "content": "early"})
print(json.dumps(recv()))
cfg = json.load(open(sys.argv[2]))
cfg["process"]["args"] = ["sleep", "30"]
send({"type": "create", "id": "files", "config": cfg, "files": {"hosts": "127.0.0.1 one\n"}})
print(json.dumps(recv()))
for name in ["hosts", "../hosts", "other"]:
    send({"type": "file", "name": name, "content": "127.0.0.1 one\n10.0.0.2 two\n"})
    print(json.dumps(recv()))
PY
	cat "$TMP/answers"
	run jq -r '.type + ": " + (.message // "")' "$TMP/answers"
	[ "${lines[0]}" = "error: file: no container on this connection" ]
	[ "${lines[1]}" = "ok: " ]
	[ "${lines[2]}" = "ok: " ]
	[[ "${lines[3]}" == "error: file: name: must be a plain file name"* ]]
	[ "${lines[4]}" = "error: file: \`other\` is not one of the files the create brought" ]
	[ "$(cat "$STATE/bundle/files/hosts")" = "$(printf '127.0.0.1 one\n10.0.0.2 two')" ]
	[ ! -e "$STATE/other" ] && [ ! -e "$STATE/bundle/other" ]
}

@test "vm-agent: a frame over the size limit ends the connection with an error" {
	printf '\x7f\xff\xff\xff' | timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); s.recv(1)' "$SOCK"
	rc=0
	wait "$AGENT" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "out of range" "$TMP/agent.err"
}

@test "vm-agent initramfs: hull as /init with its libraries, the modules in load order" {
	kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
	[ -n "$kernel" ] || skip "no kernel under /boot"
	"$HULL" vm-agent initramfs --kernel "$kernel" -o "$TMP/initramfs"
	mkdir "$TMP/x"
	(cd "$TMP/x" && cpio -id --quiet <"$TMP/initramfs")
	# no shell, no busybox: hull is the guest's only program, and it runs from there
	[ ! -e "$TMP/x/bin/sh" ]
	run chroot "$TMP/x" /init --version
	[ "$status" -eq 0 ]
	[[ "$output" == "hull version"* ]]
	[ -c "$TMP/x/dev/console" ]
	# dependencies before the modules that need them
	order=$(cat "$TMP/x/lib/modules/hull/order")
	pos() { grep -n "/$1.ko\$" <<<"$order" | cut -d: -f1; }
	for m in virtio_ring virtio virtio_pci virtio_blk virtio_net vsock vmw_vsock_virtio_transport jbd2 ext4 overlay fuse virtiofs; do
		[ -n "$(pos $m)" ] || { echo "no $m"; return 1; }
	done
	[ "$(pos virtio_ring)" -lt "$(pos virtio)" ]
	[ "$(pos virtio)" -lt "$(pos virtio_pci)" ]
	[ "$(pos jbd2)" -lt "$(pos ext4)" ]
	[ "$(pos vsock)" -lt "$(pos vmw_vsock_virtio_transport)" ]
	[ "$(pos fuse)" -lt "$(pos virtiofs)" ]
	# a container on a network gets a virtio-net device (net_failover is its dependency)
	[ "$(pos net_failover)" -lt "$(pos virtio_net)" ]
	for f in $order; do [ -f "$TMP/x$f" ]; done
}

@test "vm-agent initramfs: a file that is not a bzImage is refused, nothing is written" {
	run "$HULL" vm-agent initramfs --kernel /etc/passwd -o "$TMP/initramfs"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/etc/passwd\` is not a bzImage"* ]]
	[ -z "$(ls "$TMP" | grep initramfs)" ]
}
