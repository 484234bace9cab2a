#!/usr/bin/env bats
# hull build --scan SEVERITY (the image scanned as `hull scan` scans it,
# the build failed and the image left untagged on a finding at SEVERITY or
# above) and RUN --mount: type=cache (kept between builds, not in the
# image), type=bind (the context or a stage, read-only), type=secret with
# --secret (readable in the RUN, in no layer and no history). Images named
# hbm-*.
bats_require_minimum_version 1.5.0

ENGINE_NET=281
load engine_helpers

setup_file() {
	engine_setup_file
	# 281 is past an IPv4 octet: this file's bridge gets 10.199.25.0/24
	printf '{"bridge":"%s","bip":"10.199.%d.1/24"}\n' "$ENGINE_BRIDGE" $((ENGINE_NET - 256)) >"$HULL_DATA_ROOT/engine.json"
	export FIX="$HULL_TOP/tests/fixtures/build-scan" DB="$BATS_FILE_TMPDIR/db"
	"$HULL" scan db import --db "$DB" "$FIX/osv" >/dev/null
}

teardown_file() {
	engine_teardown_file
	nft delete element ip hull subnets "{ 10.199.$((ENGINE_NET - 256)).0/24 }" 2>/dev/null || true
}

new_context() {
	CTX=$(mktemp -d "$BATS_FILE_TMPDIR/ctx.XXXXXX")
}

no_build_leftovers() {
	[ -z "$("$HULL" ps -aq)" ]
	run ! grep -F "$HULL_DATA_ROOT" /proc/self/mountinfo
	[ -z "$(ls -A "$HULL_DATA_ROOT/build-tmp" 2>/dev/null)" ]
}

# The listing of an image's root filesystem, as `hull export` gives it.
export_listing() {
	local cid
	cid=$("$HULL" create "$1" 2>/dev/null)
	"$HULL" export "$cid" | tar -t
	"$HULL" rm "$cid" >/dev/null
}

@test "scan: the fixture's package has a CRITICAL advisory (the premise)" {
	"$HULL" build -q --network none -t hbm-vuln-plain "$FIX/vulnerable" >/dev/null
	run "$HULL" scan --db "$DB" --format json hbm-vuln-plain
	echo "$output" | jq -e '.vulnerabilities[] | select(.id=="HULL-BUILD-0001" and .package=="zz-build-demo" and .severity=="CRITICAL")'
}

@test "scan: --scan CRITICAL fails the build (exit 1) with the finding printed, and tags nothing" {
	run "$HULL" build --network none --scan-db "$DB" --scan CRITICAL -t hbm-vuln "$FIX/vulnerable"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"failed --scan CRITICAL: 1 finding at CRITICAL or above"* ]]
	[[ $output == *"CRITICAL HULL-BUILD-0001  zz-build-demo 2.0-1  fixed in 2.0-3"* ]]
	[[ $output != *"Successfully tagged"* ]]
	run ! "$HULL" image inspect hbm-vuln
	no_build_leftovers
}

@test "scan: a clean image passes --scan (and lower severities still fail on the CRITICAL one)" {
	new_context
	printf 'FROM busybox\nUSER nobody\n' >"$CTX/Dockerfile"
	run "$HULL" build --network none --scan-db "$DB" --scan high -t hbm-clean "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *"Scan: no finding at HIGH or above"* ]]
	[[ $output == *"Successfully tagged hbm-clean:latest"* ]]
	run "$HULL" build -q --network none --scan-db "$DB" --scan low -t hbm-vuln-low "$FIX/vulnerable"
	[ "$status" -eq 1 ]
	[[ $output == *"HULL-BUILD-0001"* ]]
}

@test "scan: an unknown severity is a usage error" {
	run "$HULL" build --scan SEVERE "$FIX/vulnerable"
	[ "$status" -eq 1 ]
	[[ $output == *"--scan: unknown severity \`SEVERE\` (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)"* ]]
	[[ $output != *"Step 1"* ]]
}

