#!/usr/bin/env bats
# rotate_resume.bats: `key rotate --auto` run again with the same key line
# resumes the rotation from the phase it stopped in, or, done, changes
# nothing (exit 0); another line while one is in progress is refused (exit
# 2, the SPIs named, nothing changed). Observing only (no --encrypt): the
# rotation runs through the state files with no SA, so no ESP is needed
# (host lanes); observing, its only kernel change is the ipcache entries'
# SPI (no drift after it), so the crash points are rotate_faults.bats' (VM lane,
# with ESP).

load helpers
load topo
load live

test_setup() {
	need_root
	topo_up 2
	(umask 077; for k in 1 2 3; do "$TENC" key gen >"$T_DIR/k$k"; done)
	for i in 1 2; do enable_node "$i" --name "node$i"; done
	key_all 2 "$T_DIR/k1"
	peer_all 2
}

# node1's whole state: kernel objects, peers, keys, config.
state1() { snapshot node1; tenc_on node1 -j peer list; tenc_on node1 -j key list; cat "$T_DIR/node1/config.json"; }

@test "observing: --auto with the line of a pending rotation resumes from the commit; once done, again: nothing to do" {
	tenc_on node1 key rotate "$T_DIR/k2" # prepared by hand, as if --auto died after its prepare
	tenc_on node2 key rotate "$T_DIR/k2"
	adv_to node2 node1
	run tenc_on node1 key rotate --auto "$T_DIR/k2" --grace 0 --quiet-for 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rotate: resuming: spi 2 pending, OUT on spi 1"* ]]
	[[ $output == *"key spi 1 removed"* ]]
	[ "$(keys_of node1)" = "[(2, 'current')]" ]
	[ "$(drift_count node1)" -eq 0 ] # the ipcache entries carry spi 2
	before=$(state1)
	for spi in "" "--spi 2"; do
		# shellcheck disable=SC2086 # no word or one option
		run tenc_on node1 key rotate --auto "$T_DIR/k2" $spi --grace 0
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "tenc: rotate: spi 2 is current and nothing retires: nothing to do" ]
		[ "$(state1)" = "$before" ]
	done
	run tenc_on node1 -j key rotate --auto "$T_DIR/k2" --grace 0
	[ "$status" -eq 0 ]
	[ "$(state1)" = "$before" ]
}

@test "observing: --auto stopped while committed resumes with its line; any other line is refused, naming the SPIs" {
	# node2 does not advertise spi 2: the commit waits for it
	tenc_bg node1 "$T_DIR/auto.out" "$T_DIR/auto.err" key rotate --auto "$T_DIR/k2" --grace 0 --quiet-for 0
	pid=$!
	wait_line "$T_DIR/auto.err" "1 peer not advertising the new key yet" $pid
	rc=0
	bg_stop $pid || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "interrupted; re-run --commit, then --finish" "$T_DIR/auto.err"
	[ "$(keys_of node1)" = "[(1, 'retiring'), (2, 'current')]" ]
	msg="a rotation from spi 1 to spi 2 is in progress and this key line is not its new key"
	bad_input key rotate --auto "$T_DIR/k3" --grace 0 # another key
	[[ $output == *"tenc: key rotate: key: $msg"* ]]
	bad_input key rotate --auto "$T_DIR/k1" --grace 0 # the retiring one
	[[ $output == *"$msg"* ]]
	bad_input key rotate --auto "$T_DIR/k2" --spi 3 --grace 0 # its key at another SPI
	[[ $output == *"$msg"* ]]
	bad_input key rotate --commit --quiet-for 1 # --quiet-for: with --finish or --auto only
	tenc_on node2 key rotate "$T_DIR/k2"
	adv_to node2 node1
	run tenc_on node1 key rotate --auto "$T_DIR/k2" --spi 2 --grace 0 --quiet-for 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rotate: resuming: spi 2 current, spi 1 retiring"* ]]
	[[ $output == *"rotate: every peer uses the new key"* ]]
	[[ $output == *"key spi 1 removed"* ]]
	[ "$(keys_of node1)" = "[(2, 'current')]" ]
	[ "$(drift_count node1)" -eq 0 ]
}
