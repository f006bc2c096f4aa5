#!/usr/bin/env bats
# encrypt6only.bats: IPv6-only nodes (topo_v6only: no IPv4 address on
# nodes, pods or the wire). Their pod traffic is ESP on the wire between
# the nodes' IPv6 addresses, and nothing of IPv4 exists: no IPv4 packet on
# the wire, no IPv4 SA, policy, rule, route or ipcache entry of tenc's.
# Pods, nodes, non-peers, neighbour discovery, fail-closed, PMTU, the
# objects, the audit, a key rotation with zero loss. Three nodes, each
# enabled with IPv6 alone, every other node a peer, one AES-GCM key.
# Needs ESP and AES-GCM: skips on a host kernel without them, and must run
# (never skip) in the VM lane (tests/vm).

load helpers
load topo
load rotate

test_setup() {
	local i
	need_root
	esp_topo 3 topo_v6only
	for i in 1 2 3; do enable_as 6 "$i" --encrypt --name "node$i"; done
	key_all 3 "$KEY"
	peer_all 3 6
}

# q EXPR: python over the audit JSON (j), printed.
q() { json_get "$1" <"$T_DIR/audit.json"; }

# ESP between node1 and node2 only: node ips fd00::1 and fd00::2.
ESP12='ip6 proto 50 and host fd00::1 and host fd00::2'

# esp12_only MIN: on the wire, at least MIN packets of ESP12, no other
# ESP, and nothing of IPv4 (no ARP either).
esp12_only() {
	[ "$(cap_count "$ESP12")" -ge "$1" ]
	[ "$(cap_count "esp and not ($ESP12)")" -eq 0 ]
	[ "$(cap_count 'not ip6')" -eq 0 ]
}

@test "pod to pod: ping and 2 MiB of TCP as ESP between node ips only, no IPv4 on the wire; neighbour discovery passes and keeps working" {
	cap_start
	pod2_traffic6
	nd6_again
	cap_stop
	esp12_only 1000 # 2 MiB of TCP: ~1,500 segments
	[ "$(cap_count 'net fd01::/16')" -eq 0 ]
	pod2_traffic6_seen
}

@test "pod to remote node, node to remote pod: ESP; same node and non-peer: plaintext, and they flow" {
	cap_start
	on pod1 ping -6 -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" fd00::2
	on node1 ping -6 -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" fd01:2::2
	on pod1 ping -6 -c 2 -W 2 fd01:1::1
	on pod1 ping -6 -c 3 -i 0.2 -W 2 fd00::9
	on ext ping -6 -c 2 -i 0.2 -W 2 fd01:3::2
	cap_stop
	# the peers': 12 echoes and replies, all ESP between the node ips
	esp12_only 12
	[ "$(cap_count "$ECHO6 and (host fd00::2 or host fd01:2::2)")" -eq 0 ]
	run ! cap_has TENC-CANARY-PING
	# the non-peer's, both ways, in plaintext; the same node's never on the wire
	[ "$(cap_count "$ECHO6 and host fd00::9 and host fd01:1::2")" -eq 6 ]
	[ "$(cap_count "$ECHO6 and host fd00::9 and host fd01:3::2")" -eq 4 ]
	[ "$(cap_count "$PLAIN6")" -eq 10 ]
}

@test "the IPv6 SAs to one peer deleted by hand: its traffic is dropped, never leaked, the other peer's flows; status reports drift; enable repairs" {
	on pod1 ping -6 -c 1 -W 2 fd01:2::2
	# node1's SAs with node2 (OUT and IN, the IN one with its mark); node3's kept
	on node1 sh -c 'ip xfrm state deleteall src fd00::1 dst fd00::2 && ip xfrm state deleteall src fd00::2 dst fd00::1'
	st=$(on node1 ip xfrm state)
	echo "$st"
	[[ $st != *fd00::2* ]]
	[ "$(echo "$st" | grep -c '^src fd00::[13] dst fd00::[13]')" -eq 2 ]
	cap_start
	no_reply6 pod1 fd01:2::2
	no_reply6 node1 fd01:2::2
	no_reply6 pod1 fd00::2
	on pod1 ping -6 -c 2 -i 0.2 -W 2 fd01:3::2
	cap_stop
	[ "$(cap_count 'net fd01::/16')" -eq 0 ]
	[ "$(cap_count 'host fd00::2 and not icmp6')" -eq 0 ] # ND aside, nothing towards node2
	[ "$(cap_count 'ip6 proto 50 and host fd00::1 and host fd00::3')" -ge 4 ]
	[ "$(cap_count "$PLAIN6")" -eq 0 ]
	[ "$(cap_count 'not ip6')" -eq 0 ]
	run ! cap_has TENC-CANARY-PING
	# OUT and IN of node2's pair, IPv6
	sa_drift 2 fd00::2
	repaired6 enable_as 6 1 --encrypt --name node1
}

@test "MTU: table 2005's routes allow IPv6's ESP overhead, PMTU discovery reports it, bulk TCP from a 1500-MTU pod works" {
	pmtu6
}

