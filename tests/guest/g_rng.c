/* rng: virtio-rng end to end: two 64-byte requests come back full, differ
 * from each other and are not all zero. */
#include "vdrv.h"

void guest_main(struct boot_info *bi)
{
	struct vdev d;
	struct vqueue q;
	check(vdev_open(&d, 4, 0), "virtio-rng found", NULL);
	check(vdev_init(&d, 0) & (1ULL << 32), "virtio-rng features (VERSION_1)", NULL);
	vdev_queue(&d, &q, 0, 16, 0xffff);
	vdev_driver_ok(&d);
	static uint8_t a[64], b[64];
	uint32_t la = 0, lb = 0;
	vq_submit(&q, &(struct vbuf){ a, sizeof(a), true }, 1);
	bool ok_a = vq_wait(&q, &la, 1000000);
	vq_submit(&q, &(struct vbuf){ b, sizeof(b), true }, 1);
	bool ok_b = vq_wait(&q, &lb, 1000000);
	check(ok_a && ok_b && la == 64 && lb == 64, "virtio-rng filled both buffers", "%u %u", la, lb);
	unsigned zeros = 0;
	for (unsigned i = 0; i < 64; i++)
		zeros += a[i] == 0;
	check(memcmp(a, b, 64) && zeros < 16, "virtio-rng bytes look random", NULL);
	printf_serial("random: %02x%02x%02x%02x...\n", a[0], a[1], a[2], a[3]);
}
