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
	bats --tap "${TENC_VM_ARGS[@]}" </dev/null | tee "$out/tap"
	rc=${PIPESTATUS[0]}
else
	bats --tap "${TENC_VM_ARGS[@]}" </dev/null >"$out/tap"
	rc=$?
fi
echo "$rc" >"$out/rc"
stamp "exited $rc"
