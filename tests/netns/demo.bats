#!/usr/bin/env bats
# demo.bats: what `make demo` (examples/demo.sh) needs from the test
# helpers holds without them: it sources topo.bash alone, under set -u,
# and topo.bash brings the waits it uses (wait.bash).
# (The demo itself runs in the VM when this kernel has no ESP; a missing
# variable at source time broke it once.)

load helpers

@test "demo: topo.bash sources on its own under set -euo pipefail, as examples/demo.sh does" {
	run env -i PATH="$PATH" bash -c 'set -euo pipefail; . "$1/tests/netns/topo.bash"
		type bg_on wait_until wait_line wait_listen bg_stop >/dev/null; echo "$FLOWGEN"' demo "$REPO"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$REPO/tests/tools/flowgen.py" ]
	[ -x "$output" ] || [ -f "$output" ]
}

@test "demo: examples/demo.sh parses" {
	bash -n "$REPO/examples/demo.sh"
}
