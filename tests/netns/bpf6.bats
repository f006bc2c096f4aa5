#!/usr/bin/env bats
# bpf6.bats: the BPF datapath's IPv6 half, driven through tests/tools/dptool
# as bpf.bats drives the IPv4 one: the parser (extension headers, fragments,
# the bound), flows6, ipcache6 and the marks the programs set on crafted
# IPv6 frames (BPF_PROG_TEST_RUN), always beside what IPv4 does with the
# same ipcache value.

load helpers
load bpf

# run6 HOOK SRC DST CHAIN [--len N]: the mark tenc_from_pod & co leave on an
# IPv6 frame (tests/tools/dptool.c testrun6), which must be the one given.
run6() {
	local h=$1; shift
	[ "$(dp testrun6 "$B" "$h" "$@")" = 0x00000000 ]
}

# flow6 DST: the flows6 line(s) of the flows to DST ("DIR PROTO SRC SPORT DST DPORT ...").
flow6() {
	dp flows6 "$B" | awk -v d="$1" '$5 == d'
}

v6_setup() {
	dp load "$B"
	peer_ipcache
	dp cfg-set "$B" 192.168.1.1 encrypt
}

@test "IPv6: extension headers before UDP are skipped; the ports are accounted" {
	v6_setup
	local c i=0
	for c in udp hop,udp dst,udp hop,dst,rt,udp 'hop*3,udp' ah,udp 'ah*4,udp' frag,udp \
		hop,frag,dst,udp 'dst*255,udp' dst,dst,dst,dst,dst,udp; do
		i=$((i + 1))
		run6 from_pod fd00:1::2 "fd00:2::$i" "$c"
		[ "$(flow6 "fd00:2::$i" | cut -d' ' -f1-6,8)" = "out 17 fd00:1::2 40000 fd00:2::$i 5201 1" ] ||
			{ echo "chain $c: $(flow6 "fd00:2::$i")" >&2; return 1; }
	done
	run6 from_pod fd00:1::2 fd00:3::1 tcp
	[ "$(flow6 fd00:3::1 | cut -d' ' -f1-6,12)" = "out 6 fd00:1::2 40000 fd00:3::1 5201 plaintext" ]
	# the same flow again: one entry, two packets
	run6 from_pod fd00:1::2 fd00:2::1 udp
	[ "$(flow6 fd00:2::1 | cut -d' ' -f8)" = 2 ]
	# outside ipcache6 (empty here) IPv6 is not marked, whatever the
	# ipcache says of IPv4
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd00:2::1 udp)" = 0x00000000 ]
}

@test "IPv6: a later fragment, a chain past the bound, a cut frame: defined flows, no ports" {
	v6_setup
	# a later fragment has no L4 header: its protocol, no ports
	run6 from_pod fd00:1::2 fd00:4::1 frag+,udp
	[ "$(flow6 fd00:4::1 | cut -d' ' -f1-6)" = "out 17 fd00:1::2 0 fd00:4::1 0" ]
	# seven extension headers, one more than the bound (6): the next header
	# where the parse stopped (60, destination options), no ports
	run6 from_pod fd00:1::2 fd00:4::2 dst,dst,dst,dst,dst,dst,dst,udp
	[ "$(flow6 fd00:4::2 | cut -d' ' -f1-6)" = "out 60 fd00:1::2 0 fd00:4::2 0" ]
	# cut inside the hop-by-hop header (14 + 40 + 6 bytes), or right after
	# the IPv6 header: the header the frame ends in
	run6 from_pod fd00:1::2 fd00:4::3 hop,udp --len 60
	[ "$(flow6 fd00:4::3 | cut -d' ' -f1-6)" = "out 0 fd00:1::2 0 fd00:4::3 0" ]
	run6 from_pod fd00:1::2 fd00:4::4 udp --len 54
	[ "$(flow6 fd00:4::4 | cut -d' ' -f1-6)" = "out 17 fd00:1::2 0 fd00:4::4 0" ]
	# cut inside the UDP header: UDP, no ports
	run6 from_pod fd00:1::2 fd00:4::5 dst,udp --len 64
	[ "$(flow6 fd00:4::5 | cut -d' ' -f1-6)" = "out 17 fd00:1::2 0 fd00:4::5 0" ]
	# an IPv4 header under the IPv6 ethertype, and a cut IPv6 header: untouched
	[ "$(mark from_pod 192.168.1.2 10.2.1.1 esp --ethertype 0x86dd --mark 0x42)" = 0x00000042 ]
	run dp testrun6 "$B" from_pod fd00:1::2 fd00:4::6 udp --len 40
	[ "$status" -eq 1 ] || [ "$output" = 0x00000000 ]
	[ -z "$(flow6 fd00:4::6)" ]
}

