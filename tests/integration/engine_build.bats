#!/usr/bin/env bats
# hull build: docker build's Dockerfiles (FROM busybox, the embedded image:
# no registry is reachable), the image's config and history, the cache,
# multi-stage builds, .dockerignore, build args, failures that leave no
# container and no mount, a context from stdin. Images named hb-*.
bats_require_minimum_version 1.5.0

ENGINE_NET=270
load engine_helpers

setup_file() {
	engine_setup_file
	# 270 is past an IPv4 octet: this file's bridge gets 10.199.14.0/24
	printf '{"bridge":"%s","bip":"10.199.%d.1/24"}\n' "$ENGINE_BRIDGE" $((ENGINE_NET - 256)) >"$HULL_DATA_ROOT/engine.json"
}

teardown_file() {
	engine_teardown_file
	nft delete element ip hull subnets "{ 10.199.$((ENGINE_NET - 256)).0/24 }" 2>/dev/null || true
}

# A fresh context directory: $CTX.
new_context() {
	CTX=$(mktemp -d "$BATS_FILE_TMPDIR/ctx.XXXXXX")
}

image_id() {
	"$HULL" inspect -f '{{.Id}}' "$1"
}

no_build_leftovers() {
	[ -z "$("$HULL" ps -aq)" ]
	run ! grep -F "$HULL_DATA_ROOT" /proc/self/mountinfo
}

@test "a multi-instruction build runs, prints docker's steps, and its image runs" {
	new_context
	echo hello >"$CTX/a.txt"
	mkdir "$CTX/sub" && echo deep >"$CTX/sub/b.txt"
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
ENV GREETING="hello from" \
    WHO=hull
WORKDIR /app
COPY a.txt .
COPY sub /app/sub/
RUN echo "$GREETING $WHO" > /app/greet && cat /app/a.txt
CMD cat /app/greet /app/sub/b.txt
EOF
	run "$HULL" build -t hb-multi "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *"Step 1/7 : FROM busybox"* ]]
	[[ $output == *"Step 6/7 : RUN echo \"\$GREETING \$WHO\" > /app/greet && cat /app/a.txt"* ]]
	[[ $output == *" ---> Running in "* ]]
	[[ $output == *"Removing intermediate container "* ]]
	[[ $output == *$'\nhello\n'* ]]
	[[ $output == *"Successfully built "* ]]
	[[ $output == *"Successfully tagged hb-multi:latest"* ]]
	[ "$("$HULL" run --rm hb-multi)" = $'hello from hull\ndeep' ]
	no_build_leftovers
}

@test "config fields are set as docker sets them" {
	new_context
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
ARG PORT=8080
ENV A=1 B="two words"
LABEL org.example.name="demo" version=2
EXPOSE $PORT 53/udp
VOLUME /data /logs
WORKDIR /srv
WORKDIR sub
USER nobody
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost || exit 1
ONBUILD RUN echo child
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT echo start
EOF
	"$HULL" build -q -t hb-config "$CTX" >/dev/null
	[ "$("$HULL" inspect -f '{{json .Config.Entrypoint}}' hb-config)" = '["/bin/sh","-ec","echo start"]' ]
	[ "$("$HULL" inspect -f '{{json .Config.Cmd}}' hb-config)" = null ]
	[[ $("$HULL" inspect -f '{{json .Config.Env}}' hb-config) == *'"A=1","B=two words"]' ]]
	[ "$("$HULL" inspect -f '{{json .Config.Labels}}' hb-config)" = '{"org.example.name":"demo","version":"2"}' ]
	[ "$("$HULL" inspect -f '{{json .Config.ExposedPorts}}' hb-config)" = '{"53/udp":{},"8080/tcp":{}}' ]
	[ "$("$HULL" inspect -f '{{json .Config.Volumes}}' hb-config)" = '{"/data":{},"/logs":{}}' ]
	[ "$("$HULL" inspect -f '{{.Config.WorkingDir}}' hb-config)" = /srv/sub ]
	[ "$("$HULL" inspect -f '{{.Config.User}}' hb-config)" = nobody ]
	[ "$("$HULL" inspect -f '{{.Config.StopSignal}}' hb-config)" = SIGINT ]
	[ "$("$HULL" inspect -f '{{json .Config.Healthcheck}}' hb-config)" = \
		'{"Interval":5000000000,"Retries":2,"Test":["CMD-SHELL","wget -q localhost || exit 1"]}' ]
	[ "$("$HULL" inspect -f '{{json .Config.OnBuild}}' hb-config)" = '["RUN echo child"]' ]
	[ "$("$HULL" inspect -f '{{json .Config.Shell}}' hb-config)" = '["/bin/sh","-ec"]' ]
	run "$HULL" history --no-trunc hb-config
	[[ $output == *'/bin/sh -c #(nop)  ENV A=1 B=two words'* ]]
	[[ $output == *'/bin/sh -c #(nop) WORKDIR /srv/sub'* ]]
	[[ $output == *'/bin/sh -ec #(nop)  ENTRYPOINT ["/bin/sh" "-ec" "echo start"]'* ]]
}

