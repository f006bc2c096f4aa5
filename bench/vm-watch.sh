#!/usr/bin/env bash
# bench/vm-watch.sh - the watch benchmark (issue 12), run inside the test VM
# as root (ESP exists there: real SAs with a key), through bench/run.sh
# (`make bench`, or `make bench-watch` for this part alone). Progress on
# stderr, one JSON document {"watch": {...}} on stdout.
#
# Two fresh nodes, enabled alike (encrypt, the same key), and BENCH_PEERS
# (5000) nodes in kubectl's forms (bench/lib.sh kube_nodes; the local node
# is in the list, as kubectl lists it):
#   a. node A: one-shot `tenc peer sync -` of `kubectl get nodes -o json`;
#   b. node B: `tenc peer sync --watch FIFO`, the ADDED events as
#      `kubectl get nodes -o json --watch --output-watch-events` prints them,
#      timed from the exec of tenc to the batch line(s) that added them all
#      (the stream stays open, as kubectl's does: the settle window is in);
#      then A's and B's kernel objects compared (SAs with their keys masked:
#      each node's own epoch is random, so the keys differ; policies,
#      routes in table 2005, ipcache entries);
#   c. one MODIFIED event (node M's tenc.io/epoch changed) to B's running
#      watch: its apply time from the batch's -j line (and the wall time
#      with the settle window), then only M's two SAs re-keyed (every other
#      SA's key unchanged, nothing else touched); a second MODIFIED of M
#      with strace attached to the watch: the netlink messages the batch
#      sent. A gets the same two changes by one-shot `peer sync -` (the
#      first timed, the second traced) for comparison, and the end states
#      compared again.
# Exit 1 when a command fails, the kernel state is wrong, or the MODIFIED
# batch's netlink work is not that of one peer (more than
# WATCH_MAX_MSGS (18: three messages per object of one peer) messages, or
# a dump request); 2 setup error.
set -euo pipefail

# --- inner mode: `vm-watch.sh __drive DIR N TENC` (inside node B) ----------
# Starts the watch on DIR/in (stdout DIR/out, both fifos the caller holds
# open), writes DIR/added.json into it, reads batch lines until N peers are
# added (SECONDS: from the exec to the last of those lines); then "ok
# SECONDS BATCHES MS_SUM" (or "fail WHY") into DIR/ctl,
# waits for the watch to end, its status into DIR/rc.
if [[ ${1:-} == __drive ]]; then
	d=$2 n=$3 tenc=$4 added=0 batches=0 ms=0 status=fail
	exec 5>"$d/in" 6<"$d/out"
	t0=$EPOCHREALTIME
	"$tenc" -j peer sync --watch "$d/in" >"$d/out" 2>"$d/err" 5>&- 6<&- &
	pid=$!
	echo "$pid" >"$d/pid"
	cat "$d/added.json" >&5
	exec 5>&-
	while ((added < n)); do
		# A line, or (every 5 s without one) the watch still running.
		until IFS= read -r -t 5 line <&6; do
			kill -0 "$pid" 2>/dev/null || break 2
		done
		t1=$EPOCHREALTIME
		printf '%s\n' "$line" >>"$d/initial.jsonl"
		read -r a r m <<<"$(jq -r '"\(.added) \(.rejected) \(.ms)"' <<<"$line")"
		((r == 0)) || break
		added=$((added + a)) batches=$((batches + 1)) ms=$((ms + m))
	done
	((added == n)) && status=ok
	echo "$status $(awk -v a="$t0" -v b="${t1:-0}" 'BEGIN { printf "%.6f", b - a }') $batches $ms" >"$d/ctl"
	exec 6<&-
	rc=0
	wait "$pid" || rc=$?
	echo "$rc" >"$d/rc"
	exit 0
fi

N=${BENCH_PEERS:-5000}
MAXMSG=${WATCH_MAX_MSGS:-18}
self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
# shellcheck source=bench/vmlib.sh
. "$(dirname "$self")/vmlib.sh"
((N >= 2 && N <= 30000)) || { echo "bench: need 2 <= BENCH_PEERS <= 30000" >&2; exit 2; }
M=$(((N + 1) / 2))
MIP=$(peer_ip "$M")