@test "IPv6: link-local, multicast, neighbour discovery and MLD are not flows" {
	v6_setup
	local t
	run6 from_pod fe80::1 fd00:5::1 udp
	run6 from_pod fd00:1::2 fe80::1 udp
	run6 from_pod febf::1 fd00:5::1 udp
	run6 from_pod fd00:1::2 ff02::1 icmp6:128
	run6 from_pod fd00:1::2 ff05::1:3 udp
	# ND and MLD messages between global addresses (NUD is unicast)
	for t in 130 131 132 133 134 135 136 137 143; do
		run6 from_pod fd00:1::2 fd00:5::2 "icmp6:$t"
		run6 from_pod fd00:1::2 fd00:5::3 "hop,icmp6:$t"
	done
	[ -z "$(dp flows6 "$B")" ]
	# the control: fec0::/10 is not link-local, an echo request is a flow
	run6 from_pod fec0::1 fd00:5::1 udp
	run6 from_pod fd00:1::2 fd00:5::2 icmp6:128
	[ "$(dp flows6 "$B" | cut -d' ' -f1-6 | sort)" = "$(printf '%s\n' \
		'out 17 fec0::1 40000 fd00:5::1 5201' 'out 58 fd00:1::2 128 fd00:5::2 0')" ]
}

# The IPv6 twin of peer_ipcache: the same values, in ipcache6.
peer_ipcache6() {
	dp ipc-set "$B" fd12::/32 7 3 -
	dp ipc-set "$B" fd12:0:5::/48 0 0 local
	dp ipc-set "$B" fd13::/32 8 3 nokey
	dp ipc-set "$B" fd14::/32 9 0 -
	dp ipc-set "$B" fd15::/32 0 3 -
	dp ipc-set "$B" fd00:192:168:1::2 7 0 node
}

# twins MARK V4DST V6DST [--mark M]: from_pod leaves MARK on a UDP packet
# to V4DST and on one to V6DST (both from a local pod).
twins() {
	local want=$1 d4=$2 d6=$3; shift 3
	[ "$(mark from_pod 10.1.0.2 "$d4" udp "$@")" = "$want" ] || { echo "IPv4 $d4: not $want" >&2; return 1; }
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 "$d6" udp "$@")" = "$want" ] || { echo "IPv6 $d6: not $want" >&2; return 1; }
}

# rec6 DST: the flows6 record of the flow to DST after the ports:
# "packets P bytes B verdict V peer P spi S seen F" less the bytes.
rec6() {
	flow6 "$1" | cut -d' ' -f7,8,11-
}

