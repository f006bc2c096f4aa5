# bash completion for tenc(8)                              -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0
#
# completions/tenc.bash: owns tab completion of `tenc` and of its multi-call
# links `tenc-<command>`. Installed by `make install` as
# $(BASHCOMPDIR)/tenc. Standalone: it needs no bash-completion helpers.
#
# The static tables below mirror the binary's command tree, whose truth is
# `tenc -j help`; tests/lib/docs-check.py (run by tests/netns/docs.bats)
# fails when they drift. When a command is added to the binary:
#   - add its path and long options to _tenc_cmds,
#   - add each option that takes an argument (long and short form) to
#     _tenc_optargs with what the argument completes to (the option's
#     "values" in `tenc -j help`, or "" for nothing),
#   - if its positional arguments complete to something (its "args" in
#     `tenc -j help`), add it to _tenc_args.
# Value kinds: dir, file (compgen), iface (/sys/class/net), command (the
# command tree), peer and spi (live: `tenc -j peer list` / `tenc -j key
# list`), or fixed words "a|b|c". Live values are asked of ${TENC:-tenc},
# with the -s/--state-dir given on the line, and quietly complete nothing
# when that fails.
#
# Tables are declared with -g: bash-completion's loader sources this file
# inside a function.

# Every command path tenc has -> its own long options (global ones aside).
declare -gA _tenc_cmds=(
	[enable]="--encrypt --node-ip --pod-cidr --dev --underlay-dev --mode --name"
	[disable]=""
	[key gen]=""
	[key add]="--spi"
	[key list]=""
	[key rotate]="--commit --all --finish --force --quiet-for --auto --grace --spi"
	[peer add]="--node-ip --cidr --spi --epoch"
	[peer del]=""
	[peer list]=""
	[peer sync]="--prune --strict --watch --settle"
	[subnet add]=""
	[subnet del]=""
	[status]=""
	[advertise]="--kubectl"
	[audit]="--duration --reset --format"
	[trace]="--count --peer --verdict"
	[shell]=""
	[help]=""
	[version]=""
)

# Options accepted anywhere, before or after the command.
_tenc_global_opts="--json --pretty --verbose --state-dir --wait --help"
# Options accepted only before the command (cli_parse_globals, lib/base/cli.c).
_tenc_top_opts="--version"

# Options taking an argument -> what it completes to. A key may also be
# "<command path> <option>" where one command's option differs.
declare -gA _tenc_optargs=(
	[--state-dir]=dir
	[-s]=dir
	[--wait]=""
	[--node-ip]=""
	[--pod-cidr]=""
	[--dev]=iface
	[--underlay-dev]=iface
	[--mode]="endpoint|subnet"
	[--cidr]=""
	[key add --spi]=""
	[key rotate --spi]=spi
	[--quiet-for]=""
	[--grace]=""
	[--watch]=file
	[--settle]=""
	[peer add --spi]=spi
	[--epoch]=""
	[--name]=""
	[--duration]=""
	[--format]="table|json|prometheus"
	[--count]=""
	[--peer]=peer
	[--verdict]="encrypted|plaintext|local|violation|dropped"
)

# Commands whose positional arguments complete to something.
declare -gA _tenc_args=(
	[help]=command
	[key add]=file
	[key rotate]=file
	[peer del]=peer
	[peer sync]=file
)

# _tenc_children PATH: the words that may follow command path PATH ("" for
# the top level), one per line.
_tenc_children() {
	local path=$1 k rest
	for k in "${!_tenc_cmds[@]}"; do
		if [ -z "$path" ]; then
			rest=$k
		elif [[ $k == "$path "* ]]; then
			rest=${k#"$path "}
		else
			continue
		fi
		echo "${rest%% *}"
	done | sort -u
}

# _tenc_resolve PATH WORD: the child of PATH that WORD names, as tenc
# resolves it (exact match, else a unique prefix); prints nothing if none.
_tenc_resolve() {
	local path=$1 word=$2 c hit="" n=0
	[ -n "$word" ] || return 0
	while read -r c; do
		[ -n "$c" ] || continue
		if [ "$c" = "$word" ]; then
			echo "$c"
			return 0
		fi
		if [[ $c == "$word"* ]]; then
			hit=$c
			n=$((n + 1))
		fi
	done < <(_tenc_children "$path")
	[ "$n" -eq 1 ] && echo "$hit"
	return 0
}

# _tenc_json_list LIST FIELD ARGS...: run `tenc -j ARGS` and print
# .LIST[].FIELD of its JSON, one per line; nothing on any failure.
_tenc_json_list() {
	local list=$1 field=$2 out
	shift 2
	out=$("${TENC:-tenc}" -j "$@" 2>/dev/null) || return 0
	[ -n "$out" ] || return 0
	if command -v jq >/dev/null 2>&1; then
		jq -r --arg l "$list" --arg f "$field" \
			'.[$l][]? | .[$f]? // empty' <<<"$out" 2>/dev/null
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
lst, field = sys.argv[1:3]
for x in json.loads(sys.stdin.read()).get(lst) or []:
    if isinstance(x, dict) and x.get(field) is not None:
        print(x[field])' "$list" "$field" <<<"$out" 2>/dev/null
	fi
	return 0
}

# _tenc_values KIND CUR PATH: fill COMPREPLY with the values of KIND
# matching CUR. PATH is the command path so far (for KIND "command").
# Live values use _tenc_sdir, the state dir given on the line (set by _tenc).
_tenc_values() {
	local kind=$1 cur=$2 path=${3:-} words="" sd=()
	[ -n "${_tenc_sdir:-}" ] && sd=(-s "$_tenc_sdir")
	case $kind in
	dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	iface)
		[ -d /sys/class/net ] && words=$(ls /sys/class/net 2>/dev/null)
		;;
	command)
		words=$(_tenc_children "$path")
		;;
	peer)
		words=$(_tenc_json_list peers name "${sd[@]}" peer list)
		;;
	spi)
		words=$(_tenc_json_list keys spi "${sd[@]}" key list)
		;;
	*"|"*)
		words=${kind//|/ }
		;;
	*)
		return 0
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

