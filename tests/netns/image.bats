#!/usr/bin/env bats
# image.bats: the node agent's image (make image, deploy/image/build.sh), on
# the host (root):
#   - build/image/tenc-image.tar is an OCI image that umoci and skopeo read
#     (skopeo copies it, checking every blob's digest), two layers;
#   - its config: entrypoint, environment, version label, creation time;
#   - the tenc layer holds exactly tenc, kubectl, tenc-node.sh and the two
#     empty directories, with their modes, and build/image/rootfs has them;
#   - in the image's root (chroot): tenc and kubectl run, every library of
#     every ELF file resolves, the packages of deploy/image/packages are
#     installed and no compiler or iproute2 is, tenc-node.sh prints its
#     usage with exit 2;
#   - deploy/image/Containerfile, build.sh and the chart's values.yaml
#     agree on the paths, the environment and the package list;
#   - make image again reuses the base layer and yields the same digest; a
#     changed input yields another; an unreachable mirror fails, saying so.
# The image is built once for the file (setup_file): if Debian's mirror
# cannot be reached, every test fails with build.sh's message (make test
# needs the image; nothing here skips).

load helpers

IMG=$REPO/build/image
ARCHIVE=$IMG/tenc-image.tar
ROOT=$IMG/rootfs
VALUES=$REPO/deploy/helm/tenc/values.yaml
CONTAINERFILE=$REPO/deploy/image/Containerfile
BUILD_SH=$REPO/deploy/image/build.sh
PACKAGES=$REPO/deploy/image/packages
KUBECTL=${KUBECTL:-${TENC_K8S_TOOLS:-/var/cache/tenc-k8s-tools}/kubectl/kubectl}

# make_image: make image in the repo, its output in $1.
make_image() {
	make -s --no-print-directory -C "$REPO" image >"$1" 2>&1
}

setup_file() {
	if [ "$(id -u)" != 0 ]; then
		echo "image.bats: make image needs root" >&3
		return 1
	fi
	if ! make_image "$BATS_FILE_TMPDIR/make.log"; then
		echo "image.bats: make image failed (see build.sh's message):" >&3
		tail -n 25 "$BATS_FILE_TMPDIR/make.log" | sed 's/^/# /' >&3
		return 1
	fi
}

# oci: the archive unpacked into $T_DIR/oci.
oci() {
	mkdir -p "$T_DIR/oci"
	tar -xf "$ARCHIVE" -C "$T_DIR/oci"
}

# blobq EXPR: python3 over the unpacked layout: prints EXPR, where
# index, manifest and config are the parsed documents and blob(d) is a
# descriptor's file.
blobq() {
	python3 - "$T_DIR/oci" "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
def blob(d):
    alg, hexd = d["digest"].split(":")
    return os.path.join(root, "blobs", alg, hexd)
index = json.load(open(os.path.join(root, "index.json")))
manifest = json.load(open(blob(index["manifests"][0])))
config = json.load(open(blob(manifest["config"])))
print(eval(sys.argv[2]))
PY
}

version() { "$REPO/build/tenc" --version | sed -n '1s/^tenc //p'; }

@test "image: the archive is an OCI image that umoci and skopeo read, two layers" {
	oci
	[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["imageLayoutVersion"])' "$T_DIR/oci/oci-layout")" = 1.0.0 ]
	[ "$(blobq 'len(index["manifests"])')" = 1 ]
	[ "$(blobq 'index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]')" = "$(version)" ]
	[ "$(blobq 'index["manifests"][0]["digest"]')" = "$(cat "$IMG/digest")" ]
	[ "$(blobq 'manifest["config"]["mediaType"]')" = application/vnd.oci.image.config.v1+json ]
	[ "$(blobq '[l["mediaType"] for l in manifest["layers"]]')" = \
		"['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']" ]
	[ "$(blobq 'len(config["rootfs"]["diff_ids"])')" = 2 ]
	run umoci stat --image "$T_DIR/oci:$(version)"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mmdebstrap bookworm: deploy/image/packages"* ]]
	[[ "$output" == *"tenc $(version): tenc, kubectl, tenc-node.sh"* ]]
	# skopeo reads the archive as podman load does, and copies it blob by
	# blob, checking each digest.
	[ "$(skopeo inspect oci-archive:"$ARCHIVE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')" = "$(cat "$IMG/digest")" ]
	skopeo copy -q oci-archive:"$ARCHIVE" oci:"$T_DIR/copy:tenc"
	[ -f "$T_DIR/copy/index.json" ]
}

@test "image: config: entrypoint, environment, version label, creation time" {
	oci
	[ "$(blobq 'config["config"]["Entrypoint"]')" = "['/usr/local/sbin/tenc-node.sh', 'run']" ]
	[ "$(blobq 'config["config"]["Env"]')" = \
		"['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TENC_STATE_DIR=/var/lib/tenc']" ]
	[ "$(blobq 'config["config"]["Labels"]["org.opencontainers.image.version"]')" = "$(version)" ]
	# The label is the version of the tenc inside.
	[ "$(chroot "$ROOT" /usr/local/bin/tenc --version | sed -n '1s/^tenc //p')" = "$(version)" ]
	local sde
	sde=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct)}
	[ "$(blobq 'config["created"]')" = "$(date -u -d "@$sde" +%Y-%m-%dT%H:%M:%SZ)" ]
	[ "$(blobq 'config["architecture"] + "/" + config["os"]')" = amd64/linux ]
}

