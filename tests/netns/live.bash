# live.bash: helpers for the live-change suites (live*.bats, epoch.bats,
# advertise.bats, rotate*.bats): a refusal or a crash at every k-th kernel
# change, the crash point fired or a crash after each change in turn, the
# peer document node1 syncs, a node's epoch, a simulated reboot, merged
# advertisements, one node's advertisement synced by another, --auto
# killed at each step and run again on two nodes (resume_every_k). Load
# after helpers and topo: load live

# state_of NODE: the kernel objects, the ipcache and the peer set.
state_of() { snapshot "$1"; tenc_on "$1" -j peer list; }

# fault_every_k NODE ARGS...: for k = 1, 2, ...: `tenc ARGS` with its k-th
# kernel change refused must exit 1 naming the refusal, and leave the node
# exactly as it was, with no drift and no journal; until k is past the
# command's changes and it succeeds. FAULT_KS: how many k were refused.
# (The state is taken once: each refusal must leave it as it was, so the
# state after one is the state before the next.)
fault_every_k() {
	local n=$1 k before after
	shift
	before=$(state_of "$n")
	for k in $(seq 1 100); do
		run env TENC_TEST_FAIL_AT=$k TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$TENC" "$@"
		if [ "$status" -eq 0 ]; then
			FAULT_KS=$((k - 1))
			return 0
		fi
		echo "k=$k: $output"
		[ "$status" -eq 1 ] && [[ $output == *"refused by TENC_TEST_FAIL_AT"* ]]
		after=$(state_of "$n")
		diff <(echo "$before") <(echo "$after")
		[ "$(drift_count "$n")" -eq 0 ]
		[ ! -e "$T_DIR/$n/changing" ]
	done
	return 1
}

# crash_every_k NODE CHECK RESET -- ARGS...: for k = 1, 2, ...: `tenc ARGS`
# killed after its k-th kernel change (the crash point must fire: exit
# 137); CHECK runs in that crashed state; then the same command again
# must converge (exit 0, no drift, no journal); RESET undoes it for the
# next k. Until the command completes without dying. CRASH_KS: how many.
crash_every_k() {
	local n=$1 check=$2 reset=$3 k
	shift 4
	for k in $(seq 1 100); do
		run env TENC_TEST_CRASH_AFTER=$k TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$TENC" "$@"
		if [ "$status" -eq 0 ]; then
			CRASH_KS=$((k - 1))
			return 0
		fi
		echo "k=$k: $output"
		crashed "$n" "$k"
		$check
		run tenc_on "$n" "$@"
		echo "re-run: $output"
		[ "$status" -eq 0 ]
		[ "$(drift_count "$n")" -eq 0 ]
		[ ! -e "$T_DIR/$n/changing" ]
		$reset
	done
	return 1
}

# crashed NODE K: the last `run` died at the crash point after its K-th
# kernel change (exit 137, the crash point's message), leaving the journal.
crashed() {
	[ "$status" -eq 137 ] && [[ $output == *"crashpoint: dying after kernel change $2"* ]] &&
		[ -e "$T_DIR/$1/changing" ]
}

# crash_each_change NODE ARGS...: `tenc ARGS` killed after its first kernel
# change (the crash point must fire), then run again from the state that
# left, and again, so that it dies after each of its changes in turn; until
# a run has no change left to die after: exit 0, no drift, no journal. For
# a command that cannot be undone between tries (crash_every_k resets).
# CRASH_KS: how many runs died.
crash_each_change() {
	local n=$1 k
	shift
	for k in $(seq 1 100); do
		run env TENC_TEST_CRASH_AFTER=1 TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" "$TENC" "$@"
		if [ "$status" -eq 0 ]; then
			CRASH_KS=$((k - 1))
			[ "$(drift_count "$n")" -eq 0 ]
			[ ! -e "$T_DIR/$n/changing" ]
			return 0
		fi
		echo "run $k: $output"
		crashed "$n" 1
	done
	return 1
}

