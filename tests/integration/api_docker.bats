#!/usr/bin/env bats
# The Docker Engine API of `hull system service` (docs/docker-api.md),
# driven by Debian's docker 20.10 CLI (/usr/bin/docker: another docker may
# come first in PATH; no dockerd is started) over a unix socket.
bats_require_minimum_version 1.5.0

ENGINE_NET=260
load engine_helpers

DOCKER=/usr/bin/docker

setup_file() {
	[ -x "$DOCKER" ] || skip "docker.io is not installed (scripts/install-deps installs it)"
	engine_setup_file
	# 260 is past an IPv4 octet: this file's bridge gets 10.199.4.0/24
	printf '{"bridge":"%s","bip":"10.199.%d.1/24"}\n' "$ENGINE_BRIDGE" $((ENGINE_NET - 256)) >"$HULL_DATA_ROOT/engine.json"
	export SOCK="$BATS_FILE_TMPDIR/docker.sock"
	export DOCKER_HOST="unix://$SOCK"
	"$HULL" system service --host "unix://$SOCK" 3>&- >"$BATS_FILE_TMPDIR/service.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/service.pid"
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && break
		sleep 0.1
	done
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/service.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/service.pid")" 2>/dev/null
	engine_teardown_file
	nft delete element ip hull subnets "{ 10.199.$((ENGINE_NET - 256)).0/24 }" 2>/dev/null || true
}

api() {
	curl -s --unix-socket "$SOCK" "$@"
}

@test "the socket is mode 0660 and answers GET and HEAD /_ping, versioned or not" {
	[ "$(stat -c %a "$SOCK")" = 660 ]
	[ "$(api http://d/_ping)" = OK ]
	[ "$(api http://d/v1.41/_ping)" = OK ]
	run api -I http://d/_ping
	[[ "$output" == *"200 OK"* ]]
	[[ "$output" == *"Api-Version: 1.41"* ]]
}

@test "docker version names the server hull; docker info counts images" {
	run "$DOCKER" version
	[ "$status" -eq 0 ]
	[[ "$output" == *"Server: hull"* ]]
	[[ "$output" == *"API version:       1.41"* ]]
	run "$DOCKER" info --format '{{.Images}} {{.OperatingSystem}}'
	[ "$status" -eq 0 ]
	[ "$output" = "1 hull" ]
}

@test "docker images lists busybox; docker inspect of an image" {
	run "$DOCKER" images --format '{{.Repository}}:{{.Tag}}'
	[ "$status" -eq 0 ]
	[ "$output" = "busybox:latest" ]
	run "$DOCKER" image inspect --format '{{.Os}}' busybox
	[ "$output" = linux ]
	run ! "$DOCKER" image inspect nosuchimage
	[[ "$output" == *"No such image"* ]]
}

