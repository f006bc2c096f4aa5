#!/usr/bin/env bats
# dualstack.bats: the IPv6 half of the model (issue 13, model layer):
# enable and peer add take a node ip and pod cidrs of each family; peer
# list, advertise and status show them; peer sync reads them from kubectl
# node lists and tenc's own JSON; bad IPv6 input exits 2 naming the field,
# changing nothing; and the kernel objects of the IPv4 half are exactly
# those of the same configuration without its IPv6 half, the IPv6 half
# adding IPv6 objects only, for the pairs with both IPv6 node ips. No ESP
# needed (no key: no SA): runs on the host; tests/netns/encrypt6.bats has
# the SAs and the traffic.

load helpers
load topo

test_setup() {
	need_root
	topo_dual 3
}

# enable6 I [ARGS]: enable node I with both families.
enable6() {
	local i=$1; shift
	enable_node "$i" --encrypt --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64" "$@"
}

@test "enable and peer add with both families: shown by peer list, advertise and status; peer list -j feeds peer sync unchanged" {
	enable6 1 --name node1
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64 --spi 3
	grep -q '"node_ip6": "fd00::1"' "$T_DIR/node1/config.json"
	grep -q '"pod_cidrs6": \[' "$T_DIR/node1/config.json"
	grep -q '"cidrs6": \["fd01:2::/64"\]' "$T_DIR/node1/peers.json"
	run tenc_on node1 -j peer list
	[ "$(echo "$output" | json_get "(j['peers'][0]['node_ip'], j['peers'][0]['node_ip6'], j['peers'][0]['cidrs'], j['peers'][0]['cidrs6'])")" = \
		"('10.0.0.2', 'fd00::2', ['10.1.2.0/24'], ['fd01:2::/64'])" ]
	run tenc_on node1 peer list
	[[ $output == *"10.0.0.2,fd00::2"*"10.1.2.0/24,fd01:2::/64"* ]]
	run tenc_on node1 -j advertise
	[ "$(echo "$output" | json_get "(j['peers'][0]['node_ip6'], j['peers'][0]['cidrs6'])")" = "('fd00::1', ['fd01:1::/64'])" ]
	run tenc_on node1 advertise
	[[ $output == *"node_ip6 fd00::1"*"cidrs6 fd01:1::/64"* ]]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "(j['node_ip6'], j['pod_cidrs6'], j['ipv6'])")" = \
		"('fd00::1', ['fd01:1::/64'], {'encrypted': True})" ]
	[ "$(echo "$output" | json_get "(j['peers'][0]['node_ip6'], j['peers'][0]['cidrs6'], j['peers'][0]['ipv6'])")" = \
		"('fd00::2', ['fd01:2::/64'], {'encrypted': True, 'outer': 'ipv6'})" ]
	run tenc_on node1 status
	[[ $output == *"ipv6 fd00::1, cidrs fd01:1::/64: encrypted"* ]]
	[[ $output == *"    ipv6 fd00::2, cidrs fd01:2::/64: encrypted (esp over ipv6)"* ]]
	# a peer without an IPv6 node ip: IPv6 over IPv4
	tenc_on node1 peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24 --cidr fd01:3::/64
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "[p['ipv6'] for p in j['peers'] if p['name'] == 'node3'][0]")" = \
		"{'encrypted': True, 'outer': 'ipv4'}" ]
	run tenc_on node1 status
	[[ $output == *"    ipv6 -, cidrs fd01:3::/64: encrypted (esp over ipv4)"* ]]
	tenc_on node1 peer del node3
	tenc_on node1 -j peer list >"$T_DIR/list.json"
	before=$(snapshot node1; cat "$T_DIR/node1/peers.json")
	run tenc_on node1 -j peer sync "$T_DIR/list.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['changed'], j['unchanged'])")" = "(0, 0, 1)" ]
	[ "$(snapshot node1; cat "$T_DIR/node1/peers.json")" = "$before" ]
	# an advertisement from another node round-trips too
	tenc_on node1 -j advertise >"$T_DIR/adv.json"
	enable6 2
	run tenc_on node2 -j peer sync "$T_DIR/adv.json"
	[ "$status" -eq 0 ]
	[ "$(tenc_on node2 -j peer list | json_get "(j['peers'][0]['node_ip6'], j['peers'][0]['cidrs6'])")" = "('fd00::1', ['fd01:1::/64'])" ]
}

