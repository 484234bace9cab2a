/* bus.c - port I/O and MMIO ranges, dispatched from KVM_RUN exits (kvmtool's
 * ioport/mmio buses, as a sorted-by-nothing small array: a micro-VM has a
 * dozen ranges, and a linear scan of them costs less than the exit). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/fs.h"
#include "vm.h"

int vm_bus_add(struct vm_bus *bus, uint64_t base, uint64_t len, vm_bus_fn fn, void *opaque, struct hull_error **err)
{
	for (size_t i = 0; i < bus->n; i++) {
		struct vm_bus_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return hull_error_msg(err, EBUSY, "address range 0x%llx+0x%llx overlaps 0x%llx+0x%llx",
					      (unsigned long long)base, (unsigned long long)len,
					      (unsigned long long)r->base, (unsigned long long)r->len);
	}
	bus->ranges = hull_xrealloc(bus->ranges, (bus->n + 1) * sizeof(*bus->ranges));
	bus->ranges[bus->n++] = (struct vm_bus_range){ base, len, fn, opaque };
	return 0;
}

void vm_bus_remove(struct vm_bus *bus, void *opaque, uint64_t base)
{
	for (size_t i = 0; i < bus->n; i++) {
		if (bus->ranges[i].opaque == opaque && bus->ranges[i].base == base) {
			bus->ranges[i] = bus->ranges[--bus->n];
			return;
		}
	}
}

bool vm_bus_dispatch(struct vm_bus *bus, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	for (size_t i = 0; i < bus->n; i++) {
		struct vm_bus_range *r = &bus->ranges[i];
		if (addr >= r->base && addr - r->base < r->len) {
			r->fn(r->opaque, addr - r->base, data, len, is_write);
			return true;
		}
	}
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}

void vm_bus_free(struct vm_bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->n = 0;
}
