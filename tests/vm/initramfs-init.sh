#!/bin/busybox sh
# tests/vm/initramfs-init.sh - /init of the VM lane's initramfs (busybox sh).
# Owns: loading the 9p/virtio/overlay modules packed next to it, building the
# guest root (host / over read-only 9p + tmpfs overlay on top) and switch_root
# into the repo's tests/vm/guest-init.sh (path given as tenc_init= on the cmdline).
/bin/busybox mkdir -p /bin /proc /dev /lower /rw /newroot
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc

fail() { echo "initramfs: $*"; echo o >/proc/sysrq-trigger; sleep 5; exit 1; }

for m in $(cat /modules.order); do
	insmod "/mod/$m" || fail "insmod $m failed"
done

init=$(sed -n 's/.*tenc_init=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$init" ] || fail "no tenc_init= on the kernel cmdline"

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose root /lower ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work,xino=off,index=off \
	overlay /newroot || fail "cannot mount the overlay root"

echo "initramfs: [$(cut -d" " -f1 /proc/uptime)] switch_root"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
exec switch_root /newroot "$init"
