#!/usr/bin/env bats
# audit-esp.bats: `tenc audit` and `tenc trace` on encrypted traffic: the
# verdicts encrypted (with the SPI), plaintext, local, dropped, and the
# violations a forced leak makes, shown live by trace; and on a dual-stack
# cluster the same for IPv6 (IPv6 pairs, IPv6 in IPv6 ESP). Needs ESP and
# AES-GCM: skips on a host kernel without them, and must run (never skip)
# in the VM lane (tests/vm). Topology: topo.bash (2 nodes, ext no peer).

load helpers
load topo

test_setup() {
	need_root
	if [[ $BATS_TEST_DESCRIPTION == "dual stack:"* ]]; then dual_cluster; else encrypted_cluster 2; fi
	SPI=$(tenc_on node1 -j key list | json_get "j['keys'][0]['spi']")
}

# dual_cluster: encrypted_cluster 2 on topo_dual, the nodes and their
# peers with both families (IPv6 pairs: IPv6 in IPv6 ESP).
dual_cluster() {
	local i
	esp_topo 2 topo_dual
	for i in 1 2; do enable_node "$i" --encrypt --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64"; done
	key_all 2 "$KEY"
	peer_all6 2
}

# q EXPR: python over the audit JSON (j), printed.
q() { json_get "$1" <"$T_DIR/audit.json"; }

