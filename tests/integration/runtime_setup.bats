#!/usr/bin/env bats
# What a user checks inside a container: config.json applied.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "hostname, domainname and pid 1 is the process itself" {
	config '.hostname = "rt-box" | .domainname = "example.org"'
	run_in 'echo $(hostname) $(cat /proc/sys/kernel/domainname) pid=$$ $(cat /proc/1/comm); ps -o pid,comm | wc -l'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "rt-box example.org pid=1 sh" ]
	# ps sees only the container: header, sh, ps, wc
	[ "${lines[1]}" -le 4 ]
}

@test "namespaces are new: pid, net, ipc, uts, mount differ from the host" {
	run_in 'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done'
	[ "$status" -eq 0 ]
	local i=0 n
	for n in pid net ipc uts mnt; do
		[ "${lines[$i]}" != "$(readlink /proc/self/ns/$n)" ]
		i=$((i + 1))
	done
	# the new network namespace has only lo
	run_in 'ls /sys/class/net'
	[ "$output" = lo ]
}

@test "mounts from config.json are visible with their options" {
	run_in 'grep -E " /(proc|dev|dev/pts|dev/shm|dev/mqueue|sys) " /proc/mounts | cut -d" " -f2,3,4'
	[ "$status" -eq 0 ]
	[[ "$output" == *"/proc proc rw"* ]]
	[[ "$output" == *"/dev tmpfs rw,nosuid"* ]]
	[[ "$output" == *"/dev/pts devpts rw,nosuid,noexec"* ]]
	[[ "$output" == *"/dev/shm tmpfs rw,nosuid,nodev,noexec"* ]]
	[[ "$output" == *"/dev/mqueue mqueue"* ]]
	[[ "$output" == *"/sys sysfs ro,nosuid,nodev,noexec"* ]]
}

@test "bind mounts: read-only, read-write, a single file, rbind" {
	mkdir -p "$TMP/data/sub" && echo host-file >"$TMP/data/f" && echo one >"$TMP/single"
	config ".mounts += [{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"$TMP/data\",\"options\":[\"rbind\",\"ro\"]},
		{\"destination\":\"/rw\",\"type\":\"none\",\"source\":\"$TMP/data\",\"options\":[\"bind\"]},
		{\"destination\":\"/etc/single\",\"type\":\"bind\",\"source\":\"$TMP/single\",\"options\":[\"bind\",\"ro\"]}]"
	run_in 'cat /ro/f; touch /ro/x 2>&1 || echo ro-refused; touch /rw/y && echo rw-ok; cat /etc/single'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-file ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ "${lines[2]}" = ro-refused ]
	[ "${lines[3]}" = rw-ok ]
	[ "${lines[4]}" = one ]
	[ -e "$TMP/data/y" ]
}

@test "a relative bind source is relative to the bundle, not to the caller's directory" {
	mkdir -p "$BUNDLE/data" && echo from-bundle >"$BUNDLE/data/f"
	config '.mounts += [{"destination":"/data","type":"bind","source":"data","options":["bind"]}]'
	args cat /data/f
	run bash -c 'cd / && "$0" --root "$1" run --bundle "$2" rt-rel </dev/null' "$HULL" "$ROOT" "$BUNDLE"
	[ "$status" -eq 0 ]
	[ "$output" = from-bundle ]
}

@test "recursive mount options: rro and rnoexec reach submounts, ro does not" {
	mkdir -p "$TMP/vol" && mount -t tmpfs td-vol "$TMP/vol"
	mkdir "$TMP/vol/sub" && mount -t tmpfs td-sub "$TMP/vol/sub"
	cp /bin/busybox "$TMP/vol/sub/true" # busybox runs the applet its name says
	config ".mounts += [{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"$TMP/vol\",\"options\":[\"rbind\",\"ro\"]},
		{\"destination\":\"/rro\",\"type\":\"bind\",\"source\":\"$TMP/vol\",\"options\":[\"rbind\",\"rro\",\"rnoexec\"]}]"
	run_in 'touch /ro/sub/a && echo ro-sub-writable; touch /rro/sub/b 2>&1; /ro/sub/true && echo ro-exec; /rro/sub/true 2>&1 || echo rro-noexec'
	umount -R "$TMP/vol"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ro-sub-writable ]
	[[ "${lines[1]}" == *"/rro/sub/b"*"Read-only file system"* ]]
	[ "${lines[2]}" = ro-exec ]
	[[ "${lines[3]}" == *"Permission denied"* ]]
	[ "${lines[4]}" = rro-noexec ]
}

@test "mount propagation: an rshared bind passes host mounts in" {
	mkdir -p "$TMP/shared"
	mount --bind "$TMP/shared" "$TMP/shared"
	mount --make-shared "$TMP/shared"
	config ".mounts += [{\"destination\":\"/shared\",\"type\":\"bind\",\"source\":\"$TMP/shared\",\"options\":[\"rbind\",\"rshared\"]}]"
	args sh -c 'for i in $(seq 100); do [ -e /shared/late/marker ] && { echo seen; exit 0; }; sleep 0.05; done; exit 1'
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" rt-prop >"$TMP/out" 2>&1 </dev/null &
	local pid=$!
	wait_status rt-prop running
	mkdir -p "$TMP/late" && touch "$TMP/late/marker"
	mkdir -p "$TMP/shared/late"
	mount --bind "$TMP/late" "$TMP/shared/late"
	local rc=0
	wait $pid || rc=$?
	umount "$TMP/shared/late"
	umount "$TMP/shared"
	[ "$rc" -eq 0 ]
	[ "$(cat "$TMP/out")" = seen ]
}

@test "masked paths are empty and read-only paths are read-only" {
	run_in 'wc -c </proc/keys; ls /sys/firmware | wc -l; echo 1 >/proc/sys/kernel/ns_last_pid 2>&1 || echo ro-sys; grep -E " /proc/(sys|bus|fs|irq) " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(wc -c </proc/keys)" -gt 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(ls /sys/firmware | wc -l)" -gt 0 ]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
	[ "${lines[3]}" = ro-sys ]
	[ "$(echo "${lines[@]:4}")" = "/proc/bus ro /proc/fs ro /proc/irq ro /proc/sys ro" ]
}

@test "root.readonly makes / read-only; false leaves it writable" {
	run_in 'touch /x 2>&1 || echo refused'
	[[ "$output" == *"Read-only file system"* ]]
	config '.root.readonly = false'
	run_in 'touch /x && echo ok'
	[ "$output" = ok ]
}

@test "process user, additional groups and umask" {
	config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63}'
	run_in 'id -u; id -g; id -G; umask; echo $HOME'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = "1000 10 20" ]
	[ "${lines[3]}" = 0077 ]
	[ "${lines[4]}" = /home/user ]
}