@test "IPv6: from_pod marks as IPv4 does for the same ipcache value; the flow records it" {
	v6_setup
	peer_ipcache6
	# a peer's prefix; longest prefix (LOCAL inside it); NOKEY; no spi; no
	# peer id; outside
	twins 0x00073e00 10.2.1.1 fd12::1
	twins 0x00000000 10.2.5.1 fd12:0:5::1
	twins 0x00000000 10.3.0.1 fd13::1
	twins 0x00000000 10.4.0.1 fd14::1
	twins 0x00000000 10.5.0.1 fd15::1
	twins 0x00000000 10.9.0.1 fd19::1
	# LOCAL and NOKEY win over a peer id and spi in the same entry
	dp ipc-set "$B" 10.2.6.0/24 7 3 local
	dp ipc-set "$B" fd12:0:6::/48 7 3 local
	twins 0x00000000 10.2.6.1 fd12:0:6::1
	# a SUBNET no peer claims: the default drop; a peer's entry inside it wins
	dp ipc-set "$B" 10.20.0.0/16 0 0 subnet
	dp ipc-set "$B" fd20::/16 0 0 subnet
	dp ipc-set "$B" 10.20.4.0/24 7 3 -
	dp ipc-set "$B" fd20:4::/32 7 3 -
	twins 0x00000e00 10.20.3.1 fd20:3::1
	twins 0x00073e00 10.20.4.1 fd20:4::1
	# an spi past 4 bits, written past the library: not marked
	bpftool map update pinned "$B/ipcache6" key 32 0 0 0 0xfd 0x18 0 0 0 0 0 0 0 0 0 0 0 0 0 0 value 7 0 16 0
	[ "$(dp ipc-get "$B" fd18::/32)" = "peer 7 spi 16 flags -" ]
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd18::1 udp)" = 0x00000000 ]
	# bits 0-7 are others': kept; tenc's are set whole, or left alone
	twins 0x00073e42 10.2.1.1 fd12::1 --mark 0x42
	twins 0x00073e42 10.2.1.1 fd12::1 --mark 0xdead0142
	twins 0xdead0142 10.9.0.1 fd19::1 --mark 0xdead0142
	# from_pod looks at the destination only
	[ "$(dp testrun6 "$B" from_pod fd12::1 fd19::2 udp)" = 0x00000000 ]
	# what the flows say (packets: twins ran the first ones three times)
	[ "$(rec6 fd12::1)" = "packets 3 verdict encrypted peer 7 spi 3 seen pod" ]
	[ "$(rec6 fd12:0:5::1)" = "packets 1 verdict local peer 0 spi 0 seen pod" ]
	[ "$(rec6 fd13::1)" = "packets 1 verdict violation peer 8 spi 0 seen pod,unmarked" ]
	[ "$(rec6 fd15::1)" = "packets 1 verdict violation peer 0 spi 0 seen pod,unmarked" ]
	[ "$(rec6 fd19::1)" = "packets 2 verdict plaintext peer 0 spi 0 seen pod" ]
	[ "$(rec6 fd20:3::1)" = "packets 1 verdict dropped peer 0 spi 0 seen pod" ]
	# to a peer's node ip: without an spi in its entry unmarked, with one
	# marked; seen as the node's either way
	twins 0x00000000 192.168.1.2 fd00:192:168:1::2
	[ "$(rec6 fd00:192:168:1::2)" = "packets 1 verdict violation peer 7 spi 0 seen pod,unmarked,node" ]
	dp ipc-set "$B" 192.168.1.3/32 7 3 node
	dp ipc-set "$B" fd00:192:168:1::3 7 3 node
	twins 0x00073e00 192.168.1.3 fd00:192:168:1::3
	[ "$(rec6 fd00:192:168:1::3)" = "packets 1 verdict encrypted peer 7 spi 3 seen pod,node" ]
}

@test "IPv6: the longest ipcache6 prefix wins, to the bit" {
	v6_setup
	dp ipc-set "$B" ::/0 1 1 -
	dp ipc-set "$B" fd30::/16 2 2 -
	dp ipc-set "$B" fd30:1::/32 3 3 -
	dp ipc-set "$B" fd30:1:8000::/33 4 4 -
	dp ipc-set "$B" fd30:1:8000:1::/64 0 0 local
	dp ipc-set "$B" fd30:1:8000:1::9/128 5 5 -
	dp ipc-set "$B" fd30:1:8000:1::8/127 6 6 -
	local d want
	while read -r d want; do
		[ "$(dp testrun6 "$B" from_pod fd00:1::2 "$d" udp)" = "$want" ] || { echo "$d: not $want" >&2; return 1; }
	done <<-EOF
		2001:db8::1 0x00011e00
		fd30:2::1 0x00022e00
		fd30:1:7fff::1 0x00033e00
		fd30:1:8000::1 0x00044e00
		fd30:1:ffff::1 0x00044e00
		fd30:1:8000:1::1 0x00000000
		fd30:1:8000:1::9 0x00055e00
		fd30:1:8000:1::8 0x00066e00
		fd30:1:8000:2::9 0x00044e00
	EOF
	# the /128 gone, its /127 holds it
	dp ipc-del "$B" fd30:1:8000:1::9
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd30:1:8000:1::9 udp)" = 0x00066e00 ]
}

