#!/usr/bin/env bats
# rotate.bats: key rotation by hand with zero lost packets and zero
# plaintext: three nodes with pods, traffic in both directions throughout
# (ping -i 0.01, numbered UDP, a long TCP stream). Needs ESP (VM lane).
# The sleeps here are the point, not readiness waits: each phase runs while
# traffic flows, some of it sent before the phase and some after. The
# rotations killed after each kernel change are rotate_faults.bats'. The
# cluster: rotate.bash.

load helpers
load topo
load live
load rotate

test_setup() { rotate_cluster; }

# advertise: tell every node which SPI every other node accepts.
advertise() {
	local i j spi
	for j in 1 2 3; do ADV[$j]=$(tenc_on "node$j" -j key list | json_get "j['advertise']"); done
	for i in 1 2 3; do
		{
			echo '{"peers": ['
			for j in 1 2 3; do
				[ "$i" = "$j" ] && continue
				echo "{\"name\": \"node$j\", \"node_ip\": \"10.0.0.$j\", \"cidrs\": [\"10.1.$j.0/24\"], \"spi\": ${ADV[$j]}}"
			done | paste -sd,
			echo ']}'
		} >"$T_DIR/adv$i.json"
		tenc_on "node$i" peer sync "$T_DIR/adv$i.json"
	done
}

spis_on_wire() { tcpdump -r "$T_DIR/wire.pcap" -nn esp 2>/dev/null | grep -o 'spi=0x[0-9a-f]*' | uniq; }

@test "rolling rotation, prepare all -> commit all -> finish all: no loss, no plaintext, SPI switches" {
	cap_start
	traffic_start 20
	sleep 1 # traffic on key 1 first
	for i in 1 2 3; do tenc_on "node$i" key rotate "$T_DIR/k2"; done
	run tenc_on node1 -j key list
	[ "$(echo "$output" | json_get "sorted((k['spi'], k['state']) for k in j['keys'])")" = "[(1, 'current'), (2, 'pending')]" ]
	[ "$(echo "$output" | json_get "j['advertise']")" -eq 2 ]
	sleep 1 # traffic while key 2 is pending
	advertise
	for i in 1 2 3; do tenc_on "node$i" key rotate --commit; done
	run tenc_on node1 -j status
	[ "$(echo "$output" | json_get "sorted(p['out_spi'] for p in j['peers'])")" = "[2, 2]" ]
	sleep 3 # traffic on key 2 while key 1 retires
	for i in 1 2 3; do tenc_on "node$i" key rotate --finish --quiet-for 2; done
	traffic_check
	on pod1 ping -c 3 -i 0.2 10.1.2.2 # the new SPI on the wire, however slow the run was
	cap_stop
	[ "$(spis_on_wire | sort -u | tr '\n' ' ')" = "spi=0x00000001 spi=0x00000002 " ]
	[ "$(spis_on_wire | tail -n1)" = "spi=0x00000002" ]
	! cap_has TENC-UDP-CANARY || false
	[ "$(cap_count 'not esp and not arp and not ip6')" -eq 0 ]
	for i in 1 2 3; do
		run tenc_on "node$i" -j key list
		[ "$(echo "$output" | json_get "[(k['spi'], k['state']) for k in j['keys']]")" = "[(2, 'current')]" ]
		[ -z "$(on node$i ip xfrm state list spi 1)" ]
		run tenc_on "node$i" -j status
		[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	done
}

@test "worst order: one node runs every phase before the others prepare, and nothing is lost" {
	traffic_start 12
	sleep 1 # traffic on key 1 first
	worst_order
	traffic_check
}

@test "16 rotations in a row wrap the SPI past 15 and back" {
	local spis=""
	for r in $(seq 1 16); do
		(umask 077; "$TENC" key gen >"$T_DIR/kr")
		for i in 1 2 3; do tenc_on "node$i" key rotate "$T_DIR/kr"; done
		for i in 1 2 3; do tenc_on "node$i" key rotate --commit --all; done
		for i in 1 2 3; do tenc_on "node$i" key rotate --finish --force; done
		spis+="$(tenc_on node1 -j key list | json_get "j['keys'][0]['spi']") "
	done
	[ "$spis" = "2 3 4 5 6 7 8 9 10 11 12 13 14 15 1 2 " ]
	on pod1 ping -c 2 -W 2 10.1.3.2
	run tenc_on node2 -j status
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
}

@test "bad rotation input: exit 2, nothing changed" {
	run tenc_on node1 key rotate --commit
	[ "$status" -eq 2 ]
	[[ $output == *"no pending key"* ]]
	before=$(snapshot node1; tenc_on node1 -j key list)
	run tenc_on node1 key rotate --spi 1 "$T_DIR/k2"
	[ "$status" -eq 2 ]
	[[ $output == *"spi: 1 is still installed"* ]]
	[ "$(snapshot node1; tenc_on node1 -j key list)" = "$before" ]
	# a retiring key of another shape blocks a rotation to it
	tenc_on node1 key rotate "$T_DIR/k2"
	tenc_on node1 key rotate --commit --all
	(umask 077; echo "1+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c 128" >"$T_DIR/k256")
	before=$(snapshot node1; tenc_on node1 -j key list)
	run tenc_on node1 key rotate "$T_DIR/k256"
	[ "$status" -eq 2 ]
	[[ $output == *"retiring"* ]]
	[ "$(snapshot node1; tenc_on node1 -j key list)" = "$before" ]
	run tenc_on node1 key rotate --commit --finish
	[ "$status" -eq 2 ]
}
