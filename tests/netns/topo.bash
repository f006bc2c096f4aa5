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
# plaintext until tenc encrypts). topo_dual adds IPv6 to the same topology:
# node i fd00::i/64 on eth0, pod i fd01:i::2/64 behind fd01:i::1 on pod0,
# ext fd00::9; topo_v6only is that IPv6 without the IPv4. Captures and
# receivers run in the background (bg_on) and are waited for until ready,
# never slept for.
# Load after helpers: load topo

# shellcheck source=wait.bash
. "${BASH_SOURCE[0]%/*}/wait.bash"

# routes_to_others I NODES FORMAT: FORMAT's line (two %s: the other node's
# number) for every node of NODES but I: node I's routes to the others' pods.
routes_to_others() {
	local j
	for j in $2; do [ "$1" = "$j" ] || printf "$3\n" "$j" "$j"; done
}

# topo_up N [v6only]: nodes 1..N with a pod each, the wire, and the
# non-peer "ext". One ip -batch a namespace (ip_in): under TCG every exec
# counts. A node's sysctls come before its pod's veth is made, so that pod0
# is created with the node's defaults. With v6only, no IPv4 address or
# route anywhere (topo_v6only adds the IPv6 ones).
topo_up() {
	local n=${1:-2} v4=1 i nodes
	[ "${2:-}" != v6only ] || v4=
	nodes=$(seq 1 "$n")
	# shellcheck disable=SC2046 # one word a namespace
	ns_new wire ext $(for i in $nodes; do echo "node$i pod$i"; done)
	{
		echo "link set lo up"
		echo "link add br0 type bridge"
		echo "link set br0 up"
		for i in $nodes; do
			echo "link add n$i type veth peer name eth0 netns $(ns "node$i")"
			echo "link set n$i master br0 up"
		done
		echo "link add n9 type veth peer name eth0 netns $(ns ext)"
		echo "link set n9 master br0 up"
	} | ip_in wire
	for i in $nodes; do
		on "node$i" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
		{
			echo "link set lo up"
			echo "link add eth0 type veth peer name pod0 netns $(ns "node$i")"
			[ -z "$v4" ] || echo "addr add 10.1.$i.2/24 dev eth0"
			echo "link set eth0 up"
			[ -z "$v4" ] || echo "route add default via 10.1.$i.1"
		} | ip_in "pod$i"
		{
			echo "link set lo up"
			[ -z "$v4" ] || echo "addr add 10.0.0.$i/24 dev eth0"
			echo "link set eth0 up"
			[ -z "$v4" ] || echo "addr add 10.1.$i.1/24 dev pod0"
			echo "link set pod0 up"
			[ -z "$v4" ] || routes_to_others "$i" "$nodes" "route add 10.1.%s.0/24 via 10.0.0.%s"
		} | ip_in "node$i"
	done
	{
		echo "link set lo up"
		[ -z "$v4" ] || echo "addr add 10.0.0.9/24 dev eth0"
		echo "link set eth0 up"
		[ -z "$v4" ] || for i in $nodes; do echo "route add 10.1.$i.0/24 via 10.0.0.$i"; done
	} | ip_in ext
}

# topo_dual N: topo_up N, then IPv6 as well (dual stack): addresses on the
# nodes' eth0, on the pods and their pod0, each node routing the other
# pods' /64s via their node's address. Addresses skip duplicate address
# detection (nodad): usable at once, no tentative state to wait for;
# neighbour discovery still resolves every hop.
topo_dual() {
	topo_up "${1:-2}"
	topo_dual_addrs "${1:-2}"
}

# topo_v6only N: topo_dual's IPv6 alone: the same nodes, pods, wire and
# ext, no IPv4 address or route on any of them (IPv6-only nodes).
topo_v6only() {
	topo_up "${1:-2}" v6only
	topo_dual_addrs "${1:-2}"
}

