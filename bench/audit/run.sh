#!/usr/bin/env bash
# bench/audit/run.sh - `make bench-audit`: what the audit costs, on this
# machine's kernel, as ratios against baselines measured in the same run.
#
# 1. Per packet (bench/audit/bpfbench.c `pkt`, BPF_PROG_TEST_RUN, REPEAT
#    runs per measurement, the kernel's mean ns per run, PKT_ROUNDS rounds):
#    tenc_from_pod (TCP from a local pod to a peer's pod, marked, its flow
#    already in the table) and tenc_to_wire (ESP to a peer's node ip), in
#    encrypt mode, at ENTRIES ipcache entries, and the same for IPv6 at
#    ENTRIES ipcache6 entries (tenc_from_pod on UDP after a hop-by-hop
#    header to a peer's pod, marked, its flow in flows6; tenc_to_wire on
#    ESP to a peer's IPv6 node ip), loaded as `tenc enable` loads them
#    (bpfdp_load) into a bpffs mounted here; against an empty tc program
#    and a program doing only the ipcache (ipcache6) lookup of the
#    destination (bench/audit/baseline.bpf.c, on the same maps). Target:
#    flow accounting adds at most 50 ns per packet (from_pod - lookup-only),
#    for both families.
# 2. `tenc audit` at scale: a namespace node (veth devices), `tenc enable`
#    WITHOUT --encrypt (observe only: this kernel may lack ESP, and SAs
#    cannot be installed without it; the audit then has no SAs to read),
#    `tenc peer sync` of PEERS peers, the ipcache filled to ENTRIES and
#    FLOWS flows written into the pinned flow table (bpfbench ipc-fill,
#    flows-fill). `tenc -j audit`, the table and --format prometheus are
#    timed (wall clock and max RSS, bench/audit/rtime.c) ROUNDS times,
#    alternating with the baseline: `bpfbench read`, the raw read of the
#    same two maps in batches, no correlation, no output (the data any
#    audit must read); `tenc -j peer list` (process start + loading the
#    state files) and `tenc -j status` (reads the same kernel state) are
#    shown for scale. Targets: <= 1 s, <= 150 MB max RSS. With perf, one
#    profiled `tenc -j audit` goes to build/bench/audit-perf.txt.
#
# Writes build/bench/audit-results.md and .json. Run as root after make
# (make bench-audit builds). Exit: 0 results written (targets met or not);
# 1 the run broke (a command failed, a check did not hold); 2 setup.
#
# Environment: BENCH_AUDIT_ENTRIES (100000), BENCH_AUDIT_FLOWS (100000),
# BENCH_AUDIT_PEERS (5000), BENCH_AUDIT_REPEAT (1000000),
# BENCH_AUDIT_PKT_ROUNDS (15), BENCH_AUDIT_ROUNDS (5), BENCH_AUDIT_PERF
# (1; 0 skips the profile).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
B=$repo/build/bench/audit
out=$repo/build/bench
TENC=${TENC:-$repo/build/tenc}
ENTRIES=${BENCH_AUDIT_ENTRIES:-100000}
FLOWS=${BENCH_AUDIT_FLOWS:-100000}
PEERS=${BENCH_AUDIT_PEERS:-5000}
REPEAT=${BENCH_AUDIT_REPEAT:-1000000}
PKT_ROUNDS=${BENCH_AUDIT_PKT_ROUNDS:-15}
ROUNDS=${BENCH_AUDIT_ROUNDS:-5}
PERF=${BENCH_AUDIT_PERF:-1}