@test "CMD keeps the shell form's rules, and ENTRYPOINT keeps a CMD given after it" {
	new_context
	printf 'FROM busybox\nENTRYPOINT ["echo"]\nCMD ["from", "cmd"]\n' >"$CTX/Dockerfile"
	"$HULL" build -q -t hb-entry "$CTX" >/dev/null
	[ "$("$HULL" run --rm hb-entry)" = "from cmd" ]
	[ "$("$HULL" run --rm hb-entry other)" = "other" ]
	printf 'FROM busybox\nCMD echo "$HOME" shell form\n' >"$CTX/Dockerfile"
	"$HULL" build -q -t hb-cmd "$CTX" >/dev/null
	[ "$("$HULL" inspect -f '{{json .Config.Cmd}}' hb-cmd)" = '["/bin/sh","-c","echo \"$HOME\" shell form"]' ]
	[ "$("$HULL" run --rm hb-cmd)" = "/root shell form" ]
}

@test "an unchanged rebuild uses the cache and gives the same id; --no-cache does not" {
	new_context
	echo v1 >"$CTX/f"
	printf 'FROM busybox\nRUN echo ran > /r\nCOPY f /f\nRUN cat /f > /g\n' >"$CTX/Dockerfile"
	"$HULL" build -t hb-cache "$CTX" >/dev/null
	first=$(image_id hb-cache)
	run "$HULL" build -t hb-cache "$CTX"
	[ "$status" -eq 0 ]
	[ "$(grep -c -- ' ---> Using cache' <<<"$output")" -eq 3 ]
	[[ $output != *"Running in"* ]]
	[ "$(image_id hb-cache)" = "$first" ]
	# flags may follow the context, as docker's parser takes them
	run "$HULL" build -t hb-cache "$CTX" --no-cache
	[ "$status" -eq 0 ]
	[[ $output != *"Using cache"* ]]
	[ "$(image_id hb-cache)" != "$first" ]
	# a changed file: the steps before its COPY come from the cache, not those after
	echo v2 >"$CTX/f"
	run "$HULL" build -t hb-cache "$CTX"
	[ "$(grep -c -- ' ---> Using cache' <<<"$output")" -eq 1 ]
	[ "$("$HULL" run --rm hb-cache cat /g)" = v2 ]
	# a changed mode is a change too
	chmod 700 "$CTX/f"
	run "$HULL" build -t hb-cache "$CTX"
	[ "$(grep -c -- ' ---> Using cache' <<<"$output")" -eq 1 ]
	[ "$("$HULL" run --rm hb-cache stat -c %a /f)" = 700 ]
}

@test "multi-stage: COPY --from a stage, --target builds only the stages it needs" {
	new_context
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox AS builder
RUN mkdir /out && echo built-artifact > /out/artifact
FROM busybox AS unused
RUN echo THIS-STAGE-RAN
FROM busybox
COPY --from=builder /out/artifact /artifact
COPY --from=0 /out /copied/
CMD ["cat", "/artifact", "/copied/artifact"]
EOF
	run "$HULL" build -t hb-stages "$CTX"
	[ "$status" -eq 0 ]
	[[ $output != *THIS-STAGE-RAN* ]]
	[[ $output == *"Step 6/6 : CMD"* ]]
	[ "$("$HULL" run --rm hb-stages)" = $'built-artifact\nbuilt-artifact' ]
	run "$HULL" build --target unused -t hb-unused "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *THIS-STAGE-RAN* ]]
	[[ $output != *"FROM busybox AS builder"* ]]
	run "$HULL" build --target nosuch "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"failed to reach build target nosuch in Dockerfile"* ]]
}

