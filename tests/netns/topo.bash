# topo.bash: a small cluster of namespace nodes for the datapath tests.
#
#        pod1 10.1.1.2            pod2 10.1.2.2            pod3 10.1.3.2
#          | eth0                   | eth0                   | eth0
#          | pod0 10.1.1.1          | pod0 10.1.2.1          | pod0 10.1.3.1
#        node1                    node2                    node3
#          | eth0 10.0.0.1          | eth0 10.0.0.2          | eth0 10.0.0.3
#          +-------- n1 ------ br0 (wire) ------ n2 --------+---- n3
#                                   |
#                                  ext eth0 10.0.0.9   (a host that is no peer)
#
# Nodes route the other nodes' pod cidrs via their node ips (native routing,
# plaintext until tenc encrypts). Captures and receivers run in the
# background (bg_on) and are waited for until ready, never slept for.
# Load after helpers: load topo

# shellcheck source=wait.bash
. "${BASH_SOURCE[0]%/*}/wait.bash"

# topo_up N: nodes 1..N with a pod each, the wire, and the non-peer "ext".
topo_up() {
	local n=${1:-2} i j
	ns_add wire ext
	on wire ip link add br0 type bridge
	on wire ip link set br0 up
	for i in $(seq 1 "$n"); do
		ns_add "node$i" "pod$i"
		on wire ip link add "n$i" type veth peer name eth0 netns "$(ns node$i)"
		on wire ip link set "n$i" master br0 up
		on "node$i" ip addr add "10.0.0.$i/24" dev eth0
		on "node$i" ip link set eth0 up
		on "node$i" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
		on "pod$i" ip link add eth0 type veth peer name pod0 netns "$(ns node$i)"
		on "pod$i" ip addr add "10.1.$i.2/24" dev eth0
		on "pod$i" ip link set eth0 up
		on "pod$i" ip route add default via "10.1.$i.1"
		on "node$i" ip addr add "10.1.$i.1/24" dev pod0
		on "node$i" ip link set pod0 up
	done
	on wire ip link add n9 type veth peer name eth0 netns "$(ns ext)"
	on wire ip link set n9 master br0 up
	on ext ip addr add 10.0.0.9/24 dev eth0
	on ext ip link set eth0 up
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] || on "node$i" ip route add "10.1.$j.0/24" via "10.0.0.$j"
		done
		on ext ip route add "10.1.$i.0/24" via "10.0.0.$i"
	done
}

# enable_node I [ARGS]: tenc enable --encrypt on node I with its pod device.
enable_node() {
	local i=$1; shift
	tenc_on "node$i" enable --node-ip "10.0.0.$i" --pod-cidr "10.1.$i.0/24" --dev pod0 "$@"
}

# peer_all N: on every node, add every other node as a peer.
peer_all() {
	local n=$1 i j
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] || tenc_on "node$i" peer add "node$j" --node-ip "10.0.0.$j" --cidr "10.1.$j.0/24"
		done
	done
}

# key_all N KEYFILE: add the same key on every node.
key_all() {
	local n=$1 f=$2 i
	for i in $(seq 1 "$n"); do tenc_on "node$i" key add "$f"; done
}

# esp_topo N: N nodes (topo_up) and a key for them all in $KEY (not yet
# added). Needs ESP and AES-GCM: skips on the host without them, fails in
# the VM lane.
esp_topo() {
	need_feature esp
	need_feature aes_gcm
	topo_up "$1"
	KEY=$T_DIR/key
	(umask 077; "$TENC" key gen >"$KEY")
}

# encrypted_cluster N: N nodes (topo_up), each with tenc enable --encrypt,
# one shared key ($KEY, generated) and every other node as a peer. Needs
# ESP and AES-GCM: skips on the host without them, fails in the VM lane.
encrypted_cluster() {
	local n=$1 i
	esp_topo "$n"
	for i in $(seq 1 "$n"); do enable_node "$i" --encrypt; done
	key_all "$n" "$KEY"
	peer_all "$n"
}