log() { echo "bench-audit: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
[[ $(id -u) == 0 ]] || { log "needs root (bpffs, netns, BPF)"; exit 2; }
for f in "$TENC" "$B/bpfbench" "$B/rtime"; do
	[[ -x $f ]] || { log "$f missing: run make bench-audit"; exit 2; }
done
command -v jq >/dev/null || { log "jq missing (make deps)"; exit 2; }
((PEERS >= 1 && PEERS < 60000 && ENTRIES >= 2 * PEERS + 1 && ENTRIES <= 131070 && FLOWS >= 20 && ROUNDS >= 1 && PKT_ROUNDS >= 1)) ||
	{ log "bad BENCH_AUDIT_* values"; exit 2; }
mkdir -p "$out"
# The host may be shared: say how busy it was (other VMs skew the numbers).
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
others=$(pgrep -c -x qemu-system-x86 || true)

work=$(mktemp -d "${TMPDIR:-/tmp}/tenc-bench-audit.XXXXXX")
ns=tenc-bench-audit-$$
state=$work/state
pktfs=$work/bpffs
cleanup() {
	set +e
	mountpoint -q "$pktfs" && umount "$pktfs"
	ip netns del "$ns" 2>/dev/null
	mountpoint -q "$state/bpf" && umount -l "$state/bpf"
	rm -rf "$work"
}
trap cleanup EXIT


# === 1. per packet ==========================================================
mkdir -p "$pktfs"
mount -t bpf bpf "$pktfs"
log "BPF_PROG_TEST_RUN: $ENTRIES ipcache entries, repeat $REPEAT, $PKT_ROUNDS rounds"
"$B/bpfbench" pkt "$pktfs" "$ENTRIES" "$REPEAT" "$PKT_ROUNDS" >"$work/pkt.json" ||
	fail "bpfbench pkt failed"
umount "$pktfs"
jq -e '.runs.from_pod.median_ns > 0 and .runs.from_pod6.median_ns > 0' "$work/pkt.json" >/dev/null ||
	fail "no per-packet result"

# === 2. tenc audit at scale =================================================
# tn ARGS...: tenc as the namespace node.
tn() { TENC_STATE_DIR=$state ip netns exec "$ns" "$TENC" "$@"; }
log "audit: node in netns $ns (observe only), $PEERS peers, $ENTRIES ipcache entries, $FLOWS flows"
mkdir -p "$state"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name wire0
ip -n "$ns" link add pod0 type veth peer name pod1
ip -n "$ns" addr add 10.0.0.1/16 dev eth0
for d in eth0 wire0 pod0 pod1; do ip -n "$ns" link set "$d" up; done
tn enable --node-ip 10.0.0.1 --pod-cidr 10.1.0.0/24 --dev pod0 >"$work/enable.out" 2>&1 ||
	{ cat "$work/enable.out" >&2; fail "tenc enable failed"; }
gen_peers 1 "$PEERS" >"$work/peers.json"
tn peer sync "$work/peers.json" >"$work/sync.out" 2>&1 || { cat "$work/sync.out" >&2; fail "tenc peer sync failed"; }
grep -q "^peers: $PEERS added" "$work/sync.out" || fail "peer sync said: $(cat "$work/sync.out")"
"$B/bpfbench" ipc-fill "$state/bpf" "$ENTRIES" || fail "bpfbench ipc-fill failed"
"$B/bpfbench" flows-fill "$state/bpf" "$FLOWS" || fail "bpfbench flows-fill failed"

# What the audit sees must be what was written.
rc=0
tn -j audit >"$work/audit.json" 2>"$work/audit.err" || rc=$?
((rc == 0 || rc == 3)) || { cat "$work/audit.err" >&2; fail "tenc -j audit exited $rc"; }
jq -e --argjson f "$FLOWS" --argjson p "$PEERS" \
	'.summary.flows == $f and (.flows | length) == $f and (.sa_health | length) == $p and .encrypt == false' \
	"$work/audit.json" >/dev/null || fail "the audit does not hold $FLOWS flows and $PEERS peers"
"$B/bpfbench" read "$state/bpf" walk >"$work/read-walk.json" || fail "bpfbench read failed"
jq -e --argjson e "$ENTRIES" --argjson f "$FLOWS" '.ipcache == $e and .ipcache_walked == $e and .flows == $f' \
	"$work/read-walk.json" >/dev/null || fail "the maps hold $(cat "$work/read-walk.json"), not $ENTRIES entries, $FLOWS flows"
jq '{summary, no_key: (.no_key | length), sa_health: (.sa_health | length)}' "$work/audit.json" >"$work/audit-summary.json"
bytes_json=$(wc -c <"$work/audit.json")

# timed NAME OKCODES CMD...: one run of CMD (in the node's netns, stdout to
# /dev/null) appended to $work/t.NAME as "seconds maxrss_kb exit".
timed() {
	local name=$1 ok=$2 rc=0
	shift 2
	TENC_STATE_DIR=$state ip netns exec "$ns" "$B/rtime" "$work/t.$name" "$@" >/dev/null 2>"$work/err.$name" || rc=$?
	[[ " $ok " == *" $rc "* ]] || { cat "$work/err.$name" >&2; fail "$name: $* exited $rc"; }
}
for r in $(seq 1 "$ROUNDS"); do
	timed read 0 "$B/bpfbench" read "$state/bpf"
	timed audit_json "0 3" "$TENC" -j audit
	timed read 0 "$B/bpfbench" read "$state/bpf"
	timed audit_table "0 3" "$TENC" audit
	timed read 0 "$B/bpfbench" read "$state/bpf"
	timed audit_prom "0 3" "$TENC" audit --format prometheus
	timed peer_list 0 "$TENC" -j peer list
	timed status 0 "$TENC" -j status
	log "round $r/$ROUNDS: audit -j $(tail -n 1 "$work/t.audit_json" | cut -d' ' -f1) s," \
		"table $(tail -n 1 "$work/t.audit_table" | cut -d' ' -f1) s," \
		"prometheus $(tail -n 1 "$work/t.audit_prom" | cut -d' ' -f1) s," \
		"raw read $(tail -n 1 "$work/t.read" | cut -d' ' -f1) s"
done
# med NAME COL: median of column COL (1 seconds, 2 max RSS KiB) of NAME's runs.
med() {
	# shellcheck disable=SC2046 # one value per word
	median $(cut -d' ' -f"$2" "$work/t.$1")
}
{
	printf '{'
	sep=
	for n in read audit_json audit_table audit_prom peer_list status; do
		printf '%s"%s": {"s": %s, "rss_kb": %s, "runs": %s}' "$sep" "$n" "$(med "$n" 1)" "$(med "$n" 2)" \
			"$(jq -Rsc 'split("\n") | map(select(. != "") | split(" ") | map(tonumber))' "$work/t.$n")"
		sep=', '
	done
	printf '}\n'
} >"$work/audit-times.json"

# The profile: where one `tenc -j audit` spends its time.
perf_note="not profiled (BENCH_AUDIT_PERF=0 or no perf)"
if [[ $PERF != 0 ]] && command -v perf >/dev/null; then
	TENC_STATE_DIR=$state ip netns exec "$ns" perf record -q -F 1999 --call-graph dwarf,16384 \
		-o "$work/perf.data" "$TENC" -j audit >/dev/null 2>"$work/perf.err" || true
	if [[ -s $work/perf.data ]]; then
		perf report -i "$work/perf.data" --children --sort sym --stdio -g none >"$work/perf.txt" 2>/dev/null || true
		{
			echo "# perf record --call-graph dwarf of one \`tenc -j audit\` ($FLOWS flows, $ENTRIES ipcache entries, $PEERS peers)"
			echo "# inclusive share of samples (children), top entries"
			grep '%' "$work/perf.txt" | head -n 70 || true
		} >"$out/audit-perf.txt"
		grep -q '%' "$out/audit-perf.txt" && perf_note="build/bench/audit-perf.txt"
	else
		perf_note="perf record failed: $(head -n 1 "$work/perf.err")"
	fi
fi

# === results ================================================================
jq -n --slurpfile pkt "$work/pkt.json" --slurpfile t "$work/audit-times.json" \
	--slurpfile walk "$work/read-walk.json" --slurpfile sum "$work/audit-summary.json" \
	--arg kernel "$(uname -r)" --arg cpu "$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg load0 "$load_start" --argjson vms "${others:-0}" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg jit "$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo '?')" \
	--arg bstats "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo '?')" \
	--arg perf "$perf_note" --argjson peers "$PEERS" --argjson json_bytes "$bytes_json" '
	def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	# median over rounds of a - b, paired round by round
	def diff($a; $b): [range(0; $a.rounds_ns | length) | $a.rounds_ns[.] - $b.rounds_ns[.]] | med;
	$pkt[0] as $p | $p.runs as $r | $t[0] as $t |
	{
		date: $date, kernel: $kernel, cpu: $cpu, loadavg_start: $load0, loadavg_end: $load,
		other_vms_at_start: $vms, bpf_jit_enable: $jit,
		bpf_stats_enabled: $bstats, profile: $perf,
		pkt: ($p + {
			from_pod_minus_lookup_ns: diff($r.from_pod; $r.lookup_pod),
			to_wire_minus_lookup_ns: diff($r.to_wire; $r.lookup_esp),
			from_pod_minus_empty_ns: diff($r.from_pod; $r.empty),
			to_wire_minus_empty_ns: diff($r.to_wire; $r.empty),
			from_pod6_minus_lookup_ns: diff($r.from_pod6; $r.lookup_pod6),
			to_wire6_minus_lookup_ns: diff($r.to_wire6; $r.lookup_esp6),
			from_pod6_minus_empty_ns: diff($r.from_pod6; $r.empty),
			steps_ns: {
				parse_cfg_mark: diff($r.step1_no_accounting; $r.lookup_pod),
				flow_lookup: diff($r.step2_flow_lookup; $r.step1_no_accounting),
				clock: diff($r.step3_clock; $r.step2_flow_lookup),
				atomics_updates: diff($r.step4_atomics; $r.step3_clock),
				rest: diff($r.from_pod; $r.step4_atomics),
				accounting: diff($r.from_pod; $r.step1_no_accounting),
				ktime_minus_lookup: diff($r.ktime_clock; $r.lookup_pod),
				ktime_costs: diff($r.ktime_clock; $r.step4_atomics)
			},
			steps6_ns: {
				fixed_header_cfg_mark: diff($r.step6_0_fixed_header; $r.lookup_pod6),
				ext_headers_l4: diff($r.step6_1_no_accounting; $r.step6_0_fixed_header),
				flow_lookup: diff($r.step6_2_flow_lookup; $r.step6_1_no_accounting),
				clock: diff($r.step6_3_clock; $r.step6_2_flow_lookup),
				atomics_updates: diff($r.step6_4_atomics; $r.step6_3_clock),
				rest: diff($r.from_pod6; $r.step6_4_atomics),
				accounting: diff($r.from_pod6; $r.step6_1_no_accounting)
			}
		}),
		audit: {peers: $peers, summary: $sum[0], json_bytes: $json_bytes, times: $t, read_walk: $walk[0]}
	}' >"$out/audit-results.json"