@test ".dockerignore keeps files out of COPY, with exceptions and **" {
	new_context
	mkdir -p "$CTX/logs" "$CTX/src/deep"
	echo s >"$CTX/secret.txt"
	echo a >"$CTX/logs/a.log"
	echo k >"$CTX/logs/keep.log"
	echo c >"$CTX/src/main.c"
	echo o >"$CTX/src/deep/main.o"
	printf 'secret.txt\nlogs/*.log\n!logs/keep.log\n**/*.o\n' >"$CTX/.dockerignore"
	printf 'FROM busybox\nCOPY . /ctx/\nCMD find /ctx -type f\n' >"$CTX/Dockerfile"
	"$HULL" build -q -t hb-ignore "$CTX" >/dev/null
	run --separate-stderr "$HULL" run --rm hb-ignore
	[[ $output == *"/ctx/logs/keep.log"* ]]
	[[ $output == *"/ctx/src/main.c"* ]]
	[[ $output != *secret.txt* ]]
	[[ $output != *a.log* ]]
	[[ $output != *main.o* ]]
	printf 'FROM busybox\nCOPY secret.txt /\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"file not found in build context or excluded by .dockerignore"* ]]
	[[ $output == *"line 2"* ]]
}

@test "build args: ARG defaults, --build-arg, ARG before FROM, RUN sees them, unused ones warned" {
	new_context
	cat >"$CTX/Dockerfile" <<'EOF'
ARG BASE=busybox
FROM ${BASE}
ARG BASE
ARG GREETING=hi
ARG NAME
RUN echo "$GREETING ${NAME:-nobody} from $BASE" > /msg
ENV FROM_ARG=${GREETING}
CMD ["cat", "/msg"]
EOF
	"$HULL" build -q -t hb-args "$CTX" >/dev/null
	[ "$("$HULL" run --rm hb-args)" = "hi nobody from busybox" ]
	run "$HULL" build --build-arg GREETING=hello --build-arg NAME=ann --build-arg UNUSED=1 -t hb-args "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *"[Warning] One or more build-args [UNUSED] were not consumed"* ]]
	[ "$("$HULL" run --rm hb-args)" = "hello ann from busybox" ]
	[[ $("$HULL" inspect -f '{{json .Config.Env}}' hb-args) == *'"FROM_ARG=hello"'* ]]
	# args are not kept in the image's environment
	[[ $("$HULL" inspect -f '{{json .Config.Env}}' hb-args) != *NAME=* ]]
	run "$HULL" history --no-trunc hb-args
	[[ $output == *'|3 BASE=busybox GREETING=hello NAME=ann /bin/sh -c echo'* ]]
}

@test "a failing RUN: docker's message, exit code 1, its output shown, no container and no mount left" {
	new_context
	printf 'FROM busybox\nRUN echo before-the-failure && exit 3\nRUN echo never\n' >"$CTX/Dockerfile"
	run "$HULL" build -t hb-fail "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *before-the-failure* ]]
	[[ $output == *"The command '/bin/sh -c echo before-the-failure && exit 3' returned a non-zero code: 3"* ]]
	[[ $output != *never* ]]
	run "$HULL" inspect hb-fail
	[ "$status" -ne 0 ]
	no_build_leftovers
	printf 'FROM busybox\nRUN ["/bin/false"]\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"The command '/bin/false' returned a non-zero code: 1"* ]]
	no_build_leftovers
}

@test "a bad Dockerfile line: the error names the line and the instruction" {
	new_context
	printf 'FROM busybox\n# comment\nRUN true\nFOO bar\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"dockerfile parse error line 4: unknown instruction: FOO"* ]]
	printf 'FROM busybox\nENV\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"line 2: ENV requires at least one argument"* ]]
	printf 'FROM busybox\nEXPOSE 80/bogus\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"dockerfile line 2: EXPOSE 80/bogus: invalid proto: bogus"* ]]
	printf 'FROM busybox\nCOPY missing.txt /\n' >"$CTX/Dockerfile"
	run "$HULL" build "$CTX"
	[ "$status" -eq 1 ]
	[[ $output == *"dockerfile line 2: COPY missing.txt /: file not found in build context"* ]]
	no_build_leftovers
}

