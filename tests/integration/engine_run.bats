#!/usr/bin/env bats
# hull run: the docker flow with the embedded busybox image, offline.

bats_require_minimum_version 1.5.0
load engine_helpers

setup_file() {
	export ENGINE_NET=11
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "run --rm prints the output and passes the exit status through" {
	run "$HULL" run --rm busybox echo hello
	[ "$status" -eq 0 ]
	[[ "$output" == *hello* ]]
	run "$HULL" run --rm busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "run --rm leaves no container, runtime state or address behind" {
	"$HULL" run --rm busybox true
	# gone from every listing at once; the monitor deletes the hidden
	# directory (.rm-ID) just after it has told the CLI the exit code
	[ -z "$(ls "$HULL_DATA_ROOT/containers")" ]
	for _ in $(seq 50); do [ -z "$(ls -A "$HULL_DATA_ROOT/containers")" ] && break; sleep 0.1; done
	[ -z "$(ls -A "$HULL_DATA_ROOT/containers")" ]
	[ -z "$(ls -A "$HULL_DATA_ROOT/run" 2>/dev/null)" ]
	[ "$(cat "$HULL_DATA_ROOT/networks/bridge/endpoints.json")" = "{}" ]
	run "$HULL" ps -aq
	[ -z "$output" ]
}

@test "run -it busybox sh is interactive on a terminal" {
	run script -qec "$HULL run --rm -it busybox sh" /dev/null <<<$'echo "tty:$(tty)"\nexit 7\n'
	[ "$status" -eq 7 ]
	[[ "$output" == *"tty:/dev/pts/0"* ]]
}

@test "-i without -t pipes stdin through and ends at EOF" {
	run bash -c "printf 'one\ntwo\n' | '$HULL' run --rm -i busybox wc -l"
	[ "$status" -eq 0 ]
	[[ "$output" == *2* ]]
}

@test "the image's Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts and Volumes are honoured" {
	"$HULL" create --name eng-base -e GREETING=from-image -w /srv -u nobody --expose 8081 -v /data \
		--entrypoint /bin/sh busybox -c 'echo "$GREETING $(pwd) $(id -u)"; ls -ld /data' >/dev/null
	"$HULL" commit eng-base eng-img:1 >/dev/null
	"$HULL" rm -v eng-base
	run "$HULL" run --name eng-from-img eng-img:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"from-image /srv 65534"* ]]
	run "$HULL" inspect -f '{{json .Config.ExposedPorts}} {{json .Config.Volumes}}' eng-from-img
	[[ "$output" == *'"8081/tcp"'* ]]
	[[ "$output" == *'"/data"'* ]]
	# the image's VOLUME got an anonymous volume
	run "$HULL" inspect -f '{{json .Mounts}}' eng-from-img
	[[ "$output" == *'"Destination":"/data"'* ]]
	[[ "$output" == *'"Type":"volume"'* ]]
	# flags override the image: command, user, env, workdir
	run "$HULL" run --rm -u 0 -e GREETING=flag -w /tmp eng-img:1 -c 'echo "$GREETING $(pwd) $(id -u)"'
	[[ "$output" == *"flag /tmp 0"* ]]
	"$HULL" rm -v eng-from-img
}

@test "a root process with no user namespace is warned about; -u is not" {
	run "$HULL" run --rm busybox true
	[[ "$output" == *"WARNING: the container's process runs as root"* ]]
	run "$HULL" run --rm -u 1000 busybox true
	[[ "$output" != *WARNING* ]]
}

@test "--privileged is said loudly, in the warning and in inspect" {
	run "$HULL" create --privileged --name eng-priv busybox true
	[[ "$output" == *PRIVILEGED* ]]
	run "$HULL" inspect -f '{{.HullSecurity.Warning}}' eng-priv
	[[ "$output" == *"PRIVILEGED CONTAINER"* ]]
	run "$HULL" inspect -f '{{.HostConfig.Privileged}}' eng-priv
	[ "$output" = true ]
	"$HULL" rm eng-priv
}

@test "docker's secure defaults: capabilities, seccomp, masked /proc" {
	# (this kernel has no /proc/kcore; /proc/interrupts is masked the same way)
	[ -n "$(head -c1 /proc/interrupts)" ]
	run "$HULL" run --rm busybox sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; echo "interrupts=$(wc -c </proc/interrupts)"; echo 1 >/proc/sysrq-trigger || echo ro-ok; unshare -n true || echo no-unshare'
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"ro-ok"* ]]
	[[ "$output" == *"interrupts=0"* ]]
	[[ "$output" == *"no-unshare"* ]]
	run "$HULL" run --rm --privileged busybox grep -E '^Seccomp:' /proc/self/status
	[[ "$output" == *"Seccomp:	0"* ]]
	run "$HULL" run --rm --cap-drop ALL --cap-add NET_BIND_SERVICE busybox grep CapEff /proc/self/status
	[[ "$output" == *"CapEff:	0000000000000400"* ]]
}

@test "bad flags fail with docker's status 125 and say why; nothing is left" {
	run "$HULL" run --rm -p 8080:99999 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"99999"* ]]
	run "$HULL" run --rm --pull never eng-no-such-image true
	[ "$status" -eq 125 ]
	[[ "$output" == *"eng-no-such-image"* ]]
	run "$HULL" run --rm -v data:relative busybox true
	[ "$status" -eq 125 ]
	run "$HULL" run --rm --restart always busybox true
	[ "$status" -eq 125 ]
	run -127 "$HULL" run --rm busybox /no/such/command
	[[ "$output" == *"/no/such/command"* ]]
	[ -z "$(ls -A "$HULL_DATA_ROOT/containers")" ]
}

@test "--read-only, --tmpfs, -h, --add-host, --dns" {
	run "$HULL" run --rm --read-only --tmpfs /scratch -h eng-box --add-host db:10.1.2.3 --dns 10.9.9.9 busybox \
		sh -c 'touch /x 2>/dev/null || echo ro; touch /scratch/y && echo tmpfs; hostname; grep db /etc/hosts; cat /etc/resolv.conf'
	[[ "$output" == *ro* ]]
	[[ "$output" == *tmpfs* ]]
	[[ "$output" == *eng-box* ]]
	[[ "$output" == *"10.1.2.3	db"* ]]
	[[ "$output" == *"nameserver 10.9.9.9"* ]]
}

@test "-m, --pids-limit and --cpus land in the container's cgroups" {
	run "$HULL" run --rm -m 64m --pids-limit 7 --cpus 0.5 busybox \
		cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us
	[ "$status" -eq 0 ]
	[[ "$output" == *$'7\n67108864\n50000'* ]]
}

@test "a missing image is pulled (from a registry on 127.0.0.1), with progress, then run" {
	command -v docker-registry >/dev/null
	reg=$(mktemp -d /tmp/eng-registry.XXXXXX)
	printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:8095\n' "$reg" >"$reg/config.yml"
	docker-registry serve "$reg/config.yml" >"$reg/log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1:8095/v2/ && break; sleep 0.1; done
	"$HULL" push busybox 127.0.0.1:8095/eng/busybox:1 >/dev/null
	run "$HULL" run --rm 127.0.0.1:8095/eng/busybox:1 echo pulled-and-ran
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -rf "$reg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Unable to find image '127.0.0.1:8095/eng/busybox:1' locally"* ]]
	[[ "$output" == *": Already exists"* || "$output" == *": Pull complete"* ]]
	[[ "$output" == *pulled-and-ran* ]]
	run "$HULL" images
	[[ "$output" == *127.0.0.1:8095/eng/busybox* ]]
}