jq -r '
	def ns: "\(. * 10 | round / 10) ns";
	def s: "\(. * 1000 | round / 1000) s";
	def mb: "\(. / 1024 * 10 | round / 10) MB";
	def r: "\(. * 100 | round / 100)";
	def met(c): if c then "yes" else "**no**" end;
	.pkt as $p | $p.runs as $r | .audit as $a | $a.times as $t |
	"# tenc audit benchmarks (`make bench-audit`)",
	"",
	"\(.date), kernel \(.kernel), \(.cpu), load average \(.loadavg_start) at the start, \(.loadavg_end) at the end, \(.other_vms_at_start) other qemu VMs running at the start; bpf_jit_enable \(.bpf_jit_enable), bpf_stats_enabled \(.bpf_stats_enabled).",
	"",
	"| Measurement | tenc | baseline | ratio | target | met? |",
	"|---|---:|---:|---:|---|---|",
	"| `tenc_from_pod`, TCP to a peer pod, marked, flow known (per packet) | \($r.from_pod.median_ns | ns) | \($r.lookup_pod.median_ns | ns) (lookup only) | \($r.from_pod.median_ns / $r.lookup_pod.median_ns | r) | | |",
	"| `tenc_from_pod` − lookup only (flow accounting, parsing, mark) | \($p.from_pod_minus_lookup_ns | ns) | | | ≤ 50 ns | \(met($p.from_pod_minus_lookup_ns <= 50)) |",
	"| `tenc_from_pod` against an empty program | \($r.from_pod.median_ns | ns) | \($r.empty.median_ns | ns) (empty) | \($r.from_pod.median_ns / $r.empty.median_ns | r) | | |",
	"| `tenc_to_wire`, ESP to a peer node ip (per packet) | \($r.to_wire.median_ns | ns) | \($r.lookup_esp.median_ns | ns) (lookup only) | \($r.to_wire.median_ns / $r.lookup_esp.median_ns | r) | | |",
	"| `tenc_to_wire` − lookup only | \($p.to_wire_minus_lookup_ns | ns) | | | (≤ 50 ns, same bound) | \(met($p.to_wire_minus_lookup_ns <= 50)) |",
	"| `tenc_from_pod`, IPv6 UDP after a hop-by-hop header to a peer pod, marked, flow known (per packet) | \($r.from_pod6.median_ns | ns) | \($r.lookup_pod6.median_ns | ns) (ipcache6 lookup only) | \($r.from_pod6.median_ns / $r.lookup_pod6.median_ns | r) | | |",
	"| `tenc_from_pod` IPv6 − lookup only (flow accounting, parsing past the extension header, mark) | \($p.from_pod6_minus_lookup_ns | ns) | | | ≤ 50 ns | \(met($p.from_pod6_minus_lookup_ns <= 50)) |",
	"| `tenc_from_pod` IPv6 against an empty program | \($r.from_pod6.median_ns | ns) | \($r.empty.median_ns | ns) (empty) | \($r.from_pod6.median_ns / $r.empty.median_ns | r) | | |",
	"| `tenc_to_wire`, IPv6 ESP to a peer node ip (per packet) | \($r.to_wire6.median_ns | ns) | \($r.lookup_esp6.median_ns | ns) (lookup only) | \($r.to_wire6.median_ns / $r.lookup_esp6.median_ns | r) | | |",
	"| `tenc_to_wire` IPv6 − lookup only | \($p.to_wire6_minus_lookup_ns | ns) | | | (≤ 50 ns, same bound) | \(met($p.to_wire6_minus_lookup_ns <= 50)) |",
	"| `tenc -j audit` (wall) | \($t.audit_json.s | s) | \($t.read.s | s) (raw read) | \($t.audit_json.s / $t.read.s | r) | ≤ 1 s | \(met($t.audit_json.s <= 1)) |",
	"| `tenc audit` (table) | \($t.audit_table.s | s) | \($t.read.s | s) (raw read) | \($t.audit_table.s / $t.read.s | r) | ≤ 1 s | \(met($t.audit_table.s <= 1)) |",
	"| `tenc audit --format prometheus` | \($t.audit_prom.s | s) | \($t.read.s | s) (raw read) | \($t.audit_prom.s / $t.read.s | r) | ≤ 1 s | \(met($t.audit_prom.s <= 1)) |",
	"| `tenc -j audit` max RSS | \($t.audit_json.rss_kb | mb) | \($t.read.rss_kb | mb) (raw read) | \($t.audit_json.rss_kb / $t.read.rss_kb | r) | ≤ 150 MB | \(met($t.audit_json.rss_kb <= 150 * 1024)) |",
	"| `tenc audit` (table) max RSS | \($t.audit_table.rss_kb | mb) | \($t.read.rss_kb | mb) (raw read) | \($t.audit_table.rss_kb / $t.read.rss_kb | r) | ≤ 150 MB | \(met($t.audit_table.rss_kb <= 150 * 1024)) |",
	"| `tenc audit --format prometheus` max RSS | \($t.audit_prom.rss_kb | mb) | \($t.read.rss_kb | mb) (raw read) | \($t.audit_prom.rss_kb / $t.read.rss_kb | r) | ≤ 150 MB | \(met($t.audit_prom.rss_kb <= 150 * 1024)) |",
	"",
	"Per packet: BPF_PROG_TEST_RUN, the kernel'\''s mean ns per run over \($p.repeat) runs, median of \($p.rounds) rounds (differences: median of the per-round differences); \($p.ipcache_entries) ipcache entries as tenc writes them (\($p.peers) peers: node ip /32 NODE and pod cidr /24, SPI 1; one local pod cidr) and \($p.ipcache6_entries) ipcache6 entries of the same peers (node ip /128, pod cidr /64), \($p.flows_in_table) flows in the table and \($p.flows6_in_table) in flows6, encrypt mode; tenc'\''s programs loaded as `tenc enable` loads them. Baselines (bench/audit/baseline.bpf.c) on the same maps: an empty tc program, and one doing only the ipcache (ipcache6) lookup of the destination.",
	"",
	"Where `tenc_from_pod` − lookup only goes (bench_step1..4, tenc_from_pod rebuilt step by step): parsing + config + mark \($p.steps_ns.parse_cfg_mark | ns), flow table lookup \($p.steps_ns.flow_lookup | ns), `bpf_jiffies64` + stamp \($p.steps_ns.clock | ns), two atomic adds + updates \($p.steps_ns.atomics_updates | ns), rest \($p.steps_ns.rest | ns); the flow accounting alone (`tenc_from_pod` − step 1) \($p.steps_ns.accounting | ns). What-if (not tenc'\''s code): step 4 with `bpf_ktime_get_ns` per packet (bench_ktime) costs \($p.steps_ns.ktime_costs | ns) more than with jiffies, \($p.steps_ns.ktime_minus_lookup | ns) over the lookup only.",
	"",
	"Where `tenc_from_pod` IPv6 − lookup only goes (bench_step6_0..4, on the UDP packet after a hop-by-hop header): the fixed header (checks, the key'\''s addresses) + config + mark \($p.steps6_ns.fixed_header_cfg_mark | ns), the extension header walk and the ports \($p.steps6_ns.ext_headers_l4 | ns), flows6 lookup (40-byte key) \($p.steps6_ns.flow_lookup | ns), `bpf_jiffies64` + stamp \($p.steps6_ns.clock | ns), two atomic adds + updates \($p.steps6_ns.atomics_updates | ns), rest \($p.steps6_ns.rest | ns); the flow accounting alone (`tenc_from_pod` IPv6 − step6 1) \($p.steps6_ns.accounting | ns).",
	"",
	"Audit: a namespace node in **observe-only mode** (`tenc enable` without `--encrypt`): this host'\''s kernel has no ESP, so no SA can be installed and the audit had no SAs or XFRM policies to read or correlate (every claimed-encrypted flow is reported dropped: no SA). \($a.peers) peers (`tenc peer sync`), \($a.read_walk.ipcache) ipcache entries (the rest written to the pinned map, /24s of those peers), \($a.summary.summary.flows) flows written to the pinned flow table (\($a.summary.summary.encrypted) encrypted, \($a.summary.summary.dropped) dropped, \($a.summary.summary.violation) violation, \($a.summary.summary.plaintext) plaintext, \($a.summary.summary.local) local as the audit judged them); \($a.summary.no_key) ipcache entries listed as not encrypting. Median of \($t.audit_json.runs | length) runs each, wall clock and max RSS (bench/audit/rtime.c, wait4), stdout to /dev/null; the JSON is \($a.json_bytes / 1048576 * 10 | round / 10) MB. Baseline: the raw read of the same two maps in batches (`bpfbench read`: flows and ipcache with bpf_map_lookup_batch, no correlation, no output). For scale: `tenc -j peer list` (process start, loading \($a.peers) peers) \($t.peer_list.s | s), \($t.peer_list.rss_kb | mb); `tenc -j status` (reads the same kernel state) \($t.status.s | s), \($t.status.rss_kb | mb).",
	"",
	"Reading the ipcache: \($a.read_walk.ipcache_walk_s | s) walked entry by entry (get_next_key + lookup, as lib/kernel/bpfdp.c ipcache_dump), \($a.read_walk.ipcache_batch_s | s) with bpf_map_lookup_batch; the flow table in batches \($a.read_walk.flows_batch_s | s). Profile: \(.profile)."
' "$out/audit-results.json" >"$out/audit-results.md"
cat "$out/audit-results.md"
