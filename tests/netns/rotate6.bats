#!/usr/bin/env bats
# rotate6.bats: key rotation on dual-stack nodes, with zero lost packets
# and zero plaintext in both families at once: three nodes (topo_dual),
# IPv4 and IPv6 pod traffic throughout (pings, numbered UDP, and
# rotate.bats' IPv4 TCP stream), each pair's IPv4 and IPv6 SAs rotated
# together (one OUT SPI per peer for both families). Rolling order and the
# worst order. Needs ESP (VM lane). The sleeps are the point, as in
# rotate.bats: each phase runs while traffic flows.

load helpers
load topo
load live
load rotate

test_setup() {
	local i
	need_root
	need_feature esp
	need_feature aes_gcm
	topo_dual 3
	(umask 077; "$TENC" key gen >"$T_DIR/k1"; "$TENC" key gen >"$T_DIR/k2")
	for i in 1 2 3; do
		enable_node "$i" --encrypt --name "node$i" --node-ip "fd00::$i" --pod-cidr "fd01:$i::/64"
	done
	key_all 3 "$T_DIR/k1"
	peer_all6 3
	# the epochs first (a peer's epoch, once known, re-keys its SAs: not
	# while the tests' traffic flows; then advertise changes SPIs only)
	advertise
	on pod1 ping -c 1 -W 5 10.1.2.2 >/dev/null
	on pod1 ping -c 1 -W 5 fd01:2::2 >/dev/null
}

# traffic6_start SECONDS: IPv6 pings pod1 -> pod2 and pod3 -> pod1, IPv6
# UDP pod2 -> pod3, beside traffic_start's IPv4 flows.
traffic6_start() {
	local s=$1
	bg_on pod3 python3 "$FLOWGEN" udp-recv 6006 "$T_DIR/udp23v6.json"; R6=$!
	wait_listen pod3 udp 6006 $R6
	bg_on pod1 ping -6 $(ping_flow "$PINGS") fd01:2::2 >"$T_DIR/ping12v6" 2>&1; P6a=$!
	bg_on pod3 ping -6 $(ping_flow "$PINGS") fd01:1::2 >"$T_DIR/ping31v6" 2>&1; P6b=$!
	bg_on pod2 python3 "$FLOWGEN" udp-send fd01:3::2 6006 200 "$s"; S6=$!
}

traffic6_check() {
	wait $P6a $P6b $S6 $R6
	cat "$T_DIR/ping12v6" "$T_DIR/ping31v6" "$T_DIR/udp23v6.json"
	grep -q "^$PINGS packets transmitted, $PINGS received, 0% packet loss" "$T_DIR/ping12v6"
	grep -q "^$PINGS packets transmitted, $PINGS received, 0% packet loss" "$T_DIR/ping31v6"
	[ "$(json_get "j['missing']" <"$T_DIR/udp23v6.json")" -eq 0 ]
	[ "$(json_get "j['sent'] > 0" <"$T_DIR/udp23v6.json")" = True ]
}

@test "dual stack, rolling rotation: no loss and no plaintext in either family; both families switch SPI" {
	cap_start
	traffic_start 15
	traffic6_start 15
	rolling_order
	traffic_check
	traffic6_check
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	on pod1 ping -c 2 -i 0.2 fd01:2::2
	cap_stop
	[ "$(spis 'ip and esp' | sort -u | tr '\n' ' ')" = "spi=0x00000001 spi=0x00000002 " ]
	spis6_switched
	[ "$(cap_count 'net 10.1.0.0/16 or net fd01::/16')" -eq 0 ]
	! cap_has TENC-UDP-CANARY || false
	rotated
}

@test "dual stack, worst order: one node runs every phase before the others prepare; nothing lost in either family" {
	traffic_start 12
	traffic6_start 12
	sleep 1 # traffic on key 1 first
	worst_order
	traffic_check
	traffic6_check
	rotated
}
