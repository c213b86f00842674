"""``lrspec import``: a saved schedule or the file a run left behind (a Keras schedule config, an HF
TrainingArguments JSON, a timm args.yaml) as an lrspec document."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace

from ..diagnostics import Diagnostic, LrspecError
from ._common import EXIT_OK, RAW, Usage, out, write_file

__all__ = ["register"]

_EPILOG = """\
Reads, as data (never executed):
  keras   a Keras learning-rate schedule as saved: keras.optimizers.schedules.serialize(schedule), an
          optimizer's get_config() whose learning_rate is a schedule, or a bare schedule.get_config() dict
  hf      an HF TrainingArguments JSON (args.to_json_string()): the scheduler Trainer.create_scheduler builds
  timm    a timm args.yaml (written by train.py next to each checkpoint): create_scheduler_v2's scheduler
  mmengine  an MMEngine config (.py read with ast, _base_ files merged, or a dumped JSON/YAML): its
          param_scheduler, optim_wrapper.optimizer.lr and train_cfg; the epoch length is --steps-per-epoch
The kind is recognised from the contents; --from names it. What the file does not say is asked for with a
flag (--batches-per-epoch, --steps-per-epoch, --base-lr), and what cannot be carried over is listed in the
document's header, never dropped. From Python, lrspec.from_keras, lrspec.from_torch and lrspec.from_timm take
the schedule objects themselves.

Example:
  lrspec import output/train/20240101-resnet50/args.yaml -o schedule.yaml
  lrspec import run/training_args.json --batches-per-epoch 1563 -o schedule.yaml
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", formatter_class=RAW, epilog=_EPILOG,
                       help="turn a saved schedule or a run's config into a document",
                       description="Write the lrspec document of a saved schedule config or of a run's arguments.")
    p.add_argument("file", metavar="FILE", help="the config or run file, JSON or YAML ('-' for standard input)")
    p.add_argument("--from", dest="kind", choices=sorted(KINDS), default=None,
                   help="what the file is (default: recognised from its contents)")
    p.add_argument("--batches-per-epoch", type=int, default=None, metavar="N",
                   help="hf: len(train_dataloader), when max_steps is not set")
    p.add_argument("--steps-per-epoch", type=int, default=None, metavar="N",
                   help="timm: updates per epoch, when the schedule is stepped per update; "
                        "mmengine: iterations per epoch (len(train_dataloader))")
    p.add_argument("--base-lr", type=float, default=None, metavar="RATE",
                   help="timm: the learning rate, when args.yaml has lr: null (computed at run time)")
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


def _keras(data: dict, args: argparse.Namespace) -> tuple[dict, list[str]]:
    from ..importers import keras_document

    return keras_document(data, args.name), []


def _hf(data: dict, args: argparse.Namespace) -> tuple[dict, list[str]]:
    from ..importers.runs import hf_training_arguments_document

    return hf_training_arguments_document(data, args.file, args.batches_per_epoch, args.name)


def _timm(data: dict, args: argparse.Namespace) -> tuple[dict, list[str]]:
    from ..importers.runs import timm_args_document

    return timm_args_document(data, args.file, args.steps_per_epoch, args.base_lr, args.name)


def _mmengine(data: dict, args: argparse.Namespace) -> tuple[dict, list[str]]:
    from ..importers.mmengine import mmengine_document

    return mmengine_document(args.file, args.steps_per_epoch, args.name)


#: What ``lrspec import`` reads: kind -> (the document and the notes of what was not carried over).
KINDS: dict[str, Callable[[dict, argparse.Namespace], tuple[dict, list[str]]]] = {
    "keras": _keras, "hf": _hf, "timm": _timm, "mmengine": _mmengine}


def _kind(data: dict) -> str:
    from ..importers.runs import looks_like

    return looks_like(data) or "keras"


def _cmd_import(args: argparse.Namespace) -> int:
    import yaml

    from ..importers._common import to_spec

    data = {} if args.file.endswith(".py") else _read(args.file)  # an MMEngine .py config is parsed, never run
    if args.file.endswith(".py") or (args.kind is None and isinstance(data, dict) and "param_scheduler" in data):
        args.kind = args.kind or "mmengine"
    if not isinstance(data, dict):
        raise LrspecError(Diagnostic("a schedule config or run file is a mapping, got " + type(data).__name__,
                                     file=args.file))
    try:
        doc, notes = KINDS[args.kind or _kind(data)](data, args)
    except LrspecError as exc:  # the problem is in this file: say so
        raise LrspecError([replace(d, file=args.file) for d in exc.diagnostics]) from None
    to_spec(doc, args.file)  # the alias validates it: refusals surface here, before anything is written
    text = ("# yaml-language-server: $schema=lrspec.schema.json\n"
            f"# imported from {os.path.basename(args.file) if args.file != '-' else 'standard input'} "
            "(lrspec import); 'lrspec explain' shows its core form\n"
            "# for editors: 'lrspec schema -o lrspec.schema.json' writes the schema next to this file\n"
            + "".join(f"# note: {note}\n" for note in notes)
            + yaml.safe_dump(doc, sort_keys=False))
    if args.output in (None, "-"):
        out(text)
        return EXIT_OK
    if os.path.exists(args.output) and not args.force:
        raise Usage(f"{args.output} exists; choose another -o or add --force to overwrite it")
    return write_file(args.output, "w", lambda stream: stream.write(text))


