/* hull/size.h - sizes as people type them ("512m", "1.5g"), docker's units. */
#ifndef HULL_SIZE_H
#define HULL_SIZE_H

/* hull_parse_size: "10m", "1k", "512", "2g", "1.5gb" -> bytes, binary
 * units as docker's RAMInBytes (k = 1024); -EINVAL on junk, -ERANGE from
 * 16 EiB up. */
int hull_parse_size(const char *s, unsigned long long *out);

#endif
