#!/usr/bin/env bash
# tally.sh LANE: read TAP on stdin, echo it, then print the lane's tally
# "LANE: N passed, N failed, N skipped". Exit 1 if anything failed or no
# test ran at all (a lane that ran nothing has proven nothing).
lane=$1
awk -v lane="$lane" '
	{ print; fflush() }
	/^ok / { if ($0 ~ /# [Ss][Kk][Ii][Pp]/) s++; else p++ }
	/^not ok / { if ($0 ~ /# TODO/) s++; else f++ }
	END {
		printf "%s: %d passed, %d failed, %d skipped\n", lane, p, f, s
		exit (f > 0 || p + f == 0) ? 1 : 0
	}'
