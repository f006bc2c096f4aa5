#!/usr/bin/env bats
# subnet.bats: subnet mode: declared pod subnets get one route and one
# block policy each, and addresses in them that no peer claims are dropped
# (fail-closed), never sent in plaintext.

load helpers
load topo

test_setup() {
	need_root
	topo_up 2
}

@test "subnet add installs the subnet's route, ipcache entry and block policy; del removes them" {
	enable_node 1 --encrypt --mode subnet
	run tenc_on node1 -j subnet add 10.1.0.0/16
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['added']")" = 10.1.0.0/16 ]
	on node1 ip route show table 2005 | grep -q "10.1.0.0/16 dev eth0 proto 229 scope link mtu 1420"
	pol=$(on node1 ip xfrm policy)
	echo "$pol" | grep -A1 "dst 10.1.0.0/16" | grep -q "dir out action block priority 300"
	echo "$pol" | grep -A1 "dst 10.1.1.0/24" | grep -q "dir out priority 250"
	# a peer gets no route of its own: the subnet's covers it
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	[ "$(on node1 ip route show table 2005 | wc -l)" -eq 1 ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "j['subnets']")" = "['10.1.0.0/16']" ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	run tenc_on node1 subnet del 10.1.0.0/16
	[ "$status" -eq 0 ]
	# the peer's cidr, no longer covered, gets its own route back
	[ "$(on node1 ip route show table 2005 | cut -d' ' -f1)" = 10.1.2.0/24 ]
	! on node1 ip xfrm policy | grep -q "10.1.0.0/16" || false
	! on node1 ip xfrm policy | grep -q "priority 250" || false
}

@test "an address in a subnet that no peer claims is dropped, not sent in plaintext" {
	need_feature esp
	need_feature aes_gcm
	(umask 077; "$TENC" key gen >"$T_DIR/key")
	for i in 1 2; do
		enable_node "$i" --encrypt --mode subnet
		tenc_on "node$i" subnet add 10.1.0.0/16
	done
	key_all 2 "$T_DIR/key"
	peer_all 2
	on node1 ip route add 10.1.9.0/24 via 10.0.0.9
	cap_start
	on pod1 ping -c 2 -W 2 10.1.2.2
	run on pod1 ping -c 2 -i 0.2 -W 1 10.1.9.2
	[ "$status" -ne 0 ]
	run on node1 ping -c 2 -i 0.2 -W 1 10.1.9.2
	[ "$status" -ne 0 ]
	on node1 ping -c 1 -W 2 10.1.1.2
	cap_stop
	[ "$(cap_count 'host 10.1.9.2')" -eq 0 ]
	[ "$(cap_count esp)" -ge 4 ]
	[ "$(cap_count 'icmp and not host 10.0.0.9')" -eq 0 ]
}

@test "IPv6 subnets: subnet add of an IPv6 cidr installs its IPv6 route, ipcache6 entry, block and allow policies; IPv4's unchanged; del removes them" {
	topo_dual_addrs 2
	enable_node 1 --encrypt --mode subnet --node-ip fd00::1 --pod-cidr fd01:1::/64
	tenc_on node1 subnet add 10.1.0.0/16
	before4=$(on node1 ip -4 xfrm policy; on node1 ip -4 route show table 2005)
	run tenc_on node1 -j subnet add fd01::/16
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['added']")" = fd01::/16 ]
	[ "$(on node1 ip -4 xfrm policy; on node1 ip -4 route show table 2005)" = "$before4" ]
	on node1 ip -6 route show table 2005 | grep -q "^fd01::/16 dev eth0 proto 229 metric 1024 mtu 1400"
	pol=$(on node1 ip -6 xfrm policy)
	echo "$pol" | grep -A1 "src ::/0 dst fd01::/16" | grep -q "dir out action block priority 300"
	echo "$pol" | grep -A1 "src ::/0 dst fd01:1::/64" | grep -q "dir out priority 250"
	on node1 "$DPTOOL" ipc-dump "$T_DIR/node1/bpf" | grep -q "^fd01::/16 peer 0 spi 0 flags subnet"
	# an overlapping IPv6 subnet, and one of the other family beside it
	run tenc_on node1 subnet add fd01:8::/32
	[ "$status" -eq 2 ]
	[[ $output == *"cidr: fd01:8::/32 overlaps the subnet fd01::/16"* ]]
	# a peer's IPv6 cidr inside it gets no route of its own
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64
	[ "$(on node1 ip -6 route show table 2005 | wc -l)" -eq 1 ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "(j['subnets'], j['subnets6'], len(j['drift']))")" = "(['10.1.0.0/16'], ['fd01::/16'], 0)" ]
	[ "$(json_get "j['subnets6']" <"$T_DIR/node1/config.json")" = "['fd01::/16']" ]
	run tenc_on node1 -j subnet del fd01::/16
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['removed']")" = fd01::/16 ]
	[ "$(on node1 ip -6 route show table 2005 | cut -d' ' -f1)" = fd01:2::/64 ]
	! on node1 ip -6 xfrm policy | grep -q "fd01::/16" || false
	! on node1 ip -6 xfrm policy | grep -q "priority 250" || false
	[ "$(on node1 ip -4 xfrm policy; on node1 ip -4 route show table 2005 | grep -v 10.1.2.0)" = "$before4" ]
	run tenc_on node1 subnet del fd01::/16
	[ "$status" -eq 2 ]
	[[ $output == *"cidr: fd01::/16 is not a subnet"* ]]
}

@test "IPv6: an address in an IPv6 subnet that no peer claims is dropped, not sent in plaintext; a peer's is encrypted" {
	need_feature esp
	need_feature aes_gcm
	topo_dual_addrs 2
	(umask 077; "$TENC" key gen >"$T_DIR/key")
	for i in 1 2; do
		enable_node "$i" --encrypt --mode subnet --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64"
		tenc_on "node$i" subnet add fd01::/16
	done
	key_all 2 "$T_DIR/key"
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --node-ip fd00::2 --cidr 10.1.2.0/24 --cidr fd01:2::/64
	tenc_on node2 peer add node1 --node-ip 10.0.0.1 --node-ip fd00::1 --cidr 10.1.1.0/24 --cidr fd01:1::/64
	on node1 ip -6 route add fd01:9::/64 via fd00::9
	cap_start
	on pod1 ping -6 -c 2 -W 2 fd01:2::2
	run on pod1 ping -6 -c 2 -i 0.2 -W 1 fd01:9::2
	[ "$status" -ne 0 ]
	run on node1 ping -6 -c 2 -i 0.2 -W 1 fd01:9::2
	[ "$status" -ne 0 ]
	on node1 ping -6 -c 1 -W 2 fd01:1::2
	cap_stop
	[ "$(cap_count 'host fd01:9::2')" -eq 0 ]
	[ "$(cap_count 'ip6 and esp')" -ge 4 ]
	[ "$(cap_count 'icmp6 and ip6[40] == 128')" -eq 0 ] # no echo request in plaintext
}
