#!/usr/bin/env bats
# encrypt64.bats: IPv6 over IPv4. Nodes with IPv4 node ips only and IPv6
# pods (topo_v6pods): IPv6 pod traffic is carried in IPv4 ESP between the
# node ips, by the IPv4 SAs (which carry either family); the wire holds no
# IPv6 packet of a pod, no canary; fail-closed as for IPv4. Needs ESP (VM
# lane). The objects without ESP: dualstack.bats.

load helpers
load topo

test_setup() {
	local i j
	need_root
	need_feature esp
	need_feature aes_gcm
	topo_v6pods 2
	KEY=$T_DIR/key
	(umask 077; "$TENC" key gen >"$KEY")
	for i in 1 2; do enable_node "$i" --encrypt --pod-cidr "fd01:$i::/64"; done
	key_all 2 "$KEY"
	for i in 1 2; do
		for j in 1 2; do
			[ "$i" = "$j" ] || tenc_on "node$i" peer add "node$j" --node-ip "10.0.0.$j" --cidr "10.1.$j.0/24" \
				--cidr "fd01:$j::/64"
		done
	done
}

# the wire's IPv6 that is not the link's own (link-local, multicast)
not_link6='ip6 and not (src net fe80::/10 or dst net ff00::/8)'

@test "IPv6 over IPv4: pod to pod ping and a 2 MiB TCP transfer in IPv4 ESP; no IPv6 of a pod on the wire" {
	cap_start
	pod2_traffic6
	on pod1 ping -c 2 -i 0.2 -W 2 10.1.2.2
	cap_stop
	[ "$(cap_count 'ip and esp and host 10.0.0.1 and host 10.0.0.2')" -gt 100 ]
	[ "$(cap_count "$not_link6")" -eq 0 ]
	[ "$(cap_count 'host fd01:1::2 or host fd01:2::2 or host 10.1.1.2 or host 10.1.2.2')" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
	! cap_has TENC-CANARY-PAYLOAD || false
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "(j['peers'][0]['ipv6'], len(j['drift']))")" = "({'encrypted': True, 'outer': 'ipv4'}, 0)" ]
	# one SA pair, IPv4, carrying both families: no IPv6 SA, and no drift
	# "ipv4 only" above (status reads the SAs' selector family back)
	[ "$(on node1 ip -6 xfrm state | grep -c '^src')" -eq 0 ]
	[ "$(on node1 ip -6 route show table 2005)" = "fd01:2::/64 dev eth0 proto 229 metric 1024 mtu 1440 pref medium" ]
}

@test "IPv6 over IPv4: node to remote pod, and the reply, in IPv4 ESP" {
	cap_start
	on node1 ping -6 -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" fd01:2::2
	on pod2 ping -6 -c 3 -i 0.2 -W 2 -p "$CANARY_HEX" fd01:1::1
	cap_stop
	[ "$(cap_count 'ip and esp')" -ge 12 ]
	[ "$(cap_count "$not_link6")" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
}

@test "IPv6 over IPv4, fail-closed: the OUT SA deleted by hand: IPv6 and IPv4 pod traffic dropped, never plaintext; enable repairs" {
	on node1 ip xfrm state del src 10.0.0.1 dst 10.0.0.2 proto esp spi 1
	cap_start
	run on pod1 ping -6 -c 2 -i 0.2 -W 1 -p "$CANARY_HEX" fd01:2::2
	[ "$status" -ne 0 ]
	run on pod1 ping -c 2 -i 0.2 -W 1 -p "$CANARY_HEX" 10.1.2.2
	[ "$status" -ne 0 ]
	cap_stop
	[ "$(cap_count "$not_link6")" -eq 0 ]
	[ "$(cap_count 'host 10.1.1.2 or host 10.1.2.2')" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
	[ "$(drift_count node1)" -gt 0 ]
	enable_node 1 --encrypt --pod-cidr fd01:1::/64
	on pod1 ping -6 -c 2 -i 0.2 -W 2 fd01:2::2
}

# pre6_on NODE ARGS...: the tenc from before IPv6 (make pre6-tenc), as NODE.
PRE6=${TENC_PRE6:-$REPO/build/pre6/tenc}
pre6_on() {
	local n=$1; shift
	TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$PRE6" "$@"
}

@test "IPv6 over IPv4 after an upgrade: the older IPv4-only SAs are kept and drift as ipv4 only (IPv6 dropped, never plaintext) until the next key" {
	[ -x "$PRE6" ] || { echo "no $PRE6 (make pre6-tenc makes it)"; return 1; }
	local i j
	for i in 1 2; do tenc_on "node$i" disable; rm -f "$T_DIR/node$i"/*.json; done
	for i in 1 2; do
		pre6_on "node$i" enable --node-ip "10.0.0.$i" --pod-cidr "10.1.$i.0/24" --dev pod0 --encrypt
		pre6_on "node$i" key add "$KEY"
		j=$((3 - i))
		pre6_on "node$i" peer add "node$j" --node-ip "10.0.0.$j" --cidr "10.1.$j.0/24"
	done
	on pod1 ping -c 2 -i 0.2 -W 2 10.1.2.2
	before=$(on node1 ip -s xfrm state | grep -c "^src")
	# the new tenc, with the IPv6 halves: the old SAs stay (not re-keyed)
	for i in 1 2; do
		enable_node "$i" --encrypt --pod-cidr "fd01:$i::/64"
		j=$((3 - i))
		tenc_on "node$i" peer add "node$j" --node-ip "10.0.0.$j" --cidr "10.1.$j.0/24" --cidr "fd01:$j::/64"
	done
	[ "$(on node1 ip -s xfrm state | grep -c "^src")" -eq "$before" ]
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "sorted(set((d['problem'], d['kind']) for d in j['drift']))")" = "[('ipv4 only', 'sa')]" ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 2 ] # the OUT and the IN SA
	cap_start
	on pod1 ping -c 2 -i 0.2 -W 2 10.1.2.2
	run on pod1 ping -6 -c 2 -i 0.2 -W 1 -p "$CANARY_HEX" fd01:2::2
	[ "$status" -ne 0 ]
	cap_stop
	[ "$(cap_count "$not_link6")" -eq 0 ]
	! cap_has TENC-CANARY-PING || false
	# the next key's SAs carry both families
	(umask 077; "$TENC" key gen >"$T_DIR/k2")
	for i in 1 2; do tenc_on "node$i" key rotate "$T_DIR/k2"; done
	for i in 1 2; do tenc_on "node$i" key rotate --commit --all; done
	for i in 1 2; do tenc_on "node$i" key rotate --finish --force; done
	on pod1 ping -6 -c 2 -i 0.2 -W 2 fd01:2::2
	[ "$(drift_count node1)" -eq 0 ]
}
