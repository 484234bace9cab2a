#!/usr/bin/env bats
# hull run --vm on networks (docs/vm-agent.md, "The network"): published
# ports, the default bridge and a user network shared with a plain
# container, --network none, and what `rm -f` leaves. One L1 boot of the
# nested machine (docs/nested.md) runs every scenario, each test reads its
# section; what is checked before any VM boots runs on this host.
bats_require_minimum_version 1.5.0

ENGINE_NET=245
load engine_helpers
load nested_helpers

# L1 needs, beyond vm_container.bats' files: the bridge, veth, tun and
# nftables NAT modules, libnftables (loaded by hull when it publishes) and
# the nft binary to show the ruleset.
nested_session() {
	local dir=$BATS_FILE_TMPDIR
	NESTED_FILES=()
	nested_engine_files -n "$dir" || return 1
	NESTED_FILES+=(-f "/usr/sbin/nft:nft")
	for lib in $(ldd /usr/sbin/nft | grep -oE '/[^ ]+' | grep -v -e 'libc\.so' -e 'ld-linux'); do
		NESTED_FILES+=(-f "$lib:lib/$(basename "$lib")")
	done
	cat >"$dir/run.sh" <<'SH'
export LD_LIBRARY_PATH=/nested/lib HULL_DATA_ROOT=/nested/data
for m in $(cat /nested/mods/order); do insmod /nested/mods/$m || echo "insmod $m failed"; done
$HULL load -i /nested/busybox.tar >/dev/null
K="--vm-kernel /nested/vmlinuz -m 256m"
page() { echo "mkdir /www && echo $1 >/www/index.html && exec httpd -f -p 80 -h /www"; }
# [CONTAINER] HOST PORT: wait (3 min at most) for an HTTP page from HOST:PORT, asked from L1
# or from inside CONTAINER, and print its last line (busybox-static's wget crashes without
# glibc's NSS modules: nc asks)
answers() {
	end=$(($(date +%s) + 180))
	while [ "$(date +%s)" -lt $end ]; do
		if [ $# -eq 3 ]; then out=$($HULL exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $2 $3" 2>/dev/null | tail -1)
		else out=$(printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 "$1" "$2" 2>/dev/null | tail -1); fi
		[ -n "$out" ] && echo "$out" && return 0
		sleep 1
	done
	return 1
}
$HULL network create vmnet >/dev/null
$HULL run -d --name plain --network vmnet busybox sh -c "$(page hello-from-plain)" >/dev/null
echo "plain=$?"
# both VMs boot at once; the user network's peer after plain: it has plain's name
$HULL run --vm $K -d --name web -p 127.0.0.1:19560:80 busybox sh -c "$(page hello-from-vm)" >/dev/null
echo "web=$?"
$HULL run --vm $K -d --name vmpeer --network vmnet busybox sh -c "$(page hello-from-vmpeer)" >/dev/null
echo "vmpeer=$?"
echo "=== none"
timeout 300 $HULL run --vm $K --network none --rm busybox sh -c 'ls /sys/class/net'
echo "rc=$?"
echo "=== publish"
answers 127.0.0.1 19560
rc=$?
echo "publish=$rc"
if [ $rc -ne 0 ]; then # what went wrong, for the log
	$HULL ps -a
	ip addr
	ip neigh
	for c in web vmpeer; do
		$HULL logs $c
		cat "/nested/data/containers/$($HULL inspect -f '{{.Id}}' $c)/console.log"
	done
fi
echo "=== inspect"
$HULL inspect web | grep -E '"(IPAddress|MacAddress|Gateway)": "[0-9a-f]'
$HULL exec web sh -c 'ip -4 addr show eth0; ip link show eth0; ip route'
echo "=== names"
answers plain vmpeer 80
echo "plain-to-vm=$?"
answers vmpeer plain 80
echo "vm-to-plain=$?"
echo "=== late-peer"
# a peer that joins after the VM booted: the guest's /etc/hosts follows
$HULL run -d --name late --network vmnet busybox sh -c "$(page hello-from-late)" >/dev/null
answers vmpeer late 80
echo "vm-to-late=$?"
echo "=== connect"
$HULL network connect vmnet web
echo "connect=$?"
echo "=== rm"
echo "taps-before=$(ip link show | grep -c ': tap')"
echo "dnat-before=$(/nested/nft list ruleset | grep -c 19560)"
# vmpeer's monitor dies: rm finds its tap and address in the record
id=$($HULL inspect -f '{{.Id}}' vmpeer)
mon=$(grep -o '"HullMonitorPid": *[0-9]*' /nested/data/containers/$id/state.json | grep -o '[0-9]*$')
kill -9 "$mon"
echo "killed=$?"
$HULL rm -f web vmpeer plain late >/dev/null
echo "rm=$?"
echo "taps-after=$(ip link show | grep -c ': tap')"
echo "dnat-after=$(/nested/nft list ruleset | grep -c 19560)"
echo "left=$(ls /nested/data/containers | wc -l)"
echo "=== end"
SH
	nested_session_run 900
}

setup_file() {
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

@test "run --vm -p: a published port of the VM on the default bridge answers on the host" {
	nested_output
	grep -qx "web=0" <<<"$NESTED_OUTPUT" || { echo "$NESTED_OUTPUT"; return 1; }
	output=$(nested_section publish)
	echo "$output"
	grep -qx "hello-from-vm" <<<"$output"
	grep -qx "publish=0" <<<"$output"
}

@test "run --vm: inspect shows the VM's address, which its guest's eth0 has, with the MAC and route" {
	nested_output
	output=$(nested_section inspect)
	echo "$output"
	ip=$(sed -n 's/.*"IPAddress": "\([0-9.]*\)".*/\1/p' <<<"$output" | head -1)
	mac=$(sed -n 's/.*"MacAddress": "\([0-9a-f:]*\)".*/\1/p' <<<"$output" | head -1)
	gw=$(sed -n 's/.*"Gateway": "\([0-9.]*\)".*/\1/p' <<<"$output" | head -1)
	[ -n "$ip" ] && [ -n "$mac" ] && [ -n "$gw" ]
	grep -q "inet $ip/" <<<"$output"
	grep -q "link/ether $mac " <<<"$output"
	grep -q "^default via $gw dev eth0" <<<"$output"
}

@test "run --vm --network: a VM and a plain container on a user network reach each other by name" {
	nested_output
	output=$(nested_section names)
	echo "$output"
	grep -qx "vmpeer=0" <<<"$NESTED_OUTPUT"
	grep -qx "hello-from-vmpeer" <<<"$output"
	grep -qx "plain-to-vm=0" <<<"$output"
	grep -qx "hello-from-plain" <<<"$output"
	grep -qx "vm-to-plain=0" <<<"$output"
}

@test "run --vm --network: a peer that joins the network later reaches the VM's /etc/hosts" {
	nested_output
	output=$(nested_section late-peer)
	echo "$output"
	grep -qx "hello-from-late" <<<"$output"
	grep -qx "vm-to-late=0" <<<"$output"
}

@test "run --vm --network none: the guest has loopback only" {
	nested_output
	output=$(nested_section none)
	echo "$output"
	[ "$(grep -vx 'rc=0' <<<"$output")" = "lo" ]
	grep -qx "rc=0" <<<"$output"
}

@test "network connect to a running VM container is refused by name" {
	nested_output
	output=$(nested_section connect)
	echo "$output"
	grep -q "runs in a micro-VM (--vm): network connect/disconnect is not supported" <<<"$output"
	grep -qx "connect=1" <<<"$output"
}

@test "rm -f of VM containers, one whose monitor was killed, leaves no tap and no DNAT element" {
	nested_output
	output=$(nested_section rm)
	echo "$output"
	grep -qx "taps-before=2" <<<"$output"
	grep -qx "killed=0" <<<"$output"
	grep -qx "dnat-before=1" <<<"$output"
	grep -qx "rm=0" <<<"$output"
	grep -qx "taps-after=0" <<<"$output"
	grep -qx "dnat-after=0" <<<"$output"
	grep -qx "left=0" <<<"$output"
}

@test "run --vm: host, container: and user-mode networks are refused at create, nothing is left" {
	run "$HULL" create --vm --network host busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--vm: --network host or container: (the VM has a network stack of its own) is not supported"* ]]
	run "$HULL" create --vm --network slirp4netns busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--network slirp4netns/pasta (a VM joins bridge networks only)"* ]]
	[ -z "$("$HULL" ps -aq)" ]
}

@test "run --vm -p is recorded like a container's; network connect of a VM container is refused" {
	"$HULL" network create eng-vmnet >/dev/null
	run "$HULL" create --vm --name eng-vmp --network eng-vmnet -p 127.0.0.1:19561:80 busybox true
	[ "$status" -eq 0 ]
	run "$HULL" inspect eng-vmp
	[[ "$output" == *'"HostPort": "19561"'* ]]
	[[ "$output" == *'"NetworkMode": "eng-vmnet"'* ]]
	run "$HULL" network connect bridge eng-vmp
	[ "$status" -ne 0 ]
	[[ "$output" == *"container eng-vmp runs in a micro-VM (--vm): network connect/disconnect is not supported"* ]]
	run "$HULL" network disconnect eng-vmnet eng-vmp
	[ "$status" -ne 0 ]
	[[ "$output" == *"network connect/disconnect is not supported"* ]]
	"$HULL" rm eng-vmp >/dev/null
	"$HULL" network rm eng-vmnet >/dev/null
}
