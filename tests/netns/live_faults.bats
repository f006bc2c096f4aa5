#!/usr/bin/env bats
# live_faults.bats: changes on a live node with keys, a kernel refusal at
# every k-th change of SAs, policies, routes and the ipcache restores what
# was there (pods keep talking); a crash after every k-th change, then the
# same command again, converges (an encrypted peer stays encrypted). Needs
# ESP (VM lane). Kept apart from live.bats for the lanes: the vm612 lane
# (Debian 13's kernel) runs both files, the vm lane (Debian 12's) live.bats
# alone (tests/run.sh: CI's 60 minutes); live_keyless.bats has the same
# without keys in the host lanes.

load helpers
load topo
load live

test_setup() {
	need_root
}

@test "a refusal at every k of a change of SAs, policies, routes and ipcache restores it exactly; pods keep talking" {
	encrypted_cluster 3
	on node2 ip addr add 10.0.0.12/24 dev eth0
	# node ip and a cidr change at once: SAs re-keyed and added, policies
	# replaced and added, a route and ipcache entries added and removed
	fault_every_k node1 peer add node2 --node-ip 10.0.0.12 --cidr 10.1.2.0/24 --cidr 10.2.2.0/24
	echo "refused at k = 1..$FAULT_KS"
	[ "$FAULT_KS" -ge 8 ]
	on node1 ip xfrm state | grep -q "dst 10.0.0.12"
	on pod1 ping -c 2 -W 2 10.1.3.2
}

@test "a refusal at every k of the change back restores it exactly too; then the pods talk again" {
	encrypted_cluster 3
	on node2 ip addr add 10.0.0.12/24 dev eth0
	tenc_on node1 peer add node2 --node-ip 10.0.0.12 --cidr 10.1.2.0/24 --cidr 10.2.2.0/24
	fault_every_k node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$FAULT_KS" -ge 8 ]
	on pod1 ping -c 2 -W 2 10.1.2.2
}

@test "killed after every kernel change of peer sync with keys: node3 stays encrypted, a re-run converges" {
	encrypted_cluster 3
	on node2 ip addr add 10.0.0.12/24 dev eth0
	peers_doc '["10.1.2.0/24"]'
	cp "$T_DIR/sync.json" "$T_DIR/a.json"
	peers_doc '["10.1.2.0/24", "10.2.2.0/24"]' 10.0.0.12
	cp "$T_DIR/sync.json" "$T_DIR/b.json"
	check() { # node3 untouched: pods reach it encrypted
		cap_start
		on pod1 ping -c 1 -W 2 10.1.3.2
		cap_stop
		[ "$(cap_count 'esp and host 10.0.0.3')" -ge 2 ]
		no_plaintext
	}
	reset() { tenc_on node1 peer sync "$T_DIR/a.json" >/dev/null; }
	crash_every_k node1 check reset -- peer sync "$T_DIR/b.json"
	echo "crashed at k = 1..$CRASH_KS"
	[ "$CRASH_KS" -ge 8 ]
}