@test "image: the tenc layer holds tenc, kubectl, tenc-node.sh and the empty dirs, with their modes" {
	oci
	local layer
	layer=$(blobq 'blob(manifest["layers"][1])')
	tar -tvzf "$layer" | awk '{print $1, $2, $6}' | sort -k3 >"$T_DIR/list"
	cat "$T_DIR/list"
	diff -u - "$T_DIR/list" <<'EOF'
drwxr-xr-x 0/0 ./etc/tenc/
drwx------ 0/0 ./etc/tenc/keys/
-rwxr-xr-x 0/0 ./usr/local/bin/kubectl
-rwxr-xr-x 0/0 ./usr/local/bin/tenc
-rwxr-xr-x 0/0 ./usr/local/sbin/tenc-node.sh
drwx------ 0/0 ./var/lib/tenc/
EOF
	# The base layer has none of them, and the unpacked root has them as
	# built: the files of this tree, the dirs empty.
	run tar -tzf "$(blobq 'blob(manifest["layers"][0])')" ./usr/local/bin/tenc ./usr/local/sbin/tenc-node.sh ./var/lib/tenc/
	[ "$status" -ne 0 ]
	cmp "$REPO/build/tenc" "$ROOT/usr/local/bin/tenc"
	cmp "$REPO/deploy/tenc-node.sh" "$ROOT/usr/local/sbin/tenc-node.sh"
	cmp "$KUBECTL" "$ROOT/usr/local/bin/kubectl"
	[ "$(stat -c %a "$ROOT/usr/local/sbin/tenc-node.sh")" = 755 ]
	[ "$(stat -c %a "$ROOT/var/lib/tenc")" = 700 ]
	[ "$(stat -c %a "$ROOT/etc/tenc/keys")" = 700 ]
	[ -z "$(find "$ROOT/var/lib/tenc" "$ROOT/etc/tenc/keys" -mindepth 1)" ]
	# The path the chart runs is the image's entrypoint.
	[ "$(sed -n 's/^entrypoint: *//p' "$VALUES")" = /usr/local/sbin/tenc-node.sh ]
}

@test "image: tenc and kubectl run in the image's root; every library resolves there" {
	run chroot "$ROOT" /usr/local/bin/tenc --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "tenc $(version)" ]]
	run chroot "$ROOT" /usr/local/bin/kubectl version --client
	[ "$status" -eq 0 ]
	[[ "$output" == *"Client Version: v1.32."* ]]
	# Every ELF executable or library in the image, through the image's
	# own loader (ldd of its libc): nothing "not found".
	local f n=0 bad=0
	while read -r f; do
		n=$((n + 1))
		out=$(chroot "$ROOT" /usr/bin/ldd "$f" 2>&1) || true
		if [[ "$out" == *"not found"* ]]; then echo "$f: $out"; bad=1; fi
	done < <(python3 - "$ROOT" <<'PY'
import os, sys
root = sys.argv[1]
for top in ("usr/local/bin", "usr/local/sbin", "usr/bin", "usr/sbin", "usr/lib"):
    for d, _, files in os.walk(os.path.join(root, top)):
        for f in files:
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    print(p[len(root):])
PY
	)
	echo "$n ELF files"
	[ $bad -eq 0 ]
	[ "$n" -gt 50 ]
	chroot "$ROOT" /usr/bin/ldd /usr/local/bin/tenc | grep -q 'libbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1'
	run chroot "$ROOT" /usr/bin/ldd /usr/local/bin/kubectl
	[[ "$output" == *"not a dynamic executable"* ]]
}

