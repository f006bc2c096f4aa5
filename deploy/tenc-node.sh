#!/bin/sh
# tenc-node.sh: the node agent of the Helm chart (deploy/helm/tenc), one per
# node. Glue between the Node objects and tenc, nothing tenc should own:
# it reads its node from the API, runs tenc enable (again when the Node's
# addresses or pod CIDRs change: a watch of its own Node), adds the key of
# the mounted Secret, publishes tenc's advertisement as node annotations
# and feeds the node list to tenc peer sync, for as long as it runs.
#
#   tenc-node.sh run     the agent (the DaemonSet's container)
#   tenc-node.sh ready   the readiness probe: exit 0 when the node is
#                        enabled and tenc -j status shows no drift (tenc
#                        status itself exits 0 with drift, so a probe of
#                        `tenc -j status` alone would never fail on it)
#
# Environment (the DaemonSet sets each; tests/deploy/helm.bats checks that
# it does and that the mounts match):
#   NODE_NAME           this node's name (downward API, spec.nodeName)
#   TENC_STATE_DIR      tenc's state dir, a hostPath (tenc reads it too)
#   TENC_KEY_FILE       the key line, from the Secret's key "keys"
#   TENC_ENCRYPT        1: tenc enable --encrypt; 0: observe only
#   TENC_MODE           endpoint or subnet
#   TENC_SUBNETS        subnet mode: the remote pod subnets (the cluster's
#                       pod CIDRs), declared with tenc subnet add if missing
#   TENC_DEVICES        pod devices, names or shell patterns (cni0 lxc*),
#                       expanded against /sys/class/net; enable is run again
#                       when the set of matching devices changes
#   TENC_TEXTFILE       where to write tenc audit's Prometheus metrics for
#                       node_exporter's textfile collector ("": nowhere)
#   TENC_POLL           seconds between checks of the Secret, the
#                       advertisement and the devices (default 5)
#   TENC_AUDIT_EVERY    seconds between textfile writes (default 60)
#   TENC_RESYNC         seconds between full syncs when tenc has no
#                       peer sync --watch (default 30)
#
# Keys are only ever passed as the file's path, never on a command line;
# the Secret's line is read here for its SPI field alone. Rotation: when the
# file's content changes (the kubelet swaps it when the Secret changes),
# `tenc key rotate --auto FILE --spi SPI` runs with the new line's SPI, so
# every node rotates to the same SPI and a node joining later adds the line
# at it; a line tenc refuses (bad format, an SPI in use) is reported and
# the running key stays.
#
# Peer sync: a full `peer sync --prune` of `kubectl get nodes` (before the
# advertisement is first published), then the watch stream into `peer
# sync --watch`, restarted (full sync first) when kubectl exits. A tenc
# whose peer sync has no --watch (its --help does not list it) gets a
# full prune sync every TENC_RESYNC seconds instead.

PROG=tenc-node
: "${TENC_STATE_DIR:=/var/lib/tenc}"
: "${TENC_KEY_FILE:=/etc/tenc/keys/keys}"
: "${TENC_ENCRYPT:=1}"
: "${TENC_MODE:=endpoint}"
: "${TENC_DEVICES:=}"
: "${TENC_SUBNETS:=}"
: "${TENC_TEXTFILE:=}"
: "${TENC_POLL:=5}"
: "${TENC_AUDIT_EVERY:=60}"
: "${TENC_RESYNC:=30}"
export TENC_STATE_DIR

say() { echo "$PROG: $*" >&2; }
die() { say "$*"; exit 1; }

# NODE_TPL: this node's InternalIPs and pod CIDRs, one line per object
# ("ip=A ... cidr=C ... "), for kubectl get node -o jsonpath, once or with
# --watch (then a line per change of the Node).
NODE_TPL='{range .status.addresses[?(@.type=="InternalIP")]}ip={.address} {end}{range .spec.podCIDRs[*]}cidr={@} {end}{"\n"}'
NODE_INFO=$TENC_STATE_DIR/k8s-node.info

node_info() { kubectl get node "$NODE_NAME" -o jsonpath="$NODE_TPL"; }

