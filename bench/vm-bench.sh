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
# 10.<128 + i/256>.<i%256>.0/24, peer id i (peer sync numbers them in order);
# in the dual-stack run (d) also node ip fd00::<1 + i in hex>, pod cidr
# fd01:<i in hex>::/64, the local node fd00::1 and fd01::/64.
#
# Baseline: iproute2 (`ip -batch FILE`) doing the same XFRM and route work
# as tenc: per peer an OUT and an IN SA (the same AEAD and key length, ESN,
# replay windows 32/4096, reqid, the IN SA's mark), the OUT mark policies
# (one for the node ip, one for the pod cidr), the node-originated dst
# policy, and the route in table 2005, with tenc's policy hash thresholds.
# States, policies and routes go in three separate batches: iproute2 6.1
# stops a batch that mixes xfrm and route commands without an error.
#
# Dual-stack (d): the same with peers of both families, against the IPv4
# baseline plus its IPv6 counterpart (three more batches, hthresh6 0 64);
# the two namespaces' objects are then compared, family by family.
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
# and the matching deletions, of IPv4 or (FAMILY 6) of the peers' IPv6
# halves (gen_peers' dual form): the IPv6 SAs between the IPv6 node ips,
# with an IPv6 selector as tenc's, the OUT mark policies for the node ip
# /128 and the pod cidr, the routes with AES-GCM's IPv6 overhead (80).
# Key bytes differ per SA, like tenc's.
gen_batch() {
	local from=$1 to=$2 spi=$3 kind=$4 fam=${5:-4}
	local l=$LOCAL mtu=$((MTU - 60))
	[[ $fam == 4 ]] || l=$LOCAL6 mtu=$((MTU - 80))
	awk -v a="$from" -v b="$to" -v spi="$spi" -v kind="$kind" -v fam="$fam" -v l="$l" -v mtu="$mtu" 'BEGIN {
		reqid = 32256 + spi
		alg = "aead rfc4106(gcm(aes))"
		any = fam == 6 ? "::/0" : "0.0.0.0/0"
		host = fam == 6 ? 128 : 32
		# tenc gives an IPv6 SA an IPv6 selector, and an IPv4 one a
		# selector of no family (it carries either: flag af-unspec, else
		# the kernel gives it the family of the SA); iproute2 does neither
		# unless told.
		sel = fam == 6 ? " sel src ::/0 dst ::/0" : ""
		fl = fam == 6 ? "esn" : "esn af-unspec"
		for (i = a; i <= b; i++) {
			o = i + 1
			if (fam == 6) {
				ip = sprintf("fd00::%x", o)
				cidr = sprintf("fd01:%x::/64", i)
			} else {
				ip = sprintf("10.0.%d.%d", int(o / 256), o % 256)
				cidr = sprintf("10.%d.%d.0/24", 128 + int(i / 256), i % 256)
			}
			inmark = sprintf("0x%x", i * 65536 + 3328)           # 0xd00 | id<<16
			outmark = sprintf("0x%x", i * 65536 + spi * 4096 + 3584) # 0xe00 | spi<<12 | id<<16
			if (kind == "states") {
				printf "xfrm state add src %s dst %s proto esp spi %d reqid %d mode tunnel flag %s replay-window 32%s %s 0x%08x%08x%08x%08x%08x 128\n",
					l, ip, spi, reqid, fl, sel, alg, i, spi, 1 + 2 * (fam == 6), 1515870810, i * 7
				printf "xfrm state add src %s dst %s proto esp spi %d reqid %d mode tunnel flag %s replay-window 4096 mark %s mask 0xffff0f00%s %s 0x%08x%08x%08x%08x%08x 128\n",
					ip, l, spi, reqid, fl, inmark, sel, alg, i, spi, 2 + 2 * (fam == 6), 1515870810, i * 7
			} else if (kind == "policies" || kind == "mark-policies" || kind == "node-policies-update") {
				if (kind != "node-policies-update") {
					printf "xfrm policy add src %s dst %s/%d dir out priority 100 mark %s mask 0xffffff00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						any, ip, host, outmark, l, ip, reqid
					printf "xfrm policy add src %s dst %s dir out priority 100 mark %s mask 0xffffff00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						any, cidr, outmark, l, ip, reqid
				}
				if (kind != "mark-policies")
					printf "xfrm policy %s src %s dst %s dir out priority 200 mark 0 mask 0xf00 tmpl src %s dst %s proto esp reqid %d mode tunnel\n",
						(kind == "policies" ? "add" : "update"), any, cidr, l, ip, reqid
			} else if (kind == "routes") {
				printf "route add %s dev eth0 table 2005 proto 229 scope link mtu %d\n", cidr, mtu
			} else if (kind == "del-states") {
				printf "xfrm state del src %s dst %s proto esp spi %d\n", l, ip, spi
				printf "xfrm state del src %s dst %s proto esp spi %d mark %s mask 0xffff0f00\n", ip, l, spi, inmark
			} else if (kind == "del-policies") {
				# Only the mark policy: iproute2 6.1 leaves XFRMA_MARK out of a
				# delete whose mark value is 0, so it cannot name the
				# node-originated policy (mark 0/0xf00); see del-pol0.
				printf "xfrm policy del src %s dst %s/%d dir out mark %s mask 0xffffff00\n", any, ip, host, outmark
				printf "xfrm policy del src %s dst %s dir out mark %s mask 0xffffff00\n", any, cidr, outmark
			} else if (kind == "del-pol0") {
				printf "xfrm policy deleteall src %s dst %s dir out\n", any, cidr
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

# === d. dual-stack: one peer sync of N peers with both families ===========
# Peers with an IPv4 and an IPv6 half (gen_peers' dual form) into a node
# enabled with both (node ip $LOCAL6, pod cidr fd01::/64) and keyed; the
# baseline is the IPv4 baseline above plus the same for the IPv6 halves
# (gen_batch's family 6), three batches per family, with both families'
# policy hash thresholds as tenc sets them (hthresh4 0/24, hthresh6 0/64).
# Afterwards each family's SAs, policies and routes are counted, and the
# two namespaces' objects compared dump against dump (below).

# norm_dump NS 4|6: one family's SAs (keys masked), per-peer policies
# (the node-wide ones, selector dst 0/0 or ::/0, are tenc's alone) and
# table 2005 routes, one object a line, sorted.
norm_dump() {
	{
		ip -n "$1" "-$2" -o xfrm state | sed -E 's/0x[0-9a-f]{40}/KEY/g' | sed 's/^/state /'
		ip -n "$1" "-$2" -o xfrm policy | grep -v ' dst \(0\.0\.0\.0\|::\)/0 ' |
			sed -E 's/index [0-9]+ //' | sed 's/^/policy /'
		ip -n "$1" "-$2" -o route show table 2005 | sed 's/^/route /'
	} | sed 's/[[:space:]]\+/ /g' | sort
}

# Warm-up, untimed: the first IPv6 SA loads IPv6 ESP's modules.
W6=$PREFIX-warm6
mknode6 warm6
enable_node6 "$W6" "$work/key1"
tn "$W6" peer add w1 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.200.0.0/24 --cidr fd02::/64 >/dev/null
tn "$W6" peer del w1 >/dev/null
for f in 4 6; do
	for k in states policies routes; do gen_batch 1 2 1 "$k" "$f" >"$work/warm6.$k.$f"; done
	for k in states policies routes; do timed "$W6" _ ip -batch "$work/warm6.$k.$f"; done
done
log "warmed up (IPv6)"

mknode6 base6
B6=$PREFIX-base6
ip -n "$B6" xfrm policy set hthresh4 0 24 hthresh6 0 64
for f in 4 6; do
	for k in states policies routes; do gen_batch 1 "$N" 1 "$k" "$f" >"$work/base6.$k.$f"; done
done
for f in 4 6; do
	log "baseline, dual-stack: ip -batch, IPv$f: $((2 * N)) states, $((3 * N)) policies, $N routes"
	timed "$B6" "b6_states_$f" ip -batch "$work/base6.states.$f"
	timed "$B6" "b6_pols_$f" ip -batch "$work/base6.policies.$f"
	timed "$B6" "b6_routes_$f" ip -batch "$work/base6.routes.$f"
done
check46 "$B6" "dual-stack baseline" "$((2 * N)) $((3 * N)) $N" "$((2 * N)) $((3 * N)) $N"
b6_4=$(awk -v a="$b6_states_4" -v b="$b6_pols_4" -v c="$b6_routes_4" 'BEGIN { printf "%.6f", a + b + c }')
b6_6=$(awk -v a="$b6_states_6" -v b="$b6_pols_6" -v c="$b6_routes_6" 'BEGIN { printf "%.6f", a + b + c }')
b6_sync=$(awk -v a="$b6_4" -v b="$b6_6" 'BEGIN { printf "%.6f", a + b }')
log "baseline, dual-stack: IPv4 $b6_4 s ($b6_states_4 + $b6_pols_4 + $b6_routes_4), IPv6 $b6_6 s ($b6_states_6 + $b6_pols_6 + $b6_routes_6); total $b6_sync s"

T6=$PREFIX-dual
mknode6 dual
enable_node6 "$T6" "$work/key1"
sa40=$(n_sa_f "$T6" 4) pol40=$(n_pol_f "$T6" 4) rt40=$(n_rt_f "$T6" 4) ipc40=$(n_ipc_f "$T6" 4)
sa60=$(n_sa_f "$T6" 6) pol60=$(n_pol_f "$T6" 6) rt60=$(n_rt_f "$T6" 6) ipc60=$(n_ipc_f "$T6" 6)
log "tenc, dual-stack: enabled (kernel before the peers: IPv4 $sa40 SAs, $pol40 policies, $rt40 routes, $ipc40 ipcache entries; IPv6 $sa60, $pol60, $rt60, $ipc60)"
gen_peers 1 "$N" dual >"$work/peers6.json"
log "tenc, dual-stack: peer sync of $N peers"
timed "$T6" t6_sync "$TENC" peer sync "$work/peers6.json"
sync6_cpu="$CPU_USER $CPU_SYS"
grep -q "^peers: $N added, 0 changed, 0 removed, 0 unchanged" "$work/last.out" ||
	fail "peer sync (dual-stack) said: $(cat "$work/last.out")"
check46 "$T6" "dual-stack peer sync" \
	"$((sa40 + 2 * N)) $((pol40 + 3 * N)) $((rt40 + N)) $((ipc40 + 2 * N))" \
	"$((sa60 + 2 * N)) $((pol60 + 3 * N)) $((rt60 + N)) $((ipc60 + 2 * N))"
log "tenc, dual-stack: peer sync took $t6_sync s (user/sys $sync6_cpu; baseline $b6_sync s)"
# The baseline's objects are tenc's, family by family: the same lines
# but for the keys (tenc derives one per SA) and tenc's node-wide ones.
for f in 4 6; do
	norm_dump "$T6" "$f" >"$work/dump.tenc.$f"
	norm_dump "$B6" "$f" >"$work/dump.base.$f"
	cmp -s "$work/dump.tenc.$f" "$work/dump.base.$f" || {
		diff "$work/dump.tenc.$f" "$work/dump.base.$f" | head -n 20 >&2
		fail "dual-stack: the baseline's IPv$f objects are not tenc's (diff tenc baseline above)"
	}
done
log "dual-stack: tenc's and the baseline's objects match, family by family ($(cat "$work"/dump.tenc.[46] | wc -l) lines), e.g. IPv6:"
awk '!seen[$1]++ || / priority 200 / && !seen["p200"]++' "$work/dump.base.6" | sed 's/^/  | /' >&2
# shellcheck disable=SC2086 # user and sys
result "dual-stack full sync, $N peers from empty" "$t6_sync" "$b6_sync" \
	"$(printf 'ip -batch, IPv4: %.2fs states + %.2fs policies + %.2fs routes; IPv6: %.2fs + %.2fs + %.2fs' \
		"$b6_states_4" "$b6_pols_4" "$b6_routes_4" "$b6_states_6" "$b6_pols_6" "$b6_routes_6")" \
	"per family $((2 * N)) SAs, $((3 * N)) policies, $N routes, equal to the baseline's dump for dump (keys masked); tenc also writes $((4 * N)) ipcache/ipcache6 entries and peers.json; IPv4-only sync above: ${t_sync}s" \
	$sync6_cpu

# --- the document ------------------------------------------------------------
jq -n --slurpfile r "$RES" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--argjson cpus "$(nproc)" --arg ip "$(ip -V)" --arg tenc "$("$TENC" version 2>/dev/null | head -n 1)" \
	--argjson n "$N" --argjson small "$SMALL" --argjson reps "$REPS" \
	--argjson add_small "$add_small" --argjson del_small "$del_small" --argjson sync_small "$t_sync_small" \
	--argjson ver_small "$ver_small" --argjson ver_big "$ver_big" \
	--argjson list_small "$list_small" --argjson list_big "$list_big" \
	--argjson nab "$(nl_json "$nl_add_big")" --argjson ndb "$(nl_json "$nl_del_big")" \
	--argjson nas "$(nl_json "$nl_add_small")" --argjson nds "$(nl_json "$nl_del_small")" \
	--argjson t6 "$t6_sync" --argjson b6 "$b6_sync" --argjson b64 "$b6_4" --argjson b66 "$b6_6" \
	--argjson total "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" \
	'{date: $date, kernel: $kernel, cpus: $cpus, iproute2: $ip, tenc: $tenc,
	  peers: $n, small_peers: $small, reps: $reps, guest_seconds: $total,
	  results: $r,
	  scaling: {peer_add_s: {small: $add_small, big: ($r[1].tenc_s)},
		    peer_del_s: {small: $del_small, big: ($r[2].tenc_s)},
		    tenc_version_s: {small: $ver_small, big: $ver_big},
		    peer_list_s: {small: $list_small, big: $list_big},
		    peer_sync_small_s: $sync_small},
	  netlink: {peer_add: {small: $nas, big: $nab}, peer_del: {small: $nds, big: $ndb}},
	  dual_stack: {peers: $n, tenc_s: $t6, baseline_s: $b6, baseline_ipv4_s: $b64, baseline_ipv6_s: $b66,
		       ratio: ($t6 / $b6 * 1000 | round / 1000), target_ratio: 1.0}}'
log "done"
