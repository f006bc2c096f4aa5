#!/usr/bin/env bash
# bench/native.sh - the state-file cost of one change, on this machine's
# kernel (no VM): `tenc peer add` and `tenc peer del` with a scratch state
# dir (TENC_STATE_DIR) holding BENCH_SMALL (10) or BENCH_PEERS (5000)
# peers, the node not enabled, so no kernel object is touched and what is
# measured is tenc itself: starting, loading peers.json, checking the new
# peer, writing peers.json (temp file, fsync, rename). Also peer sync of
# all the peers into an empty state dir, and again unchanged.
#
# Baseline, measured in the same run and the same way: `tenc help`, the
# process start alone (exec, dynamic linking, printing the usage). Every
# command is one exec timed from this shell (bash's EPOCHREALTIME); each
# small measurement runs BENCH_NATIVE_REPS (21) times, alternating with the
# baseline, and the median is reported.
#
# Run as root (tenc's writers need CAP_NET_ADMIN), after make; bench/run.sh
# runs it before booting the VM. Writes JSON to stdout, progress to stderr.
# Exit 1 when a command fails or the state does not hold what it should.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
TENC=${TENC:-$repo/build/tenc}
N=${BENCH_PEERS:-5000}
SMALL=${BENCH_SMALL:-10}
REPS=${BENCH_NATIVE_REPS:-21}

[[ $(id -u) == 0 ]] || { echo "native: needs root (tenc's writers need CAP_NET_ADMIN)" >&2; exit 2; }
[[ -x $TENC ]] || { echo "native: no $TENC (make first)" >&2; exit 2; }
command -v jq >/dev/null || { echo "native: jq missing (make deps)" >&2; exit 2; }
((N >= SMALL && SMALL >= 1 && REPS >= 1)) || { echo "native: bad BENCH_PEERS/BENCH_SMALL/BENCH_NATIVE_REPS" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tenc-native.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "native: FAIL: $*" >&2; exit 1; }

# t DIR CMD...: seconds for one run of tenc CMD with state dir DIR.
t() {
	local dir=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	TENC_STATE_DIR=$dir "$TENC" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "tenc $* exited non-zero"; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

npeers() { TENC_STATE_DIR=$1 "$TENC" -j peer list | jq '.peers | length'; }

# measure TAG COUNT: REPS x (help, add, help, del) at COUNT peers.
measure() {
	local tag=$1 cnt=$2 dir=$work/$1 r
	local -a adds=() dels=() helps=() vers=() lists=()
	mkdir -p "$dir"
	gen_peers 1 "$cnt" >"$work/$tag.json"
	t "$dir" peer sync "$work/$tag.json" >/dev/null
	[[ $(npeers "$dir") == "$cnt" ]] || fail "peer sync of $cnt peers"
	# One add and del untimed first: the first write after sync.
	t "$dir" peer add x --node-ip 10.9.0.1 --cidr 10.250.0.0/24 >/dev/null
	t "$dir" peer del x >/dev/null
	for ((r = 1; r <= REPS; r++)); do
		helps+=("$(t "$dir" help)")
		adds+=("$(t "$dir" peer add x --node-ip 10.9.0.1 --cidr 10.250.0.0/24)")
		grep -q '^peer x added' "$work/out" || fail "peer add said: $(cat "$work/out")"
		helps+=("$(t "$dir" help)")
		dels+=("$(t "$dir" peer del x)")
		grep -q '^peer x removed' "$work/out" || fail "peer del said: $(cat "$work/out")"
		vers+=("$(t "$dir" version)")
		lists+=("$(t "$dir" -j peer list)")
	done
	[[ $(npeers "$dir") == "$cnt" ]] || fail "after add/del at $cnt peers: $(npeers "$dir") peers"
	jq -n --argjson n "$cnt" --argjson add "$(median "${adds[@]}")" --argjson del "$(median "${dels[@]}")" \
		--argjson help "$(median "${helps[@]}")" --argjson ver "$(median "${vers[@]}")" \
		--argjson list "$(median "${lists[@]}")" --arg adds "${adds[*]}" --arg dels "${dels[*]}" \
		--argjson bytes "$(stat -c %s "$dir/peers.json")" \
		'{peers: $n, peer_add_s: $add, peer_del_s: $del, baseline_help_s: $help, tenc_version_s: $ver,
		  peer_list_s: $list, peers_json_bytes: $bytes,
		  add_ratio: ($add / $help * 1000 | round / 1000), del_ratio: ($del / $help * 1000 | round / 1000),
		  all_add_s: $adds, all_del_s: $dels}'
}

echo "native: $REPS x (peer add, peer del) at $SMALL and $N peers, $(uname -r), $(nproc) cpus" >&2
small=$(measure small "$SMALL")
big=$(measure big "$N")

# Peer sync of N peers from empty, and the same input again (unchanged).
syncs=() resyncs=()
for ((r = 1; r <= 5; r++)); do
	rm -rf "$work/sync"
	mkdir -p "$work/sync"
	syncs+=("$(t "$work/sync" peer sync "$work/big.json")")
	grep -q "^peers: $N added" "$work/out" || fail "peer sync said: $(cat "$work/out")"
	resyncs+=("$(t "$work/sync" peer sync "$work/big.json")")
	grep -q "$N unchanged" "$work/out" || fail "peer sync again said: $(cat "$work/out")"
done

jq -n --argjson small "$small" --argjson big "$big" --argjson reps "$REPS" \
	--argjson sync "$(median "${syncs[@]}")" --argjson resync "$(median "${resyncs[@]}")" \
	--arg kernel "$(uname -r)" --argjson cpus "$(nproc)" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	'{date: $date, kernel: $kernel, cpus: $cpus, reps: $reps, load_at_end: $load,
	  baseline: "tenc help (process start)", small: $small, big: $big,
	  peer_sync_from_empty_s: $sync, peer_sync_unchanged_s: $resync}'
echo "native: done" >&2
