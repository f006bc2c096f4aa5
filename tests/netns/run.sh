#!/usr/bin/env bash
# run.sh [BATS-ARGS]: the netns lane: tests/netns/*.bats on this kernel, as TAP.
# TENC names the binary under test (default build/tenc).
set -uo pipefail
cd "$(dirname "$0")/../.."
export TENC=${TENC:-$PWD/build/tenc}
export TENC_TEST_LANE=${TENC_TEST_LANE:-host}
[ $# -eq 0 ] && set -- tests/netns
exec bats --tap "$@"