@test "docker create, start, ps (filters), logs, stop, rm" {
	id=$("$DOCKER" create --name api-c1 -l app=api busybox sh -c 'echo to-out; echo to-err >&2; sleep 60' 2>/dev/null)
	[ ${#id} -eq 64 ]
	run "$DOCKER" ps -a --filter name=api-c1 --format '{{.Names}} {{.State}}'
	[ "$output" = "api-c1 created" ]
	"$DOCKER" start api-c1
	run "$DOCKER" ps --filter label=app=api --filter status=running --format '{{.Names}}'
	[ "$output" = api-c1 ]
	run "$DOCKER" ps --filter label=app=other --format '{{.Names}}'
	[ -z "$output" ]
	for _ in $(seq 50); do
		"$DOCKER" logs api-c1 2>&1 | grep -q to-err && break
		sleep 0.1
	done
	[ "$("$DOCKER" logs api-c1 2>/dev/null)" = to-out ]
	[ "$("$DOCKER" logs api-c1 2>&1 >/dev/null)" = to-err ]
	"$DOCKER" stop -t 1 api-c1
	run "$DOCKER" inspect --format '{{.State.Status}} {{.Name}} {{.Config.Labels.app}}' api-c1
	[ "$output" = "exited /api-c1 api" ]
	"$DOCKER" rm api-c1
	run ! "$HULL" inspect api-c1
}

@test "docker run -d -p publishes a port; docker rm of a running one needs -f" {
	"$DOCKER" run -d --name api-web -p 19750:80 busybox sh -c 'mkdir /w && echo from-api >/w/index.html && httpd -f -p 80 -h /w' 2>/dev/null
	wait_port 19750
	[ "$(curl -s 127.0.0.1:19750/index.html)" = from-api ]
	run "$DOCKER" port api-web
	[[ "$output" == *"80/tcp -> 0.0.0.0:19750"* ]]
	run ! "$DOCKER" rm api-web
	[[ "$output" == *"cannot remove a running container"* ]]
	"$DOCKER" rm -f api-web
	run ! "$HULL" inspect api-web
}

@test "docker run --rm IMAGE CMD attaches: prints, returns the exit code, removes it" {
	run "$DOCKER" run --rm busybox echo hi
	[ "$status" -eq 0 ]
	[[ "$output" == *hi* ]]
	run --separate-stderr "$DOCKER" run --rm busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[[ "$stderr" == *err* ]]
	run "$DOCKER" run --name api-kept busybox sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run "$DOCKER" inspect --format '{{.State.ExitCode}}' api-kept
	[ "$output" = 5 ]
	"$DOCKER" rm api-kept
	[ -z "$("$HULL" ps -aq)" ]
}

@test "docker logs -f follows until the container stops; --tail and -t" {
	"$DOCKER" run -d --name api-f busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.2; done' >/dev/null 2>&1
	run timeout 20 "$DOCKER" logs -f api-f
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3')" ]
	run "$DOCKER" logs --tail 1 -t api-f
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ line3$ ]]
	# since and until: the second line's own time picks it and what follows, or what came before
	t2=$("$DOCKER" logs -t api-f | sed -n 2p | cut -d' ' -f1)
	[ "$("$DOCKER" logs --since "$t2" api-f | tr '\n' ' ')" = "line2 line3 " ]
	[ "$("$DOCKER" logs --until "$t2" api-f)" = line1 ]
	[ -z "$("$DOCKER" logs --since 2h --until 1h api-f)" ]
	"$DOCKER" rm api-f
}

@test "docker kill -s, wait, restart" {
	"$DOCKER" run -d --name api-k busybox sleep 60 >/dev/null 2>&1
	"$DOCKER" kill -s KILL api-k
	run timeout 20 "$DOCKER" wait api-k
	[ "$output" = 137 ]
	"$DOCKER" restart -t 1 api-k
	run "$DOCKER" inspect --format '{{.State.Status}}' api-k
	[ "$output" = running ]
	run ! "$DOCKER" kill -s NOSUCHSIG api-k
	"$DOCKER" rm -f api-k
	run ! "$DOCKER" kill api-k
	[[ "$output" == *"No such container"* ]]
}

@test "docker exec: output, exit code, stdin, -d, -u; exec into a stopped one is refused" {
	"$DOCKER" run -d --name api-e busybox sleep 60 >/dev/null 2>&1
	run --separate-stderr "$DOCKER" exec api-e sh -c 'echo in-exec; echo to-err >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = in-exec ]
	[ "$stderr" = to-err ]
	[ "$(echo piped | "$DOCKER" exec -i api-e cat)" = piped ]
	"$DOCKER" exec -d api-e sh -c 'echo detached >/tmp/d'
	for _ in $(seq 50); do
		[ "$("$DOCKER" exec api-e cat /tmp/d 2>/dev/null)" = detached ] && break
		sleep 0.1
	done
	[ "$("$DOCKER" exec api-e cat /tmp/d)" = detached ]
	[ "$("$DOCKER" exec -u 1000 api-e id -u)" = 1000 ]
	[ "$("$DOCKER" exec -u nobody api-e id -un)" = nobody ]
	run ! "$DOCKER" exec -u nosuchuser api-e true
	[[ "$output" == *nosuchuser* ]]
	"$DOCKER" stop -t 0 api-e
	run ! "$DOCKER" exec api-e true
	[[ "$output" == *"is not running"* ]]
	"$DOCKER" rm api-e
}

