"""``lrspec validate`` and ``lrspec schema``: checking documents (numpy and numba only for --check-range)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, LrspecError, render_json, render_text
from ..spec import shown
from ._common import EXIT_FAIL, EXIT_OK, RAW, T_MAX, Usage, _read_stdin, integer, load, out, write_file

if TYPE_CHECKING:
    from ..spec import Spec

_VALIDATE_EPILOG = """\
Problems are printed as  FILE:LINE:COL: path.to.field: message, followed by the source line with a
caret under the column and, when there is one, a help line. --format json prints one JSON array of
{message, path, file, line, column, help} objects for all files (an empty array when all are valid).
Exit status 0 when every file is valid, 1 otherwise. FILE '-' reads standard input.

--check-range N also evaluates each valid schedule (this compiles its kernel) at every step
0..2**20 and at about 2**20 evenly spaced steps up to N, and reports the first value that is
not finite or is negative, at the node (phase, expression) that gives it. It is a sample: a
narrow range of bad values far out can go unseen.

Example:
  lrspec validate schedule.yaml
  lrspec validate --check-range 1000000 schedule.yaml
  lrspec validate -v examples/*.yaml
  lrspec validate --format json configs/*.yaml > problems.json
"""

_SCHEMA_EPILOG = """\
The schema checks fields, types and ranges; relations between fields and expressions are
checked by 'lrspec validate'. Point an editor at it, e.g. as the first line of a YAML file:
  # yaml-language-server: $schema=schemas/lrspec.schema.json

Example:
  lrspec schema > lrspec.schema.json
"""


_NORMALIZE_EPILOG = """\
Prints the document with every library alias (type: keras.CosineDecay, timm.TanhLRScheduler, ...)
replaced by the core nodes it stands for, and every default written out: exactly what the evaluator
and the code generators compute. The output is itself a valid document.

Example:
  lrspec normalize keras-cosine.yaml
  lrspec normalize schedule.yaml --format json
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", formatter_class=RAW, epilog=_VALIDATE_EPILOG,
                       help="check documents and show every problem",
                       description="Check lrspec documents (YAML or JSON) and report every problem with its "
                                   "position.")
    p.add_argument("files", nargs="+", metavar="FILE", help="documents to check ('-' for standard input)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="how to print problems "
                   "(default: text)")
    p.add_argument("-v", "--verbose", action="store_true", help="also print 'FILE: ok' for each valid file")
    p.add_argument("--check-range", type=integer, metavar="N", default=None,
                   help="also evaluate steps 0..N (sampled beyond 2**20) and report non-finite or negative rates")
    p.set_defaults(run=_cmd_validate, parser=p)

    p = sub.add_parser("schema", formatter_class=RAW, epilog=_SCHEMA_EPILOG,
                       help="print the JSON Schema of the format",
                       description="Print the JSON Schema (draft 2020-12) of lrspec documents, format version 1.")
    p.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of standard output")
    p.set_defaults(run=_cmd_schema, parser=p)

    p = sub.add_parser("normalize", formatter_class=RAW, epilog=_NORMALIZE_EPILOG,
                       help="print the core form of a document (library aliases desugared)",
                       description="Print a document in core form: aliases desugared, defaults filled in.")
    p.add_argument("file", metavar="FILE", help="the document ('-' for standard input)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml", help="output format (default: yaml)")
    p.set_defaults(run=_cmd_normalize, parser=p)


def _cmd_validate(args: argparse.Namespace) -> int:
    if args.check_range is not None and not 0 <= args.check_range <= T_MAX:
        raise Usage(f"--check-range must be >= 0 and <= 2**53, got {shown(args.check_range)}")
    problems: list[Diagnostic] = []
    for file in args.files:
        try:
            if args.check_range is None:
                load(file)
            else:
                _check_range(file, args.check_range)
        except LrspecError as exc:
            problems.extend(exc.diagnostics)
            if args.format == "text":
                out(render_text(exc.diagnostics) + "\n")
        else:
            if args.verbose and args.format == "text":
                out(f"{'<stdin>' if file == '-' else file}: ok\n")
    if args.format == "json":
        out(render_json(problems) + "\n")
    return EXIT_FAIL if problems else EXIT_OK


#: Every step below this is evaluated; beyond it about as many steps, evenly spaced, and the large steps where
#: counters in binary32 or int32 go wrong.
_DENSE = 1 << 20
_CHUNK = 1 << 18
_LANDMARKS = (2**24 - 1, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**31 + 5, 10**12, 2**53 - 1, 2**53)


def _samples(n: int) -> list[Any]:
    """Ranges and lists of steps in 0..n, in increasing order of their first step."""
    parts: list[Any] = [range(lo, min(lo + _CHUNK, n + 1, _DENSE)) for lo in range(0, min(n + 1, _DENSE), _CHUNK)]
    if n >= _DENSE:
        stride = max(1, (n - _DENSE) // _DENSE)
        far = range(_DENSE, n + 1, stride)
        parts += [far[i:i + _CHUNK] for i in range(0, len(far), _CHUNK)]
        parts.append(sorted({n, *(s for s in _LANDMARKS if _DENSE <= s <= n)}))
    return parts


def _check_range(file: str, n: int) -> None:
    """Load ``file`` and raise a positioned LrspecError at the first sampled step whose rate is not finite or < 0."""
    import math

    import numpy as np

    from ..loading import load_path
    from ..spec import Spec
    from ..validation import validate

    loaded = _read_stdin() if file == "-" else load_path(file)
    spec = Spec(validate(loaded), loaded.name)
    found: tuple[int, float] | None = None
    for steps in _samples(n):
        values = spec.evaluate(steps)
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            i = int(bad[0])
            found = (int(steps[i]), float(values[i]))
            break
    if found is None:
        return
    t, value = found
    what = "nan" if math.isnan(value) else ("inf" if value == math.inf else "-inf" if value == -math.inf
                                           else f"negative ({value!r})")
    loc, local = _node_at(spec, t)
    where = f" (step {local} of this node)" if local != t else ""
    raise LrspecError(loaded.diagnostic(loc, f"lr(t) is {what} at t = {t}{where}; --check-range {n} requires a "
                                        "finite rate >= 0 at every step 0..N", help="bound the expression (min, "
                                        "max, where) or add clamp: {min_lr: 0, max_lr: ...}"))


def _node_at(spec: Spec, t: int) -> tuple[tuple[str | int, ...], int]:
    """The path of the innermost written node (a sequence phase, an expression) that step ``t`` reaches."""
    node: Any = spec.document.schedule
    loc: tuple[str | int, ...] = ("schedule",)
    while getattr(node, "phases", None) is not None and node.restarts is None:
        if node.warmup is not None and node.warmup.prefix:  # the phases start after the warm-up
            if t < node.warmup.steps:
                return loc + ("warmup",), t
            t -= node.warmup.steps
        start = 0
        for k, phase in enumerate(node.phases):
            if k == len(node.phases) - 1 or t < start + phase.steps:
                node, loc, t = phase, loc + ("phases", k), t - start
                break
            start += phase.steps
    if isinstance(getattr(node, "expr", None), str):
        loc += ("expr",)
    elif getattr(node, "scale_fn", None) is not None:
        loc += ("scale_fn",)
    return loc, t


def _cmd_schema(args: argparse.Namespace) -> int:
    from ..schema import render

    text = render()
    if args.output in (None, "-"):
        out(text)
        return EXIT_OK
    return write_file(args.output, "w", lambda stream: stream.write(text))




def _cmd_normalize(args: argparse.Namespace) -> int:
    import json

    import yaml

    from ..expand import core_mapping

    data = core_mapping(load(args.file).document)
    if args.format == "json":
        out(json.dumps(data, indent=2) + "\n")
    else:
        out(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return EXIT_OK
