#!/usr/bin/env bats
# encrypt.bats: traffic between namespace nodes is ESP on the wire, and
# nothing else: pods, nodes, MTU, fail-closed, drift, sync, disable.
# Needs ESP and AES-GCM: skips on a host kernel without them, and must run
# (never skip) in the VM lane (tests/vm). Topology: topo.bash.

load helpers
load topo

test_setup() {
	need_root
	encrypted_cluster 2
}

@test "pod to pod: ping and TCP work, the wire carries only ESP between node ips" {
	cap_start
	on pod1 ping -c 5 -i 0.2 -W 2 -p "$CANARY_HEX" 10.1.2.2
	tcp_receiver pod2
	tcp_send pod1 10.1.2.2 512
	cap_stop
	[ "$(cap_count esp)" -gt 10 ]
	[ "$(cap_count 'esp and not (host 10.0.0.1 and host 10.0.0.2)')" -eq 0 ]
	[ "$(cap_count 'host 10.1.1.2 or host 10.1.2.2')" -eq 0 ]
	[ "$(cap_count 'not esp and not arp and not ip6')" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
	! cap_has TENC-CANARY-PAYLOAD || false
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	# the OUT SA counted what went out
	[ "$(echo "$output" | json_get "[s['packets'] for s in j['peers'][0]['sas'] if s['dir']=='out'][0] > 10")" = True ]
}

@test "pod to remote node and node to remote pod are encrypted too" {
	cap_start
	on pod1 ping -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" 10.0.0.2
	on node1 ping -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" 10.1.2.2
	cap_stop
	[ "$(cap_count esp)" -ge 12 ]
	[ "$(cap_count icmp)" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
}

@test "OUT policies: one per marked prefix, hashed; one removed by hand drops only its traffic, never leaks it" {
	out=$(on node1 ip xfrm policy list dir out)
	echo "$out"
	# node2's node ip and pod cidr each have their marked policy (priority 100)
	for d in 10.0.0.2/32 10.1.2.0/24; do
		[ "$(echo "$out" | grep -A2 "^src 0.0.0.0/0 dst $d " | grep -c "mark 0x[0-9a-f]*e00/0xffffff00")" -eq 1 ]
	done
	[ "$(echo "$out" | grep -c "dst 0.0.0.0/0")" -eq 1 ] # only the default drop is 0/0
	on node1 ip -s -s xfrm policy count | grep "SPD IPv4 thresholds: local 0 remote 24"
	m=$(echo "$out" | grep -A2 "^src 0.0.0.0/0 dst 10.0.0.2/32 " | sed -n 's|.*mark \(0x[0-9a-f]*\)/0xffffff00.*|\1|p')
	[ -n "$m" ]
	on node1 ip xfrm policy del dir out src 0.0.0.0/0 dst 10.0.0.2/32 mark "$m" mask 0xffffff00
	cap_start
	run on pod1 ping -c 2 -i 0.2 -W 1 -p "$CANARY_HEX" 10.0.0.2
	[ "$status" -ne 0 ]
	on pod1 ping -c 2 -i 0.2 -W 2 -p "$CANARY_HEX" 10.1.2.2
	cap_stop
	[ "$(cap_count icmp)" -eq 0 ]
	[ "$(cap_count esp)" -ge 4 ]
	! cap_has TENC-CANARY-PING || false
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "[(d['kind'], d['problem']) for d in j['drift']]")" = "[('policy', 'missing')]" ]
	[[ $(echo "$output" | json_get "j['drift'][0]['object']") == *"dst 10.0.0.2/32 "* ]]
	run tenc_on node1 -j audit
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "sorted(set((f['dst'], f['verdict']) for f in j['flows'] if f['dir'] == 'out' and f['proto'] == 'icmp'))")" = \
		"[('10.0.0.2', 'dropped'), ('10.1.2.2', 'encrypted')]" ]
	[[ $output == *"the peer's OUT policy is missing"* ]]
	# enable puts it back
	run enable_node 1 --encrypt
	[ "$status" -eq 0 ]
	on pod1 ping -c 1 -W 2 10.0.0.2
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "same-node and non-peer traffic stays plaintext and flows" {
	cap_start
	on pod1 ping -c 2 -W 2 10.1.1.1
	on pod1 ping -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" 10.0.0.9
	cap_stop
	[ "$(cap_count 'icmp and host 10.0.0.9')" -ge 6 ]
	[ "$(cap_count esp)" -eq 0 ]
	cap_has TENC-CANARY-PING
}

@test "deleting the SAs by hand drops pod traffic, never leaks it, and status reports drift" {
	on pod1 ping -c 1 -W 2 10.1.2.2
	on node1 ip xfrm state deleteall
	cap_start
	run on pod1 ping -c 3 -i 0.2 -W 1 -p "$CANARY_HEX" 10.1.2.2
	[ "$status" -ne 0 ]
	run on node1 ping -c 2 -i 0.2 -W 1 10.1.2.2
	[ "$status" -ne 0 ]
	cap_stop
	[ "$(cap_count 'host 10.1.1.2 or host 10.1.2.2')" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "sorted(set((d['kind'], d['problem']) for d in j['drift']))")" = "[('sa', 'missing')]" ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 2 ]
	# enable converges. The re-created OUT SA starts its sequence again,
	# which node2's IN SA takes for replays: a rotation re-keys both ends.
	enable_node 1 --encrypt
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	(umask 077; "$TENC" key gen >"$T_DIR/k2")
	for i in 1 2; do tenc_on "node$i" key rotate "$T_DIR/k2"; done
	for i in 1 2; do tenc_on "node$i" key rotate --commit --all; done
	for i in 1 2; do tenc_on "node$i" key rotate --finish --force; done
	on pod1 ping -c 2 -W 2 10.1.2.2
}

@test "MTU: the route carries it, PMTU discovery reports it, bulk TCP from a 1500-MTU pod works" {
	mtu=$(on node1 ip route show table 2005 | sed -n 's/.*mtu \([0-9]*\).*/\1/p')
	[ "$mtu" -eq 1440 ]
	run on pod1 ping -c 1 -W 2 -M do -s 1472 10.1.2.2
	[ "$status" -ne 0 ]
	[[ $output == *"mtu = 14"* ]] || [[ $output == *"Message too long"* ]]
	tcp_receiver pod2
	tcp_send pod1 10.1.2.2 1024
}

@test "per-pair keys: each direction's SA has its own key, derived the same on both ends" {
	k12_on1=$(on node1 ip -s xfrm state list src 10.0.0.1 dst 10.0.0.2 | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	k12_on2=$(on node2 ip -s xfrm state list src 10.0.0.1 dst 10.0.0.2 | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	k21_on1=$(on node1 ip -s xfrm state list src 10.0.0.2 dst 10.0.0.1 | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	[ -n "$k12_on1" ]
	[ "$k12_on1" = "$k12_on2" ]
	[ "$k12_on1" != "$k21_on1" ]
	! grep -q "${k12_on1##* 0x}" "$KEY" || false
	# ESN and the replay window are on
	on node1 ip xfrm state list src 10.0.0.2 dst 10.0.0.1 | grep -q "flag.* esn"
	on node1 ip xfrm state list src 10.0.0.2 dst 10.0.0.1 | grep -q "replay_window 4096, bitmap-length 128"
}

@test "peer sync from kubectl JSON converges with encryption, a second run changes nothing" {
	for i in 1 2; do tenc_on "node$i" peer del "node$((3 - i))"; done
	cat >"$T_DIR/nodes.json" <<-EOF
	{"items": [
	 {"metadata": {"name": "node1"}, "spec": {"podCIDRs": ["10.1.1.0/24"]}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}},
	 {"metadata": {"name": "node2"}, "spec": {"podCIDRs": ["10.1.2.0/24"]}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.2"}]}},
	 {"metadata": {"name": "node3"}, "spec": {"podCIDRs": ["10.1.3.0/24"]}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.3"}]}}
	]}
	EOF
	for i in 1 2; do tenc_on "node$i" peer sync "$T_DIR/nodes.json"; done
	cap_start
	on pod1 ping -c 2 -W 2 -p "$CANARY_HEX" 10.1.2.2
	cap_stop
	! cap_has TENC-CANARY-PING || false
	[ "$(cap_count esp)" -ge 4 ]
	before=$(snapshot node1)
	run tenc_on node1 -j peer sync "$T_DIR/nodes.json"
	[ "$(echo "$output" | json_get "j['unchanged']")" -eq 2 ]
	[ "$(snapshot node1)" = "$before" ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "disable with SAs installed leaves no trace" {
	run tenc_on node1 disable
	[ "$status" -eq 0 ]
	[ -z "$(on node1 ip xfrm state)" ]
	[ -z "$(on node1 ip xfrm policy)" ]
	on node1 ip -s -s xfrm policy count | grep "SPD IPv4 thresholds: local 32 remote 32"
	! on node1 ip rule | grep -q 2005 || false
	[ -z "$(on node1 tc filter show dev pod0 ingress)" ]
	! on node1 tc qdisc show | grep -q clsact || false
	# node2 still encrypts towards node1, which now drops ESP it cannot decrypt
	run on pod2 ping -c 1 -W 1 10.1.1.2
	[ "$status" -ne 0 ]
}
