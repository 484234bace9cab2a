#!/usr/bin/env python3
"""mktar.py KIND OUT.tar [ARG]: layer tars for the unpacking tests.

hostile kinds (each must be refused):
  traversal        a member named ../escape
  absolute         a member named /abs-escape
  symlink-escape   link -> ARG (an outside dir), then link/pwned
  hardlink-escape  a hard link to ../../../../etc/hostname
  hardlink-abs     a hard link to /etc/hostname
  huge             a member claiming 1 TiB, with no data
features (must unpack faithfully):
  features         whiteout, opaque dir, hard link, long name, xattr,
                   char device 1:3, fifo, setuid file, symlink
"""
import io, sys, tarfile

kind, out = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else None


def add(t, name, typ=tarfile.REGTYPE, data=b"", mode=0o644, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.mode = mode
    ti.mtime = 1700000000
    for k, v in kw.items():
        setattr(ti, k, v)
    if typ == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)


with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    if kind == "traversal":
        add(t, "ok.txt", data=b"fine\n")
        add(t, "../escape", data=b"escaped\n")
    elif kind == "absolute":
        add(t, "/abs-escape", data=b"escaped\n")
    elif kind == "symlink-escape":
        add(t, "link", tarfile.SYMTYPE, linkname=arg)
        add(t, "link/pwned", data=b"pwned\n")
    elif kind == "hardlink-escape":
        add(t, "hl", tarfile.LNKTYPE, linkname="../../../../etc/hostname")
    elif kind == "hardlink-abs":
        add(t, "hl", tarfile.LNKTYPE, linkname="/etc/hostname")
    elif kind == "huge":
        ti = tarfile.TarInfo("huge.bin")
        ti.size = 1 << 40
        t.fileobj.write(ti.tobuf(tarfile.PAX_FORMAT))
    elif kind == "features":
        add(t, "dir", tarfile.DIRTYPE, mode=0o755)
        add(t, "dir/.wh.gone", data=b"")
        add(t, "opaque", tarfile.DIRTYPE, mode=0o755)
        add(t, "opaque/.wh..wh..opq", data=b"")
        add(t, "opaque/kept", data=b"kept\n")
        add(t, "dir/file", data=b"linked content\n")
        add(t, "dir/hard", tarfile.LNKTYPE, linkname="dir/file")
        long = "d" * 120 + "/" + "f" * 150
        add(t, long, data=b"long\n")
        ti = tarfile.TarInfo("xattr.txt")
        ti.size = 3
        ti.pax_headers = {"SCHILY.xattr.user.hull": "yes"}
        t.addfile(ti, io.BytesIO(b"x\n\n"[:3]))
        ti = tarfile.TarInfo("smuggle")
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        ti.pax_headers = {"SCHILY.xattr.trusted.overlay.opaque": "y",
                          "SCHILY.xattr.user.overlay.redirect": "/etc"}
        t.addfile(ti)
        add(t, "dev", tarfile.DIRTYPE, mode=0o755)
        add(t, "dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
        add(t, "fifo", tarfile.FIFOTYPE, mode=0o600)
        add(t, "suid", data=b"#!/bin/sh\n", mode=0o4755, uid=1000, gid=1000)
        add(t, "sym", tarfile.SYMTYPE, linkname="/dir/file")
    else:
        sys.exit("unknown kind " + kind)
