#!/usr/bin/env bats
# audit6.bats: a family tenc does not encrypt is still seen. Dual-stack
# nodes (topo.bash topo_dual), tenc enabled for IPv4 as audit.bats does it
# (observe-only, peers of each other): the pods' IPv6 traffic is in the
# audit as plaintext "ipv6 not configured", never a violation and never
# changing the exit status; once a node has an IPv6 half, IPv6 to and from
# a peer without an IPv6 node ip (IPv6 over IPv4, not planned) is a
# violation from the model, and a peer with one (an IPv6 pair, in
# ipcache6) is judged as IPv4 (observe-only: violations; the encrypted
# verdicts are audit-esp.bats', VM lane); the IPv4 verdicts stay what they were;
# neighbour discovery is no flow; trace and Prometheus carry IPv6 too.
# No ESP needed: runs on the host.

load helpers
load topo

test_setup() {
	need_root
	topo_dual 2
	for i in 1 2; do enable_node "$i"; done
	peer_all 2
}

V6_REASON="ipv6 not configured (this node has no IPv6 half): out of scope"

# flows EXPR: python over the audit's flows (f): the matches as
# "family dir proto src sport dst dport verdict", one a line, sorted.
flows() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1]))
for l in sorted('%s %s %s %s %s %s %s %s' % (f['family'], f['dir'], f['proto'], f['src'], f['sport'],
                f['dst'], f['dport'], f['verdict']) for f in j['flows'] if $1): print(l)" "$T_DIR/audit.json"
}

# udp6_recv POD PORT: a UDP receiver on PORT, listening when this returns.
udp6_recv() {
	bg_on "$1" socat -u "UDP6-RECV:$2" /dev/null
	wait_listen "$1" udp "$2" $!
}

@test "IPv6 ping, UDP and TCP pod -> remote pod: listed as plaintext, ipv6 not configured; exit 0" {
	on pod1 ping -6 -c 3 -i 0.2 -s 100 fd01:2::2
	udp6_recv pod2 7000
	echo hi | on pod1 socat -u - UDP6:[fd01:2::2]:7000,sourceport=4001
	bg_on pod2 socat -u TCP6-LISTEN:7001,reuseaddr /dev/null
	wait_listen pod2 tcp 7001 $!
	echo hello | on pod1 socat -u - TCP6:[fd01:2::2]:7001,sourceport=4002
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(flows "f['family']=='ipv6'")" = "$(printf '%s\n' \
		'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 plaintext' \
		'ipv6 out tcp fd01:1::2 4002 fd01:2::2 7001 plaintext' \
		'ipv6 out udp fd01:1::2 4001 fd01:2::2 7000 plaintext')" ]
	# the reason, the echo request's type, 3 x (40 + 8 + 100) bytes, no peer
	[ "$(json_get "[(f['reason'], f['icmp_type'], f['packets'], f['bytes'], f['peer'], f['spi']) for f in j['flows'] if f['proto']=='icmp6']" <"$T_DIR/audit.json")" = \
		"[('$V6_REASON', 128, 3, 444, None, 0)]" ]
	[ "$(json_get "(j['violations'], j['summary']['plaintext'], j['summary']['flows'])" <"$T_DIR/audit.json")" = "(0, 3, 3)" ]
	# the receiving node sees its pod's replies leave (echo reply: type 129)
	audit_json node2
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(json_get "sorted((f['icmp_type'], f['src'], f['dst'], f['verdict']) for f in j['flows'] if f['proto']=='icmp6')" <"$T_DIR/audit.json")" = \
		"[(129, 'fd01:2::2', 'fd01:1::2', 'plaintext')]" ]
	# the table lists them with the reason, addresses in their usual form
	run tenc_on node1 audit
	[ "$status" -eq 0 ]
	[[ $output == *"[fd01:2::2]:7001"*"$V6_REASON"* ]]
	[[ $output == *"result: no violation"* ]]
}

