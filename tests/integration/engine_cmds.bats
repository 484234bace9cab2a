#!/usr/bin/env bats
# docker's other container commands: diff, pause/unpause, rename,
# container prune, system df/prune, the `container` management command,
# image history. Names prefixed dc-.

load engine_helpers

setup_file() {
	export ENGINE_NET=187
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# the counting tests start from no containers, whatever an earlier one left
no_containers() {
	local ids
	ids=$("$HULL" ps -aq --no-trunc)
	[ -z "$ids" ] || "$HULL" rm -f $ids >/dev/null
}

@test "diff: A, C and D lines from the container's changes, sorted; none for an untouched one" {
	"$HULL" run --network none --name dc-diff busybox sh -c 'rm /bin/ls; echo x >/etc/newf; echo y >>/etc/group; mkdir -p /new/dir' >/dev/null 2>&1
	run "$HULL" diff dc-diff
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'C /bin\nD /bin/ls\nC /etc\nC /etc/group\nA /etc/newf\nA /new\nA /new/dir')" ]
	"$HULL" run --network none --name dc-clean busybox true >/dev/null 2>&1
	run "$HULL" diff dc-clean
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HULL" diff dc-none
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: dc-none"* ]]
	# a directory of the image removed and made again (opaque in the upper dir):
	# what the image had in it is deleted
	"$HULL" run --network none --name dc-opaque busybox sh -c 'rm -rf /usr/sbin && mkdir /usr/sbin && touch /usr/sbin/new' >/dev/null 2>&1
	run "$HULL" diff dc-opaque
	[ "${lines[0]}" = "C /usr" ]
	[ "${lines[1]}" = "C /usr/sbin" ]
	[[ "$output" == *"D /usr/sbin/chroot"* ]]
	[[ "$output" == *"A /usr/sbin/new"* ]]
	# one D for each entry the image has there
	[ "$(grep -c '^D /usr/sbin/' <<<"$output")" -eq "$("$HULL" run --rm --network none busybox ls /usr/sbin 2>/dev/null | wc -l)" ]
	"$HULL" rm dc-diff dc-clean dc-opaque >/dev/null
}

@test "pause freezes a container (ps: Paused, inspect State.Paused), unpause thaws it; docker's errors" {
	"$HULL" run -d --network none --name dc-pause busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/t; sleep 0.05; done' >/dev/null 2>&1
	for _ in $(seq 50); do "$HULL" exec dc-pause test -s /tmp/t && break; sleep 0.1; done
	run "$HULL" pause dc-pause
	[ "$status" -eq 0 ]
	[ "$output" = dc-pause ]
	run "$HULL" ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"dc-pause Up "*" (Paused)"* ]]
	[ "$("$HULL" inspect -f '{{.State.Paused}} {{.State.Status}} {{.State.Running}}' dc-pause)" = "true paused true" ]
	# frozen: the loop writes nothing more (read through cp, which works on a paused container)
	a=$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)
	sleep 0.5
	[ "$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)" = "$a" ]
	run "$HULL" pause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is already paused"* ]]
	run "$HULL" exec dc-pause true
	[ "$status" -eq 1 ]
	[[ "$output" == *"is paused, unpause the container before exec"* ]]
	run "$HULL" start dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start a paused container, try unpause instead"* ]]
	run "$HULL" unpause dc-pause
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect -f '{{.State.Paused}} {{.State.Status}}' dc-pause)" = "false running" ]
	sleep 0.3
	[ "$("$HULL" cp dc-pause:/tmp/t - | tar -xOf -)" != "$a" ]
	run "$HULL" unpause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not paused"* ]]
	# stop and kill reach a paused container (it is thawed after the signal)
	"$HULL" pause dc-pause >/dev/null
	run "$HULL" stop -t 1 dc-pause
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect -f '{{.State.Status}} {{.State.Paused}}' dc-pause)" = "exited false" ]
	run "$HULL" pause dc-pause
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
	"$HULL" rm dc-pause >/dev/null
	# rm: refused for a paused container in docker's words; -f kills it (thawed after SIGKILL)
	"$HULL" run -d --network none --name dc-pause2 busybox sleep 1000 >/dev/null 2>&1
	"$HULL" pause dc-pause2 >/dev/null
	run "$HULL" rm dc-pause2
	[ "$status" -eq 1 ]
	[[ "$output" == *"You cannot remove a paused container"* ]]
	run timeout 20 "$HULL" rm -f dc-pause2
	[ "$status" -eq 0 ]
	[ -z "$("$HULL" ps -aq)" ] || [[ "$("$HULL" ps -a --format '{{.Names}}')" != *dc-pause2* ]]
}

