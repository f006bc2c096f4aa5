#!/usr/bin/env bats
# systemd.bats: the systemd units of deploy/systemd as `make install`
# installs them: where they go and what they name (PREFIX, SBINDIR,
# DESTDIR), `make uninstall`, `systemd-analyze verify` (it needs no
# systemd as PID 1), and their commands run by hand as the units would
# run them: tenc.service's `tenc enable` after a reboot of a namespace
# node, and tenc-audit.service's textfile writer, each under the unit's
# own CapabilityBoundingSet with no_new_privs (setpriv), in the node's
# network namespace and the host's mount namespace (nsenter --net, as a
# unit without mount sandboxing runs). The mount sandboxing of
# tenc-audit.service (ProtectSystem= ...) is not run here: that needs a
# systemd. Host lane; the nodes observe only (no ESP needed).

load helpers
load topo
load live

test_setup() {
	need_root
}

# mk ARGS...: make in the repo without building anything (the tree is
# shared, and tenc is built already): install copies the tenc under test.
mk() {
	local b f o=()
	b=$(dirname "$TENC")
	o+=(-o "$b/tenc")
	for f in "$REPO"/tests/tools/*.c; do o+=(-o "$b/tests/tools/$(basename "$f" .c)"); done
	make -s --no-print-directory -C "$REPO" BUILD="$b" "${o[@]}" "$@"
}

# unit_key FILE KEY: the value of KEY= in a unit file (the last one).
unit_key() { sed -n "s/^$2=//p" "$1" | tail -n1; }

# as_unit UNIT NODE CMD...: CMD as UNIT would run it: its bounding set
# (CapabilityBoundingSet=, as setpriv names capabilities), no_new_privs,
# NODE's network namespace and state dir.
as_unit() {
	local unit=$1 n=$2 caps
	shift 2
	caps=$(unit_key "$unit" CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	[ -n "$caps" ]
	TENC_STATE_DIR="$T_DIR/$n" nsenter --net="/run/netns/$(ns "$n")" \
		setpriv --bounding-set=-all,"$caps" --inh-caps=-all --no-new-privs "$@"
}

@test "make install puts the units under DESTDIR with the installed paths; uninstall leaves nothing" {
	local d=$T_DIR/dest u
	mk install DESTDIR="$d"
	u=$d/usr/local/lib/systemd/system
	[ "$(stat -c %a "$u/tenc.service" "$u/tenc-audit.service" "$u/tenc-audit.timer")" = "644
644
644" ]
	[ "$(unit_key "$u/tenc.service" ExecStart)" = "/usr/local/sbin/tenc enable" ]
	[ "$(unit_key "$u/tenc-audit.service" ExecStart)" = /usr/local/libexec/tenc/audit-textfile ]
	[ -x "$d/usr/local/libexec/tenc/audit-textfile" ]
	grep -qx '/usr/local/sbin/tenc audit --format prometheus >"$tmp"' "$d/usr/local/libexec/tenc/audit-textfile"
	[ "$(unit_key "$u/tenc-audit.service" Environment)" = TENC_TEXTFILE=/var/lib/prometheus/node-exporter/tenc.prom ]
	[ "$(unit_key "$u/tenc-audit.service" ReadWritePaths)" = -/var/lib/prometheus/node-exporter ]
	# every template filled in; nothing enabled (no .wants links)
	! grep -rn @ "$u" "$d/usr/local/libexec" || false
	[ -z "$(find "$d" -name '*.wants')" ]
	mk uninstall DESTDIR="$d"
	[ -z "$(find "$d" -type f -o -type l)" ]
	[ ! -e "$d/usr/local/libexec/tenc" ]
	# PREFIX and SBINDIR move what the units name
	mk install DESTDIR="$d" PREFIX=/opt/tenc SBINDIR=/opt/bin
	u=$d/opt/tenc/lib/systemd/system
	[ "$(unit_key "$u/tenc.service" ExecStart)" = "/opt/bin/tenc enable" ]
	[ "$(unit_key "$u/tenc-audit.service" ExecStart)" = /opt/tenc/libexec/tenc/audit-textfile ]
	grep -qx '/opt/bin/tenc audit --format prometheus >"$tmp"' "$d/opt/tenc/libexec/tenc/audit-textfile"
	[ -x "$d/opt/bin/tenc" ]
	mk uninstall DESTDIR="$d" PREFIX=/opt/tenc SBINDIR=/opt/bin
	[ -z "$(find "$d" -type f -o -type l)" ]
}

@test "systemd-analyze verify: the installed units, nothing on stderr" {
	command -v systemd-analyze >/dev/null ||
		skip "systemd-analyze not installed (Debian: apt-get install systemd)"
	local p=$T_DIR/p u
	mk install PREFIX="$p" # the paths the units name exist then
	u=$p/lib/systemd/system
	# Documentation=man:... is looked up: in the pages just installed
	MANPATH=$p/share/man systemd-analyze verify "$u/tenc.service" \
		"$u/tenc-audit.service" "$u/tenc-audit.timer" 2>"$T_DIR/verify.err"
	cat "$T_DIR/verify.err"
	[ ! -s "$T_DIR/verify.err" ]
	# and it does report on stderr here (with status 0): a misspelt key
	sed 's/^RemainAfterExit=/RemainAfterExt=/' "$u/tenc.service" >"$T_DIR/tenc.service"
	MANPATH=$p/share/man systemd-analyze verify "$T_DIR/tenc.service" 2>"$T_DIR/verify.err"
	grep -q "RemainAfterExt" "$T_DIR/verify.err"
	mk uninstall PREFIX="$p"
}

@test "tenc.service: its ExecStart after a reboot re-applies the saved config, with the unit's capabilities only" {
	local p=$T_DIR/p u exec
	topo_up 1
	mk install PREFIX="$p"
	u=$p/lib/systemd/system/tenc.service
	read -ra exec <<<"$(unit_key "$u" ExecStart)"
	[ "${exec[*]}" = "$p/sbin/tenc enable" ]
	enable_node 1
	reboot node1
	[ "$(drift_count node1)" -gt 0 ]
	as_unit "$u" node1 "${exec[@]}"
	grep -q " $T_DIR/node1/bpf bpf " /proc/mounts
	[ "$(drift_count node1)" -eq 0 ]
	# the bounding set is what the unit gets: without CAP_SYS_ADMIN (nor
	# CAP_BPF) the same command is refused
	reboot node1
	sed 's/^CapabilityBoundingSet=.*/CapabilityBoundingSet=CAP_NET_ADMIN/' "$u" >"$T_DIR/less.service"
	run as_unit "$T_DIR/less.service" node1 "${exec[@]}"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"missing CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN"* ]]
	mk uninstall PREFIX="$p"
}