@test "docker network create, ls, inspect, rm; containers on a user network reach each other by name and alias" {
	"$DOCKER" network create --subnet 10.199.5.0/25 --label team=api api-net >/dev/null
	run "$DOCKER" network ls --format '{{.Name}} {{.Driver}}'
	[[ "$output" == *"api-net bridge"* ]]
	[[ "$output" == *"host host"* ]]
	[ "$("$DOCKER" network ls -q --filter label=team=api | wc -l)" = 1 ]
	[ "$("$DOCKER" network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}} {{.Labels.team}}' api-net)" = "10.199.5.0/25 api" ]
	run ! "$DOCKER" network create api-net
	[[ "$output" == *"already exists"* ]]
	"$DOCKER" run -d --name api-n1 --network api-net --network-alias svc busybox sleep 60 >/dev/null 2>&1
	run "$DOCKER" run --rm --network api-net busybox sh -c 'ping -c1 -W2 svc && ping -c1 -W2 api-n1'
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.199.5."* ]]
	[ "$("$DOCKER" ps --filter network=api-net --format '{{.Names}}')" = api-n1 ]
	run "$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{index $v.Aliases 0}}{{end}}' api-n1
	[[ "$output" =~ ^api-net\ 10\.199\.5\.[0-9]+\ svc$ ]]
	run ! "$DOCKER" network rm api-net
	[[ "$output" == *"api-n1"* || "$output" == *"active endpoints"* || "$output" == *"in use"* ]]
	"$DOCKER" rm -f api-n1 >/dev/null
	"$DOCKER" network rm api-net
	run ! "$DOCKER" network inspect api-net
	[[ "$output" == *"No such network"* || "$output" == *"not found"* ]]
}

@test "docker network connect and disconnect a created container: it starts on both networks" {
	"$DOCKER" network create --subnet 10.199.5.0/25 api-na >/dev/null
	"$DOCKER" network create --subnet 10.199.5.128/25 api-nb >/dev/null
	"$DOCKER" create --name api-c2 --network api-na busybox sleep 60 >/dev/null 2>&1
	"$DOCKER" network connect --alias second api-nb api-c2
	"$DOCKER" start api-c2
	run "$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}' api-c2
	[[ "$output" =~ ^api-na=10\.199\.5\.([0-9]|[1-9][0-9]|1[01][0-9]|12[0-6])\ api-nb=10\.199\.5\.(129|1[3-9][0-9]|2[0-5][0-9])\ $ ]]
	[ "$("$DOCKER" exec api-c2 sh -c 'ip -4 -o addr | grep -c " eth[01] "')" = 2 ]
	run "$DOCKER" run --rm --network api-nb busybox ping -c1 -W2 second
	[ "$status" -eq 0 ]
	"$DOCKER" network disconnect api-nb api-c2
	run "$DOCKER" inspect -f '{{len .NetworkSettings.Networks}}' api-c2
	[ "$output" = 1 ]
	"$DOCKER" rm -f api-c2 >/dev/null
	run "$DOCKER" network prune -f
	[[ "$output" == *api-na* && "$output" == *api-nb* ]]
	[ "$("$DOCKER" network ls -q --filter type=custom)" = "" ]
}

@test "docker volume create, ls, inspect, rm, prune; run -v VOL:/path keeps data across containers" {
	"$DOCKER" volume create --label kind=api api-vol >/dev/null
	[ "$("$DOCKER" volume ls -q --filter label=kind=api)" = api-vol ]
	[ "$("$DOCKER" volume inspect -f '{{.Driver}} {{.Labels.kind}}' api-vol)" = "local api" ]
	"$DOCKER" run --rm -v api-vol:/data busybox sh -c 'echo kept >/data/f'
	[ "$("$DOCKER" run --rm -v api-vol:/d:ro busybox cat /d/f)" = kept ]
	"$DOCKER" create --name api-vuser -v api-vol:/data busybox true >/dev/null 2>&1
	[ "$("$DOCKER" volume ls -q --filter dangling=false)" = api-vol ]
	run ! "$DOCKER" volume rm api-vol
	[[ "$output" == *"in use"* ]]
	"$DOCKER" rm api-vuser >/dev/null
	"$DOCKER" volume create api-vol2 >/dev/null
	run "$DOCKER" volume prune -f
	[[ "$output" == *api-vol* && "$output" == *api-vol2* ]]
	[ -z "$("$DOCKER" volume ls -q)" ]
	run ! "$DOCKER" volume inspect api-vol
	[[ "${output,,}" == *"no such volume"* ]]
	# an anonymous volume for -v /path
	"$DOCKER" run --name api-anon -v /scratch busybox sh -c 'echo x >/scratch/f'
	[ "$("$DOCKER" inspect -f '{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}' api-anon)" = "volume /scratch" ]
	"$DOCKER" rm -v api-anon >/dev/null
}