@test "CONTEXT - reads a tar on stdin; -f names a Dockerfile in it; --iidfile and -q" {
	new_context
	mkdir "$CTX/docker"
	echo from-tar >"$CTX/data.txt"
	printf 'FROM busybox\nCOPY data.txt /\nCMD ["cat", "/data.txt"]\n' >"$CTX/docker/Build.file"
	run "$HULL" build -q -f docker/Build.file --iidfile "$BATS_FILE_TMPDIR/iid" -t hb-stdin - < <(tar -C "$CTX" -cf - .)
	[ "$status" -eq 0 ]
	[[ $output == sha256:* ]]
	[ "$(cat "$BATS_FILE_TMPDIR/iid")" = "$output" ]
	[ "$(image_id hb-stdin)" = "$output" ]
	[ "$("$HULL" run --rm hb-stdin)" = from-tar ]
	# the extracted context is gone
	[ -z "$(ls -A "$HULL_DATA_ROOT/build-tmp" 2>/dev/null)" ]
}

@test "ADD unpacks a local tar; COPY --chown --chmod, globs and heredocs" {
	new_context
	mkdir -p "$BATS_FILE_TMPDIR/tarsrc/d"
	echo in-archive >"$BATS_FILE_TMPDIR/tarsrc/d/f"
	tar -C "$BATS_FILE_TMPDIR/tarsrc" -czf "$CTX/arch.tgz" .
	echo one >"$CTX/one.conf"
	echo two >"$CTX/two.conf"
	echo other >"$CTX/other.txt"
	cat >"$CTX/Dockerfile" <<'OUTER'
FROM busybox
ARG WHO=heredoc
ADD arch.tgz /unpacked/
COPY --chown=1234:5678 --chmod=0640 one.conf /owned
COPY *.conf /confs/
COPY <<EOT /here.txt
hello ${WHO}
EOT
RUN <<EOF
echo "script ran" > /script.txt
EOF
OUTER
	"$HULL" build -q -t hb-add "$CTX" >/dev/null
	[ "$("$HULL" run --rm hb-add cat /unpacked/d/f)" = in-archive ]
	[ "$("$HULL" run --rm hb-add stat -c '%u:%g %a' /owned)" = "1234:5678 640" ]
	[ "$("$HULL" run --rm hb-add ls /confs)" = $'one.conf\ntwo.conf' ]
	[ "$("$HULL" run --rm hb-add cat /here.txt)" = "hello heredoc" ]
	[ "$("$HULL" run --rm hb-add cat /script.txt)" = "script ran" ]
}

