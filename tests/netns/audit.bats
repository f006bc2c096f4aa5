#!/usr/bin/env bats
# audit.bats: the flow table, the events and `tenc audit`/`tenc trace`
# without ESP: observe-only mode (`tenc enable` without --encrypt), and
# encrypt mode with no key, where in-scope traffic leaves in plaintext.
# Runs on the host; the encrypted verdicts are in audit-esp.bats (VM lane).
# Topology: topo.bash (node1, node2 with a pod each, ext is no peer).

load helpers
load topo

test_setup() {
	need_root
	topo_up 2
}

# observe: both nodes in observe-only mode, peers of each other.
observe() {
	for i in 1 2; do enable_node "$i"; done
	peer_all 2
}

# flow EXPR: python over the audit's flows (f), prints matches' verdicts.
flows_where() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1]))
print(' '.join(sorted(f['verdict'] for f in j['flows'] if $1)))" "$T_DIR/audit.json"
}

@test "observe-only: in-scope flows are violations both ways; non-peer plaintext; same node local" {
	observe
	on pod1 ping -c 3 -i 0.2 -s 100 10.1.2.2
	on pod1 ping -c 1 10.0.0.9
	on pod1 ping -c 1 10.1.1.1
	on pod1 ping -c 1 10.0.0.1
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows_where "f['dst']=='10.1.2.2' and f['dir']=='out'")" = violation ]
	[ "$(flows_where "f['src']=='10.1.2.2' and f['dir']=='in'")" = violation ]
	[ "$(flows_where "f['dst']=='10.0.0.9'")" = plaintext ]
	[ "$(flows_where "f['dst'] in ('10.1.1.1','10.0.0.1')")" = "local local" ]
	# counted once (pod side), with IP lengths: 3 x (100 + 8 + 20)
	[ "$(json_get "[(f['packets'],f['bytes'],f['peer'],f['reason']) for f in j['flows'] if f['dst']=='10.1.2.2'][0]" <"$T_DIR/audit.json")" = \
		"(3, 384, 'node2', 'in scope, but left the node in plaintext')" ]
	[ "$(json_get "j['summary']['violation'] == j['violations'] == 2" <"$T_DIR/audit.json")" = True ]
	# first and last seen: three pings 0.2 s apart (jiffies, converted)
	python3 -c '
import json, sys, datetime as d
t = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
f = [f for f in json.load(open(sys.argv[1]))["flows"] if f["dst"] == "10.1.2.2"][0]
span = (t(f["last_seen"]) - t(f["first_seen"])).total_seconds()
assert 0.3 <= span <= 0.8, (span, f)' "$T_DIR/audit.json"
	[ "$(json_get "j['encrypt']" <"$T_DIR/audit.json")" = False ]
	# node2 saw the same flow arrive in plaintext
	audit_json node2
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows_where "f['src']=='10.1.1.2' and f['dst']=='10.1.2.2' and f['dir']=='in'")" = violation ]
}

@test "TCP and UDP flows carry their ports; each flow is one entry" {
	observe
	bg_on pod2 socat -u UDP-RECV:7000 /dev/null
	wait_listen pod2 udp 7000 $!
	for p in 4001 4002; do
		echo hi | on pod1 socat -u - UDP:10.0.0.9:7000,sourceport=$p
	done
	echo hi | on pod1 socat -u - UDP:10.1.2.2:7000,sourceport=4003
	audit_json node1
	[ "$(flows_where "f['proto']=='udp' and f['dst']=='10.0.0.9' and f['dport']==7000")" = "plaintext plaintext" ]
	[ "$(flows_where "f['proto']=='udp' and f['sport']==4003 and f['dport']==7000")" = violation ]
}

@test "only out-of-scope and local traffic: exit 0, no violation" {
	observe
	on pod1 ping -c 1 10.0.0.9
	on pod1 ping -c 1 10.1.1.1
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(json_get "(j['violations'], j['summary']['plaintext'], j['summary']['local'])" <"$T_DIR/audit.json")" = "(0, 1, 1)" ]
	run tenc_on node1 audit
	[ "$status" -eq 0 ]
	[[ $output == *"result: no violation"* ]]
}

@test "encrypt mode without a key: traffic to the peer is a violation, the entries are listed" {
	for i in 1 2; do enable_node "$i" --encrypt; done
	peer_all 2
	on pod1 ping -c 1 -W 1 10.1.2.2 || true
	audit_json node1
	[ "$AUDIT_RC" -eq 3 ]
	[ "$(flows_where "f['dst']=='10.1.2.2' and f['dir']=='out'")" = violation ]
	[ "$(json_get "sorted(e['prefix'] for e in j['no_key'])" <"$T_DIR/audit.json")" = "['10.0.0.2/32', '10.1.2.0/24']" ]
	[ "$(json_get "j['encrypt']" <"$T_DIR/audit.json")" = True ]
}

@test "--reset empties the flow table of what was reported" {
	observe
	on pod1 ping -c 1 10.1.2.2
	audit_json node1 --reset
	[ "$(json_get "j['summary']['flows'] > 0" <"$T_DIR/audit.json")" = True ]
	audit_json node1
	[ "$AUDIT_RC" -eq 0 ]
	[ "$(json_get "j['summary']['flows']" <"$T_DIR/audit.json")" -eq 0 ]
	on pod1 ping -c 1 10.0.0.9
	audit_json node1
	[ "$(json_get "[f['dst'] for f in j['flows']]" <"$T_DIR/audit.json")" = "['10.0.0.9']" ]
}

