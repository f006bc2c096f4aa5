# wait.bash: commands in the background, and waiting for readiness, never
# a bare sleep (as wireguard's netns.sh waits for iperf3). Needs ns and on
# (helpers.bash, or examples/demo.sh's own); sourced by helpers.bash and
# topo.bash.

# bg_on NODE CMD...: CMD in namespace NODE in the background. $! is CMD's
# own pid (exec: ip netns exec execs it too), so signals reach it, ss shows
# it, and wait gives its status; fd 3 is closed, or bats would wait for it.
# Redirections given to bg_on apply to CMD. teardown ends what is left.
bg_on() { local n=$1; shift; exec ip netns exec "$(ns "$n")" "$@" 3>&- & }

# tenc_bg NODE OUT ERR ARGS...: tenc ARGS in the background as node NODE,
# stdout to OUT, stderr to ERR; $! its own pid.
tenc_bg() {
	local n=$1 out=$2 err=$3; shift 3
	TENC_STATE_DIR="$T_DIR/$n" bg_on "$n" "$TENC" "$@" >"$out" 2>"$err"
}

# trace_bg NODE OUT ERR ARGS...: tenc_bg for a trace (ARGS: [-j] trace
# ...), returning once it printed its ready line; $! its own pid.
TRACE_READY="trace: ready"
trace_bg() {
	tenc_bg "$@"
	wait_line "$3" "$TRACE_READY" $!
}

# bg_stop PID [SIG]: send SIG (TERM) to a background helper and wait for
# it; returns its exit status.
bg_stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1"
}

# How long a wait may take: generous, the VM lane runs under TCG.
WAIT_S=${WAIT_S:-30}

# wait_until [-p PID] WHAT CMD...: run CMD every $WAIT_EVERY (0.05) s until
# it succeeds, at most $WAIT_S seconds; else fail naming WHAT. With -p,
# fail at once when PID has exited (what it should do will never happen
# then). A test whose CMD is heavy sets a longer WAIT_EVERY, so that its
# own polling does not starve what it waits for (TCG).
wait_until() {
	local pid= what end=$((SECONDS + WAIT_S))
	if [ "$1" = -p ]; then pid=$2; shift 2; fi
	what=$1; shift
	until "$@"; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			"$@" && return 0 # it did, just before it exited
			echo "waiting for $what: pid $pid exited" >&2
			return 1
		fi
		if ((SECONDS >= end)); then
			echo "timed out after $WAIT_S s waiting for $what" >&2
			return 1
		fi
		sleep "${WAIT_EVERY:-0.05}"
	done
}

# wait_line FILE TEXT [PID]: until a line of FILE contains TEXT (PID: the
# writer, as for wait_until -p). wait_lines FILE N [PID]: until FILE has N
# lines or more. On a failure the file is shown.
wait_line() { wait_file "$1" "${3:-}" "'$2' in ${1##*/}" has_text "$1" "$2"; }
wait_lines() { wait_file "$1" "${3:-}" "$2 line(s) in ${1##*/}" has_lines "$1" "$2"; }
has_text() { grep -qF -- "$2" "$1" 2>/dev/null; }
has_lines() { local c; c=$(wc -l 2>/dev/null <"$1") && [ "$c" -ge "$2" ]; }
wait_file() { # FILE PID WHAT CMD...
	local f=$1 pid=$2
	shift 2
	wait_until ${pid:+-p "$pid"} "$@" || { echo "${f##*/}:" >&2; cat "$f" >&2 2>/dev/null; return 1; }
}

# wait_listen NODE tcp|udp PORT [PID]: until a socket listens on PORT in
# NODE's namespace (bound, for udp), PID's own if given: as wireguard's
# netns.sh waits for iperf3 (waitiperf).
wait_listen() {
	wait_until ${4:+-p "$4"} "$2 port $3 listening in $1${4:+ (pid $4)}" listening "$@"
}
listening() {
	local o
	o=$(on "$1" ss -Hlnp "--$2" "sport = :$3") || return 1
	if [ -n "${4:-}" ]; then [[ $o == *"pid=$4,"* ]]; else [ -n "$o" ]; fi
}