# topo_dual_addrs N [pods]: topo_dual's IPv6 half, on nodes topo_up N
# made. With pods, IPv6 on the pods only (topo_v6pods).
topo_dual_addrs() {
	local n=${1:-2} pods=${2:-} i j nodes
	nodes=$(seq 1 "$n")
	for i in $nodes; do
		on "node$i" sysctl -qw net.ipv6.conf.all.forwarding=1
		{
			[ -n "$pods" ] || echo "addr add fd00::$i/64 dev eth0 nodad"
			echo "addr add fd01:$i::1/64 dev pod0 nodad"
			for j in $nodes; do
				[ "$i" = "$j" ] && continue
				if [ -n "$pods" ]; then echo "route add fd01:$j::/64 dev eth0"
				else echo "route add fd01:$j::/64 via fd00::$j"; fi
			done
		} | ip_in "node$i"
		ip_in "pod$i" <<-EOF
			addr add fd01:$i::2/64 dev eth0 nodad
			route add ::/0 via fd01:$i::1
		EOF
	done
	[ -z "$pods" ] || return 0
	{
		echo "addr add fd00::9/64 dev eth0 nodad"
		for i in $nodes; do echo "route add fd01:$i::/64 via fd00::$i"; done
	} | ip_in ext
}

# node_opts I FAMILIES IP_OPT CIDR_OPT: node I's addresses in FAMILIES
# ("4", "6" or "4 6") as tenc's options, for each family IP_OPT with its
# node ip and CIDR_OPT with its pod cidr (one word each).
node_opts() {
	local f
	for f in $2; do
		case $f in
		4) echo "$3 10.0.0.$1 $4 10.1.$1.0/24" ;;
		6) echo "$3 fd00::$1 $4 fd01:$1::/64" ;;
		esac
	done
}

# enable_as FAMILIES I [ARGS]: tenc enable on node I with its pod device
# and its addresses in FAMILIES (node_opts; "6": an IPv6-only node of
# topo_v6only). enable_node I [ARGS]: IPv4's (ARGS: --encrypt...).
enable_as() {
	local f=$1 i=$2; shift 2
	# shellcheck disable=SC2046 # node_opts: one option or value a word
	tenc_on "node$i" enable $(node_opts "$i" "$f" --node-ip --pod-cidr) --dev pod0 "$@"
}
enable_node() { enable_as 4 "$@"; }

# peer_all N [FAMILIES]: on every node, add every other node as a peer
# with its addresses in FAMILIES (node_opts; default 4: IPv4's).
# peer_all6 N: both families (topo_dual's addresses: every pair an IPv6
# pair).
peer_all() {
	local n=$1 f=${2:-4} i j
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			# shellcheck disable=SC2046 # node_opts: one option or value a word
			[ "$i" = "$j" ] || tenc_on "node$i" peer add "node$j" $(node_opts "$j" "$f" --node-ip --cidr)
		done
	done
}
peer_all6() { peer_all "$1" "4 6"; }

# key_all N KEYFILE: add the same key on every node.
key_all() {
	local n=$1 f=$2 i
	for i in $(seq 1 "$n"); do tenc_on "node$i" key add "$f"; done
}

