#!/bin/sh
# mkbzimage.sh ELF OUT: wrap a guest linked at 1 MiB into a bzImage: two
# 512-byte sectors (boot sector + one setup sector) carrying the setup header
# (Documentation/arch/x86/boot.rst), then the flat image. Only the 64-bit
# entry is usable (XLF_KERNEL_64): there is no real-mode setup code.
set -eu
elf=$1 out=$2
tmp=$out.tmp.$$
objcopy -O binary "$elf" "$tmp.payload"
size=$(stat -c %s "$tmp.payload")
# bytes of the loaded image plus .bss, rounded up: init_size
end=$(nm "$elf" | awk '$3 == "bss_end" { print $1 }')
init_size=$(( 0x$end - 0x100000 + 4096 ))
le() { # le VALUE BYTES: little-endian octal escapes for printf
	v=$1 n=$2 s=""
	while [ "$n" -gt 0 ]; do
		s="$s\\$(printf %03o $((v & 255)))"
		v=$((v >> 8)) n=$((n - 1))
	done
	printf "$s"
}
put() { # put OFFSET VALUE BYTES
	le "$2" "$3" | dd of="$tmp.hdr" bs=1 seek=$(($1)) conv=notrunc status=none
}
dd if=/dev/zero of="$tmp.hdr" bs=1024 count=1 status=none
put 0x1f1 1 1                       # setup_sects
put 0x1f4 $(((size + 15) / 16)) 4   # syssize (16-byte units)
put 0x1fe 0xaa55 2                  # boot_flag
put 0x200 0x66eb 2                  # jump over the header: header ends at 0x202 + 0x66
printf 'HdrS' | dd of="$tmp.hdr" bs=1 seek=$((0x202)) conv=notrunc status=none
put 0x206 0x020f 2                  # protocol 2.15
put 0x211 1 1                       # loadflags: LOADED_HIGH
put 0x214 0x100000 4                # code32_start
put 0x22c 0x7fffffff 4              # initrd_addr_max
put 0x230 0x200000 4                # kernel_alignment
put 0x236 1 2                       # xloadflags: XLF_KERNEL_64
put 0x238 2047 4                    # cmdline_size
put 0x258 0x100000 8                # pref_address
put 0x260 $init_size 4              # init_size
cat "$tmp.hdr" "$tmp.payload" >"$tmp"
rm -f "$tmp.hdr" "$tmp.payload"
mv "$tmp" "$out"