# check CODE: python statements over the audit JSON (j); fail on assert.
check() { python3 -c "import json; j=json.load(open('$T_DIR/audit.json'))
$1"; }

@test "pod to peer pod is encrypted with the SPI; bytes agree with the SA; plaintext, local; prometheus" {
	on pod1 ping -c 5 -i 0.2 -s 200 10.1.2.2
	on pod1 ping -c 1 10.0.0.9
	on pod1 ping -c 1 10.1.1.1
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(q "[(f['verdict'], f['spi'], f['peer'], f['packets'], f['bytes']) for f in j['flows'] if f['dst']=='10.1.2.2' and f['dir']=='out']")" = \
		"[('encrypted', $SPI, 'node2', 5, 1140)]" ]
	# the replies came back through the IN SA, and ESP went both ways
	[ "$(q "[f['verdict'] for f in j['flows'] if f['src']=='10.1.2.2' and f['dir']=='in']")" = "['encrypted']" ]
	[ "$(q "sorted((f['dir'], f['spi'], f['verdict']) for f in j['flows'] if f['proto']=='esp')")" = \
		"[('in', $SPI, 'encrypted'), ('out', $SPI, 'encrypted')]" ]
	[ "$(q "[f['verdict'] for f in j['flows'] if f['dst']=='10.0.0.9']")" = "['plaintext']" ]
	[ "$(q "[f['verdict'] for f in j['flows'] if f['dst']=='10.1.1.1']")" = "['local']" ]
	# The OUT SA carried exactly these packets. Its byte counter counts the
	# inner packets (at most headers more); the ESP on the wire adds outer
	# IP, ESP header, IV, padding and ICV to each.
	check "
sa = [s for p in j['sa_health'] if p['peer']=='node2' for s in p['sas'] if s['dir']=='out'][0]
f = [f for f in j['flows'] if f['dst']=='10.1.2.2' and f['dir']=='out'][0]
esp = [f for f in j['flows'] if f['proto']=='esp' and f['dir']=='out'][0]
assert sa['spi'] == $SPI and sa['packets'] == f['packets'] == esp['packets'], (sa, f, esp)
assert f['bytes'] <= sa['bytes'] <= f['bytes'] + 100 * f['packets'], (sa, f)
assert f['bytes'] < esp['bytes'] <= f['bytes'] + 100 * f['packets'], (esp, f)
assert sa['seq'] == 5 and j['sa_health'][0]['problems'] == [], sa
"
	# the prometheus form carries the SA counters per peer, spi, direction and family
	run tenc_on node1 audit --format prometheus
	[ "$status" -eq 0 ]
	[[ $output == *"tenc_sa_packets{peer=\"node2\",spi=\"$SPI\",dir=\"out\",family=\"ipv4\"} 5"* ]]
	[[ $output == *"tenc_sa_packets{peer=\"node2\",spi=\"$SPI\",dir=\"in\",family=\"ipv4\"} 5"* ]]
	[[ $output == *'tenc_flows{family="ipv4",verdict="encrypted"} '* ]]
	[[ $output == *'tenc_violations 0'* ]]
	# node2 saw it arrive decrypted
	audit_json node2
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(q "[f['verdict'] for f in j['flows'] if f['src']=='10.1.1.2' and f['dir']=='in']")" = "['encrypted']" ]
}

@test "a forced leak (tenc's out policies and rule removed by hand) is a violation, exit 3, live in trace" {
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" -j trace
	local pid=$!
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	# fail-closed off: no out policy, and marked traffic routed like any
	# other (without the rule, table 2005 would send it nowhere)
	on node1 ip xfrm policy deleteall dir out
	on node1 ip rule del pref 100
	on pod1 ping -c 2 -i 0.2 -W 1 10.1.2.2 || true
	wait_line "$T_DIR/trace" '"verdict":"violation","old_verdict":"encrypted"' "$pid"
	bg_stop "$pid" INT
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	# exactly that flow: the replies (node2 still encrypts) are fine
	[ "$(q "[(f['dir'], f['src'], f['dst']) for f in j['flows'] if f['verdict']=='violation']")" = \
		"[('out', '10.1.1.2', '10.1.2.2')]" ]
	[ "$(q "j['violations']")" -eq 1 ]
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
mine = [e for e in ev if e["src"] == "10.1.1.2" and e["dst"] == "10.1.2.2" and e["dir"] == "out"]
assert [(e["event"], e["verdict"]) for e in mine] == [("new", "encrypted"), ("verdict", "violation")], mine
assert mine[1]["old_verdict"] == "encrypted" and mine[1]["hook"] == "to_wire", mine' "$T_DIR/trace"
	run tenc_on node1 audit
	[ "$status" -eq 3 ]
	[[ $output == *"violation out icmp 10.1.1.2"*"in scope, but left the node in plaintext"* ]]
	[[ $output == *"PROBLEM: 2 of 2 OUT policies for spi $SPI missing"* ]]
}

@test "an ipcache entry with no key: its flows become violations" {
	on pod1 ping -c 1 10.0.0.9
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	"$DPTOOL" ipc-set "$T_DIR/node1/bpf" 10.0.0.9/32 0 0 nokey
	on pod1 ping -c 1 10.0.0.9
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	# the request left in plaintext; the reply arrived in plaintext
	[ "$(q "sorted((f['dir'], f['dst'], f['reason']) for f in j['flows'] if f['verdict']=='violation')")" = \
		"[('in', '10.1.1.2', \"arrived in plaintext from a peer's address\"), ('out', '10.0.0.9', 'in scope, but left the node in plaintext')]" ]
	[ "$(q "[(e['prefix'], e['reason']) for e in j['no_key'] if e['peer'] is None]")" = \
		"[('10.0.0.9/32', 'flagged no key')]" ]
}

@test "OUT SA deleted by hand: marked flows are dropped, never plaintext" {
	on node1 ip xfrm state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi "$SPI"
	cap_start
	run on pod1 ping -c 2 -i 0.2 -W 1 10.1.2.2
	[ "$status" -ne 0 ]
	cap_stop
	[ "$(cap_count icmp)" -eq 0 ]
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(q "[(f['verdict'], f['reason']) for f in j['flows'] if f['dst']=='10.1.2.2']")" = \
		"[('dropped', 'marked for an OUT SA the kernel lacks: dropped by the fail-closed policy')]" ]
	[ "$(q "j['sa_health'][0]['problems']")" = "['no OUT SA for spi $SPI']" ]
	[ "$(q "j['xfrm_errors']['XfrmOutNoStates'] + j['xfrm_errors']['XfrmOutPolBlock'] > 0")" = True ]
}

ENC_REASON="marked for the peer's OUT SA; ESP with that SPI left the node; the SA counters moved"

@test "dual stack: IPv6 pod to pod is encrypted as IPv4's, its ESP listed, exit 0; a forced IPv6 leak is a violation, exit 3" {
	on pod1 ping -6 -c 5 -i 0.2 -s 200 fd01:2::2
	bg_on pod2 socat -u UDP6-RECV:7000 /dev/null
	wait_listen pod2 udp 7000 $!
	echo hi | on pod1 socat -u - UDP6:[fd01:2::2]:7000,sourceport=4001
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(q "sorted((f['proto'], f['verdict'], f['spi'], f['peer'], f['reason']) for f in j['flows'] if f['dst']=='fd01:2::2')")" = \
		"[('icmp6', 'encrypted', $SPI, 'node2', \"$ENC_REASON\"), ('udp', 'encrypted', $SPI, 'node2', \"$ENC_REASON\")]" ]
	# the replies came back through the IN SA, the ESP went both ways
	# between the IPv6 node ips, and IPv4 beside it is encrypted as ever
	[ "$(q "[f['verdict'] for f in j['flows'] if f['src']=='fd01:2::2' and f['dir']=='in']")" = "['encrypted']" ]
	[ "$(q "sorted((f['family'], f['dir'], f['src'], f['dst'], f['spi'], f['verdict']) for f in j['flows'] if f['proto']=='esp' and f['family']=='ipv6')")" = \
		"[('ipv6', 'in', 'fd00::2', 'fd00::1', $SPI, 'encrypted'), ('ipv6', 'out', 'fd00::1', 'fd00::2', $SPI, 'encrypted')]" ]
	[ "$(q "[(f['verdict'], f['reason']) for f in j['flows'] if f['dst']=='10.1.2.2']")" = "[('encrypted', \"$ENC_REASON\")]" ]
	# the IPv6 OUT SA carried the IPv6 packets; no SA health problem
	check "
p = [p for p in j['sa_health'] if p['peer']=='node2'][0]
sa = [s for s in p['sas'] if s['dir']=='out' and s['family']=='ipv6'][0]
n = sum(f['packets'] for f in j['flows'] if f['dst']=='fd01:2::2')
esp = [f for f in j['flows'] if f['proto']=='esp' and f['dir']=='out' and f['family']=='ipv6'][0]
assert sa['spi'] == $SPI and sa['packets'] == n == esp['packets'] == 6, (sa, n, esp)
assert p['node_ip6'] == 'fd00::2' and p['problems'] == [], p
"
	# fail-closed off for IPv6 alone: no IPv6 out policy, and marked IPv6
	# routed like any other (without the IPv6 rule)
	on node1 ip -6 xfrm policy deleteall dir out
	on node1 ip -6 rule del pref 100
	on pod1 ping -6 -c 2 -i 0.2 -W 1 fd01:2::2 || true
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(q "[(f['dir'], f['proto'], f['src'], f['dst'], f['reason']) for f in j['flows'] if f['verdict']=='violation']")" = \
		"[('out', 'icmp6', 'fd01:1::2', 'fd01:2::2', 'in scope, but left the node in plaintext')]" ]
	[ "$(q "[f['verdict'] for f in j['flows'] if f['dst']=='10.1.2.2']")" = "['encrypted']" ]
	run tenc_on node1 audit
	[ "$status" -eq 3 ]
	[[ $output == *"PROBLEM: 2 of 2 OUT policies for spi $SPI missing (ipv6)"* ]]
}