@test "image: the listed packages are installed, no compiler, no iproute2" {
	local p missing=0
	for p in $(sed 's/#.*//' "$PACKAGES"); do
		st=$(chroot "$ROOT" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || st=absent
		[ "$st" = installed ] || { echo "not installed: $p ($st)"; missing=1; }
	done
	[ $missing -eq 0 ]
	for p in gcc cpp binutils clang iproute2 make; do
		run chroot "$ROOT" dpkg-query -W -f='${db:Status-Status}' "$p"
		[ "$output" != installed ] || { echo "installed: $p"; false; }
	done
	[ ! -e "$ROOT/usr/bin/cc" ] && [ ! -e "$ROOT/usr/sbin/ip" ] && [ ! -e "$ROOT/usr/bin/ip" ]
	# tenc-node.sh's programs are there.
	for p in sh sleep tr sort mv mkdir cat cksum grep sed; do
		chroot "$ROOT" /bin/sh -c "command -v $p" >/dev/null || { echo "missing: $p"; false; }
	done
}

@test "image: tenc-node.sh without arguments prints its usage, exit 2" {
	run chroot "$ROOT" /usr/local/sbin/tenc-node.sh
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: tenc-node run|ready"* ]]
	# Through the image's /bin/sh (dash), as the entrypoint's #! says.
	[ "$(head -n1 "$ROOT/usr/local/sbin/tenc-node.sh")" = '#!/bin/sh' ]
	[ "$(readlink -f "$ROOT/bin/sh" | sed "s|^$ROOT||")" = /usr/bin/dash ]
}

@test "image: the Containerfile, build.sh and values.yaml agree on the paths, environment and packages" {
	local ep cf_copies bs
	ep=$(sed -n 's/^entrypoint: *//p' "$VALUES")
	[ -n "$ep" ]
	# Entrypoint: values.yaml, the Containerfile, build.sh.
	grep -qxF "ENTRYPOINT [\"$ep\", \"run\"]" "$CONTAINERFILE"
	bs() { sed -n "s/^$1=//p" "$BUILD_SH"; }
	[ "$(bs ENTRYPOINT_PATH)" = "$ep" ]
	# Files: the Containerfile's COPY destinations (the package list aside)
	# are build.sh's paths, and are what the image holds.
	cf_copies=$(awk '$1 == "COPY" && $2 != "deploy/image/packages" {print $2, $3}' "$CONTAINERFILE")
	diff -u - <(echo "$cf_copies") <<EOF
build/tenc $(bs TENC_PATH)
build/image/kubectl $(bs KUBECTL_PATH)
deploy/tenc-node.sh $ep
EOF
	for f in "$(bs TENC_PATH)" "$(bs KUBECTL_PATH)" "$ep"; do [ -x "$ROOT$f" ]; done
	# The empty dirs, mode 0700, and the environment.
	grep -qF "mkdir -p -m 0700 $(bs STATE_DIR) $(bs KEYS_DIR)" "$CONTAINERFILE"
	[ "$(bs STATE_DIR)" = "$(sed -n 's/^stateDir: *//p' "$VALUES")" ]
	[ "$(bs KEYS_DIR)" = "$(awk '/^keys:/{k=1} k && /mountDir:/{print $2; exit}' "$VALUES")" ]
	grep -qxF "ENV PATH=$(bs IMAGE_PATH)" "$CONTAINERFILE"
	grep -qxF "ENV TENC_STATE_DIR=$(bs STATE_DIR)" "$CONTAINERFILE"
	grep -q 'chmod 0755 .*/usr/local/sbin/tenc-node.sh' "$CONTAINERFILE"
	# Packages: both read deploy/image/packages, and name none of their own.
	[ "$(bs PACKAGES)" = deploy/image/packages ]
	grep -qxF 'COPY deploy/image/packages /tmp/packages' "$CONTAINERFILE"
	grep -qF "sed 's/#.*//' /tmp/packages | xargs apt-get install -y --no-install-recommends \\" "$CONTAINERFILE"
	[ "$(grep -c 'apt-get install' "$CONTAINERFILE")" = 1 ]
	grep -q -- '--include="$pkgs"' "$BUILD_SH"
	[ "$(grep -c -- '--include' "$BUILD_SH")" = 1 ]
	grep -qxF 'FROM debian:bookworm-slim' "$CONTAINERFILE"
	[ "$(bs SUITE)" = bookworm ]
}

@test "image: make image again reuses the base layer, same digest; a changed input, another" {
	local d0 key
	d0=$(cat "$IMG/digest")
	key=$(cat "$IMG/base/key")
	make_image "$T_DIR/log"
	cat "$T_DIR/log"
	grep -q "base layer $key (cached)" "$T_DIR/log"
	[ "$(cat "$IMG/digest")" = "$d0" ]
	# Another creation time is another image, on the same base.
	SOURCE_DATE_EPOCH=$(($(git -C "$REPO" log -1 --format=%ct) + 1)) make_image "$T_DIR/log2"
	grep -q "base layer $key (cached)" "$T_DIR/log2"
	[ "$(cat "$IMG/digest")" != "$d0" ]
	# Back to this tree's image.
	make_image "$T_DIR/log3"
	[ "$(cat "$IMG/digest")" = "$d0" ]
}

@test "image: a mirror mmdebstrap cannot reach fails the build, saying so" {
	# A port nothing listens on, on this machine: refused at once.
	run env TENC_IMAGE_MIRROR=http://127.0.0.1:9/debian OUT="$T_DIR/out" "$BUILD_SH"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mmdebstrap could not build the base of bookworm (is Debian's mirror reachable?"* ]]
	[ ! -e "$T_DIR/out/tenc-image.tar" ]
}
