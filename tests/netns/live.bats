#!/usr/bin/env bats
# live.bats: changes on a live node with keys, make-before-break (issue
# 10): a peer that gains, loses and regains a cidr under traffic, changes
# node ip; subnet add and del under traffic. Needs ESP (VM lane). A kernel
# refusal or a crash at every k-th change: live_faults.bats (with keys, VM
# lane) and live_keyless.bats (without, host lanes).

load helpers
load topo
load live

test_setup() {
	need_root
}

# --- with keys (VM lane): SAs, policies, routes, ipcache under traffic ---

@test "under traffic, a peer gains, loses and regains a cidr (sync and add): 0 lost, 0 plaintext, SAs kept" {
	encrypted_cluster 3
	cap_start
	traffic_start 12
	s0=$(sa_seqs node1)
	sleep 1 # not a readiness wait: traffic flows before the first change
	for c in '["10.1.2.0/24", "10.2.2.0/24"]' '["10.1.2.0/24"]' '["10.1.2.0/24", "10.2.2.0/24"]'; do
		peers_doc "$c"
		run tenc_on node1 -j peer sync "$T_DIR/sync.json"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | json_get "j['changed']")" -eq 1 ]
		sleep 1 # and between changes: each under traffic
	done
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	sleep 1 # the same
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 --cidr 10.2.2.0/24
	traffic_check
	cap_stop
	no_plaintext
	seqs_kept "$s0" "$(sa_seqs node1)"
	[ "$(drift_count node1)" -eq 0 ]
}

@test "a peer changes node ip under traffic: pods of the other peers lose nothing, the pair recovers, 0 plaintext" {
	encrypted_cluster 3
	on node2 ip addr add 10.0.0.12/24 dev eth0
	cap_start
	bg_on pod1 ping $(ping_flow 600) 10.1.3.2 >"$T_DIR/ping13" 2>&1
	p=$!
	sleep 1 # not a readiness wait: pings flow before the change
	for i in 1 3; do tenc_on "node$i" peer add node2 --node-ip 10.0.0.12 --cidr 10.1.2.0/24; done
	tenc_on node2 enable --node-ip 10.0.0.12 --pod-cidr 10.1.2.0/24 --dev pod0 --underlay-dev eth0 --encrypt
	wait $p
	cat "$T_DIR/ping13"
	grep -q "600 packets transmitted, 600 received, 0% packet loss" "$T_DIR/ping13"
	on pod1 ping -c 3 -W 2 10.1.2.2
	on pod2 ping -c 3 -W 2 10.1.3.2
	cap_stop
	no_plaintext
	[ "$(cap_count 'esp and host 10.0.0.12')" -ge 6 ]
	for i in 1 2 3; do [ "$(drift_count node$i)" -eq 0 ]; done
}

@test "in subnet mode, subnet add and del under traffic: 0 lost, 0 plaintext, SAs kept" {
	local i
	esp_topo 3
	for i in 1 2 3; do
		enable_node "$i" --encrypt --mode subnet
		tenc_on "node$i" subnet add 10.1.0.0/16
	done
	key_all 3 "$KEY"
	peer_all 3
	on pod1 ping -c 1 -W 5 10.1.2.2 >/dev/null
	s0=$(sa_seqs node1)
	cap_start
	traffic_start 8
	sleep 1 # not a readiness wait: traffic flows before the change
	for i in 1 2 3; do tenc_on "node$i" subnet add 10.2.0.0/16; done
	sleep 1 # and between the two changes
	for i in 1 2 3; do tenc_on "node$i" subnet del 10.2.0.0/16; done
	traffic_check
	cap_stop
	no_plaintext
	seqs_kept "$s0" "$(sa_seqs node1)"
	for i in 1 2 3; do [ "$(drift_count node$i)" -eq 0 ]; done
}
