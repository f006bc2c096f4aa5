#!/usr/bin/env bats
# docs.bats: the documentation is in sync with the binary (bpftool has a
# test like it). The binary's truth is `tenc -j help`: its commands with
# their options, and the global options. tests/lib/docs-check.py compares
# it with the manual pages (man/) and the bash completion
# (completions/tenc.bash), and fails naming what is missing where.
#
# The conventions it enforces (its header has the details):
#   - Pages: a group's subcommands ("peer add") are documented on the
#     group's page man/tenc-<group>.8, which must exist; a one-word command
#     ("status") on man/tenc.8, or on man/tenc-<command>.8 if that exists.
#   - Each command is a .SS heading in its page's ".SH COMMANDS" section,
#     starting with the bold span naming it, then its synopsis:
#         .SS "\fBtenc peer add\fR \fINAME\fR \fB\-\-node\-ip\fR \fIIP\fR"
#     tenc.8's COMMANDS also lists each group with subcommands:
#         .SS "\fBtenc peer\fR \fIsubcommand\fR"
#     and no other .SS heading is allowed in COMMANDS.
#   - A command's options are .TP items in its .SS block, the tag line
#     naming the long option and its short form if it has one:
#         .TP
#         .BR \-n ", " \-\-name " \fINAME\fR"
#   - The global options are .TP items in tenc.8's ".SH OPTIONS".
#   - tenc.8's SEE ALSO names each group page, .BR tenc\-<group> (8), and no
#     page names a tenc-<x>(8) that does not exist.
#   - The completion's tables: _tenc_cmds[<path>]="<long options>",
#     _tenc_global_opts, _tenc_top_opts, _tenc_optargs[<option>]=<values>
#     for every option taking an argument, _tenc_args[<path>]=<args>.
# Each way of failing has a self-check: a broken copy must be caught.

load helpers

CHECK=$REPO/tests/lib/docs-check.py
MAN=$REPO/man
COMP=$REPO/completions/tenc.bash

test_setup() {
	"$TENC" -j help >"$T_DIR/help.json"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))["commands"][0]' "$T_DIR/help.json"
}

# check [--only CHECK] [HELP_JSON MAN_DIR COMPLETION]: run the checker,
# by default on the real files.
check() {
	local only=()
	if [ "${1:-}" = --only ]; then
		only=(--only "$2")
		shift 2
	fi
	[ $# -gt 0 ] || set -- "$T_DIR/help.json" "$MAN" "$COMP"
	run python3 "$CHECK" "${only[@]}" "$@"
	echo "$output" # shown when the test fails
}

# broken_copy: copies of the man pages and the completion to break.
broken_copy() {
	cp -r "$MAN" "$T_DIR/man"
	cp "$COMP" "$T_DIR/tenc.bash"
}

# first_command: a command path the binary has.
first_command() {
	json_get "j['commands'][0]['command']" <"$T_DIR/help.json"
}

@test "every command is documented in the man pages" {
	check --only man-commands
	[ "$status" -eq 0 ]
}

@test "every option is documented in the man pages" {
	check --only man-options
	[ "$status" -eq 0 ]
}

@test "every command and option is in the bash completion" {
	check --only completion
	[ "$status" -eq 0 ]
}

@test "the man pages and the completion document nothing tenc lacks" {
	check --only extra
	[ "$status" -eq 0 ]
}

@test "the options the checker allows beyond the dump (-V, --version) do exist" {
	local lng short v
	v=$("$TENC" version | head -n1)
	while read -r lng short; do
		run "$TENC" "$lng"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | head -n1)" = "$v" ]
		run "$TENC" "$short"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | head -n1)" = "$v" ]
	done < <(python3 "$CHECK" --top-only)
}

