#!/usr/bin/env bats
# A running Debian kernel saved to one file and restored in a new process,
# on a real KVM (the nested machine, docs/nested.md): its user space keeps
# counting where it stopped, the file holds only the pages the guest wrote,
# and the restored guest's writes never reach the file. Each restore is a new
# VM generation: Linux's vmgenid driver hears of it through the ACPI notify
# (GPE0 bit 0) and reseeds the kernel's RNG (its log says so).

load vm_helpers
load nested_helpers

setup_file() {
	nested_require
	dir=$BATS_FILE_TMPDIR
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	# L2 user space: a counter on the console, twice a second, forever, and
	# a line when the VM generation changes under it.
	cat >"$dir/guest.sh" <<'SH'
ls /sys/bus/acpi/drivers/vmgenid/ 2>/dev/null | grep -q '^QEMUVGID' && echo "vmgenid bound"
i=0 forks=0
while :; do
	i=$((i + 1))
	echo "tick $i"
	# Linux's vmgenid driver, notified of a new ID, reseeds the RNG and says so
	n=$(dmesg | grep -c "crng reseeded due to virtual machine fork")
	[ "$n" = "$forks" ] || echo "new generation: $(dmesg | grep "virtual machine fork" | tail -1), GPE0 bit 0 events: $(cut -c1-10 /sys/firmware/acpi/interrupts/gpe00 | tr -d ' ')"
	forks=$n
	sleep 0.5
done
SH
	nested_l2_initrd "$dir/guest.sh" "$dir/l2.gz"
	cat >"$dir/run.sh" <<'SH'
# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt $(($3 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$2" "$1"
}
last_tick() { sed -n 's/^tick \([0-9]*\).*/\1/p' "$1" | tail -1; }
c="console=ttyS0 quiet"
echo "=== save"
$HULL vm run --kernel bzImage --initrd l2.gz --cpus 2 --memory 256M --api-socket api.sock --cmdline "$c" \
	</dev/null >a.log 2>&1 &
pid=$!
wait_for a.log "^tick 4" 300 && echo "counting=yes"
$HULL vm snapshot --api-socket api.sock --stop snap.bin
echo "snapshot_rc=$?"
wait $pid
echo "run_rc=$?"
echo "saved_last=$(last_tick a.log)"
grep -q "^vmgenid bound" a.log && echo "vmgenid_bound=yes"
echo "boot_generation_events=$(grep -c '^new generation' a.log)"
echo "file_bytes=$(stat -c %s snap.bin)"
echo "file_kib_on_disk=$(du -k snap.bin | cut -f1)"
sum_before=$(md5sum snap.bin | cut -d' ' -f1)
echo "=== restore"
$HULL vm restore snap.bin </dev/null >b.log 2>&1 &
rpid=$!
next=$(($(last_tick a.log) + 4))
wait_for b.log "^tick $next" 120 && echo "counted_on=yes"
kill $rpid 2>/dev/null
wait $rpid
echo "restored_first=$(sed -n 's/^tick \([0-9]*\).*/\1/p' b.log | head -1)"
echo "restored_last=$(last_tick b.log)"
grep "^new generation" b.log
grep -Eq "^new generation: .*crng reseeded due to virtual machine fork, GPE0 bit 0 events: 1([^0-9]|$)" b.log &&
	echo "new_generation_heard=yes"
tail -5 b.log
[ "$(md5sum snap.bin | cut -d' ' -f1)" = "$sum_before" ] && echo "file_unchanged=yes"
echo "=== second restore"
$HULL vm restore snap.bin </dev/null >c.log 2>&1 &
rpid=$!
wait_for c.log "^tick $next" 120 && echo "counted_on_again=yes"
kill $rpid 2>/dev/null
wait $rpid
echo "again_first=$(sed -n 's/^tick \([0-9]*\).*/\1/p' c.log | head -1)"
grep -Eq "^new generation: .*crng reseeded due to virtual machine fork, GPE0 bit 0 events: 1([^0-9]|$)" c.log &&
	echo "new_generation_heard_again=yes"
echo "=== jailed restore"
mkdir -p /tmp/jail
$HULL vm restore --jail /tmp/jail --uid 1000 --gid 1000 snap.bin </dev/null >e.log 2>&1 &
rpid=$!
wait_for e.log "^tick $next" 120 && echo "jailed_counted_on=yes"
for p in /proc/[0-9]*; do
	tr '\0' ' ' <$p/cmdline 2>/dev/null | grep -q "vm restore --jail" || continue
	echo "vmm $(awk '/^Uid:/ { print $2 }' $p/status) $(readlink $p/root)"
done | sort
kill $rpid 2>/dev/null
wait $rpid
echo "=== seccomp"
# a system call outside the VMM's allowlist (getppid, made on purpose after the filter is loaded)
HULL_VM_TEST_SECCOMP=1 $HULL vm restore snap.bin </dev/null >f.log 2>&1
echo "seccomp_rc=$?"
cat f.log
mkdir -p /tmp/jail2
HULL_VM_TEST_SECCOMP=1 $HULL vm restore --jail /tmp/jail2 --uid 1000 --gid 1000 snap.bin </dev/null >g.log 2>&1
echo "jailed_seccomp_rc=$?"
cat g.log
echo "=== clones"
$HULL vm clone snap.bin -n 3 --console-prefix /tmp/clone. </dev/null >clone.out 2>clone.err &
cpid=$!
for c in 0 1 2; do
	wait_for /tmp/clone.$c "^tick $next" 120 && echo "clone_${c}_counted_on=yes"
	grep -Eq "^new generation: .*crng reseeded due to virtual machine fork, GPE0 bit 0 events: 1([^0-9]|$)" \
		/tmp/clone.$c && echo "clone_${c}_new_generation=yes"