# --- the kernel's objects, one line each, sorted -----------------------------
# blocks: ip's multi-line records (a line not starting with a space begins
# one) as single lines.
blocks() { awk '/^[^ \t]/ { if (r != "") print r; r = $0; next } { r = r " " $0 } END { if (r != "") print r }' | sort; }
# snap NS FILE: SAs (keys masked), policies, routes, ipcache, for diffing.
snap() {
	{
		ip -n "$1" xfrm state | blocks | mask
		ip -n "$1" xfrm policy | blocks
		ip -n "$1" route show table 2005 | sort
		ipc_json "$1" | jq -c '.[] | {key, value}' | sort
	} >"$2"
}
# keys NS FILE: the SAs with their keys, one line each (the file stays in
# the scratch dir, mode 0600; mask prints lines with the keys masked).
keys() { ip -n "$1" xfrm state | blocks >"$2"; }
mask() { sed -E 's/(aead [^ ]+) 0x[0-9a-f]+/\1 KEY/'; }
# same_state WHEN: A's and B's objects alike (keys masked).
same_state() {
	snap "$A" "$work/snap.a"
	snap "$B" "$work/snap.b"
	cmp -s "$work/snap.a" "$work/snap.b" && return 0
	diff "$work/snap.a" "$work/snap.b" | head -n 20 >&2
	fail "$1: node A (one-shot) and node B (watch) hold different kernel objects"
}
# only_m WHAT BEFORE AFTER [WANT]: the lines that differ all name M's node
# ip (and there are WANT of them: old and new forms).
only_m() {
	local diffs
	diffs=$(comm -3 <(sort "$2") <(sort "$3") | sed 's/^\t//')
	[[ -n $diffs || -n ${4:-} ]] || return 0
	! grep -Fwqv "$MIP" <<<"$diffs" || { head -n 5 <<<"$diffs" | mask >&2; fail "$1: objects of other peers changed"; }
	[[ -z ${4:-} ]] || expect "$1: changed lines (old and new)" "$(grep -c . <<<"$diffs" || true)" "$4"
}

# batch_line: the watch's next batch line into LINE (fail when the watch
# is gone without one).
batch_line() {
	until IFS= read -r -t 5 LINE <&6; do
		kill -0 "$(cat "$D/pid")" 2>/dev/null || fail "no batch line from the watch (stderr: $(cat "$D/err"))"
	done
}
# expect_batch WHEN EVENTS ADDED CHANGED REMOVED: LINE's counts.
expect_batch() {
	expect "$1: batch (events added changed removed rejected)" \
		"$(jq -r '"\(.events) \(.added) \(.changed) \(.removed) \(.rejected)"' <<<"$LINE")" "$2 $3 $4 $5 0"
}

umask 077
"$TENC" key gen >"$work/key1"
log "watch: N=$N nodes (kubectl form), modified node p$M; kernel $(uname -r), $(nproc) cpus"
kube_nodes list 0 "$N" >"$work/nodes.json"
kube_nodes list 0 "$N" 1 ADDED "$M" 2 >"$work/nodes2.json"
kube_nodes list 0 "$N" 1 ADDED "$M" 3 >"$work/nodes3.json"
D=$work/drive
mkdir -p "$D"
# On a failure: the watch (and its driver) stopped before the scratch dir goes.
stop_watch() {
	[[ ! -s $D/pid ]] || kill "$(cat "$D/pid")" 2>/dev/null || true
	[[ -z ${drv:-} ]] || wait "$drv" 2>/dev/null || true
}
trap 'stop_watch; cleanup' EXIT
kube_nodes watch 0 "$N" >"$D/added.json"
log "watch: streams written ($(wc -c <"$D/added.json") bytes of ADDED events)"

# Warm-up, untimed (the binary over 9p, the crypto modules).
W=$PREFIX-warm
mknode warm
enable_node "$W" "$work/key1"
tn "$W" peer add w1 --node-ip 10.0.0.2 --cidr 10.200.0.0/24 --epoch 0000000000000001 >/dev/null
tn "$W" peer del w1 >/dev/null

A=$PREFIX-wa B=$PREFIX-wb
mknode wa
mknode wb
enable_node "$A" "$work/key1"
enable_node "$B" "$work/key1"
sa0=$(n_sa "$A") pol0=$(n_pol "$A") rt0=$(n_rt "$A") ipc0=$(n_ipc "$A")

# === a. one-shot ============================================================
log "watch: a. one-shot peer sync - of $N kubectl nodes"
timed "$A" t_one "$TENC" peer sync - <"$work/nodes.json"
one_cpu="$CPU_USER $CPU_SYS"
grep -q "^peers: $N added, 0 changed, 0 removed, 0 unchanged" "$work/last.out" ||
	fail "peer sync said: $(cat "$work/last.out")"