@test "the man pages render without warnings (mandoc -T lint, groff -ww)" {
	local f
	command -v mandoc >/dev/null || command -v groff >/dev/null || skip "neither mandoc nor groff"
	for f in "$MAN"/*.8; do
		if command -v mandoc >/dev/null; then
			run mandoc -T lint "$f"
			echo "$output"
			[ "$status" -eq 0 ] && [ -z "$output" ]
		fi
		if command -v groff >/dev/null; then
			run groff -man -Tutf8 -ww -z "$f"
			echo "$output"
			[ "$status" -eq 0 ] && [ -z "$output" ]
		fi
	done
}

# --- self-checks: each way of failing is caught ---

@test "self-check: a command missing from the man page is caught" {
	local c
	c=$(first_command)
	broken_copy
	grep -q "^\.SS \"\\\\fBtenc $c\\\\fR" "$T_DIR/man/tenc.8"
	sed -i "/^\.SS \"\\\\fBtenc $c\\\\fR/d" "$T_DIR/man/tenc.8"
	check --only man-commands "$T_DIR/help.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"$T_DIR/man/tenc.8: command \"$c\" is not documented"* ]]
}

@test "self-check: a global option missing from OPTIONS is caught" {
	broken_copy
	grep -q '^\.BI \\-\\-wait ' "$T_DIR/man/tenc.8"
	sed -i 's/^\.BI \\-\\-wait /.BI \\-\\-wiat /' "$T_DIR/man/tenc.8"
	check --only man-options "$T_DIR/help.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"$T_DIR/man/tenc.8: global option --wait is not documented"* ]]
	# and, the other way round, the misspelt one
	check --only extra "$T_DIR/help.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"documents global option --wiat, which tenc does not have"* ]]
}

@test "self-check: a command missing from the completion is caught" {
	local c
	c=$(first_command)
	broken_copy
	grep -q "^	\[$c\]=" "$T_DIR/tenc.bash"
	sed -i "/^	\[$c\]=/d" "$T_DIR/tenc.bash"
	check --only completion "$T_DIR/help.json" "$MAN" "$T_DIR/tenc.bash"
	[ "$status" -eq 1 ]
	[[ $output == *"$T_DIR/tenc.bash: command \"$c\" is missing from _tenc_cmds"* ]]
}

@test "self-check: a global option missing from the completion is caught" {
	broken_copy
	sed -i 's/^\(_tenc_global_opts=".*\)--state-dir /\1/' "$T_DIR/tenc.bash"
	sed -i '/^	\[-s\]=dir$/d' "$T_DIR/tenc.bash"
	check --only completion "$T_DIR/help.json" "$MAN" "$T_DIR/tenc.bash"
	[ "$status" -eq 1 ]
	[[ $output == *"global option --state-dir is missing from _tenc_global_opts"* ]]
	[[ $output == *"global option -s takes an argument (DIR) but is not in _tenc_optargs"* ]]
}

@test "self-check: a new command and option in the binary, undocumented, are caught" {
	local c
	c=$(first_command)
	python3 - "$T_DIR/help.json" "$c" >"$T_DIR/new.json" <<-'EOF'
		import json, sys
		j = json.load(open(sys.argv[1]))
		j["commands"].append({"command": "frobnicate", "synopsis": "", "summary": "",
		                      "options": []})
		j["commands"].append({"command": "zap now", "synopsis": "", "summary": "",
		                      "options": []})
		for x in j["commands"]:
		    if x["command"] == sys.argv[2]:
		        x["options"].append({"long": "--level", "short": "-L", "arg": "N"})
		print(json.dumps(j))
	EOF
	check "$T_DIR/new.json" "$MAN" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"$MAN/tenc.8: command \"frobnicate\" is not documented"* ]]
	[[ $output == *"option --level of \"$c\" is not documented"* ]]
	[[ $output == *"$COMP: command \"frobnicate\" is missing from _tenc_cmds"* ]]
	[[ $output == *"$COMP: option --level of \"$c\" is missing from _tenc_cmds[$c]"* ]]
	[[ $output == *"option -L of \"$c\" takes an argument (N) but is not in _tenc_optargs"* ]]
	[[ $output == *"$MAN/tenc-zap.8: command \"zap now\" is not documented: this page of its group does not exist"* ]]
	[[ $output == *"$MAN/tenc.8: command group \"zap\" is not listed in COMMANDS"* ]]
	[[ $output == *"$COMP: command \"zap now\" is missing from _tenc_cmds"* ]]
}

@test "self-check: a group page is read: its commands, options, SEE ALSO entry" {
	broken_copy
	python3 - "$T_DIR/help.json" >"$T_DIR/new.json" <<-'EOF'
		import json, sys
		j = json.load(open(sys.argv[1]))
		j["commands"] += [
		    {"command": "zap now", "synopsis": "", "summary": "", "options": [
		        {"long": "--hard", "short": "-H"}, {"long": "--soft"}]},
		    {"command": "zap later", "synopsis": "", "summary": "", "options": []}]
		print(json.dumps(j))
	EOF
	cat >"$T_DIR/man/tenc-zap.8" <<-'EOF'
		.TH TENC\-ZAP 8
		.SH NAME
		tenc\-zap \- zaps
		.SH COMMANDS
		.SS "\fBtenc zap now\fR"
		Now.
		.TP
		.B \-\-hard
		Hard, but without its -H.
		.TP
		.B \-\-gentle
		Gentle.
	EOF
	check "$T_DIR/new.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"$T_DIR/man/tenc-zap.8: command \"zap later\" is not documented"* ]]
	[[ $output == *"$T_DIR/man/tenc-zap.8:5: option --soft of \"zap now\" is not documented"* ]]
	[[ $output == *"$T_DIR/man/tenc-zap.8:8: option --hard of \"zap now\" is documented without its short form -H"* ]]
	[[ $output == *"$T_DIR/man/tenc-zap.8:11: documents option --gentle of \"zap now\", which tenc does not have"* ]]
	[[ $output == *"SEE ALSO does not name the group page tenc-zap.8"* ]]
	[[ $output == *"$T_DIR/man/tenc.8: command group \"zap\" is not listed in COMMANDS"* ]]
	[[ $output != *"tenc-zap.8: page for command group"* ]]
}

@test "self-check: commands and options tenc lacks, documented or completed, are caught" {
	local c
	c=$(first_command)
	broken_copy
	# a command and, under the first command, an option that do not exist
	python3 - "$T_DIR/man/tenc.8" "$c" <<-'EOF'
		import sys
		path, c = sys.argv[1:]
		s = open(path).read()
		head = '.SS "\\fBtenc %s\\fR' % c
		i = s.index(head)
		i = s.index("\n", i) + 1
		s = s[:i] + ".TP\n.B \\-\\-frob\nFrobs.\n" + s[i:]
		s = s.replace(".SH OPTIONS\n", '.SS "\\fBtenc frobnicate\\fR"\nFrobnicates.\n.SH OPTIONS\n', 1)
		open(path, "w").write(s)
	EOF
	sed -i 's/^declare -gA _tenc_cmds=($/&\n\t[frobnicate]=""/' "$T_DIR/tenc.bash"
	check --only extra "$T_DIR/help.json" "$T_DIR/man" "$T_DIR/tenc.bash"
	[ "$status" -eq 1 ]
	[[ $output == *"documents command \"frobnicate\", which tenc does not have"* ]]
	[[ $output == *"documents option --frob of \"$c\", which tenc does not have"* ]]
	[[ $output == *"$T_DIR/tenc.bash: _tenc_cmds has command \"frobnicate\", which tenc does not have"* ]]
}

@test "self-check: a heading that breaks the convention, and a dangling page reference, are caught" {
	broken_copy
	sed -i 's/^\.SH OPTIONS$/.SS "Some other heading"\n&/' "$T_DIR/man/tenc.8"
	echo '.BR tenc\-nosuch (8)' >>"$T_DIR/man/tenc.8"
	check "$T_DIR/help.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *'COMMANDS heading does not start with a bold "tenc <command>": .SS Some other heading'* ]]
	[[ $output == *"names tenc-nosuch(8), but there is no $T_DIR/man/tenc-nosuch.8"* ]]
}

@test "self-check: a group page not named in SEE ALSO, for a group tenc lacks, is caught" {
	broken_copy
	printf '.TH TENC\\-ZAP 8\n.SH NAME\ntenc-zap \\- zaps\n.SH COMMANDS\n' >"$T_DIR/man/tenc-zap.8"
	check "$T_DIR/help.json" "$T_DIR/man" "$COMP"
	[ "$status" -eq 1 ]
	[[ $output == *"$T_DIR/man/tenc-zap.8: page for command group \"zap\", which tenc does not have"* ]]
	[[ $output == *"SEE ALSO does not name the group page tenc-zap.8"* ]]
}
