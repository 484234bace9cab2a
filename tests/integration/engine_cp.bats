#!/usr/bin/env bats
# hull cp: docker cp's path rules both ways, tar streams on stdin/stdout,
# running and stopped containers, a symlink in the container never followed
# out to the host, ownership, and a rootless user. Names prefixed dc-.

bats_require_minimum_version 1.5.0

load engine_helpers

setup_file() {
	export ENGINE_NET=186
	engine_setup_file
	export CPDIR RLBIN
	CPDIR=$(mktemp -d /tmp/dc-cp.XXXXXX)
	# hull where the user can run it (a checkout may be under /root)
	RLBIN=$(mktemp -d /tmp/dc-rl-bin.XXXXXX)
	"$HULL" run -d --network none --name dc-cp busybox sh -c \
		'mkdir -p /d/sub && echo hi >/d/f && echo deep >/d/sub/g && ln -s /etc /d/etclink && ln -s f /d/flink && sleep 1000' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec dc-cp test -L /d/flink && break; sleep 0.1; done
}

teardown_file() {
	engine_teardown_file
	rm -rf "$CPDIR"
	if id hulldc >/dev/null 2>&1 && [ -n "${RLBIN:-}" ]; then
		(cd /tmp && setpriv --reuid hulldc --regid hulldc --init-groups \
			env -i HOME=/home/hulldc PATH=/usr/bin:/bin "$RLBIN/hull" rm -f dc-rl >/dev/null 2>&1) || true
		f="/tmp/hull-run-$(id -u hulldc)/pause.pid"
		[ -f "$f" ] && kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null || true
	fi
	[ -z "${RLBIN:-}" ] || rm -rf "$RLBIN"
}

@test "cp out: a file to a new name, into a directory, a directory whole and with /." {
	"$HULL" cp dc-cp:/d/f "$CPDIR/newname"
	[ "$(cat "$CPDIR/newname")" = hi ]
	mkdir "$CPDIR/into"
	"$HULL" cp dc-cp:/d/f "$CPDIR/into"
	[ "$(cat "$CPDIR/into/f")" = hi ]
	# a missing destination becomes the directory
	"$HULL" cp dc-cp:/d "$CPDIR/whole"
	[ "$(cat "$CPDIR/whole/sub/g")" = deep ]
	[ "$(readlink "$CPDIR/whole/etclink")" = /etc ]
	# an existing one gets it under its own name, or only its contents with /.
	"$HULL" cp dc-cp:/d "$CPDIR/into"
	[ "$(cat "$CPDIR/into/d/f")" = hi ]
	mkdir "$CPDIR/contents"
	"$HULL" cp dc-cp:/d/. "$CPDIR/contents"
	[ "$(cat "$CPDIR/contents/sub/g")" = deep ]
	[ ! -e "$CPDIR/contents/d" ]
	# relative container paths start at /
	"$HULL" cp dc-cp:d/f "$CPDIR/rel"
	[ "$(cat "$CPDIR/rel")" = hi ]
	# docker's summary, on a terminal only (script(1) gives one; SHELL set: CI has none), -q hides it
	run env SHELL=/bin/sh script -qec "$HULL cp dc-cp:/d/f $CPDIR/tty" /dev/null
	[[ "$output" == *"Successfully copied 3B to $CPDIR/tty"* ]]
	run env SHELL=/bin/sh script -qec "$HULL cp -q dc-cp:/d/f $CPDIR/tty" /dev/null
	[ -z "$output" ]
	run "$HULL" cp dc-cp:/d/f "$CPDIR/notty"
	[ -z "$output" ]
}

@test "cp out: docker's errors for a missing source, a directory onto a file, a missing dir/" {
	run "$HULL" cp dc-cp:/nope "$CPDIR/x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Could not find the file /nope in container dc-cp"* ]]
	echo x >"$CPDIR/afile"
	run "$HULL" cp dc-cp:/d "$CPDIR/afile"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot copy a directory to a file"* ]]
	run "$HULL" cp dc-cp:/d/f "$CPDIR/missing/"
	[ "$status" -eq 1 ]
	[[ "$output" == *"must exist"* ]]
	run "$HULL" cp dc-cp:/d/f dc-cp:/tmp/x
	[ "$status" -eq 1 ]
	[[ "$output" == *"between containers"* ]]
	run "$HULL" cp "$CPDIR/afile" "$CPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"at least one container"* ]]
}

@test "cp -L follows a symlink source; without it the link itself is copied" {
	"$HULL" cp dc-cp:/d/flink "$CPDIR/link"
	[ -L "$CPDIR/link" ]
	[ "$(readlink "$CPDIR/link")" = f ]
	"$HULL" cp -L dc-cp:/d/flink "$CPDIR/followed"
	[ ! -L "$CPDIR/followed" ]
	[ "$(cat "$CPDIR/followed")" = hi ]
	# -L resolves inside the container: /d/etclink/hostname is the container's
	"$HULL" cp -L dc-cp:/d/etclink/hostname "$CPDIR/hn"
	[ "$(cat "$CPDIR/hn")" = "$("$HULL" exec dc-cp cat /etc/hostname)" ]
}