@test "dual stack: the IPv4 verdicts and exit status are unchanged beside IPv6 flows" {
	on pod1 ping -6 -c 1 fd01:2::2
	on pod1 ping -c 1 10.1.2.2
	on pod1 ping -c 1 10.0.0.9
	on pod1 ping -c 1 10.1.1.1
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows "f['family']=='ipv4'")" = "$(printf '%s\n' \
		'ipv4 in icmp 10.1.2.2 0 10.1.1.2 0 violation' \
		'ipv4 out icmp 10.1.1.2 0 10.0.0.9 0 plaintext' \
		'ipv4 out icmp 10.1.1.2 0 10.1.1.1 0 local' \
		'ipv4 out icmp 10.1.1.2 0 10.1.2.2 0 violation')" ]
	[ "$(flows "f['family']=='ipv6'")" = 'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 plaintext' ]
	[ "$(json_get "(j['violations'], j['summary']['violation'], j['summary']['plaintext'])" <"$T_DIR/audit.json")" = "(2, 2, 2)" ]
	# violations first: the IPv6 flow is after them
	[ "$(json_get "[f['verdict'] for f in j['flows']][:2]" <"$T_DIR/audit.json")" = "['violation', 'violation']" ]
}

@test "an IPv6 half, observe-only: a peer's IPv6, over IPv4 or IPv6, is judged by the programs as IPv4's; local and other IPv6 are not" {
	enable_node 1 --node-ip fd00::1 --pod-cidr fd01:1::/64
	# node2 without an IPv6 node ip: IPv6 over IPv4, its prefixes in
	# ipcache6 all the same (observe-only: in scope, unmarked)
	echo '{"peers": [{"name": "node2", "node_ip": "10.0.0.2",
		"cidrs": ["10.1.2.0/24"], "cidrs6": ["fd01:2::/64"]}]}' >"$T_DIR/p.json"
	tenc_on node1 peer sync "$T_DIR/p.json"
	on pod1 ping -6 -c 1 fd01:2::2 # a peer's pod
	on pod1 ping -6 -c 1 fd01:1::1 # this node's own pod cidr
	on pod1 ping -6 -c 1 fd00::9   # no peer's
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows "f['family']=='ipv6'")" = "$(printf '%s\n' \
		'ipv6 in icmp6 fd01:2::2 0 fd01:1::2 0 violation' \
		'ipv6 out icmp6 fd01:1::2 0 fd00::9 0 plaintext' \
		'ipv6 out icmp6 fd01:1::2 0 fd01:1::1 0 local' \
		'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 violation')" ]
	[ "$(json_get "sorted(set((f['dir'], f['peer'], f['reason']) for f in j['flows'] if f['verdict']=='violation'))" <"$T_DIR/audit.json")" = \
		"[('in', 'node2', \"arrived in plaintext from a peer's address\"), ('out', 'node2', 'in scope, but left the node in plaintext')]" ]
	run tenc_on node1 audit
	[ "$status" -eq 3 ]
	tenc_on node1 audit --reset >/dev/null || true
	# with its IPv6 node ip node2 is an IPv6 pair: its prefixes are in
	# ipcache6 and the programs judge its IPv6 as IPv4's (observe-only: in
	# scope, unmarked, seen leaving in plaintext)
	echo '{"peers": [{"name": "node2", "node_ip": "10.0.0.2", "node_ip6": "fd00::2",
		"cidrs": ["10.1.2.0/24"], "cidrs6": ["fd01:2::/64"]}]}' >"$T_DIR/p.json"
	tenc_on node1 peer sync "$T_DIR/p.json"
	tenc_on node1 audit --reset >/dev/null || true
	on pod1 ping -6 -c 1 fd01:2::2 # a peer's pod
	on pod1 ping -6 -c 1 fd00::2   # the peer's IPv6 node ip
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows "f['family']=='ipv6'")" = "$(printf '%s\n' \
		'ipv6 in icmp6 fd00::2 0 fd01:1::2 0 violation' \
		'ipv6 in icmp6 fd01:2::2 0 fd01:1::2 0 violation' \
		'ipv6 out icmp6 fd01:1::2 0 fd00::2 0 violation' \
		'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 violation')" ]
	[ "$(json_get "sorted(set((f['dir'], f['peer'], f['reason']) for f in j['flows'] if f['family']=='ipv6'))" <"$T_DIR/audit.json")" = \
		"[('in', 'node2', \"arrived in plaintext from a peer's address\"), ('out', 'node2', 'in scope, but left the node in plaintext')]" ]
	# its ipcache6 entries, without a key (none was added), are listed
	[ "$(json_get "sorted((e['prefix'], e['reason']) for e in j['no_key'] if ':' in e['prefix'])" <"$T_DIR/audit.json")" = \
		"[('fd00::2/128', 'flagged no key'), ('fd01:2::/64', 'flagged no key')]" ]
	# the node that has no IPv6 half still says so
	audit_json node2
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(json_get "sorted(set(f['reason'] for f in j['flows'] if f['family']=='ipv6'))" <"$T_DIR/audit.json")" = \
		"['$V6_REASON']" ]
	# trace judges IPv6 events as the audit does: a new flow to the peer's
	# pod is a violation, one to no peer's address plaintext
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" trace --count 2
	local pid=$!
	udp6_recv pod2 7002
	echo hi | on pod1 socat -u - UDP6:[fd01:2::2]:7002,sourceport=4003
	udp6_recv ext 7003
	echo hi | on pod1 socat -u - UDP6:[fd00::9]:7003,sourceport=4004
	wait "$pid"
	grep -q "new .*out udp  \[fd01:1::2\]:4003 -> \[fd01:2::2\]:7002  violation  peer node2  \[from_pod\]" "$T_DIR/trace"
	grep -q "new .*out udp  \[fd01:1::2\]:4004 -> \[fd00::9\]:7003  plaintext  \[from_pod\]" "$T_DIR/trace"
}