# _tenc_optarg PATH OPT: prints the kind OPT's argument completes to and
# returns 0 if OPT takes an argument; returns 1 if it does not.
_tenc_optarg() {
	local path=$1 opt=$2
	if [ -n "$path" ] && [ -n "${_tenc_optargs["$path $opt"]+set}" ]; then
		echo "${_tenc_optargs["$path $opt"]}"
		return 0
	fi
	if [ -n "${_tenc_optargs[$opt]+set}" ]; then
		echo "${_tenc_optargs[$opt]}"
		return 0
	fi
	return 1
}

_tenc() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local path="" w next kind base i nargs=0 argpath="" _tenc_sdir=""
	local -a words=()
	COMPREPLY=()

	# Multi-call: tenc-status ... is tenc status ...
	base=${COMP_WORDS[0]##*/}
	if [[ $base == tenc-?* ]]; then
		path=$(_tenc_resolve "" "${base#tenc-}")
		[ -n "$path" ] || return 0
	fi

	# Walk the words before the cursor: options (skipping their
	# arguments), command words (resolved by prefix), positionals.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			[[ $w == *=* ]] && continue # --opt=value in one word
			kind=$(_tenc_optarg "$path" "$w") || continue
			# "--opt = value": COMP_WORDBREAKS splits at "="
			if [ "${COMP_WORDS[i + 1]:-}" = "=" ] && [[ $w == --* ]]; then
				i=$((i + 1))
			fi
			i=$((i + 1))
			if [ "$w" = -s ] || [ "$w" = --state-dir ]; then
				[ "$i" -lt "$COMP_CWORD" ] && _tenc_sdir=${COMP_WORDS[i]}
			fi
			continue
		fi
		if [ "$nargs" -eq 0 ] && next=$(_tenc_resolve "$path" "$w") && [ -n "$next" ]; then
			path="$path${path:+ }$next"
			continue
		fi
		# A positional argument. help's arguments are a command path.
		if [ -n "$path" ] && [ "${_tenc_args[$path]:-}" = command ]; then
			next=$(_tenc_resolve "$argpath" "$w")
			argpath="$argpath${argpath:+ }${next:-?}" # "?": no such command
		fi
		nargs=$((nargs + 1))
	done

	# The argument of an option: "--opt <TAB>", "--opt=<TAB>", "--opt=x<TAB>".
	w=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$cur" = "=" ] && [[ $w == --* ]]; then
		kind=$(_tenc_optarg "$path" "$w") && _tenc_values "$kind" "" ""
		return 0
	fi
	if [ "$w" = "=" ] && [ "$COMP_CWORD" -ge 2 ] && [[ ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
		kind=$(_tenc_optarg "$path" "${COMP_WORDS[COMP_CWORD - 2]}") &&
			_tenc_values "$kind" "$cur" ""
		return 0
	fi
	if [[ $w == -* ]] && [[ $w != *=* ]] &&
		kind=$(_tenc_optarg "$path" "$w"); then
		_tenc_values "$kind" "$cur" ""
		return 0
	fi

	# Options.
	if [[ $cur == -* ]]; then
		local opts="$_tenc_global_opts"
		[ -z "$path" ] && opts="$opts $_tenc_top_opts"
		[ -n "$path" ] && opts="$opts ${_tenc_cmds[$path]}"
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi

	# Command words, then the command's arguments.
	if [ "$nargs" -eq 0 ]; then
		mapfile -t words < <(compgen -W "$(_tenc_children "$path")" -- "$cur")
	fi
	if [ -n "$path" ] && [ -n "${_tenc_args[$path]:-}" ]; then
		# help's arguments are a command path: complete its next word
		if [ "${_tenc_args[$path]}" = command ]; then
			_tenc_values command "$cur" "$argpath"
		else
			_tenc_values "${_tenc_args[$path]}" "$cur" "$path"
		fi
	fi
	COMPREPLY=("${words[@]}" "${COMPREPLY[@]}")
	return 0
}

complete -F _tenc tenc tenc-enable tenc-disable tenc-key tenc-peer tenc-subnet \
	tenc-status tenc-audit tenc-trace tenc-shell tenc-version
