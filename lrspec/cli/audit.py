"""``lrspec audit``: min, max, mean, first, last, non-finite count and checksum of lr(t) over a range of steps, for
one document or many, on this machine's cores or on a Dask cluster (the same numbers bit for bit)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, LrspecError
from ._common import EXIT_FAIL, EXIT_OK, RAW, Usage, add_range, integer, load, number, out, step_range
from ._progress import Progress

if TYPE_CHECKING:
    from ..spec import Audit, Spec

__all__ = ["register"]

#: More local worker processes than this is a typo, not a machine.
MAX_WORKERS = 1024

_EPILOG = """\
Prints count, min, max, mean, first, last, the number of non-finite values and a checksum of
lr(t) over the steps, in constant memory (10**9 steps are fine). min, max and mean ignore
non-finite values. Exit status 1 when any value of any document is not finite (nan or inf),
else 0. Long runs show a progress bar on standard error when it is an interactive terminal and
CI is not set. Several documents print one block each, or with --format json a list (one
document prints a single object).

The audit uses every core of this machine. For thousands of documents, or 10**11 steps, spread
it over a Dask cluster (pip install 'lrspec[dask]'): --scheduler ADDRESS uses a running one,
--workers N starts N single-threaded worker processes here for the run. The numbers are bit for
bit those of the local audit (the range is cut on the same chunk grid and sums merge exactly).

Example:
  lrspec audit examples/clr-exp-range.yaml --steps 1000000
  lrspec audit schedule.yaml --start 1000 --stop 2000 --format json
  lrspec audit sweep/*.yaml --steps 1e9 --scheduler tcp://10.0.0.5:8786
  lrspec audit examples/*.yaml --steps 1e10 --workers 8
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", formatter_class=RAW, epilog=_EPILOG,
                       help="summarize lr(t) over a range of steps",
                       description="Summarize schedules over a range of steps: min, max, mean, first, last, "
                                   "non-finite count and checksum.")
    p.add_argument("files", nargs="+", metavar="FILE", help="the documents ('-' for standard input)")
    add_range(p, stride=False)
    cluster = p.add_argument_group("Dask cluster", "audit on a Dask cluster instead of this process "
                                   "(needs: pip install 'lrspec[dask]')").add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="ADDRESS", help="the address of a running scheduler, "
                         "e.g. tcp://10.0.0.5:8786")
    cluster.add_argument("--workers", type=integer, metavar="N", help="start N single-threaded worker "
                         "processes on this machine for the run")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--momentum", action="store_true", help="the documents' momentum schedules instead of lr")
    p.set_defaults(run=_cmd_audit, parser=p)


def _cmd_audit(args: argparse.Namespace) -> int:
    steps = step_range(args)
    if args.files.count("-") > 1:
        raise Usage("standard input ('-') can be read only once")
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise Usage(f"--workers must be >= 1 and <= {MAX_WORKERS}, got {args.workers}")
    distributed = _distributed() if args.workers is not None or args.scheduler is not None else None
    specs = [_schedule(file, args.momentum) for file in args.files]
    progress = Progress(len(steps) * len(specs), "audit")
    try:
        if distributed is None:
            results = [spec.audit(steps.start, steps.stop, lambda done, i=i: progress.update(i * len(steps) + done))
                       for i, spec in enumerate(specs)]
        else:
            results = _on_cluster(distributed, args, specs, steps, progress)
    finally:
        progress.close()
    files = ["<stdin>" if file == "-" else file for file in args.files]
    _show(args.format, files, specs, results)
    failed = False
    for file, result in zip(files, results, strict=True):
        if result.nonfinite:
            sys.stdout.flush()
            print(f"{file}: lr(t) is not finite (nan or inf) at {result.nonfinite} of {result.count} steps in "
                  f"{result.start} <= t < {result.stop}", file=sys.stderr)
            failed = True
    return EXIT_FAIL if failed else EXIT_OK


def _schedule(file: str, momentum: bool) -> Spec:
    """The document's schedule, or with --momentum its momentum schedule."""
    spec = load(file)
    if not momentum:
        return spec
    if spec.momentum is None:
        raise LrspecError(Diagnostic("the document has no momentum schedule: give it a momentum node, or use a "
                                     "torch.OneCycleLR or torch.CyclicLR schedule with cycle_momentum",
                                     "momentum", file=file))
    return spec.momentum


def _distributed() -> Any:
    """The ``distributed`` package, or a usage error saying how to install it."""
    from ..distributed import INSTALL

    try:
        import distributed
    except ImportError:
        raise Usage(f"--scheduler and --workers need dask.distributed: {INSTALL}") from None
    return distributed


def _on_cluster(distributed: Any, args: argparse.Namespace, specs: list[Spec], steps: range,
                progress: Progress) -> list[Audit]:
    """The audits on the scheduler at ``--scheduler``, or on a local cluster of ``--workers`` processes."""
    from ..distributed import audit_many, local_cluster

    with contextlib.ExitStack() as stack:
        if args.scheduler is not None:
            try:
                # a malformed address is refused before a Client exists: a half-made one stalls the exit for a minute
                distributed.comm.resolve_address(args.scheduler)
                client = stack.enter_context(distributed.Client(args.scheduler, set_as_default=False))
            except ValueError as exc:
                raise Usage(f"--scheduler: {exc}") from None
            except OSError as exc:
                raise LrspecError(Diagnostic(f"cannot connect to the Dask scheduler at {args.scheduler}: {exc}",
                                             file="lrspec")) from None
        else:
            cluster = stack.enter_context(local_cluster(args.workers))
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        try:
            return audit_many(specs, steps.start, steps.stop, client, progress=progress.update)
        except distributed.KilledWorker as exc:
            raise LrspecError(Diagnostic(f"a Dask worker died during the audit: {exc}", file="lrspec")) from None


def _show(fmt: str, files: list[str], specs: list[Spec], results: list[Audit]) -> None:
    """One text block per document (blank line between), or JSON: an object for one document, else a list."""
    if fmt == "json":
        rows = [{"file": file, "name": spec.name, **result.as_dict()}
                for file, spec, result in zip(files, specs, results, strict=True)]
        rows = [{k: number(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows]
        out(json.dumps(rows[0] if len(rows) == 1 else rows, indent=2) + "\n")
        return
    blocks = []
    for file, spec, result in zip(files, specs, results, strict=True):
        lines = [("file", file), ("name", spec.name), ("steps", f"{result.start} <= t < {result.stop}")]
        lines += [(k, repr(v) if isinstance(v, float) else str(v)) for k, v in result.as_dict().items()
                  if k not in ("start", "stop")]
        blocks.append("".join(f"{k:<10} {v}\n" for k, v in lines))
    out("\n".join(blocks))
