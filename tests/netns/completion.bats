#!/usr/bin/env bats
# completion.bats: completions/tenc.bash, driven the way bash drives it:
# each test sources it in a fresh bash, sets COMP_WORDS/COMP_CWORD/
# COMP_LINE/COMP_POINT, calls _tenc and reads COMPREPLY. TENC points the
# completion's live-value helpers at the binary under test (or a fake).
# That its tables match the binary is docs.bats's job; here, that they are
# used right: prefixes, options anywhere, option arguments, multi-call links,
# live values that fail quietly.

load helpers

COMP=$REPO/completions/tenc.bash

# comp WORD...: complete the last WORD (may be "") of the command line
# WORD...; prints COMPREPLY, one per line. "=" is a word of its own, as
# bash's COMP_WORDBREAKS makes it: comp tenc --state-dir = /tm
comp() {
	bash --norc --noprofile -c '
		source "$1" || exit 9
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_tenc || exit 8
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' comp "$COMP" "$@"
}

# values KIND [CUR]: what a value kind completes to, as _tenc_values gives it.
values() {
	bash --norc --noprofile -c '
		source "$1" || exit 9
		_tenc_values "$2" "${3:-}" "" || exit 8
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' values "$COMP" "$@"
}

# has WORD: the last `run` output has WORD as one of its lines.
has() { printf '%s\n' "$output" | grep -qxF -- "$1"; }

# fake_tenc: a stand-in binary that answers `-j peer list` and `-j key list`
# and records its arguments in $T_DIR/fake.args.
fake_tenc() {
	cat >"$T_DIR/fake-tenc" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$T_DIR/fake.args"
		case "\$*" in
		*"peer list") echo '{"peers":[{"name":"node-b","id":1},{"name":"node-c","id":2}]}' ;;
		*"key list") echo '{"keys":[{"spi":3,"key":"(hidden)"},{"spi":4,"key":"(hidden)"}]}' ;;
		*) echo "tenc: nope" >&2; exit 2 ;;
		esac
	EOF
	chmod +x "$T_DIR/fake-tenc"
}

@test "the completion parses (bash -n), sources quietly, and registers tenc and the links" {
	run bash -n "$COMP"
	[ "$status" -eq 0 ]
	run bash --norc --noprofile -c 'source "$1" && complete -p tenc tenc-status tenc-version tenc-shell' x "$COMP"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "complete -F _tenc tenc" ]
	[ "${lines[1]}" = "complete -F _tenc tenc-status" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "tenc ver<TAB> completes version" {
	run comp tenc ver
	[ "$status" -eq 0 ]
	[ "$output" = version ]
}

@test "tenc <TAB> offers exactly the binary's top-level commands" {
	local want
	want=$("$TENC" -j help | json_get "'\n'.join(sorted({c['command'].split()[0] for c in j['commands']}))")
	run comp tenc ""
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort)" = "$want" ]
}

@test "every command of the binary completes, and so do its options" {
	local cmd opt words n
	while IFS=$'\t' read -r cmd opts; do
		read -ra words <<<"$cmd"
		n=${#words[@]}
		# the last word, from the words before it
		run comp tenc "${words[@]:0:n-1}" ""
		has "${words[n - 1]}" || { echo "tenc ${cmd% *} <TAB>: no ${words[n - 1]}"; false; }
		for opt in $opts; do
			run comp tenc "${words[@]}" --
			has "$opt" || { echo "tenc $cmd --<TAB>: no $opt"; false; }
		done
	done < <("$TENC" -j help | python3 -c '
import json, sys
for c in json.load(sys.stdin)["commands"]:
    print(c["command"] + "\t" + " ".join(o["long"] for o in c["options"]))')
}

@test "tenc version --j<TAB> completes --json; a prefix of the command works too" {
	run comp tenc version --j
	[ "$output" = --json ]
	run comp tenc vers --p
	[ "$output" = --pretty ]
}

@test "options: global ones everywhere, --version only before the command" {
	run comp tenc -
	has --json
	has --state-dir
	has --version
	run comp tenc version -
	has --json
	has --wait
	! has --version || false
}

@test "tenc -s <TAB> and --state-dir=<TAB> complete directories only" {
	mkdir "$T_DIR/d1" "$T_DIR/d2"
	touch "$T_DIR/f1"
	run comp tenc -s "$T_DIR/"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf '%s\n' "$T_DIR/d1" "$T_DIR/d2")" ]
	run comp tenc --state-dir = "$T_DIR/d"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf '%s\n' "$T_DIR/d1" "$T_DIR/d2")" ]
	run comp tenc version --state-dir "$T_DIR/f"
	[ -z "$output" ]
}

