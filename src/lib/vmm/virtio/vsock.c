/* virtio/vsock.c - placeholder replaced below */
#include "virtio.h"
int virtio_vsock_create(struct hull_vm *vm, uint32_t cid, const char *path, struct hull_error **err)
{
	return hull_error_msg(err, 95, "vsock is not available yet");
}