@test "docker tag, history, save, rmi, load; rmi of an image a container uses is refused" {
	"$DOCKER" tag busybox api/copy:v1
	[ "$("$DOCKER" images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')" = "api/copy:v1 busybox:latest " ]
	run "$DOCKER" history --format '{{.CreatedBy}}' api/copy:v1
	[ "$status" -eq 0 ]
	[[ "$output" == *build-default* ]]
	"$DOCKER" save -o "$BATS_TEST_TMPDIR/copy.tar" api/copy:v1
	tar tf "$BATS_TEST_TMPDIR/copy.tar" | grep -qx manifest.json
	run "$DOCKER" rmi api/copy:v1
	[ "$output" = "Untagged: api/copy:v1" ]
	run "$DOCKER" load -i "$BATS_TEST_TMPDIR/copy.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: api/copy:v1"* ]]
	[ "$("$DOCKER" image inspect -f '{{.Id}}' api/copy:v1)" = "$("$DOCKER" image inspect -f '{{.Id}}' busybox)" ]
	"$DOCKER" rmi api/copy:v1 >/dev/null
	# an archive that is not one: refused, nothing loaded
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/junk.tar"
	run ! "$DOCKER" load -i "$BATS_TEST_TMPDIR/junk.tar"
	[[ "$output" == *"load the uploaded archive"* ]]
	[ "$("$DOCKER" images -q | wc -l)" = 1 ]
	"$DOCKER" create --name api-img-user busybox true >/dev/null 2>&1
	run ! "$DOCKER" rmi "$("$DOCKER" image inspect -f '{{.Id}}' busybox)"
	"$DOCKER" rm api-img-user >/dev/null
	run "$DOCKER" image prune -f
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" images -q | wc -l)" = 1 ]
}

@test "docker export, import and commit: a container's files become an image" {
	"$DOCKER" run --name api-x busybox sh -c 'echo exported >/marker' >/dev/null 2>&1
	"$DOCKER" export -o "$BATS_TEST_TMPDIR/x.tar" api-x
	tar tf "$BATS_TEST_TMPDIR/x.tar" | grep -qx marker
	"$DOCKER" import "$BATS_TEST_TMPDIR/x.tar" api/imported:v1 >/dev/null
	[ "$("$DOCKER" run --rm api/imported:v1 cat /marker 2>/dev/null)" = exported ]
	"$DOCKER" commit -m from-api api-x api/committed:v1 >/dev/null
	[ "$("$DOCKER" run --rm api/committed:v1 cat /marker 2>/dev/null)" = exported ]
	[ "$("$DOCKER" history --format '{{.Comment}}' api/committed:v1 | head -1)" = from-api ]
	run ! "$DOCKER" import "$BATS_TEST_TMPDIR/junk-does-not-exist.tar"
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/junk.tar"
	run ! "$DOCKER" import "$BATS_TEST_TMPDIR/junk.tar" api/bad
	[[ "$output" == *"import the uploaded archive"* ]]
	"$DOCKER" rm api-x >/dev/null
	"$DOCKER" rmi api/imported:v1 api/committed:v1 >/dev/null
	[ "$("$DOCKER" images -q | wc -l)" = 1 ]
}

@test "docker push to and pull from a local registry; docker run of an image that is not here pulls it" {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	mkdir -p "$BATS_TEST_TMPDIR/reg"
	printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:19921\n' \
		"$BATS_TEST_TMPDIR/reg" >"$BATS_TEST_TMPDIR/reg.yml"
	docker-registry serve "$BATS_TEST_TMPDIR/reg.yml" 3>&- >/dev/null 2>&1 &
	reg=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null 127.0.0.1:19921/v2/ && break
		sleep 0.1
	done
	"$DOCKER" tag busybox 127.0.0.1:19921/api/bb:1
	run "$DOCKER" push 127.0.0.1:19921/api/bb:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"The push refers to repository [127.0.0.1:19921/api/bb]"* ]]
	curl -s 127.0.0.1:19921/v2/api/bb/tags/list | grep -q '"1"'
	"$DOCKER" rmi 127.0.0.1:19921/api/bb:1 >/dev/null
	run "$DOCKER" pull 127.0.0.1:19921/api/bb:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Digest: sha256:"* ]]
	"$DOCKER" rmi 127.0.0.1:19921/api/bb:1 >/dev/null
	run "$DOCKER" run --rm 127.0.0.1:19921/api/bb:1 echo pulled-and-ran
	[ "$status" -eq 0 ]
	[[ "$output" == *pulled-and-ran* ]]
	run ! "$DOCKER" pull 127.0.0.1:19921/api/nosuch:1
	[[ "$output" == *"not found"* ]]
	"$DOCKER" rmi 127.0.0.1:19921/api/bb:1 >/dev/null
	kill "$reg"
}

