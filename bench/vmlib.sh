# shellcheck shell=bash
# bench/vmlib.sh - what the VM benchmark scripts share (sourced, not run;
# bench/vm-bench.sh, bench/vm-watch.sh): the guards (root, build/tenc, the
# tools), a scratch dir and the namespaces deleted at exit, progress and
# failure, the node namespaces, timing one command inside one, counting
# what the kernel holds, and counting the netlink messages in an strace.
# Sets repo, TENC, LOCAL, LOCAL6, MTU, PREFIX, work, start; sources
# bench/lib.sh.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TENC=${TENC:-$repo/build/tenc}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
LOCAL=10.0.0.1
LOCAL6=fd00::1
MTU=1500
PREFIX=tencb-$$

[[ $(id -u) == 0 ]] || { echo "bench: needs root (run it in the VM: bench/run.sh)" >&2; exit 2; }
[[ -x $TENC ]] || { echo "bench: no $TENC (make first)" >&2; exit 2; }
for c in ip jq awk bpftool strace; do
	command -v "$c" >/dev/null || { echo "bench: $c not found" >&2; exit 2; }
done

work=$(mktemp -d /run/tenc-bench.XXXXXX)
NSS=()
cleanup() {
	local ns d
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	for d in "$work"/*/bpf; do
		if [[ -d $d ]]; then umount -l "$d" 2>/dev/null || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

start=$EPOCHREALTIME
log() { printf 'bench: [%6.1fs] %s\n' "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$*" >&2; }
fail() { echo "bench: FAIL: $*" >&2; exit 1; }

# --- helpers -----------------------------------------------------------------
peer_ip() { local o=$(($1 + 1)); echo "10.0.$((o >> 8)).$((o & 255))"; }
peer_cidr() { echo "10.$((128 + $1 / 256)).$(($1 % 256)).0/24"; }

# mknode NAME: a node namespace: underlay eth0 10.0.0.1/16 (a veth, both
# ends here and up), pod device pod0 10.1.0.1/24 (a veth). Prints its name.
mknode() {
	local ns=$PREFIX-$1
	ip netns add "$ns"
	NSS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 mtu "$MTU" type veth peer name wire0 mtu "$MTU"
	ip -n "$ns" addr add "$LOCAL/16" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set wire0 up
	ip -n "$ns" link add pod0 type veth peer name podeth
	ip -n "$ns" addr add 10.1.0.1/24 dev pod0
	ip -n "$ns" link set pod0 up
	ip -n "$ns" link set podeth up
}

# mknode6 NAME: mknode NAME, dual-stack: $LOCAL6/64 on eth0 and
# fd01::1/64 on pod0 as well (nodad: usable at once).
mknode6() {
	mknode "$1"
	ip -n "$PREFIX-$1" addr add "$LOCAL6/64" dev eth0 nodad
	ip -n "$PREFIX-$1" addr add fd01::1/64 dev pod0 nodad
}

# tn NS ARGS...: tenc as the node of namespace NS (state dir $work/NS).
tn() {
	local ns=$1
	shift
	TENC_STATE_DIR=$work/$ns ip netns exec "$ns" "$TENC" "$@"
}

# timed NS VAR CMD...: run CMD in NS, its seconds into VAR (its user and
# system CPU seconds into CPU_USER, CPU_SYS); fail loudly.
timed() {
	local _ns=$1 _var=$2 _t _rc=0
	shift 2
	_t=$(TENC_STATE_DIR=$work/$_ns ip netns exec "$_ns" "$repo/bench/timeit.sh" "$work/last.out" "$@") || _rc=$?
	if ((_rc)); then
		sed 's/^/  | /' "$work/last.out" >&2
		fail "$* (in $_ns) exited $_rc"
	fi
	# shellcheck disable=SC2229,SC2034 # reads into the variable named by _var; CPU_* are the callers'
	read -r "$_var" CPU_USER CPU_SYS <<<"$_t"
}

# enable_node NS KEYFILE: tenc enable --encrypt + key add.
enable_node() {
	mkdir -p "$work/$1"
	tn "$1" enable --encrypt --node-ip "$LOCAL" --pod-cidr 10.1.0.0/24 --dev pod0 >/dev/null
	tn "$1" key add "$2" >/dev/null
}

# enable_node6 NS KEYFILE: enable_node with an IPv6 half too (node ip
# $LOCAL6, pod cidr fd01::/64).
enable_node6() {
	mkdir -p "$work/$1"
	tn "$1" enable --encrypt --node-ip "$LOCAL" --node-ip "$LOCAL6" --pod-cidr 10.1.0.0/24 \
		--pod-cidr fd01::/64 --dev pod0 >/dev/null
	tn "$1" key add "$2" >/dev/null
}

# What the kernel holds, read from full dumps.
n_sa() { ip -n "$1" xfrm state | grep -c '^src' || true; }
n_pol() { ip -n "$1" xfrm policy | grep -c '^src' || true; }
n_pol_reqid() { ip -n "$1" xfrm policy | grep -c "reqid $2 " || true; }
n_rt() { ip -n "$1" route show table 2005 2>/dev/null | grep -c . || true; }
ipc_json() { bpftool -j map dump pinned "$work/$1/bpf/ipcache"; }
n_ipc() { ipc_json "$1" | jq length; }
# One family's (4 or 6): SAs by their addresses, policies by their
# selector, the routes of table 2005; ipcache or ipcache6 entries.
n_sa_f() { ip -n "$1" "-$2" xfrm state | grep -c '^src' || true; }
n_pol_f() { ip -n "$1" "-$2" xfrm policy | grep -c '^src' || true; }
n_rt_f() { ip -n "$1" "-$2" route show table 2005 2>/dev/null | grep -c . || true; }
n_ipc_f() { bpftool -j map dump pinned "$work/$1/bpf/ipcache${2#4}" | jq length; }
n_ipc_spi() { ipc_json "$1" | jq --argjson s "$2" '[.[] | select(.formatted.value.spi == $s)] | length'; }

# expect WHAT GOT WANT
expect() {
	[[ $2 == "$3" ]] || fail "after $1: the kernel holds $2, expected $3"
}

# check NS WHEN SAS POLS ROUTES [IPCACHE]: the counts, from dumps.
check() {
	local ns=$1 when=$2
	expect "$when: xfrm states" "$(n_sa "$ns")" "$3"
	expect "$when: xfrm policies" "$(n_pol "$ns")" "$4"
	expect "$when: routes in table 2005" "$(n_rt "$ns")" "$5"
	[[ -z ${6:-} ]] || expect "$when: ipcache entries" "$(n_ipc "$ns")" "$6"
}

# check46 NS WHEN "SAS POLS ROUTES [IPCACHE]" "SAS6 POLS6 ROUTES6 [IPCACHE6]":
# check's counts, each family on its own.
check46() {
	local ns=$1 when=$2 f
	local -a v
	for f in 4 6; do
		read -r -a v <<<"$(if [[ $f == 4 ]]; then echo "$3"; else echo "$4"; fi)"
		expect "$when: IPv$f xfrm states" "$(n_sa_f "$ns" "$f")" "${v[0]}"
		expect "$when: IPv$f xfrm policies" "$(n_pol_f "$ns" "$f")" "${v[1]}"
		expect "$when: IPv$f routes in table 2005" "$(n_rt_f "$ns" "$f")" "${v[2]}"
		[[ -z ${v[3]:-} ]] || expect "$when: ipcache${f#4} entries" "$(n_ipc_f "$ns" "$f")" "${v[3]}"
	done
}

# netlink NS WHAT TENC-ARGS...: what one tenc command sends, from strace:
# prints nl_count's line.
netlink() {
	local ns=$1 f=$work/strace.$2
	shift 2
	TENC_STATE_DIR=$work/$ns ip netns exec "$ns" strace -f -qq -X raw -s 65536 -o "$f" \
		-e trace=sendto,sendmsg,recvfrom,recvmsg,recvmmsg,bpf "$TENC" "$@" >"$work/last.out" 2>&1 ||
		{ cat "$work/last.out" >&2; fail "strace tenc $* exited non-zero"; }
	nl_count "$f"
}

# nl_count FILE: an strace -f -X raw of the netlink and bpf calls, counted:
# prints "syscalls messages bytes dumps recvs bpf_map_ops".
nl_count() {
	awk '
		/^[0-9]+ +(sendto|sendmsg)\(/ {
			calls++
			if (match($0, /[=] [0-9]+$/)) bytes += substr($0, RSTART + 2)
			# Each message header: {nlmsg_len=L, nlmsg_type=T, nlmsg_flags=F, ...};
			# a dump request has NLM_F_DUMP (0x300) in F.
			s = $0
			while (match(s, /nlmsg_flags=0x[0-9a-f]+/)) {
				msgs++
				f = substr(s, RSTART + 14, RLENGTH - 14)
				v = 0
				for (k = 1; k <= length(f); k++)
					v = v * 16 + index("0123456789abcdef", substr(f, k, 1)) - 1
				if (int(v / 256) % 4 == 3) dumps++
				s = substr(s, RSTART + RLENGTH)
			}
		}
		/^[0-9]+ +(recvfrom|recvmsg|recvmmsg)\(/ { recvs++ }
		/^[0-9]+ +bpf\((BPF_MAP_(UPDATE|DELETE)_ELEM|(0x)?[23]),/ { bpf++ }
		END { printf "%d %d %d %d %d %d\n", calls, msgs, bytes, dumps, recvs, bpf }' "$1"
}

# nl_json LINE: nl_count's line as JSON.
nl_json() {
	local -a v
	read -r -a v <<<"$1"
	jq -nc --argjson c "${v[0]}" --argjson m "${v[1]}" --argjson b "${v[2]}" --argjson d "${v[3]}" \
		--argjson r "${v[4]}" --argjson p "${v[5]}" \
		'{send_calls: $c, messages: $m, bytes: $b, dump_requests: $d, recv_calls: $r, bpf_map_changes: $p}'
}
