#!/usr/bin/env bash
# bench/vm-bench.sh - the benchmarks, run inside the test VM as root (where
# the kernel has ESP): `tests/vm/run.sh --exec bench/vm-bench.sh`, normally
# through bench/run.sh. Every measurement runs in fresh network namespaces
# this script creates and deletes. Progress goes to stderr; the results go
# to stdout as one JSON document. Exit 1 when a command fails or the kernel
# does not hold what it should afterwards (a benchmark whose work silently
# failed must not report a number).
#
# Environment: BENCH_PEERS (5000) peers for the big runs, BENCH_SMALL (10)
# peers for the scaling comparison, BENCH_REPS (5) runs of each small one.
#
# Peer i (1..): name p<i>, node ip 10.0.0.1 + i, pod cidr
# 10.<128 + i/256>.<i%256>.0/24, peer id i (peer sync numbers them in order).
#
# Baseline: iproute2 (`ip -batch FILE`) doing the same XFRM and route work
# as tenc: per peer an OUT and an IN SA (the same AEAD and key length, ESN,
# replay windows 32/4096, reqid, the IN SA's mark), the OUT mark policies
# (one for the node ip, one for the pod cidr), the node-originated dst
# policy, and the route in table 2005, with tenc's policy hash thresholds.
# States, policies and routes go in three separate batches: iproute2 6.1
# stops a batch that mixes xfrm and route commands without an error.
#
# Timing: each command is timed from a shell already inside the namespace
# (bash's EPOCHREALTIME around one exec of tenc or ip), so `ip netns exec`
# is not counted for either side.
set -euo pipefail

N=${BENCH_PEERS:-5000}
SMALL=${BENCH_SMALL:-10}
REPS=${BENCH_REPS:-5}
# shellcheck source=bench/vmlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vmlib.sh"
((N >= SMALL && N <= 30000 && SMALL >= 1 && REPS >= 1)) ||
	{ echo "bench: need 1 <= BENCH_SMALL <= BENCH_PEERS <= 30000, BENCH_REPS >= 1" >&2; exit 2; }

# Baseline batch files for peers FROM..TO at SPI: states, policies, routes,
# and the matching deletions. Key bytes differ per SA, like tenc's.
gen_batch() {
	local from=$1 to=$2 spi=$3 kind=$4
	awk -v a="$from" -v b="$to" -v spi="$spi" -v kind="$kind" -v l="$LOCAL" -v mtu="$((MTU - 60))" 'BEGIN {
		reqid = 32256 + spi
		alg = "aead rfc4106(gcm(aes))"
		for (i = a; i <= b; i++) {
			o = i + 1
			ip = sprintf("10.0.%d.%d", int(o / 256), o % 256)
			cidr = sprintf("10.%d.%d.0/24", 128 + int(i / 256), i % 256)
			inmark = sprintf("0x%x", i * 65536 + 3328)           # 0xd00 | id<<16
			outmark = sprintf("0x%x", i * 65536 + spi * 4096 + 3584) # 0xe00 | spi<<12 | id<<16
			if (kind == "states") {
				printf "xfrm state add src %s dst %s proto esp spi %d reqid %d mode tunnel flag esn replay-window 32 %s 0x%08x%08x%08x%08x%08x 128\n",
					l, ip, spi, reqid, alg, i, spi, 1, 1515870810, i * 7
				printf "xfrm state add src %s dst %s proto esp spi %d reqid %d mode tunnel flag esn replay-window 4096 mark %s mask 0xffff0f00 %s 0x%08x%08x%08x%08x%08x 128\n",
					ip, l, spi, reqid, inmark, alg, i, spi, 2, 1515870810, i * 7
			} else if (kind == "policies" || kind == "mark-policies" || kind == "node-policies-update") {
				if (kind != "node-policies-update") {
					printf "xfrm policy add src 0.0.0.0/0 dst %s/32 dir out priority 100 mark %s mask 0xffffff00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						ip, outmark, l, ip, reqid
					printf "xfrm policy add src 0.0.0.0/0 dst %s dir out priority 100 mark %s mask 0xffffff00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						cidr, outmark, l, ip, reqid
				}
				if (kind != "mark-policies")
					printf "xfrm policy %s src 0.0.0.0/0 dst %s dir out priority 200 mark 0 mask 0xf00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						(kind == "policies" ? "add" : "update"), cidr, l, ip, reqid
			} else if (kind == "routes") {
				printf "route add %s dev eth0 table 2005 proto 229 scope link mtu %d\n", cidr, mtu
			} else if (kind == "del-states") {
				printf "xfrm state del src %s dst %s proto esp spi %d\n", l, ip, spi
				printf "xfrm state del src %s dst %s proto esp spi %d mark %s mask 0xffff0f00\n", ip, l, spi, inmark
			} else if (kind == "del-policies") {
				# Only the mark policy: iproute2 6.1 leaves XFRMA_MARK out of a
				# delete whose mark value is 0, so it cannot name the
				# node-originated policy (mark 0/0xf00); see del-pol0.
				printf "xfrm policy del src 0.0.0.0/0 dst %s/32 dir out mark %s mask 0xffffff00\n", ip, outmark
				printf "xfrm policy del src 0.0.0.0/0 dst %s dir out mark %s mask 0xffffff00\n", cidr, outmark
			} else if (kind == "del-pol0") {
				printf "xfrm policy deleteall src 0.0.0.0/0 dst %s dir out\n", cidr
			} else if (kind == "del-routes") {
				printf "route del %s dev eth0 table 2005\n", cidr
			}
		}
	}'
}