# peers_doc CIDRS_OF_NODE2 [NODE_IP_OF_NODE2]: node1's peer list with node2
# and node3 (present when topo_up 3), as peer sync reads it.
peers_doc() {
	local c=$1 ip=${2:-10.0.0.2}
	echo "{\"peers\": [{\"name\": \"node2\", \"node_ip\": \"$ip\", \"cidrs\": $c},
	  {\"name\": \"node3\", \"node_ip\": \"10.0.0.3\", \"cidrs\": [\"10.1.3.0/24\"]}]}" >"$T_DIR/sync.json"
}

# epoch_of NODE: the epoch the node advertises.
epoch_of() { tenc_on "$1" -j advertise | json_get "j['peers'][0]['epoch']"; }

# reboot NODE: what a reboot does to a node's kernel state (its state dir
# stays): every XFRM object, tenc's rule, table 2005, the tc programs, and
# the bpffs under the state dir.
reboot() {
	local n=$1 d
	on "$n" ip xfrm state flush
	on "$n" ip xfrm policy flush
	on "$n" ip xfrm policy set hthresh4 32 32
	while on "$n" ip rule del pref 100 2>/dev/null; do :; done
	on "$n" ip route flush table 2005 2>/dev/null || true # empty in observe mode
	for d in eth0 pod0; do on "$n" tc qdisc del dev "$d" clsact 2>/dev/null || true; done # absent if never made
	umount "$T_DIR/$n/bpf"
	! grep -q " $T_DIR/$n/bpf " /proc/mounts
}

# advertise_all N: every node's advertisement merged, into $T_DIR/adv.json.
advertise_all() {
	local i
	for i in $(seq 1 "$1"); do tenc_on "node$i" -j advertise; done | python3 -c '
import json, sys
dec, text, peers = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    obj, end = dec.raw_decode(text.strip()); peers += obj["peers"]; text = text.strip()[end:]
print(json.dumps({"peers": peers}))' >"$T_DIR/adv.json"
}

# adv_to FROM TO: TO's peer sync reads FROM's advertisement (its SPI and
# epoch), as a node agent's would.
adv_to() {
	tenc_on "$1" -j advertise >"$T_DIR/adv-$1.json" && tenc_on "$2" peer sync "$T_DIR/adv-$1.json" >/dev/null
}

# adv_loop FROM TO: adv_to in the background, polled every 0.2 s, until
# killed (an agent's watch of FROM's annotations); $! its pid.
adv_loop() { (while :; do adv_to "$1" "$2" 2>/dev/null; sleep 0.2; done) 3>&- & }

# keys_of NODE: its key ring as [(spi, state), ...].
keys_of() { tenc_on "$1" -j key list | json_get "[(k['spi'], k['state']) for k in j['keys']]"; }
# moved_from NODE SPI: the node advertises another SPI than SPI.
# (no python: polled, and under TCG a python start costs ~0.3 s)
moved_from() { local o; o=$(tenc_on "$1" -j key list) && [[ $o != *"\"advertise\":$2}" ]]; }
exited() { ! kill -0 "$1" 2>/dev/null; }

# resume_every_k CHECK ARGS...: on node1 and node2 (their peers each
# other), rotations by `key rotate --auto $T_DIR/kr ARGS`, as their agents
# run them, for k = 1, 2, ...: node2's runs in the background; node1's
# is killed after its k-th kernel change (crash_every_k), then run again,
# and must resume: both complete, the new key alone current (the old one
# gone), no drift; CHECK then runs (the lane's checks, $OLD the old SPI),
# and the next k rotates to a new key. node1 syncs node2's advertisement
# once node2 has prepared; node2 syncs node1's all along (adv_loop).
# CRASH_KS: how many k killed node1.
resume_every_k() {
	local loop
	RESUME_CHECK=$1
	shift
	RESUME_ARGS=("$@")
	adv_loop node1 node2
	loop=$!
	resume_start
	crash_every_k node1 : resume_next -- key rotate --auto "$T_DIR/kr" "$@"
	resume_done
	bg_stop "$loop" || true # killed by design
}
resume_start() {
	(umask 077; "$TENC" key gen >"$T_DIR/kr")
	OLD=$(tenc_on node1 -j key list | json_get "j['advertise']")
	tenc_bg node2 "$T_DIR/auto2.out" "$T_DIR/auto2.err" key rotate --auto "$T_DIR/kr" "${RESUME_ARGS[@]}"
	AUTO2=$!
	wait_until -p "$AUTO2" "node2 to prepare" moved_from node2 "$OLD"
	adv_to node2 node1
}
resume_done() {
	local new i
	new=$(tenc_on node2 -j key list | json_get "j['advertise']")
	wait_until "node2's --auto to end" exited "$AUTO2"
	wait "$AUTO2" || { cat "$T_DIR/auto2.err"; return 1; }
	for i in 1 2; do
		[ "$(keys_of "node$i")" = "[($new, 'current')]" ]
		[ "$(drift_count "node$i")" -eq 0 ]
	done
	$RESUME_CHECK
}
resume_next() { resume_done; resume_start; } # not &&: that would mask a failed check
