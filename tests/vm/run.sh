#!/usr/bin/env bash
# tests/vm/run.sh - the VM test lane (host side).
# Owns: fetching + caching Debian's stock kernel and modules, building the
# initramfs, booting it in qemu (TCG) with the host's / shared read-only over
# 9p, and judging the TAP that tests/vm/guest-init.sh writes back.
# Usage: tests/vm/run.sh [bats-args...]   (default: tests/netns; paths are
# relative to the repo root). Exit: 0 all passed and none skipped; 1 a test
# failed or was skipped, or bats failed; 2 setup error, timeout or no result.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
cache=${TENC_VM_CACHE:-/var/cache/tenc-vm}
vm_timeout=${TENC_VM_TIMEOUT:-900}
vm_mem=${TENC_VM_MEM:-2G}
build=$repo/build/vm
(($#)) || set -- tests/netns

die() { echo "vm: $*" >&2; exit 2; }
say() { [[ ${V:-0} != 1 ]] || echo "vm: $*" >&2; }

# --- kernel + modules: fetched once into $cache/$kv, reused after ---------
fetch_kernel() {
	local pkg kv tmp
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	if [[ -z $pkg ]]; then
		apt-get update -qq >&2 || die "apt-get update failed"
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	fi
	[[ -n $pkg ]] || die "cannot resolve linux-image-amd64"
	kv=${pkg#linux-image-}
	if [[ ! -e $cache/$kv/.complete ]]; then
		echo "vm: fetching $pkg into $cache (once)" >&2
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		chown _apt "$tmp" 2>/dev/null || true # apt downloads as _apt
		(cd "$tmp" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
		dpkg -x "$tmp"/*.deb "$tmp/root"
		depmod -b "$tmp/root" "$kv"
		touch "$tmp/root/.complete"
		rm -rf "${cache:?}/$kv"
		mv "$tmp/root" "$cache/$kv"
		rm -rf "$tmp"
	fi
	ln -sfn "$kv" "$cache/current"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ ${TENC_VM_REFRESH:-0} == 1 || ! -e $cache/current/.complete ]]; then
	fetch_kernel
fi
kv=$(readlink "$cache/current")
kdir=$(cd "$cache/$kv" && pwd -P)
flock -u 9

# --- initramfs: busybox + /init + the modules needed to reach the 9p root --
rm -rf "$build"
mkdir -p "$build/initramfs/bin" "$build/initramfs/mod" "$build/out"
cp /usr/bin/busybox "$build/initramfs/bin/busybox"
cp "$here/initramfs-init.sh" "$build/initramfs/init"
modprobe -d "$kdir" -S "$kv" --show-depends -a virtio_pci 9pnet_virtio 9p overlay |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r ko; do
		cp "$ko" "$build/initramfs/mod/"
		basename "$ko" >>"$build/initramfs/modules.order"
	done
(cd "$build/initramfs" && find . | busybox cpio -o -H newc 2>/dev/null) >"$build/initramfs.cpio"

# --- the job for the guest: sourced by guest-init.sh ----------------------
{
	printf 'TENC_VM_REPO=%q\nTENC_VM_KV=%q\n' "$repo" "$kv"
	printf 'TENC_VM_MODDIR=%q\nTENC_VM_VERBOSE=%q\n' "$kdir/lib/modules/$kv" "${V:-0}"
	printf 'TENC_VM_ARGS=('
	printf ' %q' "$@"
	printf ' )\n'
} >"$build/out/job"

# --- boot -----------------------------------------------------------------
log=$build/console.log
qemu=(timeout -k 10 "$vm_timeout" qemu-system-x86_64 -accel tcg -cpu ${XCPU:-max}
	-m "$vm_mem" -smp 2 -nographic -no-reboot -nic none ${XQ:-}
	-kernel "${XK:-$kdir/boot/vmlinuz-$kv}" -initrd "$build/initramfs.cpio"
	-append "console=ttyS0 quiet panic=-1 ${XAPP:-} tenc_init=$here/guest-init.sh"
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$build/out,mount_tag=out,security_model=none,multidevs=remap")
say "booting $kv (log: $log)"
qrc=0
if [[ ${V:-0} == 1 ]]; then
	"${qemu[@]}" </dev/null 2>&1 | tee "$log" >&2 || qrc=$?
else
	"${qemu[@]}" </dev/null >"$log" 2>&1 || qrc=$?
fi

show_log() { echo "vm: --- guest console ($log) ---" >&2; tail -n 100 "$log" >&2; }
if [[ ! -s $build/out/rc ]]; then
	[[ ${V:-0} == 1 ]] || show_log
	((qrc != 124)) || die "guest timed out after ${vm_timeout}s (TENC_VM_TIMEOUT)"
	die "guest produced no result (qemu exit $qrc)"
fi

# --- judge ------------------------------------------------------------------
brc=$(<"$build/out/rc")
tap=$build/out/tap
cat "$tap"
pass=$(grep -Ec '^ok [0-9]+' "$tap" || true)
skip=$(grep -Eic '^ok [0-9]+.*# skip' "$tap" || true)
fail=$(grep -Ec '^not ok [0-9]+' "$tap" || true)
pass=$((pass - skip))
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
status=0
if ((skip)); then
	echo "vm: skipped tests are failures in the vm lane:" >&2
	grep -Ei '^ok [0-9]+.*# skip' "$tap" | sed 's/^/vm:   /' >&2
	status=1
fi
if ((brc != 0)); then
	[[ ${V:-0} == 1 ]] || ((fail)) || show_log
	echo "vm: bats exited $brc" >&2
	status=1
fi
if [[ -z $plan ]] || ((plan != pass + skip + fail)) || ((plan == 0)); then
	echo "vm: TAP plan '${plan:-none}' does not match $((pass + skip + fail)) results (or no test ran)" >&2
	status=1
fi
echo "vm: $pass passed, $fail failed, $skip skipped"
exit "$status"