# audit_textfile: tenc-audit.service's ExecStart, as the unit runs it,
# for node1 into $TF (TENC_TEXTFILE); its stderr in $T_DIR/tf.err, the
# renames it made in $T_DIR/tf.strace.
audit_textfile() {
	local u=$P/lib/systemd/system/tenc-audit.service exec
	read -ra exec <<<"$(unit_key "$u" ExecStart)"
	# LeakSanitizer cannot run under ptrace: an ASan tenc (netns-asan)
	# leaves leak checks to the lane's other suites here
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" TENC_TEXTFILE=$TF \
		as_unit "$u" node1 strace -f -qq -e trace=rename,renameat,renameat2 \
		-o "$T_DIR/tf.strace" "${exec[@]}" 2>"$T_DIR/tf.err"
}

@test "tenc-audit.service: its command writes tenc's metrics to the textfile by a rename in its directory; a violation is in it; a failure removes it" {
	P=$T_DIR/p
	TF=$T_DIR/textfile/tenc.prom
	topo_up 2
	mk install PREFIX="$P"
	for i in 1 2; do enable_node "$i"; done
	peer_all 2
	on pod1 ping -c 2 -i 0.2 10.1.2.2 # in scope, observe-only: a violation
	mkdir "$T_DIR/textfile"
	echo "old" >"$TF"
	ln "$TF" "$T_DIR/old.prom" # the file as it was: a rename leaves it be
	audit_textfile
	cat "$T_DIR/tf.err"
	[ "$(stat -c %a "$TF")" = 644 ]
	[ "$(cat "$T_DIR/old.prom")" = old ]
	[ "$(stat -c %i "$TF")" != "$(stat -c %i "$T_DIR/old.prom")" ]
	# one rename, from a temp file in the same directory that the collector
	# (*.prom) skips, and no temp file left
	cat "$T_DIR/tf.strace"
	grep -E "rename[a-z0-9]*\((AT_FDCWD, )?\"$T_DIR/textfile/\.tenc\.prom\.[^\"/]+\", (AT_FDCWD, )?\"$TF\".*= 0$" "$T_DIR/tf.strace"
	[ "$(ls -A "$T_DIR/textfile")" = tenc.prom ]
	# tenc's metrics, the violation among them
	grep -qx '# TYPE tenc_violations gauge' "$TF"
	grep -qx 'tenc_flows{family="ipv4",verdict="violation"} [1-9][0-9]*' "$TF"
	grep -qx 'tenc_violations [1-9][0-9]*' "$TF"
	[ "$(grep -c '^tenc_flows{family="ipv[46]",verdict=' "$TF")" -eq 10 ]
	# the same as tenc audit prints, but for the flows of the pings
	tenc_on node1 audit --format prometheus >"$T_DIR/direct.prom" || [ $? -eq 3 ]
	diff <(grep -v '^tenc_xfrm\|^tenc_flow' "$TF") <(grep -v '^tenc_xfrm\|^tenc_flow' "$T_DIR/direct.prom")
	# a failed audit (the node is not enabled): the unit fails with tenc's
	# status and no stale figures stay behind
	tenc_on node1 disable
	run audit_textfile
	[ "$status" -eq 1 ]
	[[ $(cat "$T_DIR/tf.err") == *"not enabled"*"removed $TF"* ]]
	[ -z "$(ls -A "$T_DIR/textfile")" ]
	mk uninstall PREFIX="$P"
}