RES=$work/results.jsonl
: >"$RES"
# result NAME TENC_S BASELINE_S BASELINE_DESC NOTE [TENC_USER TENC_SYS]
result() {
	jq -nc --arg name "$1" --argjson t "$2" --argjson b "$3" --arg bd "$4" --arg note "${5:-}" \
		--argjson u "${6:-null}" --argjson k "${7:-null}" \
		'{name: $name, tenc_s: $t, baseline_s: $b, ratio: (if $b > 0 then ($t / $b * 1000 | round / 1000) else null end),
		  baseline: $bd, note: $note} + (if $u != null then {tenc_user_s: $u, tenc_sys_s: $k} else {} end)' >>"$RES"
}

umask 077
"$TENC" key gen >"$work/key1"
"$TENC" key gen >"$work/key2"
log "N=$N peers (small: $SMALL), $REPS runs of each small measurement; kernel $(uname -r), $(nproc) cpus"

# Warm-up, untimed: the first run of a binary reads it over 9p, and the
# first SA with an algorithm loads its crypto modules (seconds under TCG).
# Neither side should pay for that inside a measurement.
W=$PREFIX-warm
mknode warm
enable_node "$W" "$work/key1"
tn "$W" peer add w1 --node-ip 10.0.0.2 --cidr 10.200.0.0/24 >/dev/null
tn "$W" peer del w1 >/dev/null
for k in states policies routes; do gen_batch 1 2 1 "$k" >"$work/warm.$k"; done
for k in states policies routes; do timed "$W" _ ip -batch "$work/warm.$k"; done
ipc_json "$W" | jq length >/dev/null
strace -V >/dev/null
log "warmed up"

# === a. baseline: the same XFRM and route work with ip -batch ===============
mknode base
B=$PREFIX-base
# The policy hash thresholds tenc sets with encrypt (docs/design.md): the
# baseline's policies get the same hashing.
ip -n "$B" xfrm policy set hthresh4 0 24
for k in states policies routes; do gen_batch 1 "$N" 1 "$k" >"$work/base.$k"; done
gen_batch 1 "$N" 2 states >"$work/base.rot"
log "baseline: ip -batch, $((2 * N)) states"
timed "$B" b_states ip -batch "$work/base.states"
expect "baseline states" "$(n_sa "$B")" "$((2 * N))"
log "baseline: ip -batch, $((3 * N)) policies ($b_states s for the states)"
timed "$B" b_pols ip -batch "$work/base.policies"
expect "baseline policies" "$(n_pol "$B")" "$((3 * N))"
log "baseline: ip -batch, $N routes ($b_pols s for the policies)"
timed "$B" b_routes ip -batch "$work/base.routes"
expect "baseline routes" "$(n_rt "$B")" "$N"
b_sync=$(awk -v a="$b_states" -v b="$b_pols" -v c="$b_routes" 'BEGIN { printf "%.6f", a + b + c }')
log "baseline: $b_routes s for the routes; total $b_sync s"