@test "rlimits, env, cwd, noNewPrivileges and oomScoreAdj" {
	config '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":512,"hard":768},{"type":"RLIMIT_NPROC","soft":100,"hard":100}]
		| .process.env = ["PATH=/bin", "GREETING=hello world"] | .process.cwd = "/tmp/work"
		| .process.oomScoreAdj = 500 | .process.noNewPrivileges = true'
	run_in 'ulimit -n; ulimit -Hn; ulimit -u; echo "$GREETING"; pwd; grep NoNewPrivs /proc/self/status | cut -f2; cat /proc/self/oom_score_adj'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 768 ]
	[ "${lines[2]}" = 100 ]
	[ "${lines[3]}" = "hello world" ]
	[ "${lines[4]}" = /tmp/work ]
	[ "${lines[5]}" = 1 ]
	[ "${lines[6]}" = 500 ]
	config '.process.noNewPrivileges = false'
	run_in 'grep NoNewPrivs /proc/self/status | cut -f2'
	[ "$output" = 0 ]
}

@test "sysctl is set inside the container's namespaces only" {
	config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}'
	run_in 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1234 ]
	[ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}

@test "default devices, linux.devices and the /dev symlinks" {
	config '.linux.devices = [{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":432,"uid":0,"gid":0}]'
	run_in 'for d in null zero full random urandom tty fuse; do stat -c "%n %t:%T %a" /dev/$d; done; echo x >/dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; for l in fd stdin ptmx; do readlink /dev/$l; done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null 1:3 666" ]
	[ "${lines[5]}" = "/dev/tty 5:0 666" ]
	[ "${lines[6]}" = "/dev/fuse a:e5 660" ]
	[ "${lines[7]}" = null-ok ]
	[ "${lines[8]}" = 4 ]
	[ "${lines[9]}" = /proc/self/fd ]
	[ "${lines[10]}" = /proc/self/fd/0 ]
	[ "${lines[11]}" = pts/ptmx ]
}

@test "the cgroup mount shows the container's own hierarchies read-only" {
	run_in 'ls /sys/fs/cgroup | tr "\n" " "; touch /sys/fs/cgroup/memory/x 2>&1 || echo ro'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *memory* ]]
	[[ "${lines[0]}" == *pids* ]]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "a network namespace joined by path (ip netns add)" {
	local ns="rt-ns-$$"
	ip netns add "$ns"
	ip -n "$ns" link add rt-veth0 type veth peer name rt-veth1
	config ".linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"/run/netns/$ns\" else . end]"
	run_in 'echo $(ls /sys/class/net); readlink /proc/self/ns/net'
	local ino
	ino=$(ip netns exec "$ns" readlink /proc/self/ns/net)
	ip netns delete "$ns"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *rt-veth0* ]]
	[ "${lines[1]}" = "$ino" ]
}