@test "rename: the new name everywhere, the old one gone; docker's conflict and same-name errors" {
	"$HULL" run -d --network none --restart always --name dc-old busybox sh -c 'sleep 0.3; exit 3' >/dev/null 2>&1
	"$HULL" create --network none --name dc-taken busybox true >/dev/null 2>&1
	run "$HULL" rename dc-old dc-new
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HULL" inspect -f '{{.Name}}' dc-new
	[ "$output" = /dc-new ]
	run "$HULL" diff dc-old
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: dc-old"* ]]
	# the monitor restarting it keeps the new name
	for _ in $(seq 50); do
		[ "$("$HULL" inspect -f '{{.RestartCount}}' dc-new)" -ge 2 ] && break
		sleep 0.1
	done
	[ "$("$HULL" inspect -f '{{.RestartCount}}' dc-new)" -ge 2 ]
	[ "$("$HULL" inspect -f '{{.Name}}' dc-new)" = /dc-new ]
	run "$HULL" ps -a --format '{{.Names}}'
	[[ "$output" == *dc-new* ]]
	[[ "$output" != *dc-old* ]]
	run "$HULL" rename dc-new dc-taken
	[ "$status" -eq 1 ]
	[[ "$output" == *'Conflict. The container name "/dc-taken" is already in use'* ]]
	run "$HULL" rename dc-new dc-new
	[ "$status" -eq 1 ]
	[[ "$output" == *"same name as its current name"* ]]
	run "$HULL" rename dc-new 'bad name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Invalid container name"* ]]
	# the old name is free again
	"$HULL" create --network none --name dc-old busybox true >/dev/null 2>&1
	"$HULL" rm -f dc-new dc-taken dc-old >/dev/null
}

@test "container: docker's management command (ls, inspect, rm, run ...) over the same commands" {
	[ "$("$HULL" container run --network none --name dc-mgmt busybox echo managed 2>/dev/null)" = managed ]
	run "$HULL" container ls -a --format '{{.Names}}'
	[[ "$output" == *dc-mgmt* ]]
	[ "$("$HULL" container inspect -f '{{.State.Status}}' dc-mgmt)" = exited ]
	# container inspect is for containers only; -s adds docker's SizeRw/SizeRootFs
	run "$HULL" container inspect busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: busybox"* ]]
	run "$HULL" container inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' dc-mgmt
	[[ "$output" =~ ^[0-9]+\ [0-9]{6,}$ ]]
	run "$HULL" container rm dc-mgmt
	[ "$output" = dc-mgmt ]
	run "$HULL" container frobnicate
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown command"* ]]
	run "$HULL" container --help
	[ "$status" -eq 0 ]
	[[ "$output" == *prune* ]]
	# `hull image` is the image room's management command
	run "$HULL" image ls
	[[ "$output" == *busybox* ]]
}