@test "FROM an image with ONBUILD runs its triggers; --label and FROM scratch" {
	new_context
	printf 'FROM busybox\nONBUILD RUN echo triggered > /onbuild\n' >"$CTX/Dockerfile"
	"$HULL" build -q -t hb-parent "$CTX" >/dev/null
	printf 'FROM hb-parent\nCMD ["cat", "/onbuild"]\n' >"$CTX/Dockerfile"
	run "$HULL" build --label team=infra --label note="it's" -t hb-child "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *"# Executing 1 build trigger"* ]]
	[ "$("$HULL" run --rm hb-child)" = triggered ]
	[ "$("$HULL" inspect -f '{{json .Config.OnBuild}}' hb-child)" = null ]
	[ "$("$HULL" inspect -f '{{json .Config.Labels}}' hb-child)" = "{\"note\":\"it's\",\"team\":\"infra\"}" ]
	echo data >"$CTX/f"
	printf 'FROM scratch\nCOPY f /f\nENV X=1\n' >"$CTX/Dockerfile"
	"$HULL" build -q -t hb-scratch "$CTX" >/dev/null
	[[ $("$HULL" inspect -f '{{json .RootFS.diff_ids}}' hb-scratch) =~ ^\[\"sha256:[0-9a-f]{64}\"\]$ ]]
	[[ $("$HULL" inspect -f '{{json .Config.Env}}' hb-scratch) == *'"X=1"'* ]]
}

@test "--network: RUN gets the default network, or only loopback with none" {
	new_context
	printf 'FROM busybox\nRUN cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " " | sort | tr "\\n" " "; echo\n' >"$CTX/Dockerfile"
	run "$HULL" build --no-cache --network none "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *$'\nlo \n'* ]]
	run "$HULL" build --no-cache "$CTX"
	[ "$status" -eq 0 ]
	[[ $output == *$'\neth0 lo \n'* ]]
	no_build_leftovers
}

@test "hull images hides a build's intermediate images, as docker does; -a shows them" {
	new_context
	printf 'FROM busybox\nENV STEP=1\nRUN echo x > /x\nLABEL last=1\n' >"$CTX/Dockerfile"
	run "$HULL" build --no-cache -t hb-layers "$CTX"
	[ "$status" -eq 0 ]
	steps=$(grep -- '^ ---> [0-9a-f]\{12\}$' <<<"$output" | sed 's/ ---> //' | sed -n '2,3p')
	[ "$(wc -l <<<"$steps")" -eq 2 ]
	shown=$("$HULL" images -q)
	all=$("$HULL" images -aq)
	for id in $steps; do
		run ! grep -qx "$id" <<<"$shown"
		grep -qx "$id" <<<"$all"
	done
	grep -qx "$(image_id hb-layers | cut -c8-19)" <<<"$shown"
}

@test "an interrupted build kills its RUN, removes its container and leaves no mount" {
	new_context
	printf 'FROM busybox\nRUN echo started; sleep 600\n' >"$CTX/Dockerfile"
	"$HULL" build --no-cache "$CTX" >"$BATS_FILE_TMPDIR/int.out" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q '^started' "$BATS_FILE_TMPDIR/int.out" && break
		sleep 0.1
	done
	grep -q '^started' "$BATS_FILE_TMPDIR/int.out"
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	grep -q 'interrupted' "$BATS_FILE_TMPDIR/int.out"
	no_build_leftovers
}

@test "image prune keeps the intermediate images of a named build: the cache survives it" {
	new_context
	printf 'FROM busybox\nRUN echo one > /one\nENV K=v\nRUN echo two > /two\n' >"$CTX/Dockerfile"
	"$HULL" build -t hb-prune "$CTX" >/dev/null
	"$HULL" build "$CTX" >/dev/null
	printf 'FROM busybox\nRUN echo dangling-%s > /d\n' "$RANDOM$RANDOM" >"$BATS_FILE_TMPDIR/Dockerfile.dangling"
	dangling=$("$HULL" build -q -f "$BATS_FILE_TMPDIR/Dockerfile.dangling" "$CTX")
	"$HULL" image prune -f >/dev/null
	run "$HULL" inspect "$dangling"
	[ "$status" -ne 0 ]
	run "$HULL" build -t hb-prune "$CTX"
	[ "$status" -eq 0 ]
	[ "$(grep -c -- ' ---> Using cache' <<<"$output")" -eq 3 ]
}

@test "rootless: an ordinary user builds an image, runs it, and rebuilds it from the cache" {
	local u=hullbld base bin
	id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"
	base=$((300000 + 100000 * $(id -u "$u") % 5000000))
	grep -q "^$u:" /etc/subuid || echo "$u:$base:65536" >>/etc/subuid
	grep -q "^$u:" /etc/subgid || echo "$u:$base:65536" >>/etc/subgid
	# hull and the context where the user can read them (a checkout may be under /root)
	bin=$(mktemp -d /tmp/hb-rootless.XXXXXX)
	cp "$HULL" "$bin/hull"
	mkdir "$bin/ctx"
	echo from-the-context >"$bin/ctx/f"
	printf 'FROM busybox\nCOPY f /f\nRUN echo "built as $(id -u)" >/who\nUSER 1000\nCMD cat /who /f\n' >"$bin/ctx/Dockerfile"
	chmod -R a+rX "$bin"
	as() { (cd /tmp && setpriv --reuid "$u" --regid "$u" --init-groups \
		env -i HOME="/home/$u" PATH=/usr/bin:/bin:/usr/sbin:/sbin "$bin/hull" "$@"); }
	as image build-default >/dev/null
	run as build -t hb-rootless "$bin/ctx"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Successfully tagged hb-rootless"* ]]
	run as run --rm hb-rootless
	[ "$status" -eq 0 ]
	# RUN is root in the user's namespace; the image runs as USER 1000
	[ "${lines[0]}" = "built as 0" ]
	[ "${lines[1]}" = from-the-context ]
	[ "$(as run --rm hb-rootless id -u)" = 1000 ]
	run as build -t hb-rootless "$bin/ctx"
	[ "$(grep -c -- ' ---> Using cache' <<<"$output")" -eq 4 ]
	# the image is the user's: root's engine does not have it
	run "$HULL" inspect hb-rootless
	[ "$status" -ne 0 ]
	as rmi -f hb-rootless >/dev/null 2>&1 || true
	f="/tmp/hull-run-$(id -u "$u")/pause.pid"
	[ ! -f "$f" ] || kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null || true
	rm -rf "$bin" "/home/$u/.local/share/hull" 2>/dev/null || true
}
