#!/usr/bin/env bats
# datapath.bats: enable, disable, peers, keys and status on this kernel,
# everything that does not need ESP (BPF attach/pin, ipcache, rules,
# routes, policies, rollback). encrypt.bats has the tests that need ESP;
# they run in the VM lane. Bad input, the lock and privileges, the same on
# every kernel, are in input.bats (host lanes).

load helpers
load topo

test_setup() {
	need_root
	topo_up 2
	KEY=$T_DIR/key
	(umask 077; echo "3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128" >"$KEY")
}

status_json() { tenc_on "$1" -j status; }

@test "enable --encrypt attaches, pins, installs the fail-closed policies and the rule" {
	run enable_node 1 --encrypt
	[ "$status" -eq 0 ]
	[ -e "$T_DIR/node1/bpf/ipcache" ] || ls /proc/*/root"$T_DIR"/node1/bpf/ipcache
	on node1 tc filter show dev pod0 ingress | grep -q tenc_from_pod
	on node1 tc filter show dev eth0 ingress | grep -q tenc_from_wire
	on node1 tc filter show dev eth0 egress | grep -q tenc_to_wire
	pol=$(on node1 ip xfrm policy)
	echo "$pol" | grep -A1 "dir out action block priority 2000" | grep -q "mark 0xe00/0xf00"
	[ "$(echo "$pol" | grep -c 'mark 0xd00/0xf00')" -eq 2 ]
	on node1 ip rule | grep -q "fwmark 0xe00/0xf00 lookup 2005 proto 229"
	# policies to a /24 or longer destination are hashed (docs/design.md)
	on node1 ip -s -s xfrm policy count | grep -q "SPD IPv4 thresholds: local 0 remote 24"
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	[ "$(echo "$output" | json_get "all(p['attached'] for p in j['programs'])")" = True ]
}

@test "the policy hash thresholds: drift when changed by hand, enable sets them again, observe-only restores the kernel's" {
	enable_node 1 --encrypt
	on node1 ip xfrm policy set hthresh4 32 32
	run status_json node1
	echo "$output"
	[ "$(echo "$output" | json_get "[(d['kind'], d['problem']) for d in j['drift']]")" = "[('spd', 'missing')]" ]
	run tenc_on node1 -j enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --encrypt
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['changes']")" -eq 1 ]
	on node1 ip -s -s xfrm policy count | grep -q "SPD IPv4 thresholds: local 0 remote 24"
	run enable_node 1
	[ "$status" -eq 0 ]
	on node1 ip -s -s xfrm policy count | grep -q "SPD IPv4 thresholds: local 32 remote 32"
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "enable is idempotent, and reconfigures with other arguments" {
	enable_node 1 --encrypt
	before=$(snapshot node1)
	run tenc_on node1 -j enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --encrypt
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['changes']")" -eq 0 ]
	[ "$(snapshot node1)" = "$before" ]
	# observe only: the XFRM objects and the rule go, the programs stay
	run enable_node 1
	[ "$status" -eq 0 ]
	[ -z "$(on node1 ip xfrm policy)" ]
	! on node1 ip rule | grep -q 2005 || false
	on node1 tc filter show dev pod0 ingress | grep -q tenc_from_pod
	run status_json node1
	[ "$(echo "$output" | json_get "j['encrypt']")" = False ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "disable leaves the kernel exactly as before enable" {
	before=$(snapshot node1)
	qdisc_before=$(on node1 tc qdisc show)
	enable_node 1 --encrypt
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$(snapshot node1)" != "$before" ]
	run tenc_on node1 disable
	[ "$status" -eq 0 ]
	[ "$(snapshot node1)" = "$before" ]
	[ "$(on node1 tc qdisc show)" = "$qdisc_before" ]
	! grep -q " $T_DIR/node1/bpf " /proc/mounts || false
	# peers and keys stay for a later enable, which restores the peer
	enable_node 1 --encrypt
	on node1 ip route show table 2005 | grep -q "10.1.2.0/24"
}

@test "peer add without a key: ipcache entries flagged no-key, routes with the reduced MTU" {
	enable_node 1 --encrypt
	run tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$status" -eq 0 ]
	run status_json node1
	[ "$(echo "$output" | json_get "sorted(e['prefix'] for e in j['peers'][0]['ipcache'])")" = "['10.0.0.2/32', '10.1.2.0/24']" ]
	[ "$(echo "$output" | json_get "all(e['nokey'] for e in j['peers'][0]['ipcache'])")" = True ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	on node1 ip route show table 2005 | grep -q "10.1.2.0/24 dev eth0 proto 229 scope link mtu 1420"
	run tenc_on node1 peer del node2
	[ "$status" -eq 0 ]
	[ -z "$(on node1 ip route show table 2005 2>/dev/null)" ]
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['peers'])")" -eq 0 ]
}

@test "peer list -j feeds peer sync: nothing changes" {
	enable_node 1 --encrypt
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 --spi 3
	tenc_on node1 -j peer list >"$T_DIR/peers.json"
	[ "$(json_get "j['peers'][0]['spi']" <"$T_DIR/peers.json")" -eq 3 ]
	before=$(snapshot node1)
	run tenc_on node1 -j peer sync "$T_DIR/peers.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['unchanged']")" -eq 1 ]
	[ "$(snapshot node1)" = "$before" ]
}

kube_nodes() {
	cat <<-EOF
	{"apiVersion": "v1", "kind": "List", "items": [
	 {"metadata": {"name": "node1"}, "spec": {"podCIDRs": ["10.1.1.0/24"]},
	  "status": {"addresses": [{"type": "Hostname", "address": "node1"}, {"type": "InternalIP", "address": "10.0.0.1"}]}},
	 {"metadata": {"name": "node2"}, "spec": {"podCIDR": "10.1.2.0/24", "podCIDRs": ["10.1.2.0/24", "fd00:2::/64"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.2"}]}},
	 {"metadata": {"name": "node3", "annotations": {"tenc.io/spi": "4"}}, "spec": {"podCIDRs": ["10.1.3.0/24"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.3"}]}}
	]}
	EOF
}

@test "peer sync with kubectl nodes converges, skips the local node, and a second run changes nothing" {
	enable_node 1 --encrypt
	tenc_on node1 peer add old --node-ip 10.0.0.7 --cidr 10.1.7.0/24
	kube_nodes >"$T_DIR/nodes.json"
	run tenc_on node1 -j peer sync --prune "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['removed'])")" = "(2, 1)" ]
	run tenc_on node1 -j peer list
	[ "$(echo "$output" | json_get "sorted(p['name'] for p in j['peers'])")" = "['node2', 'node3']" ]
	[ "$(echo "$output" | json_get "[p.get('spi') for p in j['peers'] if p['name']=='node3'][0]")" -eq 4 ]
	on node1 ip route show table 2005 | grep -q 10.1.3.0/24
	! on node1 ip route show table 2005 | grep -q 10.1.7.0/24 || false
	before=$(snapshot node1)
	run tenc_on node1 -j peer sync --prune - <"$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['changed'], j['removed'], j['unchanged'])")" = "(0, 0, 0, 2)" ]
	[ "$(snapshot node1)" = "$before" ]
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "a kernel refusal half-way rolls back what the command added" {
	enable_node 1 --encrypt
	# a foreign route in tenc's table makes the route step of peer add fail
	on node1 ip route add 10.1.2.0/24 dev eth0 table 2005
	before=$(snapshot node1)
	run tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$status" -eq 1 ]
	[[ $output == *"route 10.1.2.0/24 table 2005"*"File exists"* ]]
	[ "$(snapshot node1)" = "$before" ]
	run tenc_on node1 -j peer list
	[ "$(echo "$output" | json_get "len(j['peers'])")" -eq 0 ]
}

@test "status reports drift both ways" {
	enable_node 1 --encrypt
	on node1 ip xfrm policy del dir out mark 0xe00 mask 0xf00 priority 2000 src 0/0 dst 0/0 2>/dev/null ||
		on node1 ip xfrm policy del dir out mark 0xe00 mask 0xf00 src 0/0 dst 0/0
	on node1 ip xfrm policy add dir out src 0/0 dst 10.9.0.0/16 mark 0xe00 mask 0xf00 priority 5 action block
	run status_json node1
	echo "$output"
	[ "$(echo "$output" | json_get "sorted((d['kind'], d['problem']) for d in j['drift'])")" = "[('policy', 'missing'), ('policy', 'unexpected')]" ]
	on node1 tc filter del dev pod0 ingress
	run status_json node1
	[ "$(echo "$output" | json_get "[d['object'] for d in j['drift'] if d['kind']=='program']")" = "['pod0 from_pod']" ]
	# enable converges again
	enable_node 1 --encrypt
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "key list shows fingerprint and state, never the key" {
	need_feature esp
	enable_node 1 --encrypt
	tenc_on node1 key add "$KEY"
	run tenc_on node1 key list
	[[ $output != *0102030405060708090a* ]]
	[[ $output == *current* ]]
	run tenc_on node1 -j key list
	[ "$(echo "$output" | json_get "j['keys'][0]['key']")" = "(hidden)" ]
	run tenc_on node1 -j status
	[[ $output != *0102030405060708090a* ]]
}