@test "a user namespace with uid/gid mappings" {
	config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .process.user = {"uid": 0, "gid": 0} | .root.readonly = false'
	chown -R 100000:100000 "$BUNDLE/rootfs"
	chmod 755 "$TMP" "$BUNDLE"
	run_in 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " "; id -u; echo hi >/tmp/f && stat -c %u /tmp/f'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = " 0 100000 65536" ]
	[ "${lines[1]}" = " 0 100000 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
	# on the host the file belongs to the mapped uid
	[ "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" = 100000 ]
}

@test "a user namespace's root binds sources only the host's root may enter (new and joined namespace)" {
	# the sources are readable; the directory they are in is not (0700, the host's root)
	mkdir -m 700 "$TMP/private" && mkdir "$TMP/private/dir" && echo secret-dir >"$TMP/private/dir/f"
	echo secret-file >"$TMP/private/file"
	config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .process.user = {"uid": 0, "gid": 0}
		| .mounts += [{"destination":"/d","type":"bind","source":"'"$TMP"'/private/dir","options":["rbind"]},
			{"destination":"/f","type":"bind","source":"'"$TMP"'/private/file","options":["bind","ro"]}]'
	chmod 755 "$TMP" "$BUNDLE"
	mkdir "$BUNDLE/rootfs/d" && touch "$BUNDLE/rootfs/f" # the mapped root may not create them
	run_in 'cat /d/f /f'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = secret-dir ]
	[ "${lines[1]}" = secret-file ]
	# joined by path: the child joins, then unshares its mount namespace;
	# its new pid namespace belongs to the joined user namespace (so that
	# its root may mount proc)
	args sleep 100
	hull run -d --bundle "$BUNDLE" rt-owner </dev/null
	owner=$(hull state rt-owner | jq .pid)
	config '.linux.namespaces |= map(if .type == "user" then .path = "/proc/'"$owner"'/ns/user" else . end)
		| del(.linux.uidMappings) | del(.linux.gidMappings)'
	run_in 'cat /d/f /f; readlink /proc/self/ns/user; echo $$'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = secret-dir ]
	[ "${lines[1]}" = secret-file ]
	[ "${lines[2]}" = "$(readlink /proc/$owner/ns/user)" ]
	[ "${lines[3]}" = 1 ] # pid 1 of its own pid namespace, with proc mounted
}

@test "--no-pivot runs in a chroot with the same view" {
	args sh -c 'hostname; cat /proc/1/comm; ls /'
	run hull run --no-pivot --bundle "$BUNDLE" rt-nopivot </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hull ]
	[ "${lines[1]}" = sh ]
	[[ "$output" == *"bin"* ]]
	assert_clean rt-nopivot
}

@test "time and cgroup namespaces are new when asked for" {
	config '.linux.namespaces += [{"type":"time"},{"type":"cgroup"}]'
	run_in 'readlink /proc/self/ns/time; readlink /proc/self/ns/cgroup; grep -c ":/$" /proc/self/cgroup'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(readlink /proc/self/ns/time)" ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/cgroup)" ]
	# in its own cgroup namespace the container sees its cgroups as the root
	[ "${lines[2]}" -eq "$(wc -l </proc/self/cgroup)" ]
}

@test "--preserve-fds passes extra fds to the process" {
	echo through-fd-3 >"$TMP/extra"
	args sh -c 'cat <&3; ls /proc/self/fd | wc -l'
	run hull run --preserve-fds 1 --bundle "$BUNDLE" rt-fds 3<"$TMP/extra" </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = through-fd-3 ]
	# 0, 1, 2, 3 and the directory ls reads: nothing else leaked in
	[ "${lines[1]}" -eq 5 ]
}

@test "rootless: an unprivileged user runs a container from a --rootless spec" {
	local rl=$TMP/rootless
	mkdir -p "$rl"
	cp -a "$BUNDLE/rootfs" "$rl/rootfs"
	chown -R 65534:65534 "$rl"
	chmod 755 "$TMP"
	run setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "cd $rl && $HULL spec --rootless &&
		jq '.process.terminal=false | .process.args=[\"sh\",\"-c\",\"id -u; cat /proc/self/uid_map; hostname\"]' config.json >c && mv c config.json &&
		$HULL --root $rl/state run rt-rootless </dev/null"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "0 65534 1" ]
	[ "${lines[2]}" = hull ]
	[ ! -e "$rl/state/rt-rootless" ]
}
