# L1 side of tests/integration/vm_nested_net_vsock.bats: a tap for hull's
# virtio-net, the host ends of the streams (each with a time limit, so one
# that hangs costs its limit, not the whole run), then the guest's console.
up() { cut -d' ' -f1 /proc/uptime; }
step() { # step NAME SECONDS COMMAND...: run COMMAND, say how it ended and when
	name=$1 limit=$2
	shift 2
	timeout "$limit" "$@"
	rc=$?
	echo "L1: $name ended ($rc) at $(up)"
	[ $rc -eq 0 ] || { echo "L1: the guest's console so far:"; tail -15 console.log | sed 's/^/L1:   /'; }
}
SIZE=$(cat size)
insmod tun.ko
tunctl -t tap0 >/dev/null && ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up || echo "L1: no tap"
chmod +x streamio
echo "L1: hull starts at $(up)"
timeout 600 $HULL vm run --kernel bzImage --initrd l2.gz --memory 512M --net tap:tap0 --vsock 3 \
	--vsock-path /tmp/v --cmdline "console=ttyS0 quiet" >console.log 2>&1 &
hull=$!
step net-g2h ${LIMIT_FIRST:-300} sh -c './streamio recv tcp-listen:7001 | md5sum >net-g2h'
step net-h2g ${LIMIT:-120} sh -c './streamio gen "$0" | ./streamio send tcp:10.0.2.2:7002' "$SIZE"
step vsock-g2h ${LIMIT:-120} sh -c './streamio recv unix-listen:/tmp/v_5001 | tee /tmp/g2h | md5sum >vsock-g2h'
echo "L1: vsock-g2h got $(wc -c </tmp/g2h) bytes"; rm -f /tmp/g2h
step vsock-h2g ${LIMIT:-120} sh -c './streamio gen "$0" | ./streamio send hull:/tmp/v:6001' "$SIZE"
step stall 90 sh -c './streamio stall unix-listen:/tmp/v_5002 15 >stall'
# the guest powers off after its last scenario
(
	sleep 120
	kill -0 $hull 2>/dev/null || exit 0
	echo "L1: hull still runs 120 s after the last stream; its threads:"
	for t in /proc/[0-9]*/task/*; do
		grep -q hull "${t%/task/*}/cmdline" 2>/dev/null || continue
		echo "L1:   ${t#/proc/} $(cat $t/wchan 2>/dev/null) $(head -3 $t/stack 2>/dev/null | tr '\n' ' ')"
	done
	kill $hull 2>/dev/null
	sleep 10
	kill -9 $hull 2>/dev/null
) &
wait $hull
echo "hull status $? at $(up)"
for f in net-g2h vsock-g2h stall; do echo "=== l1-$f"; cat $f; done
echo "=== console"
cat console.log
echo "=== "