@test "an option's argument is not taken for a command word" {
	run comp tenc --wait 5 ver
	[ "$output" = version ]
	run comp tenc -s /tmp he
	[ "$output" = help ]
	run comp tenc --wait ""
	[ -z "$output" ]
}

@test "tenc-version -<TAB> includes --json (multi-call link), by any path" {
	run comp tenc-version -
	has --json
	! has --version || false
	run comp /usr/sbin/tenc-version --p
	[ "$output" = --pretty ]
	run comp tenc-version ""
	[ -z "$output" ]
}

@test "help's arguments complete to command words, level by level" {
	run comp tenc help ver
	[ "$output" = version ]
	run comp tenc help ""
	has version
	has help
	run comp tenc help version ""
	[ -z "$output" ]
	run comp tenc help frobnicate ""
	[ -z "$output" ]
}

@test "an unknown command completes nothing" {
	run comp tenc frobnicate ""
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "live values fail quietly: a binary that errors, or an empty state dir" {
	fake_tenc
	printf '#!/bin/sh\necho "tenc: broken" >&2\necho "{not json"\nexit 1\n' >"$T_DIR/bad-tenc"
	chmod +x "$T_DIR/bad-tenc"
	for kind in peer spi; do
		TENC=$T_DIR/bad-tenc run --separate-stderr values "$kind"
		[ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
		TENC=$T_DIR/nonexistent run --separate-stderr values "$kind"
		[ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
		TENC_STATE_DIR=$T_DIR/empty run --separate-stderr values "$kind"
		[ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
	done
}

@test "live values: peer names and SPIs from tenc -j, with the line's state dir" {
	fake_tenc
	TENC=$T_DIR/fake-tenc run values peer node-
	[ "$output" = "$(printf 'node-b\nnode-c')" ]
	TENC=$T_DIR/fake-tenc run values spi
	[ "$output" = "$(printf '3\n4')" ]
	# through _tenc: a command whose arguments are peers, -s on the line
	rm -f "$T_DIR/fake.args"
	TENC=$T_DIR/fake-tenc run bash --norc --noprofile -c '
		source "$1"
		_tenc_args[version]=peer # a stand-in for a command taking peers
		COMP_WORDS=(tenc -s "$2/n1" version node-c)
		COMP_CWORD=4
		_tenc
		printf "%s\n" "${COMPREPLY[@]}"' x "$COMP" "$T_DIR"
	[ "$output" = node-c ]
	[ "$(cat "$T_DIR/fake.args")" = "-j -s $T_DIR/n1 peer list" ]
}

@test "live values without jq: the python3 fallback gives the same" {
	command -v python3 >/dev/null || skip "no python3"
	fake_tenc
	# "command -v jq" fails: the helpers take the python3 path
	TENC=$T_DIR/fake-tenc run bash --norc --noprofile -c '
		source "$1"
		command() { [ "$1 $2" = "-v jq" ] && return 1; builtin command "$@"; }
		_tenc_values peer ""; printf "%s\n" "${COMPREPLY[@]}"
		_tenc_values spi ""; printf "%s\n" "${COMPREPLY[@]}"' x "$COMP"
	[ "$output" = "$(printf 'node-b\nnode-c\n3\n4')" ]
}

@test "value kinds: interfaces from /sys/class/net, fixed words, files" {
	run values iface l
	has lo
	run values "endpoint|subnet" s
	[ "$output" = subnet ]
	touch "$T_DIR/some.key"
	run values file "$T_DIR/some"
	[ "$output" = "$T_DIR/some.key" ]
}