# parse_info LINE: NODE_IP (the first IPv4 InternalIP, empty on an
# IPv6-only node), NODE_IP6 (the first IPv6 one, empty on an IPv4-only
# node) and POD_CIDRS (both families) from a NODE_TPL line; 0 when it has
# a node ip of either family and a pod CIDR.
parse_info() {
	NODE_IP="" NODE_IP6="" POD_CIDRS=""
	for w in $1; do
		case $w in
		ip=*:*.*) ;; # IPv4-mapped: passed over, as peer sync does
		ip=*.*.*.*) [ -n "$NODE_IP" ] || NODE_IP=${w#ip=} ;;
		ip=*:*) [ -n "$NODE_IP6" ] || NODE_IP6=${w#ip=} ;;
		cidr=*/*) POD_CIDRS="$POD_CIDRS${POD_CIDRS:+ }${w#cidr=}" ;;
		esac
	done
	[ -n "$NODE_IP$NODE_IP6" ] && [ -n "$POD_CIDRS" ]
}

# read_node: NODE_IP and POD_CIDRS, waiting until the node has both (a node
# that has just registered has no pod CIDR until the controller assigns it).
read_node() {
	until parse_info "$(node_info)"; do
		say "node $NODE_NAME has no InternalIP or pod CIDR yet; retrying"
		sleep "$TENC_POLL"
	done
}

# node_watch PID: keep NODE_INFO the Node's newest NODE_TPL line and wake
# PID (housekeeping, which applies it) with SIGUSR1 on each change; the
# watch is restarted when kubectl exits.
node_watch() {
	while :; do
		kubectl get node "$NODE_NAME" -o jsonpath="$NODE_TPL" --watch | while read -r line; do
			[ "$line" = "$(cat "$NODE_INFO" 2>/dev/null)" ] && continue
			echo "$line" >"$NODE_INFO.tmp" && mv "$NODE_INFO.tmp" "$NODE_INFO"
			kill -USR1 "$1" 2>/dev/null
		done
		sleep 1
	done
}

# devices: the existing interfaces matching TENC_DEVICES, sorted, one line.
devices() {
	set -f
	pats=$TENC_DEVICES
	set +f
	for p in $pats; do
		for d in /sys/class/net/$p; do
			[ -e "$d" ] && echo "${d##*/}"
		done
	done | sort -u | tr '\n' ' '
}

tenc_enable() {
	set -- enable --name "$NODE_NAME" --mode "$TENC_MODE"
	[ -z "$NODE_IP" ] || set -- "$@" --node-ip "$NODE_IP"
	[ -z "$NODE_IP6" ] || set -- "$@" --node-ip "$NODE_IP6"
	[ "$TENC_ENCRYPT" = 1 ] && set -- "$@" --encrypt
	for c in $POD_CIDRS; do set -- "$@" --pod-cidr "$c"; done
	for d in $DEVS; do set -- "$@" --dev "$d"; done
	tenc "$@"
}

# declare_subnets: subnet mode's subnets that tenc status does not list yet.
declare_subnets() {
	[ "$TENC_MODE" = subnet ] || return 0
	have=$(tenc -j status) || return 1
	for c in $TENC_SUBNETS; do
		case $have in *"\"$c\""*) continue ;; esac
		tenc subnet add "$c" || return 1
	done
}

# key_sum: a checksum of the key file, to notice that the Secret changed.
key_sum() { cksum <"$TENC_KEY_FILE" 2>/dev/null; }

# key_spi: the SPI field of the key line, in decimal (tenc key add reads
# "N", "N+" or "0xN"; --spi takes decimal), else nothing: tenc then reports
# the line as it reads it.
key_spi() {
	while read -r f rest; do
		case $f in '' | '#'*) continue ;; esac
		f=${f%+}
		case $f in
		0x*) h=${f#0x}; case $h in '' | *[!0-9a-fA-F]*) ;; *) echo $((f)) ;; esac ;;
		'' | *[!0-9]*) ;;
		*) echo "$f" ;;
		esac
		return 0
	done <"$TENC_KEY_FILE"
}

has_key() { tenc -j key list | grep -q '"spi":'; }

# setup_key: add the Secret's key when the node has none; remember the
# file's checksum (in the state dir, so a Secret that changed while the pod
# was down is rotated to when it starts).
setup_key() {
	[ -r "$TENC_KEY_FILE" ] || {
		[ "$TENC_ENCRYPT" = 1 ] && ! has_key && die "no key file $TENC_KEY_FILE (create the Secret: see README)"
		return 0
	}
	if ! has_key; then
		spi=$(key_spi)
		tenc key add ${spi:+--spi "$spi"} "$TENC_KEY_FILE" || die "key add $TENC_KEY_FILE failed"
		key_sum >"$TENC_STATE_DIR/k8s-key.sum"
	fi
}

# rotate_if_changed: start tenc key rotate --auto when the file changed
# since the last rotation or add, unless one still runs.
ROT_PID=
rotate_if_changed() {
	[ -r "$TENC_KEY_FILE" ] || return 0
	if [ -n "$ROT_PID" ]; then
		kill -0 "$ROT_PID" 2>/dev/null && return 0
		wait "$ROT_PID"
		rc=$?
		ROT_PID=
		# 0 done, 2 refused (reported by tenc): both final for this line.
		[ $rc -eq 1 ] || mv "$TENC_STATE_DIR/k8s-key.sum.new" "$TENC_STATE_DIR/k8s-key.sum"
		[ $rc -eq 0 ] || say "key rotate --auto exited $rc; the running key stays"
	fi
	sum=$(key_sum)
	[ "$sum" = "$(cat "$TENC_STATE_DIR/k8s-key.sum" 2>/dev/null)" ] && return 0
	echo "$sum" >"$TENC_STATE_DIR/k8s-key.sum.new"
	spi=$(key_spi)
	say "key file changed: rotating to spi ${spi:-?}"
	tenc key rotate --auto "$TENC_KEY_FILE" ${spi:+--spi "$spi"} &
	ROT_PID=$!
}

