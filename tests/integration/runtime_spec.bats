#!/usr/bin/env bats
# Where the OCI runtime spec is precise: rootfs propagation, namespaces left
# to the runtime, the order and failure of poststart/poststop hooks, LSM
# fields on a host without that LSM, and blkio weights of 0.

load runtime_helpers

setup_file() { runtime_setup_file; }
teardown_file() { runtime_teardown_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

# spec_run SHELL-COMMAND: `hull run` of `sh -c CMD`; output in $output.
spec_run() {
	args sh -c "$1"
	run hull run --bundle "$BUNDLE" "ospec-$BATS_TEST_NUMBER" </dev/null
}

@test "blockIO weights of 0 (dockerd's unset) are not written: the container starts" {
	[ -d /sys/fs/cgroup/blkio ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
		skip "no blkio or io cgroup controller on this host"
	local f
	for f in '{"weight":0}' '{"leafWeight":0}' \
		'{"weightDevice":[{"major":1,"minor":3,"weight":0}]}' \
		'{"weightDevice":[{"major":1,"minor":3,"leafWeight":0}]}' \
		'{"weight":0,"leafWeight":0,"weightDevice":[{"major":1,"minor":3,"weight":0,"leafWeight":0}]}'; do
		config ".linux.resources.blockIO = $f"
		spec_run 'echo started'
		echo "blockIO $f: $output"
		[ "$status" -eq 0 ]
		[ "$output" = started ]
	done
	assert_clean "ospec-$BATS_TEST_NUMBER"
}
