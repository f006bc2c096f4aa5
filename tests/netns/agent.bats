#!/usr/bin/env bats
# agent.bats: the node agent (deploy/tenc-node.sh) in the image (make
# image), one per namespace node, against the API server double
# (tests/netns/k8s.bash), in observe-only mode (the chart's
# encryption.enabled=false: no key, no SA), so on every lane: nodes join
# one by one and each peers the others from the watch; the annotations
# are published; a node's pod CIDR grows (its peers learn it from the
# watch, the node itself re-enables from the watch of its own Node); a
# reboot (kernel state flushed, agent restarted) gets a new epoch that its
# peers learn; a deleted node leaves every peer list; the readiness probe
# in the image; kubectl called only as the double knows it; dual-stack
# Nodes (an InternalIP of each family, pod CIDRs of both) enable and peer
# both families. The encrypted
# run, with traffic and captures, is agent-esp.bats (VM lane).

load helpers
load topo
load k8s
load live

test_teardown() { k8s_teardown; }

test_setup() {
	need_root
	need_image
	topo_up 3
	k8s_start
}

# peer_of I NAME EXPR: EXPR on node I's peer NAME (tenc -j peer list), or
# None when it has no such peer.
peer_of() {
	tenc_on "node$1" -j peer list | json_get "(lambda p: p and $3)(next((p for p in j['peers'] if p['name'] == '$2'), None))"
}
has_peer() { [ "$(peer_of "$1" "$2" "p['node_ip']")" = "$3" ]; }
peer_cidrs() { peer_of "$1" "$2" "' '.join(p['cidrs'])"; }
peer_epoch() { peer_of "$1" "$2" "p['epoch']"; }
no_peer() { [ "$(tenc_on "node$1" -j peer list | json_get "[p['name'] for p in j['peers'] if p['name'] == '$2']")" = "[]" ]; }
pod_cidrs() { tenc_on "node$1" -j status | json_get "' '.join(j['pod_cidrs'])"; }
pod_cidrs6() { tenc_on "node$1" -j status | json_get "' '.join(j.get('pod_cidrs6', []))"; }
peer_cidrs6() { peer_of "$1" "$2" "' '.join(p.get('cidrs6', []))"; }

# join I [CIDR...]: node I's Node object (ADDED), then its agent.
join() {
	local i=$1
	shift
	k8s join "node$i" "10.0.0.$i" "${@:-10.1.$i.0/24}"
	agent_start "$i" TENC_ENCRYPT=0 TENC_POLL=10 # a change of its Node must wake it
	wait_until -p "${AGENT[$i]}" "node$i's annotations" annotated "node$i"
}
annotated() { awk -v n="$1" '$2 == "annotate" && $3 == n { f = 1 } END { exit !f }' "$K/log"; }
# is CMD OUT...: is the output of CMD the words OUT (for wait_until).
is() { local c=$1; shift; [ "$($c)" = "$*" ]; }
isnt() { ! is "$@"; }

@test "agent, observe-only: joins, a pod CIDR grows, a reboot, a delete; peers follow the watch; ready; kubectl as the double knows it" {
	join 1
	join 2
	wait_until "node1 peers node2" has_peer 1 node2 10.0.0.2
	wait_until "node2 peers node1" has_peer 2 node1 10.0.0.1
	join 3
	for i in 1 2; do wait_until "node$i peers node3" has_peer $i node3 10.0.0.3; done
	for j in 1 2; do wait_until "node3 peers node$j" has_peer 3 node$j 10.0.0.$j; done
	for i in 1 2 3; do
		[ -n "$(k8s_annotated node$i tenc.io/epoch)" ]
		wait_until "node$i ready" agent_ready $i
	done

	# node2's pod CIDRs grow: its peers learn it from the node watch, node2
	# re-enables from the watch of its own Node.
	k8s cidrs node2 10.1.2.0/24 10.1.12.0/24
	for i in 1 3; do wait_until "node$i sees node2's new CIDR" is "peer_cidrs $i node2" 10.1.2.0/24 10.1.12.0/24; done
	wait_until "node2 enabled with both CIDRs" is "pod_cidrs 2" 10.1.2.0/24 10.1.12.0/24
	# woken by its Node's watch, not at its next poll
	t0=$(k8s_last MODIFIED node2)
	t1=$(awk '/tenc-node: node ip 10.0.0.2 pod cidrs 10.1.2.0\/24 10.1.12.0\/24/ { print $1; exit }' "$T_DIR/agent2.log")
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "node2 saw its new CIDR %.2f s after the event\n", b - a; exit !(b != "" && b - a < 1) }'

	# A reboot of node2: its agent ends, its kernel state is gone, the
	# agent starts again with the same state dir: a new epoch, published,
	# which its peers take.
	epoch=$(k8s_annotated node2 tenc.io/epoch)
	agent_stop 2
	reboot node2
	agent_start 2 TENC_ENCRYPT=0
	wait_until "node2's new epoch published" isnt "k8s_annotated node2 tenc.io/epoch" "$epoch"
	new=$(k8s_annotated node2 tenc.io/epoch)
	for i in 1 3; do wait_until "node$i has node2's new epoch" is "peer_epoch $i node2" "$new"; done
	wait_until "node2 ready after the reboot" agent_ready 2
	has_peer 2 node1 10.0.0.1
	has_peer 2 node3 10.0.0.3

	# node3 is deleted (its agent gone first, as a drained node's is).
	agent_stop 3
	k8s delete node3
	for i in 1 2; do wait_until "node3 gone from node$i" no_peer $i node3; done
	for i in 1 2; do
		[ "$(on node$i ip route show table 2005 | grep -c 10.1.3.0)" -eq 0 ]
		[ "$(tenc_on node$i -j status | json_get "[p for p in j['peers'] if p['name'] == 'node3']")" = "[]" ]
		agent_ready $i
	done
	no_unsupported
}

