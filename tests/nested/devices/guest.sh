# L2 side of tests/integration/vm_nested_net_vsock.bats: virtio-net and
# virtio-vsock with Debian's drivers. SIZE is set by the line the test prepends.
up() { cut -d' ' -f1 /proc/uptime; }
echo "=== probe"
ls /sys/bus/virtio/drivers/virtio_net/ /sys/bus/virtio/drivers/vmw_vsock_virtio_transport/ | grep virtio
ip addr add 10.0.2.2/24 dev eth0 && ip link set eth0 up && ip -o addr show eth0
echo "=== ping"
ping -c 3 -W 10 10.0.2.1 | grep -E "bytes from|transmitted"
echo "=== net-g2h"
t0=$(up); /streamio gen "$SIZE" | /streamio send tcp:10.0.2.1:7001 && echo "sent $SIZE in $(up) - $t0 s"
echo "=== net-h2g"
t0=$(up); /streamio recv tcp-listen:7002 | md5sum; echo "received in $(up) - $t0 s"
echo "=== vsock-g2h"
t0=$(up); /streamio gen "$SIZE" | /streamio send vsock:2:5001 && echo "sent $SIZE in $(up) - $t0 s"
echo "=== vsock-h2g"
t0=$(up); /streamio recv vsock-listen:6001 | md5sum; echo "received in $(up) - $t0 s"
echo "=== stall"
# the host peer of port 5002 accepts and reads nothing for 15 s: the
# console must keep ticking while the guest's writes wait for credit
/streamio gen 8000000 | /streamio send vsock:2:5002 &
sender=$!
for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i at $(up)"; sleep 1; done
wait $sender && echo "stalled stream done at $(up)"
echo "=== end"
