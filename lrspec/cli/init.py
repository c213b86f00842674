"""``lrspec init``: write a commented starter ``schedule.yaml`` (and the JSON Schema editors read)."""

from __future__ import annotations

import argparse
import os
import sys

from ._common import EXIT_OK, RAW, Usage, out, write_file

__all__ = ["register"]

_EPILOG = """\
Writes a commented, valid starter document for a common schedule family. Its first line points
editors (VS Code with the YAML extension, and any yaml-language-server client) at the JSON Schema,
which is written next to it as lrspec.schema.json unless it exists or --no-schema is given.
Templates (--list shows them): cosine-warmup (default), one-cycle, clr, wsd, step-decay, sgdr.

Example:
  lrspec init
  lrspec init --template one-cycle -o configs/lr.yaml
  lrspec init --template wsd -o - | less
"""


def register(sub: argparse._SubParsersAction) -> None:
    from ..starters import STARTERS

    p = sub.add_parser("init", formatter_class=RAW, epilog=_EPILOG, help="write a commented starter schedule.yaml",
                       description="Write a commented starter document with the $schema line for editors.")
    p.add_argument("-t", "--template", choices=tuple(STARTERS), default="cosine-warmup", metavar="NAME",
                   help="the schedule family (default: cosine-warmup; --list shows all)")
    p.add_argument("-o", "--output", metavar="OUT", default="schedule.yaml",
                   help="where to write it (default: schedule.yaml; '-' for standard output)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--no-schema", action="store_true", help="do not write lrspec.schema.json next to OUT")
    p.add_argument("--list", action="store_true", help="list the templates and exit")
    p.set_defaults(run=_cmd_init, parser=p)


def _cmd_init(args: argparse.Namespace) -> int:
    from ..starters import STARTERS, starter_text

    if args.list:
        out("".join(f"{name:<14} {what}\n" for name, what in STARTERS.items()))
        return EXIT_OK
    schema_name = "lrspec.schema.json"
    if args.output == "-":
        out(starter_text(args.template, schema_name))
        return EXIT_OK
    if os.path.exists(args.output) and not args.force:
        raise Usage(f"{args.output} exists; choose another -o or add --force to overwrite it")
    text = starter_text(args.template, schema_name)
    code = write_file(args.output, "w", lambda stream: stream.write(text))
    if code:
        return code
    written = [args.output]
    schema_path = os.path.join(os.path.dirname(args.output), schema_name)
    if not args.no_schema and not os.path.exists(schema_path):
        from ..schema import render

        schema = render()
        code = write_file(schema_path, "w", lambda stream: stream.write(schema))
        if code:
            return code
        written.append(schema_path)
    print(f"lrspec: wrote {' and '.join(written)} ({args.template}); next: lrspec explain {args.output}",
          file=sys.stderr)
    return EXIT_OK
