#!/usr/bin/env bash
# run.sh: the fuzz lane. Builds the libFuzzer targets (make fuzz-build,
# into build/fuzz/) and runs each once over its checked-in seed corpus
# (tests/fuzz/corpus/<name>/), as TAP: "ok N - fuzz_<name>: K seeds", or
# "not ok" with the crash or sanitizer report. Exit 1 on any failure.
# No fuzzing happens here: that is `make fuzz` (tests/fuzz/README.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
targets=(keyline addr peers_json config_json keys_json nodelist watch)
n=0 bad=0

if ! out=$(make --no-print-directory fuzz-build 2>&1); then
	echo "not ok 1 - make fuzz-build"
	sed 's/^/# /' <<<"$out"
	echo "1..1"
	exit 1
fi
for t in "${targets[@]}"; do
	n=$((n + 1))
	bin=build/fuzz/fuzz_$t
	shopt -s nullglob
	seeds=(tests/fuzz/corpus/"$t"/*)
	shopt -u nullglob
	if [ ${#seeds[@]} -eq 0 ]; then
		echo "not ok $n - fuzz_$t: no seeds in tests/fuzz/corpus/$t"
		bad=1
		continue
	fi
	# Each file run once (libFuzzer's "run these inputs" mode); leaks,
	# ASan and UBSan reports and violated invariants all exit non-zero.
	out=$(ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="${TMPDIR:-/tmp}/fuzz_$t-" "${seeds[@]}" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && ! grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|INVARIANT VIOLATED' <<<"$out"; then
		echo "ok $n - fuzz_$t: ${#seeds[@]} seeds"
	else
		echo "not ok $n - fuzz_$t: ${#seeds[@]} seeds, exit $rc"
		grep -vE '^(Running: |Executed )' <<<"$out" | sed 's/^/# /'
		bad=1
	fi
done
echo "1..$n"
exit $bad
