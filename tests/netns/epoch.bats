#!/usr/bin/env bats
# epoch.bats: reboots and re-provisioned nodes with SAs (issue 10, part
# 2): after a reboot and the boot command, one peer sync of the merged
# advertisements on each peer re-keys exactly the rebooted node's SAs, and
# every pair flows within a second; the peers show it as rejecting until
# then. Needs ESP (VM lane); advertise.bats has the host-lane tests of
# epochs and advertisements.

load helpers
load topo
load live

test_setup() {
	need_root
}

# --- with SAs (VM lane) ---

# sync_cluster: three nodes in the sync workflow: named, keyed, each
# syncing every node's advertisement (its own is skipped).
sync_cluster() {
	local i
	esp_topo 3
	for i in 1 2 3; do enable_node "$i" --encrypt --name "node$i"; done
	key_all 3 "$KEY"
	advertise_all 3
	for i in 1 2 3; do tenc_on "node$i" peer sync "$T_DIR/adv.json"; done
	on pod1 ping -c 2 -W 2 10.1.2.2
	on pod3 ping -c 2 -W 2 10.1.2.2
}

# reach_within_1s: every pair of pods answers the first ping within a second.
reach_within_1s() {
	local i j
	for i in 1 2 3; do
		for j in 1 2 3; do
			[ "$i" = "$j" ] || on "pod$i" ping -c 1 -W 1 "10.1.$j.2"
		done
	done
}

@test "a reboot and the boot command; one peer sync of the new advertisement on each peer: all pairs flow within a second" {
	sync_cluster
	s13=$(sa_seqs node1 | grep 10.0.0.3)
	cap_start
	reboot node2
	run tenc_on node2 enable # the boot command: the saved config, a new epoch
	[ "$status" -eq 0 ]
	# until the peers know the new epoch, node2's SAs are refused by them,
	# and they say so: node2 is rejecting, with the likely cause
	! on pod2 ping -c 2 -W 1 10.1.1.2 || false
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "[p['rejecting'] for p in j['peers'] if p['name'] == 'node2'][0]")" = True ]
	[ "$(echo "$output" | json_get "[p['rejecting'] for p in j['peers'] if p['name'] == 'node3'][0]")" = False ]
	echo "$output" | json_get "[d['object'] for d in j['drift'] if d['problem'] == 'rejecting'][0]" | grep -q "^node2: .*epoch or key is stale here"
	run tenc_on node1 -j audit
	[ "$(echo "$output" | json_get "[p['rejecting'] > 0 for p in j['sa_health'] if p['peer'] == 'node2'][0]")" = True ]
	tenc_on node1 audit --format prometheus | grep -Eq '^tenc_peer_rejecting\{peer="node2"\} [1-9]'
	# counters that moved before tenc last converged the node do not count
	! on pod2 ping -c 2 -W 1 10.1.3.2 || false
	[ "$(tenc_on node3 -j status | json_get "[p['rejecting'] for p in j['peers'] if p['name'] == 'node2'][0]")" = True ]
	tenc_on node3 enable
	[ "$(tenc_on node3 -j status | json_get "[p['rejecting'] for p in j['peers'] if p['name'] == 'node2'][0]")" = False ]
	advertise_all 3
	for i in 1 3; do
		run tenc_on "node$i" -j peer sync "$T_DIR/adv.json"
		echo "$output"
		[ "$(echo "$output" | json_get "(j['changed'], j['unchanged'])")" = "(1, 1)" ]
	done
	reach_within_1s
	cap_stop
	no_plaintext
	for i in 1 2 3; do [ "$(drift_count node$i)" -eq 0 ]; done
	[ "$(tenc_on node1 -j status | json_get "[p['rejecting'] for p in j['peers']]")" = "[False, False]" ]
	# node1 re-keyed node2's SAs and nothing of node3's
	seqs_kept "$s13" "$(sa_seqs node1 | grep 10.0.0.3)"
}

@test "a re-provisioned node (state dir wiped, same name and node ip): the same recovery" {
	sync_cluster
	cap_start
	reboot node2
	rm -rf "$T_DIR/node2"
	enable_node 2 --encrypt --name node2
	tenc_on node2 key add "$KEY"
	advertise_all 3
	for i in 1 2 3; do tenc_on "node$i" peer sync "$T_DIR/adv.json"; done
	reach_within_1s
	cap_stop
	no_plaintext
	for i in 1 2 3; do [ "$(drift_count node$i)" -eq 0 ]; done
}
