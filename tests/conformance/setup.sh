#!/bin/bash
# tests/conformance/setup.sh: prepare runc 1.1.5's own integration suite (from
# Debian's runc source package) so that run-suite.sh can run it against hull.
# Idempotent: every step is skipped when its output exists. Debian 12, root,
# Debian mirror only (no GitHub): the Go helpers are built from Debian's -dev
# packages and the images the suite wants are made locally.
#   HULL_CONFORMANCE_DIR  work folder (default /var/tmp/hull-conformance)
#   WITH_DEBIAN=0         skip the debian image (only hooks.bats uses it; debootstrap
#                         from this machine's apt mirror, about a minute, once)
set -eu
W=${HULL_CONFORMANCE_DIR:-/var/tmp/hull-conformance}
SRCDIR=runc-1.1.5+ds1
mkdir -p "$W" && cd "$W"
# one setup at a time: runs of the suite from several checkouts share $W
exec 9>"$W/.setup.lock"
flock 9
log() { echo "conformance setup: $*" >&2; }

# 1. runc's source (tests/integration, contrib/cmd). Source packages need a
#    deb-src entry: derive one from the machine's own deb822 sources.
if [ ! -d "$SRCDIR" ]; then
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/debian-src.sources
		apt-get update -q >/dev/null
	fi
	log "apt-get source runc"
	apt-get source -q runc >/dev/null
fi

# 1b. The suite starts recvtty in the background and goes on without waiting
#     for its socket: on a loaded machine the runtime's --console-socket
#     connect can come first (ENOENT) whatever the runtime. Wait for it, up
#     to 10 s, as every runtime under test needs (idempotent).
h=$SRCDIR/tests/integration/helpers.bash
if ! grep -q 'hull: wait for recvtty' "$h"; then
	sed -i 's|^\t("\$RECVTTY" --pid-file "\$dir/pid" --mode null "\$CONSOLE_SOCKET" &) &$|&\n\t# hull: wait for recvtty'"'"'s socket\n\tfor _ in $(seq 100); do [ -S "$CONSOLE_SOCKET" ] \&\& break; sleep 0.1; done|' "$h"
	grep -q 'hull: wait for recvtty' "$h" || { log "could not patch setup_recvtty in $h"; exit 1; }
fi

# 2. Go dependencies for the helper binaries come from Debian (no vendor/ in +ds).
need=""
for p in golang-go golang-github-opencontainers-runc-dev libseccomp-dev bats jq gawk gcc busybox-static xz-utils util-linux; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
[ -z "$need" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null

# 3. recvtty and seccompagent (GOPATH mode against /usr/share/gocode).
mkdir -p gopath/src/github.com/opencontainers gocache
ln -sfn "$W/$SRCDIR" gopath/src/github.com/opencontainers/runc
export GOPATH=$W/gopath:/usr/share/gocode GO111MODULE=off GOCACHE=$W/gocache GOPROXY=off GOFLAGS=
for c in recvtty seccompagent; do
	d=gopath/src/github.com/opencontainers/runc/contrib/cmd/$c
	[ -x "$d/$c" ] || { log "go build $c"; (cd "$d" && go build -tags seccomp -o "$c" .); }
done

# 4. Images instead of get-images.sh's downloads (it skips files that exist).
mkdir -p images && cd images
if [ ! -e busybox-amd64.tar.xz ]; then
	# like docker's busybox image: every applet hard-linked, passwd/group, and
	# NO /proc or /sys directories (mask.bats relies on that).
	R=busybox-rootfs
	rm -rf $R && mkdir -p $R/bin $R/dev $R/etc $R/home $R/root $R/tmp $R/usr/bin $R/usr/sbin $R/var/spool/mail $R/var/www
	cp /bin/busybox $R/bin/busybox
	for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -f $R/bin/busybox $R/bin/$a; done
	chmod 1777 $R/tmp
	printf '%s\n' root:x:0:0:root:/root:/bin/sh daemon:x:1:1:daemon:/usr/sbin:/bin/false \
		bin:x:2:2:bin:/bin:/bin/false sys:x:3:3:sys:/dev:/bin/false sync:x:4:100:sync:/bin:/bin/sync \
		mail:x:8:8:mail:/var/spool/mail:/bin/false www-data:x:33:33:www-data:/var/www:/bin/false \
		operator:x:37:37:Operator:/var:/bin/false nobody:x:65534:65534:nobody:/home:/bin/false >$R/etc/passwd
	printf '%s\n' root:x:0: daemon:x:1: bin:x:2: sys:x:3: adm:x:4: tty:x:5: disk:x:6: lp:x:7: mail:x:8: \
		kmem:x:9: wheel:x:10:root cdrom:x:11: dialout:x:18: floppy:x:19: video:x:28: audio:x:29: \
		tape:x:32: www-data:x:33: operator:x:37: utmp:x:43: plugdev:x:46: staff:x:50: lock:x:54: \
		netdev:x:82: users:x:100: nogroup:x:65534: >$R/etc/group
	tar -C $R --numeric-owner -cJf busybox-amd64.tar.xz.tmp . && mv busybox-amd64.tar.xz.tmp busybox-amd64.tar.xz
	rm -rf $R
fi
# The suite's get-images.sh wants both images (it would download a missing
# one from GitHub). Only hooks.bats' library test uses the debian one (its
# ldconfig): a bookworm minbase from the Debian mirror apt uses here, which
# is all the network this machine has. WITH_DEBIAN=0: an empty placeholder.
debian_real() { [ -e debian-amd64.tar.xz ] && [ "$(stat -c %s debian-amd64.tar.xz)" -gt 100000 ]; }
if [ "${WITH_DEBIAN:-1}" != 1 ] && [ ! -e debian-amd64.tar.xz ]; then
	mkdir -p empty && tar -C empty -cJf debian-amd64.tar.xz . && rmdir empty
fi
if [ "${WITH_DEBIAN:-1}" = 1 ] && ! debian_real; then
	dpkg-query -W debootstrap >/dev/null 2>&1 || apt-get install -y -q debootstrap >/dev/null
	mirror=$(sed -nE 's|^URIs: *([^ ]*/debian)/?$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -n "$mirror" ] || mirror=$(sed -nE 's|^deb +(\[[^]]*\] +)?([^ ]*/debian)/? +bookworm .*|\2|p' /etc/apt/sources.list 2>/dev/null | head -1)
	rm -rf debian-rootfs
	log "debootstrap bookworm (minbase) from ${mirror:-the default mirror of debootstrap}"
	debootstrap --variant=minbase bookworm debian-rootfs ${mirror:+"$mirror"} >debootstrap.log 2>&1 ||
		{ tail -5 debootstrap.log >&2; log "debootstrap failed (WITH_DEBIAN=0 skips the debian image)"; exit 1; }
	rm -rf debian-rootfs/var/cache/apt/archives/*.deb debian-rootfs/var/lib/apt/lists/*
	# xz's default level takes minutes on a busy 2-core machine; -2 is enough
	XZ_OPT="-T0 -2" tar -C debian-rootfs --numeric-owner -cJf debian-amd64.tar.xz.tmp . &&
		mv debian-amd64.tar.xz.tmp debian-amd64.tar.xz
	rm -rf debian-rootfs
fi
log "ready in $W"