@test "docker top, stats --no-stream and system df" {
	"$DOCKER" run -d --name api-ob -v api-obv:/d busybox sh -c 'echo 1234567 >/d/f; exec sleep 60' >/dev/null 2>&1
	run "$DOCKER" top api-ob
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == UID*PID*CMD ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"sleep 60" ]]
	run "$DOCKER" top api-ob -o pid,comm
	[[ "${lines[1]}" =~ ^[0-9]+\ +sleep$ ]]
	run timeout 30 "$DOCKER" stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' api-ob
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^api-ob\ 1\ [0-9.]+[KMG]iB\ / ]]
	run "$DOCKER" system df --format '{{.Type}} {{.TotalCount}} {{.Active}}'
	[[ "$output" == *"Images 1 1"* ]]
	[[ "$output" == *"Containers 1 1"* ]]
	[[ "$output" == *"Local Volumes 1 1"* ]]
	"$DOCKER" stop -t 0 api-ob >/dev/null
	run ! "$DOCKER" top api-ob
	[[ "$output" == *"is not running"* ]]
	"$DOCKER" rm -v api-ob >/dev/null
	"$DOCKER" volume rm api-obv >/dev/null
}

@test "docker events: a container's life as events, filtered by label and event" {
	"$DOCKER" events --filter label=evt=1 --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}' \
		>"$BATS_TEST_TMPDIR/all" 2>&1 3>&- &
	all=$!
	"$DOCKER" events --filter label=evt=1 --filter event=die --format '{{.Action}} {{.Actor.Attributes.name}}' \
		>"$BATS_TEST_TMPDIR/die" 2>&1 3>&- &
	die=$!
	sleep 1 # both streams have taken their first look
	"$DOCKER" run -d --name api-ev -l evt=1 busybox sh -c 'sleep 60' >/dev/null 2>&1
	"$DOCKER" run -d --name api-other busybox true >/dev/null 2>&1
	"$DOCKER" kill api-ev >/dev/null
	for _ in $(seq 100); do
		grep -q die "$BATS_TEST_TMPDIR/all" && break
		sleep 0.1
	done
	"$DOCKER" rm api-ev api-other >/dev/null
	for _ in $(seq 100); do
		grep -q destroy "$BATS_TEST_TMPDIR/all" && break
		sleep 0.1
	done
	kill "$all" "$die"
	[ "$(cat "$BATS_TEST_TMPDIR/all")" = "$(printf 'container create api-ev <no value>\ncontainer start api-ev <no value>\ncontainer die api-ev 137\ncontainer destroy api-ev <no value>')" ]
	[ "$(cat "$BATS_TEST_TMPDIR/die")" = "die api-ev" ]
	run "$DOCKER" events --since 1
	[[ "$output" == *"not served"* ]]
}

@test "docker system prune removes stopped containers and unused networks, keeps what runs and its image" {
	"$DOCKER" run --name api-sp-stopped busybox true >/dev/null 2>&1
	"$DOCKER" run -d --name api-sp-up busybox sleep 60 >/dev/null 2>&1
	"$DOCKER" network create --subnet 10.199.5.0/25 api-sp-net >/dev/null
	run "$DOCKER" system prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Containers:"* ]]
	[[ "$output" == *"api-sp-net"* ]]
	[ "$("$DOCKER" ps -a --format '{{.Names}}')" = api-sp-up ]
	[ -z "$("$DOCKER" network ls -q --filter type=custom)" ]
	# one image (a pulled copy's repo digest is a second row of the same id)
	[ "$("$DOCKER" images -q | sort -u | wc -l)" = 1 ]
	"$DOCKER" rm -f api-sp-up >/dev/null
}

