#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""docs-check.py: is the documentation in sync with the binary?

Owns the rules by which tests/netns/docs.bats compares what `tenc -j help`
says the binary has (the truth) with the manual pages and the bash
completion. Prints one line per thing out of sync, naming what is missing
where, and exits 1 if there is any; exits 0 when in sync, 2 on bad usage.

usage: docs-check.py [--only CHECK]... HELP_JSON MAN_DIR COMPLETION
       docs-check.py --top-only   (prints TOP_ONLY's options, for docs.bats)
  HELP_JSON   the output of `tenc -j help` ("-" reads standard input)
  MAN_DIR     the directory holding tenc.8 and the group pages tenc-<group>.8
  COMPLETION  the bash completion, completions/tenc.bash
  --only      run only these checks (repeatable; default all):
    man-commands  every command is documented on its page
    man-options   every option is documented with its command / in OPTIONS
    completion    every command and option is in the completion's tables
    extra         nothing is documented or completed that tenc does not have

Manual page conventions (man(7) macros):
  - Pages: man/tenc.8, and man/tenc-<group>.8 for a command group (group =
    the first word of a command path, e.g. "peer" for "peer add"). A
    group's subcommands ("peer add") are documented on its page, which must
    exist; a one-word command ("status") on tenc.8, or on tenc-<command>.8
    if that page exists. tenc.8's SEE ALSO names every group page as
    .BR tenc\-<group> (8), and no page names a tenc-<x>(8) that does not
    exist.
  - In a page's ".SH COMMANDS" section every ".SS" heading documents one
    command: it starts with the bold span naming it, then the synopsis:
        .SS "\fBtenc peer add\fR \fINAME\fR \fB\-\-node\-ip\fR \fIIP\fR"
    tenc.8's COMMANDS also lists each group that has subcommands, by a
    heading naming the group: .SS "\fBtenc peer\fR \fIsubcommand\fR".
    No other heading is allowed there.
  - A command's options are ".TP" (or ".TQ") items inside its ".SS" block
    (up to the next .SS or .SH); the tag line names the long option and,
    if the option has one, its short form:
        .TP
        .BR \-n ", " \-\-name " \fINAME\fR"
  - The global options are .TP items in tenc.8's ".SH OPTIONS".
  Only these headings and tags are read; prose may mention anything.

Completion conventions (completions/tenc.bash, read by sourcing it in bash):
  _tenc_cmds[<command path>]="<its long options>"   every command
  _tenc_global_opts="<long options>"                 the global options
  _tenc_top_opts="<long options>"                    TOP_ONLY below
  _tenc_optargs[<option>]=<kind>    every option taking an argument, long
                                    and short form; the key may be
                                    "<command path> <option>"; kind is the
                                    option's "values" in the JSON, or ""
  _tenc_args[<command path>]=<kind> the command's "args" in the JSON
"""
import argparse
import json
import os
import re
import subprocess
import sys

CHECKS = ("man-commands", "man-options", "completion", "extra")

# Options the binary accepts only before the command. cli_parse_globals
# (lib/base/cli.c) handles them itself, so `tenc -j help` does not list them;
# docs.bats checks that the binary does accept them.
TOP_ONLY = {"--version": "-V"}

LONG_RE = re.compile(r"(?<![\w-])--([A-Za-z0-9][\w-]*)")
SHORT_RE = re.compile(r"(?<![\w-])-([A-Za-z0-9])(?![\w-])")
WORD_RE = re.compile(r"^[a-z][a-z0-9-]*$")

# roff escapes: \f font changes vanish, the dashes become "-", the
# no-break and zero-width ones become a space or nothing.
ESC_RE = re.compile(r"\\(f(?:\[[^\]]*\]|\(..|.)|\(..|\[[^\]]*\]|.)")
ESC_MAP = {"-": "-", "(hy": "-", "(en": "-", "(em": "-", "e": "\\", "~": " ",
           " ": " ", "&": "", "%": "", ":": "", "c": "", "|": "", "^": ""}


def plain(s):
    """Roff text without font changes and escapes."""
    def repl(m):
        e = m.group(1)
        if e.startswith("f"):
            return ""
        return ESC_MAP.get(e, "")
    return ESC_RE.sub(repl, s)


def macro_args(rest):
    """The text of a macro line's arguments, quotes removed."""
    rest = rest.strip()
    if len(rest) >= 2 and rest[0] == '"' and rest[-1] == '"':
        rest = rest[1:-1].replace('""', '"')
    return rest


class Problems:
    def __init__(self, only):
        self.only = set(only or CHECKS)
        self.lines = []

    def add(self, check, where, msg):
        if check in self.only:
            self.lines.append(f"{where}: {msg}")


# ---------------------------------------------------------------- binary

class Binary:
    """What `tenc -j help` says: command paths, their options, globals."""

    def __init__(self, doc):
        self.cmds = {}   # path -> {"options": {long: opt}, "args": kind}
        for c in doc["commands"]:
            opts = {o["long"]: o for o in c.get("options", [])}
            self.cmds[c["command"]] = {"options": opts, "args": c.get("args")}
        self.globals = {o["long"]: o for o in doc["global_options"]}
        self.groups = {p.split()[0] for p in self.cmds}            # pages may exist for
        self.with_sub = {p.split()[0] for p in self.cmds if " " in p}  # need a page

    def shorts(self, path):
        opts = self.cmds[path]["options"] if path else {}
        return {o["short"] for o in list(opts.values()) + list(self.globals.values())
                if o.get("short")}


# ------------------------------------------------------------- man pages

class Page:
    """One manual page: its sections; for COMMANDS, the .SS blocks."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.sections = {}   # name -> [(lineno, line)]
        self.blocks = []     # COMMANDS .SS blocks: dict(line, heading, path, tags)
        self.loose_tags = []  # .TP tags in COMMANDS before any .SS
        self.text = []       # (lineno, plain text) of every non-comment line
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        section = None
        for n, line in enumerate(lines, 1):
            if line.startswith('.\\"') or line.startswith("'\\\""):
                continue
            self.text.append((n, plain(line)))
            m = re.match(r"\.SH\s*(.*)$", line)
            if m:
                section = plain(macro_args(m.group(1))).strip().upper()
                self.sections.setdefault(section, [])
                continue
            if section is not None:
                self.sections[section].append((n, line))
        self._commands()

    @staticmethod
    def _tags(lines):
        """(lineno, plain tag text) of every .TP/.TQ item in lines."""
        tags = []
        want = False
        for n, line in lines:
            if re.match(r"\.(TP|TQ)\b", line):
                want = True
                continue
            if want and line.strip():
                tags.append((n, plain(line)))
                want = False
        return tags

    def _commands(self):
        lines = self.sections.get("COMMANDS")
        if lines is None:
            return
        cur = None
        body = []
        pending_ss = None
        for n, line in lines:
            if pending_ss is not None:   # ".SS" alone: heading on next line
                self._start_block(pending_ss, line)
                pending_ss = None
                cur = self.blocks[-1]
                continue
            m = re.match(r"\.SS\b(.*)$", line)
            if m:
                if cur is None:
                    self.loose_tags = self._tags(body)
                else:
                    cur["tags"] = self._tags(body)
                body = []
                if m.group(1).strip():
                    self._start_block(n, m.group(1))
                    cur = self.blocks[-1]
                else:
                    pending_ss = n
                continue
            body.append((n, line))
        if cur is None:
            self.loose_tags = self._tags(body)
        else:
            cur["tags"] = self._tags(body)

    def _start_block(self, n, rest):
        heading = macro_args(rest)
        m = re.match(r"\\fB(.*?)(\\f|$)", heading)
        path = None
        if m:
            words = plain(m.group(1)).split()
            if len(words) >= 2 and words[0] == "tenc" and all(WORD_RE.match(w) for w in words[1:]):
                path = " ".join(words[1:])
        self.blocks.append({"line": n, "heading": heading, "path": path, "tags": []})


def roff(opt):
    """An option as a page would write it: \\fB\\-\\-state\\-dir\\fR."""
    return "\\fB" + opt.replace("-", "\\-") + "\\fR"


def tag_opts(tag):
    return set("--" + x for x in LONG_RE.findall(tag)), set("-" + x for x in SHORT_RE.findall(tag))


def check_man(binary, man_dir, probs):
    top_path = os.path.join(man_dir, "tenc.8")
    if not os.path.isfile(top_path):
        probs.add("man-commands", top_path, "missing: the top-level manual page")
        probs.add("man-options", top_path, "missing: the top-level manual page")
        return
    pages = {"tenc.8": Page(top_path)}
    for f in sorted(os.listdir(man_dir)):
        m = re.match(r"tenc-(.+)\.8$", f)
        if m:
            pages[f] = Page(os.path.join(man_dir, f))
    top = pages["tenc.8"]

    def page_for(path):
        g = "tenc-%s.8" % path.split()[0]
        if " " in path:
            return g  # a group's subcommands: always its own page
        return g if g in pages else "tenc.8"

    for name, page in pages.items():
        if "COMMANDS" not in page.sections:
            probs.add("man-commands", page.path, 'no ".SH COMMANDS" section')

    # Group pages: for a group tenc has, and named in tenc.8's SEE ALSO.
    see_also = " ".join(plain(l) for _, l in top.sections.get("SEE ALSO", []))
    for name, page in pages.items():
        if name == "tenc.8":
            continue
        group = name[len("tenc-"):-len(".8")]
        if group not in binary.groups:
            probs.add("extra", page.path, f'page for command group "{group}", which tenc does not have')
        if not re.search(r"\btenc-%s\s*\(8\)" % re.escape(group), see_also):
            probs.add("man-commands", top.path,
                      f'SEE ALSO does not name the group page {name}: want .BR tenc\\-{group} (8)')
    # No page names a tenc-<x>(8) page that does not exist.
    for name, page in pages.items():
        for n, text in page.text:
            for x in re.findall(r"\btenc-([a-z][a-z0-9-]*)\s*\(8\)", text):
                if f"tenc-{x}.8" not in pages:
                    probs.add("extra", f"{page.path}:{n}", f"names tenc-{x}(8), but there is no {man_dir}/tenc-{x}.8")

    # Commands documented where they belong; headings name real commands.
    documented = {}  # path -> block, on the page where it belongs
    pointers = set()  # groups listed in tenc.8's COMMANDS
    for name, page in pages.items():
        for b in page.blocks:
            where = f"{page.path}:{b['line']}"
            p = b["path"]
            if p is None:
                probs.add("man-commands", where,
                          'COMMANDS heading does not start with a bold "tenc <command>": '
                          f'.SS {b["heading"]}  (want e.g. .SS "\\fBtenc version\\fR")')
                continue
            if p not in binary.cmds or page_for(p) != name:
                if name == "tenc.8" and p in binary.with_sub:
                    pointers.add(p)  # the group, pointing to its page
                    for n, t in b["tags"]:
                        if any(tag_opts(t)):
                            probs.add("extra", f"{page.path}:{n}", f'option item under the group heading '
                                      f'"{p}": options belong with its commands, on tenc-{p}.8')
                    continue
            if p not in binary.cmds:
                probs.add("extra", where, f'documents command "{p}", which tenc does not have')
                continue
            if page_for(p) != name:
                probs.add("extra", where,
                          f'documents command "{p}" here, but it belongs on {man_dir}/{page_for(p)}')
                continue
            if p in documented:
                probs.add("extra", where, f'documents command "{p}" a second time')
                continue
            documented[p] = b

    for g in sorted(binary.with_sub - pointers - set(documented)):
        probs.add("man-commands", top.path, f'command group "{g}" is not listed in COMMANDS: want a '
                  f'.SS "\\fBtenc {g}\\fR \\fIsubcommand\\fR" there that points to tenc\\-{g}(8)')
    for p, c in binary.cmds.items():
        if page_for(p) not in pages:
            probs.add("man-commands", os.path.join(man_dir, page_for(p)),
                      f'command "{p}" is not documented: this page of its group does not exist')
            continue
        page = pages[page_for(p)]
        if p not in documented:
            probs.add("man-commands", page.path,
                      f'command "{p}" is not documented: want a .SS "\\fBtenc {p}\\fR ..." '
                      "in its COMMANDS section")
            continue
        b = documented[p]
        where = f"{page.path}:{b['line']}"
        tags = [(n, *tag_opts(t)) for n, t in b["tags"]]
        for lng, o in c["options"].items():
            hit = [t for t in tags if lng in t[1]]
            if not hit:
                probs.add("man-options", where, f'option {lng} of "{p}" is not documented: '
                          f"want a .TP item naming {roff(lng)} in its .SS block")
            elif o.get("short") and not any(o["short"] in t[2] for t in hit):
                probs.add("man-options", f"{page.path}:{hit[0][0]}",
                          f'option {lng} of "{p}" is documented without its short form {o["short"]}')
        known_long = set(c["options"]) | set(binary.globals)
        known_short = binary.shorts(p)
        for n, longs, shorts in tags:
            for x in sorted(longs - known_long):
                probs.add("extra", f"{page.path}:{n}", f'documents option {x} of "{p}", which tenc does not have')
            for x in sorted(shorts - known_short):
                probs.add("extra", f"{page.path}:{n}", f'documents option {x} of "{p}", which tenc does not have')

    for name, page in pages.items():
        for n, t in page.loose_tags:
            longs, shorts = tag_opts(t)
            if longs or shorts:
                probs.add("extra", f"{page.path}:{n}", "option item in COMMANDS before any command heading")

    # Global options: .TP items in tenc.8's OPTIONS.
    if "OPTIONS" not in top.sections:
        probs.add("man-options", top.path, 'no ".SH OPTIONS" section for the global options')
        return
    tags = [(n, *tag_opts(t)) for n, t in Page._tags(top.sections["OPTIONS"])]
    for lng, o in binary.globals.items():
        hit = [t for t in tags if lng in t[1]]
        if not hit:
            probs.add("man-options", top.path, f"global option {lng} is not documented: "
                      f"want a .TP item naming {roff(lng)} in OPTIONS")
        elif o.get("short") and not any(o["short"] in t[2] for t in hit):
            probs.add("man-options", f"{top.path}:{hit[0][0]}",
                      f"global option {lng} is documented without its short form {o['short']}")
    known_long = set(binary.globals) | set(TOP_ONLY)
    known_short = binary.shorts(None) | set(TOP_ONLY.values())
    for n, longs, shorts in tags:
        for x in sorted((longs - known_long) | (shorts - known_short)):
            probs.add("extra", f"{top.path}:{n}", f"documents global option {x}, which tenc does not have")


# ------------------------------------------------------------ completion

DUMP = r'''
source "$1" >/dev/null || exit 3
for v in _tenc_cmds _tenc_optargs _tenc_args; do
	declare -p "$v" 2>/dev/null | grep -q '^declare -[a-zA-Z]*A' || printf 'missing\t%s\n' "$v"
done
for v in _tenc_global_opts _tenc_top_opts; do
	[ -n "${!v+set}" ] || printf 'missing\t%s\n' "$v"
done
for k in "${!_tenc_cmds[@]}"; do printf 'cmd\t%s\t%s\n' "$k" "${_tenc_cmds[$k]}"; done
for k in "${!_tenc_optargs[@]}"; do printf 'optarg\t%s\t%s\n' "$k" "${_tenc_optargs[$k]}"; done
for k in "${!_tenc_args[@]}"; do printf 'args\t%s\t%s\n' "$k" "${_tenc_args[$k]}"; done
printf 'global\t%s\n' "${_tenc_global_opts-}"
printf 'top\t%s\n' "${_tenc_top_opts-}"
'''


def read_completion(path, probs):
    """The completion's tables, as bash sees them after sourcing the file."""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", DUMP, "docs-check", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        for check in ("completion", "extra"):
            probs.add(check, path, f"cannot be sourced by bash: {r.stderr.strip()}")
        return None
    comp = {"cmds": {}, "optargs": {}, "args": {}, "global": set(), "top": set()}
    for line in r.stdout.split("\n"):
        f = line.split("\t")
        if f[0] == "missing":
            probs.add("completion", path, f"does not define the table {f[1]}")
        elif f[0] == "cmd":
            comp["cmds"][f[1]] = f[2].split()
        elif f[0] == "optarg":
            comp["optargs"][f[1]] = f[2]
        elif f[0] == "args":
            comp["args"][f[1]] = f[2]
        elif f[0] in ("global", "top"):
            comp[f[0]] = set(f[1].split())
    return comp


def check_completion(binary, path, probs):
    comp = read_completion(path, probs)
    if comp is None:
        return

    def optarg_kind(cmd, form):
        for key in ((f"{cmd} {form}",) if cmd else ()) + (form,):
            if key in comp["optargs"]:
                return key, comp["optargs"][key]
        return None, None

    def check_arg(cmd, o):
        for form in filter(None, (o["long"], o.get("short"))):
            what = f'option {form} of "{cmd}"' if cmd else f"global option {form}"
            key, kind = optarg_kind(cmd, form)
            want = o.get("values") or ""
            if key is None:
                probs.add("completion", path, f"{what} takes an argument ({o['arg']}) "
                          f'but is not in _tenc_optargs (want [{form}]="{want}")')
            elif kind != want:
                probs.add("completion", path, f'_tenc_optargs[{key}] is "{kind}", '
                          f'but tenc says the argument of {what} completes to "{want}"')

    for p, c in binary.cmds.items():
        if p not in comp["cmds"]:
            probs.add("completion", path, f'command "{p}" is missing from _tenc_cmds')
            continue
        for lng, o in c["options"].items():
            if lng not in comp["cmds"][p]:
                probs.add("completion", path, f'option {lng} of "{p}" is missing from _tenc_cmds[{p}]')
            if o.get("arg"):
                check_arg(p, o)
        want = c["args"] or ""
        have = comp["args"].get(p, "")
        if want != have:
            probs.add("completion", path, f'_tenc_args[{p}] is "{have}", but tenc says the '
                      f'arguments of "{p}" complete to "{want}"')
    for lng, o in binary.globals.items():
        if lng not in comp["global"]:
            probs.add("completion", path, f"global option {lng} is missing from _tenc_global_opts")
        if o.get("arg"):
            check_arg(None, o)
    for lng in TOP_ONLY:
        if lng not in comp["top"]:
            probs.add("completion", path, f"top-level option {lng} is missing from _tenc_top_opts")

    # The other way round.
    for p, opts in comp["cmds"].items():
        if p not in binary.cmds:
            probs.add("extra", path, f'_tenc_cmds has command "{p}", which tenc does not have')
            continue
        for x in opts:
            if x not in binary.cmds[p]["options"]:
                probs.add("extra", path, f'_tenc_cmds[{p}] has option {x}, which "{p}" does not have')
    for x in sorted(comp["global"] - set(binary.globals)):
        probs.add("extra", path, f"_tenc_global_opts has {x}, which is not a global option of tenc")
    for x in sorted(comp["top"] - set(TOP_ONLY)):
        probs.add("extra", path, f"_tenc_top_opts has {x}, which tenc does not have before the command")
    with_arg = {}  # option form -> command paths (None: global) where it takes an argument
    for p, c in binary.cmds.items():
        for o in c["options"].values():
            if o.get("arg"):
                for form in filter(None, (o["long"], o.get("short"))):
                    with_arg.setdefault(form, set()).add(p)
    for o in binary.globals.values():
        if o.get("arg"):
            for form in filter(None, (o["long"], o.get("short"))):
                with_arg.setdefault(form, set()).add(None)
    for key in sorted(comp["optargs"]):
        cmd, _, form = key.rpartition(" ")
        ok = form in with_arg and (not cmd or cmd in with_arg[form])
        if not ok:
            probs.add("extra", path, f"_tenc_optargs has [{key}], but tenc has no such option taking an argument")
    for p in sorted(comp["args"]):
        if p not in binary.cmds or not binary.cmds[p]["args"]:
            probs.add("extra", path, f'_tenc_args has "{p}", but tenc has no command "{p}" with completable arguments')


def main():
    ap = argparse.ArgumentParser(description="Check the man pages and the bash completion against `tenc -j help`.")
    ap.add_argument("--only", action="append", choices=CHECKS, help="run only this check (repeatable)")
    ap.add_argument("--top-only", action="store_true", help="print the options allowed beyond the dump, and exit")
    ap.add_argument("help_json", nargs="?")
    ap.add_argument("man_dir", nargs="?")
    ap.add_argument("completion", nargs="?")
    a = ap.parse_args()
    if a.top_only:
        for lng, short in TOP_ONLY.items():
            print(lng, short)
        return 0
    if a.completion is None:
        ap.error("HELP_JSON, MAN_DIR and COMPLETION are needed")
    try:
        if a.help_json == "-":
            doc = json.load(sys.stdin)
        else:
            with open(a.help_json, encoding="utf-8") as f:
                doc = json.load(f)
        binary = Binary(doc)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"docs-check: cannot read the command tree from {a.help_json}: {e!r}", file=sys.stderr)
        return 2
    probs = Problems(a.only)
    if not binary.cmds:
        print(f"docs-check: {a.help_json} lists no commands", file=sys.stderr)
        return 2
    if probs.only & {"man-commands", "man-options", "extra"}:
        check_man(binary, a.man_dir, probs)
    if probs.only & {"completion", "extra"}:
        if os.path.isfile(a.completion):
            check_completion(binary, a.completion, probs)
        else:
            probs.add("completion", a.completion, "missing: the bash completion")
    for line in probs.lines:
        print(line)
    return 1 if probs.lines else 0


if __name__ == "__main__":
    sys.exit(main())
