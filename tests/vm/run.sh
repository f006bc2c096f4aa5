#!/usr/bin/env bash
# tests/vm/run.sh - the VM test lane (host side).
# Owns: fetching + caching Debian's stock kernels and modules (TENC_VM_KERNEL:
# 6.1, bookworm's, through the machine's apt, the default; 6.12, trixie's,
# through a private apt configuration under the cache), building the
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
kernel_sel=${TENC_VM_KERNEL:-6.1}
case $kernel_sel in
6.1 | 6.12) ;;
*) echo "vm: TENC_VM_KERNEL must be 6.1 or 6.12, not '$kernel_sel'" >&2; exit 2 ;;
esac
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
# 6.1: bookworm's linux-image-amd64, resolved with the machine's apt (its
# lists, refreshed with apt-get update only when resolving or fetching fails).
# 6.12: trixie's, resolved with a private apt configuration in $aptdir (its
# own sources file, lists and caches): the machine's /etc/apt and
# /var/lib/apt are not touched. debian-archive-keyring (bookworm's, since
# 2023.3+deb12u2) holds the trixie archive and release keys.
aptdir=$cache/apt-trixie
apt_o=()
if [[ $kernel_sel == 6.12 ]]; then
	apt_o=(-o "Dir::Etc::sourcelist=$aptdir/trixie.sources" -o Dir::Etc::sourceparts=/dev/null
		-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache")
fi

private_apt() {
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	chown -R _apt "$aptdir/lists" "$aptdir/cache" 2>/dev/null || true # apt fetches as _apt
	cat >"$aptdir/trixie.sources.tmp" <<-'EOF'
		# written by tests/vm/run.sh: trixie, for TENC_VM_KERNEL=6.12 only
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: trixie
		Components: main
		Architectures: amd64
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	mv -f "$aptdir/trixie.sources.tmp" "$aptdir/trixie.sources"
}

apt_update() {
	if [[ $kernel_sel == 6.12 ]]; then
		apt-get "${apt_o[@]}" update -qq >&2
	else
		apt-get update -qq >&2
	fi
}

kernel_pkg() {
	local want='^linux-image-[0-9]'
	[[ $kernel_sel != 6.12 ]] || want='^linux-image-6\.12\..*-amd64$'
	# Empty output when the lists lack it (apt-cache exits 100): not fatal
	# under set -e, the caller updates the lists then.
	{ apt-cache "${apt_o[@]}" depends linux-image-amd64 2>/dev/null || true; } |
		awk -v want="$want" '$1 == "Depends:" && $2 ~ want && !p { print $2; p = 1 }'
}

# $1: an uncompressed kernel image; ok when it is a whole ELF with the PVH
# entry note (XEN_ELFNOTE_PHYS32_ENTRY, 0x12) that qemu boots directly.
pvh_ok() {
	local err
	err=$(readelf -lnW "$1" 2>&1 >/dev/null) || return 1
	[[ -z $err ]] && readelf -nW "$1" 2>/dev/null | grep -q '(0x00000012)'
}

# $1 vmlinuz, $2 vmlinux to write. The payload is xz on 6.1, zstd on 6.12.
# Both decompressors stop at (and complain about) the bzImage's trailing
# bytes, hence no check of their status: pvh_ok judges the result.
extract_vmlinux() {
	local magic tool off
	for magic in xz zstd; do
		case $magic in
		xz) tool=xz off=$(grep -abo -m1 $'\xfd7zXZ\x00' "$1" | cut -d: -f1) || true ;;
		zstd) tool=zstd off=$(grep -abo -m1 $'\x28\xb5\x2f\xfd' "$1" | cut -d: -f1) || true ;;
		esac
		if [[ -z $off ]] || ! command -v "$tool" >/dev/null; then continue; fi
		tail -c +"$((off + 1))" "$1" | "$tool" -dcq >"$2" 2>/dev/null || true
		pvh_ok "$2" && return 0
	done
	rm -f "$2"
}

