"""A long audit on this machine's cores against the same audit on local Dask clusters of single-threaded workers.

    python benchmarks/dask_audit.py                  # 10**10 steps (about a minute on 2 cores)
    python benchmarks/dask_audit.py --steps 1e9      # a quick run

Each cluster is started, then warmed up (every worker loads the kernel, and a small audit runs) before the timed
audit. The overhead per task is the worker time not spent computing: (workers x wall time - the tasks' summed
compute time) / tasks, so it counts Dask's own cost per task and the idle tail at the end of the run. Every
cluster's result is checked to equal the local audit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["rows", "DOC"]

HERE = Path(__file__).resolve().parent

DOC = {"lrspec": 1, "schedule": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.0,
                                 "warmup": {"steps": 1000, "initial_lr": 0.0},
                                 "restarts": {"period": 100000, "period_mul": 2.0, "decay": 0.5}}}


def _warm(client: Any, spec: Any) -> None:
    """Load the kernel in every worker, then run one small audit through the scheduler."""
    import lrspec
    from lrspec.distributed import _part
    from lrspec.eval.auditing import AUDIT_CHUNK

    data = spec.document.model_dump(mode="json", exclude_none=True)
    client.run(_part, data, spec.digest(), 0, AUDIT_CHUNK, 0)  # one chunk on every worker: its kernel is loaded
    lrspec.audit_many([spec], 0, 1 << 20, client)


def _on_cluster(spec: Any, n: int, workers: int) -> tuple[float, int, float, Any]:
    """Wall seconds, tasks and summed compute seconds of the audit on ``workers`` processes, and its result."""
    import distributed

    import lrspec
    from lrspec.distributed import local_cluster

    with local_cluster(workers) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        _warm(client, spec)
        with distributed.get_task_stream(client) as stream:
            start = time.perf_counter()
            (result,) = lrspec.audit_many([spec], 0, n, client)
            wall = time.perf_counter() - start
    spans = [s for task in stream.data for s in task["startstops"] if s["action"] == "compute"]
    return wall, len(spans), sum(s["stop"] - s["start"] for s in spans), result


def rows(n: int = 10**10, workers: tuple[int, ...] = (1, 2, 4)) -> tuple[list[str], dict[int, float]]:
    """The markdown table (the local audit, then one row per cluster size) and each cluster's speed as a fraction
    of the local audit's."""
    import lrspec

    spec = lrspec.load(DOC)
    spec.audit(0, 1 << 20)  # compile (or load) the kernel
    start = time.perf_counter()
    local = spec.audit(0, n)
    seconds = time.perf_counter() - start
    out = ["| run | steps | seconds | steps/s | × local | tasks | overhead per task |",
           "|---|---|---|---|---|---|---|",
           f"| local audit (all cores, one process) | {n:.0e} | {seconds:.2f} | {n / seconds:.3g} | 1.00 | — | — |"]
    ratios = {}
    for w in workers:
        wall, tasks, compute, result = _on_cluster(spec, n, w)
        if result != local:
            raise AssertionError(f"{w} workers: {result} differs from the local audit {local}")
        overhead = (w * wall - compute) / max(tasks, 1)
        ratios[w] = seconds / wall
        out.append(f"| Dask, {w} single-threaded worker{'s' if w > 1 else ''} | {n:.0e} | {wall:.2f} | "
                   f"{n / wall:.3g} | {seconds / wall:.2f} | {tasks} | {overhead * 1e3:.1f} ms |")
    return out, ratios


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=float, default=1e10, help="steps audited (default 1e10)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="cluster sizes (default 1 2 4)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from harness import load_average, machine

    before = load_average()
    table, _ = rows(int(args.steps), tuple(args.workers))
    print(f"- load average (1/5/15 min) before {before}, after {load_average()}")
    print("\n".join(f"- {line}" for line in machine()))
    print()
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
