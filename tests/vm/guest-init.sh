#!/bin/bash
# tests/vm/guest-init.sh - PID 1 inside the VM lane's guest (after switch_root;
# initramfs-init.sh made the mounts). Owns: loading the crypto/xfrm/tls
# modules, running bats (or, for run.sh --exec, the given command) with the
# job run.sh left in the "out" 9p share, writing the TAP (or the command's
# stdout/stderr) and exit code back there, and powering the guest off.
set -u
out=/run/tenc-vm/out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

poweroff_now() {
	sync
	/usr/bin/busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 10
	exit 1 # panic=-1 + qemu -no-reboot: the VM ends anyway
}
trap poweroff_now EXIT
stamp() { local up; read -r up _ </proc/uptime; echo "guest: [$up] $*" >&2; }

# shellcheck source=/dev/null
. "$out/job" # TENC_VM_REPO TENC_VM_VERBOSE TENC_VM_TEST_TIMEOUT TENC_VM_EXEC TENC_VM_ARGS

ip link set lo up
# Preload what the lane is about (anything else autoloads via /sbin/modprobe).
# A module built into this kernel (aes_generic on 6.12, ...) is no error for
# modprobe: it says so with --show-depends, shown once on the console.
mods=(xfrm_algo xfrm_user esp4 esp6 xfrm_interface gcm ghash_generic seqiv tls)
modprobe -a "${mods[@]}" ||
	echo "guest: some module failed to load" >&2
modprobe aesni_intel 2>/dev/null || modprobe aes_generic ||
	echo "guest: no AES module" >&2
builtin=$(modprobe --show-depends -a "${mods[@]}" aesni_intel aes_generic 2>/dev/null |
	awk '$1 == "builtin" { printf " %s", $2 }')
stamp "modules loaded ($(uname -r); built in:${builtin:- none})"

export TENC_TEST_LANE=vm
export PATH="$TENC_VM_REPO/build:$PATH"
export HOME=/root TERM=dumb LANG=C.UTF-8
# A hung test fails alone (bats: "# timeout after Ns") instead of the lane.
[ "${TENC_VM_TEST_TIMEOUT:-0}" = 0 ] || export BATS_TEST_TIMEOUT=$TENC_VM_TEST_TIMEOUT
cd "$TENC_VM_REPO" || exit 1

# below PID...: every process below the PIDs (not themselves), by parent.
below() {
	ps -e -o pid= -o ppid= | awk -v roots="$*" '
		{ kids[$2] = kids[$2] " " $1 }
		END { n = split(roots, q, " "); i = 0
		      while (++i <= n) { m = split(kids[q[i]], k, " ")
		                         for (j = 1; j <= m; j++) { q[++n] = k[j]; print k[j] } } }'
}

# stall_victims TEST GUARD: what a stalled test leaves running: everything
# below it, and every tree under PID 1 (this script) but the guard's and
# the one bats runs in. bats' timeout kills the test's direct children;
# their children, orphaned, go to PID 1 and may hold the test's pipes open
# (a `run` of a process that ignores SIGTERM does): the test then never
# ends, nor does the lane.
stall_victims() {
	local c
	below "$1"
	for c in $(ps -o pid= --ppid 1); do
		[ "$c" = "$2" ] || below "$c" | grep -qx "$1" || { echo "$c"; below "$c"; }
	done
}

# stall_guard LIMIT: a test still running LIMIT s after it began (bats'
# own timeout has failed to end it) is written up in out/stall (what runs,
# in what state, where it waits; the kernel's last lines); then what it
# left running is killed, so that bats' pending timeout fails the test
# alone and the lane goes on. CI once lost a whole lane to such a hang.
stall_guard() {
	local limit=$1 me=$BASHPID t age v
	while sleep 15; do
		# The test processes: bats-exec-test, not its subshells.
		for t in $(ps -e -o pid= -o ppid= -o args= | awk '
				{ pp[$1] = $2; t[$1] = /bats-exec-test/ }
				END { for (p in t) if (t[p] && !t[pp[p]]) print p }'); do
			age=$(ps -o etimes= -p "$t" 2>/dev/null) || continue
			[ "${age:-0}" -ge "$limit" ] || continue
			v=$(stall_victims "$t" "$me" | paste -sd, -)
			{
				echo "stall: test process $t has run ${age}s (limit ${limit}s); what it left:"
				[ -z "$v" ] || ps -o pid,ppid,stat,etimes,wchan:24,args -p "$v"
				for d in ${v//,/ }; do
					grep -q '^State:.*D' "/proc/$d/status" 2>/dev/null &&
						{ echo "stack of $d:"; cat "/proc/$d/stack"; }
				done
				echo "kernel, last lines:"
				dmesg | tail -n 15
			} >>"$out/stall" 2>&1
			stamp "stall guard: test process $t at ${age}s: killing ${v:-nothing}"
			[ -z "$v" ] || kill -KILL ${v//,/ } 2>/dev/null
		done
	done
}
if [ "${TENC_VM_EXEC:-0}" != 1 ] && [ "${TENC_VM_TEST_TIMEOUT:-0}" != 0 ]; then
	stall_guard $((TENC_VM_TEST_TIMEOUT + 90)) &
fi

if [ "${TENC_VM_EXEC:-0}" = 1 ]; then
	if [ "${TENC_VM_VERBOSE:-0}" = 1 ]; then
		# stderr through the pipe to the console, stdout to exec.out
		"${TENC_VM_ARGS[@]}" </dev/null 2>&1 >"$out/exec.out" | tee "$out/exec.err" >&2
		rc=${PIPESTATUS[0]}
	else
		"${TENC_VM_ARGS[@]}" </dev/null >"$out/exec.out" 2>"$out/exec.err"
		rc=$?
	fi
elif [ "${TENC_VM_VERBOSE:-0}" = 1 ]; then
	bats --tap --timing "${TENC_VM_ARGS[@]}" </dev/null | tee "$out/tap"
	rc=${PIPESTATUS[0]}
else
	bats --tap --timing "${TENC_VM_ARGS[@]}" </dev/null >"$out/tap"
	rc=$?
fi
echo "$rc" >"$out/rc"
stamp "exited $rc"
