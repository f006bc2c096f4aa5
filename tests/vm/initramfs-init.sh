#!/bin/busybox sh
# tests/vm/initramfs-init.sh - /init of the VM lane's initramfs (busybox sh).
# Owns: loading the 9p/virtio/overlay modules packed next to it, building the
# guest root (host / over read-only 9p + tmpfs overlay on top), every mount
# of the guest, the /lib/modules link, and switch_root into guest-init.sh.
# /tenc-vm.env (written by run.sh) sets: kv moddir init
# shellcheck disable=SC2154 source=/dev/null
/bin/busybox mkdir -p /bin /proc /dev /lower /rw /newroot
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
. /tenc-vm.env

fail() { echo "initramfs: $*"; echo o >/proc/sysrq-trigger; sleep 5; exit 1; }

while read -r m; do
	insmod "/mod/$m" || fail "insmod $m failed"
done </modules.order

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose root /lower ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work,xino=off,index=off \
	overlay /newroot || fail "cannot mount the overlay root"

# Guest mounts. /tmp stays on the overlay so host files (e.g. a bats file in
# /tmp) remain visible; writes land in the tmpfs upper layer.
r=/newroot
mount --move /dev $r/dev
mount --move /proc $r/proc
mount -t sysfs sysfs $r/sys
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
ln -sfn /proc/self/fd $r/dev/fd
ln -sfn /proc/self/fd/0 $r/dev/stdin
ln -sfn /proc/self/fd/1 $r/dev/stdout
ln -sfn /proc/self/fd/2 $r/dev/stderr
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t bpf bpf $r/sys/fs/bpf
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup
mkdir -p $r/run/tenc-vm/out
mount -t 9p -o trans=virtio,version=9p2000.L out $r/run/tenc-vm/out ||
	fail "cannot mount the out share"
# The root is the host's, whose /lib/modules lacks $kv: point it at the cache.
mkdir -p $r/lib/modules
ln -sfn "$moddir" "$r/lib/modules/$kv"

read -r up _ <$r/proc/uptime; echo "initramfs: [$up] switch_root"
exec switch_root $r "$init"
