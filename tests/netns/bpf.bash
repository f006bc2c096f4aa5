# bpf.bash: what bpf.bats and bpf6.bats share: a node namespace with a
# bpffs of the test's own, dptool (tests/tools/dptool) inside it, and the
# ipcache of one peer the mark tests start from. Load after helpers.

test_setup() {
	need_root
	if [ ! -x "$DPTOOL" ]; then
		echo "missing $DPTOOL (make builds it)" >&2
		return 1
	fi
	B=$T_DIR/node/bpf
	mkdir -p "$B"
	mount -t bpf bpf "$B"
	ns_add node
}

# dp ARGS...: dptool inside the node's namespace.
dp() { on node "$DPTOOL" "$@"; }

# veth NAME PEER: a veth pair inside the node, both up.
veth() {
	on node ip link add "$1" type veth peer name "$2"
	on node ip link set "$1" up
	on node ip link set "$2" up
}

# mark HOOK SRC DST PROTO [OPTS]: the mark the program leaves.
mark() {
	local h=$1; shift
	dp testrun "$B" "$h" "$@"
}

# pinned_id PIN: the id of a pinned map or program.
pinned_id() {
	local kind=$1 pin=$2
	bpftool -j "$kind" show pinned "$pin" | json_get "j['id']"
}

# tenc_filters DEV DIR: tenc's filter lines (handle 0xe5) on one side of DEV.
tenc_filters() {
	on node tc filter show dev "$1" "$2" | grep -c 'handle 0xe5 ' || true
}

# The ipcache of one peer (7, spi 3) and what surrounds it.
peer_ipcache() {
	dp ipc-set "$B" 10.2.0.0/16 7 3 -
	dp ipc-set "$B" 10.2.5.0/24 0 0 local
	dp ipc-set "$B" 10.3.0.0/16 8 3 nokey
	dp ipc-set "$B" 10.4.0.0/16 9 0 -
	dp ipc-set "$B" 10.5.0.0/16 0 3 -
	dp ipc-set "$B" 192.168.1.2/32 7 0 node
}
