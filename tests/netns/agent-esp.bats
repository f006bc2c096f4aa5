#!/usr/bin/env bats
# agent-esp.bats: the node agent (deploy/tenc-node.sh) in the image (make
# image), encrypting, on three namespace nodes against the API server
# double (tests/netns/k8s.bash), with the wire captured from before the
# first node joins to the end (issue 12's VM test). The script: the nodes
# join one by one; node2's pod CIDRs grow; the key Secret changes on every
# node under continuous traffic; node2 reboots (kernel state flushed, its
# agent restarted on the same state dir); node3 is deleted. Each pair is
# encrypted within 2 s of the later of its two nodes' last events (both
# nodes hold the pair's SAs, under each other's advertised epoch, with no
# drift), and then carries a ping both ways (a grown CIDR: both peers
# encrypt to it within 2 s; the node itself, through its own Node watch,
# takes it within 4 s); the rotation loses nothing;
# the reboot recovers with no step by hand; the deleted node's objects go.
# Pod traffic is only sent once its pair is encrypted, as pods on a node
# the agent has not set up yet would not be scheduled; so the capture must
# hold no packet with a pod address outside ESP and no canary, throughout.
# Needs ESP and AES-GCM: skips on the host, fails in the VM lane.

load helpers
load topo
load k8s
load live

test_setup() {
	need_root
	need_feature esp
	need_feature aes_gcm
	need_image
	topo_up 3
	k8s_start
}

test_teardown() { k8s_teardown; }

# Each poll runs tenc status and python on up to three nodes: under TCG
# a tight loop of them would take the CPU from the agents it waits for.
# The times checked come from the agents' logs, not from the polls.
WAIT_EVERY=0.5

# status_is I PYTHON: PYTHON (an expression over j, node I's tenc -j
# status) is true.
status_is() {
	tenc_on "node$1" -j status |
		python3 -c 'import json, sys; j = json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}

# pair_half I J: node I holds node J as a peer under J's advertised epoch,
# with an IN and an OUT SA, and shows no drift.
pair_half() {
	local epoch
	epoch=$(k8s_annotated "node$2" tenc.io/epoch)
	[ -n "$epoch" ] || return 1
	status_is "$1" "j['drift'] == [] and any(p['name'] == 'node$2' and p.get('epoch') == '$epoch' and
		{s['dir'] for s in p['sas']} == {'in', 'out'} for p in j['peers'])"
}
pair_up() { pair_half "$1" "$2" && pair_half "$2" "$1"; }

# last_event I...: the newest event time among nodes I... (API log).
last_event() {
	local i
	for i in "$@"; do awk -v n="node$i" '$3 == n && $2 ~ /^(ADDED|MODIFIED)$/ { s = $1 } END { print s }' "$K/log"; done |
		sort -n | tail -n1
}

# converged_at T I...: when the last converge of agents I... before T
# ended: the time of its line in the agent's log (a watch batch, a sync,
# an enable; printed once the kernel holds its changes).
converged_at() {
	local t=$1 i
	shift
	for i in "$@"; do
		awk -v t="$t" '$1 <= t && ($2 == "batch:" || $2 == "peers:" ||
			($2 == "tenc" && ($3 == "encrypting" || $3 == "observing"))) { s = $1 } END { print s }' \
			"$T_DIR/agent$i.log"
	done | sort -n | tail -n1
}

# within S WHAT T0 I... -- CMD...: wait for CMD (which the tests' own
# polling under TCG makes slow to see), then fail unless the converge of
# agents I... that made it true ended within S s of T0 (a CLOCK_REALTIME
# time from the API log). within2: S = 2, the pairs' bound.
within() {
	local s=$1 what=$2 t0=$3 nodes=() t1 tc
	shift 3
	while [ "$1" != -- ]; do nodes+=("$1"); shift; done
	shift
	wait_until "$what" "$@"
	t1=$EPOCHREALTIME
	tc=$(converged_at "$t1" "${nodes[@]}")
	awk -v a="$t0" -v b="$tc" -v c="$t1" -v w="$what" -v s="$s" 'BEGIN {
		printf "%s: converged %.2f s after the event (seen by the test after %.2f s)\n", w, b - a, c - a
		exit !(b != "" && b - a <= s) }'
}
within2() { within 2 "$@"; }

# paired I J: pair (I, J) encrypted within 2 s of the later node's last
# event, then a ping each way between their pods.
paired() {
	within2 "pair node$1-node$2 encrypted" "$(last_event "$1" "$2")" "$1" "$2" -- pair_up "$1" "$2"
	on "pod$1" ping -q -c 1 -W 5 "10.1.$2.2"
	on "pod$2" ping -q -c 1 -W 5 "10.1.$1.2"
}

