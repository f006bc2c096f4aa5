"""kube_jsonpath.py: the part of kubectl's JSONPath printer (-o
jsonpath=TEMPLATE) that the node agent's templates use, for the API server
double (kube_api.py): text outside braces as it is; {.a.b} and {@.a} (from the current object),
{$.a} (from the root), {@};
subscripts [*], [N] and filters [?(@.k=="v")]; {range X}...{end};
{"literal"} with \\n and \\t. Strings print as they are, other values as
JSON, the results of one expression separated by spaces, as kubectl does.
Test code only; tests/netns/agent.bats checks it against the real kubectl
on the agent's own templates, so it cannot drift from kubectl unseen.
Under TCG a Go kubectl takes seconds to start, which the agent's watch of
its own Node would otherwise wait for.
"""
import json
import re

_TOKEN = re.compile(r"\{((?:\"(?:\\.|[^\"\\])*\"|[^}])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[\*\]|\[(-?\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*\"([^\"]*)\"\)\]")


def _parse(template):
    """[(kind, value)]: ("text", s), ("expr", path), ("range", path), ("end", None)."""
    out, pos = [], 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            out.append(("text", template[pos:m.start()]))
        body = m.group(1).strip()
        if body == "end":
            out.append(("end", None))
        elif body.startswith("range "):
            out.append(("range", body[6:].strip()))
        elif body.startswith('"'):
            out.append(("text", json.loads(body)))
        else:
            out.append(("expr", body))
        pos = m.end()
    if pos < len(template):
        out.append(("text", template[pos:]))
    return out


def _select(path, root, cur):
    """The values path selects: from the current object ("." and "@", as
    kubectl reads both inside a range) or from the root ("$")."""
    if path.startswith("@"):
        vals, rest = [cur], path[1:]
    elif path.startswith("$"):
        vals, rest = [root], path[1:]
    elif path.startswith("."):
        vals, rest = [cur], path
    else:
        raise ValueError("unsupported JSONPath %r" % path)
    while rest:
        m = _STEP.match(rest)
        if not m:
            raise ValueError("unsupported JSONPath step %r" % rest)
        nxt = []
        for v in vals:
            if m.group(1) is not None:
                if isinstance(v, dict) and m.group(1) in v:
                    nxt.append(v[m.group(1)])
            elif m.group(2) is not None:
                if isinstance(v, list) and -len(v) <= int(m.group(2)) < len(v):
                    nxt.append(v[int(m.group(2))])
            elif m.group(3) is not None:
                for e in v if isinstance(v, list) else []:
                    f = e
                    for k in m.group(3).split("."):
                        f = f.get(k) if isinstance(f, dict) else None
                    if f == m.group(4):
                        nxt.append(e)
            else:
                nxt.extend(v if isinstance(v, list) else v.values() if isinstance(v, dict) else [])
        vals, rest = nxt, rest[m.end():]
    return vals


def _fmt(v):
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))


def _run(toks, i, root, cur, out):
    """Evaluate toks from i to the matching end (or the last); the index after it."""
    while i < len(toks):
        kind, val = toks[i]
        if kind == "end":
            return i + 1
        if kind == "text":
            out.append(val)
            i += 1
        elif kind == "expr":
            out.append(" ".join(_fmt(v) for v in _select(val, root, cur)))
            i += 1
        else:
            items = []
            for v in _select(val, root, cur):
                items.extend(v if isinstance(v, list) else [v])
            end = _skip(toks, i + 1)
            for it in items:
                _run(toks, i + 1, root, it, out)
            i = end
    return i


def _skip(toks, i):
    """The index after the end that closes the range whose body starts at i."""
    depth = 1
    while i < len(toks):
        if toks[i][0] == "range":
            depth += 1
        elif toks[i][0] == "end":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def jsonpath(template, obj):
    """What `kubectl get -o jsonpath=TEMPLATE` prints for obj."""
    out = []
    _run(_parse(template), 0, obj, obj, out)
    return "".join(out)
