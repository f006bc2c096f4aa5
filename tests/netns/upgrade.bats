#!/usr/bin/env bats
# upgrade.bats: upgrading tenc is a live change too (issue 10). Three nodes
# are set up by the tenc of the commit before the live-changes work
# (TENC_OLD, built from git history by tests/lib/build-old.sh, which the
# vm lane runs first), then each is switched to this tenc, under continuous
# traffic; then to this tree built with the next layout (pinned maps of
# another shape: migrate.bats has the steps). And a tenc meeting a state
# dir of a newer layout refuses it.

load helpers
load topo
load live

OLD=${TENC_OLD:-$REPO/build/old/tenc}
NEXT=${TENC_NEXT:-$REPO/build/next/tenc} # this tree, next layout (make next-tenc)

test_setup() {
	need_root
}

# upgrade_each NEW CHECK: switch every node of the running 3-node cluster
# to the tenc NEW (its enable re-applies the saved config; CHECK then sees
# its -j output), under traffic: 0 lost, 0 plaintext, the SAs keep their
# sequence numbers, no drift.
upgrade_each() {
	local new=$1 check=$2 i s0
	s0=$(sa_seqs node1)
	cap_start
	traffic_start 10
	sleep 1 # not a readiness wait: traffic flows before the first switch
	for i in 1 2 3; do
		run env TENC_STATE_DIR="$T_DIR/node$i" ip netns exec "$(ns "node$i")" "$new" -j enable
		echo "node$i: $output"
		[ "$status" -eq 0 ]
		$check
		sleep 1 # and between switches: each node's change under traffic
	done
	traffic_check
	cap_stop
	no_plaintext
	seqs_kept "$s0" "$(sa_seqs node1)"
	TENC=$new
	for i in 1 2 3; do [ "$(drift_count node$i)" -eq 0 ]; done
}

no_changes() { [[ $output == *'"changes":0'* ]]; }
migrated() { [[ $output == *"pinned by a tenc of another layout"* ]]; }

@test "an upgrade from the tenc before live changes, node by node under traffic: 0 lost, 0 plaintext, SAs kept" {
	local new=$TENC
	need_feature esp
	need_feature aes_gcm
	[ -x "$OLD" ] || { echo "no $OLD (tests/lib/build-old.sh makes it)"; return 1; }
	TENC=$OLD
	encrypted_cluster 3
	upgrade_each "$new" no_changes
	# the new state: a layout, an epoch
	[ "$(json_get "j['layout']" <"$T_DIR/node1/config.json")" -eq 1 ]
	[[ $(json_get "j['epoch']" <"$T_DIR/node1/config.json") =~ ^[0-9a-f]{16}$ ]]
}

@test "an upgrade to a layout with other pinned maps, node by node under traffic: 0 lost, 0 plaintext, SAs kept" {
	local i
	[ -x "$NEXT" ] || { echo "no $NEXT (make next-tenc makes it)"; return 1; }
	encrypted_cluster 3
	upgrade_each "$NEXT" migrated
	for i in 1 2 3; do
		[ "$(on node$i bpftool -j map show pinned "$T_DIR/node$i/bpf/ipcache" | json_get "j['max_entries']")" -eq 524288 ]
		! ls "$T_DIR/node$i"/bpf/*_old || false
		[ "$(json_get "j['layout']" <"$T_DIR/node$i/config.json")" -eq 2 ]
	done
}

@test "a state dir of a newer layout is refused with exit 1, nothing changed" {
	topo_up 1
	enable_node 1 --encrypt
	python3 - "$T_DIR/node1/config.json" <<-'PY'
	import json, sys
	c = json.load(open(sys.argv[1])); c["layout"] = 99
	json.dump(c, open(sys.argv[1], "w"))
	PY
	before=$(snapshot node1)
	for cmd in "enable" "status" "peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24"; do
		run tenc_on node1 $cmd
		echo "$output"
		[ "$status" -eq 1 ]
		[[ $output == *"config.json: layout 99: written by a newer tenc (this one knows layout 1 and older)"* ]]
	done
	[ "$(snapshot node1)" = "$before" ]
}
