#!/usr/bin/env bash
# bench/run.sh - the benchmarks (`make bench`, which builds first).
# First bench/native.sh on this machine's kernel (one change with state
# files only, against the process start), then boots the test VM once
# (tests/vm/run.sh --exec: Debian's kernel under qemu, where ESP exists) to
# run bench/vm-bench.sh and then bench/vm-watch.sh (the watch benchmark);
# prints the results and writes them to build/bench/results.json and
# build/bench/results.md. BENCH_ONLY=watch (`make bench-watch`): the watch
# benchmark alone (no native part), into build/bench/watch.json and .md.
#
# Environment: BENCH_PEERS (5000), BENCH_SMALL (10), BENCH_REPS (5) are passed
# to the guest; TENC_VM_TIMEOUT (default 4 h here: the 5000-peer run takes
# a long while under TCG); V=0 hides the guest's progress (shown by default).
# Exit: 0 results written; 1 the benchmark failed (a command failed or the
# kernel did not hold what it should); 2 setup error or no result.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out=$repo/build/bench
cd "$repo"

[[ -x build/tenc ]] || { echo "bench: build/tenc missing: run make (or make bench)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: jq missing (make deps)" >&2; exit 2; }
mkdir -p "$out"
only=${BENCH_ONLY:-}
[[ -z $only || $only == watch ]] || { echo "bench: BENCH_ONLY is empty or watch, not '$only'" >&2; exit 2; }

export TENC_VM_TIMEOUT=${TENC_VM_TIMEOUT:-14400}
export V=${V:-1}
raw=$out/raw.json
# Natively first, with no VM taking the cores: under the lock that
# tests/vm/run.sh takes for a guest, released before our guest boots.
if [[ -z $only ]]; then
	cache=${TENC_VM_CACHE:-/var/cache/tenc-vm}
	mkdir -p "$cache"
	exec 8>"$cache/.run-lock"
	if ! flock -n 8; then
		echo "bench: a guest is running; waiting for it before the native measurements" >&2
		flock 8
	fi
	BENCH_PEERS="${BENCH_PEERS:-5000}" BENCH_SMALL="${BENCH_SMALL:-10}" bench/native.sh >"$out/native.json" ||
		{ echo "bench: bench/native.sh failed" >&2; exit 1; }
	exec 8>&-
fi
host_start=$(date +%s.%N)
# The host is shared: say how busy it was (other VMs skew the numbers).
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
others=$(pgrep -c -x qemu-system-x86 || true)
echo "bench: booting the test VM (qemu TCG); peers ${BENCH_PEERS:-5000}; timeout ${TENC_VM_TIMEOUT}s" >&2
rc=0
guest='bench/vm-bench.sh && bench/vm-watch.sh'
[[ -z $only ]] || guest=bench/vm-watch.sh
tests/vm/run.sh --exec env BENCH_PEERS="${BENCH_PEERS:-5000}" BENCH_SMALL="${BENCH_SMALL:-10}" \
	BENCH_REPS="${BENCH_REPS:-5}" bash -c "$guest" >"$raw.parts" || rc=$?
host_s=$(awk -v a="$host_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if ((rc)); then
	echo "bench: FAILED (exit $rc after ${host_s}s; guest console: build/vm/console.log)" >&2
	((rc == 1)) || rc=2
	exit "$rc"
fi
# The guest's documents (vm-bench.sh's, vm-watch.sh's {"watch": ...}) as one.
jq -s add "$raw.parts" >"$raw" 2>/dev/null && rm -f "$raw.parts" ||
	{ echo "bench: the guest printed no JSON ($raw.parts)" >&2; exit 2; }
jq -e '.watch.ratio' "$raw" >/dev/null 2>&1 ||
	{ echo "bench: the guest printed no watch results ($raw)" >&2; exit 2; }

# watch_md FILE: the watch benchmark's lines, from FILE's .watch.
watch_md() {
	jq -r '.watch |
		def r: . * 100 | round / 100;
		"Watch (`peer sync --watch`, kubectl form, \(.peers) nodes, kernel \(.kernel), \(.date)):",
		"",
		"| Measurement | value |",
		"|---|---:|",
		"| a. one-shot `peer sync -` of the node list | \(.one_shot_s | r) s |",
		"| b. `--watch`, the ADDED events until all are applied (\(.watch_batches) batch(es), apply \(.watch_batches_ms) ms) | \(.watch_added_s | r) s |",
		"| ratio b/a (target <= \(.target_ratio): \(if .ratio <= .target_ratio then "met" else "missed" end)) | \(.ratio | r) |",
		"| c. one MODIFIED (epoch): the batch'"'"'s apply time (-j ms) | \(.modified_ms) ms |",
		"| c. the same, from the write to its batch line (settle window in) | \(.modified_wall_s | r) s |",
		"| the same change by one-shot `peer sync -` | \(.one_shot_modified_s | r) s |",
		"| netlink of the MODIFIED batch: messages, bytes, dumps, bpf map changes | \(.modified_netlink | "\(.messages), \(.bytes), \(.dump_requests), \(.bpf_map_changes)") |",
		"| netlink of the one-shot change: messages, bytes, dumps, bpf map changes | \(.one_shot_modified_netlink | "\(.messages), \(.bytes), \(.dump_requests), \(.bpf_map_changes)") |"
	' "$1"
}

if [[ -n $only ]]; then
	jq --argjson h "$host_s" '. + {host_seconds: $h}' "$raw" >"$out/watch.json"
	rm -f "$raw"
	watch_md "$out/watch.json" >"$out/watch.md"
	cat "$out/watch.md"
	echo "bench: wrote $out/watch.json and $out/watch.md" >&2
	exit 0
fi
jq -e '.results | length > 0' "$raw" >/dev/null 2>&1 ||
	{ echo "bench: the guest printed no results ($raw)" >&2; exit 2; }
jq --argjson h "$host_s" --slurpfile native "$out/native.json" --arg qemu "$(qemu-system-x86_64 --version | head -n 1)" \
	--arg host "$(nproc) cpus, $(uname -r)" --arg l0 "$load_start" --arg l1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--argjson others "${others:-0}" \
	'. + {native: $native[0], host_seconds: $h, vm: "qemu TCG (no KVM), -smp 2, \($qemu)", host: $host,
	      host_load: {start: $l0, end: $l1, other_vms_at_start: $others}}' \
	"$raw" >"$out/results.json"