# esp_topo N [TOPO]: N nodes (TOPO: topo_up, or topo_dual) and a key for
# them all in $KEY (not yet added). Needs ESP and AES-GCM: skips on the
# host without them, fails in the VM lane.
esp_topo() {
	need_feature esp
	need_feature aes_gcm
	"${2:-topo_up}" "$1"
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

# tcp_receiver6 NS: the same on IPv6 (socat's TCP-LISTEN is IPv4's);
# tcp_send then takes the address in brackets: tcp_send pod1 '[fd01:2::2]' KB.
tcp_receiver6() {
	bg_on "$1" socat -u TCP6-LISTEN:5001,reuseaddr OPEN:"$T_DIR/recv",creat,trunc
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

# softnet_drops: packets the CPUs' input backlogs dropped (netdev_max_backlog
# reached), all CPUs, since boot (the second column of softnet_stat, hex).
softnet_drops() {
	local _c d _r t=0
	while read -r _c d _r; do t=$((t + 16#$d)); done </proc/net/softnet_stat
	echo "$t"
}

# xfrm_err NODE COUNTER: a counter of /proc/net/xfrm_stat.
xfrm_err() { on "$1" awk -v c="$2" '$1 == c { print $2 }' /proc/net/xfrm_stat; }

# ping_flow COUNT: ping's options for COUNT requests at 100/s, quiet, each
# reply awaited until a deadline: 3 times the time COUNT takes at 100/s,
# and 30 s (under TCG ping sends ~65/s, not 100: 7,682 requests in 120 s,
# so a deadline of 120 s ended a ping of 9,000 early). Without -w,
# ping waits after its last request only twice the largest RTT it has seen
# (iputils' __schedule_exit; -W counts only while nothing came back), so a
# reply delayed by a stall of the VM at the very end counted as lost (the
# likeliest reading of a CI failure of live.bats' subnet test in the 6.1
# lane, whose output was cut before the counters). With -w, ping ends once
# all COUNT replies are in, or at the deadline: a drop is still a loss.
ping_flow() { echo "-q -i 0.01 -c $1 -w $(($1 * 3 / 100 + 30))"; }

# pod_ip I [FAMILY]: pod I's address, IPv4's or (FAMILY 6) IPv6's.
pod_ip() { if [ "${2:-4}" = 6 ]; then echo "fd01:$1::2"; else echo "10.1.$1.2"; fi; }

# traffic_start SECONDS [FAMILY]: pings pod1 -> pod2 and pod3 -> pod1, UDP
# both ways between pod1 and pod2, TCP pod1 -> pod3, sent once the
# receivers listen; between the pods' IPv4 addresses, or with FAMILY 6
# their IPv6 ones (topo_v6only's).
# The pings send exactly SECONDS * 100 requests (ping_flow).
traffic_start() {
	local s=$1 f=${2:-4}
	PINGS=$((s * 100))
	for i in 1 2 3; do X0[$i]="$(xfrm_err node$i XfrmInNoStates) $(xfrm_err node$i XfrmInStateProtoError)"; done
	SOFTNET0=$(softnet_drops)
	bg_on pod2 python3 "$FLOWGEN" udp-recv 6001 "$T_DIR/udp12.json"; R1=$!
	bg_on pod1 python3 "$FLOWGEN" udp-recv 6002 "$T_DIR/udp21.json"; R2=$!
	bg_on pod3 python3 "$FLOWGEN" tcp-recv 6003 "$T_DIR/tcp13.json"; R3=$!
	wait_listen pod2 udp 6001 $R1
	wait_listen pod1 udp 6002 $R2
	wait_listen pod3 tcp 6003 $R3
	bg_on pod1 ping $(ping_flow "$PINGS") "$(pod_ip 2 "$f")" >"$T_DIR/ping12" 2>&1; P1=$!
	bg_on pod3 ping $(ping_flow "$PINGS") "$(pod_ip 1 "$f")" >"$T_DIR/ping31" 2>&1; P2=$!
	bg_on pod1 python3 "$FLOWGEN" udp-send "$(pod_ip 2 "$f")" 6001 200 "$s"; S1=$!
	bg_on pod2 python3 "$FLOWGEN" udp-send "$(pod_ip 1 "$f")" 6002 200 "$s"; S2=$!
	bg_on pod1 python3 "$FLOWGEN" tcp-send "$(pod_ip 3 "$f")" 6003 100 "$s"; S3=$!
}

# traffic_check: every flow complete, no loss, no new XFRM input errors.
traffic_check() {
	wait $P1 $P2 $S1 $S2 $S3 $R1 $R2 $R3
	cat "$T_DIR/ping12" "$T_DIR/ping31" "$T_DIR/udp12.json" "$T_DIR/udp21.json" "$T_DIR/tcp13.json"
	# shown on a failure: where packets went (XFRM errors, socket drops,
	# the CPUs' backlogs: softnet_stat is the whole machine's)
	echo "backlog drops (softnet_stat) meanwhile: $(($(softnet_drops) - SOFTNET0))"
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

# A ping's pattern (-p) for the captures: cap_has TENC-CANARY-PING finds it.
CANARY_HEX=54454e432d43414e4152592d50494e47 # "TENC-CANARY-PING"

# IPv6 on the wire (cap_count filters): what may cross it in plaintext
# between peers is neighbour discovery's solicitations and advertisements
# (ND; unicast ones too: NUD) and anything to a multicast address (ND,
# MLD, router solicitations): PLAIN6 is the rest, outside ESP. ECHO6: ping.
ND='icmp6 and (icmp6[icmp6type] == 135 or icmp6[icmp6type] == 136)'
PLAIN6="ip6 and not ip6 proto 50 and not dst net ff00::/8 and not ($ND)"
ECHO6='icmp6 and (icmp6[icmp6type] == 128 or icmp6[icmp6type] == 129)'

# IPv6 between pod1 (node1) and pod2 (node2), for the suites whose pair
# is IPv6 (encrypt6, encrypt64: IPv6 over IPv4, encrypt6only):
# pod2_traffic6: pod1 pings pod2 with the canary (5 requests), then sends
# it 2 MiB of TCP (~1,500 segments).
pod2_traffic6() {
	on pod1 ping -6 -c 5 -i 0.2 -W 2 -p "$CANARY_HEX" fd01:2::2
	tcp_receiver6 pod2
	tcp_send pod1 '[fd01:2::2]' 2048
}

# nd6_again: node1 forgets node2's link-layer address, pod1 pings pod2:
# ND resolves it again, in plaintext, beside the ESP it is for.
nd6_again() {
	on node1 ip -6 neigh flush dev eth0
	on pod1 ping -6 -c 2 -i 0.2 -W 2 fd01:2::2
}

# pod2_traffic6_seen, after cap_stop, pod2_traffic6 and nd6_again in the
# capture (an IPv6 pair): no plaintext IPv6 (PLAIN6), no canary on the
# wire; ND went over it and resolved node2 again (the solicitation's
# source may be node1's link-local address); the IPv6 OUT SA to node2
# counted what went out; no drift.
pod2_traffic6_seen() {
	local st
	[ "$(cap_count "$PLAIN6")" -eq 0 ]
	run ! cap_has TENC-CANARY-PING
	run ! cap_has TENC-CANARY-PAYLOAD
	tcpdump -r "$T_DIR/wire.pcap" -nn "icmp6 and icmp6[icmp6type] == 135" 2>/dev/null | grep -q "who has fd00::2"
	[ "$(cap_count "icmp6 and icmp6[icmp6type] == 136 and src fd00::2")" -ge 1 ]
	on node1 ip -6 neigh show fd00::2 dev eth0 | grep -Eq 'lladdr .*(REACHABLE|STALE|DELAY|PROBE)'
	st=$(on node1 ip -s xfrm state list src fd00::1 dst fd00::2)
	echo "$st"
	[ "$(echo "$st" | sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n1)" -gt 1000 ]
	[ "$(drift_count node1)" -eq 0 ]
}

# no_reply6 NS ADDR: NS pings ADDR over IPv6 (the canary its pattern) and
# gets no reply.
no_reply6() {
	run on "$1" ping -6 -c 2 -i 0.2 -W 1 -p "$CANARY_HEX" "$2"
	[ "$status" -ne 0 ]
}

# sa_drift N TEXT: node1's status reports N drift entries, each an SA
# missing, each object's text naming TEXT.
sa_drift() {
	run tenc_on node1 -j status
	echo "$output"
	[ "$(echo "$output" | json_get "sorted(set((d['kind'], d['problem']) for d in j['drift']))")" = "[('sa', 'missing')]" ]
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq "$1" ]
	[ "$(echo "$output" | json_get "all('$2' in d['object'] for d in j['drift'])")" = True ]
}

# repaired6 CMD...: CMD (node1 enabled again) leaves no drift, and pod1
# reaches pod2 over IPv6 again. The re-created OUT SA starts its sequence
# again: node2's IN SA takes its first packet (seq 1, used before) for a
# replay; the next ones pass (ping's status is 0 once any reply came).
repaired6() {
	"$@"
	[ "$(drift_count node1)" -eq 0 ]
	on pod1 ping -6 -c 3 -i 0.2 -W 2 fd01:2::2
}

# pmtu6: node1's table 2005 routes to the IPv6 pod cidrs of node2 and
# node3 (IPv6 pairs) allow IPv6's ESP overhead, PMTU discovery reports it
# to pod1 (its link 1500), and bulk TCP from it finds it.
pmtu6() {
	local r6
	r6=$(on node1 ip -6 route show table 2005)
	echo "$r6"
	# underlay 1500 less AES-GCM's 80 over IPv6
	[ "$(echo "$r6" | grep -c '^fd01:[23]::/64 dev eth0 proto 229 .*mtu 1420 ')" -eq 2 ]
	[ "$(echo "$r6" | grep -c .)" -eq 2 ]
	[ "$(on pod1 cat /sys/class/net/eth0/mtu)" -eq 1500 ]
	# 1452 + 8 + 40 = 1500: fits the pod's link, not the route
	run on pod1 ping -6 -c 1 -W 2 -M do -s 1452 fd01:2::2
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"Packet too big: mtu=1420"* ]] || [[ $output == *"message too long, mtu: 1420"* ]]
	on pod1 ping -6 -c 1 -W 2 -M do -s 1372 fd01:2::2 # 1420 exactly
	# TCP finds the path MTU itself: the pod's cached one flushed first
	on pod1 ip -6 route flush cache
	tcp_receiver6 pod2
	tcp_send pod1 '[fd01:2::2]' 1024
	on pod1 ip -6 route get fd01:2::2 | grep -q ' mtu 1420 '
}

# kobjs NODE 4|6: what the planner installs, of one family, and the
# ipcache (4) or ipcache6 (6): dualstack.bats' proof that the IPv6 half
# changes no IPv4 object, encrypt6only.bats' that an IPv6-only node has
# none.
kobjs() {
	local bpffs=$T_DIR/$1/bpf
	on "$1" sh -c '
		echo "# policy"; ip -$3 -o xfrm policy | sort
		echo "# state"; ip -$3 -o xfrm state | sort
		echo "# rule"; ip -$3 rule
		echo "# table 2005"; ip -$3 route show table 2005 2>/dev/null
		echo "# ipcache"; "$1" ipc-dump "$2" | if [ "$3" = 6 ]; then grep :; else grep -v :; fi | sort
		echo "# spd"; ip -s -s xfrm policy count | grep "IPv$3 thresholds"' kobjs "$DPTOOL" "$bpffs" "$2"
}

# objects6: node1's IPv6 objects as planned, on a 3-node cluster whose
# pairs are all IPv6 ones (topo_dual or topo_v6only, every other node a
# peer, one key): status says encrypted, no drift; the IPv6 default drop,
# in and fwd; per peer, marked OUT policies with IPv6 templates; the IPv6
# rule, table 2005's routes with IPv6's ESP overhead, hthresh6; the SAs
# (IPv6 outer, ESN, the IN SA's mark and window, each direction its own
# key, the same on both ends, not the key file's). Leaves the listing in
# OBJ6 (ip -s -s xfrm policy count's both families among it) and the OUT
# SA's key to node2 in K12, for the caller's checks of IPv4.
objects6() {
	local j d blk pol out sa12 sa21 k21 k12_on2
	run tenc_on node1 -j status
	echo "$output"
	[ "$(echo "$output" | json_get "len(j['drift'])")" -eq 0 ]
	# the planner's contract: a planned pair says {"encrypted": true, "outer": "ipv6"}
	[ "$(echo "$output" | json_get "sorted((p['name'], p['ipv6']['encrypted'] == True, p['ipv6'].get('outer')) for p in j['peers'])")" = \
		"[('node2', True, 'ipv6'), ('node3', True, 'ipv6')]" ]
	[ "$(echo "$output" | json_get "j['ipv6']['encrypted']")" = True ]
	OBJ6=$(on node1 sh -c 'echo "# policy"; ip -6 xfrm policy
		echo "# out"; ip -6 xfrm policy list dir out
		echo "# count"; ip -s -s xfrm policy count
		echo "# rule"; ip -6 rule
		echo "# route"; ip -6 route show table 2005')
	echo "$OBJ6"
	pol=$(echo "$OBJ6" | sed -n '/^# policy/,/^# out/p')
	out=$(echo "$OBJ6" | sed -n '/^# out/,/^# count/p')
	# the IPv6 default drop, in and fwd
	echo "$pol" | xfrm_block "src ::/0 dst ::/0" | grep -A1 "dir out action block priority 2000" | grep -q "mark 0xe00/0xf00"
	echo "$pol" | xfrm_block "src ::/0 dst ::/0" | grep -A1 "dir in priority 1000" | grep -q "mark 0xd00/0xf00"
	echo "$pol" | xfrm_block "src ::/0 dst ::/0" | grep -A1 "dir fwd priority 1000" | grep -q "mark 0xd00/0xf00"
	[ "$(echo "$out" | grep -c 'dst ::/0')" -eq 1 ] # only the default drop is ::/0
	# one marked OUT policy per IPv6 prefix of each peer, its template IPv6
	# (reqid 0x7e01); the node's own traffic to a peer's pods, one more
	for j in 2 3; do
		for d in "fd00::$j/128" "fd01:$j::/64"; do
			blk=$(echo "$out" | xfrm_block "src ::/0 dst $d")
			echo "$blk"
			[ "$(echo "$blk" | grep -c "mark 0x[0-9a-f]*1e00/0xffffff00")" -eq 1 ]
			echo "$blk" | grep -A2 "priority 100 " | grep -q "mark 0x[0-9a-f]*1e00/0xffffff00"
		done
		blk=$(echo "$out" | xfrm_block "src ::/0 dst fd00::$j/128")
		[ "$(echo "$blk" | grep -c "tmpl src fd00::1 dst fd00::$j *$")" -eq 1 ]
		blk=$(echo "$out" | xfrm_block "src ::/0 dst fd01:$j::/64")
		echo "$blk" | grep -A1 "priority 200 " | grep -q "mark 0/0xf00"
		[ "$(echo "$blk" | grep -c "tmpl src fd00::1 dst fd00::$j *$")" -eq 2 ]
		[ "$(echo "$blk" | grep -c "proto esp reqid 32257 mode tunnel")" -eq 2 ]
	done
	echo "$OBJ6" | grep -q "SPD IPv6 thresholds: local 0 remote 64"
	echo "$OBJ6" | grep -q "^100:	from all fwmark 0xe00/0xf00 lookup 2005 proto 229"
	[ "$(echo "$OBJ6" | sed -n '/^# route/,$p' | grep -c ' dev eth0 proto 229 .*mtu 1420 ')" -eq 2 ]
	# the SAs: IPv6 outer, ESN, the IN SA's mark and window; each
	# direction its own key, the same on both ends
	sa12=$(on node1 ip -s xfrm state list src fd00::1 dst fd00::2)
	sa21=$(on node1 ip -s xfrm state list src fd00::2 dst fd00::1)
	echo "$sa12"; echo "$sa21"
	echo "$sa12" | grep -Eq 'proto esp spi 0x00000001(\(1\))? reqid 32257(\(0x00007e01\))? mode tunnel'
	echo "$sa12" | grep -q "flag.* esn"
	echo "$sa21" | grep -q "mark 0x[0-9a-f]*0d00/0xffff0f00"
	echo "$sa21" | grep -q "replay_window 4096, bitmap-length 128"
	K12=$(echo "$sa12" | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	k21=$(echo "$sa21" | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	k12_on2=$(on node2 ip -s xfrm state list src fd00::1 dst fd00::2 | grep -o 'aead rfc4106(gcm(aes)) 0x[0-9a-f]*')
	[ -n "$K12" ]
	[ "$K12" = "$k12_on2" ]
	[ "$K12" != "$k21" ]
	run ! grep -q "${K12##* 0x}" "$KEY"
}

no_plaintext() { # nothing on the wire with a pod address outside ESP, no canary
	[ "$(cap_count 'net 10.1.0.0/16 or net 10.2.0.0/16')" -eq 0 ]
	! cap_has TENC-CANARY
}

# topo_v6pods N: topo_up N, then IPv6 on the pods only (IPv6 over IPv4):
# pod i fd01:i::2/64 behind fd01:i::1 on node i's pod0; the wire stays
# IPv4 (the nodes' eth0 have link-local addresses only), so each node
# routes the other pods' /64s onto eth0 with no gateway: what tenc's
# policies send through IPv4 ESP never reaches neighbour discovery.
topo_v6pods() {
	topo_up "${1:-2}"
	topo_dual_addrs "${1:-2}" pods
}
