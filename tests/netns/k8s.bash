# k8s.bash: the node agent (deploy/tenc-node.sh) on namespace nodes, inside
# the image's root file system (make image: build/image/rootfs), against
# the API server double (tests/tools/kube_api.py) and the kubectl double
# (tests/tools/kubectl-double) put on the agent's PATH. The agent, tenc and
# the image are the real ones. Load after helpers and topo: load k8s
#
# Each agent runs as the DaemonSet's container would: its own mount
# namespace and process group, chrooted into the image, with the node's
# state dir as /var/lib/tenc (its bpf/ a bpffs mounted from outside, as the
# chart mounts the host's), its key Secret's directory as /etc/tenc/keys,
# /proc, /sys (the node's netns), /dev and a /tmp of its own.

IMAGE_ROOT=${IMAGE_ROOT:-$REPO/build/image/rootfs}
K8S_API=$REPO/tests/tools/kube_api.py
KUBECTL_DOUBLE=$REPO/tests/tools/kubectl-double

# need_image: fail (never skip) without the image: make test builds it.
need_image() {
	[ -x "$IMAGE_ROOT/usr/local/sbin/tenc-node.sh" ] && [ -x "$IMAGE_ROOT/usr/local/bin/tenc" ] ||
		{ echo "no image root file system at $IMAGE_ROOT: run make image" >&2; return 1; }
}

# k8s_start: the API double on $K ($T_DIR/k8s), its pid $K8S_PID.
k8s_start() {
	K=$T_DIR/k8s
	mkdir -p "$K"
	python3 "$K8S_API" "$K" 3>&- &
	K8S_PID=$!
	wait_until -p "$K8S_PID" "the API double" test -e "$K/list.json"
}

# k8s OP ARGS...: a request to the API double (kube_api.py's ops: join,
# cidrs, annotate, delete), waited for; fails on an error answer.
k8s() {
	local id rc msg
	id=$(date +%s%N)-test
	echo "$*" >"$K/req/$id.tmp"
	mv "$K/req/$id.tmp" "$K/req/$id.req"
	wait_until -p "$K8S_PID" "the API double's answer to '$*'" test -e "$K/req/$id.done"
	read -r rc msg <"$K/req/$id.done"
	rm -f "$K/req/$id.done"
	[ "$rc" = 0 ] || { echo "k8s $*: $msg" >&2; return 1; }
}

# k8s_last TYPE NODE: the time (CLOCK_REALTIME s) of the newest event TYPE
# of NODE in the API double's log, or nothing.
k8s_last() { awk -v t="$1" -v n="$2" '$2 == t && $3 == n { s = $1 } END { if (s) print s }' "$K/log"; }

# k8s_annotated NODE KEY: the value of the node's annotation KEY.
k8s_annotated() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["metadata"]["annotations"].get(sys.argv[2], ""))' \
		"$K/nodes/$1.json" "$2" 2>/dev/null
}

# The agent's mounts and chroot, run by unshare -m in the node's netns:
# ROOT STATE KEYS K DOUBLE CMD ENV..., CMD: tenc-node.sh's run or ready.
# shellcheck disable=SC2016 # expanded by that sh
AGENT_SH='set -e
R=$1 S=$2 KEYS=$3 K=$4 DBL=$5 CMD=$6
shift 6
mount -t tmpfs -o mode=755 tmpfs "$R/run"
mkdir -p "$R/run/k8s"
mount --bind "$DBL" "$R/usr/local/bin/kubectl"
mount --bind "$K" "$R/run/k8s"
mount --rbind "$S" "$R/var/lib/tenc"
mount --bind "$KEYS" "$R/etc/tenc/keys"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/tmp"
exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	KUBE_DOUBLE_DIR=/run/k8s "$@" \
	/usr/local/sbin/tenc-node.sh "$CMD"'

# agent_start I [VAR=VALUE...]: node I's agent in the background, as the
# chart's DaemonSet runs it (TENC_DEVICES pod0, TENC_POLL 1, encryption on;
# VARs override), output in $T_DIR/agentI.log (each line with its time,
# stamp); AGENT[I] its pid.
declare -A AGENT
agent_start() {
	local i=$1
	shift
	mkdir -p "$T_DIR/node$i/bpf" "$T_DIR/keys$i"
	mountpoint -q "$T_DIR/node$i/bpf" || mount -t bpf bpf "$T_DIR/node$i/bpf"
	bg_on "node$i" setsid unshare -m --propagation private sh -c "$AGENT_SH" agent \
		"$IMAGE_ROOT" "$T_DIR/node$i" "$T_DIR/keys$i" "$K" "$KUBECTL_DOUBLE" run \
		NODE_NAME="node$i" TENC_STATE_DIR=/var/lib/tenc TENC_KEY_FILE=/etc/tenc/keys/keys \
		TENC_ENCRYPT=1 TENC_MODE=endpoint TENC_DEVICES=pod0 TENC_POLL=1 TENC_AUDIT_EVERY=3600 \
		"$@" > >(stamp >>"$T_DIR/agent$i.log") 2>&1
	AGENT[$i]=$!
}

# stamp: each line of stdin with the CLOCK_REALTIME time it came at
# (seconds, as the API double's log), so that a test can tell when an
# agent's converge ended from its log.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

# agent_stop I: the pod's end: SIGTERM, and the agent's whole process group
# gone (its trap passes it on).
agent_stop() {
	local i=$1
	kill -TERM "${AGENT[$i]}"
	wait "${AGENT[$i]}" || true
	wait_until "node$i's agent's processes gone" agent_gone "${AGENT[$i]}"
	unset "AGENT[$i]"
}
agent_gone() { ! pgrep -g "$1" >/dev/null; }

# agent_ready I: the chart's readiness probe, run in the image on node I
# (as the kubelet execs it in the agent's container).
agent_ready() {
	on "node$1" unshare -m --propagation private sh -c "$AGENT_SH" ready \
		"$IMAGE_ROOT" "$T_DIR/node$1" "$T_DIR/keys$1" "$K" "$KUBECTL_DOUBLE" ready \
		TENC_STATE_DIR=/var/lib/tenc
}

# secret_put LINE I...: the key Secret's file on nodes I..., swapped
# atomically as the kubelet swaps a Secret volume's files.
secret_put() {
	local line=$1 i
	shift
	for i in "$@"; do
		mkdir -p "$T_DIR/keys$i"
		(umask 077; echo "$line" >"$T_DIR/keys$i/.keys.new")
		mv "$T_DIR/keys$i/.keys.new" "$T_DIR/keys$i/keys"
	done
}

# no_unsupported: the agent called kubectl only as the double knows.
no_unsupported() {
	[ ! -s "$K/unsupported" ] || { cat "$K/unsupported" >&2; return 1; }
}

# k8s_teardown: the agents stopped; their logs shown (bats shows them
# for a failed test only).
k8s_teardown() {
	local i f
	for i in "${!AGENT[@]}"; do agent_stop "$i" 2>/dev/null || true; done
	for f in "$T_DIR"/agent*.log; do
		[ -e "$f" ] && { echo "== ${f##*/}"; tail -n 40 "$f"; }
	done
	[ -z "${K8S_PID:-}" ] || kill "$K8S_PID" 2>/dev/null || true
}
