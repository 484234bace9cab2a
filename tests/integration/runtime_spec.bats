#!/usr/bin/env bats
# Where the OCI runtime spec is precise: rootfs propagation, namespaces left
# to the runtime, the order and failure of poststart/poststop hooks, LSM
# fields on a host without that LSM, and blkio weights of 0.

load runtime_helpers
bats_require_minimum_version 1.5.0

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() {
	# a test's own shared bind of its bundle (see rootfsPropagation)
	[ -z "${SPEC_BIND:-}" ] || umount -l "$SPEC_BIND" || true
	runtime_teardown
}

# spec_run SHELL-COMMAND: `hull run` of `sh -c CMD`; output in $output.
spec_run() {
	args sh -c "$1"
	run hull run --bundle "$BUNDLE" "ospec-$BATS_TEST_NUMBER" </dev/null
}

@test "blockIO weights of 0 (dockerd's unset) are not written: the container starts" {
	[ -d /sys/fs/cgroup/blkio ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
		skip "no blkio or io cgroup controller on this host"
	local f
	for f in '{"weight":0}' '{"leafWeight":0}' \
		'{"weightDevice":[{"major":1,"minor":3,"weight":0}]}' \
		'{"weightDevice":[{"major":1,"minor":3,"leafWeight":0}]}' \
		'{"weight":0,"leafWeight":0,"weightDevice":[{"major":1,"minor":3,"weight":0,"leafWeight":0}]}'; do
		config ".linux.resources.blockIO = $f"
		spec_run 'echo started'
		echo "blockIO $f: $output"
		[ "$status" -eq 0 ]
		[ "$output" = started ]
	done
	assert_clean "ospec-$BATS_TEST_NUMBER"
}

# hook_script NAME BODY: an executable /bin/sh script $TMP/NAME (the hook
# reads the state JSON on stdin).
hook_script() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TMP/$1"
	chmod +x "$TMP/$1"
}

@test "poststart hooks run after the user's program is executed, not while hull still runs" {
	# what the hook sees at the container's pid: its executable
	hook_script exe 'pid=$(sed -n "s/.*\"pid\":\([0-9]*\).*/\1/p"); readlink /proc/$pid/exe >'"$TMP"'/seen'
	# a startContainer hook runs in the container between start and the
	# user's execve: it holds the init in hull for a second
	config ".hooks = {\"startContainer\":[{\"path\":\"/bin/sleep\",\"args\":[\"sleep\",\"1\"]}],
		\"poststart\":[{\"path\":\"$TMP/exe\"}]}"
	args sleep 30
	hull create --bundle "$BUNDLE" "ospec-$BATS_TEST_NUMBER" </dev/null
	run hull start "ospec-$BATS_TEST_NUMBER"
	[ "$status" -eq 0 ]
	echo "poststart saw: $(cat "$TMP/seen")"
	[[ "$(cat "$TMP/seen")" == */bin/busybox ]]
	# `run` too
	rm -f "$TMP/seen"
	hull delete --force "ospec-$BATS_TEST_NUMBER"
	spec_run "sleep 1"
	echo "run: $output"
	[ "$status" -eq 0 ]
	echo "poststart (run) saw: $(cat "$TMP/seen")"
	[[ "$(cat "$TMP/seen")" == */bin/busybox ]]
}

@test "a failing poststart or poststop hook is a warning: the next hooks run, start and delete succeed" {
	hook_script fail 'echo "hook says no" >&2; exit 3'
	hook_script mark 'cat >"$1"'
	config ".hooks = {\"poststart\":[{\"path\":\"$TMP/fail\"},{\"path\":\"$TMP/mark\",\"args\":[\"mark\",\"$TMP/poststart\"]}],
		\"poststop\":[{\"path\":\"$TMP/fail\"},{\"path\":\"$TMP/mark\",\"args\":[\"mark\",\"$TMP/poststop\"]}]}"
	args sleep 30
	local id="ospec-$BATS_TEST_NUMBER"
	hull create --bundle "$BUNDLE" "$id" </dev/null
	run --separate-stderr hull start "$id"
	echo "start: status $status, stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"hook #0 (poststart)"*"exited with status 3"*"hook says no"* ]]
	[ -s "$TMP/poststart" ]
	[ "$(hull state "$id" | jq -r .status)" = running ]
	run --separate-stderr hull delete --force "$id"
	echo "delete: status $status, stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"hook #0 (poststop)"*"exited with status 3"* ]]
	[ -s "$TMP/poststop" ]
	assert_clean "$id"
}

# propagation_of_root P: the optional fields of "/" in the container's
# mountinfo (in $output) for linux.rootfsPropagation P. The container mounts
# a tmpfs on /mnt: that must never show on the host.
propagation_of_root() {
	config ".linux.rootfsPropagation = \"$1\" | .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.effective += [\"CAP_SYS_ADMIN\"]
		| .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]"
	spec_run 'mount -t tmpfs ospec /mnt && awk '\''$5 == "/" { for (i = 7; $i != "-"; i++) printf "%s ", $i; print "." }'\'' /proc/self/mountinfo'
	echo "rootfsPropagation $1: status $status: $output"
	[ "$status" -eq 0 ] || return 1
	if grep -q "$BUNDLE/rootfs/mnt" /proc/self/mountinfo; then
		echo "the container's /mnt reached the host" >&2
		return 1
	fi
}

