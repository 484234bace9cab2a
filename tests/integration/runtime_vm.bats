#!/usr/bin/env bats
# The runtime's command line with a micro-VM: a bundle annotated
# run.hull.isolation=vm runs in a VM under hull create/start/state/kill/
# delete/exec/ps/run, and so under containerd (ctr --runc-binary) and podman
# (--runtime) too (docs/vm-agent.md, "For orchestrators: the annotation").
# This machine's /dev/kvm cannot boot a Linux guest in useful time, so the
# VMs run in the nested machine (docs/nested.md): one L1 boot for the whole
# file, each test reading its scenario's section. What create refuses before
# any VM boots is checked on this host.
bats_require_minimum_version 1.5.0

load runtime_helpers
load nested_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

vm() { config '.annotations = {"run.hull.isolation": "vm"}'; }

# The initramfs hull would make (it needs the host's ldd and modules, not in
# L1), under the name its cache looks for: the hull binary and kernel version.
make_initramfs() {
	local kernel=$1 dir=$2 kver bin name
	kver=${kernel#/boot/vmlinuz-}
	bin="sha256:$(sha256sum "$HULL" | cut -c1-64)"
	name="initramfs-$kver-$(printf 'initramfs-v1\n%s\n%s\n\n' "$bin" "$kver" | sha256sum | cut -c1-16).cpio"
	"$HULL" vm-agent initramfs --kernel "$kernel" -o "$dir/$name" && echo "$dir/$name"
}

# What L1 gets: hull's guest initramfs, mkfs.ext4 (create makes the rootfs's
# ext4 image with it), recvtty (--console-socket), containerd with ctr and its
# runc shim (static Go), podman and conmon, and every library they link.
nested_session() {
	local dir=$BATS_FILE_TMPDIR kernel initrd l files=() libs
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	mkdir -p "$dir/vm" "$dir/b"
	initrd=$(make_initramfs "$kernel" "$dir/vm") || return 1
	cp -a "$RT_CACHE/rootfs" "$dir/b/rootfs"
	(cd "$dir/b" && "$HULL" spec)
	jq '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}
	    | .annotations = {"run.hull.isolation": "vm", "run.hull.vm.memory": "256m"}
	    | .process.args = ["sh", "-c", "tty; stty size; echo \"boot-id $(cat /proc/sys/kernel/random/boot_id)\"; echo \"nproc $(nproc)\"; grep MemTotal /proc/meminfo; trap \"echo got TERM; exit 3\" TERM; echo ready; while :; do sleep 1; done"]' \
		"$dir/b/config.json" >"$dir/b/c" && mv "$dir/b/c" "$dir/b/config.json"
	tar -C "$dir/b" -cf "$dir/b.tar" .
	libs=$( (ldd /usr/sbin/mke2fs /usr/bin/podman /usr/bin/conmon
		ldd "$(ldconfig -p | grep -m1 'libcrypto.so.3 ' | awk '{print $NF}')"
		ldconfig -p | grep -m1 'libcrypto.so.3 ' | awk '{print $NF}') |
		grep -oE '/[^ ]+' | sort -u | grep -v -e 'libc\.so' -e 'ld-linux' -e ':$')
	for l in $libs; do files+=(-f "$l:lib/$(basename "$l")"); done
	for l in /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /usr/bin/podman /usr/bin/conmon; do
		files+=(-f "$l:bin/$(basename "$l")")
	done
	files+=(-f "/usr/sbin/mke2fs:bin/mkfs.ext4" -f "$RECVTTY:recvtty" -f "$dir/b.tar:b.tar" -f "$kernel:vmlinuz"
		-f "$initrd:vm/$(basename "$initrd")")
	cat >"$dir/run.sh" <<'SH'
export PATH=/usr/bin:/usr/sbin:$PATH
mkdir -p /usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu /boot /var/lib/hull /var/tmp
cp -n /nested/lib/* /usr/lib/x86_64-linux-gnu/
cp /nested/bin/mkfs.ext4 /usr/sbin/ && cp /nested/bin/* /usr/bin/ && chmod 755 /usr/bin/* /usr/sbin/*
# the default kernel, as on a host: /boot/vmlinuz-$(uname -r)
cp /nested/vmlinuz "/boot/vmlinuz-$(uname -r)"
cp -r /nested/vm /var/lib/hull/vm
mkdir -p /nested/b && tar -C /nested/b -xf /nested/b.tar
H="$HULL --root /run/hrt"
st() { $H state "$1" | sed -n 's/.*"status": "\(.*\)".*/\1/p'; }
# hull's processes of this root (the shims, the VMMs: forks of hull create)
procs() { for p in /proc/[0-9]*; do tr '\0' ' ' <$p/cmdline 2>/dev/null; echo; done | grep -c '^/bin/hull --root /run/hrt create'; }
echo "l1-boot-id $(cat /proc/sys/kernel/random/boot_id)"
echo "l1-nproc $(nproc)"
echo "=== lifecycle"
/nested/recvtty /nested/console.sock </dev/null >/nested/tty.out 2>/nested/tty.err &
recv=$!
i=0; while [ ! -S /nested/console.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
$H create --bundle /nested/b --console-socket /nested/console.sock --pid-file /nested/c1.pid c1 </dev/null
echo "create=$?"
echo "state=$(st c1)"
echo "pidfile=$(cat /nested/c1.pid) state-pid=$($H state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')"
echo "ps=$($H ps --format json c1)"
echo "ps-first=$($H ps --format json c1 | sed 's/\[\([0-9]*\).*/\1/')"
echo "procs=$(procs)"
$H start c1
echo "start=$?"
echo "state=$(st c1)"
i=0; while ! grep -q ready /nested/tty.out && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo "=== exec"
$H exec c1 sh -c 'echo "exec-in $(cat /proc/1/cmdline | tr "\0" " ")"; echo oops >&2; exit 5'
echo "exec=$?"
printf '{"args": ["sh", "-c", "echo from-process-json $PWD $V; exit 2"], "cwd": "/tmp", "env": ["V=v1", "PATH=/bin"], "user": {"uid": 0, "gid": 0}}' >/nested/p.json
$H exec -p /nested/p.json c1
echo "exec-p=$?"
$H exec c1 nonexistent-command
echo "exec-missing=$?"
echo "=== kill"
$H delete c1
echo "delete-running=$?"
$H kill c1 TERM
echo "kill=$?"
i=0; while [ "$(st c1)" != stopped ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
echo "state=$(st c1)"
wait $recv
$H delete c1
echo "delete=$?"
echo "left=$(ls /run/hrt | wc -l) procs-left=$(procs)"
tr -d '\r' </nested/tty.out
cat /nested/tty.err
echo "=== run"
sed -i -e 's#"terminal": true#"terminal": false#' -e 's#"tty; stty size; #"echo run-started $(nproc); exit 7; #' \
	-e 's#"run.hull.vm.memory"#"run.hull.vm.kernel": "/nested/vmlinuz", "run.hull.vm.cpus": "2", "run.hull.vm.memory"#' /nested/b/config.json
timeout 300 $H run --bundle /nested/b r1 </dev/null
echo "run=$?"
echo "left=$(ls /run/hrt | wc -l)"
echo "=== ctr"
mkdir -p /nested/cd /run/cd
cat >/nested/cd/config.toml <<EOC
version = 2
root = "/nested/cd/root"
state = "/run/cd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "/run/cd/containerd.sock"
[ttrpc]
  address = "/run/cd/containerd.sock.ttrpc"
[debug]
  address = "/run/cd/debug.sock"
[metrics]
  address = ""
EOC
containerd --config /nested/cd/config.toml >/nested/cd/log 2>&1 &
cd_pid=$!
c() { timeout 300 ctr -a /run/cd/containerd.sock -n vmtest "$@"; }
i=0; while ! c version >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
c run --rm --runc-binary $HULL --annotation run.hull.isolation=vm --rootfs /nested/b/rootfs ctr1 \
	sh -c 'echo "ctr-boot-id $(cat /proc/sys/kernel/random/boot_id)"; echo "ctr-nproc $(nproc)"; exit 6' </dev/null
echo "ctr-run=$?"
c run -d --runc-binary $HULL --annotation run.hull.isolation=vm --rootfs /nested/b/rootfs ctr2 \
	sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' </dev/null
echo "ctr-run-d=$?"
c task exec --exec-id e1 ctr2 sh -c 'echo "ctr-exec-boot-id $(cat /proc/sys/kernel/random/boot_id)"; exit 4' </dev/null
echo "ctr-exec=$?"
c task kill ctr2
echo "ctr-kill=$?"
i=0; while ! c task ls | grep ctr2 | grep -q STOPPED && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
c task ls | grep ctr2
c task rm ctr2
echo "ctr-rm=$?"
c container rm ctr2
kill $cd_pid
echo "=== podman"
mkdir -p /etc/containers
echo '{"default": [{"type": "insecureAcceptAnything"}]}' >/etc/containers/policy.json
printf '[storage]\ndriver = "vfs"\ngraphroot = "/nested/ps/root"\nrunroot = "/run/ps"\n' >/etc/containers/storage.conf
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nconmon_path = ["/usr/bin/conmon"]\n' >/etc/containers/containers.conf
timeout 300 podman --runtime $HULL run --rm --network none --annotation run.hull.isolation=vm \
	--rootfs /nested/b/rootfs sh -c 'echo "podman-boot-id $(cat /proc/sys/kernel/random/boot_id)"; echo "podman-hosts $(grep -c localhost /etc/hosts)"; exit 9' </dev/null
echo "podman-run=$?"
echo "=== end"
SH
	NESTED_FILES=("${files[@]}")
	nested_session_run 900
}

# The nested session runs once, for the first test that needs it.
l1_value() { printf '%s\n' "$NESTED_OUTPUT" | sed -n "s/^$1 //p" | head -1; }

# ------------------------------------------------------------ on this host --

@test "create refuses, by the annotation's name, what a VM cannot honour; nothing is left" {
	vm
	config '.hooks = {"prestart": [{"path": "/bin/true"}]}'
	run -1 hull create --bundle "$BUNDLE" rt-vm1
	[[ "$output" == *"run.hull.isolation=vm: hooks"* ]]
	assert_clean rt-vm1
	config 'del(.hooks) | .linux.namespaces |= map(if .type == "network" then .path = "/proc/1/ns/net" else . end)'
	run -1 hull create --bundle "$BUNDLE" rt-vm1
	[[ "$output" == *"run.hull.isolation=vm: linux.namespaces: \`/proc/1/ns/net\`"* ]]
	assert_clean rt-vm1
	config '.linux.namespaces |= map(del(.path)) | .mounts += [{"destination": "/data", "type": "bind", "source": "/etc", "options": ["rbind"]}]'
	run -1 hull create --bundle "$BUNDLE" rt-vm1
	[[ "$output" == *"run.hull.isolation=vm: mounts: \`/etc\` on \`/data\`: a host directory cannot be bound"* ]]
	assert_clean rt-vm1
}

@test "create checks the annotations' values: isolation, memory, cpus, kernel" {
	config '.annotations = {"run.hull.isolation": "vmm"}'
	run -1 hull create --bundle "$BUNDLE" rt-vm2
	[[ "$output" == *"run.hull.isolation: \`vmm\` is neither vm nor container"* ]]
	config '.annotations = {"run.hull.isolation": "vm", "run.hull.vm.memory": "64m"}'
	run -1 hull create --bundle "$BUNDLE" rt-vm2
	[[ "$output" == *"annotation run.hull.vm.memory: \`64m\` is too little"* ]]
	config '.annotations = {"run.hull.isolation": "vm", "run.hull.vm.cpus": "0"}'
	run -1 hull create --bundle "$BUNDLE" rt-vm2
	[[ "$output" == *"annotation run.hull.vm.cpus: \`0\` is not a count"* ]]
	config '.annotations = {"run.hull.isolation": "vm", "run.hull.vm.kernel": "/nonexistent/bzImage"}'
	run -1 hull create --bundle "$BUNDLE" rt-vm2
	[[ "$output" == *"annotation run.hull.vm.kernel: \`/nonexistent/bzImage\`"* ]]
	run -1 hull run --bundle "$BUNDLE" rt-vm2
	[[ "$output" == *"run.hull.vm.kernel"* ]]
	assert_clean rt-vm2
	# "container" is the runtime as always
	config '.annotations = {"run.hull.isolation": "container"}'
	args sh -c 'echo plain'
	run hull run --bundle "$BUNDLE" rt-vm2 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = plain ]
}

# ------------------------------------------------- in the nested machine --

@test "create/state/ps/start: the shim is the state's pid; the guest's kernel, sized by the annotations, with the console socket's terminal" {
	nested_output
	output=$(nested_section lifecycle)
	echo "$output"
	grep -qx "create=0" <<<"$output"
	[ "$(grep -m1 '^state=' <<<"$output")" = "state=created" ]
	grep -qx "start=0" <<<"$output"
	grep -qx "state=running" <<<"$output"
	pidfile=$(sed -n 's/^pidfile=\([0-9]*\) .*/\1/p' <<<"$output")
	[ -n "$pidfile" ]
	grep -qx "pidfile=$pidfile state-pid=$pidfile" <<<"$output"
	# ps: the shim, then the VMM
	grep -qE '^ps=\[[0-9]+,[0-9]+\]$' <<<"$output"
	grep -qx "ps-first=$pidfile" <<<"$output"
	grep -qx "procs=2" <<<"$output" # the shim and the VMM
	output=$(nested_section kill)
	echo "$output"
	# the terminal came through --console-socket, sized by consoleSize
	grep -qx "/dev/pts/0" <<<"$output"
	grep -qx "30 100" <<<"$output"
	grep -q "recvtty: got /dev/pts/" <<<"$output"
	# another kernel: not L1's boot, one vCPU of L1's two, 256 MiB
	boot=$(sed -n 's/^boot-id //p' <<<"$output")
	[ -n "$boot" ]
	[ "$boot" != "$(l1_value l1-boot-id)" ]
	[ "$(l1_value l1-nproc)" -ge 2 ]
	grep -qx "nproc 1" <<<"$output"
	kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' <<<"$output")
	[ "$kb" -gt 150000 ]
	[ "$kb" -le 262144 ]
}

@test "exec into the VM container: args, -p process.json, the status; a missing program" {
	nested_output
	output=$(nested_section exec)
	echo "$output"
	# pid 1 of the container's pid namespace in the guest is its process
	grep -q "^exec-in sh -c tty; stty size" <<<"$output"
	grep -qx "oops" <<<"$output"
	grep -qx "exec=5" <<<"$output"
	grep -qx "from-process-json /tmp v1" <<<"$output"
	grep -qx "exec-p=2" <<<"$output"
	grep -qx "exec-missing=255" <<<"$output"
}

@test "kill forwards the signal into the guest; delete refuses a running one, then tears the VM down" {
	nested_output
	output=$(nested_section kill)
	echo "$output"
	grep -qx "delete-running=1" <<<"$output"
	grep -qx "kill=0" <<<"$output"
	grep -qx "got TERM" <<<"$output"
	grep -qx "state=stopped" <<<"$output"
	grep -qx "delete=0" <<<"$output"
	grep -qx "left=0 procs-left=0" <<<"$output"
}

@test "run: the exit status of the process in the VM; run.hull.vm.kernel and cpus" {
	nested_output
	output=$(nested_section run)
	echo "$output"
	grep -qx "run-started 2" <<<"$output" # run.hull.vm.cpus
	grep -qx "run=7" <<<"$output"
	grep -qx "left=0" <<<"$output"
}

@test "containerd: ctr run --runc-binary hull --annotation run.hull.isolation=vm; task exec, kill, rm" {
	nested_output
	output=$(nested_section ctr)
	echo "$output"
	boot=$(sed -n 's/^ctr-boot-id //p' <<<"$output")
	[ -n "$boot" ]
	[ "$boot" != "$(l1_value l1-boot-id)" ]
	grep -qx "ctr-nproc 1" <<<"$output"
	grep -qx "ctr-run=6" <<<"$output"
	grep -qx "ctr-run-d=0" <<<"$output"
	exec_boot=$(sed -n 's/^ctr-exec-boot-id //p' <<<"$output")
	[ -n "$exec_boot" ]
	[ "$exec_boot" != "$(l1_value l1-boot-id)" ]
	grep -qx "ctr-exec=4" <<<"$output"
	grep -qx "ctr-kill=0" <<<"$output"
	grep -q "^ctr2 .*STOPPED" <<<"$output"
	grep -qx "ctr-rm=0" <<<"$output"
}

@test "podman: podman --runtime hull run --annotation run.hull.isolation=vm; its /etc files travel in" {
	nested_output
	output=$(nested_section podman)
	echo "$output"
	boot=$(sed -n 's/^podman-boot-id //p' <<<"$output")
	[ -n "$boot" ]
	[ "$boot" != "$(l1_value l1-boot-id)" ]
	grep -qE "^podman-hosts [1-9]" <<<"$output"
	grep -qx "podman-run=9" <<<"$output"
}