rm -f "$raw"

jq -r '
	def s: if . == null then "-" elif . < 1 then "\(. * 1000 | round) ms" else "\(. * 100 | round / 100) s" end;
	def ms: if . == null then "-" else "\(. * 10000 | round / 10) ms" end;
	def r: if . == null then "-" else "\(. * 100 | round / 100)" end;
	"Benchmarks: \(.peers) peers, \(.date), kernel \(.kernel) in \(.vm) on \(.host)",
	"",
	"| Measurement | tenc | baseline | tenc/baseline | tenc CPU user / sys | baseline (iproute2 6.1) |",
	"|---|---:|---:|---:|---:|---|",
	(.results[] | "| \(.name) | \(.tenc_s | s) | \(.baseline_s | s) | \(.ratio | r) | \(if .tenc_user_s then "\(.tenc_user_s | s) / \(.tenc_sys_s | s)" else "" end) | \(.baseline) |"),
	"",
	"Notes:",
	(.results[] | select(.note != "") | "- \(.name): \(.note)"),
	"",
	"One change at \(.small_peers) vs \(.peers) peers (median of \(.reps)): peer add \(.scaling.peer_add_s.small | s) vs \(.scaling.peer_add_s.big | s), peer del \(.scaling.peer_del_s.small | s) vs \(.scaling.peer_del_s.big | s); for scale, `tenc version` (process start) \(.scaling.tenc_version_s.small | s) vs \(.scaling.tenc_version_s.big | s), `tenc peer list` (loads the state files) \(.scaling.peer_list_s.small | s) vs \(.scaling.peer_list_s.big | s).",
	"",
	"Dual-stack, \(.dual_stack.peers) peers (IPv4 and IPv6 halves) in one `peer sync`: tenc \(.dual_stack.tenc_s | s), baseline \(.dual_stack.baseline_s | s) (IPv4 \(.dual_stack.baseline_ipv4_s | s) + IPv6 \(.dual_stack.baseline_ipv6_s | s)), ratio \(.dual_stack.ratio | r) (target <= \(.dual_stack.target_ratio): \(if .dual_stack.ratio <= .dual_stack.target_ratio then "met" else "missed" end)).",
	"",
	"| netlink, one command (strace) | messages | bytes sent | dump requests | bpf map changes |",
	"|---|---:|---:|---:|---:|",
	(.netlink | to_entries[] | .key as $k | .value | to_entries[] |
		"| \($k | sub("_"; " ")) at \(if .key == "small" then "small" else "big" end) | \(.value.messages) | \(.value.bytes) | \(.value.dump_requests) | \(.value.bpf_map_changes) |"),
	"",
	"Natively (\(.native.kernel), \(.native.cpus) cpus, state files only: the node is not enabled; median of \(.native.reps)), against the process start (`tenc help`) measured alongside:",
	"",
	"| One change, natively | at \(.native.small.peers) peers | at \(.native.big.peers) peers | `tenc help` (baseline) | ratio at \(.native.big.peers) |",
	"|---|---:|---:|---:|---:|",
	"| `peer add` | \(.native.small.peer_add_s | ms) | \(.native.big.peer_add_s | ms) | \(.native.big.baseline_help_s | ms) | \(.native.big.add_ratio | r) |",
	"| `peer del` | \(.native.small.peer_del_s | ms) | \(.native.big.peer_del_s | ms) | \(.native.big.baseline_help_s | ms) | \(.native.big.del_ratio | r) |",
	"| `tenc -j peer list` | \(.native.small.peer_list_s | ms) | \(.native.big.peer_list_s | ms) | | |",
	"| `tenc version` (probes the kernel) | \(.native.small.tenc_version_s | ms) | \(.native.big.tenc_version_s | ms) | | |",
	"",
	"Natively, peer sync of \(.native.big.peers) peers into an empty state dir \(.native.peer_sync_from_empty_s | ms), the same input again \(.native.peer_sync_unchanged_s | ms); peers.json \(.native.big.peers_json_bytes) bytes.",
	"",
	"Guest time \(.guest_seconds) s, host wall time \(.host_seconds) s (boot included). Host load average \(.host_load.start) at the start, \(.host_load.end) at the end; \(.host_load.other_vms_at_start) other VM(s) running at the start."
' "$out/results.json" |
	sed "s/at small |/at $(jq .small_peers "$out/results.json") peers |/; s/at big |/at $(jq .peers "$out/results.json") peers |/" \
		>"$out/results.md"
{ echo; watch_md "$out/results.json"; } >>"$out/results.md"
cat "$out/results.md"
echo "bench: wrote $out/results.json and $out/results.md" >&2
