#!/usr/bin/env bats
# cli.bats: the command-line contract: prefixes, ambiguity, exit codes,
# JSON errors, global options, multi-call links, version probes.

load helpers

@test "help lists the commands and exits 0" {
	run "$TENC" help
	[ "$status" -eq 0 ]
	[[ $output == *"Commands:"* ]]
	[[ $output == *"version"* ]]
}

@test "--help and -h print usage on stdout, exit 0" {
	run "$TENC" --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:* ]]
	run "$TENC" version -h
	[ "$status" -eq 0 ]
	[[ $output == "Usage: tenc version"* ]]
}

@test "a unique prefix selects the command" {
	run "$TENC" vers
	[ "$status" -eq 0 ]
	[[ $output == tenc* ]]
}

@test "an ambiguous prefix is refused with the candidates, exit 2" {
	# the first letter shared by two top-level commands (status, shell)
	local first
	first=$("$TENC" -j help | python3 -c '
import json,sys,collections
names={c["command"].split()[0] for c in json.load(sys.stdin)["commands"]}
c=collections.Counter(n[0] for n in names)
print(sorted(k for k,v in c.items() if v>1)[0])')
	run "$TENC" "$first"
	[ "$status" -eq 2 ]
	[[ $output == *"ambiguous command, could be: "*", "* ]]
	# a prefix inside a group is matched within the group
	run "$TENC" pe l -j
	[ "$status" -eq 0 ]
	echo "$output" | json_get "j['peers']"
}

@test "an unknown command exits 2 and names it" {
	run "$TENC" frobnicate
	[ "$status" -eq 2 ]
	[[ $output == "tenc: frobnicate: unknown command"* ]]
}

@test "in JSON mode an error is also {\"error\": ...} on stdout" {
	run --separate-stderr "$TENC" -j frobnicate
	[ "$status" -eq 2 ]
	[ "$(echo "$output" | json_get "j['error']")" = "frobnicate: unknown command, expected one of: $(echo "$stderr" | sed 's/.*expected one of: //')" ]
	[[ $stderr == "tenc: frobnicate: unknown command"* ]]
}

@test "unknown option exits 2; option missing its argument exits 2" {
	run "$TENC" --frob version
	[ "$status" -eq 2 ]
	run "$TENC" version --frob
	[ "$status" -eq 2 ]
	[[ $output == *"unknown or ambiguous option '--frob'"* ]]
	run "$TENC" -s
	[ "$status" -eq 2 ]
	[[ $output == *"needs an argument"* ]]
	run "$TENC" --wait nope version
	[ "$status" -eq 2 ]
	[[ $output == *"bad value 'nope' for --wait"* ]]
	run "$TENC" version --wait=-1
	[ "$status" -eq 2 ]
	[[ $output == *"bad value '-1' for --wait"* ]]
	run "$TENC" version --wait 86401
	[ "$status" -eq 2 ]
}

@test "no command and stdin not a terminal: usage on stderr, exit 2" {
	run "$TENC" </dev/null
	[ "$status" -eq 2 ]
	[[ $output == Usage:* ]]
}

@test "-V and version agree; -j version is JSON with every probe" {
	run "$TENC" -V
	[ "$status" -eq 0 ]
	v1=$(echo "$output" | head -n1)
	run "$TENC" -j version
	[ "$status" -eq 0 ]
	[ "tenc $(echo "$output" | json_get "j['version']")" = "$v1" ]
	for f in bpf_tc btf xfrm esp aes_gcm ktls; do
		echo "$output" | json_get "j['features']['$f']['result']" | grep -Eq '^(yes|no|unknown)$'
	done
	echo "$output" | json_get "j['libbpf']" | grep -Eq '^[0-9]+\.[0-9]+$'
}

@test "global options work after the command too" {
	run "$TENC" version -j
	[ "$status" -eq 0 ]
	echo "$output" | json_get "j['kernel']" >/dev/null
	run "$TENC" version -p
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | head -n1)" = "{" ]
}

@test "multi-call: a link named tenc-version runs tenc version" {
	ln -s "$TENC" "$T_DIR/tenc-version"
	run "$T_DIR/tenc-version" -j
	[ "$status" -eq 0 ]
	echo "$output" | json_get "j['features']['xfrm']['result']"
}

@test "version's ESP probe agrees with what iproute2 can do on this kernel" {
	need_root
	local expect=no
	if unshare -n ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 \
		mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 2>/dev/null; then
		expect=yes
	fi
	run "$TENC" -j version
	[ "$(echo "$output" | json_get "j['features']['esp']['result']")" = "$expect" ]
	[ "$(echo "$output" | json_get "j['features']['aes_gcm']['result']")" = "$expect" ]
	if [ "${TENC_TEST_LANE:-host}" = vm ]; then
		[ "$expect" = yes ]
		[ "$(echo "$output" | json_get "j['features']['ktls']['result']")" = yes ]
	fi
}

@test "the version probe leaves no xfrm state behind" {
	need_root
	ns_add a
	before=$(on a ip xfrm state; ip xfrm state)
	on a "$TENC" version >/dev/null
	[ "$(on a ip xfrm state; ip xfrm state)" = "$before" ]
}
