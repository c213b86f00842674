"""``lrspec import``: a Keras schedule's saved config (JSON or YAML) as an lrspec document."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace

from ..diagnostics import Diagnostic, LrspecError
from ._common import EXIT_OK, RAW, Usage, out, write_file

__all__ = ["register"]

_EPILOG = """\
Reads a Keras learning-rate schedule as saved: keras.optimizers.schedules.serialize(schedule)
({"class_name": ..., "config": {...}}), an optimizer's get_config() whose learning_rate is a schedule,
or a bare schedule.get_config() dict, and writes the document of its keras.* alias with the same
parameters (it evaluates to the same rates; 'lrspec explain' shows its core form). From Python,
lrspec.from_keras, lrspec.from_torch and lrspec.from_timm take the objects themselves.

Example:
  python -c "import json, keras; s = keras.optimizers.schedules.CosineDecay(0.1, 1000);
             print(json.dumps(keras.optimizers.schedules.serialize(s)))" > keras-config.json
  lrspec import keras-config.json -o schedule.yaml
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", formatter_class=RAW, epilog=_EPILOG,
                       help="turn a saved Keras schedule config into a document",
                       description="Write the lrspec document of a Keras schedule config.")
    p.add_argument("file", metavar="FILE", help="the Keras config, JSON or YAML ('-' for standard input)")
    p.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of standard output")
    p.add_argument("--name", default=None, help="the document's name (letters, digits, '_', '.', '-')")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.set_defaults(run=_cmd_import, parser=p)


def _read(file: str) -> object:
    import yaml

    try:
        text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
    except OSError as exc:
        raise LrspecError(Diagnostic(f"cannot read it: {exc.strerror or exc}", file=file)) from None
    try:
        return json.loads(text)
    except ValueError:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise LrspecError(Diagnostic(f"is neither JSON nor YAML: {exc}", file=file)) from None


def _cmd_import(args: argparse.Namespace) -> int:
    import yaml

    from ..importers import keras_document
    from ..importers._common import to_spec

    data = _read(args.file)
    if not isinstance(data, dict):
        raise LrspecError(Diagnostic("a Keras schedule config is a mapping, got " + type(data).__name__,
                                     file=args.file))
    try:
        doc = keras_document(data, args.name)
    except LrspecError as exc:  # the problem is in this file: say so
        raise LrspecError([replace(d, file=args.file) for d in exc.diagnostics]) from None
    to_spec(doc, args.file)  # the alias validates it: refusals surface here, before anything is written
    text = ("# yaml-language-server: $schema=lrspec.schema.json\n"
            f"# imported from {os.path.basename(args.file) if args.file != '-' else 'standard input'} "
            "(lrspec import); 'lrspec explain' shows its core form\n"
            "# for editors: 'lrspec schema -o lrspec.schema.json' writes the schema next to this file\n"
            + yaml.safe_dump(doc, sort_keys=False))
    if args.output in (None, "-"):
        out(text)
        return EXIT_OK
    if os.path.exists(args.output) and not args.force:
        raise Usage(f"{args.output} exists; choose another -o or add --force to overwrite it")
    return write_file(args.output, "w", lambda stream: stream.write(text))