@test "cp in: owned by the container's root unless -a; a directory; with /." {
	mkdir -p "$CPDIR/src/inner"
	echo one >"$CPDIR/src/inner/a"
	chown -R 1234:2345 "$CPDIR/src"
	"$HULL" cp "$CPDIR/src" dc-cp:/tmp
	run "$HULL" exec dc-cp stat -c '%u:%g %n' /tmp/src /tmp/src/inner/a
	[ "${lines[0]}" = "0:0 /tmp/src" ]
	[ "${lines[1]}" = "0:0 /tmp/src/inner/a" ]
	"$HULL" cp -a "$CPDIR/src/." dc-cp:/tmp/kept
	run "$HULL" exec dc-cp stat -c '%u:%g' /tmp/kept/inner/a
	[ "$output" = "1234:2345" ]
	# out to the host: the caller's unless -a
	"$HULL" cp dc-cp:/tmp/kept "$CPDIR/kept-mine"
	[ "$(stat -c %u:%g "$CPDIR/kept-mine/inner/a")" = "$(id -u):$(id -g)" ]
	"$HULL" cp -a dc-cp:/tmp/kept "$CPDIR/kept-ids"
	[ "$(stat -c %u:%g "$CPDIR/kept-ids/inner/a")" = "1234:2345" ]
	# hard links stay hard links, both ways (as docker's tar keeps them)
	mkdir "$CPDIR/hl"
	echo linked >"$CPDIR/hl/a"
	ln "$CPDIR/hl/a" "$CPDIR/hl/b"
	"$HULL" cp "$CPDIR/hl" dc-cp:/tmp
	run "$HULL" exec dc-cp stat -c %i /tmp/hl/a /tmp/hl/b
	[ "${lines[0]}" = "${lines[1]}" ]
	"$HULL" cp dc-cp:/tmp/hl "$CPDIR/hl-back"
	[ "$(stat -c %i "$CPDIR/hl-back/a")" = "$(stat -c %i "$CPDIR/hl-back/b")" ]
	[ "$(cat "$CPDIR/hl-back/b")" = linked ]
	# a file onto an existing file replaces it
	echo two >"$CPDIR/two"
	"$HULL" cp "$CPDIR/two" dc-cp:/tmp/src/inner/a
	[ "$("$HULL" exec dc-cp cat /tmp/src/inner/a)" = two ]
}

@test "cp in never follows a container symlink out to the host" {
	local before
	before=$(md5sum /etc/passwd)
	echo evil >"$CPDIR/passwd"
	# /d/etclink -> /etc: that is the container's /etc, never the host's
	"$HULL" cp "$CPDIR/passwd" dc-cp:/d/etclink/passwd
	[ "$(md5sum /etc/passwd)" = "$before" ]
	[ "$("$HULL" exec dc-cp cat /etc/passwd)" = evil ]
	"$HULL" cp "$CPDIR/passwd" dc-cp:/d/etclink/dc-planted
	[ ! -e /etc/dc-planted ]
	"$HULL" exec dc-cp test -f /etc/dc-planted
	# a tar that plants a symlink to / and then writes through it, and a ../ path
	python3 - "$CPDIR/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    link = tarfile.TarInfo("up"); link.type = tarfile.SYMTYPE; link.linkname = "/"
    t.addfile(link)
    for name in ("up/etc/dc-through", "../../../../etc/dc-dotdot"):
        data = b"planted\n"; f = tarfile.TarInfo(name); f.size = len(data)
        t.addfile(f, io.BytesIO(data))
PY
	"$HULL" cp - dc-cp:/tmp <"$CPDIR/evil.tar"
	[ ! -e /etc/dc-through ]
	[ ! -e /etc/dc-dotdot ]
	# both landed in the container's own /etc
	[ "$("$HULL" exec dc-cp cat /etc/dc-through)" = planted ]
	[ "$("$HULL" exec dc-cp cat /etc/dc-dotdot)" = planted ]
}

@test "cp with - : a tar on stdout and one extracted from stdin" {
	"$HULL" cp dc-cp:/d - >"$CPDIR/out.tar"
	run tar -tf "$CPDIR/out.tar"
	[[ "$output" == *"d/sub/g"* ]]
	[[ "$output" == *"d/etclink"* ]]
	mkdir "$CPDIR/in"
	echo streamed >"$CPDIR/in/s"
	tar -C "$CPDIR/in" -cf - s | "$HULL" cp - dc-cp:/tmp
	[ "$("$HULL" exec dc-cp cat /tmp/s)" = streamed ]
	run "$HULL" cp - dc-cp:/tmp/s <"$CPDIR/out.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"must be a directory"* ]]
	# compressed tars are taken; anything but a tar is not: an mtree spec names
	# host files to read (contents=/etc/hostname) and must not be honoured
	tar -C "$CPDIR/in" -czf - s | "$HULL" cp - dc-cp:/var
	[ "$("$HULL" exec dc-cp cat /var/s)" = streamed ]
	run "$HULL" cp - dc-cp:/tmp < <(printf '#mtree\n./dc-mtree type=file contents=/etc/hostname\n')
	[ "$status" -eq 1 ]
	[[ "$output" == *"Unrecognized archive format"* ]]
	run "$HULL" exec dc-cp test -e /tmp/dc-mtree
	[ "$status" -ne 0 ]
}

