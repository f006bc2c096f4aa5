#!/bin/bash
# tests/vm/guest-init.sh - PID 1 inside the VM lane's guest (after switch_root).
# Owns: the guest's mounts, loading the crypto/xfrm/tls modules, running bats
# with the job that tests/vm/run.sh left in the "out" 9p share, writing the
# TAP and exit code back there, and powering the guest off.
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
stamp() { echo "guest: [$(cut -d' ' -f1 /proc/uptime 2>/dev/null)] $*" >&2; }

mnt() { mountpoint -q "${@: -1}" || mount "$@"; }
mnt -t proc proc /proc
mnt -t devtmpfs devtmpfs /dev
mnt -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mnt -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mnt -t tmpfs tmpfs /dev/shm
mnt -t tmpfs -o mode=0755 tmpfs /run
mnt -t bpf bpf /sys/fs/bpf
mnt -t cgroup2 cgroup2 /sys/fs/cgroup
stamp "mounted"
mkdir -p "$out"
mount -t 9p -o trans=virtio,version=9p2000.L out "$out" || {
	echo "guest: cannot mount the out share" >&2
	exit 1
}

# shellcheck source=/dev/null
. "$out/job" # TENC_VM_REPO TENC_VM_KV TENC_VM_MODDIR TENC_VM_VERBOSE TENC_VM_ARGS
# The 9p root is the host's, so /lib/modules/$KV does not exist: point it at the cache.
mkdir -p /lib/modules
ln -sfn "$TENC_VM_MODDIR" "/lib/modules/$TENC_VM_KV"

ip link set lo up
hostname tenc-vm 2>/dev/null || true

stamp "loading modules"
# Preload what the lane is about (the rest autoloads through /sbin/modprobe).
for m in xfrm_algo xfrm_user esp4 esp6 xfrm_interface gcm ghash_generic seqiv tls; do
	modprobe "$m" || echo "guest: modprobe $m failed" >&2
done
modprobe aesni_intel 2>/dev/null || modprobe aes_generic ||
	echo "guest: no AES module" >&2

export TENC_TEST_LANE=vm
export PATH="$TENC_VM_REPO/build:$PATH"
export HOME=/root TERM=dumb LANG=C.UTF-8
cd "$TENC_VM_REPO" || exit 1
stamp "running bats ${TENC_VM_ARGS[*]}"

if [ "${TENC_VM_VERBOSE:-0}" = 1 ]; then
	bats --tap "${TENC_VM_ARGS[@]}" </dev/null | tee "$out/tap"
	rc=${PIPESTATUS[0]}
else
	bats --tap "${TENC_VM_ARGS[@]}" </dev/null >"$out/tap"
	rc=$?
fi
echo "$rc" >"$out/rc"
stamp "bats exited $rc"