ADV=
publish() {
	adv=$(tenc advertise --kubectl) || return 0
	[ "$adv" = "$ADV" ] && return 0
	# shellcheck disable=SC2086 # one word per annotation
	kubectl annotate node "$NODE_NAME" --overwrite $adv >/dev/null && ADV=$adv
}

write_textfile() {
	[ -n "$TENC_TEXTFILE" ] || return 0
	tenc audit --format prometheus >"$TENC_TEXTFILE.tmp"
	[ $? -le 3 ] && mv "$TENC_TEXTFILE.tmp" "$TENC_TEXTFILE"
}

# reenable_if_changed: tenc enable again when the Node's addresses or pod
# CIDRs (NODE_INFO, from node_watch) or the matching devices changed; the
# only caller of tenc enable after the start, so one at a time.
reenable_if_changed() {
	ip=$NODE_IP ip6=$NODE_IP6 cidrs=$POD_CIDRS
	if [ -r "$NODE_INFO" ] && ! parse_info "$(cat "$NODE_INFO")"; then
		NODE_IP=$ip NODE_IP6=$ip6 POD_CIDRS=$cidrs # lost its address or CIDRs: keep going with the last ones
	fi
	now=$(devices)
	[ "$NODE_IP $NODE_IP6 $POD_CIDRS" = "$ip $ip6 $cidrs" ] && [ "$now" = "$DEVS" ] && return 0
	say "node ip $NODE_IP${NODE_IP:+${NODE_IP6:+ }}$NODE_IP6 pod cidrs $POD_CIDRS devices ${now:-none}"
	DEVS=$now
	tenc_enable || say "tenc enable failed; the node keeps its last configuration"
}

# housekeeping: every TENC_POLL seconds, or at once when node_watch sends
# SIGUSR1: the Node, the devices, the Secret, the advertisement; the
# textfile every TENC_AUDIT_EVERY seconds.
housekeeping() {
	WOKE=
	trap 'WOKE=1' USR1
	next=0
	while :; do
		WOKE=
		reenable_if_changed
		rotate_if_changed
		publish
		if [ "$(date +%s)" -ge $next ]; then
			write_textfile
			next=$(($(date +%s) + TENC_AUDIT_EVERY))
		fi
		# A wake that came while this round ran is not lost: no sleep then.
		sleep "$TENC_POLL" &
		[ -n "$WOKE" ] || wait $! # returns early on SIGUSR1
		kill $! 2>/dev/null
	done
}

full_sync() { kubectl get nodes -o json | tenc peer sync --prune -; }

# sync_loop: after run's first full sync, the watch, restarted (full sync
# first) when kubectl exits.
sync_loop() {
	if tenc peer sync --help 2>&1 | grep -q -- --watch; then
		while :; do
			kubectl get nodes -o json --watch --output-watch-events | tenc peer sync --watch -
			say "node watch ended ($?); restarting"
			sleep 1
			full_sync
		done
	fi
	# No peer sync --watch in this tenc: full prune syncs on a timer.
	while :; do
		sleep "$TENC_RESYNC"
		full_sync
	done
}

# ready: the readiness probe. Compact JSON: "drift":[] only when empty.
ready() {
	out=$(tenc -j status) || exit 1
	case $out in *'"enabled":true'*) ;; *) echo "not enabled"; exit 1 ;; esac
	case $out in *'"drift":[]'*) exit 0 ;; esac
	echo "drift: $out"
	exit 1
}

run() {
	[ -n "$NODE_NAME" ] || die "NODE_NAME is not set (downward API: spec.nodeName)"
	case $TENC_MODE in endpoint|subnet) ;; *) die "TENC_MODE '$TENC_MODE': endpoint or subnet" ;; esac
	mkdir -p "$TENC_STATE_DIR" || exit 1
	trap 'trap "" TERM INT; kill -TERM 0; exit 0' TERM INT
	read_node
	DEVS=$(devices)
	say "node $NODE_NAME ip $NODE_IP${NODE_IP:+${NODE_IP6:+ }}$NODE_IP6 pod cidrs $POD_CIDRS devices ${DEVS:-none}"
	setup_key
	tenc_enable || die "tenc enable failed"
	declare_subnets || die "tenc subnet add failed"
	# Peers first, then the advertisement: when the peers learn of this
	# node's epoch, it already holds their SAs, so each pair is complete
	# once they converge.
	full_sync
	publish
	rm -f "$NODE_INFO"
	housekeeping &
	node_watch $! &
	sync_loop &
	wait
}

case ${1:-} in
run) run ;;
ready) ready ;;
*) echo "usage: $PROG run|ready" >&2; exit 2 ;;
esac
