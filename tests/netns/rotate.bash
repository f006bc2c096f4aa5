# rotate.bash: the cluster of the rotation suites (rotate.bats,
# rotate_faults.bats) and the steps of a rotation they and rotate6.bats,
# encrypt6only.bats share. Load after helpers and topo: load rotate

# rotate_cluster: three nodes, encrypting with key 1 ($T_DIR/k1) and
# peered; keys 2 and 3 in $T_DIR/k2 and k3 for the rotations. Needs ESP
# and AES-GCM (VM lane).
rotate_cluster() {
	local i
	need_root
	need_feature esp
	need_feature aes_gcm
	topo_up 3
	(umask 077; "$TENC" key gen >"$T_DIR/k1"; "$TENC" key gen >"$T_DIR/k2"; "$TENC" key gen >"$T_DIR/k3")
	for i in 1 2 3; do enable_node "$i" --encrypt --name "node$i"; done
	key_all 3 "$T_DIR/k1"
	peer_all 3
	on pod1 ping -c 1 -W 5 10.1.2.2 >/dev/null
}

# advertise: every node syncs the others' advertisements (tenc -j
# advertise: its families, the SPI it accepts, its epoch). rotate.bats
# has its own (the SPIs of key list, IPv4's addresses written out).
advertise() {
	local i j
	for j in 1 2 3; do tenc_on "node$j" -j advertise >"$T_DIR/own$j.json"; done
	for i in 1 2 3; do
		python3 -c 'import json, sys
print(json.dumps({"peers": [p for f in sys.argv[1:] for p in json.load(open(f))["peers"]]}))' \
			$(for j in 1 2 3; do [ "$i" = "$j" ] || echo "$T_DIR/own$j.json"; done) >"$T_DIR/adv$i.json"
		tenc_on "node$i" peer sync "$T_DIR/adv$i.json"
	done
}

# spis FILTER: the ESP SPIs on the wire of the packets matching FILTER, in
# order, repeats folded.
spis() { tcpdump -r "$T_DIR/wire.pcap" -nn "$1" 2>/dev/null | grep -o 'spi=0x[0-9a-f]*' | uniq; }

# rotated: on every node key 2 alone is current, no SA of spi 1 is left
# in either family, and status has no drift.
rotated() {
	local i
	for i in 1 2 3; do
		[ "$(tenc_on "node$i" -j key list | json_get "[(k['spi'], k['state']) for k in j['keys']]")" = "[(2, 'current')]" ]
		[ -z "$(on "node$i" ip xfrm state list spi 1)" ]
		[ "$(on "node$i" ip -6 xfrm state list spi 2 | grep -c '^src fd00::')" -eq 4 ]
		[ "$(tenc_on "node$i" -j status | json_get "len(j['drift'])")" -eq 0 ]
	done
}

# rolling_order: key 2 ($T_DIR/k2) prepared on every node (its IPv6 SAs
# there before anything uses them), committed on every node once
# advertised, then key 1 finished; each phase while the suite's traffic
# flows (the sleeps are the point).
rolling_order() {
	local i
	sleep 1 # traffic on key 1 first
	for i in 1 2 3; do tenc_on "node$i" key rotate "$T_DIR/k2"; done
	[ "$(on node1 ip -6 xfrm state list spi 2 | grep -c '^src fd00::')" -eq 4 ]
	sleep 1 # traffic while key 2 is pending
	advertise
	for i in 1 2 3; do tenc_on "node$i" key rotate --commit; done
	[ "$(tenc_on node1 -j status | json_get "sorted(p['out_spi'] for p in j['peers'])")" = "[2, 2]" ]
	sleep 3 # traffic on key 2 while key 1 retires
	for i in 1 2 3; do tenc_on "node$i" key rotate --finish --quiet-for 2; done
}

# spis6_switched: the IPv6 ESP on the wire used spi 1, then 2 to the end,
# and went between the IPv6 node ips only.
spis6_switched() {
	[ "$(spis 'ip6 and esp' | sort -u | tr '\n' ' ')" = "spi=0x00000001 spi=0x00000002 " ]
	[ "$(spis 'ip6 and esp' | tail -n1)" = "spi=0x00000002" ]
	[ "$(cap_count 'ip6 and esp and not (net fd00::/64)')" -eq 0 ]
}

# worst_order: node1 prepares and commits key 2 ($T_DIR/k2) before the
# others prepare (its finish refused while they still use spi 1), then
# they catch up: each suite's advertise tells the nodes the SPIs. Run while
# the suite's traffic flows.
worst_order() {
	tenc_on node1 key rotate "$T_DIR/k2"
	run tenc_on node1 -j key rotate --commit
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get "j['waiting']")" -eq 2 ]
	run tenc_on node1 key rotate --finish --quiet-for 1
	[ "$status" -eq 1 ]
	[[ $output == *"OUT still uses spi 1 towards: node2, node3"* ]]
	for i in 2 3; do tenc_on "node$i" key rotate "$T_DIR/k2"; done
	advertise
	for i in 1 2 3; do tenc_on "node$i" key rotate --commit; done
	sleep 2 # traffic on key 2 while key 1 retires
	for i in 1 2 3; do tenc_on "node$i" key rotate --finish --quiet-for 2; done
}
