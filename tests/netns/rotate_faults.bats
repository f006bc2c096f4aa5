#!/usr/bin/env bats
# rotate_faults.bats: key rotation by hand and by --auto, killed after each
# of its kernel changes, then run again: it converges, and nothing is lost
# (the traffic of rotate.bats runs throughout the phases). Needs ESP (VM
# lane). Kept apart from rotate.bats for the lanes: the vm612 lane (Debian
# 13's kernel) runs both files, the vm lane (Debian 12's) rotate.bats
# alone (tests/run.sh: CI's 60 minutes). The cluster: rotate.bash.

load helpers
load topo
load live
load rotate

test_setup() { rotate_cluster; }

@test "crash safety: killed after each kernel change of a phase, the re-runs converge without loss" {
	traffic_start 20
	sleep 1 # traffic on key 1 first
	for phase in prepare commit finish; do
		case $phase in
		prepare) args=("$T_DIR/k2") ;;
		commit) args=(--commit --all) ;;
		finish) args=(--finish --quiet-for 1); sleep 2 ;; # traffic on key 2 first
		esac
		# node1 dies after each of its changes in turn (exit 137 each
		# time), then the last run completes; the other nodes follow
		crash_each_change node1 key rotate "${args[@]}"
		echo "$phase: node1 killed $CRASH_KS times"
		[ "$CRASH_KS" -ge 2 ] # two peers: at least a change each
		for i in 2 3; do tenc_on "node$i" key rotate "${args[@]}"; done
	done
	traffic_check
}

@test "--auto killed after each kernel change, run again as the agents would: resumes, completes on both nodes" {
	for i in 1 2; do tenc_on "node$i" peer del node3; done # two nodes rotate
	resumed() { # the old key's SAs gone, traffic both ways on the new one
		for i in 1 2; do [ -z "$(on "node$i" ip xfrm state list spi "$OLD")" ]; done
		on pod1 ping -c 2 -W 2 10.1.2.2
		on pod2 ping -c 2 -W 2 10.1.1.2
	}
	resume_every_k resumed --grace 0 --quiet-for 1
	echo "node1 killed at k = 1..$CRASH_KS"
	[ "$CRASH_KS" -ge 4 ] # prepare's IN and OUT SAs, commit, finish's removals
}