@test "agent: no node ip or pod CIDR yet: it waits, then enables when the Node has both" {
	k8s join node1 10.0.0.1 10.1.1.0/24
	k8s join node2 10.0.0.2 # registered, no pod CIDR yet
	agent_start 1 TENC_ENCRYPT=0
	agent_start 2 TENC_ENCRYPT=0
	wait_line "$T_DIR/agent2.log" "has no InternalIP or pod CIDR yet" "${AGENT[2]}"
	tenc_on node2 -j status
	[ "$(tenc_on node2 -j status | json_get "j['enabled']")" = False ]
	! agent_ready 2 || false
	k8s cidrs node2 10.1.2.0/24
	wait_until -p "${AGENT[2]}" "node2 enabled" agent_ready 2
	wait_until "node1 peers node2" has_peer 1 node2 10.0.0.2
	wait_until "node2 peers node1" has_peer 2 node1 10.0.0.1
	no_unsupported
}

@test "agent: a Secret line with a bad format or an SPI in use is refused and reported; the running key stays" {
	(umask 077; "$TENC" key gen >"$T_DIR/k1")
	secret_put "$(cat "$T_DIR/k1")" 1
	k8s join node1 10.0.0.1 10.1.1.0/24
	agent_start 1 TENC_ENCRYPT=0
	wait_until -p "${AGENT[1]}" "node1's key added" is "key_fps 1" "1:$(fp_of "$T_DIR/k1")"
	before=$(key_fps 1)

	secret_put "2+ rfc4106(gcm(aes)) 0123zz 128" 1 # not hex
	wait_line "$T_DIR/agent1.log" "key rotate --auto exited 2; the running key stays" "${AGENT[1]}"
	grep -q "key (field 3): not hex" "$T_DIR/agent1.log"
	[ "$(key_fps 1)" = "$before" ]

	(umask 077; "$TENC" key gen >"$T_DIR/k3") # another key at spi 1, the one in use
	secret_put "$(cat "$T_DIR/k3")" 1
	wait_until -p "${AGENT[1]}" "the second refusal" refusals 2
	grep -q "spi: 1 is still installed" "$T_DIR/agent1.log"
	[ "$(key_fps 1)" = "$before" ]
	! grep -q "$(cut -d' ' -f3 "$T_DIR/k3")" "$T_DIR/agent1.log" || false # no key in the log
	! grep -q "$(cut -d' ' -f3 "$T_DIR/k1")" "$T_DIR/agent1.log" || false
	agent_ready 1
}

refusals() { [ "$(grep -c 'exited 2; the running key stays' "$T_DIR/agent1.log")" -ge "$1" ]; }
# key_fps I: node I's keys as "SPI:FINGERPRINT ...".
key_fps() { tenc_on "node$1" -j key list | json_get "' '.join('%d:%s' % (k['spi'], k['fingerprint']) for k in j['keys'])"; }
# fp_of FILE: the fingerprint tenc gives the key of FILE (as key list shows it).
fp_of() {
	local d
	d=$(mktemp -d "$T_DIR/fp.XXXXXX")
	TENC_STATE_DIR=$d "$TENC" key add "$1" >/dev/null
	TENC_STATE_DIR=$d "$TENC" -j key list | json_get "j['keys'][0]['fingerprint']"
}