@test "a change of the IPv6 half only is a change of IPv6 objects only" {
	enable6 1
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	before4=$(kobjs node1 4) before6=$(kobjs node1 6)
	[[ $before6 != *fd00::2* && $before6 == *"fd01:1::/64 peer 0 spi 0 flags local"* ]]
	run tenc_on node1 -j peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['result']")" = changed ]
	[ "$(kobjs node1 4)" = "$before4" ]
	after6=$(kobjs node1 6)
	echo "$after6"
	# no key yet: the entries are flagged no key, the route allows for the
	# largest IPv6 overhead; no SA, no policy of the peer's
	[[ $after6 == *"fd00::2/128 peer 1 spi 0 flags node,nokey"* && $after6 == *"fd01:2::/64 peer 1 spi 0 flags nokey"* ]]
	[[ $after6 == *"fd01:2::/64 dev eth0 proto 229 metric 1024 mtu 1400"* ]]
	[[ $(echo "$after6" | sed -n '/^# state/,/^# rule/p') != *fd00* ]]
	echo '{"peers": [{"name": "node2", "node_ip": "10.0.0.2", "node_ip6": "fd00::22", "cidrs": ["10.1.2.0/24", "fd01:2::/64"]}]}' >"$T_DIR/p.json"
	run tenc_on node1 -j peer sync "$T_DIR/p.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['changed'], j['kernel_changes'])")" = "(1, 2)" ] # the node entry goes, its new one comes
	[ "$(tenc_on node1 -j peer list | json_get "j['peers'][0]['node_ip6']")" = fd00::22 ]
	[ "$(kobjs node1 4)" = "$before4" ]
	[[ $(kobjs node1 6) == *"fd00::22/128 peer 1 spi 0 flags node,nokey"* && $(kobjs node1 6) != *"fd00::2/128"* ]]
	[ "$(tenc_on node1 -j status | json_get "len(j['drift'])")" -eq 0 ]
}

