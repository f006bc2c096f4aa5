#!/usr/bin/env bash
# run.sh BUILD: run every C unit test binary in BUILD/tests/unit as TAP.
# Each binary's own numbering is folded into one stream.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n=0
shopt -s nullglob
bins=("$build"/tests/unit/test_*)
for b in "${bins[@]}"; do
	[[ $b == *.d ]] && continue
	name=$(basename "$b")
	out=$("$b" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			echo "$line" | sed -E "s/^(not )?ok [0-9]+ - /\1ok $n - $name: /" ;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done <<<"$out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
		n=$((n + 1))
		echo "not ok $n - $name exited $rc"
	fi
done
echo "1..$n"