check "$A" "one-shot sync" $((sa0 + 2 * N)) $((pol0 + 3 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
log "watch: a. $t_one s (user/sys $one_cpu)"

# === b. the watch's initial burst ===========================================
log "watch: b. peer sync --watch, $((N + 1)) ADDED events"
mkfifo "$D/in" "$D/out" "$D/ctl"
exec 5<>"$D/in" 6<>"$D/out" 7<>"$D/ctl"
TENC_STATE_DIR=$work/$B ip netns exec "$B" "$self" __drive "$D" "$N" "$TENC" 5>&- 6<&- 7<&- &
drv=$!
read -r -t 7200 st t_watch w_batches w_ms <&7 || fail "the watch driver gave no result"
[[ $st == ok ]] || fail "the watch did not add $N peers: $(cat "$D/initial.jsonl" "$D/err" 2>/dev/null)"
exec 5>"$D/in" 7<&-
check "$B" "watch ADDED" $((sa0 + 2 * N)) $((pol0 + 3 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
same_state "the ADDED burst"
ratio_b=$(ratio "$t_watch" "$t_one")
log "watch: b. $t_watch s in $w_batches batch(es) (their apply time $w_ms ms); ratio to one-shot $ratio_b"

# === c. one MODIFIED (an epoch change) ======================================
snap "$B" "$work/m0.snap"
keys "$B" "$work/m0.keys"
kube_nodes watch "$M" "$M" 2 MODIFIED >"$work/mod2.json"
kube_nodes watch "$M" "$M" 3 MODIFIED >"$work/mod3.json"
t0=$EPOCHREALTIME
cat "$work/mod2.json" >&5
batch_line
mod_wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
mod_line=$LINE
expect_batch "MODIFIED" 1 0 1 0
mod_ms=$(jq .ms <<<"$LINE")
mod_kc=$(jq .kernel_changes <<<"$LINE")
check "$B" "MODIFIED" $((sa0 + 2 * N)) $((pol0 + 3 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
snap "$B" "$work/m1.snap"
keys "$B" "$work/m1.keys"
only_m "MODIFIED: SA keys" "$work/m0.keys" "$work/m1.keys" 4
only_m "MODIFIED: objects" "$work/m0.snap" "$work/m1.snap"
log "watch: c. MODIFIED applied in $mod_ms ms ($mod_wall s with the settle window; $mod_kc kernel changes)"

timed "$A" t_one_mod "$TENC" peer sync - <"$work/nodes2.json"
grep -q "^peers: 0 added, 1 changed, 0 removed, $((N - 1)) unchanged" "$work/last.out" ||
	fail "one-shot peer sync of the change said: $(cat "$work/last.out")"
same_state "the first MODIFIED"

# The second MODIFIED with strace attached to the running watch.
wpid=$(cat "$D/pid")
strace -f -qq -X raw -s 65536 -o "$work/strace.mod" \
	-e trace=sendto,sendmsg,recvfrom,recvmsg,recvmmsg,bpf -p "$wpid" 2>"$work/strace.err" &
spid=$!
for ((i = 0; i < 600; i++)); do
	[[ $(awk '/^TracerPid:/ { print $2 }' "/proc/$wpid/status") == 0 ]] || break
	sleep 0.05
done
((i < 600)) || fail "strace did not attach to the watch ($(cat "$work/strace.err"))"
cat "$work/mod3.json" >&5
batch_line
expect_batch "traced MODIFIED" 1 0 1 0
kill -INT "$spid"
wait "$spid" || true
read -r nl_mod <<<"$(nl_count "$work/strace.mod")"
read -r nl_one <<<"$(netlink "$A" one-mod peer sync "$work/nodes3.json")"
same_state "the second MODIFIED"
read -r -a v <<<"$nl_mod"
((v[1] > 0)) || fail "the traced MODIFIED sent no netlink message (strace: $(head -c 300 "$work/strace.mod"))"
((v[1] <= MAXMSG && v[3] == 0)) ||
	fail "the MODIFIED batch sent ${v[1]} netlink messages (${v[3]} dump requests): not the work of one peer (at most $MAXMSG, no dump)"
log "watch: c. MODIFIED netlink (calls msgs bytes dumps recvs bpf): $nl_mod; one-shot sync of it: $nl_one"

# EOF ends the watch, exit 0.
exec 5>&- 6<&-
wait "$drv" || fail "the watch driver failed"
expect "the watch's exit status at EOF" "$(cat "$D/rc")" 0

read -r ou os <<<"$one_cpu"
jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
	--argjson n "$N" --argjson one "$t_one" --argjson ou "$ou" --argjson os "$os" \
	--argjson w "$t_watch" --argjson wb "$w_batches" --argjson wms "$w_ms" --argjson r "$ratio_b" \
	--argjson mms "$mod_ms" --argjson mwall "$mod_wall" --argjson mline "$mod_line" \
	--argjson onemod "$t_one_mod" --argjson nlm "$(nl_json "$nl_mod")" --argjson nlo "$(nl_json "$nl_one")" \
	--argjson max "$MAXMSG" \
	--argjson total "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" \
	'{watch: {date: $date, kernel: $kernel, cpus: $cpus, peers: $n, guest_seconds: $total,
		  one_shot_s: $one, one_shot_user_s: $ou, one_shot_sys_s: $os,
		  watch_added_s: $w, watch_batches: $wb, watch_batches_ms: $wms, ratio: $r, target_ratio: 1.2,
		  modified_ms: $mms, modified_wall_s: $mwall, modified_batch: $mline,
		  one_shot_modified_s: $onemod, modified_netlink: $nlm, one_shot_modified_netlink: $nlo,
		  max_messages: $max}}'
log "watch: done"
