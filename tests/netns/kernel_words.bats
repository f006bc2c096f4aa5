#!/usr/bin/env bats
# kernel_words.bats: a refusal reaches stderr in the kernel's words (its
# extended ack), for the requests outside batched writes too (dumps, GETs,
# the SPD-info calls), and a removal batch reports its first real refusal,
# not an object it found already gone. Host lane: no ESP needed.

load helpers
load topo

# nltool sits next to the tenc under test: build/ or build/asan/.
NLTOOL=${NLTOOL:-$(dirname "$TENC")/tests/tools/nltool}

test_setup() {
	need_root
}

@test "policy hash thresholds out of range: the kernel's text, nothing changed" {
	ns_add n
	run on n "$NLTOOL" hthresh 33 0
	echo "$output"
	[ "$status" -eq 1 ]
	# Linux: "Invalid hash threshold (must be <= 32 for IPv4)"; before,
	# only strerror reached the caller.
	[[ $output == "nltool: hthresh: Invalid argument: "*"threshold"* ]]
	[ "$(on n "$NLTOOL" hthresh)" = "lbits=32 rbits=32" ]
	run on n "$NLTOOL" hthresh 0 24
	[ "$status" -eq 0 ]
	[ "$(on n "$NLTOOL" hthresh)" = "lbits=0 rbits=24" ]
}

# del_refused_every_k ROUTE: `peer del node3` with its k-th kernel change
# refused, for every k until it goes through: each refusal exit 1 with its
# text, ROUTE's removal among them.
del_refused_every_k() {
	local k route=0
	for k in $(seq 1 20); do
		run env TENC_TEST_FAIL_AT=$k TENC_STATE_DIR="$T_DIR/node1" \
			ip netns exec "$(ns node1)" "$TENC" peer del node3
		echo "k=$k: $output"
		if [ "$status" -eq 0 ]; then
			[ "$route" -eq 1 ]
			return 0
		fi
		[ "$status" -eq 1 ]
		[[ $output == *"refused by TENC_TEST_FAIL_AT"* ]]
		[[ $output != *"removing route $1"* ]] || route=1
	done
	return 1
}

@test "peer del: the refusal reported is the first real one, not a route already gone" {
	topo_up 3
	enable_node 1 --encrypt
	# One route is gone before the removal: ENOENT, no failure. Either may
	# come first in the batch, so each is gone in turn; in one of the two
	# runs the other's refusal comes after the gone one's ENOENT.
	for gone in 10.1.3.0/24 10.2.3.0/24; do
		tenc_on node1 peer add node3 --node-ip 10.0.0.3 --cidr 10.1.3.0/24 --cidr 10.2.3.0/24
		on node1 ip route del "$gone" table 2005
		left=10.1.3.0/24
		[ "$gone" != "$left" ] || left=10.2.3.0/24
		del_refused_every_k "$left"
		[ -z "$(on node1 ip route show table 2005)" ]
	done
}