# cap_start: capture everything on the wire bridge into $T_DIR/wire.pcap,
# once tcpdump listens. Each packet is written as it comes (immediate mode,
# -U): cap_stop's end marker needs no block timeout to land.
cap_start() {
	# tcpdump gets SIGTERM (a non-interactive shell's background jobs
	# ignore SIGINT).
	bg_on wire tcpdump -i br0 -nn -U --immediate-mode -s 0 -w "$T_DIR/wire.pcap" 2>"$T_DIR/tcpdump.err"
	T_CAP_PID=$!
	wait_line "$T_DIR/tcpdump.err" "listening on" "$T_CAP_PID"
}

# cap_stop: send an end marker onto the wire (a frame of a local
# experimental ethertype from br0), wait until tcpdump wrote it, then stop
# tcpdump. The bridge saw every packet of the test before the marker, so
# they are all in the capture; cap_count leaves the marker out.
CAP_MARK_PROTO=0x88b5
cap_stop() {
	local mark="TENC-CAP-END-$T_CAP_PID"
	on wire python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("br0", 0))
s.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + bytes.fromhex(sys.argv[2][2:]) +
       sys.argv[1].encode().ljust(46, b"\0"))' "$mark" "$CAP_MARK_PROTO"
	wait_until -p "$T_CAP_PID" "the end marker in the capture" has_text "$T_DIR/wire.pcap" "$mark"
	bg_stop "$T_CAP_PID" || true # tcpdump's own status on SIGTERM is no verdict
}

# cap_count FILTER: packets in the capture matching a pcap filter (the end
# marker aside).
cap_count() {
	tcpdump -r "$T_DIR/wire.pcap" -nn "not ether proto $CAP_MARK_PROTO and ($*)" 2>/dev/null | wc -l
}

# cap_has TEXT: does any byte sequence TEXT appear anywhere in the capture?
cap_has() {
	python3 -c "import sys; sys.exit(0 if sys.argv[2].encode() in open(sys.argv[1],'rb').read() else 1)" \
		"$T_DIR/wire.pcap" "$1"
}

# tcp_receiver NS: receive one TCP stream on port 5001 into $T_DIR/recv.
# tcp_send FROM TO_IP SIZE_KB: send SIZE_KB of canary lines to it, then
# check that exactly those bytes arrived.
tcp_receiver() {
	bg_on "$1" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$T_DIR/recv",creat,trunc
	T_RECV_PID=$!
	wait_listen "$1" tcp 5001 "$T_RECV_PID"
}

tcp_send() {
	local from=$1 to=$2 kb=$3
	python3 -c "import sys; sys.stdout.write(''.join('TENC-CANARY-PAYLOAD-%08d\n' % i for i in range($kb * 1024 // 29)))" >"$T_DIR/send"
	on "$from" timeout 60 socat -u FILE:"$T_DIR/send" TCP:"$to":5001
	wait "$T_RECV_PID"
	cmp "$T_DIR/send" "$T_DIR/recv"
}

FLOWGEN=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/tools/flowgen.py

# xfrm_err NODE COUNTER: a counter of /proc/net/xfrm_stat.
xfrm_err() { on "$1" awk -v c="$2" '$1 == c { print $2 }' /proc/net/xfrm_stat; }

# traffic_start SECONDS: pings both ways, UDP both ways, TCP pod1 -> pod3,
# sent once the receivers listen.
# The pings send exactly SECONDS * 100 requests and wait up to 5 s for the
# last replies: with a -w deadline ping stops when the count of replies is
# reached (or at the deadline) with requests still in flight, and counts
# those as lost.
traffic_start() {
	local s=$1
	PINGS=$((s * 100))
	for i in 1 2 3; do X0[$i]="$(xfrm_err node$i XfrmInNoStates) $(xfrm_err node$i XfrmInStateProtoError)"; done
	bg_on pod2 python3 "$FLOWGEN" udp-recv 6001 "$T_DIR/udp12.json"; R1=$!
	bg_on pod1 python3 "$FLOWGEN" udp-recv 6002 "$T_DIR/udp21.json"; R2=$!
	bg_on pod3 python3 "$FLOWGEN" tcp-recv 6003 "$T_DIR/tcp13.json"; R3=$!
	wait_listen pod2 udp 6001 $R1
	wait_listen pod1 udp 6002 $R2
	wait_listen pod3 tcp 6003 $R3
	bg_on pod1 ping -q -i 0.01 -W 5 -c "$PINGS" 10.1.2.2 >"$T_DIR/ping12" 2>&1; P1=$!
	bg_on pod3 ping -q -i 0.01 -W 5 -c "$PINGS" 10.1.1.2 >"$T_DIR/ping31" 2>&1; P2=$!
	bg_on pod1 python3 "$FLOWGEN" udp-send 10.1.2.2 6001 200 "$s"; S1=$!
	bg_on pod2 python3 "$FLOWGEN" udp-send 10.1.1.2 6002 200 "$s"; S2=$!
	bg_on pod1 python3 "$FLOWGEN" tcp-send 10.1.3.2 6003 100 "$s"; S3=$!
}