@test "errors: docker's messages and status codes" {
	run ! "$DOCKER" rm nosuch
	[[ "$output" == *"No such container: nosuch"* ]]
	[ "$(api -o /dev/null -w '%{http_code}' -X POST http://d/containers/nosuch/start)" = 404 ]
	"$DOCKER" create --name api-dup busybox true >/dev/null 2>&1
	run ! "$DOCKER" create --name api-dup busybox true
	[[ "$output" == *Conflict* ]]
	[ "$(api -o /dev/null -w '%{http_code}' -X POST 'http://d/containers/api-dup/kill?signal=NOPE')" = 400 ]
	[ "$(api -o /dev/null -w '%{http_code}' 'http://d/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D')" = 400 ]
	[ "$(api -o /dev/null -w '%{http_code}' http://d/nothing/here)" = 404 ]
	"$DOCKER" rm api-dup
}

@test "docker run -t and exec -t get a tty; -it passes input; resize sets its size" {
	run --separate-stderr timeout 60 "$DOCKER" run --rm -t busybox sh -c 'tty; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == "/dev/pts/"*$'\r' ]]
	"$DOCKER" run -d --name api-t busybox sleep 60 >/dev/null 2>&1
	run timeout 60 "$DOCKER" exec -t api-t sh -c 'tty; exit 4'
	[ "$status" -eq 4 ]
	[[ "$output" == "/dev/pts/"*$'\r' ]]
	# a terminal of 33x101 on the client side: the CLI resizes the exec's pty to it
	run timeout 60 script -qec "stty rows 33 cols 101; $DOCKER exec -it api-t sh -c 'read line; echo got \$line; sleep 0.5; stty size'" /dev/null <<<"typed"
	[[ "$output" == *"got typed"* ]]
	[[ "$output" == *"33 101"* ]]
	"$DOCKER" rm -f api-t >/dev/null
	[ "$(api -o /dev/null -w '%{http_code}' -X POST 'http://d/exec/nosuch/resize?h=1&w=1')" = 404 ]
}

@test "docker attach to a running container: its output split by stream, its exit code; with a tty, input" {
	"$DOCKER" run -d --name api-at busybox sh -c 'sleep 1; echo to-out; echo to-err >&2; exit 6' >/dev/null 2>&1
	run --separate-stderr timeout 60 "$DOCKER" attach api-at
	[ "$status" -eq 6 ]
	[ "$output" = to-out ]
	[ "$stderr" = to-err ]
	"$DOCKER" rm api-at >/dev/null
	"$DOCKER" run -dit --name api-ati busybox sh >/dev/null 2>&1
	run timeout 60 script -qec "$DOCKER attach api-ati" /dev/null < <(sleep 1; printf 'echo attached-$((6*7))\nexit 2\n')
	[[ "$output" == *attached-42* ]]
	[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' api-ati)" = 2 ]
	"$DOCKER" rm api-ati >/dev/null
}

@test "a hostile request (bad JSON, oversized body) gets 400 and the server lives on" {
	run api -w ' %{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Image": ' http://d/containers/create
	[[ "$output" == *'"message"'* ]]
	[[ "$output" == *" 400" ]]
	head -c 3000000 /dev/zero | tr '\0' 'a' >"$BATS_FILE_TMPDIR/big"
	run api -w ' %{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$BATS_FILE_TMPDIR/big" http://d/containers/create
	[[ "$output" == *" 400" ]]
	run api -w ' %{http_code}' -X POST -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":"not-a-list"}' http://d/containers/create
	[[ "$output" == *" 400" ]]
	[ "$(api http://d/_ping)" = OK ]
	[ -z "$("$HULL" ps -aq)" ]
}

@test "--host: TCP only when asked for (with a warning); a file that is not a socket is kept" {
	run ! "$HULL" system service --host 0.0.0.0:19751
	[[ "$output" == *"tcp://IP:PORT"* ]]
	touch "$BATS_TEST_TMPDIR/file"
	run ! "$HULL" system service --host "unix://$BATS_TEST_TMPDIR/file"
	[[ "$output" == *"not a socket"* ]]
	[ -f "$BATS_TEST_TMPDIR/file" ]
	"$HULL" system service --host 127.0.0.1:19751 3>&- 2>"$BATS_TEST_TMPDIR/tcp.log" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(curl -s 127.0.0.1:19751/_ping)" = OK ] && break
		sleep 0.1
	done
	[ "$(curl -s 127.0.0.1:19751/_ping)" = OK ]
	kill "$pid"
	wait "$pid" || true
	grep -q "WARNING: the API on 127.0.0.1:19751 has no authentication" "$BATS_TEST_TMPDIR/tcp.log"
}
