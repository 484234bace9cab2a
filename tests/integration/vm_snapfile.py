#!/usr/bin/env python3
"""vm_snapfile.py FILE FIELD VALUE: rewrite one field of a hull snapshot
(format version 3, see src/lib/vmm/snapshot.c) and fix the checksums up, the
way a crafted file would: the checksums prove nothing about intent, so
every value behind them must still be bounded. FIELD is a header field
(version, state_size, mem_offset, mem_size), a state field (cpus, memory,
n_disks, path_len: the first disk path's length) or flip_state / flip_mem
OFFSET (flip a byte without fixing the checksum: plain corruption)."""
import struct, sys

def crc32c(data, crc=0):
    table = crc32c.table
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF

crc32c.table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    crc32c.table.append(c)

HDR = struct.Struct("<8sIIQQQQIIII")
path, field, value = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
with open(path, "r+b") as f:
    h = list(HDR.unpack(f.read(HDR.size)))
    state_off, state_size, mem_off = h[3], h[4], h[5]
    f.seek(state_off)
    state = bytearray(f.read(state_size))
    if field == "flip_state":
        f.seek(state_off + value)
        f.write(bytes([state[value] ^ 0x40]))
        sys.exit(0)
    if field == "flip_mem":
        f.seek(mem_off + value)
        b = f.read(1)
        f.seek(mem_off + value)
        f.write(bytes([(b[0] if b else 0) ^ 0x40]))
        sys.exit(0)
    names = ["magic", "version", "header_size", "state_offset", "state_size", "mem_offset", "mem_size"]
    if field in names:
        h[names.index(field)] = value
    elif field == "cpus":
        struct.pack_into("<I", state, 0, value)
    elif field == "memory":
        struct.pack_into("<Q", state, 4, value)
    elif field == "n_disks":
        struct.pack_into("<I", state, 16, value)
    elif field == "path_len":
        struct.pack_into("<I", state, 20, value)
    else:
        sys.exit("unknown field " + field)
    h[7] = crc32c(state)
    h[9] = crc32c(HDR.pack(*h)[:56])
    f.seek(0)
    f.write(HDR.pack(*h))
    f.seek(state_off)
    f.write(state)
