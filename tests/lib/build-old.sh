#!/usr/bin/env bash
# build-old.sh REV DIR: tenc as it was at git revision REV, built into
# DIR/tenc (from `git archive`, in DIR/src; done once per REV), for the
# upgrade test (tests/netns/upgrade.bats). Prints nothing on success.
set -euo pipefail
rev=$1 out=$2
cd "$(dirname "$0")/../.."
[ -x "$out/tenc" ] && [ "$(cat "$out/rev" 2>/dev/null)" = "$rev" ] && exit 0
rm -rf "$out"
mkdir -p "$out/src"
git archive --format=tar "$rev" | tar -x -C "$out/src"
# Older Makefiles list libnl too, which no file included and make deps no
# longer installs: build with the libraries really used.
make -C "$out/src" -j2 PKGS="libbpf libmnl jansson libcrypto" all >"$out/build.log" 2>&1 ||
	{ tail -20 "$out/build.log" >&2; exit 1; }
cp "$out/src/build/tenc" "$out/tenc"
echo "$rev" >"$out/rev"
