"""Audits spread over a Dask cluster (the ``dask`` extra): each document's range is cut into blocks on the audit's
chunk grid, one task per block, and the parts merge exactly, so the result is bit for bit the local audit's.

A document travels to the workers as its canonical JSON mapping (plain data, never the client's compiled kernel);
a worker loads it once, keeps the bound kernel by digest, and reads the compiled kernel from the on-disk cache.
"""

from __future__ import annotations

import numbers
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, LrspecError

if TYPE_CHECKING:
    from .eval.auditing import Part
    from .spec import Audit, Spec

__all__ = ["audit_many", "local_cluster", "BLOCK", "MAX_BLOCKS", "INSTALL"]

#: Steps per task: 2**27 steps take 0.4-0.5 s of one core for typical schedules (3e8 steps/s), long enough that
#: Dask's cost per task (milliseconds) is under 1%, short enough that a few cores get dozens of tasks to balance.
BLOCK = 1 << 27
#: At most this many tasks per document: a longer range gets longer tasks, so the scheduler is never flooded.
MAX_BLOCKS = 4096
#: How to get the extra this module needs.
INSTALL = "pip install 'lrspec[dask]'"
#: Loaded documents a worker keeps (by digest), so that a document's blocks load it only once.
_KEEP = 256

_kernels: OrderedDict[str, Any] = OrderedDict()
_kernels_lock = threading.Lock()


def audit_many(docs: Iterable[Spec | str | Path | dict[str, Any]], start: int, stop: int, client: Any = None, *,
               block: int | None = None, progress: Callable[[int], None] | None = None) -> list[Audit]:
    """The audit of each document over ``start <= t < stop`` on a Dask cluster, equal to ``spec.audit(start, stop)``.

    ``docs`` are specs or whatever :func:`lrspec.load` takes (loaded here, so an invalid one fails before any task
    runs); ``client`` defaults to the active ``distributed`` client; ``block`` is the steps per task (rounded up
    to whole chunks, and widened to keep at most :data:`MAX_BLOCKS` tasks per document); ``progress(done)`` is
    called with the steps done over all documents as tasks finish.
    """
    from .spec import Spec, _check_range, load

    distributed = _distributed()
    start, stop = _check_range(start, stop)
    if block is not None and (isinstance(block, bool) or not isinstance(block, numbers.Integral) or block < 1):
        raise LrspecError(Diagnostic(f"block must be a positive integer number of steps, got {block!r}", "block"))
    specs = [doc if isinstance(doc, Spec) else load(doc) for doc in docs]
    if not specs:
        return []
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            raise LrspecError(Diagnostic("no Dask client is active: pass client=distributed.Client(...), or "
                                         "create one first", "client")) from None
    digests = [spec.digest() for spec in specs]
    sent: dict[str, dict[str, Any]] = {}  # one document's tasks serve every copy of it
    for spec, digest in zip(specs, digests, strict=True):
        if digest not in sent:
            sent[digest] = _as_data(spec, digest)
    parts = _run(distributed, client, sent, start, stop, _blocks(start, stop, block), progress)
    return [parts[digest].audit() for digest in digests]


def local_cluster(workers: int) -> Any:
    """A quiet ``distributed.LocalCluster`` of ``workers`` single-threaded worker processes (close it after use)."""
    import logging

    distributed = _distributed()
    # no dashboard, and the scheduler's small HTTP server on a free port rather than a warning when 8787 is taken
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                    scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use (``import lrspec`` never loads it)."""
    try:
        import distributed
    except ImportError:
        raise LrspecError(Diagnostic(f"auditing on a Dask cluster needs dask.distributed: {INSTALL}")) from None
    return distributed


def _blocks(start: int, stop: int, block: int | None) -> list[tuple[int, int]]:
    """The tasks' ranges, cut on the chunk grid that starts at ``start`` (the grid of the local audit)."""
    from .eval.auditing import split

    size = max(BLOCK if block is None else int(block), -(-(stop - start) // MAX_BLOCKS))
    return split(start, stop, size)


def _as_data(spec: Spec, digest: str) -> dict[str, Any]:
    """The document as the plain mapping workers load; checked to load back to the very same schedule."""
    from .spec import load

    data = spec.document.model_dump(mode="json", exclude_none=True)
    if load(data).digest() != digest:
        raise LrspecError(Diagnostic(f"{spec.name}: the document does not load back from its canonical form, so it "
                                     "cannot be sent to workers", file=spec.source))
    return data


def _run(distributed: Any, client: Any, sent: dict[str, dict[str, Any]], start: int, stop: int,
         blocks: list[tuple[int, int]], progress: Callable[[int], None] | None) -> dict[str, Part]:
    """One task per (document, block), merged per document in whatever order they finish."""
    owners, futures = [], []
    for digest, data in sent.items():
        lows, highs = zip(*blocks, strict=True)
        batch = client.map(_part, [data] * len(blocks), [digest] * len(blocks), lows, highs,
                           [start] * len(blocks), key=f"lrspec-audit-{digest[:16]}", pure=False)
        owners += [digest] * len(batch)
        futures += batch
    owner = {future.key: digest for future, digest in zip(futures, owners, strict=True)}
    merged: dict[str, Part] = {}
    done = 0
    try:
        for future, part in distributed.as_completed(futures, loop=client.loop, with_results=True):
            digest = owner[future.key]
            merged[digest] = part if digest not in merged else merged[digest] + part
            done += part.stop - part.start
            if progress is not None:
                progress(done)
    finally:
        client.cancel([future for future in futures if not future.done()])
    return merged


def _part(data: dict[str, Any], digest: str, lo: int, hi: int, origin: int) -> Part:
    """On a worker: the :class:`~lrspec.eval.auditing.Part` of ``lo <= t < hi``, on one thread (Dask runs one
    task per worker thread)."""
    from .eval.auditing import audit_part

    return audit_part(_kernel(data, digest), lo, hi, origin=origin, threads=1)


def _kernel(data: dict[str, Any], digest: str) -> Any:
    """The bound kernel of a document, loaded once per worker process (kept for the last :data:`_KEEP` documents)."""
    from .eval import kernel_for
    from .spec import load

    with _kernels_lock:
        kernel = _kernels.get(digest)
        if kernel is not None:
            _kernels.move_to_end(digest)
            return kernel
    kernel = kernel_for(load(data))
    with _kernels_lock:
        _kernels[digest] = kernel
        while len(_kernels) > _KEEP:
            _kernels.popitem(last=False)
    return kernel
