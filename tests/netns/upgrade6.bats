#!/usr/bin/env bats
# upgrade6.bats: `enable` over a running tenc from before IPv6 accounting
# (TENC_PRE6: main before it, built from git history by `make pre6-tenc`),
# whose bpffs has no flows6 map. The new map is pinned beside the kept
# ones (no other map changed shape: nothing is migrated, the IPv4 flows
# stay), the new programs are attached, and IPv6 is accounted from then on.
# Keyless (host lanes): observe-only nodes, as audit.bats.

load helpers
load topo

PRE6=${TENC_PRE6:-$REPO/build/pre6/tenc}
PREV6=${TENC_PREV6:-$REPO/build/prev6/tenc}

test_setup() {
	need_root
	[ -x "$PRE6" ] || { echo "no $PRE6 (make pre6-tenc makes it)"; return 1; }
	topo_dual 2
}

# pre6_on NODE ARGS...: the older tenc as node NODE.
pre6_on() {
	local n=$1; shift
	TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$PRE6" "$@"
}

# pod0_prog NODE: the id of the program on node's pod0 ingress.
pod0_prog() {
	on "$1" bpftool -j net show dev pod0 | json_get "[f['id'] for f in j[0]['tc'] if f['kind'] == 'clsact/ingress'][0]"
}

@test "enable over a tenc without flows6: pinned, attached, IPv6 accounted, IPv4 flows kept" {
	pre6_on node1 enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0
	pre6_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	on pod1 ping -6 -c 1 fd01:2::2
	[ ! -e "$T_DIR/node1/bpf/flows6" ]
	local flows_id old_prog
	flows_id=$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows" | json_get "j['id']")
	old_prog=$(pod0_prog node1)
	run tenc_on node1 enable
	[ "$status" -eq 0 ]
	[[ $output != *"another layout"* ]] # nothing migrated
	# flows6 pinned; the new program on pod0 uses it and the kept flows map
	local f6 prog
	f6=$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows6" | json_get "j['id']")
	prog=$(pod0_prog node1)
	[ "$prog" != "$old_prog" ]
	on node1 bpftool -j prog show id "$prog" | json_get "$f6 in j['map_ids'] and $flows_id in j['map_ids']" | grep -qx True
	# the IPv4 flows of before are still there; IPv6 is seen from now on
	on pod1 ping -6 -c 1 fd01:2::2
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(json_get "[(f['family'], f['packets'], f['verdict']) for f in j['flows'] if f['dst'] in ('10.1.2.2', 'fd01:2::2')]" <"$T_DIR/audit.json")" = \
		"[('ipv4', 2, 'violation'), ('ipv6', 1, 'plaintext')]" ]
	# and disable removes the new pin with the others
	tenc_on node1 disable
	[ ! -e "$T_DIR/node1/bpf/flows6" ]
}

@test "enable over a tenc whose flows6 had 65,536 entries: flows6 migrated to 262,144, the IPv4 flows kept" {
	[ -x "$PREV6" ] || { echo "no $PREV6 (make prev6-tenc makes it)"; return 1; }
	TENC_STATE_DIR="$T_DIR/node1" ip netns exec "$(ns node1)" "$PREV6" enable --node-ip 10.0.0.1 \
		--pod-cidr 10.1.1.0/24 --dev pod0
	TENC_STATE_DIR="$T_DIR/node1" ip netns exec "$(ns node1)" "$PREV6" peer add node2 --node-ip 10.0.0.2 \
		--cidr 10.1.2.0/24
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	[ "$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows6" | json_get "j['max_entries']")" -eq 65536 ]
	flows_id=$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows" | json_get "j['id']")
	run tenc_on node1 enable
	[ "$status" -eq 0 ]
	[ "$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows6" | json_get "j['max_entries']")" -eq 262144 ]
	[ "$(on node1 bpftool -j map show pinned "$T_DIR/node1/bpf/flows" | json_get "j['id']")" -eq "$flows_id" ]
	[ ! -e "$T_DIR/node1/bpf/flows6_old" ]
	on pod1 ping -6 -c 1 fd01:2::2
	audit_json node1
	[ "$(json_get "[(f['family'], f['packets']) for f in j['flows'] if f['dst'] in ('10.1.2.2', 'fd01:2::2')]" <"$T_DIR/audit.json")" = \
		"[('ipv4', 2), ('ipv6', 1)]" ]
	[ "$(tenc_on node1 -j status | json_get "len(j['drift'])")" -eq 0 ]
}
