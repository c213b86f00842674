"""``lrspec eval``: the schedule's values over a range of steps, streamed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from itertools import chain
from typing import IO, TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, LrspecError
from ._common import EXIT_OK, RAW, Usage, add_range, isatty, load, number, step_range, write_file
from ._progress import Progress, wanted

if TYPE_CHECKING:
    from ..spec import Spec

#: Steps evaluated and written per chunk: output of any length streams in bounded memory.
CHUNK = 1 << 16

_EVAL_EPILOG = """\
Steps: --steps N is t = 0 .. N-1; --start A --stop B [--stride S] is t = A, A+S, ... < B
(--start defaults to 0). Every t must satisfy 0 <= t <= 2**53.

Formats (default: from the extension of -o, else csv):
  csv   a header 'step,lr', then one row per step; lr is Python's repr of the binary64 value
        (shortest text that reads back to the same number; nan, inf, -inf when not finite)
  json  {"name": ..., "steps": [...], "lr": [...]}; a non-finite lr is the string "NaN",
        "Infinity" or "-Infinity" (strict JSON has no such numbers; float() reads them back)
  npy   a NumPy .npy file of float64 (float32 with --float32); needs -o or a redirected stdout
--float32 computes in binary64 and rounds each value to binary32 (the CSV/JSON text is then the
exact binary32 value).

Example:
  lrspec eval examples/cosine-decay-small.yaml --steps 100
  lrspec eval schedule.yaml --start 0 --stop 1000000 --stride 1000 --format json -o lr.json
  lrspec eval schedule.yaml --steps 100000 -o lr.npy

A progress bar appears on standard error for long runs on an interactive terminal (not when
standard error is piped, nor when the CI environment variable is set).
"""

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", formatter_class=RAW, epilog=_EVAL_EPILOG,
                       help="write lr(t) for a range of steps",
                       description="Evaluate a schedule at a range of steps and write step and lr.")
    p.add_argument("file", metavar="FILE", help="the document ('-' for standard input)")
    add_range(p, stride=True)
    p.add_argument("--format", choices=("csv", "json", "npy"), default=None,
                   help="output format (default: from the extension of -o, else csv)")
    p.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of standard output")
    p.add_argument("--float32", action="store_true", help="round each value to binary32")
    p.add_argument("--momentum", action="store_true", help="the document's momentum schedule instead of lr")
    p.set_defaults(run=_cmd_eval, parser=p)


def _schedule(args: argparse.Namespace) -> Spec:
    """The document's schedule, or with --momentum its momentum schedule."""
    spec = load(args.file)
    if not args.momentum:
        return spec
    momentum = spec.momentum
    if momentum is None:
        raise LrspecError(Diagnostic("the document has no momentum schedule: give it a momentum node, or use a "
                                     "torch.OneCycleLR or torch.CyclicLR schedule with cycle_momentum",
                                     "momentum", file=args.file))
    return momentum


def _cmd_eval(args: argparse.Namespace) -> int:
    steps = step_range(args)
    fmt = args.format
    if fmt is None:
        suffix = os.path.splitext(args.output or "")[1].lower()
        fmt = {".npy": "npy", ".json": "json"}.get(suffix, "csv")
    to_stdout = args.output in (None, "-")
    if fmt == "npy" and to_stdout and isatty(sys.stdout):
        raise Usage("--format npy writes binary data; give -o OUT.npy or redirect standard output")
    spec = _schedule(args)

    import numpy as np

    dtype = np.float32 if args.float32 else np.float64
    # the bar shares the terminal with the output only when the output goes elsewhere
    progress = Progress(len(steps), "eval", enabled=wanted() and not (to_stdout and isatty(sys.stdout)))
    chunks = _chunks(spec, steps, dtype, progress)
    writer = {"csv": _write_csv, "json": _write_json, "npy": _write_npy}[fmt]
    try:
        if to_stdout:
            stream = sys.stdout.buffer if fmt == "npy" else sys.stdout
            writer(stream, spec, steps, chunks, dtype)
            stream.flush()
            return EXIT_OK
        return write_file(args.output, "wb" if fmt == "npy" else "w",
                          lambda stream: writer(stream, spec, steps, chunks, dtype))
    finally:
        progress.close()


def _chunks(spec: Spec, steps: range, dtype: Any, progress: Progress | None = None) -> Callable[[], Any]:
    """A generator factory of (steps, values) per chunk; the first chunk is computed eagerly so that
    an evaluation error surfaces before any output is written."""
    first = spec.evaluate(steps[:CHUNK], dtype=dtype) if len(steps) else None

    def generate() -> Any:
        for lo in range(0, len(steps), CHUNK):
            part = steps[lo:lo + CHUNK]
            yield part, (first if lo == 0 else spec.evaluate(part, dtype=dtype))
            if progress is not None:
                progress.update(lo + len(part))
    return generate


def _write_csv(stream: IO[str], spec: Spec, steps: range, chunks: Callable[[], Any], dtype: Any) -> None:
    stream.write("step,lr\n")
    for part, values in chunks():
        stream.write(_csv_rows(part, values.tolist()))


def _csv_rows(part: range, values: list[float]) -> str:
    """A chunk's ``step,lr`` lines from one %-format of the whole chunk (``%d`` of an int is its str, ``%r`` of a
    float its repr, ``nan``/``inf``/``-inf`` included): the per-row work is only the conversions."""
    return ("%d,%r\n" * len(values)) % tuple(chain.from_iterable(zip(part, values, strict=True)))


def _write_json(stream: IO[str], spec: Spec, steps: range, chunks: Callable[[], Any], dtype: Any) -> None:
    stream.write('{"name": ' + json.dumps(spec.name) + ', "steps": [')
    for lo in range(0, len(steps), CHUNK):
        stream.write((", " if lo else "") + ", ".join(map(str, steps[lo:lo + CHUNK])))
    stream.write('], "lr": [')
    for i, (_, values) in enumerate(chunks()):
        stream.write((", " if i else "") + _json_numbers(values))
    stream.write("]}\n")


def _json_numbers(values: Any) -> str:
    """A chunk's values as JSON: json.dumps writes a finite float as its repr, so an all-finite chunk is joined in
    bulk; only a chunk with a non-finite value goes value by value."""
    import numpy as np

    if np.isfinite(values).all():
        return ", ".join(map(repr, values.tolist()))
    return ", ".join(json.dumps(number(v)) for v in values.tolist())


def _write_npy(stream: IO[bytes], spec: Spec, steps: range, chunks: Callable[[], Any], dtype: Any) -> None:
    import numpy as np

    little = np.dtype(dtype).newbyteorder("<")
    np.lib.format.write_array_header_1_0(stream, {"descr": np.lib.format.dtype_to_descr(little),
                                                  "fortran_order": False, "shape": (len(steps),)})
    for _, values in chunks():
        stream.write(values.astype(little, copy=False).tobytes())
