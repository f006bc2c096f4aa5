#!/usr/bin/env bats
# watch.bats: `peer sync --watch FILE|-` (issue 12, 1): kubectl's
# `get nodes -o json --watch --output-watch-events` stream, pretty-printed
# as kubectl prints it, fed through a fifo in steps, each step waited for
# (its batch line) before the next, so every batch is observable: the
# initial ADDED burst one batch; a MODIFIED that adds a CIDR a batch with
# changed 1; BOOKMARK ignored; ERROR on stderr, the stream going on; a
# DELETED, a bad node (named, counted) and junk in one batch, the rest
# applied; the lock free between batches; EOF exit 0; the kernel state at
# the end that of a one-shot sync of the same final list on a second node
# enabled alike. SIGTERM with a batch open: the batch applied, exit 0.
# --settle's range (exit 2, nothing changed). Keyless: routes and ipcache
# entries only, so the host lanes.

load helpers
load topo

test_setup() {
	need_root
	topo_up 2
	enable_node 1 --encrypt
}

# ev TYPE NAME IP CIDR...: one watch event, pretty-printed as kubectl does.
ev() {
	python3 - "$@" <<-'PY'
	import json, sys
	t, name, ip, cidrs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	node = {"apiVersion": "v1", "kind": "Node",
		"metadata": {"name": name, "annotations": {"tenc.io/spi": "3", "tenc.io/epoch": "00000000000000a7"}},
		"spec": {"podCIDR": cidrs[0] if cidrs else "", "podCIDRs": cidrs},
		"status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]}}
	print(json.dumps({"type": t, "object": node}, indent=4))
	PY
}

# watch_start ARGS...: the watch on node1 reading the fifo $T_DIR/in, with
# fd 5 its writing end; $WPID the watch.
watch_start() {
	mkfifo "$T_DIR/in"
	tenc_bg node1 "$T_DIR/out" "$T_DIR/err" -j peer sync --watch "$T_DIR/in" "$@"
	WPID=$!
	exec 5>"$T_DIR/in"
}

# send: stdin to the watch in one write (a step's events arrive together).
send() { cat >"$T_DIR/step"; cat "$T_DIR/step" >&5; }

# line N EXPR: EXPR on the Nth batch line.
line() { sed -n "$1p" "$T_DIR/out" | json_get "$2"; }
counts='(j["events"], j["added"], j["changed"], j["removed"], j["unchanged"], j["rejected"])'

# peers_sorted NODE: its peers, by name, without ids.
peers_sorted() {
	tenc_on "$1" -j peer list | json_get "sorted((p['name'], p['node_ip'], p['cidrs']) for p in j['peers'])"
}

@test "watch: batches per settle time, DELETED, BOOKMARK, ERROR, a bad node skipped, the lock free between, EOF" {
	watch_start --settle 100
	{ ev ADDED node1 10.0.0.1 10.1.1.0/24; ev ADDED a 10.0.0.11 10.1.11.0/24
	  ev ADDED b 10.0.0.12 10.1.12.0/24; ev ADDED c 10.0.0.13 10.1.13.0/24; } | send
	wait_lines "$T_DIR/out" 1 "$WPID"
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$(line 1 "$counts")" = "(3, 3, 0, 0, 0, 0)" ] # the local node skipped, not counted
	[ "$(line 1 "sorted(j)")" = "['added', 'changed', 'events', 'kernel_changes', 'ms', 'rejected', 'rejected_nodes', 'removed', 'unchanged']" ]
	on node1 ip route show table 2005 | grep -q "10.1.12.0/24"
	# the lock is free while the watch waits: a writer by hand gets it at once
	tenc_on node1 --wait 0 peer add x --node-ip 10.0.0.50 --cidr 10.1.50.0/24
	tenc_on node1 --wait 0 peer del x
	ev MODIFIED a 10.0.0.11 10.1.11.0/24 10.1.111.0/24 | send
	wait_lines "$T_DIR/out" 2 "$WPID"
	[ "$(line 2 "$counts")" = "(1, 0, 1, 0, 2, 0)" ]
	on node1 ip route show table 2005 | grep -q "10.1.111.0/24"
	# BOOKMARK: nothing; ERROR: on stderr, no batch, the stream goes on
	printf '{\n    "type": "BOOKMARK",\n    "object": {"kind": "Node", "metadata": {"resourceVersion": "12"}}\n}\n' >&5
	printf '{"type": "ERROR", "object": {"kind": "Status", "message": "too old resource version"}}\n' >&5
	wait_line "$T_DIR/err" "ERROR event: too old resource version" "$WPID"
	[ "$(wc -l <"$T_DIR/out")" -eq 2 ]
	# a DELETED, a bad address, an overlapping CIDR and junk in one batch:
	# the bad ones named and counted, the rest applied
	{ ev DELETED b 10.0.0.12 10.1.12.0/24; ev ADDED bad 10.0.0.300 10.1.7.0/24
	  ev ADDED clash 10.0.0.14 10.1.13.128/25; echo '{"type": "ADDED", oops}'
	  ev ADDED d 10.0.0.15 10.1.15.0/24; } | send
	wait_lines "$T_DIR/out" 3 "$WPID"
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$(line 3 "$counts")" = "(5, 1, 0, 1, 2, 3)" ]
	[[ $(line 3 "sorted(r['name'] for r in j['rejected_nodes'])") == "['bad', 'clash', 'event']" ]]
	grep -q "^tenc: peer sync: bad: .*not an IP address.*(rejected)$" "$T_DIR/err"
	grep -q "^tenc: peer sync: clash: .*overlaps peer 'c''s 10.1.13.0/24.*(rejected)$" "$T_DIR/err"
	! on node1 ip route show table 2005 | grep -q "10.1.12.0/24" || false
	# EOF: exit 0 after the last batch
	ev ADDED e 10.0.0.16 10.1.16.0/24 >&5
	exec 5>&-
	st=0
	wait "$WPID" || st=$?
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$st" -eq 0 ]
	[ "$(line 4 "$counts")" = "(1, 1, 0, 0, 3, 0)" ]
	[ "$(drift_count node1)" -eq 0 ]
	# the same kernel state as a one-shot sync of the final list on a
	# node enabled alike (ids: the lowest free one, in the order the
	# peers came: a 1, c 3, then d 4 while b's 2 was still taken, e 2)
	on node2 ip addr add 10.0.0.1/24 dev eth0
	tenc_on node2 enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --encrypt
	python3 - >"$T_DIR/final.json" <<-'PY'
	import json
	node = lambda n, ip, *c: {"metadata": {"name": n}, "spec": {"podCIDRs": list(c)},
	    "status": {"addresses": [{"type": "InternalIP", "address": ip}]}}
	print(json.dumps({"items": [node("a", "10.0.0.11", "10.1.11.0/24", "10.1.111.0/24"),
	    node("e", "10.0.0.16", "10.1.16.0/24"), node("c", "10.0.0.13", "10.1.13.0/24"),
	    node("d", "10.0.0.15", "10.1.15.0/24")]}))
	PY
	tenc_on node2 peer sync "$T_DIR/final.json"
	[ "$(peers_sorted node1)" = "$(peers_sorted node2)" ]
	tenc_state() { on "$1" ip -4 route show table 2005; snapshot "$1" | sed -n '/^# ipcache/,/^# tc/p'; }
	diff <(tenc_state node1) <(tenc_state node2)
	[ "$(tenc_state node1 | grep -c 'peer [1-4] ')" -eq 9 ] # the ipcache not empty
}

@test "watch: SIGTERM with a batch open applies it, then exit 0; from stdin" {
	mkfifo "$T_DIR/in"
	# (stdin set inside: a background job's own is /dev/null)
	TENC_STATE_DIR="$T_DIR/node1" bg_on node1 sh -c 'exec "$0" peer sync --watch - --settle 60000 <"$1"' \
		"$TENC" "$T_DIR/in" >"$T_DIR/out" 2>"$T_DIR/err"
	WPID=$!
	exec 5>"$T_DIR/in"
	ev ADDED a 10.0.0.11 10.1.11.0/24 >&5
	# read (the pipe empty), so in the batch; the settle time far off
	pipe_empty() { python3 -c 'import fcntl, termios, struct; print(struct.unpack("i", fcntl.ioctl(5, termios.FIONREAD, b"\0\0\0\0"))[0])' | grep -qx 0; }
	wait_until -p "$WPID" "the watch reading its input" pipe_empty
	[ ! -s "$T_DIR/out" ]
	st=0
	bg_stop "$WPID" || st=$?
	exec 5>&-
	cat "$T_DIR/out" "$T_DIR/err"
	[ "$st" -eq 0 ]
	grep -q "^batch: 1 events; peers: 1 added, 0 changed, 0 removed, 0 unchanged; .* 0 rejected; .* ms$" "$T_DIR/out"
	on node1 ip route show table 2005 | grep -q "10.1.11.0/24"
}

@test "watch: a batch the kernel refuses half-way is rolled back, said on stderr, and applied again with the events that came meanwhile" {
	TENC_TEST_FAIL_AT=3 watch_start --settle 100
	{ ev ADDED a 10.0.0.11 10.1.11.0/24; ev ADDED b 10.0.0.12 10.1.12.0/24; } | send
	wait_line "$T_DIR/err" "batch of 2 events not applied (nothing changed); trying again in 1.0 s" "$WPID"
	grep -q "refused by TENC_TEST_FAIL_AT" "$T_DIR/err"
	# -j: the error as a JSON line, the batch's own line only once applied
	[ "$(line 1 "'refused by TENC_TEST_FAIL_AT' in j['error']")" = True ]
	! on node1 ip route show table 2005 | grep -q "10.1.1[12].0/24" || false # rolled back (the retry is 1 s off)
	ev ADDED c 10.0.0.13 10.1.13.0/24 | send
	wait_lines "$T_DIR/out" 2 "$WPID"
	exec 5>&-
	wait "$WPID"
	cat "$T_DIR/out" "$T_DIR/err"
	# a and b in the retry (with c when it came within the second)
	[ "$(line 2 "j['added'] >= 2 and j['removed'] == 0 and j['rejected'] == 0")" = True ]
	[ "$(peers_sorted node1)" = "[('a', '10.0.0.11', ['10.1.11.0/24']), ('b', '10.0.0.12', ['10.1.12.0/24']), ('c', '10.0.0.13', ['10.1.13.0/24'])]" ]
	[ "$(drift_count node1)" -eq 0 ]
	for c in 11 12 13; do on node1 ip route show table 2005 | grep -q "10.1.$c.0/24"; done
}

@test "watch: a bad --settle, or --watch with --prune, is exit 2, nothing changed" {
	for v in abc -1 60001 ''; do
		bad_input peer sync --watch - --settle "$v" </dev/null
	done
	bad_input peer sync --watch - --prune </dev/null
	bad_input peer sync --settle 100 - </dev/null
	run tenc_on node1 peer sync --watch - --settle 60000 </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