# === a. tenc: one peer sync of N peers from empty ============================
T=$PREFIX-big
mknode big
enable_node "$T" "$work/key1"
sa0=$(n_sa "$T") pol0=$(n_pol "$T") rt0=$(n_rt "$T") ipc0=$(n_ipc "$T")
log "tenc: enabled (kernel before the peers: $sa0 SAs, $pol0 policies, $rt0 routes, $ipc0 ipcache entries)"
gen_peers 1 "$N" >"$work/peers.json"
log "tenc: peer sync of $N peers"
timed "$T" t_sync "$TENC" peer sync "$work/peers.json"
sync_cpu="$CPU_USER $CPU_SYS"
grep -q "^peers: $N added, 0 changed, 0 removed, 0 unchanged" "$work/last.out" ||
	fail "peer sync said: $(cat "$work/last.out")"
check "$T" "peer sync" $((sa0 + 2 * N)) $((pol0 + 3 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
log "tenc: peer sync took $t_sync s (user/sys $sync_cpu; baseline $b_sync s)"
# shellcheck disable=SC2086 # user and sys
result "full sync, $N peers from empty" "$t_sync" "$b_sync" \
	"$(printf 'ip -batch: %.2fs states + %.2fs policies + %.2fs routes' "$b_states" "$b_pols" "$b_routes")" \
	"tenc also writes $((2 * N)) ipcache entries and peers.json" $sync_cpu

# === b. one add and one delete at N peers (and at SMALL) ====================
X=$((N + 1))
xip=$(peer_ip "$X") xcidr=$(peer_cidr "$X")
for k in states policies routes del-states del-policies del-pol0 del-routes; do gen_batch "$X" "$X" 1 "$k" >"$work/one.$k"; done

# add_del NS TAG COUNT: REPS times add peer X and delete it again, with tenc
# and (in the baseline namespace BNS when given) with ip -batch.
add_del() {
	local ns=$1 tag=$2 cnt=$3 bns=${4:-} r t s p q
	local -a adds=() dels=() badds=() bdels=()
	local sa=$((sa0 + 2 * cnt)) pol=$((pol0 + 3 * cnt)) rt=$((rt0 + cnt)) ipc=$((ipc0 + 2 * cnt))
	for ((r = 1; r <= REPS; r++)); do
		timed "$ns" t "$TENC" peer add "p$X" --node-ip "$xip" --cidr "$xcidr"
		adds+=("$t")
		check "$ns" "peer add at $cnt" $((sa + 2)) $((pol + 3)) $((rt + 1)) $((ipc + 2))
		timed "$ns" t "$TENC" peer del "p$X"
		dels+=("$t")
		check "$ns" "peer del at $cnt" "$sa" "$pol" "$rt" "$ipc"
		[[ -n $bns ]] || continue
		timed "$bns" s ip -batch "$work/one.states"
		timed "$bns" p ip -batch "$work/one.policies"
		timed "$bns" q ip -batch "$work/one.routes"
		badds+=("$(awk -v a="$s" -v b="$p" -v c="$q" 'BEGIN { printf "%.6f", a + b + c }')")
		check "$bns" "baseline add at $cnt" $((2 * cnt + 2)) $((3 * cnt + 3)) $((cnt + 1))
		timed "$bns" s ip -batch "$work/one.del-routes"
		timed "$bns" p ip -batch "$work/one.del-policies"
		timed "$bns" q ip -batch "$work/one.del-states"
		# Untimed: deleteall dumps every policy to find this one.
		timed "$bns" _ ip -batch "$work/one.del-pol0"
		bdels+=("$(awk -v a="$s" -v b="$p" -v c="$q" 'BEGIN { printf "%.6f", a + b + c }')")
		check "$bns" "baseline del at $cnt" $((2 * cnt)) $((3 * cnt)) "$cnt"
	done
	# For scale: starting tenc, and loading the state files (peer list).
	local -a vers=() lists=()
	for ((r = 1; r <= REPS; r++)); do
		timed "$ns" t "$TENC" version
		vers+=("$t")
		timed "$ns" t "$TENC" -j peer list
		lists+=("$t")
	done
	printf -v "ver_$tag" '%s' "$(median "${vers[@]}")"
	printf -v "list_$tag" '%s' "$(median "${lists[@]}")"
	printf -v "add_$tag" '%s' "$(median "${adds[@]}")"
	printf -v "del_$tag" '%s' "$(median "${dels[@]}")"
	printf -v "alls_$tag" '%s' "add ${adds[*]} / del ${dels[*]}"
	if [[ -n $bns ]]; then
		printf -v "badd_$tag" '%s' "$(median "${badds[@]}")"
		printf -v "bdel_$tag" '%s' "$(median "${bdels[@]}")"
	fi
}

log "tenc: $REPS x (peer add, peer del) at $N peers; baseline: the same objects with 3 ip -batch each"
add_del "$T" big "$N" "$B"
log "tenc: add $add_big s, del $del_big s (median; $alls_big); baseline add $badd_big s, del $bdel_big s; tenc version $ver_big s, peer list $list_big s"
read -r nl_add_big <<<"$(netlink "$T" add-big peer add "p$X" --node-ip "$xip" --cidr "$xcidr")"
read -r nl_del_big <<<"$(netlink "$T" del-big peer del "p$X")"
check "$T" "traced add+del at $N" $((sa0 + 2 * N)) $((pol0 + 3 * N)) $((rt0 + N)) $((ipc0 + 2 * N))

S=$PREFIX-small
mknode small
enable_node "$S" "$work/key1"
gen_peers 1 "$SMALL" >"$work/peers-small.json"
timed "$S" t_sync_small "$TENC" peer sync "$work/peers-small.json"
check "$S" "peer sync of $SMALL" $((sa0 + 2 * SMALL)) $((pol0 + 3 * SMALL)) $((rt0 + SMALL)) $((ipc0 + 2 * SMALL))
log "tenc: $REPS x (peer add, peer del) at $SMALL peers"
add_del "$S" small "$SMALL"
log "tenc: add $add_small s, del $del_small s at $SMALL peers (median; $alls_small); tenc version $ver_small s, peer list $list_small s"
read -r nl_add_small <<<"$(netlink "$S" add-small peer add "p$X" --node-ip "$xip" --cidr "$xcidr")"
read -r nl_del_small <<<"$(netlink "$S" del-small peer del "p$X")"

result "peer add at $N peers (median of $REPS)" "$add_big" "$badd_big" \
	"3 ip -batch: 2 states, 3 policies, 1 route" "at $SMALL peers: ${add_small}s"
result "peer del at $N peers (median of $REPS)" "$del_big" "$bdel_big" \
	"3 ip -batch: 1 route, 2 policies, 2 states" \
	"at $SMALL peers: ${del_small}s; the baseline leaves out the node-originated policy (iproute2 6.1 cannot delete a mark 0/0xf00 policy by selector; removed untimed with deleteall)"

# === c. key rotation at N peers =============================================
gen_batch 1 "$N" 2 mark-policies >"$work/base.rot-pol"
gen_batch 1 "$N" 2 node-policies-update >"$work/base.rot-upd"
log "baseline: ip -batch, $((2 * N)) more states (spi 2)"
timed "$B" b_rot ip -batch "$work/base.rot"
expect "baseline rotation states" "$(n_sa "$B")" "$((4 * N))"
log "baseline: $b_rot s; then the rest of prepare's kernel work: $((2 * N)) OUT mark policies (spi 2)"
timed "$B" b_rot_pol ip -batch "$work/base.rot-pol"
expect "baseline rotation policies" "$(n_pol "$B")" "$((5 * N))"
b_prep=$(awk -v a="$b_rot" -v b="$b_rot_pol" 'BEGIN { printf "%.6f", a + b }')
log "baseline: $b_rot_pol s; tenc: key rotate (prepare) at $N peers"
timed "$T" t_prep "$TENC" key rotate "$work/key2"
prep_cpu="$CPU_USER $CPU_SYS"
spi2=$(sed -n 's/^key spi \([0-9]*\) pending.*/\1/p' "$work/last.out")
[[ -n $spi2 ]] || fail "key rotate said: $(cat "$work/last.out")"
check "$T" "key rotate (prepare)" $((sa0 + 4 * N)) $((pol0 + 5 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
expect "key rotate (prepare): policies with the new reqid" "$(n_pol_reqid "$T" $((32256 + spi2)))" "$((2 * N))"
log "tenc: prepare $t_prep s (user/sys $prep_cpu); baseline: commit's policy work, $N policy updates"
timed "$B" b_commit ip -batch "$work/base.rot-upd"
expect "baseline commit policies" "$(n_pol "$B")" "$((5 * N))"
expect "baseline commit: policies with the new reqid" "$(n_pol_reqid "$B" 32258)" "$((3 * N))"
log "baseline: $b_commit s; tenc: key rotate --commit --all"
timed "$T" t_commit "$TENC" key rotate --commit --all
commit_cpu="$CPU_USER $CPU_SYS"
check "$T" "key rotate --commit --all" $((sa0 + 4 * N)) $((pol0 + 5 * N)) $((rt0 + N)) $((ipc0 + 2 * N))
expect "key rotate --commit: policies with the new reqid" "$(n_pol_reqid "$T" $((32256 + spi2)))" "$((3 * N))"
expect "key rotate --commit: ipcache entries on the new spi" "$(n_ipc_spi "$T" "$spi2")" "$((2 * N))"
log "tenc: commit $t_commit s (user/sys $commit_cpu)"
# shellcheck disable=SC2086 # user and sys
{
result "key rotate (prepare) at $N peers" "$t_prep" "$b_rot" \
	"ip -batch: $((2 * N)) states (one batch)" "tenc also adds $((2 * N)) OUT policies and reads the kernel back (dumps)" $prep_cpu
result "key rotate --commit --all at $N peers" "$t_commit" "$b_rot" \
	"ip -batch: $((2 * N)) states (one batch)" "tenc updates $N policies and $((2 * N)) ipcache entries in place" $commit_cpu
result "key rotate (prepare), like for like" "$t_prep" "$b_prep" \
	"$(printf 'ip -batch: %.2fs %d states + %.2fs %d OUT mark policies' "$b_rot" $((2 * N)) "$b_rot_pol" $((2 * N)))" \
	"the same kernel objects as tenc's prepare" $prep_cpu
result "key rotate --commit --all, like for like" "$t_commit" "$b_commit" \
	"ip -batch: $N policy updates (node-originated, to the new reqid)" \
	"tenc also moves $((2 * N)) ipcache entries (no iproute2 equivalent)" $commit_cpu
}

# --- the document ------------------------------------------------------------
jq -n --slurpfile r "$RES" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--argjson cpus "$(nproc)" --arg ip "$(ip -V)" --arg tenc "$("$TENC" version 2>/dev/null | head -n 1)" \
	--argjson n "$N" --argjson small "$SMALL" --argjson reps "$REPS" \
	--argjson add_small "$add_small" --argjson del_small "$del_small" --argjson sync_small "$t_sync_small" \
	--argjson ver_small "$ver_small" --argjson ver_big "$ver_big" \
	--argjson list_small "$list_small" --argjson list_big "$list_big" \
	--argjson nab "$(nl_json "$nl_add_big")" --argjson ndb "$(nl_json "$nl_del_big")" \
	--argjson nas "$(nl_json "$nl_add_small")" --argjson nds "$(nl_json "$nl_del_small")" \
	--argjson total "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" \
	'{date: $date, kernel: $kernel, cpus: $cpus, iproute2: $ip, tenc: $tenc,
	  peers: $n, small_peers: $small, reps: $reps, guest_seconds: $total,
	  results: $r,
	  scaling: {peer_add_s: {small: $add_small, big: ($r[1].tenc_s)},
		    peer_del_s: {small: $del_small, big: ($r[2].tenc_s)},
		    tenc_version_s: {small: $ver_small, big: $ver_big},
		    peer_list_s: {small: $list_small, big: $list_big},
		    peer_sync_small_s: $sync_small},
	  netlink: {peer_add: {small: $nas, big: $nab}, peer_del: {small: $nds, big: $ndb}}}'
log "done"