@test "an IPv6-only node: its pods' IPv4 traffic is listed as plaintext, ipv4 not configured; its IPv6 peer's judged" {
	local i
	for i in 1 2; do
		tenc_on "node$i" disable
		rm -f "$T_DIR/node$i"/*.json
		tenc_on "node$i" enable --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64" --dev pod0
	done
	tenc_on node1 peer add node2 --node-ip fd00::2 --cidr fd01:2::/64
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	on pod1 ping -6 -c 2 -i 0.2 fd01:2::2
	audit_json node1
	[ "$(json_get "[(f['verdict'], f['reason']) for f in j['flows'] if f['family'] == 'ipv4']" <"$T_DIR/audit.json")" = \
		"[('plaintext', 'ipv4 not configured (this node has no IPv4 half): out of scope')]" ]
	# the IPv6 peer's traffic in scope, observe-only: unmarked, a violation (exit 3)
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows "f['family']=='ipv6'")" = "$(printf '%s\n' \
		'ipv6 in icmp6 fd01:2::2 0 fd01:1::2 0 violation' \
		'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 violation')" ]
	[ "$(json_get "('node_ip' in j, j['node_ip6'], [('node_ip' in p, p['node_ip6']) for p in j['sa_health']])" <"$T_DIR/audit.json")" = \
		"(False, 'fd00::1', [(False, 'fd00::2')])" ]
	run tenc_on node1 audit
	[[ $output == "node fd00::1, observing only"* ]]
	[[ $output == *"node2"*"fd00::2"* ]]
}

@test "neighbour discovery and link-local traffic are in no flow" {
	# resolve every hop afresh: NS/NA between pod1 and node1, node1 and
	# node2 (unicast NUD probes too), and a link-local ping
	on pod1 ip -6 neigh flush dev eth0
	on pod1 ping -6 -c 2 -i 0.2 fd01:2::2
	on pod1 ping -6 -c 1 -I eth0 ff02::1
	local ll
	ll=$(on node1 ip -6 -o addr show dev pod0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
	on pod1 ping -6 -c 1 "$ll%eth0"
	# a unicast neighbour solicitation between global addresses (as NUD
	# sends them): ND by its type, whatever the addresses
	on pod1 python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.sendto(bytes([135, 0, 0, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "fd01:1::1"), ("fd01:1::1", 0))'
	# neighbour discovery did run through tenc's program on pod0
	[[ $(on node1 ip -6 neigh show dev pod0) == *fd01:1::2* ]]
	[[ $(on pod1 ip -6 neigh show dev eth0) == *fd01:1::1* ]]
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(flows "True")" = 'ipv6 out icmp6 fd01:1::2 0 fd01:2::2 0 plaintext' ]
	[ "$(json_get "[f['icmp_type'] for f in j['flows']]" <"$T_DIR/audit.json")" = "[128]" ]
}

@test "a hop-by-hop or destination-options header before UDP: the flow has its ports" {
	udp6_recv pod2 7000
	# IPV6_HOPOPTS (54) and IPV6_DSTOPTS (59): one 8-byte header, PadN
	on pod1 python3 -c 'import socket, sys
for opt, port in ((54, 4101), (59, 4102)):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, opt, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    s.bind(("fd01:1::2", port))
    s.sendto(b"x" * 10, ("fd01:2::2", 7000))'
	audit_json node1
	[ "$(flows "f['proto']=='udp'")" = "$(printf '%s\n' \
		'ipv6 out udp fd01:1::2 4101 fd01:2::2 7000 plaintext' \
		'ipv6 out udp fd01:1::2 4102 fd01:2::2 7000 plaintext')" ]
	# IP total length: 40 + 8 (options) + 8 + 10
	[ "$(json_get "sorted(set(f['bytes'] for f in j['flows'] if f['proto']=='udp'))" <"$T_DIR/audit.json")" = "[66]" ]
}

@test "trace shows IPv6 flows live, as lines and as JSON" {
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" trace --count 1
	local pid=$!
	on pod1 ping -6 -c 1 fd01:2::2
	wait "$pid"
	grep -q "new .*out icmp6 fd01:1::2 -> fd01:2::2  plaintext  \[from_pod\]" "$T_DIR/trace"
	trace_bg node1 "$T_DIR/trace.j" "$T_DIR/trace.err" -j trace --count 1
	pid=$!
	udp6_recv pod2 7000
	echo hi | on pod1 socat -u - UDP6:[fd01:2::2]:7000,sourceport=4001
	wait "$pid"
	[ "$(json_get "(j['family'], j['src'], j['sport'], j['dst'], j['dport'], j['verdict'], j['hook'])" <"$T_DIR/trace.j")" = \
		"('ipv6', 'fd01:1::2', 4001, 'fd01:2::2', 7000, 'plaintext', 'from_pod')" ]
}

@test "prometheus: the flow metrics carry the family" {
	on pod1 ping -6 -c 1 fd01:2::2
	on pod1 ping -c 1 10.1.2.2
	run tenc_on node1 audit --format prometheus
	[ "$status" -eq 3 ]
	[[ $output == *'tenc_flows{family="ipv6",verdict="plaintext"} 1'* ]]
	[[ $output == *'tenc_flows{family="ipv6",verdict="violation"} 0'* ]]
	[[ $output == *'tenc_flows{family="ipv4",verdict="violation"} 2'* ]]
	[[ $output == *'tenc_flow_bytes{family="ipv6",verdict="plaintext"} 104'* ]]
	# every tenc_flows and tenc_flow_bytes sample has a family label
	! echo "$output" | grep -E '^tenc_flow(s|_bytes)\{' | grep -v 'family="ipv[46]"' || false
	[[ $output == *'tenc_violations 2'* ]]
}
