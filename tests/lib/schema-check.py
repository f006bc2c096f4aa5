#!/usr/bin/env python3
"""schema-check.py SCHEMA [FILE]: validate JSON (FILE or stdin) against a
JSON Schema (draft 2020-12). Exit 0 valid, 1 invalid (errors on stderr),
2 usage or unreadable input."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1]) as f:
            schema = json.load(f)
        doc = json.load(open(sys.argv[2]) if len(sys.argv) == 3 else sys.stdin)
    except (OSError, ValueError) as e:
        print(f"schema-check: {e}", file=sys.stderr)
        return 2
    v = jsonschema.Draft202012Validator(schema)
    v.check_schema(schema)
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    for e in errs[:20]:
        print(f"schema-check: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}", file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
