# rotate.bash: the cluster of the rotation suites (rotate.bats,
# rotate_faults.bats). Load after helpers and topo: load rotate

# rotate_cluster: three nodes, encrypting with key 1 ($T_DIR/k1) and
# peered; keys 2 and 3 in $T_DIR/k2 and k3 for the rotations. Needs ESP
# and AES-GCM (VM lane).
rotate_cluster() {
	local i
	need_root
	need_feature esp
	need_feature aes_gcm
	topo_up 3
	(umask 077; "$TENC" key gen >"$T_DIR/k1"; "$TENC" key gen >"$T_DIR/k2"; "$TENC" key gen >"$T_DIR/k3")
	for i in 1 2 3; do enable_node "$i" --encrypt --name "node$i"; done
	key_all 3 "$T_DIR/k1"
	peer_all 3
	on pod1 ping -c 1 -W 5 10.1.2.2 >/dev/null
}
