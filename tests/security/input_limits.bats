#!/usr/bin/env bats
# docker run's flags from a hostile or careless caller: files named by flags
# are capped, -p parses IPv6 only in brackets, names written into
# /etc/hosts and /etc/resolv.conf are one word, --stop-signal and -m are
# checked at create (exit 125, as docker).

load ../integration/engine_helpers

setup_file() {
	export ENGINE_NET=41
	engine_setup_file
}

teardown_file() {
	engine_teardown_file
}

# create_bounded ARGS...: `hull create` under a 2 GB address space and a
# timeout, so that reading a file without end fails here, not the machine.
create_bounded() {
	run bash -c 'ulimit -v 2000000; exec timeout 30 "$HULL" create "$@" 2>&1' _ "$@"
	echo "$output"
}

@test "--env-file and --security-opt seccomp= of an endless stream are refused at the size cap" {
	create_bounded --name sin-envzero --env-file /dev/zero busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--env-file"*"/dev/zero"*"4194304 bytes allowed"* ]]
	create_bounded --name sin-seczero --security-opt seccomp=/dev/zero busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/dev/zero"*"4194304 bytes allowed"* ]]
	head -c $((5 << 20)) /dev/zero | tr '\0' 'A' >"$BATS_FILE_TMPDIR/big.env"
	create_bounded --name sin-envbig --env-file "$BATS_FILE_TMPDIR/big.env" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"is 5242880 bytes, more than the 4194304 allowed"* ]]
	printf 'A=1\n' >"$BATS_FILE_TMPDIR/ok.env"
	create_bounded --name sin-envok --env-file "$BATS_FILE_TMPDIR/ok.env" busybox true
	[ "$status" -eq 0 ]
}

@test "-p: an unbracketed IPv6 host address is refused, not published on another port" {
	run "$HULL" create --name sin-p6a -p ::1:19084:80 busybox true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"brackets"*"[::1]:8080:80"* ]]
	run "$HULL" inspect sin-p6a
	[ "$status" -ne 0 ]
	run "$HULL" create --name sin-p6b -p '[::1]:19084:80' busybox true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"IPv6 host address is not supported"* ]]
	run "$HULL" create --name sin-p4 -p 127.0.0.1:19085:80 busybox true
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect sin-p4 | jq -c '.[0].HostConfig.PortBindings')" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"19085"}]}' ]
}

@test "newlines and spaces in --hostname, --domainname, --dns, --dns-search, --add-host are refused" {
	nl=$'\n'
	for flag in --hostname --domainname --dns-search; do
		run "$HULL" create --name sin-nl-$RANDOM "$flag" "a${nl}nameserver 6.6.6.6" busybox true
		echo "$flag: $output"
		[ "$status" -eq 125 ]
		[[ "$output" == *"$flag: the value holds a control character (byte 0x0a at offset 1)"* ]]
	done
	run "$HULL" create --name sin-nl-dns --dns "1.1.1.1${nl}nameserver 6.6.6.6" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--dns: the value holds a control character"* ]]
	run "$HULL" create --name sin-nl-dns2 --dns not-an-ip busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--dns \`not-an-ip\`: not an IP address"* ]]
	run "$HULL" create --name sin-nl-host --add-host "evil${nl}6.6.6.6 bank:1.2.3.4" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--add-host: the value holds a control character"* ]]
	run "$HULL" create --name sin-sp-host --hostname "a b" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--hostname: the value holds a space"* ]]
	run "$HULL" create --name sin-long-host --hostname "$(printf 'h%.0s' $(seq 65))" busybox true
	[ "$status" -eq 125 ]
	# good values still work and reach the files
	run "$HULL" run --rm --name sin-names --hostname web --domainname example.org --dns 192.0.2.53 \
		--dns-search corp.example --add-host db:192.0.2.7 busybox sh -c 'cat /etc/resolv.conf /etc/hosts; hostname'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	[[ "$output" == *"search corp.example"* ]]
	[[ "$output" == *"192.0.2.7"*"db"* ]]
	[[ "${lines[-1]}" == web ]]
}

@test "--stop-signal must be a signal, -m at least 6MB" {
	for sig in BOGUS 0 SIGFOO 99999; do
		run "$HULL" create --name sin-sig-$RANDOM --stop-signal "$sig" busybox true
		echo "$sig: $output"
		[ "$status" -eq 125 ]
		[[ "$output" == *"--stop-signal: invalid signal \`$sig\`"* ]]
	done
	run "$HULL" create --name sin-sig-ok --stop-signal SIGUSR1 busybox true
	[ "$status" -eq 0 ]
	[ "$("$HULL" inspect sin-sig-ok | jq -r '.[0].Config.StopSignal')" = SIGUSR1 ]
	for m in 1 4m 6291455; do
		run "$HULL" create --name sin-mem-$RANDOM -m "$m" busybox true
		echo "$m: $output"
		[ "$status" -eq 125 ]
		[[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
	done
	run "$HULL" create --name sin-mem-ok -m 6m busybox true
	[ "$status" -eq 0 ]
}
