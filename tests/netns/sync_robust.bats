#!/usr/bin/env bats
# sync_robust.bats: one bad node never blocks the rest (issue 12, 0): a
# kubectl node list with good nodes and each kind of node that cannot be
# peered (no InternalIP, an IPv4 pod CIDR with an IPv6 InternalIP only,
# no pod CIDR yet, a bad address, a
# CIDR overlapping a peer's or the local pod CIDR, a peer's node ip, a
# name given twice, two new nodes claiming the same CIDR): the good ones
# applied, each bad one named with its reason on stderr and in -j, exit
# 0; the peer already peered keeps its claim, and a known peer that turns
# bad stays as it is, also with --prune; --strict is all or nothing (exit
# 2, nothing changed); a malformed document is still exit 2. Keyless:
# routes and ipcache entries only, so the host lanes.

load helpers
load topo

test_setup() {
	need_root
	topo_up 2
	enable_node 1 --encrypt
}

# node NAME ADDRESSES SPEC: one kubectl Node object.
node() {
	echo "{\"metadata\": {\"name\": \"$1\"}, \"spec\": {$3}, \"status\": {\"addresses\": [$2]}}"
}
ip_() { echo "{\"type\": \"InternalIP\", \"address\": \"$1\"}"; }

# nodes_doc: the list, into $T_DIR/nodes.json; GOOD2_SPEC overrides good2's.
nodes_doc() {
	local items=(
		"$(node node1 "$(ip_ 10.0.0.1)" '"podCIDRs": ["10.1.1.0/24"]')"
		"$(node good2 "$(ip_ 10.0.0.2)" "${GOOD2_SPEC:-\"podCIDRs\": [\"10.1.2.0/24\"]}")"
		"$(node good3 "$(ip_ fd00::3), $(ip_ 10.0.0.3)" '"podCIDRs": ["10.1.3.0/24", "fd00:3::/64"]')"
		"$(node inc "$(ip_ 10.0.0.20)" '"podCIDRs": ["10.1.20.0/24"]')"
		"$(node noip '{"type": "Hostname", "address": "noip"}' '"podCIDRs": ["10.1.4.0/24"]')"
		"$(node v4on6 "$(ip_ fd00::5)" '"podCIDRs": ["fd00:5::/64", "10.1.5.0/24"]')"
		"$(node nocidr "$(ip_ 10.0.0.6)" '')"
		"$(node badip "$(ip_ 10.0.0.300)" '"podCIDRs": ["10.1.7.0/24"]')"
		"$(node overlap "$(ip_ 10.0.0.8)" '"podCIDRs": ["10.1.20.128/25"]')"
		"$(node localcidr "$(ip_ 10.0.0.9)" '"podCIDRs": ["10.1.1.0/25"]')"
		"$(node dupip "$(ip_ 10.0.0.20)" '"podCIDRs": ["10.1.10.0/24"]')"
		"$(node twice "$(ip_ 10.0.0.11)" '"podCIDRs": ["10.1.11.0/24"]')"
		"$(node twice "$(ip_ 10.0.0.12)" '"podCIDRs": ["10.1.12.0/24"]')"
		"$(node newa "$(ip_ 10.0.0.13)" '"podCIDRs": ["10.1.13.0/24"]')"
		"$(node newb "$(ip_ 10.0.0.14)" '"podCIDRs": ["10.1.13.0/24"]')"
	)
	local IFS=,
	echo "{\"items\": [${items[*]}]}" >"$T_DIR/nodes.json"
}

# reason NAME: the reason the last -j run (in $T_DIR/out) gives for NAME.
reason() { json_get "{r['name']: r['reason'] for r in j['rejected_nodes']}['$1']" <"$T_DIR/out"; }

