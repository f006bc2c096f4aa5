#!/usr/bin/env bats
# encrypt6.bats: IPv6 pod traffic between dual-stack nodes is ESP on the
# wire, IPv6-in-IPv6 between the nodes' IPv6 addresses, beside the IPv4
# half: pods, nodes, non-peers, fail-closed, PMTU, the objects of the IPv6
# planner (docs/design.md, "XFRM objects", IPv6). Three nodes (topo_dual),
# each enabled with both families, every other node a peer with both, one
# AES-GCM key. Needs ESP and AES-GCM: skips on a host kernel without them,
# and must run (never skip) in the VM lane (tests/vm).

load helpers
load topo

# What may cross the wire in plaintext IPv6: topo.bash's PLAIN6; in IPv4,
# ARP and multicast (IGMP). Pod and node traffic between peers is ESP.
PLAIN4='ip and not esp and not dst net 224.0.0.0/4' # IGMP's reports aside

# enable6 I [ARGS]: enable node I with both families (as dualstack.bats).
enable6() {
	local i=$1; shift
	enable_node "$i" --encrypt --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64" "$@"
}

test_setup() {
	need_root
	esp_topo 3 topo_dual
	local i
	for i in 1 2 3; do enable6 "$i"; done
	key_all 3 "$KEY"
	peer_all6 3
}

@test "pod to pod, each family: ping and 2 MiB of TCP as ESP between node ips only; neighbour discovery passes and keeps working" {
	cap_start
	on pod1 ping -c 5 -i 0.2 -W 2 -p "$CANARY_HEX" 10.1.2.2
	tcp_receiver pod2
	tcp_send pod1 10.1.2.2 2048
	pod2_traffic6
	nd6_again
	cap_stop
	# 2 MiB of TCP is ~1,500 segments each family: each family's ESP carried its own
	[ "$(cap_count 'ip proto 50')" -gt 1000 ]
	[ "$(cap_count 'ip6 proto 50')" -gt 1000 ]
	[ "$(cap_count 'esp and not (host 10.0.0.1 and host 10.0.0.2) and not (host fd00::1 and host fd00::2)')" -eq 0 ]
	[ "$(cap_count 'net 10.1.0.0/16 or net fd01::/16')" -eq 0 ]
	[ "$(cap_count "$PLAIN4")" -eq 0 ]
	pod2_traffic6_seen
}

@test "pod to remote node and node to remote pod, each family: all ESP, no echo in plaintext" {
	cap_start
	on pod1 sh -c "ping -c 3 -i 0.2 -W 2 -p $CANARY_HEX 10.0.0.2 && ping -6 -c 3 -i 0.2 -W 2 -p $CANARY_HEX fd00::2"
	on node1 sh -c "ping -c 3 -i 0.2 -W 2 -p $CANARY_HEX 10.1.2.2 && ping -6 -c 3 -i 0.2 -W 2 -p $CANARY_HEX fd01:2::2"
	cap_stop
	[ "$(cap_count 'ip proto 50')" -ge 12 ]
	[ "$(cap_count 'ip6 proto 50')" -ge 12 ]
	[ "$(cap_count 'esp and not (host 10.0.0.1 and host 10.0.0.2) and not (host fd00::1 and host fd00::2)')" -eq 0 ]
	[ "$(cap_count icmp)" -eq 0 ]
	[ "$(cap_count "$ECHO6")" -eq 0 ]
	[ "$(cap_count "$PLAIN6")" -eq 0 ]
	run ! cap_has TENC-CANARY-PING
}

@test "same-node and non-peer traffic, each family, stays plaintext and flows" {
	cap_start
	on pod1 sh -c "ping -c 2 -W 2 10.1.1.1 && ping -6 -c 2 -W 2 fd01:1::1 &&
		ping -c 3 -i 0.2 -W 2 -p $CANARY_HEX 10.0.0.9 && ping -6 -c 3 -i 0.2 -W 2 -p $CANARY_HEX fd00::9"
	cap_stop
	[ "$(cap_count 'icmp and host 10.0.0.9 and host 10.1.1.2')" -ge 6 ]
	[ "$(cap_count "$ECHO6 and host fd00::9 and host fd01:1::2")" -ge 6 ]
	[ "$(cap_count esp)" -eq 0 ]
	cap_has TENC-CANARY-PING
}

@test "the IPv6 SAs deleted by hand: IPv6 pod traffic is dropped, never leaked, IPv4 flows; status reports drift; enable repairs" {
	on pod1 ping -6 -c 1 -W 2 fd01:2::2
	# node1's IPv6 SAs (OUT from fd00::1, IN to it: each with its mark),
	# IPv4's kept
	on node1 sh -c 'ip xfrm state deleteall src fd00::1 && ip xfrm state deleteall dst fd00::1'
	st=$(on node1 ip xfrm state)
	[[ $st != *fd00::* ]]
	[ "$(echo "$st" | grep -c '^src 10\.0\.0\.')" -eq 4 ]
	cap_start
	no_reply6 pod1 fd01:2::2
	no_reply6 node1 fd01:2::2
	on pod1 ping -c 2 -i 0.2 -W 2 10.1.2.2
	cap_stop
	[ "$(cap_count 'net 10.1.0.0/16 or net fd01::/16')" -eq 0 ]
	[ "$(cap_count 'ip6 proto 50')" -eq 0 ]
	[ "$(cap_count 'ip proto 50')" -ge 4 ]
	[ "$(cap_count "$PLAIN6")" -eq 0 ]
	run ! cap_has TENC-CANARY-PING
	# OUT and IN for each of the two peers, all IPv6
	sa_drift 4 fd00::
	repaired6 enable6 1
}

@test "IPv6 MTU: table 2005's routes allow IPv6's ESP overhead, PMTU discovery reports it, bulk TCP from a 1500-MTU pod works" {
	pmtu6
}

@test "IPv6 objects: status says encrypted, policies, SAs, routes, rule and hthresh6 as planned; disable removes them" {
	objects6
	# IPv4's beside them: its policies unchanged, hthresh4, its SA's key
	# not the IPv6 SA's
	on node1 ip -4 xfrm policy list dir out | grep -A2 "^src 0.0.0.0/0 dst 10.1.2.0/24 " | grep -q "mark 0x[0-9a-f]*1e00/0xffffff00"
	echo "$OBJ6" | grep -q "SPD IPv4 thresholds: local 0 remote 24"
	k12_v4=$(on node1 ip -s xfrm state list src 10.0.0.1 dst 10.0.0.2 | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	[ -n "$k12_v4" ]
	[ "$K12" != "$k12_v4" ]
	# disable leaves no IPv6 trace either
	tenc_on node1 disable
	o=$(on node1 sh -c 'echo "# state"; ip xfrm state; echo "# policy"; ip xfrm policy
		echo "# count"; ip -s -s xfrm policy count
		echo "# rule"; ip -6 rule
		echo "# route"; ip -6 route show table 2005 2>&1; true') # gone: "FIB table does not exist"
	echo "$o"
	[[ $o != *"src "* ]]
	[[ $o != *2005* ]]
	echo "$o" | grep -q "SPD IPv6 thresholds: local 128 remote 128"
}
