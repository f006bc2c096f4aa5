#!/usr/bin/env bash
# run.sh LANE...: run test lanes and close with one line "N passed, N failed, N skipped".
#   unit        C unit tests (tests/unit), build/            no root needed
#   unit-asan   the same against build/asan (make SANITIZE=1)
#   netns       bats suites (tests/netns) on this machine's kernel, build/tenc
#   netns-asan  the same against build/asan/tenc; any sanitizer report fails
#   fuzz        the libFuzzer targets (tests/fuzz) once over their seed corpora
#   vm          inside Debian 12's stock kernel (6.1) under qemu (tests/vm), the
#               suites whose results depend on the kernel (VM_SUITES); shell,
#               docs and completion are userspace only and run in the netns lanes
#   vm612       the same inside Debian 13's kernel (6.12, TENC_VM_KERNEL=6.12),
#               VM612_SUITES, one boot
#   all         every lane above, in that order
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
[ $# -eq 0 ] && set -- all
[ "$1" = all ] && set -- unit unit-asan netns netns-asan fuzz vm vm612
# Lanes named as make targets name them.
for a in "$@"; do
	case $a in unit|unit-asan|netns|netns-asan|fuzz|vm|vm612) ;;
	*) echo "run.sh: unknown lane '$a'" >&2; exit 2 ;;
	esac
done

# cli.bats asks nothing of the kernel that the host lanes do not cover: it
# stays out of the VM lane, which TCG makes the longest by far.
# The fault loops (rotate_faults, live_faults: a refusal or a crash at every
# k-th kernel change, then a re-run) run on one kernel, the second's: they
# prove tenc's rollback and re-run over the same SAs, policies, routes and
# ipcache entries the other suites create on both, and they cost 6 min a
# kernel; run on both, make test went over CI's 60 minutes.
VM_SUITES=(tests/netns/bpf.bats tests/netns/bpf6.bats tests/netns/netlink.bats
	tests/netns/datapath.bats tests/netns/subnet.bats tests/netns/encrypt.bats tests/netns/encrypt6.bats
	tests/netns/encrypt64.bats tests/netns/rotate.bats tests/netns/audit-esp.bats tests/netns/live.bats
	tests/netns/epoch.bats tests/netns/upgrade.bats tests/netns/agent-esp.bats)
# The second kernel: the suites whose behaviour a kernel could change
# (ESP, rotation, the audit's ESP view, live changes), whole: the same
# tests as before the fault loops had files of their own.
# Dual stack: encrypt6 and encrypt64 (IPv6 over IPv6, over IPv4) in the
# first lane, rotate6 (both families at once) in this one: each once, for
# make test's time; rotate6's rolling and worst-order rotations carry
# rotate.bats' IPv4 traffic too, so rotate.bats runs in the first lane only.
# IPv6-only nodes (encrypt6only) here too: this lane is the shorter one.
VM612_SUITES=(tests/netns/encrypt.bats tests/netns/rotate6.bats tests/netns/rotate_faults.bats
	tests/netns/audit-esp.bats tests/netns/live.bats tests/netns/live_faults.bats
	tests/netns/encrypt6only.bats)
# The ASan lane: every netns suite but image.bats, which runs no $TENC (it
# checks the image, whose tenc is build/tenc) and would only repeat itself.
ASAN_SUITES=()
for f in tests/netns/*.bats; do [ "$f" = tests/netns/image.bats ] || ASAN_SUITES+=("$f"); done
total_p=0 total_f=0 total_s=0 failed_lanes=() lane_times=()
fails=$(mktemp)
trap 'rm -f "$fails"' EXIT

# fail_blocks LANE: each "not ok" block of a lane's TAP again, its name and
# place (the first 4 lines) and its last 40 (a test's own diagnostics come
# just before it fails), for the end of the run: CI may show only the
# output's head and tail, and cut the middle where a failure was told.
fail_blocks() {
	awk -v lane="$1" '
	function flush(i) {
		for (i = 1; i <= n; i++)
			if (i <= 4 || i > n - 40)
				print b[i]
			else if (i == 5)
				print "# [" n - 44 " lines cut]"
		n = 0
	}
	/^not ok/ { flush(); b[n = 1] = lane ": " $0; next }
	n && /^#/ { b[++n] = $0; next }
	{ flush() }
	END { flush() }'
}
san_dir=$repo/build/asan/reports

# Sanitizer reports go to files; any file at the end of a lane fails it.
san_env() {
	mkdir -p "$san_dir"
	rm -f "$san_dir"/*
	export ASAN_OPTIONS="log_path=$san_dir/asan:detect_leaks=1:abort_on_error=0:exitcode=99"
	export UBSAN_OPTIONS="log_path=$san_dir/ubsan:print_stacktrace=1:halt_on_error=1"
	export LSAN_OPTIONS="suppressions=$repo/tests/lib/lsan.supp"
}

san_check() {
	local f bad=0
	for f in "$san_dir"/*; do
		[ -e "$f" ] || continue
		echo "not ok - sanitizer report $(basename "$f")"
		sed 's/^/# /' "$f"
		bad=1
	done
	[ $bad -eq 0 ] && echo "ok - no sanitizer reports"
}

run_lane() {
	local lane=$1
	case $lane in
	unit) tests/unit/run.sh build ;;
	unit-asan) (san_env; tests/unit/run.sh build/asan; san_check) ;;
	netns) TENC=$repo/build/tenc tests/netns/run.sh ;;
	netns-asan) (san_env; TENC=$repo/build/asan/tenc tests/netns/run.sh "${ASAN_SUITES[@]}"; san_check) ;;
	fuzz) tests/fuzz/run.sh ;;
	vm) TENC_VM_KERNEL=6.1 TENC_VM_TIMEOUT=${TENC_VM_TIMEOUT:-3300} tests/vm/run.sh "${VM_SUITES[@]}" ;;
	vm612) TENC_VM_KERNEL=6.12 TENC_VM_TIMEOUT=${TENC_VM_TIMEOUT:-3000} tests/vm/run.sh "${VM612_SUITES[@]}" ;;
	esac
}

for lane in "$@"; do
	echo "=== lane: $lane"
	out=$(mktemp)
	t0=$SECONDS
	run_lane "$lane" 2>&1 | tests/lib/tally.sh "$lane" | tee "$out"
	lane_times+=("$lane $((SECONDS - t0)) s")
	echo "# lane ${lane_times[-1]/ /: }"
	fail_blocks "$lane" <"$out" >>"$fails"
	line=$(grep -E "^$lane: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$out" | tail -n1)
	rm -f "$out"
	read -r p f s < <(echo "$line" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$f" -gt 0 ] || [ $((p + f)) -eq 0 ]; then
		failed_lanes+=("$lane")
		[ "$f" -eq 0 ] && f=1 # a lane that ran nothing counts as one failure
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done

if [ -s "$fails" ]; then
	echo "=== the failures again"
	cat "$fails"
fi
times=$(printf ', %s' "${lane_times[@]}")
echo "# lane times: ${times#, }"
[ ${#failed_lanes[@]} -gt 0 ] && echo "failed lanes: ${failed_lanes[*]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