@test "mount: a cache directory survives between builds and is not in the image" {
	new_context
	cat >"$CTX/Dockerfile" <<'EOF2'
FROM busybox
RUN --mount=type=cache,target=/var/cache/pkg,id=hbm-pkgs,sharing=locked echo built >> /var/cache/pkg/log && wc -l < /var/cache/pkg/log > /runs
EOF2
	"$HULL" build -q --network none -t hbm-cache "$CTX" >/dev/null
	[ "$("$HULL" run --rm --network none hbm-cache cat /runs 2>/dev/null)" = 1 ]
	"$HULL" build -q --no-cache --network none -t hbm-cache "$CTX" >/dev/null
	[ "$("$HULL" run --rm --network none hbm-cache cat /runs 2>/dev/null)" = 2 ]
	run export_listing hbm-cache
	[[ $output == *"runs"* ]]
	[[ $output != *"var/cache"* ]]
	# another id is another directory
	sed -i 's/id=hbm-pkgs/id=hbm-other/' "$CTX/Dockerfile"
	"$HULL" build -q --network none -t hbm-cache2 "$CTX" >/dev/null
	[ "$("$HULL" run --rm --network none hbm-cache2 cat /runs 2>/dev/null)" = 1 ]
	no_build_leftovers
}

@test "mount: a secret is readable in the RUN, absent from the image and its history" {
	new_context
	echo 'hbm-s3cr3t-value' >"$BATS_FILE_TMPDIR/token"
	cat >"$CTX/Dockerfile" <<'EOF2'
FROM busybox
RUN --mount=type=secret,id=token cp /run/secrets/token /seen && stat -c '%a %u' /run/secrets/token > /mode
RUN --mount=type=secret,id=token,target=/etc/app.key,required cat /etc/app.key > /seen2
EOF2
	run "$HULL" build --network none --secret id=token,src="$BATS_FILE_TMPDIR/token" -t hbm-secret "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$("$HULL" run --rm --network none hbm-secret cat /seen /seen2 /mode 2>/dev/null)" = $'hbm-s3cr3t-value\nhbm-s3cr3t-value\n400 0' ]
	run export_listing hbm-secret
	[[ $output != *"run/"* ]]
	[[ $output != *"etc/app.key"* ]]
	cid=$("$HULL" create hbm-secret 2>/dev/null)
	"$HULL" export "$cid" >"$BATS_FILE_TMPDIR/secret.tar"
	"$HULL" rm "$cid" >/dev/null
	# the value is only in the files the RUNs wrote
	[ "$(tar -xOf "$BATS_FILE_TMPDIR/secret.tar" | grep -c hbm-s3cr3t-value)" = 2 ]
	run "$HULL" history --no-trunc hbm-secret
	[[ $output != *"s3cr3t"* ]]
	[[ $output != *"$BATS_FILE_TMPDIR"* ]]
	"$HULL" save -o "$BATS_FILE_TMPDIR/secret-image.tar" hbm-secret
	run ! grep -aq hbm-s3cr3t-value <(tar -xOf "$BATS_FILE_TMPDIR/secret-image.tar" --wildcards '*.json')
	no_build_leftovers
}

@test "mount: a required secret that is not given fails the build, naming it" {
	new_context
	printf 'FROM busybox\nRUN --mount=type=secret,id=missing,required true\n' >"$CTX/Dockerfile"
	run "$HULL" build --network none "$CTX"
	[ "$status" -ne 0 ]
	[[ $output == *"secret \`missing\` is required: give it with --secret id=missing,src=FILE"* ]]
	no_build_leftovers
}

