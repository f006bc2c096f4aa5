#!/usr/bin/env bats
# live_keyless.bats: changes on a live node without keys (routes, ipcache
# entries, the rule: no ESP needed, so the host lanes, with and without
# ASan), make-before-break: a refusal at every k-th kernel change restores
# the node exactly; changes keep what stays; a crash after every k-th
# change, then the same command again, converges. live_faults.bats has the same
# with keys (VM lane).

load helpers
load topo
load live

test_setup() {
	need_root
}

# --- keyless (host lane): routes, ipcache entries, the rule ---

@test "keyless: a refusal at every k of peer changes restores the node exactly" {
	topo_up 3
	enable_node 1 --encrypt
	peers_doc '["10.1.2.0/24"]'
	tenc_on node1 peer sync "$T_DIR/sync.json"
	# gain a cidr and change node ip: routes and ipcache entries added,
	# replaced and removed
	peers_doc '["10.1.2.0/24", "10.2.2.0/24"]' 10.0.0.12
	fault_every_k node1 peer sync "$T_DIR/sync.json"
	echo "refused at k = 1..$FAULT_KS"
	[ "$FAULT_KS" -ge 4 ]
	on node1 ip route show table 2005 | grep -q "10.2.2.0/24"
	tenc_on node1 -j peer list | json_get "[p['node_ip'] for p in j['peers'] if p['name'] == 'node2'][0]" | grep -qx 10.0.0.12
	# peer add re-run with other arguments, and peer del
	fault_every_k node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$FAULT_KS" -ge 4 ]
	fault_every_k node1 peer del node3
	[ "$FAULT_KS" -ge 2 ]
	[ "$(drift_count node1)" -eq 0 ]
}

@test "keyless: peer changes keep what stays: entries updated in place, nothing re-created" {
	topo_up 3
	enable_node 1 --encrypt
	peers_doc '["10.1.2.0/24"]'
	tenc_on node1 peer sync "$T_DIR/sync.json"
	peers_doc '["10.1.2.0/24", "10.2.2.0/24"]'
	run tenc_on node1 -j -v peer sync "$T_DIR/sync.json"
	[ "$status" -eq 0 ]
	# the new cidr: one ipcache entry and one route, nothing else touched
	[ "$(echo "$output" | tail -n 1 | json_get "(j['changed'], j['unchanged'])")" = "(1, 1)" ]
	[ "$(echo "$output" | tail -n 1 | json_get "j['kernel_changes']")" -eq 2 ]
	peers_doc '["10.1.2.0/24"]'
	run tenc_on node1 -j peer sync "$T_DIR/sync.json"
	[ "$(echo "$output" | json_get "j['kernel_changes']")" -eq 2 ]
	! on node1 ip route show table 2005 | grep -q "10.2.2.0/24" || false
	on node1 ip route show table 2005 | grep -q "10.1.2.0/24"
}

@test "keyless: killed after every kernel change of peer sync, a re-run of it converges" {
	topo_up 3
	enable_node 1 --encrypt
	peers_doc '["10.1.2.0/24"]'
	tenc_on node1 peer sync "$T_DIR/sync.json"
	cp "$T_DIR/sync.json" "$T_DIR/a.json"
	peers_doc '["10.1.2.0/24", "10.2.2.0/24"]' 10.0.0.12
	cp "$T_DIR/sync.json" "$T_DIR/b.json"
	check() { # node3 did not change: its entries are all there
		on node1 "$DPTOOL" ipc-get "$T_DIR/node1/bpf" 10.1.3.0/24
		on node1 ip route show table 2005 | grep -q "10.1.3.0/24"
	}
	reset() { tenc_on node1 peer sync "$T_DIR/a.json" >/dev/null; }
	crash_every_k node1 check reset -- peer sync "$T_DIR/b.json"
	echo "crashed at k = 1..$CRASH_KS"
	[ "$CRASH_KS" -ge 4 ]
}


@test "keyless: killed after every kernel change of enable, disable, peer add and del, subnet add and del: a re-run converges" {
	topo_up 3
	enable_node 1 --encrypt
	peers_doc '["10.1.2.0/24"]'
	tenc_on node1 peer sync "$T_DIR/sync.json"
	check() { :; } # each crashed state is checked by the re-run converging
	r_enable() { enable_node 1 --encrypt >/dev/null; }
	crash_every_k node1 check r_enable -- enable --encrypt --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --pod-cidr 10.5.1.0/24 --dev pod0
	[ "$CRASH_KS" -ge 1 ] # the new local cidr's ipcache entry
	r_peer() { tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 >/dev/null; }
	crash_every_k node1 check r_peer -- peer add node2 --node-ip 10.0.0.12 --cidr 10.1.2.0/24 --cidr 10.2.2.0/24
	[ "$CRASH_KS" -ge 4 ]
	r_del() { tenc_on node1 peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24 >/dev/null; }
	crash_every_k node1 check r_del -- peer del node3
	[ "$CRASH_KS" -ge 2 ]
	r_disable() { enable_node 1 --encrypt >/dev/null; }
	crash_every_k node1 check r_disable -- disable
	[ "$CRASH_KS" -ge 4 ]
	enable_node 1 --encrypt --mode subnet
	r_sub() { tenc_on node1 subnet del 10.8.0.0/16 >/dev/null; }
	crash_every_k node1 check r_sub -- subnet add 10.8.0.0/16
	[ "$CRASH_KS" -ge 2 ]
	# (each loop ends with its command done: the subnet is there)
	r_sub2() { tenc_on node1 subnet add 10.8.0.0/16 >/dev/null; }
	crash_every_k node1 check r_sub2 -- subnet del 10.8.0.0/16
	[ "$CRASH_KS" -ge 2 ]
}
