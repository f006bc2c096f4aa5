#!/usr/bin/env bash
# demo.sh: a three-node "cluster" of network namespaces on this machine,
# each node with a pod, joined by a bridge (the wire). tenc encrypts pod
# traffic between them; a capture on the wire shows only ESP, and tenc's
# own audit and trace say the same, flow by flow.
#
#   pod1 ─ node1 ─┐                  ┌─ node3 ─ pod3
#                 ├── wire (br0) ────┤
#   pod2 ─ node2 ─┘        └── ext (not a peer: plaintext)
#
# Needs a kernel with ESP and AES-GCM; `make demo` runs this inside the
# test VM (tests/vm) when the machine's kernel lacks them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TENC=${TENC:-$here/../build/tenc}
# No ESP in this kernel: run the same script inside the test VM.
if ! "$TENC" -j version | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["features"]["esp"]["available"] else 1)'; then
	echo "this kernel has no ESP: running the demo in the test VM (Debian's kernel under qemu)"
	exec "$here/../tests/vm/run.sh" --exec "$here/demo.sh"
fi
work=$(mktemp -d /tmp/tenc-demo.XXXXXX)
N=3

# The test suites' topology (tests/netns/topo.bash), driven by these.
T_PREFIX=tenc-demo T_DIR=$work T_NS=()
ns() { echo "$T_PREFIX-$1"; }
on() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
ns_add() {
	local n
	for n in "$@"; do
		ip netns add "$(ns "$n")"
		T_NS+=("$(ns "$n")")
		on "$n" ip link set lo up
	done
}
tenc_on() { local n=$1; shift; TENC_STATE_DIR="$work/$n" ip netns exec "$(ns "$n")" "$TENC" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# shellcheck source=../tests/netns/topo.bash
. "$here/../tests/netns/topo.bash"

cleanup() {
	for i in $(seq 1 $N); do tenc_on "node$i" disable >/dev/null 2>&1 || true; done
	for n in "${T_NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

step "building $N nodes with a pod each, and a non-peer host"
topo_up $N

step "one key for the cluster (cilium-ipsec-keys format; never shown again)"
(umask 077; "$TENC" key gen >"$work/key")
echo "written to $work/key, mode $(stat -c %a "$work/key")"

step "the nodes as kubectl would list them"
{
	echo '{"items": ['
	for i in $(seq 1 $N); do
		printf '{"metadata": {"name": "node%d"}, "spec": {"podCIDRs": ["10.1.%d.0/24"]}, ' "$i" "$i"
		printf '"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.%d"}]}}%s\n' "$i" \
			"$([ "$i" = $N ] && echo || echo ,)"
	done
	echo ']}'
} >"$work/nodes.json"
cat "$work/nodes.json"

for i in $(seq 1 $N); do
	step "node$i: tenc enable --encrypt, key add, peer sync"
	tenc_on "node$i" enable --encrypt --node-ip "10.0.0.$i" --pod-cidr "10.1.$i.0/24" --dev pod0
	tenc_on "node$i" key add "$work/key"
	tenc_on "node$i" peer sync "$work/nodes.json"
done

step "capturing the wire (and tenc trace on node1) while pod1 talks to pod2, node3, and the non-peer ext"
TENC_STATE_DIR="$work/node1" ip netns exec "$(ns node1)" "$TENC" trace >"$work/trace" 2>/dev/null &
trace_pid=$!
sleep 1 # the trace claims the events before the traffic starts
cap_start
on pod1 ping -c 3 -i 0.2 -p 54454e432d43414e415259 10.1.2.2
on pod1 ping -c 2 -i 0.2 10.0.0.3
on node1 ping -c 2 -i 0.2 10.1.3.2
on pod1 ping -c 2 -i 0.2 10.0.0.9
cap_stop
kill -INT "$trace_pid"
wait "$trace_pid" || true

step "node1: tenc trace (a line per new flow or verdict change)"
cut -c 25- "$work/trace"

step "what the wire saw (tcpdump -r wire.pcap)"
tcpdump -r "$work/wire.pcap" -nn 2>/dev/null | grep -v -e ARP -e ip6 -e IP6 | sed -E 's/^[0-9:.]+ //'
esp=$(tcpdump -r "$work/wire.pcap" -nn esp 2>/dev/null | wc -l)
plain=$(tcpdump -r "$work/wire.pcap" -nn 'icmp and not host 10.0.0.9' 2>/dev/null | wc -l)
echo "ESP packets: $esp; plaintext ICMP between peers: $plain"
if python3 -c "import sys; sys.exit(0 if b'TENC-CANARY' in open('$work/wire.pcap','rb').read() else 1)"; then
	echo "the canary payload appeared on the wire: LEAK" >&2
	exit 1
fi
echo "the canary payload never appeared on the wire"

step "node1: tenc status (read back from the kernel)"
tenc_on node1 status

step "node1: tenc audit (exit 0: no violation; 3 would mean a leak)"
tenc_on node1 audit
tenc_on node1 -j audit | python3 -c 'import json,sys; print("summary:", json.load(sys.stdin)["summary"])'

step "done: cleaning up"
