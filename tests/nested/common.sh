# tests/nested/common.sh - shared by run-nested and mkl2initrd: the Debian
# kernel, its modules, and cpio archives built from a staging directory.
# Sourced, not run.

# nested_kernel: the newest /boot/vmlinuz-* (linux-image-amd64), or $NESTED_KERNEL.
nested_kernel() {
	if [ -n "${NESTED_KERNEL:-}" ]; then
		echo "$NESTED_KERNEL"
		return
	fi
	ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1
}

# nested_kver KERNEL: the version its modules live under (/lib/modules/VER).
nested_kver() {
	basename "$1" | sed 's/^vmlinuz-//'
}

# nested_modules VER MOD...: the .ko paths (relative to /lib/modules/VER) of
# the named modules and everything they depend on, dependencies first, once.
nested_modules() {
	local ver=$1
	shift
	local dep=/lib/modules/$ver/modules.dep seen="" out="" m
	[ -r "$dep" ] || { echo "nested: no $dep (install linux-image-amd64)" >&2; return 1; }
	_nested_add() {
		local path line d pat
		pat=$(echo "$1" | sed 's/[-_]/[-_]/g')
		path=$(grep -E "(^|/)$pat\.ko(\.xz)?:" "$dep" | head -1 | cut -d: -f1)
		[ -n "$path" ] || { echo "nested: module $1 not in $dep" >&2; return 1; }
		case " $seen " in *" $path "*) return 0 ;; esac
		line=$(grep -E "^$path:" "$dep" | cut -d: -f2)
		for d in $line; do
			_nested_add "$(basename "$d" | sed -E 's/\.ko(\.xz)?$//')" || return 1
		done
		seen="$seen $path"
		out="$out $path"
	}
	for m in "$@"; do
		_nested_add "$m" || return 1
	done
	echo $out
}

# nested_stage_modules VER DIR MOD...: copy the modules (decompressed: busybox
# insmod takes plain .ko) into DIR/lib/modules/VER and list them, in load
# order, in DIR/lib/modules/VER/load.
nested_stage_modules() {
	local ver=$1 dir=$2
	shift 2
	local mods m dst
	mods=$(nested_modules "$ver" "$@") || return 1
	mkdir -p "$dir/lib/modules/$ver"
	: >"$dir/lib/modules/$ver/load"
	for m in $mods; do
		dst="$dir/lib/modules/$ver/$(basename "$m" .xz)"
		case "$m" in
		*.xz) xz -dc "/lib/modules/$ver/$m" >"$dst" || return 1 ;;
		*) cp "/lib/modules/$ver/$m" "$dst" || return 1 ;;
		esac
		echo "/lib/modules/$ver/$(basename "$dst")" >>"$dir/lib/modules/$ver/load"
	done
}

# nested_busybox DIR: busybox-static as DIR/bin/busybox with its applets linked.
nested_busybox() {
	local dir=$1 bb a
	bb=$(command -v busybox) || { echo "nested: busybox not found (install busybox-static)" >&2; return 1; }
	if ! file -L "$bb" 2>/dev/null | grep -q "statically linked" && [ -x /bin/busybox ]; then
		bb=/bin/busybox
	fi
	mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/proc" "$dir/sys" "$dir/dev" \
		"$dir/tmp" "$dir/mnt" "$dir/root" "$dir/etc"
	cp "$bb" "$dir/bin/busybox"
	for a in $("$bb" --list); do
		[ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"
	done
}

# nested_cpio DIR OUT [gzip]: DIR as a newc archive (owned by root), padded to 4 bytes.
nested_cpio() {
	local dir=$1 out=$2 z=${3:-}
	(
		cd "$dir" || exit 1
		if [ "$z" = gzip ]; then
			find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$out.tmp"
		else
			find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet >"$out.tmp"
		fi
		size=$(stat -c %s "$out.tmp")
		pad=$(((4 - size % 4) % 4))
		[ "$pad" -eq 0 ] || head -c "$pad" /dev/zero >>"$out.tmp"
	) || { rm -f "$out.tmp"; return 1; }
	mv "$out.tmp" "$out"
}