@test "container prune: asks first (nothing gone unless answered y), -f skips; running ones stay" {
	no_containers
	"$HULL" run -d --network none --name dc-live busybox sleep 1000 >/dev/null 2>&1
	"$HULL" run --network none --name dc-dead1 busybox sh -c 'echo data >/junk' >/dev/null 2>&1
	"$HULL" create --network none --name dc-dead2 busybox true >/dev/null 2>&1
	run "$HULL" container prune </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING! This will remove all stopped containers."* ]]
	[[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
	[ "$("$HULL" ps -aq | wc -l)" -eq 3 ]
	run "$HULL" container prune <<<n
	[ "$("$HULL" ps -aq | wc -l)" -eq 3 ]
	dead1=$("$HULL" inspect -f '{{.Id}}' dc-dead1)
	run "$HULL" container prune <<<y
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Containers:"* ]]
	[[ "$output" == *"$dead1"* ]]
	[[ "$output" =~ "Total reclaimed space: "[0-9.]+k?B ]]
	run "$HULL" ps -a --format '{{.Names}}'
	[ "$output" = dc-live ]
	# --filter: until= (created before), label= / label!=; a bad one is refused before anything goes
	"$HULL" create --network none -l keep=yes --name dc-kept busybox true >/dev/null 2>&1
	"$HULL" create --network none -l keep=no --name dc-other busybox true >/dev/null 2>&1
	run "$HULL" container prune -f --filter color=red
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid filter 'color=red'"* ]]
	run "$HULL" container prune -f --filter until=1h
	[[ "$output" != *Deleted* ]]
	[ "$("$HULL" ps -aq | wc -l)" -eq 3 ]
	run "$HULL" container prune -f --filter label=keep=no
	[ "$("$HULL" ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "dc-kept dc-live " ]
	run "$HULL" container prune -f --filter label!=keep
	[ "$("$HULL" ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "dc-kept dc-live " ]
	run "$HULL" container prune -f --filter until=2030-01-01T00:00:00Z --filter label=keep
	[ "$("$HULL" ps -a --format '{{.Names}}')" = dc-live ]
	"$HULL" create --network none --name dc-dead3 busybox true >/dev/null 2>&1
	run "$HULL" container prune -f
	[[ "$output" == *"Deleted Containers:"* ]]
	[[ "$output" != *WARNING* ]]
	run "$HULL" ps -a --format '{{.Names}}'
	[ "$output" = dc-live ]
	"$HULL" rm -f dc-live >/dev/null
}

@test "system df: images, containers, volumes with totals, active counts and reclaimable sizes" {
	no_containers
	"$HULL" run -d --network none --name dc-df1 -v dc-dfvol:/data busybox sh -c 'head -c 300000 /dev/zero >/big; sleep 1000' >/dev/null 2>&1
	"$HULL" run --network none --name dc-df2 busybox sh -c 'head -c 100000 /dev/zero >/small' >/dev/null 2>&1
	"$HULL" volume create dc-unused >/dev/null
	for _ in $(seq 50); do "$HULL" exec dc-df1 test -s /big && break; sleep 0.1; done
	run "$HULL" system df
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
	[[ "${lines[1]}" =~ ^Images\ +1\ +1\ +[0-9.]+[kM]B\ +0B\ \(0%\)$ ]]
	# 400 kB of changes, the stopped one's 100 kB reclaimable (25%)
	[[ "${lines[2]}" =~ ^Containers\ +2\ +1\ +4[0-9.]*kB\ +1[0-9.]*kB\ \(2[0-9]%\)$ ]]
	[[ "${lines[3]}" =~ ^Local\ Volumes\ +2\ +1\ + ]]
	[ "${lines[4]}" = "Build Cache     0         0         0B        0B" ]
	run "$HULL" system df --format '{{.Type}}={{.TotalCount}}/{{.Active}}'
	[ "$output" = "$(printf 'Images=1/1\nContainers=2/1\nLocal Volumes=2/1\nBuild Cache=0/0')" ]
	# -v: one row per image, container and volume
	run "$HULL" system df -v
	[ "${lines[0]}" = "Images space usage:" ]
	[[ "$output" == *"REPOSITORY   TAG      IMAGE ID       CREATED"*"SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS"* ]]
	[[ "$output" =~ busybox\ +latest\ +[0-9a-f]{12}\ .*\ 2$'\n' ]]
	[[ "$output" =~ \"sh\ -c\ head.*\ 1\ +3[0-9.]+kB\ .*Up\ .*dc-df1 ]]
	[[ "$output" =~ dc-dfvol\ +1\ + ]]
	[[ "$output" =~ dc-unused\ +0\ + ]]
	[[ "$output" == *"Build cache usage: 0B"* ]]
	# ps -s: each container's own bytes and those plus its image's
	run "$HULL" ps -s --format '{{.Names}} {{.Size}}'
	[[ "$output" =~ ^dc-df1\ 3[0-9.]+kB\ \(virtual\ 2\.[0-9]+MB\)$ ]]
	run "$HULL" ps -a -s
	[[ "${lines[0]}" == *"NAMES"*"SIZE" ]]
	"$HULL" rm -f dc-df1 dc-df2 >/dev/null
	"$HULL" volume rm dc-dfvol dc-unused >/dev/null
}

@test "system prune: docker's warning, -f; containers, networks, anonymous volumes (--volumes), images (-a)" {
	no_containers
	run "$HULL" system prune </dev/null
	[[ "$output" == *"WARNING! This will remove:"* ]]
	[[ "$output" == *"  - all stopped containers"* ]]
	[[ "$output" == *"  - all dangling images"* ]]
	run "$HULL" system prune -a --volumes </dev/null
	[[ "$output" == *"  - all anonymous volumes not used by at least one container"* ]]
	[[ "$output" == *"  - all images without at least one container associated to them"* ]]
	"$HULL" run --network none --name dc-sp -v /anon busybox true >/dev/null 2>&1
	"$HULL" volume create dc-named >/dev/null
	"$HULL" network create dc-spnet >/dev/null
	run "$HULL" system prune -f --volumes
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Containers:"* ]]
	[[ "$output" == *"$(printf 'Deleted Networks:\ndc-spnet')"* ]]
	[[ "$output" == *"Deleted Volumes:"* ]]
	[[ "$output" == *"Total reclaimed space:"* ]]
	[ -z "$("$HULL" ps -aq)" ]
	# a named volume is kept (docker >= 23), the busybox image too (not dangling)
	run "$HULL" volume ls -q
	[ "$output" = dc-named ]
	"$HULL" image inspect busybox >/dev/null
	run "$HULL" system prune -f -a
	[[ "$output" == *"Deleted Images:"* ]]
	run "$HULL" image inspect busybox
	[ "$status" -ne 0 ]
	"$HULL" volume rm dc-named >/dev/null
	"$HULL" image build-default >/dev/null
}

@test "history: the image config's steps newest first, the committed layer's size and comment" {
	"$HULL" run --network none --name dc-hist busybox sh -c 'head -c 50000 /dev/urandom >/blob' >/dev/null 2>&1
	"$HULL" commit -m "fifty kB" dc-hist dc-hist:v1 >/dev/null
	run "$HULL" history dc-hist:v1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	id=$("$HULL" image inspect -f '{{.Id}}' dc-hist:v1)
	[[ "${lines[1]}" =~ ^${id:7:12}\ +(Less\ than\ a\ second|1\ second|[0-9]+\ seconds)\ ago\ +hull\ commit\ +5[0-9.]+kB\ +fifty\ kB$ ]]
	[[ "${lines[2]}" == "<missing>"*"hull image build-default (Debian busybox-sta…"* ]]
	[ "${#lines[@]}" -eq 3 ]
	# the image subcommand is the same; --no-trunc and -H=false as docker's
	run "$HULL" image history --no-trunc -H=false dc-hist:v1
	[[ "${lines[1]}" =~ ^$id\ +20[0-9-]+T[0-9:]+(Z|[+-][0-9:]+)\ +hull\ commit\ +5[0-9]{4}\ +fifty\ kB$ ]]
	[[ "${lines[2]}" == *"hull image build-default (Debian busybox-static)"* ]]
	run "$HULL" history -q dc-hist:v1
	[ "$output" = "$(printf '%s\n<missing>' "${id:7:12}")" ]
	run "$HULL" history --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' dc-hist:v1
	[ "${lines[0]}" = "${id:7:12}|hull commit|fifty kB" ]
	run "$HULL" history no-such-image
	[ "$status" -eq 1 ]
	"$HULL" rm dc-hist >/dev/null
}