@test "linux.rootfsPropagation: every value starts, / inside has it, nothing reaches the host" {
	mkdir -p "$BUNDLE/rootfs/mnt"
	# the bundle on a shared mount, as on hosts whose / is shared
	# (systemd): what private and slave change is then visible
	mount --bind "$BUNDLE" "$BUNDLE"
	SPEC_BIND=$BUNDLE
	mount --make-shared "$BUNDLE"
	local p
	for p in private rprivate; do
		propagation_of_root $p
		[[ "$output" != *shared:* && "$output" != *master:* && "$output" != *unbindable* ]]
	done
	for p in slave rslave; do
		propagation_of_root $p
		[[ "$output" == *master:* && "$output" != *shared:* ]]
	done
	for p in shared rshared; do
		propagation_of_root $p
		[[ "$output" == *shared:* ]]
	done
	for p in unbindable runbindable; do
		propagation_of_root $p
		[[ "$output" == *unbindable* ]]
	done
}

@test "linux.rootfsPropagation rshared keeps a mount's own propagation option" {
	mkdir -p "$TMP/vol"
	config ".linux.rootfsPropagation = \"rshared\"
		| .mounts += [{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"$TMP/vol\",\"options\":[\"rbind\",\"rprivate\"]}]"
	spec_run 'awk '\''$5 == "/" || $5 == "/vol" { print $5, $7 }'\'' /proc/self/mountinfo'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "/ shared:"* ]]
	[ "${lines[1]}" = "/vol -" ]
}

@test "apparmorProfile, selinuxLabel and mountLabel on a host without that LSM: an error naming the field, no container" {
	local aa=n se=n
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && aa=y
	[ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" = selinux ] && se=y
	[ $aa = n ] || [ $se = n ] || skip "this host runs both AppArmor and SELinux"
	local id="ospec-$BATS_TEST_NUMBER" field value
	for field in process.apparmorProfile process.selinuxLabel linux.mountLabel; do
		case $field in
		process.apparmorProfile) [ $aa = n ] || continue; value=docker-default ;;
		*) [ $se = n ] || continue; value=system_u:system_r:container_t:s0 ;;
		esac
		config "del(.process.apparmorProfile, .process.selinuxLabel, .linux.mountLabel) | .$field = \"$value\""
		spec_run 'echo ran'
		echo "$field: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$field"*"$value"*"not enabled on this host"* ]]
		[[ "$output" != *ran* ]]
		assert_clean "$id"
	done
	# exec's flags too, on a running container
	config 'del(.process.apparmorProfile, .process.selinuxLabel, .linux.mountLabel)'
	args sleep 30
	hull run -d --bundle "$BUNDLE" "$id" </dev/null
	if [ $aa = n ]; then
		run hull exec --apparmor docker-default "$id" echo ran
		echo "exec --apparmor: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"process.apparmorProfile"*"not enabled on this host"* ]]
	fi
	if [ $se = n ]; then
		run hull exec --process-label system_u:system_r:container_t:s0 "$id" echo ran
		echo "exec --process-label: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"process.selinuxLabel"*"not enabled on this host"* ]]
	fi
	hull delete --force "$id"
}

@test "a namespace type not listed is the runtime's: pid, ipc, uts, network" {
	local t n
	for t in pid ipc uts network; do
		config ".linux.namespaces |= map(select(.type != \"$t\")) | del(.hostname)"
		spec_run 'for n in pid ipc uts net; do readlink /proc/self/ns/$n; done'
		echo "without $t: $output"
		[ "$status" -eq 0 ]
		n=$t
		[ $t = network ] && n=net
		[[ "$output" == *"$(readlink /proc/self/ns/$n)"* ]]
		config ".linux.namespaces += [{\"type\": \"$t\"}]"
	done
}

@test "no mount namespace: the container shares the host's mount table, chrooted in its rootfs, and nothing is mounted" {
	local id="ospec-$BATS_TEST_NUMBER"
	config '.linux.namespaces |= map(select(.type != "mount")) | del(.mounts, .linux.maskedPaths, .linux.readonlyPaths)
		| .root.readonly = false'
	args sleep 30
	local root_before
	root_before=$(awk '$5 == "/"' /proc/self/mountinfo)
	hull create --bundle "$BUNDLE" "$id" </dev/null
	hull start "$id"
	local pid
	pid=$(hull state "$id" | jq -r .pid)
	[ "$(readlink /proc/$pid/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink /proc/$pid/root)" = "$BUNDLE/rootfs" ]
	# exec enters the same root
	run hull exec "$id" cat /etc/passwd
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$BUNDLE/rootfs/etc/passwd")" ]
	# nothing mounted on the host, its / untouched, no node made in the rootfs
	if grep -q "$TMP" /proc/self/mountinfo; then
		echo "a mount under $TMP" >&2
		return 1
	fi
	[ "$(awk '$5 == "/"' /proc/self/mountinfo)" = "$root_before" ]
	[ -z "$(ls -A "$BUNDLE/rootfs/dev")" ]
	hull delete --force "$id"
	assert_clean "$id"
}

@test "no mount namespace: what would need a mount is refused, naming the field" {
	config '.linux.namespaces |= map(select(.type != "mount"))'
	spec_run 'echo ran'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts: needs a mount namespace of the container's own"* ]]
	config 'del(.mounts)'
	spec_run 'echo ran'
	[[ "$output" == *"linux.maskedPaths: needs a mount namespace"* ]]
	config 'del(.linux.maskedPaths, .linux.readonlyPaths) | .root.readonly = true'
	spec_run 'echo ran'
	[[ "$output" == *"root.readonly: needs a mount namespace"* ]]
	config '.root.readonly = false | .process.terminal = true'
	run hull run --bundle "$BUNDLE" "ospec-$BATS_TEST_NUMBER" </dev/null
	[[ "$output" == *"process.terminal: needs a mount namespace"* ]]
	assert_clean "ospec-$BATS_TEST_NUMBER"
}
