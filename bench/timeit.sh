#!/usr/bin/env bash
# bench/timeit.sh - `timeit.sh LOG CMD...`: runs CMD once (inside whatever
# namespace it is started in) with its output in LOG; prints the seconds it
# took, then its user and system CPU seconds (`times`: this shell's
# children). Exits with CMD's status. Used by bench/vmlib.sh's `timed`.
log=$1
shift
rc=0
# `times` in this shell (not a subshell), before and after: CMD's share.
times >"$log.t0"
t0=$EPOCHREALTIME
"$@" >"$log" 2>&1 || rc=$?
t1=$EPOCHREALTIME
times >"$log.t1"
awk -v a="$t0" -v b="$t1" 'FNR == 2 {
	for (i = 1; i <= 2; i++) { split($i, y, /[ms]/); c[i] += (FILENAME ~ /t1$/ ? 1 : -1) * (y[1] * 60 + y[2]) }
} END { printf "%.6f %.3f %.3f\n", b - a, c[1], c[2] }' "$log.t0" "$log.t1"
exit "$rc"
