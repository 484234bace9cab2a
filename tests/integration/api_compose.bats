#!/usr/bin/env bats
# docker-compose 1.29 (Debian's, docker-py inside) against `hull system
# service` (docs/docker-api.md): a three-service project with a user
# network, a named volume, depends_on, environment and a published port,
# brought up, used, and taken down. The tests run in order on one project.
bats_require_minimum_version 1.5.0

ENGINE_NET=276
load engine_helpers

COMPOSE=/usr/bin/docker-compose

setup_file() {
	[ -x "$COMPOSE" ] || skip "docker-compose is not installed (apt-get install docker-compose)"
	engine_setup_file
	# 276 is past an IPv4 octet: the default bridge gets 10.199.6.0/25, the project's network the other half
	printf '{"bridge":"%s","bip":"10.199.6.1/25"}\n' "$ENGINE_BRIDGE" >"$HULL_DATA_ROOT/engine.json"
	export SOCK="$BATS_FILE_TMPDIR/docker.sock"
	export DOCKER_HOST="unix://$SOCK"
	export COMPOSE_PROJECT_NAME=hullapi
	"$HULL" system service --host "unix://$SOCK" 3>&- >"$BATS_FILE_TMPDIR/service.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/service.pid"
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && break
		sleep 0.1
	done
	mkdir "$BATS_FILE_TMPDIR/proj"
	cat >"$BATS_FILE_TMPDIR/proj/docker-compose.yml" <<'YAML'
version: "3.7"
services:
  db:
    image: busybox
    command: sh -c 'echo db-ready; exec httpd -f -p 8000 -h /data'
    volumes:
      - data:/data
    environment:
      ROLE: database
  web:
    image: busybox
    command: sh -c 'mkdir -p /www && echo web-ok >/www/index.html && echo web-up && exec httpd -f -p 80 -h /www'
    depends_on:
      - db
    ports:
      - "19910:80"
    environment:
      - ROLE=web
  client:
    image: busybox
    command: sleep 600
    depends_on:
      - web
volumes:
  data:
networks:
  default:
    ipam:
      config:
        - subnet: 10.199.6.128/25
YAML
}

teardown_file() {
	[ -d "$BATS_FILE_TMPDIR/proj" ] && (cd "$BATS_FILE_TMPDIR/proj" && timeout 60 "$COMPOSE" down -v >/dev/null 2>&1)
	[ -f "$BATS_FILE_TMPDIR/service.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/service.pid")" 2>/dev/null
	engine_teardown_file
	nft delete element ip hull subnets "{ 10.199.6.0/25 }" 2>/dev/null || true
	nft delete element ip hull subnets "{ 10.199.6.128/25 }" 2>/dev/null || true
}

compose() {
	(cd "$BATS_FILE_TMPDIR/proj" && timeout 120 "$COMPOSE" "$@")
}

@test "compose up -d creates the network, the volume and the services in dependency order" {
	run compose up -d
	[ "$status" -eq 0 ]
	[[ "$output" == *'Creating network "hullapi_default"'* ]]
	[[ "$output" == *'Creating volume "hullapi_data"'* ]]
	# depends_on: db before web before client
	[[ "$output" == *"hullapi_db_1"*"hullapi_web_1"*"hullapi_client_1"* ]]
	run "$HULL" network inspect hullapi_default
	[[ "$output" == *'"Subnet": "10.199.6.128/25"'* ]]
	"$HULL" volume inspect hullapi_data >/dev/null
}

@test "compose ps lists the three services up, with the published port" {
	run compose ps
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c ' Up ')" = 3 ]
	[[ "$output" == *"0.0.0.0:19910->80/tcp"* ]]
	run compose ps --services
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "client db web " ]
}

@test "services reach each other by service name; the published port answers on the host" {
	run compose exec -T client wget -qO- http://web/
	[ "$status" -eq 0 ]
	[ "$output" = web-ok ]
	wait_port 19910
	[ "$(curl -s 127.0.0.1:19910/)" = web-ok ]
}

@test "compose exec -T sees the environment; the named volume is shared and survives down without -v" {
	[ "$(compose exec -T db sh -c 'echo $ROLE')" = database ]
	[ "$(compose exec -T web sh -c 'echo $ROLE')" = web ]
	compose exec -T db sh -c 'echo from-volume >/data/index.html'
	[ "$(compose exec -T client wget -qO- http://db:8000/)" = from-volume ]
	run compose exec -T db sh -c 'exit 4'
	[ "$status" -eq 4 ]
	compose down
	[ -z "$("$HULL" ps -aq)" ]
	compose up -d
	[ "$(compose exec -T client wget -qO- http://db:8000/)" = from-volume ]
}

@test "compose run --rm: a one-off container on the project's network, its exit code, then removed" {
	run compose run --rm -T client sh -c 'wget -qO- http://web/; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *web-ok* ]]
	[ -z "$("$HULL" ps -aq --filter name=hullapi_client_run)" ]
}

@test "compose logs shows each service's output under its name" {
	run compose logs --no-color
	[ "$status" -eq 0 ]
	[[ "$output" == *"db_1 "*"| db-ready"* ]]
	[[ "$output" == *"web_1 "*"| web-up"* ]]
	run compose logs --no-color web
	[[ "$output" != *db-ready* ]]
}

@test "compose down -v removes the containers, the network and the volume" {
	run compose down -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"Removing network hullapi_default"* ]]
	[[ "$output" == *"Removing volume hullapi_data"* ]]
	[ -z "$("$HULL" ps -aq)" ]
	run ! "$HULL" network inspect hullapi_default
	run ! "$HULL" volume inspect hullapi_data
}

@test "compose up --exit-code-from: attached to the services, it stops them all when one exits, with its code" {
	mkdir -p "$BATS_FILE_TMPDIR/once"
	cat >"$BATS_FILE_TMPDIR/once/docker-compose.yml" <<'YAML'
version: "3.7"
services:
  server:
    image: busybox
    command: sh -c 'mkdir -p /w && echo served >/w/index.html && exec httpd -f -p 80 -h /w'
  check:
    image: busybox
    command: sh -c 'until wget -qO- http://server/; do sleep 0.1; done; exit 5'
    depends_on: [server]
networks:
  default:
    ipam:
      config:
        - subnet: 10.199.6.128/25
YAML
	cd "$BATS_FILE_TMPDIR/once"
	run timeout 120 "$COMPOSE" -p hullonce up --no-color --exit-code-from check
	[ "$status" -eq 5 ]
	[[ "$output" == *"check_1 "*"| served"* ]]
	[[ "$output" == *"Stopping hullonce_server_1"* ]]
	[ -z "$("$HULL" ps -q)" ]
	timeout 60 "$COMPOSE" -p hullonce down >/dev/null 2>&1
	[ -z "$("$HULL" ps -aq)" ]
}