done
rss=0 pss=0
for p in $(sed -n 's/.*clone [0-9]*: pid \([0-9]*\).*/\1/p' clone.err); do
	r=$(awk '/^Rss:/ { print $2 }' /proc/$p/smaps_rollup 2>/dev/null)
	s=$(awk '/^Pss:/ { print $2 }' /proc/$p/smaps_rollup 2>/dev/null)
	rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0}))
done
echo "clones_rss_kib=$rss clones_pss_kib=$pss"
kill $cpid 2>/dev/null
wait $cpid
cat clone.err
for c in 0 1 2; do echo "clone $c:"; tail -4 /tmp/clone.$c; done
echo "=== truncated"
head -c 100000 snap.bin >cut.bin
$HULL vm restore cut.bin </dev/null >d.log 2>&1
echo "truncated_rc=$?"
cat d.log
echo "=== end"
SH
	NESTED_OUTPUT=$("$NESTED_DIR/run-nested" --hull "$HULL" -t 900 -f "$kernel:bzImage" -f "$dir/l2.gz" \
		-f "$dir/run.sh" -- 'sh run.sh' 2>&1) || true
	printf '%s\n' "$NESTED_OUTPUT" >"$dir/nested.out"
}

setup() {
	NESTED_OUTPUT=$(cat "$BATS_FILE_TMPDIR/nested.out" 2>/dev/null)
}

@test "nested: a counting Linux guest is saved with --stop to a sparse file" {
	output=$(nested_section save)
	echo "$output"
	[[ "$output" == *"counting=yes"* ]]
	[[ "$output" == *"snapshot_rc=0"* ]]
	[[ "$output" == *"run_rc=0"* ]]
	bytes=$(sed -n 's/^file_bytes=//p' <<<"$output")
	kib=$(sed -n 's/^file_kib_on_disk=//p' <<<"$output")
	# 256 MiB of guest RAM, of which the guest wrote far less: holes on disk
	[ "$bytes" -ge $((256 << 20)) ]
	[ "$kib" -lt $((200 << 10)) ]
}

@test "nested: restored in a new process, the guest counts on from where it was saved" {
	saved=$(nested_section save | sed -n 's/^saved_last=//p')
	output=$(nested_section restore)
	echo "saved_last=$saved"
	echo "$output"
	[[ "$output" == *"counted_on=yes"* ]]
	first=$(sed -n 's/^restored_first=//p' <<<"$output")
	# the first tick after restore follows the last one before the save
	# (the guest may have counted one more after its last line reached the host)
	[ "$first" -ge "$saved" ]
	[ "$first" -le $((saved + 2)) ]
	[[ "$output" == *"file_unchanged=yes"* ]]
}

@test "nested: the same file restores a second time, from the same point" {
	saved=$(nested_section save | sed -n 's/^saved_last=//p')
	output=$(nested_section "second restore")
	echo "$output"
	[[ "$output" == *"counted_on_again=yes"* ]]
	first=$(sed -n 's/^again_first=//p' <<<"$output")
	[ "$first" -ge "$saved" ]
	[ "$first" -le $((saved + 2)) ]
}

@test "nested: each restore is a new VM generation that the guest's vmgenid driver hears of at once" {
	output=$(nested_section save)
	echo "$output"
	# Debian's kernel bound its vmgenid driver to the DSDT's device, and a
	# boot is no change of generation
	[[ "$output" == *"vmgenid_bound=yes"* ]]
	[[ "$output" == *"boot_generation_events=0"* ]]
	output=$(nested_section restore)
	echo "$output"
	[[ "$output" == *"new_generation_heard=yes"* ]]
	output=$(nested_section "second restore")
	echo "$output"
	[[ "$output" == *"new_generation_heard_again=yes"* ]]
}

@test "nested: a restore jails its VMM as run does: its own root, an unprivileged uid" {
	output=$(nested_section "jailed restore")
	echo "$output"
	[[ "$output" == *"jailed_counted_on=yes"* ]]
	# hull (root, in the host's root) and the VMM it forked: uid 1000, in the jail
	[[ "$output" == *"vmm 0 /"* ]]
	[[ "$output" == *"vmm 1000 /tmp/jail"* ]]
}

@test "nested: the VMM's seccomp filter kills a forbidden system call, jailed or not" {
	output=$(nested_section seccomp)
	echo "$output"
	[[ "$output" == *"seccomp_rc=1"* ]]
	[[ "$output" == *"jailed_seccomp_rc=1"* ]]
	[ "$(grep -c "the VMM made system call 110 .*outside its seccomp allowlist" <<<"$output")" -eq 2 ]
	[ "$(grep -c "the VMM was killed by SIGSYS" <<<"$output")" -eq 2 ]
}

@test "nested: three clones of one file count on, each a new generation, their memory shared" {
	output=$(nested_section clones)
	echo "$output"
	for i in 0 1 2; do
		[[ "$output" == *"clone_${i}_counted_on=yes"* ]]
		[[ "$output" == *"clone_${i}_new_generation=yes"* ]]
	done
	rss=$(sed -n 's/^clones_rss_kib=\([0-9]*\) .*/\1/p' <<<"$output")
	pss=$(sed -n 's/.* clones_pss_kib=\([0-9]*\)$/\1/p' <<<"$output")
	# the guest's pages read from the file are one copy in L1's page cache
	[ "$rss" -gt $((16 << 10)) ]
	[ "$pss" -lt $((rss * 2 / 3)) ]
}

@test "nested: a truncated snapshot of a Linux guest is refused, naming the file" {
	output=$(nested_section truncated)
	echo "$output"
	[[ "$output" == *"truncated_rc=1"* ]]
	[[ "$output" == *"cut.bin"* ]]
}
