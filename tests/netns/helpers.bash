# helpers.bash: shared by the bats suites in tests/netns.
# Every test gets fresh network namespaces named tenc-test-$$-<test>-<name>
# and state dirs under a private temp dir; teardown removes them, on
# failure too. Background helpers (bg_on, tenc_bg, trace_bg) and the
# waits for readiness (wait_until, wait_line, wait_listen) are defined here
# once for every suite: a test waits for what it needs, never a guessed
# time. Load with: load helpers
#
# Lanes: TENC_TEST_LANE=vm inside the qemu guest (tests/vm), else host.
# need_feature skips on the host when the kernel lacks a feature, and fails
# in the VM lane, where every feature must be present.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TENC=${TENC:-$REPO/build/tenc}
# dptool sits next to the tenc under test: build/ or build/asan/.
DPTOOL=${DPTOOL:-$(dirname "$TENC")/tests/tools/dptool}
export TENC

# Name prefix of this test's namespaces.
T_PREFIX="tenc-test-$$-${BATS_TEST_NUMBER:-0}"

setup() {
	T_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/tenc-test.XXXXXX")
	T_NS=()
	if declare -F test_setup >/dev/null; then test_setup; fi
}

teardown() {
	if declare -F test_teardown >/dev/null; then test_teardown || true; fi
	# Background helpers a failed test left behind; not bats' own timeout
	# watchdog (BATS_TEST_TIMEOUT, as the VM lane sets it): killed, it
	# would leave its sleep holding bats' output open until the timeout.
	local j
	for j in $(jobs -p); do
		[ "$j" = "${BATS_killer_pid:-}" ] || kill -TERM "$j" 2>/dev/null || true
	done
	local d
	# One ip for all of them (-force: on past one already gone).
	[ ${#T_NS[@]} -eq 0 ] || printf 'netns del %s\n' "${T_NS[@]}" | ip -force -batch - 2>/dev/null || true
	# Unmount any bpffs a node's state dir got (tenc mounts one per state dir).
	for d in "$T_DIR"/*/bpf; do
		[ -d "$d" ] || continue
		umount -l "$d" 2>/dev/null || true
	done
	rm -rf "$T_DIR"
}

# ns NAME: the full namespace name for a node/pod NAME of this test.
ns() { echo "$T_PREFIX-$1"; }

# ns_new NAME...: create namespaces, registered for cleanup, in one ip
# (under TCG every exec counts); their lo is still down.
ns_new() {
	local n lines=()
	for n in "$@"; do
		T_NS+=("$(ns "$n")")
		lines+=("netns add $(ns "$n")")
	done
	printf '%s\n' "${lines[@]}" | ip -batch -
}

# ns_add NAME...: ns_new, then lo up in each.
ns_add() {
	local n
	ns_new "$@"
	for n in "$@"; do ip -n "$(ns "$n")" link set lo up; done
}

# ip_in NAME: the ip commands on stdin (ip -batch lines: "link set lo up")
# inside namespace NAME, one ip for them all; fails at the first that fails.
ip_in() { ip -n "$(ns "$1")" -batch -; }

# on NAME CMD...: run CMD inside namespace NAME.
on() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

# tenc_on NODE ARGS...: run tenc as node NODE (its own state dir and netns).
tenc_on() {
	local n=$1; shift
	TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$TENC" "$@"
}

# In the background, and waiting for readiness: wait.bash (topo.bash and
# examples/demo.sh use it without this file).
# shellcheck source=wait.bash
. "${BASH_SOURCE[0]%/*}/wait.bash"

# need_root: skip (host) when not root; the VM lane is always root.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# need_feature NAME: a feature as `tenc -j version` reports it; asked once
# per bats run and tenc binary (the kernel's features do not change in a
# run; under TCG the probe and its python cost ~1 s a test).
need_feature() {
	local f=$1 have cache=${BATS_RUN_TMPDIR:-$T_DIR}/feature${TENC//\//_}-$1
	if [ -s "$cache" ]; then
		have=$(<"$cache")
	else
		have=$("$TENC" -j version | python3 -c "import json,sys; print(json.load(sys.stdin)['features']['$f']['available'])")
		echo "$have" >"$cache"
	fi
	if [ "$have" != True ]; then
		if [ "${TENC_TEST_LANE:-host}" = vm ]; then
			echo "feature $f missing in the VM lane" >&2
			return 1
		fi
		skip "kernel lacks $f (runs in the VM lane)"
	fi
}

# json_get EXPR: evaluate a Python expression on the JSON on stdin (as j).
json_get() {
	python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

# snapshot NODE: everything tenc may touch in a node, for before/after
# checks: SAs and policies one a line, sorted (an object put back after a
# rollback may be listed in another place), rules, routes, the ipcache,
# the tc filters. One shell in the namespace: under TCG every exec counts.
snapshot() {
	local n=$1 bpffs=$T_DIR/$1/bpf
	[ -d "$bpffs" ] || bpffs=
	on "$n" sh -c '
		echo "# xfrm state"; ip -o xfrm state | sort
		echo "# xfrm policy"; ip -o xfrm policy | sort
		echo "# rule"; ip rule
		echo "# route"; ip -4 route show table all
		echo "# ipcache"; [ -z "$2" ] || "$1" ipc-dump "$2" 2>/dev/null | sort
		echo "# tc"; for d in /sys/class/net/*; do
			printf "filter show dev %s ingress\nfilter show dev %s egress\n" "${d##*/}" "${d##*/}"
		done | tc -force -batch - 2>/dev/null' snapshot "$DPTOOL" "$bpffs"
}

# bad_input ARGS...: the tenc command must exit 2 and change nothing.
bad_input() { # node1's kernel objects, peers and keys
	local before after
	before=$(snapshot node1; tenc_on node1 -j peer list; tenc_on node1 -j key list; cat "$T_DIR/node1/config.json" 2>/dev/null)
	run tenc_on node1 "$@"
	echo "$output"
	[ "$status" -eq 2 ]
	after=$(snapshot node1; tenc_on node1 -j peer list; tenc_on node1 -j key list; cat "$T_DIR/node1/config.json" 2>/dev/null)
	[ "$before" = "$after" ]
}

# keyline LINE: LINE as a key file (mode 0600); prints its path.
keyline() { (umask 077; echo "$1" >"$T_DIR/k"); echo "$T_DIR/k"; }

# audit_json NODE [ARGS]: tenc -j audit into $T_DIR/audit.json, its status
# in AUDIT_RC; the JSON must validate against docs/schema/audit.schema.json.
audit_json() {
	local n=$1; shift
	AUDIT_RC=0
	tenc_on "$n" -j audit "$@" >"$T_DIR/audit.json" || AUDIT_RC=$?
	python3 "$REPO/tests/lib/schema-check.py" "$REPO/docs/schema/audit.schema.json" "$T_DIR/audit.json"
}

# xfrm_block HEAD: from ip xfrm policy / state output on stdin, the lines
# of the objects whose first line starts with HEAD.
xfrm_block() {
	awk -v h="$1" '/^src /{ on = index($0, h) == 1 } on'
}

# drift_count NODE: how many drift entries `tenc -j status` reports.
# (no python for the common case: under TCG a python start costs ~0.3 s)
drift_count() {
	local o
	o=$(tenc_on "$1" -j status) || return 1
	case $o in
	*'"drift":[]}') echo 0 ;;
	*) echo "$o" | json_get "len(j['drift'])" ;;
	esac
}
