#!/usr/bin/env bats
# datapath.bats: enable, disable, peers, keys and status on this kernel,
# everything that does not need ESP (BPF attach/pin, ipcache, rules,
# routes, policies, bad input, rollback, the lock). encrypt.bats has the
# tests that need ESP; they run in the VM lane.

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
	! on node1 ip rule | grep -q 2005
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
	! grep -q " $T_DIR/node1/bpf " /proc/mounts
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
	! on node1 ip route show table 2005 | grep -q 10.1.7.0/24
	before=$(snapshot node1)
	run tenc_on node1 -j peer sync --prune - <"$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['changed'], j['removed'], j['unchanged'])")" = "(0, 0, 0, 2)" ]
	[ "$(snapshot node1)" = "$before" ]
	run status_json node1
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "bad key input: exit 2, field named, nothing changed" {
	enable_node 1 --encrypt
	bad_input key add "$(keyline '3+ rfc4106(gcm(aes)) 0102 128 extra junk')"
	[[ $output == *line* ]]
	bad_input key add "$(keyline '3+ rfc4106(gcm(aes)) 01020304050607080910 128')"
	[[ $output == *"key (field 3): "* ]]
	bad_input key add "$(keyline '16+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128')"
	[[ $output == *"spi"* ]]
	bad_input key add "$(keyline '3+ rfc4106(gcm(foo)) 0102030405060708090a0b0c0d0e0f1011121314 128')"
	[[ $output == *"algorithm"* ]]
	bad_input key add --spi 0 "$(keyline '3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128')"
	chmod 644 "$T_DIR/k"
	bad_input key add "$T_DIR/k"
	[[ $output == *"group or others"* ]]
	[[ $output != *0102030405060708090a* ]]
}

@test "bad peer and address input: exit 2, field named, nothing changed" {
	enable_node 1 --encrypt
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	bad_input peer add node3 --node-ip 10.0.0.300 --cidr 10.1.3.0/24
	[[ $output == *"--node-ip"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.1/24
	[[ $output == *"--cidr"*"host bits"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3 --cidr 10.1.2.128/25
	[[ $output == *"overlaps peer 'node2'"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3 --cidr 10.1.0.0/16
	[[ $output == *"overlaps"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3 --cidr 10.1.1.0/25
	[[ $output == *"local pod cidr"* ]]
	# a change of node2 is checked as a new peer would be (peer add re-run)
	bad_input peer add node2 --node-ip 10.0.0.1 --cidr 10.1.3.0/24
	[[ $output == *"this node's own ip"* ]]
	bad_input peer add node3 --node-ip 10.0.0.2 --cidr 10.1.3.0/24
	[[ $output == *"node ip"* ]]
	bad_input peer add "bad name" --node-ip 10.0.0.3 --cidr 10.1.3.0/24
	bad_input peer add node3 --cidr 10.1.3.0/24
	bad_input peer del nosuch
	[[ $output == *"nosuch: no such peer"* ]]
	bad_input peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24 --spi 16
	echo '{"peers": [{"name": "x", "node_ip": "10.0.0.3", "cidrs": ["10.1.2.0/24"]}]}' >"$T_DIR/p.json"
	bad_input peer sync --strict "$T_DIR/p.json" # without --strict: x rejected (sync_robust.bats)
	[[ $output == *"x: --cidr: 10.1.2.0/24 overlaps peer 'node2'"* ]]
	echo '{"peers": [' >"$T_DIR/p.json"
	bad_input peer sync "$T_DIR/p.json"
	bad_input enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/33 --dev pod0
	bad_input enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.2.0/24 --dev pod0
	[[ $output == *"peer 'node2'"* ]]
	bad_input enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev nosuch0
	bad_input enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --mode fast
}

@test "bad input before enable mounts nothing and leaves no state" {
	run tenc_on node1 enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev nosuch0
	[ "$status" -eq 2 ]
	! grep -q "$T_DIR/node1/bpf" /proc/mounts
	[ ! -e "$T_DIR/node1/config.json" ]
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

@test "key gen prints a key line and refuses a file others can read" {
	run "$TENC" key gen
	[ "$status" -eq 0 ]
	[[ $output =~ ^1\+\ rfc4106\(gcm\(aes\)\)\ [0-9a-f]{40}\ 128$ ]]
	touch "$T_DIR/g"; chmod 644 "$T_DIR/g"
	run bash -c "'$TENC' key gen >'$T_DIR/g'"
	[ "$status" -eq 2 ]
	[ ! -s "$T_DIR/g" ]
	(umask 077; "$TENC" key gen >"$T_DIR/g2")
	grep -Eq '^1\+ ' "$T_DIR/g2"
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

@test "a key added before enable is applied by enable; key add twice is refused" {
	tenc_on node1 key add "$KEY"
	run tenc_on node1 key add "$KEY"
	[ "$status" -eq 2 ]
	[[ $output == *"current key exists"* ]]
	run tenc_on node1 -j key list
	[ "$(echo "$output" | json_get "(j['keys'][0]['spi'], j['keys'][0]['state'])")" = "(3, 'current')" ]
}

@test "a second writer waits for the lock, then exits 1 naming the holder" {
	mkdir -p "$T_DIR/node1"
	exec 8>"$T_DIR/node1/lock"
	flock 8
	echo 4242 >&8
	run tenc_on node1 --wait 1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	exec 8>&-
	[ "$status" -eq 1 ]
	[[ $output == *"locked by pid 4242"* ]]
	run tenc_on node1 --wait 1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$status" -eq 0 ]
}

@test "without privileges a writer says what is missing and exits 1" {
	command -v setpriv >/dev/null || skip "no setpriv"
	mkdir -p "$T_DIR/np" && chmod 777 "$T_DIR/np"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		env TENC_STATE_DIR="$T_DIR/np" "$TENC" peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$status" -eq 1 ]
	[[ $output == *"missing CAP_NET_ADMIN, CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN"* ]]
}