# traffic_check: every flow complete, no loss, no new XFRM input errors.
traffic_check() {
	wait $P1 $P2 $S1 $S2 $S3 $R1 $R2 $R3
	cat "$T_DIR/ping12" "$T_DIR/ping31" "$T_DIR/udp12.json" "$T_DIR/udp21.json" "$T_DIR/tcp13.json"
	# shown on a failure: where packets went (XFRM errors, socket drops)
	for i in 1 2 3; do
		echo "node$i xfrm_stat: $(on node$i awk '$2 != 0' /proc/net/xfrm_stat | paste -sd' ')"
		echo "pod$i $(on pod$i awk '/^Udp:/' /proc/net/snmp | paste -sd' ')"
	done
	grep -q "^$PINGS packets transmitted, $PINGS received, 0% packet loss" "$T_DIR/ping12"
	grep -q "^$PINGS packets transmitted, $PINGS received, 0% packet loss" "$T_DIR/ping31"
	[ "$(json_get "j['missing']" <"$T_DIR/udp12.json")" -eq 0 ]
	[ "$(json_get "j['missing']" <"$T_DIR/udp21.json")" -eq 0 ]
	[ "$(json_get "j['sent'] > 0" <"$T_DIR/udp12.json")" = True ]
	[ "$(json_get "j['ok'] and j['bytes'] > 0" <"$T_DIR/tcp13.json")" = True ]
	for i in 1 2 3; do
		[ "$(xfrm_err node$i XfrmInNoStates) $(xfrm_err node$i XfrmInStateProtoError)" = "${X0[$i]}" ]
	done
}

# sa_seqs NODE: "src>dst spi oseq" of each of the node's OUT SAs (no
# replay window), sorted: a re-created SA starts its oseq again.
sa_seqs() {
	on "$1" ip -s xfrm state | python3 -c '
import re, sys
for b in re.split(r"\n(?=src )", sys.stdin.read()):
    m = re.match(r"src (\S+) dst (\S+)", b)
    spi = re.search(r"spi (0x[0-9a-f]+)", b)
    oseq = re.search(r"oseq (0x[0-9a-f]+)", b)
    if m and spi and oseq:
        print(m.group(1) + ">" + m.group(2), spi.group(1), int(oseq.group(1), 16))' | sort
}

# seqs_kept BEFORE AFTER: every SA of BEFORE is in AFTER with an oseq at
# least as high (the same SA, never re-created).
seqs_kept() {
	python3 - "$1" "$2" <<-'PY'
	import sys
	b = {tuple(l.split()[:2]): int(l.split()[2]) for l in sys.argv[1].splitlines() if l.strip()}
	a = {tuple(l.split()[:2]): int(l.split()[2]) for l in sys.argv[2].splitlines() if l.strip()}
	bad = [(k, v, a.get(k)) for k, v in b.items() if k not in a or a[k] < v]
	print("SAs before:", len(b), "kept:", len(b) - len(bad), "re-created or gone:", bad)
	sys.exit(1 if bad or not b else 0)
	PY
}

no_plaintext() { # nothing on the wire with a pod address outside ESP, no canary
	[ "$(cap_count 'net 10.1.0.0/16 or net 10.2.0.0/16')" -eq 0 ]
	! cap_has TENC-CANARY
}