@test "the API double formats the agent's jsonpath templates as kubectl does" {
	# shellcheck disable=SC2016 # the template, as the agent sets it
	tpl=$(sed -n "s/^NODE_TPL='\(.*\)'$/\1/p" "$REPO/deploy/tenc-node.sh")
	[ -n "$tpl" ]
	kubectl=$IMAGE_ROOT/usr/local/bin/kubectl
	python3 - "$T_DIR" <<-'PY'
	import json, sys
	addrs = lambda *a: [{"type": t, "address": x} for t, x in a]
	nodes = {
	    "plain": (addrs(("InternalIP", "10.0.0.1"), ("Hostname", "n")), ["10.1.1.0/24"]),
	    "dual": (addrs(("InternalIP", "10.0.0.2"), ("InternalIP", "fd00::2")), ["10.1.2.0/24", "fd10:2::/64"]),
	    "no-cidr": (addrs(("InternalIP", "10.0.0.3")), None),
	    "external-only": (addrs(("ExternalIP", "192.0.2.4"), ("Hostname", "n")), []),
	    "no-status": (None, ["10.1.5.0/24"]),
	}
	for name, (a, c) in nodes.items():
	    n = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": {}}
	    if c is not None:
	        n["spec"]["podCIDRs"] = c
	    if a is not None:
	        n["status"] = {"addresses": a}
	    json.dump(n, open("%s/%s.json" % (sys.argv[1], name), "w"))
	PY
	for f in "$T_DIR"/*.json; do
		want=$("$kubectl" annotate --local -f "$f" kube-double- -o "jsonpath=$tpl")
		got=$(PYTHONPATH=$REPO/tests/tools python3 -c 'import json, sys
from kube_jsonpath import jsonpath
sys.stdout.write(jsonpath(sys.argv[1], json.load(open(sys.argv[2]))))' "$tpl" "$f")
		echo "${f##*/}: kubectl '$want', double '$got'"
		[ "$got" = "$want" ]
	done
}

@test "agent, dual-stack Nodes: enabled with both families, the peers learn both from the watch" {
	for i in 1 2; do echo "addr add fd00::$i/64 dev eth0 nodad" | ip_in "node$i"; done
	for i in 1 2; do
		k8s join "node$i" "10.0.0.$i,fd00::$i" "10.1.$i.0/24" "fd01:$i::/64"
		agent_start "$i" TENC_ENCRYPT=0
	done
	for i in 1 2; do wait_until -p "${AGENT[$i]}" "node$i ready" agent_ready $i; done
	wait_until "node1 peers node2" has_peer 1 node2 10.0.0.2
	wait_until "node2 peers node1" has_peer 2 node1 10.0.0.1
	[ "$(tenc_on node1 -j status | json_get "(j['node_ip6'], j['pod_cidrs6'], j['pod_cidrs'])")" = \
		"('fd00::1', ['fd01:1::/64'], ['10.1.1.0/24'])" ]
	[ "$(peer_of 1 node2 "(p['node_ip6'], p['cidrs6'])")" = "('fd00::2', ['fd01:2::/64'])" ]
	[ "$(peer_of 2 node1 "(p['node_ip6'], p['cidrs6'])")" = "('fd00::1', ['fd01:1::/64'])" ]
	# observe-only: the IPv6 prefixes of the pair are in ipcache6
	on node1 "$DPTOOL" ipc-dump "$T_DIR/node1/bpf" | grep -q "^fd01:2::/64 peer"
	# node2's IPv6 pod CIDRs change: node1 learns it, node2 re-enables
	k8s cidrs node2 10.1.2.0/24 fd01:2::/64 fd01:22::/64
	wait_until "node1 sees node2's new IPv6 CIDR" is "peer_cidrs6 1 node2" fd01:2::/64 fd01:22::/64
	wait_until "node2 enabled with it" is "pod_cidrs6 2" fd01:2::/64 fd01:22::/64
	no_unsupported
}

@test "agent, IPv6-only Nodes: enabled with IPv6 only, no IPv4 node ip; the peers learn each other from the watch" {
	for i in 1 2; do echo "addr add fd00::$i/64 dev eth0 nodad" | ip_in "node$i"; done
	for i in 1 2; do
		k8s join "node$i" "fd00::$i" "fd01:$i::/64"
		agent_start "$i" TENC_ENCRYPT=0
	done
	for i in 1 2; do wait_until -p "${AGENT[$i]}" "node$i ready" agent_ready $i; done
	wait_until "node1 peers node2" is "peer_of 1 node2 p['node_ip6']" fd00::2
	wait_until "node2 peers node1" is "peer_of 2 node1 p['node_ip6']" fd00::1
	[ "$(tenc_on node1 -j status | json_get "('node_ip' in j, j['node_ip6'], j['pod_cidrs6'], j['pod_cidrs'])")" = \
		"(False, 'fd00::1', ['fd01:1::/64'], [])" ]
	[ "$(peer_of 1 node2 "('node_ip' in p, p['cidrs'], p['cidrs6'])")" = "(False, [], ['fd01:2::/64'])" ]
	grep -q "tenc-node: node node1 ip fd00::1 pod cidrs fd01:1::/64" "$T_DIR/agent1.log"
	on node1 "$DPTOOL" ipc-dump "$T_DIR/node1/bpf" | grep -q "^fd01:2::/64 peer"
	no_unsupported
}