@test "--duration waits for flows that start meanwhile" {
	observe
	# not a readiness wait: the flow must start 1 s into the 3 s the audit waits
	(sleep 1; on pod1 ping -c 1 10.0.0.9 >/dev/null) 3>&- &
	audit_json node1 --duration 3
	wait
	[ "$(flows_where "f['dst']=='10.0.0.9'")" = plaintext ]
}

@test "--format prometheus: the same figures in the text exposition format" {
	observe
	on pod1 ping -c 2 -i 0.2 10.1.2.2
	on pod1 ping -c 1 10.0.0.9
	run tenc_on node1 audit --format prometheus
	[ "$status" -eq 3 ]
	echo "$output" | python3 -c '
import re, sys
names = set()
for line in sys.stdin.read().splitlines():
    if line.startswith("# "):
        assert re.match(r"^# (HELP|TYPE) tenc_[a-z_]+ .+$", line), line
        continue
    m = re.match(r"^(tenc_[a-z_]+)(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [0-9]+$", line)
    assert m, line
    names.add(m.group(1))
need = {"tenc_flows", "tenc_violations", "tenc_xfrm_errors", "tenc_ipcache_no_key", "tenc_events_lost"}
assert need <= names, need - names'
	[[ $output == *'tenc_flows{family="ipv4",verdict="violation"} 2'* ]]
	[[ $output == *'tenc_flows{family="ipv4",verdict="plaintext"} 1'* ]]
	[[ $output == *'tenc_xfrm_errors{counter="XfrmInNoStates"} '* ]]
}

@test "trace: one line per new flow, live; --count stops it; nothing per packet" {
	observe
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" trace --count 2
	local pid=$!
	on pod1 ping -c 3 -i 0.2 10.0.0.9
	on pod1 ping -c 1 10.1.1.1
	wait "$pid"
	[ "$(wc -l <"$T_DIR/trace")" -eq 2 ]
	grep -q "new .*out icmp 10.1.1.2 -> 10.0.0.9  plaintext" "$T_DIR/trace"
	grep -q "new .*out icmp 10.1.1.2 -> 10.1.1.1  local" "$T_DIR/trace"
	grep -q "2 event(s) shown, 0 lost" "$T_DIR/trace.err"
}

@test "trace -j: JSON Lines, filtered by --verdict and --peer; SIGINT ends it cleanly" {
	observe
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" -j trace --verdict violation --peer node2
	local pid=$!
	on pod1 ping -c 1 10.0.0.9
	on pod1 ping -c 1 10.1.2.2
	wait_lines "$T_DIR/trace" 2 "$pid"
	bg_stop "$pid" INT
	# the ready line, and every other word, on stderr: stdout is JSON Lines
	grep -qx "$TRACE_READY; ^C stops" "$T_DIR/trace.err"
	# the request leaves (out), the reply arrives (in): both violations
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(e["dir"] for e in ev) == ["in", "out"], ev
for e in ev:
    assert e["verdict"] == "violation" and e["peer"] == "node2" and e["event"] == "new", e
    assert e["proto"] == "icmp" and e["time"].endswith("Z"), e' "$T_DIR/trace"
	grep -q "lost" "$T_DIR/trace.err"
}

@test "trace: a verdict change is an event; one trace at a time" {
	observe
	trace_bg node1 "$T_DIR/trace" "$T_DIR/trace.err" trace
	local pid=$!
	run tenc_on node1 trace --count 1
	[ "$status" -eq 1 ]
	[[ $output == *"another tenc trace"* ]]
	# ext's address becomes a peer's: the same flow changes verdict
	on pod1 ping -c 1 10.0.0.9
	# at once: trace reloads the peer names when peers.json changed
	tenc_on node1 peer add ext --node-ip 10.0.0.9 --cidr 10.9.0.0/24
	on pod1 ping -c 1 10.0.0.9
	wait_line "$T_DIR/trace" "plaintext -> violation" "$pid"
	bg_stop "$pid"
	grep -q "new .*10.1.1.2 -> 10.0.0.9  plaintext" "$T_DIR/trace"
	grep -q "verdict .*10.1.1.2 -> 10.0.0.9  plaintext -> violation  peer ext" "$T_DIR/trace"
	# and the events stop once nobody traces
	run tenc_on node1 -j audit
	local before
	before=$(echo "$output" | json_get "j['events']['emitted']")
	on pod1 ping -c 1 10.1.1.1
	run tenc_on node1 -j audit
	[ "$(echo "$output" | json_get "j['events']['emitted']")" -eq "$before" ]
}

@test "bad input: exit 2, nothing read or changed" {
	observe
	local a
	for a in "--duration -1" "--duration x" "--duration 100000" "--format xml" "--bogus" "extra"; do
		# shellcheck disable=SC2086
		run tenc_on node1 audit $a
		[ "$status" -eq 2 ] || { echo "audit $a: $status" >&2; return 1; }
	done
	run tenc_on node1 -j audit --format prometheus
	[ "$status" -eq 2 ]
	[[ $output == *'"error"'* ]]
	for a in "--count 0" "--count -3" "--count x" "--verdict maybe" "--peer nosuch" "extra"; do
		# shellcheck disable=SC2086
		run tenc_on node1 trace $a
		[ "$status" -eq 2 ] || { echo "trace $a: $status" >&2; return 1; }
	done
}

@test "not enabled: audit and trace fail with exit 1 and say so" {
	run tenc_on node1 audit
	[ "$status" -eq 1 ]
	[[ $output == *"not enabled"* || $output == *"not loaded"* ]]
	run tenc_on node1 trace --count 1
	[ "$status" -eq 1 ]
}
