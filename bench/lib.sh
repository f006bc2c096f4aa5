# shellcheck shell=bash
# bench/lib.sh - helpers the benchmark scripts share (sourced, not run):
# the synthetic peer set (as tenc's peer list, as kubectl's node list, as
# kubectl's watch events) and small number formatting.
#
# Peer i (1..): name p<i>, node ip 10.0.0.1 + i, pod cidr
# 10.<128 + i/256>.<i%256>.0/24 (peer sync numbers them in order), and
# for the dual-stack runs node ip fd00::<1 + i in hex>, pod cidr
# fd01:<i in hex>::/64 as well; in
# kubectl's forms also the annotation tenc.io/epoch <V as 8 hex><i as 8
# hex>, and node 0 is the local node (10.0.0.1, 10.1.0.0/24).

# gen_peers FROM TO [dual]: a `tenc -j peer list` document for peers
# FROM..TO; with dual, each peer has an IPv6 half too: node ip
# fd00::<1 + i in hex>, pod cidr fd01:<i in hex>::/64.
gen_peers() {
	awk -v a="$1" -v b="$2" -v dual="${3:-}" 'BEGIN {
		printf "{\"peers\": ["
		for (i = a; i <= b; i++) {
			o = i + 1
			printf "%s\n{\"name\": \"p%d\", \"node_ip\": \"10.0.%d.%d\", \"cidrs\": [\"10.%d.%d.0/24\"]",
				(i > a ? "," : ""), i, int(o / 256), o % 256, 128 + int(i / 256), i % 256
			if (dual != "")
				printf ", \"node_ip6\": \"fd00::%x\", \"cidrs6\": [\"fd01:%x::/64\"]", o, i
			printf "}"
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'; }

# ms S: seconds as milliseconds, one decimal.
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }

# kube_nodes MODE FROM TO [V] [TYPE] [NODE V2]: Node objects for nodes
# FROM..TO (epoch version V, default 1; node NODE's V2) exactly as kubectl prints them (Go's
# MarshalIndent, 4 spaces): MODE list is `kubectl get nodes -o json` (one
# List), MODE watch is `kubectl get nodes -o json --watch
# --output-watch-events` (one {"type": TYPE (ADDED), "object": Node} per
# node, one after the other).
kube_nodes() {
	awk -v mode="$1" -v a="$2" -v b="$3" -v v="${4:-1}" -v type="${5:-ADDED}" \
		-v x="${6:--1}" -v xv="${7:-1}" '
	function node(i, p,   o, ip, cidr) {
		o = i + 1
		ip = sprintf("10.0.%d.%d", int(o / 256), o % 256)
		cidr = i ? sprintf("10.%d.%d.0/24", 128 + int(i / 256), i % 256) : "10.1.0.0/24"
		printf "{\n"
		printf "%s    \"apiVersion\": \"v1\",\n", p
		printf "%s    \"kind\": \"Node\",\n", p
		printf "%s    \"metadata\": {\n", p
		printf "%s        \"annotations\": {\n", p
		printf "%s            \"node.alpha.kubernetes.io/ttl\": \"0\",\n", p
		printf "%s            \"tenc.io/epoch\": \"%08x%08x\"\n", p, i == x ? xv : v, i
		printf "%s        },\n", p
		printf "%s        \"creationTimestamp\": \"2026-12-01T00:00:00Z\",\n", p
		printf "%s        \"labels\": {\n", p
		printf "%s            \"kubernetes.io/hostname\": \"p%d\",\n", p, i
		printf "%s            \"kubernetes.io/os\": \"linux\"\n", p
		printf "%s        },\n", p
		printf "%s        \"name\": \"p%d\",\n", p, i
		printf "%s        \"resourceVersion\": \"%d\",\n", p, 1000 * v + i
		printf "%s        \"uid\": \"00000000-0000-4000-8000-%012d\"\n", p, i
		printf "%s    },\n", p
		printf "%s    \"spec\": {\n", p
		printf "%s        \"podCIDR\": \"%s\",\n", p, cidr
		printf "%s        \"podCIDRs\": [\n", p
		printf "%s            \"%s\"\n", p, cidr
		printf "%s        ]\n", p
		printf "%s    },\n", p
		printf "%s    \"status\": {\n", p
		printf "%s        \"addresses\": [\n", p
		printf "%s            {\n%s                \"address\": \"%s\",\n", p, p, ip
		printf "%s                \"type\": \"InternalIP\"\n%s            },\n", p, p
		printf "%s            {\n%s                \"address\": \"p%d\",\n", p, p, i
		printf "%s                \"type\": \"Hostname\"\n%s            }\n", p, p
		printf "%s        ]\n", p
		printf "%s    }\n", p
		printf "%s}", p
	}
	BEGIN {
		if (mode == "list")
			printf "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"
		for (i = a; i <= b; i++) {
			if (mode == "list") {
				printf "        "
				node(i, "        ")
				print (i < b ? "," : "")
				continue
			}
			printf "{\n    \"type\": \"%s\",\n    \"object\": ", type
			node(i, "    ")
			print "\n}"
		}
		if (mode == "list")
			printf "    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
	}'
}