@test "IPv6: link-local, multicast, ND, MLD and RA are never marked nor flows, even under ::/0" {
	v6_setup
	local t h
	for f in - node; do
		dp ipc-set "$B" ::/0 7 3 "$f"
		for h in from_pod from_wire to_wire; do
			while read -r s d c; do
				[ "$(dp testrun6 "$B" "$h" "$s" "$d" "$c" --mark 0x42)" = 0x00000042 ] ||
					{ echo "$h $s $d $c (::/0 $f): marked" >&2; return 1; }
			done <<-EOF
				fe80::1 fd00:5::1 udp
				fd00:1::2 fe80::1 udp
				febf::1 fd00:5::1 esp:3
				fe80::1 ff02::1 icmp6:134
				fe80::1 ff02::2 icmp6:133
				fd00:1::2 ff02::1 icmp6:128
				fd00:1::2 ff05::1:3 udp
				fe80::1 ff02::16 hop,icmp6:143
			EOF
			# ND and MLD messages between global addresses
			for t in 130 131 132 133 134 135 136 137 143; do
				[ "$(dp testrun6 "$B" "$h" fd00:1::2 fd00:5::2 "icmp6:$t" --mark 0x42)" = 0x00000042 ]
				[ "$(dp testrun6 "$B" "$h" fd00:1::2 fd00:5::3 "hop,icmp6:$t" --mark 0x42)" = 0x00000042 ]
			done
		done
	done
	[ -z "$(dp flows6 "$B")" ]
	# the control: the same ::/0 marks an echo request between global addresses
	dp ipc-set "$B" ::/0 7 3 -
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd00:5::2 icmp6:128 --mark 0x42)" = 0x00073e42 ]
	[ "$(rec6 fd00:5::2)" = "packets 1 verdict encrypted peer 7 spi 3 seen pod" ]
}

@test "IPv6: marked after extension headers, in a later fragment, past the parser's bound" {
	v6_setup
	peer_ipcache6
	local c i=0
	for c in hop,udp dst,rt,udp ah,udp frag,udp frag+,udp hop,frag,dst,tcp icmp6:128 dst,icmp6:129 esp:9 \
		dst,dst,dst,dst,dst,dst,dst,udp; do
		i=$((i + 1))
		[ "$(dp testrun6 "$B" from_pod fd00:1::2 "fd12::$i" "$c")" = 0x00073e00 ] ||
			{ echo "chain $c: not marked" >&2; return 1; }
		[ "$(rec6 "fd12::$i" | cut -d' ' -f1-8)" = "packets 1 verdict encrypted peer 7 spi 3" ] ||
			{ echo "chain $c: $(flow6 "fd12::$i")" >&2; return 1; }
	done
	# a frame cut inside its hop-by-hop header: the destination decides
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd12::99 hop,udp --len 60)" = 0x00073e00 ]
	# and the same chains to a LOCAL prefix are not
	[ "$(dp testrun6 "$B" from_pod fd00:1::2 fd12:0:5::1 hop,frag,dst,tcp)" = 0x00000000 ]
}

@test "IPv6: a no-key entry, and observe-only mode, are unmarked violations as for IPv4" {
	v6_setup
	peer_ipcache6
	twins 0x00000000 10.3.0.1 fd13::1
	[ "$(rec6 fd13::1)" = "packets 1 verdict violation peer 8 spi 0 seen pod,unmarked" ]
	# the key arrives: marked, and the flow says so (a violation stays one)
	dp ipc-set "$B" 10.3.0.0/16 8 3 -
	dp ipc-set "$B" fd13::/32 8 3 -
	twins 0x00083e00 10.3.0.1 fd13::1
	twins 0x00083e00 10.3.0.2 fd13::2
	[ "$(rec6 fd13::1)" = "packets 2 verdict violation peer 8 spi 3 seen pod,unmarked" ]
	[ "$(rec6 fd13::2)" = "packets 1 verdict encrypted peer 8 spi 3 seen pod" ]
	# observe only: nothing marked, a keyed peer's flow is a violation
	dp cfg-set "$B" 192.168.1.1 -
	twins 0x00000000 10.2.1.1 fd12::1
	twins 0x00000000 10.20.3.1 fd20:3::1
	[ "$(rec6 fd12::1)" = "packets 1 verdict violation peer 7 spi 0 seen pod,unmarked" ]
	# the config map is the one of both families
	dp cfg-set "$B" 192.168.1.1 encrypt
	twins 0x00073e00 10.2.1.1 fd12::1
}

