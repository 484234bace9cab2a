#!/bin/sh
# build.sh SRCDIR OUTDIR [CC]: build every test guest as a PVH ELF (OUTDIR/NAME,
# loadable by hull and by qemu -M microvm -kernel) and as a minimal bzImage
# (OUTDIR/NAME.bzImage: a Linux boot protocol 2.15 setup header in front of
# the same image, entered at its 64-bit entry point by hull).
set -eu
src=$1 out=$2 cc=${3:-gcc}
mkdir -p "$out"
cflags="-std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -Wno-format-zero-length -ffreestanding -fno-builtin -nostdlib -static
 -fno-pic -fno-pie -no-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-stack-protector
 -fno-asynchronous-unwind-tables -fcf-protection=none -I$src"
$cc $cflags -c "$src/start.S" -o "$out/start.o"
$cc $cflags -c "$src/lib.c" -o "$out/lib.o"
$cc $cflags -c "$src/vdrv.c" -o "$out/vdrv.o"
for c in "$src"/g_*.c; do
	name=$(basename "$c" .c)
	name=${name#g_}
	$cc $cflags -c "$c" -o "$out/$name.o"
	$cc $cflags -Wl,-T,"$src/guest.ld" -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
		"$out/start.o" "$out/lib.o" "$out/vdrv.o" "$out/$name.o" -o "$out/$name.tmp"
	mv "$out/$name.tmp" "$out/$name"
	"$src/mkbzimage.sh" "$out/$name" "$out/$name.bzImage"
done
touch "$out/stamp"
