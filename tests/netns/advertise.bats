#!/usr/bin/env bats
# advertise.bats: a node's epoch and its advertisement (issue 10, part 2),
# host lanes: the epoch stays while the node's kernel state lives and is
# new once it was lost (a reboot: XFRM, rules, routes, programs flushed and
# the bpffs unmounted; a disable; a wiped state dir); `tenc advertise`
# feeds another node's `peer sync`, -j and --kubectl; bad input. epoch.bats
# has the reboot tests with SAs (VM lane).

load helpers
load topo
load live

test_setup() {
	need_root
}

@test "advertise: -j is a peer list that feeds peer sync; --kubectl prints the annotations" {
	topo_up 2
	enable_node 1 --encrypt --name node1
	enable_node 2 --encrypt --name node2
	run tenc_on node2 -j advertise
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(echo "$output" | json_get "(j['peers'][0]['name'], j['peers'][0]['node_ip'], j['peers'][0]['cidrs'])")" = "('node2', '10.0.0.2', ['10.1.2.0/24'])" ]
	[[ $(echo "$output" | json_get "j['peers'][0]['epoch']") =~ ^[0-9a-f]{16}$ ]]
	echo "$output" >"$T_DIR/a2.json"
	run tenc_on node1 -j peer sync "$T_DIR/a2.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['added']")" -eq 1 ]
	[ "$(tenc_on node1 -j peer list | json_get "j['peers'][0]['epoch']")" = "$(epoch_of node2)" ]
	# by hand: peer add --epoch, kept by a re-run without it
	run tenc_on node1 -j peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 --epoch 0123456789abcdef
	[ "$(echo "$output" | json_get "(j['result'], j['epoch'])")" = "('changed', '0123456789abcdef')" ]
	run tenc_on node1 -j peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$(echo "$output" | json_get "(j['result'], j['epoch'])")" = "('unchanged', '0123456789abcdef')" ]
	run tenc_on node2 advertise --kubectl
	[[ $output =~ ^tenc\.io/epoch=[0-9a-f]{16}$ ]]
	tenc_on node2 key add "$(keyline "3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128")"
	run tenc_on node2 advertise --kubectl
	[[ $output =~ ^tenc\.io/spi=3\ tenc\.io/epoch=[0-9a-f]{16}$ ]]
	# the annotations as kubectl shows them feed peer sync too
	e=$(epoch_of node2)
	cat >"$T_DIR/nodes.json" <<-EOF2
	{"items": [{"metadata": {"name": "node2", "annotations": {"tenc.io/spi": "3", "tenc.io/epoch": "$e"}},
	  "spec": {"podCIDRs": ["10.1.2.0/24"]}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.2"}]}}]}
	EOF2
	run tenc_on node1 -j peer sync "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(tenc_on node1 -j peer list | json_get "(j['peers'][0]['epoch'], j['peers'][0]['spi'])")" = "('$e', 3)" ]
}

@test "the epoch stays across enable re-runs, and is new after a reboot, a disable or a wiped state dir" {
	topo_up 1
	enable_node 1 --encrypt --name node1
	e1=$(epoch_of node1)
	enable_node 1 --encrypt
	[ "$(epoch_of node1)" = "$e1" ]
	[ "$(tenc_on node1 -j advertise | json_get "j['peers'][0]['name']")" = node1 ]
	# a reboot, then the boot command: enable with no arguments re-applies
	reboot node1
	run tenc_on node1 -j enable
	echo "$output"
	[ "$status" -eq 0 ]
	e2=$(epoch_of node1)
	[ "$e2" != "$e1" ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	run tenc_on node1 -j enable
	[ "$(echo "$output" | json_get "j['changes']")" -eq 0 ]
	[ "$(epoch_of node1)" = "$e2" ]
	tenc_on node1 disable
	enable_node 1 --encrypt --name node1
	e3=$(epoch_of node1)
	[ "$e3" != "$e2" ] && [ "$e3" != "$e1" ]
	reboot node1
	rm -rf "$T_DIR/node1"
	enable_node 1 --encrypt --name node1
	e4=$(epoch_of node1)
	[ "$e4" != "$e3" ] && [ "$e4" != "$e2" ] && [ "$e4" != "$e1" ]
}

@test "bad input: advertise before enable, a bad --epoch, a bad epoch in sync input: exit 2, nothing changed" {
	topo_up 2
	run tenc_on node1 advertise
	[ "$status" -eq 2 ]
	[[ $output == *"not enabled"* ]]
	[ ! -e "$T_DIR/node1/config.json" ]
	enable_node 1 --encrypt --name node1
	for e in 0000000000000000 123 0102030405060708a ABCDEF0123456789 "01020304 5060708" ""; do
		bad_input peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 --epoch "$e"
		[[ $output == *"--epoch: must be 16 lowercase hex digits"* ]]
	done
	echo '{"peers": [{"name": "node2", "node_ip": "10.0.0.2", "cidrs": ["10.1.2.0/24"], "epoch": "xyz"}]}' >"$T_DIR/p.json"
	bad_input peer sync --strict "$T_DIR/p.json" # without --strict: node2 rejected, exit 0
	[[ $output == *"node2: epoch: not 16 lowercase hex digits"* ]]
	bad_input enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --name "-x"
	[[ $output == *"--name: must be 1..253"* ]]
}


@test "a host name that is no peer name: enable works, advertise asks for --name" {
	topo_up 1
	run unshare -u sh -c "echo '(none)' >/proc/sys/kernel/hostname && TENC_STATE_DIR='$T_DIR/node1' ip netns exec '$(ns node1)' '$TENC' enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0"
	echo "$output"
	[ "$status" -eq 0 ]
	run tenc_on node1 advertise
	[ "$status" -eq 2 ]
	[[ $output == *"no name (tenc enable --name NAME)"* ]]
	enable_node 1 --encrypt --name node1
	[ "$(tenc_on node1 -j advertise | json_get "j['peers'][0]['name']")" = node1 ]
}