@test "objects: the IPv6 ones as planned, ipcache6 with the peers' prefixes; no IPv4 object at all, no IPv4 in status; disable removes them" {
	objects6
	# status names no IPv4 node ip, neither the node's nor a peer's
	[ "$(tenc_on node1 -j status | json_get "('node_ip' in j, [p['name'] for p in j['peers'] if 'node_ip' in p], j['node_ip6'])")" = \
		"(False, [], 'fd00::1')" ]
	k6=$(kobjs node1 6)
	echo "$k6"
	[ "$(echo "$k6" | sed -n '/^# state/,/^# rule/p' | grep -c '^src fd00::')" -eq 4 ]
	for pfx in fd00::2/128 fd01:2::/64 fd00::3/128 fd01:3::/64; do [[ $k6 == *"$pfx peer"* ]]; done
	# nothing of IPv4: no policy, SA, rule beside the kernel's three, route
	# in table 2005 (nor anywhere of tenc's: proto 229), ipcache entry
	k4=$(kobjs node1 4)
	echo "$k4"
	[ "$(echo "$k4" | sed '/^# spd/,$d')" = "$(printf '%s\n' '# policy' '# state' '# rule' \
		'0:	from all lookup local' '32766:	from all lookup main' '32767:	from all lookup default' \
		'# table 2005' '# ipcache')" ]
	[ -z "$(on node1 ip -4 route show table all proto 229)" ]
	[[ $k4 == *"SPD IPv4 thresholds: local 32 remote 32"* ]] # the kernel's default: no IPv4 half
	tenc_on node1 disable
	[ -z "$(on node1 ip xfrm state; on node1 ip xfrm policy)" ]
	[[ $(kobjs node1 6) != *fd0* ]]
}

@test "audit after IPv6 traffic: the peers' flows encrypted with the SPI, the non-peer's plaintext, no IPv4 flow, no violation, exit 0" {
	local spi
	spi=$(tenc_on node1 -j key list | json_get "j['keys'][0]['spi']")
	on pod1 ping -6 -c 5 -i 0.2 fd01:2::2
	on pod1 ping -6 -c 2 -i 0.2 fd01:3::2
	bg_on pod2 socat -u UDP6-RECV:7000 /dev/null
	wait_listen pod2 udp 7000 $!
	echo hi | on pod1 socat -u - 'UDP6:[fd01:2::2]:7000,sourceport=4001'
	on pod1 ping -6 -c 1 fd00::9
	audit_json node1
	cat "$T_DIR/audit.json"
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(q "(j['violations'], j['summary']['violation'])")" = "(0, 0)" ]
	# what left for the peers' pods, marked for their OUT SAs; the replies
	# that came back decrypted
	[ "$(q "sorted(set((f['proto'], f['dst'], f['verdict'], f['spi'], f['peer']) for f in j['flows'] if f['dir']=='out' and f['dst'].startswith(('fd01:2:', 'fd01:3:'))))")" = \
		"[('icmp6', 'fd01:2::2', 'encrypted', $spi, 'node2'), ('icmp6', 'fd01:3::2', 'encrypted', $spi, 'node3'), ('udp', 'fd01:2::2', 'encrypted', $spi, 'node2')]" ]
	[ "$(q "sorted(set((f['src'], f['verdict']) for f in j['flows'] if f['dir']=='in' and f['src'].startswith(('fd01:2:', 'fd01:3:'))))")" = \
		"[('fd01:2::2', 'encrypted'), ('fd01:3::2', 'encrypted')]" ]
	# the ESP itself, between the IPv6 node ips, with the SPI
	[ "$(q "sorted(set((f['dir'], f['src'], f['dst'], f['spi'], f['verdict']) for f in j['flows'] if f['proto']=='esp'))")" = \
		"[('in', 'fd00::2', 'fd00::1', $spi, 'encrypted'), ('in', 'fd00::3', 'fd00::1', $spi, 'encrypted'), ('out', 'fd00::1', 'fd00::2', $spi, 'encrypted'), ('out', 'fd00::1', 'fd00::3', $spi, 'encrypted')]" ]
	[ "$(q "sorted(set(f['verdict'] for f in j['flows'] if f['dst']=='fd00::9'))")" = "['plaintext']" ]
	[ "$(q "[f for f in j['flows'] if f['family'] != 'ipv6']")" = "[]" ]
	[ "$(q "sorted((p['peer'], p['node_ip6'], p['problems']) for p in j['sa_health'])")" = \
		"[('node2', 'fd00::2', []), ('node3', 'fd00::3', [])]" ]
}

@test "rolling key rotation under IPv6 traffic: no packet lost, none in plaintext, the SPI switches" {
	(umask 077; "$TENC" key gen >"$T_DIR/k2")
	# the epochs first (a peer's epoch, once known, re-keys its SAs: not
	# while the traffic flows; then advertise changes SPIs only)
	advertise
	on pod1 ping -6 -c 1 -W 5 fd01:2::2 >/dev/null
	cap_start
	traffic_start 10 6
	rolling_order
	traffic_check
	on pod1 ping -6 -c 2 -i 0.2 fd01:2::2 # the new SPI on the wire, however slow the run was
	cap_stop
	spis6_switched
	[ "$(cap_count 'net fd01::/16')" -eq 0 ]
	[ "$(cap_count "$PLAIN6")" -eq 0 ]
	[ "$(cap_count 'not ip6')" -eq 0 ]
	run ! cap_has TENC-UDP-CANARY
	rotated
}
