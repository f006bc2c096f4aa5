#!/usr/bin/env bash
# tests/vm/run.sh - the VM test lane (host side).
# Owns: fetching + caching Debian's stock kernel and modules, building the
# initramfs, booting it in qemu (TCG) with the host's / shared read-only over
# 9p, and judging the TAP that tests/vm/guest-init.sh writes back.
# Usage: tests/vm/run.sh [bats-args...]   (default: tests/netns; relative
# paths are relative to the repo root). Prints the TAP, then one line
# "vm: N passed, N failed, N skipped". Exit 0 only if all passed and none was
# skipped; 1 a test failed or was skipped or bats failed; 2 setup error,
# timeout or no result from the guest.
#    or: tests/vm/run.sh --exec CMD [ARGS...]   runs CMD instead of bats, in
# the same guest environment (root, TENC_TEST_LANE=vm, PATH with build/,
# modules loaded, cwd the repo). Prints CMD's stdout on stdout and its stderr
# on stderr (with V=1 stderr streams live on the console instead) and exits
# with CMD's status; 125 when the guest gave no status (timeout, crash).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
cache=${TENC_VM_CACHE:-/var/cache/tenc-vm}
vm_timeout=${TENC_VM_TIMEOUT:-3600}
test_timeout=${TENC_VM_TEST_TIMEOUT:-300}
vm_mem=${TENC_VM_MEM:-2G}
exec_mode=0
if [[ ${1:-} == --exec ]]; then
	exec_mode=1
	shift
	(($#)) || { echo "vm: --exec needs a command" >&2; exit 2; }
fi
(($#)) || set -- tests/netns
cd "$repo"

die() { echo "vm: $*" >&2; exit 2; }
say() { [[ ${V:-0} != 1 ]] || echo "vm: $*" >&2; }
for c in qemu-system-x86_64 busybox bats modprobe depmod dpkg apt-get; do
	command -v "$c" >/dev/null || die "needs $c (make deps: qemu-system-x86 busybox-static bats kmod)"
done

# --- kernel + modules: fetched once into $cache/$kv, reused after ---------
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

fetch_kernel() {
	local pkg='' kv tmp='' off try
	rm -rf "$cache"/.fetch.* # leftovers of an interrupted fetch (we hold the lock)
	for try in 1 2; do # a second time after apt-get update
		pkg=$(kernel_pkg)
		if [[ -n $pkg ]]; then
			kv=${pkg#linux-image-}
			[[ ! -e $cache/$kv/.complete ]] || break
			echo "vm: fetching $pkg into $cache (once)" >&2
			tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
			chown _apt "$tmp" 2>/dev/null || true # apt downloads as _apt
			(cd "$tmp" && apt-get download -q "$pkg" >&2) && break
			rm -rf "$tmp"
			tmp=''
		fi
		((try == 1)) || die "cannot fetch the kernel (linux-image-amd64 -> ${pkg:-nothing})"
		apt-get update -qq >&2 || die "apt-get update failed"
	done
	if [[ -n $tmp ]]; then
		dpkg -x "$tmp"/*.deb "$tmp/root"
		depmod -b "$tmp/root" "$kv"
		# An uncompressed vmlinux boots via PVH and skips the xz
		# decompression, which takes seconds under TCG. Optional.
		off=$(grep -abo -m1 $'\xfd7zXZ\x00' "$tmp/root/boot/vmlinuz-$kv" | cut -d: -f1) || true
		if [[ -n $off ]] && command -v xz >/dev/null; then
			tail -c +"$((off + 1))" "$tmp/root/boot/vmlinuz-$kv" |
				xz -dcq >"$tmp/root/boot/vmlinux-$kv" 2>/dev/null || true
			readelf -n "$tmp/root/boot/vmlinux-$kv" 2>/dev/null | grep -q '(0x00000012)' ||
				rm -f "$tmp/root/boot/vmlinux-$kv"
		fi
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
exec 9>&-
kernel=$kdir/boot/vmlinux-$kv
[[ -e $kernel ]] || kernel=$kdir/boot/vmlinuz-$kv

# --- initramfs: busybox + /init + the modules needed to reach the 9p root --
# Per-run files live in a private temp dir (build/ may be cleaned meanwhile).
work=$(mktemp -d "${TMPDIR:-/tmp}/tenc-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
ird=$work/initramfs
[[ $work$kdir$here != *[\',[:space:]]* ]] || die "paths with quotes, commas or blanks are not supported"
mkdir -p "$ird/bin" "$ird/mod" "$work/out"
cp /usr/bin/busybox "$ird/bin/busybox"
cp "$here/initramfs-init.sh" "$ird/init"
printf "kv='%s'\nmoddir='%s'\ninit='%s'\n" "$kv" "$kdir/lib/modules/$kv" "$here/guest-init.sh" >"$ird/tenc-vm.env"
kos=$(modprobe -d "$kdir" -S "$kv" --show-depends -a virtio_pci 9pnet_virtio 9p overlay |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }') ||
	die "cannot resolve the 9p/overlay modules in $kdir"
for ko in $kos; do
	cp "$ko" "$ird/mod/"
	basename "$ko" >>"$ird/modules.order"
done
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work/initramfs.cpio"

# --- the job for the guest: sourced by guest-init.sh ----------------------
{
	printf 'TENC_VM_REPO=%q\nTENC_VM_VERBOSE=%q\nTENC_VM_TEST_TIMEOUT=%q\n' \
		"$repo" "${V:-0}" "$test_timeout"
	printf 'TENC_VM_EXEC=%q\nTENC_VM_ARGS=(' "$exec_mode"
	printf ' %q' "$@"
	printf ' )\n'
} >"$work/out/job"

# --- boot -----------------------------------------------------------------
# One guest at a time on this machine: TCG guests sharing the cores slow
# each other past the per-test timeouts. A second run waits here.
exec 8>"$cache/.run-lock"
if ! flock -n 8; then
	echo "vm: another guest is running; waiting for it" >&2
	flock 8
fi
# cryptomgr.notests: the kernel's crypto self-tests take seconds under TCG;
# tsc=reliable: else TSC sync "fails" under TCG and the slow HPET is used.
log=$work/console.log
# shellcheck disable=SC2054 # qemu's options contain commas
qemu=(timeout -k 10 "$vm_timeout" qemu-system-x86_64 -accel tcg -cpu max
	-m "$vm_mem" -smp 2 -nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$work/initramfs.cpio"
	-append "console=ttyS0 quiet panic=-1 cryptomgr.notests=1 tsc=reliable"
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$work/out,mount_tag=out,security_model=none,multidevs=remap")
say "booting $kv"
qrc=0
if [[ ${V:-0} == 1 ]]; then
	"${qemu[@]}" </dev/null 2>&1 | tee "$log" >&2 || qrc=$?
else
	"${qemu[@]}" </dev/null >"$log" 2>&1 || qrc=$?
fi
# Keep a copy in build/vm/ to read later; failures show the private log
# (another run may overwrite the copy meanwhile).
logcopy=$log
if mkdir -p "$repo/build/vm" && cp "$log" "$repo/build/vm/console.log"; then
	logcopy=$repo/build/vm/console.log
fi

# --- --exec: hand back the command's output and status ---------------------
if ((exec_mode)); then
	[[ ! -e $work/out/exec.out ]] || cat "$work/out/exec.out"
	[[ ${V:-0} == 1 || ! -e $work/out/exec.err ]] || cat "$work/out/exec.err" >&2
	[[ ! -s $work/out/rc ]] || exit "$(<"$work/out/rc")"
	[[ ${V:-0} == 1 ]] || { echo "vm: --- guest console ($logcopy) ---"; tail -n 100 "$log"; } >&2
	if ((qrc == 124)); then
		echo "vm: guest timed out after ${vm_timeout}s (TENC_VM_TIMEOUT)" >&2
	else
		echo "vm: guest produced no status (qemu exit $qrc)" >&2
	fi
	exit 125
fi

# --- judge ------------------------------------------------------------------
# Lane-level problems (a skip, a bats error, no result) are printed as extra
# "not ok - vm: ..." TAP lines and counted as failures, so that a TAP reader
# which ignores this script's exit code still sees the lane fail.
show_log() { [[ ${V:-0} == 1 ]] || { echo "vm: --- guest console ($logcopy) ---"; tail -n 100 "$log"; } >&2; }
tap=$work/out/tap
problems=()
status=0
if [[ -s $work/out/rc ]]; then
	brc=$(<"$work/out/rc")
	cat "$tap"
else
	show_log
	brc=none status=2
	: >>"$tap"
	cat "$tap" # whatever the guest managed to write
	if ((qrc == 124)); then
		problems+=("guest timed out after ${vm_timeout}s (TENC_VM_TIMEOUT)")
	else
		problems+=("guest produced no result (qemu exit $qrc)")
	fi
fi
pass=$(grep -Ec '^ok ' "$tap" || true)
skip=$(grep -Eic '^ok .*# skip' "$tap" || true)
fail=$(grep -Ec '^not ok ' "$tap" || true)
pass=$((pass - skip))
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
while IFS= read -r t; do
	problems+=("skipped tests fail the vm lane: ${t#ok }")
done < <(grep -Ei '^ok .*# skip' "$tap" || true)
if ((status == 0)); then
	((brc == 0 || fail > 0)) || { show_log; problems+=("bats exited $brc"); }
	if ((pass + skip + fail == 0)); then
		problems+=("no test ran")
	elif [[ ${plan:-x} != "$((pass + skip + fail))" ]]; then
		problems+=("TAP plan '${plan:-none}' but $((pass + skip + fail)) results")
	fi
fi
for p in "${problems[@]}"; do echo "not ok - vm: $p"; done
fail=$((fail + ${#problems[@]}))
((status || !fail)) || status=1
echo "vm: $pass passed, $fail failed, $skip skipped"
exit "$status"
