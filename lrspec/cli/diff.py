"""``lrspec diff``: do two schedules give the same rates over a range of steps? Exit 1 when they differ,
so that a refactored config can be guarded in CI."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._common import EXIT_FAIL, EXIT_OK, RAW, Usage, add_range, load, out, step_range
from ._progress import Progress

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["register", "Difference", "compare"]

CHUNK = 1 << 20

_EPILOG = """\
Evaluates both schedules at every step of the range (default: long enough to cover both, as
'lrspec plot' shows them) and compares the binary64 values. Two values agree when they are equal,
or within --rtol (relative to the larger magnitude) or --atol; NaN agrees with NaN.
Exit status 0 when they agree at every step, 1 when they differ (first differing step, largest
absolute and relative difference and where), 2 on a usage error.

Example:
  lrspec diff old.yaml new.yaml
  lrspec diff keras-cosine.yaml examples/cosine-decay-alpha.yaml --steps 100000
  lrspec diff a.yaml b.yaml --rtol 1e-12
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", formatter_class=RAW, epilog=_EPILOG, help="compare two schedules step by step",
                       description="Compare two schedules over a range of steps; exit 1 when they differ.")
    p.add_argument("a", metavar="A", help="the first document")
    p.add_argument("b", metavar="B", help="the second document")
    add_range(p, stride=False)
    p.add_argument("--rtol", type=float, default=0.0, help="relative tolerance (default 0: exact)")
    p.add_argument("--atol", type=float, default=0.0, help="absolute tolerance (default 0: exact)")
    p.set_defaults(run=_cmd_diff, parser=p)


@dataclass(frozen=True)
class Difference:
    """How two schedules compare over ``start <= t < stop``."""

    start: int
    stop: int
    differing: int
    first: int | None = None
    first_a: float = 0.0
    first_b: float = 0.0
    max_abs: float = 0.0
    max_abs_at: int | None = None
    max_rel: float = 0.0
    max_rel_at: int | None = None


def compare(a: Spec, b: Spec, steps: range, rtol: float = 0.0, atol: float = 0.0,
            progress: Callable[[int], None] | None = None) -> Difference:
    """Compare in chunks of ``CHUNK`` steps (bounded memory for any range); ``progress(done)`` after each."""
    import numpy as np

    differing = 0
    first = first_a = first_b = None
    max_abs = max_rel = 0.0
    abs_at = rel_at = None
    for lo in range(0, len(steps), CHUNK):
        part = steps[lo:lo + CHUNK]
        va, vb = a.evaluate(part), b.evaluate(part)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(va - vb)
            scale = np.maximum(np.abs(va), np.abs(vb))
            rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
            same = (va == vb) | (np.isnan(va) & np.isnan(vb)) | (diff <= atol) | (diff <= rtol * scale)
        bad = np.nonzero(~same)[0]
        if progress is not None:
            progress(lo + len(part))
        if not bad.size:
            continue
        differing += int(bad.size)
        if first is None:
            i = int(bad[0])
            first, first_a, first_b = part[i], float(va[i]), float(vb[i])
        d = np.where(np.isfinite(diff), diff, np.inf)[bad]
        i = int(bad[int(np.argmax(d))])
        if abs_at is None or d.max() > max_abs:
            max_abs, abs_at = float(d.max()), part[i]
        r = np.where(np.isfinite(rel), rel, np.inf)[bad]
        i = int(bad[int(np.argmax(r))])
        if rel_at is None or r.max() > max_rel:
            max_rel, rel_at = float(r.max()), part[i]
    return Difference(steps.start, steps.stop, differing, first, first_a or 0.0, first_b or 0.0, max_abs, abs_at,
                      max_rel, rel_at)


def _cmd_diff(args: argparse.Namespace) -> int:
    if args.rtol < 0 or args.atol < 0:
        raise Usage("--rtol and --atol must be >= 0")
    a, b = load(args.a), load(args.b)
    if args.steps is None and args.stop is None:
        from ._shape import window

        steps = range(0, max(window(a), window(b)))
    else:
        steps = step_range(args)
    bar = Progress(len(steps), "diff")
    try:
        d = compare(a, b, steps, args.rtol, args.atol, bar.update)
    finally:
        bar.close()
    span = f"{steps.start} <= t < {steps.stop} ({len(steps)} steps)"
    if not d.differing:
        out(f"{args.a} and {args.b} agree on {span}\n")
        return EXIT_OK
    out(f"{args.a} and {args.b} differ at {d.differing} of {len(steps)} steps in {span}\n"
        f"  first at t={d.first}: {d.first_a!r} vs {d.first_b!r}\n"
        f"  max abs difference {d.max_abs:.6g} at t={d.max_abs_at}\n"
        f"  max rel difference {d.max_rel:.6g} at t={d.max_rel_at}\n")
    return EXIT_FAIL