# join I: node I's Node object, then its agent; waits for its annotations.
join() {
	k8s join "node$1" "10.0.0.$1" "10.1.$1.0/24"
	agent_start "$1" TENC_POLL=2
	wait_until -p "${AGENT[$1]}" "node$1's annotations" has_epoch "$1"
}
has_epoch() { [ -n "$(k8s_annotated "node$1" tenc.io/epoch)" ]; }

# keys_only I SPI: node I holds key SPI alone (the rotation finished).
keys_only() { [ "$(tenc_on "node$1" -j key list | json_get "[k['spi'] for k in j['keys']]")" = "[$2]" ]; }
rotated() { keys_only 1 "$1" && keys_only 2 "$1" && keys_only 3 "$1"; }

# gone_from I: node I has no peer, SA, policy or ipcache entry of node3.
gone_from() {
	status_is "$1" "j['drift'] == [] and not [p for p in j['peers'] if p['name'] == 'node3']" &&
		! on "node$1" ip xfrm state | grep -q 10.0.0.3 &&
		! on "node$1" ip xfrm policy | grep -q '10.0.0.3\|10.1.3.0'
}

@test "agent in the image, encrypting: joins, a CIDR grows, a key Secret change under traffic, a reboot, a delete: each pair within 2 s, 0 lost, 0 plaintext" {
	key1=$("$TENC" key gen)
	cap_start
	secret_put "$key1" 1 2 3

	join 1
	join 2
	paired 1 2
	join 3
	paired 1 3
	paired 2 3

	# node2's pod CIDRs grow: a second pod address there, routed as a CNI
	# would, used only once both peers and node2 itself have it.
	on node2 ip addr add 10.1.12.1/24 dev pod0
	on pod2 ip addr add 10.1.12.2/24 dev eth0
	on node1 ip route add 10.1.12.0/24 via 10.0.0.2
	on node3 ip route add 10.1.12.0/24 via 10.0.0.2
	k8s cidrs node2 10.1.2.0/24 10.1.12.0/24
	t0=$(last_event 2)
	# The pairs' encryption to the new CIDR is the peers' work (their OUT
	# SAs, policies and ipcache entries): within 2 s. node2's own
	# re-enable (its LOCAL entry) comes through its watch of its own
	# Node, a second watch through the API double; measured 2.6 s under
	# TCG here (the peers: 1.0 to 1.2 s), so its bound is 4 s.
	within2 "node1 and node3 encrypt to node2's new CIDR" "$t0" 1 3 -- peers_grown
	within 4 "node2 has its new CIDR itself" "$t0" 2 -- self_grown
	on pod1 ping -q -c 1 -W 5 10.1.12.2
	on pod3 ping -q -c 1 -W 5 10.1.12.2

	# The key Secret changes on every node under traffic: each agent
	# rotates (tenc key rotate --auto), nothing is lost, and the rotation
	# ends while the traffic still flows.
	# (--auto's phases: its grace of 10 s twice, then 10 s of quiet on the
	# old key: about 40 s under TCG with the agents' polls.)
	key2=$("$TENC" key gen | sed "s/^1+/2+/") # a new key at the next SPI
	traffic_start 90
	secret_put "$key2" 1 2 3
	WAIT_S=90 wait_until -p "$P1" "every node rotated to spi 2" rotated 2
	kill -0 "$P1" # the traffic outlasted the rotation
	traffic_check

	# node2 reboots: its agent ends, its kernel state is flushed, the
	# host's bpffs is new; the agent starts again on the same state dir.
	epoch=$(k8s_annotated node2 tenc.io/epoch)
	agent_stop 2
	reboot node2
	agent_start 2 TENC_POLL=2
	wait_until -p "${AGENT[2]}" "node2's new epoch" new_epoch "$epoch"
	paired 1 2
	paired 2 3

	# node3 is deleted (its agent gone first, as a drained node's is).
	agent_stop 3
	k8s delete node3
	t0=$(k8s_last DELETED node3)
	within2 "node3's objects gone from node1 and node2" "$t0" 1 2 -- gone_both
	on pod1 ping -q -c 1 -W 5 10.1.2.2

	cap_stop
	no_plaintext
	[ "$(cap_count esp)" -gt 0 ]
	no_unsupported
}

peers_grown() {
	local i
	for i in 1 3; do
		status_is "$i" "j['drift'] == [] and any(p['name'] == 'node2' and
			'10.1.12.0/24' in [e['prefix'] for e in p['ipcache']] for p in j['peers'])" || return 1
	done
}
self_grown() { status_is 2 "j['drift'] == [] and '10.1.12.0/24' in j['pod_cidrs']"; }
new_epoch() { local e; e=$(k8s_annotated node2 tenc.io/epoch); [ -n "$e" ] && [ "$e" != "$1" ]; }
gone_both() { gone_from 1 && gone_from 2; }
