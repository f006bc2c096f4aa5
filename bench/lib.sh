# shellcheck shell=bash
# bench/lib.sh - helpers the benchmark scripts share (sourced, not run):
# the synthetic peer set and small number formatting.
#
# Peer i (1..): name p<i>, node ip 10.0.0.1 + i, pod cidr
# 10.<128 + i/256>.<i%256>.0/24 (peer sync numbers them in order).

# gen_peers FROM TO: a `tenc -j peer list` document for peers FROM..TO.
gen_peers() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		printf "{\"peers\": ["
		for (i = a; i <= b; i++) {
			o = i + 1
			printf "%s\n{\"name\": \"p%d\", \"node_ip\": \"10.0.%d.%d\", \"cidrs\": [\"10.%d.%d.0/24\"]}",
				(i > a ? "," : ""), i, int(o / 256), o % 256, 128 + int(i / 256), i % 256
		}
		print "]}"
	}'
}

# median V...: the middle value (the mean of the two middle ones for an
# even count).
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with three decimals (0 when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b > 0 ? a / b : 0 }'; }

# ms S: seconds as milliseconds, one decimal.
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