@test "mount: a bind from the context is read-only; one from a stage sees its files; neither is in the image" {
	new_context
	mkdir "$CTX/src" && echo from-context >"$CTX/src/in.txt"
	cat >"$CTX/Dockerfile" <<'EOF2'
FROM busybox AS tools
RUN mkdir /tools && echo from-stage > /tools/t
FROM busybox
RUN --mount=type=bind,source=src,target=/mnt/src cat /mnt/src/in.txt > /ctx.txt && if touch /mnt/src/new 2>/dev/null; then echo writable > /ro.txt; else echo read-only > /ro.txt; fi
RUN --mount=type=bind,from=tools,source=/tools,target=/opt/tools cat /opt/tools/t > /stage.txt
RUN --mount=type=bind,source=src,target=/w,rw echo scribble > /w/in.txt && cat /w/in.txt > /rw.txt
EOF2
	run "$HULL" build --network none -t hbm-bind "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$("$HULL" run --rm --network none hbm-bind cat /ctx.txt /ro.txt /stage.txt /rw.txt 2>/dev/null)" = $'from-context\nread-only\nfrom-stage\nscribble' ]
	# the rw mount wrote into a copy: the context is unchanged
	[ "$(cat "$CTX/src/in.txt")" = from-context ]
	[ ! -e "$CTX/src/new" ]
	run export_listing hbm-bind
	[[ $output != *"mnt/"* ]]
	[[ $output != *"opt/"* ]]
	[[ $output != *"w/"* ]]
	no_build_leftovers
}

@test "mount: a changed bind source reruns the step; an unchanged one is cached" {
	new_context
	echo one >"$CTX/v"
	printf 'FROM busybox\nRUN --mount=type=bind,source=v,target=/v cat /v > /got\n' >"$CTX/Dockerfile"
	"$HULL" build -q --network none -t hbm-bindcache "$CTX" >/dev/null
	run "$HULL" build --network none -t hbm-bindcache "$CTX"
	[[ $output == *"Using cache"* ]]
	echo two >"$CTX/v"
	run "$HULL" build --network none -t hbm-bindcache "$CTX"
	[[ $output != *"Using cache"* ]]
	[ "$("$HULL" run --rm --network none hbm-bindcache cat /got 2>/dev/null)" = two ]
}

@test "mount: bad --mount options are refused with what to fix" {
	new_context
	printf 'FROM busybox\nRUN --mount=type=tmpfs,target=/x true\n' >"$CTX/Dockerfile"
	run "$HULL" build --network none "$CTX"
	[ "$status" -ne 0 ]
	[[ $output == *"type \`tmpfs\` is not supported (cache, bind, secret)"* ]]
	printf 'FROM busybox\nRUN --mount=type=bind,source=../../etc,target=/x true\n' >"$CTX/Dockerfile"
	run "$HULL" build --network none "$CTX"
	[ "$status" -ne 0 ]
	[[ $output == *"--mount source \`../../etc\`: not found in the build context"* ]]
	printf 'FROM busybox\nRUN --mount=type=cache true\n' >"$CTX/Dockerfile"
	run "$HULL" build --network none "$CTX"
	[ "$status" -ne 0 ]
	[[ $output == *"type=cache needs a target"* ]]
	no_build_leftovers
}

@test "mount: a failing RUN with a secret, a stage bind and a cache leaves no mount, no copy, no container" {
	new_context
	echo 'hbm-fail-secret' >"$BATS_FILE_TMPDIR/fail-token"
	cat >"$CTX/Dockerfile" <<'EOF2'
FROM busybox AS base
RUN echo x > /x
FROM busybox
RUN --mount=type=secret,id=t --mount=type=bind,from=base,target=/b --mount=type=cache,target=/c,sharing=private cat /run/secrets/t /b/x && exit 3
EOF2
	run "$HULL" build --network none --secret id=t,src="$BATS_FILE_TMPDIR/fail-token" "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"hbm-fail-secret"* ]]
	[[ $output == *"returned a non-zero code: 3"* ]]
	no_build_leftovers
	[ -z "$(ls -A "$HULL_DATA_ROOT/build-tmp")" ]
}