@test "cp on a stopped container works on its filesystem, kept for the next start" {
	"$HULL" create --network none --name dc-stopped busybox cat /from-host >/dev/null 2>&1
	echo "written while stopped" >"$CPDIR/from-host"
	"$HULL" cp "$CPDIR/from-host" dc-stopped:/from-host
	"$HULL" cp dc-stopped:/from-host "$CPDIR/back"
	[ "$(cat "$CPDIR/back")" = "written while stopped" ]
	run "$HULL" start -a dc-stopped
	[[ "$output" == *"written while stopped"* ]]
	# its volumes and binds are reached too (a read-only bind stays read-only)
	mkdir -p "$CPDIR/robind"
	"$HULL" run --network none --name dc-stopvol -v dc-cpvol:/data -v "$CPDIR/robind:/ro:ro" busybox \
		sh -c 'echo in-volume >/data/f' >/dev/null 2>&1
	"$HULL" cp dc-stopvol:/data/f "$CPDIR/volfile"
	[ "$(cat "$CPDIR/volfile")" = in-volume ]
	"$HULL" cp "$CPDIR/from-host" dc-stopvol:/data/added
	[ "$("$HULL" run --rm --network none -v dc-cpvol:/data busybox cat /data/added 2>/dev/null)" = "written while stopped" ]
	run "$HULL" cp "$CPDIR/from-host" dc-stopvol:/ro/nope
	[ "$status" -eq 1 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$CPDIR/robind/nope" ]
	# and nothing stays mounted on the host
	run ! grep -q "$HULL_DATA_ROOT" /proc/self/mountinfo
	run ! grep -q "$CPDIR" /proc/self/mountinfo
}

@test "cp reaches a container between two runs of its restart policy" {
	"$HULL" run -d --network none --restart always --name dc-restarting busybox \
		sh -c 'echo between >/f.new && mv /f.new /f; sleep 0.2; exit 1' >/dev/null 2>&1
	local restarting=0
	# (each run writes /f anew by a rename: a cp in the middle of a plain
	# `>/f` would read the truncated file)
	# the premise: its first run has written /f
	for _ in $(seq 50); do "$HULL" cp dc-restarting:/f - >/dev/null 2>&1 && break; sleep 0.1; done
	for _ in $(seq 40); do
		# running or backing off: cp works either way (no second overlay mount)
		[ "$("$HULL" cp dc-restarting:/f - | tar -xOf -)" = between ]
		[ "$("$HULL" inspect -f '{{.State.Status}}' dc-restarting)" = restarting ] && restarting=$((restarting + 1))
		sleep 0.1
	done
	[ "$restarting" -gt 0 ]
	"$HULL" rm -f dc-restarting >/dev/null
}

@test "cp as an ordinary user (rootless), running container" {
	id hulldc >/dev/null 2>&1 || useradd -m -s /bin/sh hulldc
	local u=hulldc base
	base=$((300000 + 100000 * $(id -u "$u") % 5000000))
	grep -q "^$u:" /etc/subuid || echo "$u:$base:65536" >>/etc/subuid
	grep -q "^$u:" /etc/subgid || echo "$u:$base:65536" >>/etc/subgid
	cp "$HULL" "$RLBIN/hull"
	chmod 755 "$RLBIN" "$RLBIN/hull"
	as() { (cd /tmp && setpriv --reuid hulldc --regid hulldc --init-groups \
		env -i HOME=/home/hulldc PATH=/usr/bin:/bin:/usr/sbin:/sbin "$RLBIN/hull" "$@"); }
	as image build-default >/dev/null
	as rm -f dc-rl >/dev/null 2>&1 || true
	as run -d --network none --name dc-rl busybox sleep 1000 >/dev/null 2>&1
	local d
	d=$(su -s /bin/sh hulldc -c 'mktemp -d /tmp/dc-rl.XXXXXX')
	su -s /bin/sh hulldc -c "echo mine >$d/f"
	as cp "$d/f" dc-rl:/tmp/f
	run as exec dc-rl stat -c '%u %n' /tmp/f
	[ "$output" = "0 /tmp/f" ]
	as cp dc-rl:/tmp/f "$d/back"
	[ "$(cat "$d/back")" = mine ]
	[ "$(stat -c %U "$d/back")" = hulldc ]
	as stop -t 0 dc-rl >/dev/null
	as cp "$d/f" dc-rl:/stopped
	as cp dc-rl:/stopped "$d/back2"
	[ "$(cat "$d/back2")" = mine ]
	as rm -f dc-rl >/dev/null
	rm -rf "$d"
}