@test "one bad node never blocks the rest: the good ones applied, each bad one named, exit 0" {
	tenc_on node1 peer add inc --node-ip 10.0.0.20 --cidr 10.1.20.0/24
	nodes_doc
	st=0
	tenc_on node1 -j peer sync --prune "$T_DIR/nodes.json" >"$T_DIR/out" 2>"$T_DIR/err" || st=$?
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$st" -eq 0 ]
	[ "$(json_get "(j['added'], j['changed'], j['removed'], j['unchanged'], j['rejected'])" <"$T_DIR/out")" = "(2, 0, 0, 1, 11)" ]
	[ "$(json_get "list(j)[:6]" <"$T_DIR/out")" = "['added', 'changed', 'removed', 'unchanged', 'kernel_changes', 'rejected']" ]
	[[ $(reason noip) == "status.addresses: no InternalIP" ]]
	[[ $(reason v4on6) == "spec.podCIDRs: IPv4 pod cidrs need an IPv4 node ip (IPv4 is not carried over IPv6)" ]]
	[[ $(reason nocidr) == *"spec.podCIDRs: none"* ]]
	[[ $(reason badip) == *"not an IP address"* ]]
	[[ $(reason overlap) == *"overlaps peer 'inc''s 10.1.20.0/24"* ]]
	[[ $(reason localcidr) == *"overlaps the local pod cidr 10.1.1.0/24"* ]]
	[[ $(reason dupip) == *"10.0.0.20 is peer 'inc''s node ip"* ]]
	[[ $(reason twice) == *"appears twice"* ]]
	[[ $(reason newa) == *"overlaps peer 'newb'"* ]]
	[[ $(reason newb) == *"overlaps peer 'newa'"* ]]
	[ "$(json_get "sum(r['name'] == 'twice' for r in j['rejected_nodes'])" <"$T_DIR/out")" -eq 2 ]
	# each one on stderr too, with its reason
	for n in noip v4on6 nocidr badip overlap localcidr dupip twice newa newb; do
		grep -q "^tenc: peer sync: $n: .*(rejected)$" "$T_DIR/err"
	done
	[ "$(grep -c '(rejected)$' "$T_DIR/err")" -eq 11 ]
	! grep -q node1 "$T_DIR/err" || false # the local node is skipped, not rejected
	run tenc_on node1 -j peer list
	[ "$(echo "$output" | json_get "sorted(p['name'] for p in j['peers'])")" = "['good2', 'good3', 'inc']" ]
	on node1 ip route show table 2005 | grep -q "10.1.2.0/24"
	on node1 ip route show table 2005 | grep -q "10.1.3.0/24"
	! on node1 ip route show table 2005 | grep -q "10.1.13.0/24" || false
	[ "$(drift_count node1)" -eq 0 ]
	# the plain form says how many
	run tenc_on node1 peer sync "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[[ $output == *"peers: 0 added, 0 changed, 0 removed, 3 unchanged; 0 kernel changes; 11 rejected"* ]]
}

@test "a known peer that turns bad stays as it was, also with --prune; the next good list applies it" {
	tenc_on node1 peer add inc --node-ip 10.0.0.20 --cidr 10.1.20.0/24
	nodes_doc
	tenc_on node1 peer sync "$T_DIR/nodes.json"
	peers_sorted() { tenc_on node1 -j peer list | json_get "sorted(j['peers'], key=lambda p: p['name'])"; }
	before=$(snapshot node1; peers_sorted)
	GOOD2_SPEC='"podCIDRs": ["10.1.3.128/25"]' nodes_doc # good3's: a new claim, left out
	st=0
	tenc_on node1 -j peer sync --prune "$T_DIR/nodes.json" >"$T_DIR/out" 2>"$T_DIR/err" || st=$?
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$st" -eq 0 ]
	[[ $(reason good2) == *"overlaps peer 'good3''s 10.1.3.0/24"* ]]
	[ "$(json_get "(j['removed'], j['unchanged'], j['kernel_changes'], j['rejected'])" <"$T_DIR/out")" = "(0, 2, 0, 12)" ]
	[ "$before" = "$(snapshot node1; peers_sorted)" ] # (kept: listed after the input's)
	GOOD2_SPEC='"podCIDR": "10.1.22.0/24"' nodes_doc
	run tenc_on node1 -j peer sync --prune "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -n 1 | json_get "(j['changed'], j['rejected'])")" = "(1, 11)" ]
	on node1 ip route show table 2005 | grep -q "10.1.22.0/24"
}

@test "--strict: any node rejected is exit 2, each one named, nothing changed; a bad document is exit 2 without it" {
	tenc_on node1 peer add inc --node-ip 10.0.0.20 --cidr 10.1.20.0/24
	nodes_doc
	bad_input peer sync --strict --prune "$T_DIR/nodes.json"
	[[ $output == *"tenc: peer sync: nocidr: spec.podCIDRs: none"* ]]
	[[ $output == *"tenc: peer sync: newa: --cidr: 10.1.13.0/24 overlaps peer 'newb'"* ]]
	[[ $output == *"dupip: --node-ip: 10.0.0.20 is peer 'inc''s node ip"* ]]
	[[ $output != *"(rejected)"* ]]
	st=0
	out=$(tenc_on node1 -j peer sync --strict "$T_DIR/nodes.json" 2>/dev/null) || st=$?
	[ "$st" -eq 2 ]
	echo "$out" | head -n 1 | json_get "j['error']" | grep -q "noip: status.addresses: no InternalIP"
	# the same list without its bad nodes passes --strict
	python3 - "$T_DIR/nodes.json" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["items"] = [i for i in d["items"] if i["metadata"]["name"] in ("node1", "good2", "good3", "inc")]
	json.dump(d, open(sys.argv[1], "w"))
	PY
	run tenc_on node1 -j peer sync --strict "$T_DIR/nodes.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "(j['added'], j['unchanged'], j['rejected'], j['rejected_nodes'])")" = "(2, 1, 0, [])" ]
	for doc in '{"items": 3}' '{"nodes": []}' '{"items": [' 'not json' '[]'; do
		echo "$doc" >"$T_DIR/bad.json"
		bad_input peer sync --prune "$T_DIR/bad.json"
	done
}
