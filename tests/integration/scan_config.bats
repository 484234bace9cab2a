#!/usr/bin/env bats
# The configuration audit of a root filesystem: root user (from an image
# config), setuid/setgid programs, world-writable files and directories
# without the sticky bit, private keys, tokens and credential files; and
# the things it must not flag.

bats_require_minimum_version 1.5.0

setup_file() {
	export R="$BATS_FILE_TMPDIR/rootfs"
	mkdir -p "$R"/{etc,tmp,srv/drop,srv/ok,usr/bin,root/.docker,home/app,opt/code}
	printf 'ID=debian\nVERSION_ID=12\n' >"$R/etc/os-release"
	chmod 1777 "$R/tmp"
	chmod 0777 "$R/srv/drop"
	chmod 0755 "$R/srv/ok"
	echo x >"$R/srv/ok/shared" && chmod 0666 "$R/srv/ok/shared"
	printf '#!/bin/sh\n' >"$R/usr/bin/suid" && chmod 4755 "$R/usr/bin/suid"
	printf '#!/bin/sh\n' >"$R/usr/bin/sgid" && chmod 2755 "$R/usr/bin/sgid"
	openssl genrsa -out "$R/etc/server.key" 2048 2>/dev/null
	echo "AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986" >"$R/home/app/.env"
	echo "aws_access_key_id = AKIAIOSFODNN7EXAMPLE  # from the AWS docs" >"$R/opt/code/README"
	echo "token: ghp_$(printf 'a%.0s' {1..36})" >"$R/opt/code/ci.yml"
	echo '{"auths":{"registry.example":{"auth":"dXNlcjpwYXNz"}}}' >"$R/root/.docker/config.json"
	echo "https://user:secret@git.example" >"$R/root/.git-credentials"
	# must not be flagged: code that names the marker, a key inside an ELF
	# file, a symlink to a key outside the root, a big file
	printf 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n' >"$R/opt/code/parse.py"
	cat /bin/true "$R/etc/server.key" >"$R/usr/bin/with-key" && chmod 755 "$R/usr/bin/with-key"
	openssl genrsa -out "$BATS_FILE_TMPDIR/outside.key" 2048 2>/dev/null
	ln -s "$BATS_FILE_TMPDIR/outside.key" "$R/etc/link.key"
	ln -s ../../../../../../../.. "$R/srv/up"
	"$HULL" scan --skip-vulns --format json "$R" >"$BATS_FILE_TMPDIR/report.json"
}

has() { # id path
	jq -e --arg id "$1" --arg p "$2" '.configuration[] | select(.id==$id and .path==$p)' "$BATS_FILE_TMPDIR/report.json" >/dev/null
}

@test "config: setuid and setgid programs" {
	has HULL-CFG-SETUID /usr/bin/suid
	has HULL-CFG-SETGID /usr/bin/sgid
}

@test "config: world-writable directory without sticky bit, and world-writable file" {
	has HULL-CFG-WORLD-WRITABLE-DIR /srv/drop
	has HULL-CFG-WORLD-WRITABLE-FILE /srv/ok/shared
	run ! has HULL-CFG-WORLD-WRITABLE-DIR /tmp
}

@test "config: private key, AWS key id, GitHub token, registry and git credentials" {
	has HULL-CFG-PRIVATE-KEY /etc/server.key
	has HULL-CFG-SECRET-TOKEN /home/app/.env
	has HULL-CFG-SECRET-TOKEN /opt/code/ci.yml
	has HULL-CFG-CREDENTIALS /root/.docker/config.json
	has HULL-CFG-CREDENTIALS /root/.git-credentials
	[ "$(jq -r '.configuration[] | select(.path=="/etc/server.key") | .severity' "$BATS_FILE_TMPDIR/report.json")" = HIGH ]
}

@test "config: no false alarm on code naming the marker, ELF files, links out of the root, AWS's doc key" {
	r="$BATS_FILE_TMPDIR/report.json"
	[ "$(jq '[.configuration[] | select(.path=="/opt/code/parse.py" or .path=="/usr/bin/with-key" or .path=="/etc/link.key" or .path=="/opt/code/README")] | length' "$r")" = 0 ]
	[ "$(jq '[.configuration[] | select(.path | startswith("/srv/up"))] | length' "$r")" = 0 ]
	# and nothing outside the root was walked
	[ "$(jq '[.configuration[] | select(.path | contains("outside"))] | length' "$r")" = 0 ]
}

@test "config: a directory has no USER; --image-config supplies it" {
	r="$BATS_FILE_TMPDIR/report.json"
	[ "$(jq '[.configuration[] | select(.id=="HULL-CFG-ROOT-USER")] | length' "$r")" = 0 ]
	for user in '' root 0 0:0 root:wheel; do
		jq -n --arg u "$user" '{architecture:"amd64",os:"linux",config:{User:$u},rootfs:{type:"layers",diff_ids:[]}}' >"$BATS_TEST_TMPDIR/c.json"
		run "$HULL" scan --skip-vulns --format json --image-config "$BATS_TEST_TMPDIR/c.json" "$R"
		[ "$status" -eq 0 ]
		[ "$(jq '[.configuration[] | select(.id=="HULL-CFG-ROOT-USER")] | length' <<<"$output")" = 1 ]
	done
	for user in app 1000 1000:1000 nobody:0; do
		jq -n --arg u "$user" '{config:{User:$u}}' >"$BATS_TEST_TMPDIR/c.json"
		run "$HULL" scan --skip-vulns --format json --image-config "$BATS_TEST_TMPDIR/c.json" "$R"
		[ "$(jq '[.configuration[] | select(.id=="HULL-CFG-ROOT-USER")] | length' <<<"$output")" = 0 ]
	done
}

@test "config: --fail-on and --severity apply to configuration findings too" {
	run "$HULL" scan --skip-vulns --fail-on HIGH "$R"
	[ "$status" -eq 1 ]
	run "$HULL" scan --skip-vulns --fail-on HIGH --severity LOW,MEDIUM "$R"
	[ "$status" -eq 0 ]
	run "$HULL" scan --skip-vulns --fail-on CRITICAL "$R"
	[ "$status" -eq 0 ]
}

@test "config: --skip-vulns needs no database; without it a missing one is an error" {
	run "$HULL" scan --db "$BATS_TEST_TMPDIR/none" "$R"
	[ "$status" -eq 2 ]
	run "$HULL" scan --db "$BATS_TEST_TMPDIR/none" --skip-vulns "$R"
	[ "$status" -eq 0 ]
}

@test "config: --skip-dirs leaves a tree out of the audit" {
	run "$HULL" scan --skip-vulns --format json --skip-dirs /opt/code --skip-dirs root/ "$R"
	[ "$status" -eq 0 ]
	[ "$(jq '[.configuration[] | select(.path | startswith("/opt/code") or startswith("/root/"))] | length' <<<"$output")" = 0 ]
	jq -e '.configuration[] | select(.path=="/etc/server.key")' <<<"$output"
}
