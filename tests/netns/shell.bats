#!/usr/bin/env bats
# shell.bats: `tenc shell` through a real terminal (a tmux pane): the prompt,
# commands and per-line global options, tab completion, errors, Ctrl-C,
# history in the state dir, exit statuses, no state kept between commands
# (key rotate --auto stopped by Ctrl-C); and commands piped in without one.

load helpers
load topo

test_setup() {
	export TENC_STATE_DIR="$T_DIR/node"
	T_SOCK="tenc-test-$$-$BATS_TEST_NUMBER"
	T_SES=s0
}

test_teardown() {
	tmux -L "$T_SOCK" kill-server 2>/dev/null
	# tmux leaves its socket file behind.
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$T_SOCK"
}

tm() { tmux -L "$T_SOCK" "$@"; }

# pty_start [ARGS...]: run tenc ARGS in a new 120x30 terminal (a session of
# its own: keys and screen go to the newest), with the variables in $PTY_ENV
# and as $PTY_AS runs it, if set; when tenc ends the pane shows "[exit N]".
pty_start() {
	local cmd
	T_SES=s$((${T_SES#s} + 1))
	printf -v cmd '%q ' ${PTY_AS:-} env TENC_STATE_DIR="$TENC_STATE_DIR" ${PTY_ENV:-} "$TENC" "$@"
	# the sleep keeps the pane (and what tenc left on it) until teardown
	tm new-session -d -s "$T_SES" -x 120 -y 30 "$cmd; echo \"[exit \$?]\"; sleep 600"
	wait_for "tenc>"
}

# keys KEYS...: type into the pane (tmux key names: Enter, Tab, C-d).
keys() { tm send-keys -t "$T_SES" -- "$@"; }

# screen: the pane's text, wrapped lines joined, trailing blanks dropped.
screen() { tm capture-pane -t "$T_SES" -p -J | sed 's/[[:space:]]*$//'; }

# wait_for TEXT [N [S]]: until N (default 1) lines of the pane contain TEXT,
# at most S seconds (default 5); then print the pane and fail.
wait_for() {
	WAIT_S=${3:-5} wait_until "${2:-1} line(s) with '$1' on the pane" on_screen "$1" "${2:-1}" ||
		{ echo "the pane:" >&2; screen >&2; return 1; }
}
on_screen() { [ "$(screen | grep -cF -- "$1")" -ge "$2" ]; }

@test "tenc with no arguments on a terminal opens the prompt" {
	pty_start
	[ "$(screen | head -n1)" = "tenc>" ]
}

@test "a command runs and prints, then the prompt comes back" {
	pty_start
	keys version Enter
	wait_for "features:"
	wait_for "tenc>" 2
	screen | grep -qx "$("$TENC" version | head -n1)"
	screen | grep -qE '^  xfrm +(yes|no|unknown)'
}

@test "-j version prints JSON; global options last for their line only" {
	pty_start
	keys "-j version" Enter
	wait_for '{"version":'
	screen | grep '^{' | json_get "j['features']['xfrm']['result']" | grep -Eqx 'yes|no|unknown'
	keys version Enter
	wait_for "features:"
	[ "$(screen | grep -c '^{')" -eq 1 ]
}

@test "tab completes a unique prefix" {
	pty_start
	keys vers Tab
	wait_for "tenc> version"
	keys Enter
	wait_for "features:"
	keys "help sh" Tab
	wait_for "tenc> help shell"
	keys Enter
	wait_for "Usage: tenc shell"
}

@test "double tab lists the candidates of an ambiguous word" {
	pty_start
	keys "version --" Tab Tab
	wait_for "--state-dir"
	screen | grep -qE -- '^--help +--json +--pretty +--state-dir +--verbose +--wait$'
	screen | grep -qx 'tenc> version --'
	# An empty word: every command, and the shell's own exit and quit.
	pty_start
	keys Tab Tab
	wait_for "quit"
	[ "$(screen | grep -v '^tenc>' | tr -s ' ' '\n' | grep . | sort)" = \
	  "$({ "$TENC" -j help | json_get "'\\n'.join(c['command'].split()[0] for c in j['commands'])"
	      echo exit; echo quit; } | sort -u)" ]
}

@test "tab completes a path for --state-dir" {
	mkdir -p "$T_DIR/some-dir"
	pty_start
	keys "-s $T_DIR/some-d" Tab
	wait_for "tenc> -s $T_DIR/some-dir/"
}

@test "option values complete live: interfaces, literal alternatives" {
	need_root
	local iface alt
	iface=$("$TENC" -j help | json_get "next((c['command'] + ' ' + o['long']
		for c in j['commands'] for o in c['options'] if o.get('values') == 'iface'), '')")
	alt=$("$TENC" -j help | json_get "next((c['command'] + ' ' + o['long'] + ' ' + o['values']
		for c in j['commands'] for o in c['options'] if '|' in o.get('values', '')), '')")
	[ -n "$iface$alt" ] || skip "no option completes interfaces or alternatives yet"
	# In a namespace of its own, tenc sees lo and tenc-d0 in /sys/class/net.
	ns_add a b
	on a ip link add tenc-d0 type veth peer name tenc-d1 netns "$(ns b)"
	PTY_AS="ip netns exec $(ns a)" pty_start
	if [ -n "$iface" ]; then
		keys "$iface t" Tab
		wait_for "tenc> $iface tenc-d0"
		keys C-u "$iface " Tab Tab
		wait_for "tenc-d0"
		screen | grep -qE '^lo +tenc-d0$'
	fi
	if [ -n "$alt" ]; then
		pty_start
		keys "${alt% *} " Tab Tab
		wait_for "tenc> ${alt% *}" 2
		[ "$(screen | grep -v '^tenc>' | tr -s ' ' '\n' | grep . | sort)" = \
		  "$(echo "${alt##* }" | tr '|' '\n' | sort)" ]
	fi
}

@test "peer names and key SPIs complete from the state dir" {
	need_root
	"$TENC" peer add web-1 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	"$TENC" peer add db-1 --node-ip 10.0.0.3 --cidr 10.1.3.0/24
	(umask 077; echo "7+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128" >"$T_DIR/k")
	"$TENC" key add "$T_DIR/k" 2>/dev/null || true # recorded before enable
	pty_start
	keys "peer del w" Tab
	wait_for "tenc> peer del web-1"
	keys C-u "peer del " Tab Tab
	wait_for "db-1   web-1"
	if "$TENC" -j key list | grep -q '"spi": 7'; then
		keys C-u "key rotate --spi " Tab
		wait_for "tenc> key rotate --spi 7"
	fi
}

@test "an unknown command prints the error and the shell goes on" {
	pty_start
	keys frobnicate Enter
	wait_for "tenc: frobnicate: unknown command, expected one of: "
	keys 'help "vers' Enter
	wait_for "tenc: shell: unterminated quote"
	keys "help 'version'" Enter
	wait_for "Usage: tenc version"
	screen | grep -qx "tenc>"
}

@test "Ctrl-C drops the line being typed" {
	pty_start
	keys "help vers"
	wait_for "tenc> help vers"
	keys C-c
	wait_for "tenc>" 2
	keys version Enter
	wait_for "features:"
	! screen | grep -q "unknown command" || false
}

@test "key rotate --auto stopped by Ctrl-C leaves nothing behind: --commit and --auto again" {
	need_root
	# Observing only: the rotation runs through keys.json and the ipcache
	# with no SA, so no ESP is needed. node2 advertises no new key, so
	# --auto's commit waits for it until Ctrl-C.
	topo_up 1
	enable_node 1
	(umask 077; for k in 1 2 3; do "$TENC" key gen >"$T_DIR/k$k"; done)
	tenc_on node1 key add "$T_DIR/k1"
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24
	TENC_STATE_DIR=$T_DIR/node1 PTY_AS="ip netns exec $(ns node1)" pty_start
	keys "key rotate --auto $T_DIR/k2 --grace 0" Enter
	wait_for "key spi 2 pending"
	wait_for "1 peer not advertising the new key yet"
	keys C-c
	wait_for "tenc: key rotate: rotate: interrupted"
	wait_for "tenc>" 2
	# the commit prints its result, as in a process of its own
	keys "key rotate --commit" Enter
	wait_for "key spi 2 is current, spi 1 retiring; OUT still uses the old key towards (not advertising it): node2"
	keys "key rotate --finish --force" Enter
	wait_for "key spi 1 removed"
	wait_for "tenc>" 4
	# node2 advertises the next key: a second --auto runs to the end
	# (finish waits for 10 quiet seconds)
	tenc_on node1 peer add node2 --node-ip 10.0.0.2 --cidr 10.1.2.0/24 --spi 3
	keys "key rotate --auto $T_DIR/k3 --grace 0" Enter
	wait_for "key spi 3 pending"
	wait_for "rotate: every peer uses the new key"
	wait_for "key spi 2 removed" 1 30
	wait_for "tenc>" 5
	keys "exit" Enter
	wait_for "[exit 0]"
	[ "$(screen | grep -c interrupted)" -eq 1 ] # the first --auto's only
	[ "$(tenc_on node1 -j key list | json_get "[(k['spi'], k['state']) for k in j['keys']]")" = "[(3, 'current')]" ]
}

@test "history is written to the state dir, capped, and read by the next shell" {
	mkdir -p "$TENC_STATE_DIR"
	seq -f "old %g" 1005 >"$TENC_STATE_DIR/history"
	pty_start
	keys version Enter
	wait_for "features:"
	keys "help shell" Enter
	wait_for "Usage: tenc shell"
	keys exit Enter
	wait_for "[exit 0]"
	[ "$(tail -n3 "$TENC_STATE_DIR/history")" = "$(printf 'version\nhelp shell\nexit')" ]
	[ "$(wc -l <"$TENC_STATE_DIR/history")" -eq 1000 ]
	pty_start
	keys Up Up
	wait_for "tenc> help shell"
}

@test "not root: no state dir, no history file, and no error" {
	# /var/lib is root's: an unprivileged user cannot make a state dir there.
	TENC_STATE_DIR=/var/lib/tenc-test-$$-no-such-dir
	if [ "$(id -u)" = 0 ]; then
		PTY_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
	pty_start
	keys version Enter
	wait_for "features:"
	keys Up
	wait_for "tenc> version" 2
	keys C-u exit Enter
	wait_for "[exit 0]"
	! screen | grep -q "tenc: " || false
	[ ! -e "$TENC_STATE_DIR" ]
}

@test "Ctrl-D leaves with a newline and status 0" {
	pty_start
	keys C-d
	wait_for "[exit 0]"
	[ "$(screen | head -n2)" = "$(printf 'tenc>\n[exit 0]')" ]
	# A terminal without bracketed paste, where tenc ends the line.
	PTY_ENV=TERM=dumb pty_start
	keys C-d
	wait_for "[exit 0]"
	[ "$(screen | head -n2)" = "$(printf 'tenc>\n[exit 0]')" ]
}

@test "exit 3 leaves with status 3; exit keeps the last status" {
	pty_start
	keys "exit 3" Enter
	wait_for "[exit 3]"
	pty_start
	keys frobnicate Enter
	wait_for "unknown command"
	keys exit Enter
	wait_for "[exit 2]"
}

@test "commands piped into tenc shell run without a terminal" {
	run --separate-stderr "$TENC" shell <<-'EOF'
		version
		-j version
		  # a comment, then a blank line

		help 'version'
		frobnicate
		shell
		exit 3
		version
	EOF
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | grep -c '^features:')" -eq 1 ]
	echo "$output" | grep '^{' | json_get "j['features']['xfrm']['result']" | grep -Eqx 'yes|no|unknown'
	[[ $output == *"Usage: tenc version"* ]]
	[[ $output != *"tenc>"* ]]
	[[ $stderr == *"tenc: frobnicate: unknown command"* ]]
	[[ $stderr == *"tenc: shell: nested: already in the shell"* ]]
	[ "$(echo "$stderr" | grep -c '^tenc: ')" -eq 2 ] # none for the comment
	run "$TENC" shell <<<"frobnicate"
	[ "$status" -eq 2 ]
}
