#!/usr/bin/env bats
# migrate.bats: a newer tenc whose pinned maps have another layout
# (TENC_NEXT: this tree built by `make next-tenc` with a bigger ipcache and
# config layout 2) takes a node over make-before-break: the new ipcache is
# filled before the programs that use it are attached, the old maps go
# last; a refusal at any k restores the old maps and programs; a crash at
# any k leaves the old maps running and full, other writers refuse, and a
# re-run finishes. Keyless (host lanes); upgrade.bats has it under ESP
# traffic in the VM lane.

load helpers
load topo
load live

NEXT=${TENC_NEXT:-$REPO/build/next/tenc}
CUR=$TENC

test_setup() {
	need_root
	[ -x "$NEXT" ] || { echo "no $NEXT (make next-tenc makes it)"; return 1; }
	topo_up 3
	enable_node 1 --encrypt
	peers_doc '["10.1.2.0/24", "10.2.2.0/24"]'
	tenc_on node1 peer sync "$T_DIR/sync.json"
}

# pinned NODE MAP FIELD: a field of `bpftool map show` of the pinned map.
pinned() {
	on "$1" bpftool -j map show pinned "$T_DIR/$1/bpf/$2" | json_get "j['$3']"
}

# runs_map NODE DEV DIR ID: the program tenc attached on DEV (ingress or
# egress) uses map ID.
runs_map() {
	local prog
	prog=$(on "$1" bpftool -j net show dev "$2" |
		json_get "[f['id'] for f in j[0]['tc'] if f['kind'] == 'clsact/$3'][0]")
	on "$1" bpftool -j prog show id "$prog" | json_get "$4 in j['map_ids']" | grep -qx True
}

# mapdump NODE PIN: the entries of a pinned map, sorted.
mapdump() {
	on "$1" bpftool -j map dump pinned "$T_DIR/$1/bpf/$2" |
		json_get "'\\n'.join(sorted(json.dumps(e, sort_keys=True) for e in j))"
}

# old_layout NODE: node1 is as the current tenc left it.
old_layout() {
	[ "$(pinned "$1" ipcache max_entries)" -eq 262144 ]
	! ls "$T_DIR/$1"/bpf/*_old 2>/dev/null || false
}

@test "migrate: the next layout's maps are filled, then attached, then the old ones go" {
	local before id
	old_layout node1
	before=$(on node1 "$DPTOOL" ipc-dump "$T_DIR/node1/bpf" | sort)
	TENC=$NEXT
	run tenc_on node1 -j enable
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"pinned by a tenc of another layout"* ]]
	[ "$(pinned node1 ipcache max_entries)" -eq 524288 ]
	! ls "$T_DIR"/node1/bpf/*_old || false
	[ "$(on node1 "$DPTOOL" ipc-dump "$T_DIR/node1/bpf" | sort)" = "$before" ]
	id=$(pinned node1 ipcache id)
	runs_map node1 pod0 ingress "$id"
	runs_map node1 eth0 ingress "$id"
	runs_map node1 eth0 egress "$id"
	[ "$(drift_count node1)" -eq 0 ]
	[ "$(json_get "j['layout']" <"$T_DIR/node1/config.json")" -eq 2 ]
	# the tenc of the older layout refuses the state dir now
	TENC=$CUR
	run tenc_on node1 enable
	[ "$status" -eq 1 ]
	[[ $output == *"layout 2: written by a newer tenc"* ]]
}

@test "migrate: a refusal at every k of the migration restores the old maps and programs" {
	TENC=$NEXT
	fault_every_k node1 enable
	echo "refused at k = 1..$FAULT_KS"
	[ "$FAULT_KS" -ge 5 ] # the ipcache entries of node1, node2 (2 cidrs + node ip), node3
	[ "$(pinned node1 ipcache max_entries)" -eq 524288 ]
}

# In a crashed migration: the old ipcache, still full, is what runs; a
# writer other than enable refuses and changes nothing.
# writer_refused: a peer add on node1 is refused, naming the unfinished
# migration, and changes nothing.
writer_refused() {
	local before
	before=$(state_of node1)
	run tenc_on node1 peer add node4 --node-ip 10.0.0.4 --cidr 10.1.4.0/24
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"did not finish: run 'tenc enable' first"* ]]
	[ "$(state_of node1)" = "$before" ]
}

crashed_check() {
	local id
	id=$(pinned node1 ipcache_old id)
	runs_map node1 eth0 egress "$id"
	[ "$(mapdump node1 ipcache_old)" = "$IPC0" ]
	writer_refused
}

# Back to the current layout for the next k: the current tenc migrates
# back (layout 1 in config.json, as a downgrade after disable would be).
back_to_current() {
	python3 - "$T_DIR/node1/config.json" <<-'PY'
	import json, sys
	c = json.load(open(sys.argv[1])); c["layout"] = 1
	json.dump(c, open(sys.argv[1], "w"))
	PY
	TENC=$CUR tenc_on node1 enable
	old_layout node1
}

@test "migrate: killed after every kernel change of the migration, a re-run finishes it" {
	IPC0=$(mapdump node1 ipcache)
	TENC=$NEXT
	crash_every_k node1 crashed_check back_to_current -- enable
	echo "crashed at k = 1..$CRASH_KS"
	[ "$CRASH_KS" -ge 5 ]
}

# half_moved: the state bpfmig_aside leaves for an instant, killed there:
# node1's ipcache pinned at ipcache_old only.
half_moved() {
	local id
	id=$(pinned node1 ipcache id)
	on node1 bpftool map pin id "$id" "$T_DIR/node1/bpf/ipcache_old"
	rm "$T_DIR/node1/bpf/ipcache"
}

@test "migrate: killed between moving the old ipcache pin aside and pinning the new one, writers refuse" {
	half_moved
	writer_refused
	# and the re-run of enable finishes it
	TENC=$NEXT
	run tenc_on node1 enable
	echo "$output"
	[ "$status" -eq 0 ]
	! ls "$T_DIR"/node1/bpf/*_old || false
	[ "$(pinned node1 ipcache max_entries)" -eq 524288 ]
	[ "$(drift_count node1)" -eq 0 ]
}

@test "migrate: disable in a migration that did not finish removes both sets of maps and everything else" {
	half_moved
	run tenc_on node1 disable
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(on node1 ip -o xfrm policy)" ]
	[ -z "$(on node1 ip route show table 2005)" ]
	! grep -q " $T_DIR/node1/bpf " /proc/mounts || false
}
