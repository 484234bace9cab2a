# cgroup_v2_nested.sh - run by cgroup_v2_nested.bats inside the nested
# machine (busybox sh, root, /sys/fs/cgroup a pure cgroup2 mount). Each
# scenario prints "=== NAME" and then KEY=VALUE lines the tests check.
# Files beside it: limits.json oom.json pids.json (runtime configs),
# rootless.json (`hull spec --rootless` for uid 1000).
set -u
cd /nested
cg=/sys/fs/cgroup
chmod 1777 /tmp
rd() { cat "$1" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
key() { awk -v k="$2" '$1 == k {print $2}' "$1" 2>/dev/null; }

# controllers on: the root offers them all, as systemd sets up a v2 host
for c in $(cat $cg/cgroup.controllers); do echo "+$c" >$cg/cgroup.subtree_control 2>/dev/null; done

# one busybox rootfs for every bundle (readable by the rootless user too)
mkdir -p /b/rootfs/bin /b/rootfs/proc /b/rootfs/sys /b/rootfs/dev /b/rootfs/tmp /b/rootfs/etc
cp /bin/busybox /b/rootfs/bin/
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox /b/rootfs/bin/$a; done
echo 'root:x:0:0:root:/root:/bin/sh' >/b/rootfs/etc/passwd
chmod -R a+rX /b
bundle() { # NAME CONFIG: /b/NAME with CONFIG (root.path is /b/rootfs)
	mkdir -p /b/$1
	cp /nested/$2 /b/$1/config.json
	chmod -R a+rX /b/$1
}
bundle limits limits.json
bundle oom oom.json
bundle pids pids.json

echo "=== host"
echo "controllers=$(rd $cg/cgroup.controllers)"
echo "mounts=$(awk '$3 ~ /^cgroup/ {print $2 ":" $3}' /proc/mounts | tr '\n' ' ')"

echo "=== limits"
(cd /b/limits && $HULL run -d c1 >/dev/null 2>/tmp/c1.err)
echo "run=$? $(rd /tmp/c1.err)"
d=$cg/hull/c1
for f in memory.max pids.max cpu.max cpu.weight io.weight io.bfq.weight cgroup.type; do
	[ -e $d/$f ] && echo "$f=$(rd $d/$f)"
done
echo "parent_subtree=$(rd $cg/hull/cgroup.subtree_control)"
pid=$($HULL state c1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
echo "init_in_cgroup=$(grep -c "^$pid\$" $d/cgroup.procs)"
# devices: /dev/null is allowed, /dev/kmsg (made by linux.devices) is not
$HULL exec c1 sh -c 'echo x >/dev/null && echo null=ok; head -c1 /dev/kmsg >/dev/null 2>&1 && echo kmsg=open || echo kmsg=denied'
# cpu.max is enforced: a busy loop at 50% quota gets throttled
$HULL exec c1 timeout 3 sh -c 'while :; do :; done'
echo "nr_throttled=$(key $d/cpu.stat nr_throttled)"
$HULL ps c1 >/tmp/ps.txt 2>&1
echo "ps_pid=$(grep -c " $pid " /tmp/ps.txt)"
$HULL events --stats c1 >/tmp/ev.json 2>&1
echo "events=$(rd /tmp/ev.json)"

echo "=== update"
$HULL update --memory 67108864 --pids-limit 50 --cpu-quota 25000 --cpu-period 100000 --cpu-share 2048 c1 2>&1
echo "update=$?"
for f in memory.max pids.max cpu.max cpu.weight; do echo "$f=$(rd $d/$f)"; done

echo "=== pause"
$HULL pause c1 2>&1
echo "pause=$? status=$($HULL state c1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
echo "freeze=$(rd $d/cgroup.freeze) frozen=$(key $d/cgroup.events frozen)"
$HULL resume c1 2>&1
echo "resume=$? status=$($HULL state c1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
echo "freeze=$(rd $d/cgroup.freeze) frozen=$(key $d/cgroup.events frozen)"

echo "=== delete"
$HULL kill c1 KILL 2>&1
sleep 1
$HULL delete c1 2>&1
echo "delete=$? exists=$([ -e $d ] && echo yes || echo no)"

echo "=== oom"
(cd /b/oom && $HULL run -d c2 >/dev/null 2>/tmp/c2.err)
echo "run=$? $(rd /tmp/c2.err)"
$HULL events --interval 200ms c2 >/tmp/oomev.json 2>&1 &
evpid=$!
i=0
while [ $i -lt 300 ] && $HULL state c2 2>/dev/null | grep -q '"running"'; do sleep 0.1; i=$((i + 1)); done
sleep 1
kill $evpid 2>/dev/null
echo "memory.max=$(rd $cg/hull/c2/memory.max)"
echo "oom_kill=$(key $cg/hull/c2/memory.events oom_kill)"
echo "oom_record=$(grep -c '"type":"oom"' /tmp/oomev.json)"
$HULL delete -f c2 2>&1

echo "=== pids"
(cd /b/pids && $HULL run -d c3 >/dev/null 2>&1)
echo "run=$?"
i=0
while [ $i -lt 300 ] && $HULL state c3 2>/dev/null | grep -q '"running"'; do sleep 0.1; i=$((i + 1)); done
cp /b/rootfs/tmp/c3.out /tmp/c3.out 2>/dev/null
echo "fork_failed=$(grep -c "can't fork" /tmp/c3.out)"
echo "started=$(grep -c started /tmp/c3.out)"
echo "pids.max=$(rd $cg/hull/c3/pids.max) events_max=$(key $cg/hull/c3/pids.events max)"
$HULL delete -f c3 2>&1
echo "gone=$([ -e $cg/hull/c3 ] && echo no || echo yes)"

echo "=== busy-parent"
# a relative cgroupsPath below a cgroup that holds a process (this shell):
# the kernel refuses its children controllers (no-internal-processes rule)
mkdir $cg/busy
sed 's|"cgroupsPath": *"[^"]*"|"cgroupsPath": "ctr"|' /b/limits/config.json >/b/limits/busy.json
grep -q '"cgroupsPath": "ctr"' /b/limits/busy.json || sed -i 's|"linux": *{|"linux": {"cgroupsPath": "ctr",|' /b/limits/busy.json
mkdir -p /b/busy && cp /b/limits/busy.json /b/busy/config.json
sh -c 'echo $$ >/sys/fs/cgroup/busy/cgroup.procs && cd /b/busy && exec "$0" run -d c4' "$HULL" >/tmp/c4.out 2>&1
echo "run=$? $(rd /tmp/c4.out)"
echo "left=$(ls $cg/busy | grep -c ctr) state=$($HULL list -q | grep -c c4)"

echo "=== engine"
[ -e /nested/overlay.ko ] && insmod /nested/overlay.ko
$HULL image build-default >/dev/null 2>/tmp/bd.err || echo "build-default: $(rd /tmp/bd.err)"
$HULL run -d --name e1 -m 32m --pids-limit 10 --cpus 0.5 --network none busybox sleep 300 >/dev/null 2>/tmp/e1.err
echo "run=$? $(rd /tmp/e1.err)"
id=$($HULL inspect -f '{{.Id}}' e1 2>/dev/null)
for f in memory.max pids.max cpu.max; do echo "$f=$(rd $cg/hull/$id/$f)"; done
$HULL rm -f e1 >/dev/null 2>&1
echo "gone=$([ -e $cg/hull/$id ] && echo no || echo yes)"

# An ordinary user with a delegated subtree, as systemd's user@.service
# (Delegate=yes) gives one: /user is theirs, their processes live in the
# leaf /user/session (systemd's init.scope), none in /user itself.
echo 'hulluser:x:1000:1000::/home/hulluser:/bin/sh' >>/etc/passwd
echo 'other:x:1001:1001::/home/other:/bin/sh' >>/etc/passwd
printf 'root:x:0:\nhulluser:x:1000:\nother:x:1001:\n' >>/etc/group
mkdir -p /home/hulluser /home/other
chown 1000:1000 /home/hulluser
chown 1001:1001 /home/other
mkdir $cg/user $cg/user/session
chown 1000:1000 $cg/user $cg/user/cgroup.procs $cg/user/cgroup.subtree_control $cg/user/cgroup.threads
chown -R 1000:1000 $cg/user/session
as() { # USER SESSION-CGROUP COMMAND: COMMAND as USER from that cgroup
	sh -c 'echo $$ >"$1/cgroup.procs" && exec su -s /bin/sh "$0" -c "$2"' "$1" "$cg$2" "cd /tmp; $3"
}
bundle rootless rootless.json

echo "=== rootless-runtime"
as hulluser /user/session "cd /b/rootless && $HULL --root /tmp/rl-state run -d r1 >/dev/null 2>/tmp/r1.err"
echo "run=$? $(rd /tmp/r1.err)"
d=$cg/user/hull/r1
for f in memory.max pids.max cpu.max; do echo "$f=$(rd $d/$f)"; done
echo "owner=$(stat -c %u $d)"
as hulluser /user/session "$HULL --root /tmp/rl-state update --memory 67108864 r1" 2>&1
echo "update=$? memory.max=$(rd $d/memory.max)"
as hulluser /user/session "$HULL --root /tmp/rl-state pause r1 && $HULL --root /tmp/rl-state state r1" >/tmp/rp.out 2>&1
echo "pause=$? frozen=$(key $d/cgroup.events frozen) paused=$(grep -c '"paused"' /tmp/rp.out)"
as hulluser /user/session "$HULL --root /tmp/rl-state resume r1 && $HULL --root /tmp/rl-state delete -f r1" 2>&1
echo "delete=$? gone=$([ -e $d ] && echo no || echo yes)"

echo "=== rootless-engine"
as hulluser /user/session "$HULL image build-default >/dev/null" 2>&1
as hulluser /user/session "$HULL run -d --name re1 -m 32m --pids-limit 10 --cpus 0.5 --network none busybox sleep 300 >/dev/null" 2>/tmp/re1.err
echo "run=$? $(rd /tmp/re1.err)"
id=$(as hulluser /user/session "$HULL inspect -f '{{.Id}}' re1" 2>/dev/null)
for f in memory.max pids.max cpu.max; do echo "$f=$(rd $cg/user/hull/$id/$f)"; done
as hulluser /user/session "$HULL rm -f re1 >/dev/null" 2>&1
echo "gone=$([ -e $cg/user/hull/$id ] && echo no || echo yes)"

echo "=== rootless-refused"
# a user whose cgroup (the root's) is not theirs: limits refused, with the reason
sh -c 'exec su -s /bin/sh other -c "cd /tmp; $0 run --rm -m 32m --network none busybox true"' "$HULL" >/tmp/o.out 2>&1
echo "run=$? $(rd /tmp/o.out)"