@test "bad IPv6 input: exit 2, field named, nothing changed" {
	enable6 1
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64
	local e="enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0"
	# shellcheck disable=SC2086
	{
	bad_input $e --node-ip ::ffff:10.0.0.1
	[[ $output == *"--node-ip"*"IPv4-mapped"* ]]
	bad_input $e --node-ip fe80::1
	[[ $output == *"--node-ip"*"link-local"* ]]
	bad_input $e --node-ip 10.0.0.1,fd00::1
	[[ $output == *"--node-ip: '10.0.0.1,fd00::1': not one IPv4 or IPv6 address"* ]]
	bad_input $e --node-ip fd00::1 --node-ip fd00::5
	[[ $output == *"--node-ip"*"a second IPv6 address"* ]]
	bad_input $e --node-ip 10.0.0.5
	[[ $output == *"--node-ip"*"a second IPv4 address"* ]]
	bad_input $e --pod-cidr fd01:1::/129
	[[ $output == *"--pod-cidr"* ]]
	bad_input $e --pod-cidr fd01:1::1/64
	[[ $output == *"--pod-cidr"*"host bits"* ]]
	bad_input $e --pod-cidr ::ffff:10.1.0.0/112
	[[ $output == *"--pod-cidr"*"IPv4-mapped"* ]]
	bad_input $e --pod-cidr fd01:1::/64 --pod-cidr fd01:1::/48
	[[ $output == *"--pod-cidr: fd01:1::/48 overlaps fd01:1::/64"* ]]
	bad_input $e --pod-cidr fd01:2::/56
	[[ $output == *"--pod-cidr"*"peer 'node2'"* ]]
	bad_input enable --encrypt --node-ip fd00::1 --pod-cidr 10.1.1.0/24 --dev pod0
	[[ $output == *"--pod-cidr: IPv4 pod cidrs need an IPv4 node ip (IPv4 is not carried over IPv6)"* ]]
	}
	local p="peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24"
	# shellcheck disable=SC2086
	{
	bad_input $p --node-ip fe80::3
	[[ $output == *"--node-ip"*"link-local"* ]]
	bad_input $p --node-ip ::ffff:10.0.0.3
	[[ $output == *"--node-ip"*"IPv4-mapped"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3,fd00::3 --cidr 10.1.3.0/24
	[[ $output == *"--node-ip"*"not one IPv4 or IPv6 address"* ]]
	bad_input $p --node-ip fd00::3 --node-ip fd00::4
	[[ $output == *"--node-ip"*"second IPv6"* ]]
	bad_input $p --cidr fd01:3::/129
	[[ $output == *"--cidr"* ]]
	bad_input $p --cidr fd01:3::1/64
	[[ $output == *"--cidr"*"host bits"* ]]
	bad_input $p --cidr fd01:3::/64 --cidr fd01:3:0:1::/64 --cidr fd01:3::/60
	[[ $output == *"--cidr: "*"overlaps"* ]]
	bad_input $p --cidr fd01:2::8:0:0/96
	[[ $output == *"--cidr: fd01:2::8:0:0/96 overlaps peer 'node2''s fd01:2::/64"* ]]
	bad_input $p --cidr fd01:1::/80
	[[ $output == *"--cidr: fd01:1::/80 overlaps the local pod cidr fd01:1::/64"* ]]
	bad_input $p --node-ip fd00::2
	[[ $output == *"--node-ip: fd00::2 is peer 'node2''s node ip"* ]]
	bad_input $p --node-ip fd00::1
	[[ $output == *"--node-ip: fd00::1 is this node's own ip"* ]]
	bad_input peer add node3 --node-ip fd00::3 --cidr 10.1.3.0/24
	[[ $output == *"--cidr: IPv4 pod cidrs need an IPv4 node ip (IPv4 is not carried over IPv6)"* ]]
	bad_input peer add node3 --node-ip fd00::3 --cidr fd01:3::/64 --cidr 10.1.3.0/24
	[[ $output == *"--cidr: IPv4 pod cidrs need an IPv4 node ip"* ]]
	bad_input peer add node3 --node-ip fd00::3
	[[ $output == *"--cidr: required (one of either family at least)"* ]]
	bad_input peer add node3 --cidr fd01:3::/64
	[[ $output == *"--node-ip: required (one of either family, or both)"* ]]
	}
	echo '{"peers": [{"name": "x", "node_ip": "10.0.0.3", "node_ip6": "fe80::3", "cidrs": ["10.1.3.0/24"]}]}' >"$T_DIR/p.json"
	bad_input peer sync --strict "$T_DIR/p.json"
	[[ $output == *"x: node_ip6: "*"link-local"* ]]
	echo '{"peers": [{"name": "x", "node_ip": "10.0.0.3", "cidrs": ["10.1.3.0/24"], "cidrs6": ["fd01:2::/65"]}]}' >"$T_DIR/p.json"
	bad_input peer sync --strict "$T_DIR/p.json"
	[[ $output == *"x: --cidr: fd01:2::/65 overlaps peer 'node2''s fd01:2::/64"* ]]
}

@test "an IPv6-only node: IPv6 peers only, no IPv4 object; peer list and advertise round-trip; the local node known by its IPv6 node ip" {
	for i in 1 2; do
		tenc_on "node$i" enable --encrypt --name "node$i" --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64" --dev pod0
	done
	! grep -q '"node_ip":' "$T_DIR/node1/config.json" || false
	tenc_on node1 peer add node2 --node-ip fd00::2 --cidr fd01:2::/64
	tenc_on node1 peer add node3 --node-ip 10.0.0.3 --node-ip fd00::3 --cidr 10.1.3.0/24 --cidr fd01:3::/64
	# no IPv4 object of tenc's: no policy, rule, route, ipcache entry; the
	# kernel's IPv4 hash thresholds
	k4=$(kobjs node1 4)
	echo "$k4"
	[ "$(echo "$k4" | grep -v '^#' | grep -c '2005\|0xe00\|0xd00\|proto 229\| peer ')" -eq 0 ]
	[[ $k4 == *"SPD IPv4 thresholds: local 32 remote 32"* ]]
	k6=$(kobjs node1 6)
	echo "$k6"
	[ "$(echo "$k6" | grep -c "src ::/0 dst ::/0 .*dir out action block priority 2000 .*mark 0xe00/0xf00")" -eq 1 ]
	[[ $k6 == *"from all fwmark 0xe00/0xf00 lookup 2005 proto 229"* && $k6 == *"SPD IPv6 thresholds: local 0 remote 64"* ]]
	for pfx in fd00::2/128 fd01:2::/64 fd00::3/128 fd01:3::/64; do [[ $k6 == *"$pfx peer"* ]]; done
	for pfx in fd01:2::/64 fd01:3::/64; do [[ $k6 == *"$pfx dev eth0 proto 229"* ]]; done
	# the underlay found by the IPv6 node ip; status and peer list without an IPv4 node ip
	tenc_on node1 -j status >"$T_DIR/st.json"
	[ "$(json_get "('node_ip' in j, j['node_ip6'], j['pod_cidrs'], j['underlay']['name'], len(j['drift']))" <"$T_DIR/st.json")" = \
		"(False, 'fd00::1', [], 'eth0', 0)" ]
	[ "$(json_get "[(p['name'], [e['prefix'] for e in p['ipcache']], p['ipv6']) for p in j['peers']]" <"$T_DIR/st.json")" = \
		"[('node2', ['fd00::2/128', 'fd01:2::/64'], {'encrypted': True, 'outer': 'ipv6'}), ('node3', ['fd00::3/128', 'fd01:3::/64'], {'encrypted': True, 'outer': 'ipv6'})]" ]
	run tenc_on node1 status
	[[ $output == "node -, endpoint mode, encrypting"* && $output == *"ipv6 fd00::1, cidrs fd01:1::/64: encrypted"* ]]
	run tenc_on node1 peer list
	[[ $output == *"node2"*" fd00::2 "*"fd01:2::/64"* ]]
	# node1's peer list on node2: node2 itself skipped (its IPv6 node ip), node3 taken
	tenc_on node1 -j peer list >"$T_DIR/list.json"
	run tenc_on node2 -j peer sync "$T_DIR/list.json"
	[ "$(echo "$output" | json_get "(j['added'], j['rejected'])")" = "(1, 0)" ]
	tenc_on node1 -j advertise >"$T_DIR/adv.json"
	[ "$(json_get "[('node_ip' in p, p['node_ip6'], p['cidrs'], p['cidrs6']) for p in j['peers']]" <"$T_DIR/adv.json")" = \
		"[(False, 'fd00::1', [], ['fd01:1::/64'])]" ]
	run tenc_on node2 -j peer sync "$T_DIR/adv.json"
	[ "$(echo "$output" | json_get "(j['added'], j['rejected'])")" = "(1, 0)" ]
	[ "$(tenc_on node2 -j peer list | json_get "[(p['name'], p.get('node_ip'), p['node_ip6'], p['cidrs6']) for p in j['peers']]")" = \
		"[('node1', None, 'fd00::1', ['fd01:1::/64']), ('node3', '10.0.0.3', 'fd00::3', ['fd01:3::/64'])]" ]
	run tenc_on node1 advertise
	[[ $output != *"node_ip "* && $output == *"node_ip6 fd00::1"* ]]
	tenc_on node1 disable
	[ "$(kobjs node1 6 | grep -c 'fd0\|0xe00\|proto 229')" -eq 0 ]
}

@test "subnet mode: a subnet of a family the node has no half of still fails closed (its default drop exists)" {
	enable_node 1 --encrypt --mode subnet
	on pod1 ping -6 -c 3 -i 0.2 -W 3 fd01:2::2 # plaintext: no IPv6 in scope yet (a reply of three)
	tenc_on node1 subnet add fd01::/16
	k6=$(kobjs node1 6)
	echo "$k6"
	[ "$(echo "$k6" | grep -c "src ::/0 dst ::/0 .*dir out action block priority 2000 .*mark 0xe00/0xf00")" -eq 1 ]
	[[ $k6 == *"from all fwmark 0xe00/0xf00 lookup 2005 proto 229"* && $k6 == *"fd01::/16 peer 0 spi 0 flags subnet"* ]]
	# the subnet's address no peer owns: marked for the drop, dropped
	run on pod1 ping -6 -c 2 -i 0.2 -W 1 fd01:2::2
	[ "$status" -ne 0 ]
	[ "$(drift_count node1)" -eq 0 ]
	tenc_on node1 subnet del fd01::/16
	[ "$(kobjs node1 6 | grep -c '0xe00\|proto 229')" -eq 0 ]
}

kube_dual() {
	cat <<-EOF
	{"apiVersion": "v1", "kind": "List", "items": [
	 {"metadata": {"name": "node1"}, "spec": {"podCIDRs": ["10.1.1.0/24", "fd01:1::/64"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}, {"type": "InternalIP", "address": "fd00::1"}]}},
	 {"metadata": {"name": "node2"}, "spec": {"podCIDR": "fd01:2::/64", "podCIDRs": ["fd01:2::/64", "10.1.2.0/24"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "fd00::2"}, {"type": "InternalIP", "address": "fd00::22"},
	                           {"type": "InternalIP", "address": "10.0.0.2"}]}},
	 {"metadata": {"name": "node3"}, "spec": {"podCIDRs": ["10.1.3.0/24"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.3"}]}},
	 {"metadata": {"name": "node4"}, "spec": {"podCIDRs": ["fd01:4::/64"]},
	  "status": {"addresses": [{"type": "InternalIP", "address": "fd00::4"}]}}
	]}
	EOF
}

@test "peer sync of a dual-stack kubectl list: both families, the IPv6-only node peered, a second run changes nothing" {
	enable6 1
	kube_dual >"$T_DIR/nodes.json"
	run --separate-stderr tenc_on node1 -j peer sync --prune "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "$output" | json_get "(j['added'], j['changed'], j['removed'], j['rejected'])")" = "(3, 0, 0, 0)" ]
	run tenc_on node1 -j peer list
	[ "$(echo "$output" | json_get "[(p['name'], p.get('node_ip'), p.get('node_ip6'), p['cidrs'], p.get('cidrs6')) for p in sorted(j['peers'], key=lambda p: p['name'])]")" = \
		"[('node2', '10.0.0.2', 'fd00::2', ['10.1.2.0/24'], ['fd01:2::/64']), ('node3', '10.0.0.3', None, ['10.1.3.0/24'], None), ('node4', None, 'fd00::4', [], ['fd01:4::/64'])]" ]
	# the IPv6-only peer: an IPv6 pair, no IPv4 object of its own
	tenc_on node1 -j status >"$T_DIR/st.json"
	[ "$(json_get "[(p['name'], 'node_ip' in p, p['ipv6'], p['policies']) for p in j['peers'] if p['name'] == 'node4']" <"$T_DIR/st.json")" = \
		"[('node4', False, {'encrypted': True, 'outer': 'ipv6'}, 0)]" ] # (keyless: no policy; the IPv4 in/fwd are no peer's)
	[ "$(json_get "[e['prefix'] for p in j['peers'] if p['name'] == 'node4' for e in p['ipcache']]" <"$T_DIR/st.json")" = \
		"['fd00::4/128', 'fd01:4::/64']" ]
	before=$(snapshot node1; cat "$T_DIR/node1/peers.json")
	run --separate-stderr tenc_on node1 -j peer sync --prune - <"$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['changed'], j['removed'], j['unchanged'])")" = "(0, 0, 0, 3)" ]
	[ "$(snapshot node1; cat "$T_DIR/node1/peers.json")" = "$before" ]
	[ "$(tenc_on node1 -j status | json_get "len(j['drift'])")" -eq 0 ]
}

# build_node1 4|46: node1 enabled, with peers by add and by sync, IPv4
# only or with the IPv6 half everywhere (the same IPv4 half).
build_node1() {
	local six=() p6=()
	kube_dual >"$T_DIR/nodes.json"
	if [ "$1" = 46 ]; then
		six=(--node-ip fd00::1 --pod-cidr fd01:1::/64)
		p6=(--node-ip fd00::3 --cidr fd01:3::/64 --cidr fd03::/48)
	else # the list without its IPv6 half, but the IPv6-only node kept whole:
		# a peer of this IPv4-only node with nothing in common, no object
		python3 -c "import json,sys; j=json.load(open(sys.argv[1]))
v4 = lambda s: ':' not in s
for it in [it for it in j['items'] if any(v4(a['address']) for a in it['status']['addresses'])]:
    it['spec']['podCIDRs'] = [c for c in it['spec']['podCIDRs'] if v4(c)]
    it['spec'].pop('podCIDR', None)
    it['status']['addresses'] = [a for a in it['status']['addresses'] if v4(a['address'])]
json.dump(j, open(sys.argv[1], 'w'))" "$T_DIR/nodes.json"
	fi
	enable_node 1 --encrypt "${six[@]}"
	tenc_on node1 peer add node5 --node-ip 10.0.0.5 --cidr 10.1.5.0/24 --cidr 10.5.0.0/16 "${p6[@]}"
	tenc_on node1 peer sync "$T_DIR/nodes.json"
	tenc_on node1 peer add node6 --node-ip 10.0.0.6 --cidr 10.1.6.0/24
	tenc_on node1 peer del node3
}

@test "a dual-stack configuration: its IPv4 objects are its IPv4 half's; IPv6 ones for the pairs with IPv6 node ips" {
	build_node1 4
	[ "$(tenc_on node1 -j peer list | json_get "[p['name'] for p in j['peers']]")" = "['node2', 'node4', 'node5', 'node6']" ]
	a=$(kobjs node1 4)
	id4=$(tenc_on node1 -j peer list | json_get "[p['id'] for p in j['peers'] if p['name'] == 'node4'][0]")
	[[ $a == *"peer $((id4 + 1)) "* && $a != *"peer $id4 "* ]] # node4 (node6 after it): no IPv4 object of its own
	[ "$(tenc_on node1 -j status | json_get "[p['ipv6'] for p in j['peers'] if p['name'] == 'node4']")" = \
		"[{'encrypted': False, 'reason': 'this node has no IPv6 half (enable --node-ip or --pod-cidr of IPv6)'}]" ]
	[ "$(kobjs node1 6 | sed -n '/^# ipcache/,/^# spd/p' | grep -c :)" -eq 0 ]
	tenc_on node1 disable
	rm -f "$T_DIR"/node1/*.json
	[ "$(kobjs node1 4 | grep -c 10.1.5.0)" -eq 0 ]
	build_node1 46
	[ "$(tenc_on node1 -j peer list | json_get "[(p['name'], p.get('node_ip6')) for p in j['peers']]")" = \
		"[('node2', 'fd00::2'), ('node4', 'fd00::4'), ('node5', 'fd00::3'), ('node6', None)]" ]
	b=$(kobjs node1 4)
	diff <(echo "$a") <(echo "$b")
	[[ $a == *"10.1.5.0/24"* && $a == *"10.1.2.0/24"* && $a == *"10.1.6.0/24"* ]]
	b6=$(kobjs node1 6)
	echo "$b6"
	# the node-wide IPv6 objects: default drop, in, fwd; the rule; hthresh6
	[ "$(echo "$b6" | grep -c "src ::/0 dst ::/0 .*dir out action block priority 2000 .*mark 0xe00/0xf00")" -eq 1 ]
	[ "$(echo "$b6" | grep -c "src ::/0 dst ::/0 .*dir \(in\|fwd\) .*mark 0xd00/0xf00")" -eq 2 ]
	[[ $b6 == *"from all fwmark 0xe00/0xf00 lookup 2005 proto 229"* ]]
	[[ $b6 == *"SPD IPv6 thresholds: local 0 remote 64"* ]]
	# node2, node4 (IPv6-only) and node5 have IPv6 node ips: their IPv6 prefixes are planned
	for pfx in fd00::2/128 fd01:2::/64 fd00::4/128 fd01:4::/64 fd00::3/128 fd01:3::/64 fd03::/48; do
		[[ $b6 == *"$pfx peer"* ]]
	done
	for pfx in fd01:2::/64 fd01:4::/64 fd01:3::/64 fd03::/48; do [[ $b6 == *"$pfx dev eth0 proto 229"* ]]; done
	[ "$(echo "$b6" | sed -n '/^# ipcache/,/^# spd/p' | grep -c :)" -eq 8 ] # and the local fd01:1::/64
	tenc_on node1 -j status >"$T_DIR/st.json"
	[ "$(json_get "len(j['drift'])" <"$T_DIR/st.json")" -eq 0 ]
	tenc_on node1 disable
	[ "$(kobjs node1 6 | sed -n '/^# ipcache/,/^# spd/p' | grep -c :)" -eq 0 ]
	[[ $(kobjs node1 6) == *"SPD IPv6 thresholds: local 128 remote 128"* && $(kobjs node1 6) != *fd0* ]]
}

@test "IPv6 over IPv4: a peer without an IPv6 node ip, or a node without one: IPv6 prefixes planned over the IPv4 node ips" {
	enable_node 1 --encrypt --pod-cidr fd01:1::/64
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64
	tenc_on node1 peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24
	o=$(kobjs node1 6)
	echo "$o"
	# no key yet: entries flagged no key, the route allows for IPv4's overhead
	[[ $o == *"fd01:2::/64 peer 1 spi 0 flags nokey"* && $o == *"fd00::2/128 peer 1 spi 0 flags node,nokey"* ]]
	[[ $o == *"fd01:2::/64 dev eth0 proto 229 metric 1024 mtu 1420"* ]]
	[[ $o == *"SPD IPv6 thresholds: local 0 remote 64"* ]]
	[ "$(echo "$o" | grep -c "src ::/0 dst ::/0 .*dir \(in\|fwd\) .*mark 0xd00/0xf00")" -eq 2 ]
	[[ $o != *fd01:3* ]]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "[(p['name'], p.get('ipv6')) for p in j['peers']]")" = \
		"[('node2', {'encrypted': True, 'outer': 'ipv4'}), ('node3', None)]" ]
	[ "$(echo "$output" | json_get "(j['ipv6'], len(j['drift']))")" = "({'encrypted': True}, 0)" ]
	# this node without any IPv6 half: nothing IPv6 is planned, the peer's
	# IPv6 half says why
	tenc_on node1 disable
	enable_node 1 --encrypt
	[ "$(kobjs node1 6 | sed -n '/^# ipcache/,/^# spd/p' | grep -c :)" -eq 0 ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "j['peers'][0]['ipv6']['reason']")" = \
		"this node has no IPv6 half (enable --node-ip or --pod-cidr of IPv6)" ]
}