fetch_kernel() {
	local pkg='' kv tmp='' try mods
	rm -rf "$cache"/.fetch.* # leftovers of an interrupted fetch (we hold the lock)
	if [[ $kernel_sel == 6.12 ]]; then
		private_apt
		# The private lists are ours: a refresh refreshes them first.
		[[ ${TENC_VM_REFRESH:-0} != 1 ]] || apt_update || die "apt-get update (trixie, $aptdir) failed"
	fi
	for try in 1 2; do # a second time after apt-get update
		pkg=$(kernel_pkg)
		if [[ -n $pkg ]]; then
			kv=${pkg#linux-image-}
			[[ ! -e $cache/$kv/.complete ]] || break
			echo "vm: fetching $pkg into $cache (once)" >&2
			tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
			chown _apt "$tmp" 2>/dev/null || true # apt downloads as _apt
			(cd "$tmp" && apt-get "${apt_o[@]}" download -q "$pkg" >&2) && break
			rm -rf "$tmp"
			tmp=''
		fi
		((try == 1)) || die "cannot fetch the $kernel_sel kernel (linux-image-amd64 -> ${pkg:-nothing})"
		apt_update || die "apt-get update failed"
	done
	if [[ -n $tmp ]]; then
		dpkg -x "$tmp"/*.deb "$tmp/root"
		# trixie is merged-/usr: its modules are in usr/lib/modules. Keep
		# one layout, $kdir/lib/modules/$kv (modprobe -d, the guest link).
		if [[ ! -d $tmp/root/lib/modules/$kv && -d $tmp/root/usr/lib/modules/$kv ]]; then
			mkdir -p "$tmp/root/lib/modules"
			mv "$tmp/root/usr/lib/modules/$kv" "$tmp/root/lib/modules/$kv"
		fi
		mods=$tmp/root/lib/modules/$kv
		[[ -d $mods ]] || die "$pkg has no lib/modules/$kv"
		# trixie's modules are .ko.xz. busybox 1.35's insmod (the initramfs)
		# and the host's kmod 30 (+XZ, the guest's modprobe) both load them
		# today, but the initramfs would then depend on how busybox was
		# built. Decompress them once here (~4 s): plain .ko as on 6.1.
		if [[ -n $(find "$mods" -name '*.ko.xz' -print -quit) ]]; then
			command -v xz >/dev/null || die "needs xz to decompress $pkg's modules (xz-utils)"
			find "$mods" -name '*.ko.xz' -print0 | xargs -0 -r -n 64 -P "$(nproc)" xz -dq ||
				die "cannot decompress $pkg's modules"
		fi
		depmod -b "$tmp/root" "$kv"
		# An uncompressed vmlinux boots via PVH and skips the kernel's own
		# decompression, which takes seconds under TCG. Optional.
		extract_vmlinux "$tmp/root/boot/vmlinuz-$kv" "$tmp/root/boot/vmlinux-$kv"
		touch "$tmp/root/.complete"
		rm -rf "${cache:?}/$kv"
		mv "$tmp/root" "$cache/$kv"
		rm -rf "$tmp"
	fi
	ln -sfn "$kv" "$cache/current-$kernel_sel"
	# "current" is what run.sh read before there were two kernels: the 6.1.
	[[ $kernel_sel != 6.1 ]] || ln -sfn "$kv" "$cache/current"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
cur=$cache/current-$kernel_sel
# A cache from before TENC_VM_KERNEL has only "current", a 6.1: adopt it.
if [[ $kernel_sel == 6.1 && ! -e $cur/.complete && -e $cache/current/.complete ]]; then
	ln -sfn "$(readlink "$cache/current")" "$cur"
fi
if [[ ${TENC_VM_REFRESH:-0} == 1 || ! -e $cur/.complete ]]; then
	fetch_kernel
fi
kv=$(readlink "$cur")
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
say "booting $kv (TENC_VM_KERNEL=$kernel_sel)"
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
# What the guest's stall guard wrote of a test it had to kill (guest-init.sh).
if [[ -s $work/out/stall ]]; then
	sed 's/^/# /' "$work/out/stall"
	problems+=("a test outlived bats' timeout and was killed by the stall guard")
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