@test "IPv6: from_wire gives ESP from a peer's IPv6 node ip the ingress mark" {
	v6_setup
	peer_ipcache6
	local me=fd00:192:168:1::1 peer=fd00:192:168:1::2
	[ "$(dp testrun6 "$B" from_wire "$peer" "$me" esp:3)" = 0x00070d00 ]
	[ "$(dp testrun6 "$B" from_wire "$peer" "$me" esp:3 --mark 0x42)" = 0x00070d42 ]
	# after an extension header, too
	[ "$(dp testrun6 "$B" from_wire "$peer" "$me" dst,esp:3)" = 0x00070d00 ]
	# not ESP; ESP not from a NODE entry (a peer's pod cidr, unknown); the
	# source decides, not the destination
	[ "$(dp testrun6 "$B" from_wire "$peer" "$me" udp)" = 0x00000000 ]
	[ "$(dp testrun6 "$B" from_wire fd12::1 "$me" esp:3)" = 0x00000000 ]
	[ "$(dp testrun6 "$B" from_wire fd00:192:168:1::3 "$me" esp:3)" = 0x00000000 ]
	[ "$(dp testrun6 "$B" from_wire fd00:192:168:1::3 "$peer" esp:3)" = 0x00000000 ]
	# the same ESP over IPv4 is marked alike
	[ "$(mark from_wire 192.168.1.2 192.168.1.1 esp)" = 0x00070d00 ]
	# observe only: not marked
	dp cfg-set "$B" 192.168.1.1 -
	[ "$(dp testrun6 "$B" from_wire "$peer" "$me" esp:3)" = 0x00000000 ]
	# the ESP flow (its SPI in the ports), counted both times
	[ "$(flow6 "$me" | cut -d' ' -f1-8,11-)" = \
		"in 50 $peer 0 $me 3 packets 4 verdict encrypted peer 7 spi 3 seen wire_esp,node" ]
}

@test "IPv6: the wire hooks account as they do IPv4, and nothing without ipcache6 entries" {
	v6_setup
	local h me=fd00:192:168:1::1 peer=fd00:192:168:1::2
	# no IPv6 entries: they cannot tell a pod's traffic from the node's
	for h in from_wire to_wire; do
		[ "$(dp testrun6 "$B" "$h" fd00:1::2 fd00:6::1 udp)" = 0x00000000 ]
		[ "$(dp testrun6 "$B" "$h" "$peer" "$me" esp:3)" = 0x00000000 ]
	done
	[ -z "$(dp flows6 "$B")" ]
	peer_ipcache6
	# to_wire: ESP to a peer's node ip; node to node in plaintext is not ours
	[ "$(dp testrun6 "$B" to_wire "$me" "$peer" esp:3)" = 0x00000000 ]
	[ "$(flow6 "$peer" | cut -d' ' -f1-8,11-)" = \
		"out 50 $me 0 $peer 3 packets 1 verdict encrypted peer 7 spi 3 seen wire_esp,node" ]
	dp testrun6 "$B" to_wire "$me" "$peer" udp
	[ "$(flow6 "$peer" | wc -l)" -eq 1 ]
	# to_wire: plaintext to a peer's pods, or from a local pod to its node
	dp ipc-set "$B" fd01:1::/32 0 0 local
	dp testrun6 "$B" to_wire fd01:1::2 fd12::7 udp
	dp testrun6 "$B" to_wire fd01:1::2 "$peer" tcp
	[ "$(rec6 fd12::7)" = "packets 1 verdict violation peer 7 spi 0 seen wire_plain" ]
	[ "$(flow6 "$peer" | grep '^out 6 ' | cut -d' ' -f7,8,11-)" = \
		"packets 1 verdict violation peer 7 spi 0 seen wire_plain,node" ]
	# from_wire: plaintext from a peer's pod, from its node to our pods; not
	# from its node to ours
	dp testrun6 "$B" from_wire fd12::8 fd01:1::3 udp
	dp testrun6 "$B" from_wire "$peer" fd01:1::4 udp
	dp testrun6 "$B" from_wire "$peer" "$me" udp
	[ "$(rec6 fd01:1::3)" = "packets 1 verdict violation peer 7 spi 0 seen wire_plain" ]
	[ "$(rec6 fd01:1::4)" = "packets 1 verdict violation peer 7 spi 0 seen wire_plain,node" ]
	[ -z "$(flow6 "$me" | grep -v '^in 50 ')" ]
	# from_wire: back from the IN SA (the decrypt mark): encrypted, kept
	[ "$(dp testrun6 "$B" from_wire fd12::9 fd01:1::5 tcp --mark 0x70d00)" = 0x00070d00 ]
	[ "$(rec6 fd01:1::5)" = "packets 1 verdict encrypted peer 7 spi 0 seen decrypted" ]
	# a flow the pod side counts is not counted again when it leaks on the wire
	dp testrun6 "$B" from_pod fd01:1::2 fd13::1 udp
	dp testrun6 "$B" to_wire fd01:1::2 fd13::1 udp
	[ "$(rec6 fd13::1)" = "packets 1 verdict violation peer 8 spi 0 seen pod,wire_plain,unmarked" ]
}
