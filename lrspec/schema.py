"""The JSON Schema of an lrspec document, generated from the pydantic models.

Editors use it for completion and inline checks (``# yaml-language-server: $schema=...`` in a YAML file,
``"$schema"`` mappings in VS Code settings). It checks the shape of a document: fields, types, ranges
and the node types. Rules that relate several fields (strictly increasing boundaries, ``final_lr`` or
``alpha``, expressions, phase lengths, ...) are beyond JSON Schema and are checked by
``lrspec validate``, which is the authority.

The committed copy is ``schemas/lrspec.schema.json``; after changing a model, regenerate it with::

    python -m lrspec.schema              # writes schemas/lrspec.schema.json
    python -m lrspec.schema --check      # exit 1 when the committed copy is stale (CI)
    python -m lrspec.schema OUT.json     # writes elsewhere

``lrspec schema`` prints the same document. tests/spec/test_schema.py fails when the copy is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["json_schema", "render", "SCHEMA_ID", "SCHEMA_PATH"]

#: The schema's identifier (a name, not necessarily a fetchable address).
SCHEMA_ID = "https://lrspec.dev/schemas/lrspec-1.schema.json"
#: Where the committed copy lives in a source checkout (an installed package has no such file).
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "lrspec.schema.json"

_DESCRIPTION = (
    "A learning-rate schedule as a small document: format version 1 (spec/README.md). "
    "This schema checks fields, types and ranges; relations between fields, expressions and phase "
    "lengths are checked by `lrspec validate`."
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of format version 1, from :class:`lrspec.model.Document`."""
    from .model import Document

    body = Document.model_json_schema()
    body.pop("title", None)
    body.pop("description", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "lrspec document (format version 1)",
        "description": _DESCRIPTION,
        **body,
    }


def render() -> str:
    """The schema as the committed file spells it: two-space indented JSON with a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    if len(paths) > 1 or any(a.startswith("-") for a in paths):
        print("usage: python -m lrspec.schema [--check] [OUT]", file=sys.stderr)
        return 2
    if not paths and not (SCHEMA_PATH.parents[1] / "pyproject.toml").is_file():
        print("python -m lrspec.schema: not in a source checkout; name the file to write or check", file=sys.stderr)
        return 2
    out = Path(paths[0]) if paths else SCHEMA_PATH
    text = render()
    if check:
        try:
            current = out.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"{out}: cannot read: {exc.strerror}", file=sys.stderr)
            return 1
        if current != text:
            print(f"{out} is stale; regenerate it with: python -m lrspec.schema", file=sys.stderr)
            return 1
        return 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"{out}: cannot write: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
