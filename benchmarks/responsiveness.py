"""Where users wait: arrays of steps against optax under jax.jit, the command line's latency after an edit, and the
streaming audit against evaluating the same range.

    python benchmarks/responsiveness.py                # 10**7 array steps, 10**8 audit steps
    python benchmarks/responsiveness.py --steps 1e6 --audit-steps 1e7   # a quick run

benchmarks/run.py includes the same rows in RESULTS.md. Times are the best of ``--reps`` calls after a warm-up
call and a second of further calls (a busy process on a virtual machine runs slower at first); a ratio is the
peer's time over lrspec's, so above 1 lrspec is faster. Every row first checks that both sides compute the same
rates (to float32 rounding), so a ratio never compares different schedules.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["array_rows", "cli_rows", "audit_rows", "WARMUP", "warm_cosine"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARMUP = 1000


def warm_cosine(n: int) -> dict[str, Any]:
    """A linear warm-up of 1000 steps from 0 to 0.1, then a cosine to 0 at step n: optax's
    ``warmup_cosine_decay_schedule(0, 0.1, 1000, n, 0)``."""
    return {"lrspec": 1, "name": "warmup-cosine", "schedule": {
        "type": "cosine", "initial_lr": 0.1, "final_lr": 0.0, "decay_steps": n - WARMUP,
        "warmup": {"steps": WARMUP, "initial_lr": 0.0}}}


def _best(run: Callable[[], Any], reps: int, settle: float = 1.0) -> float:
    run()
    end = time.perf_counter() + settle
    while time.perf_counter() < end:
        run()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _optax(n: int) -> Callable[[Any], Any]:
    import optax

    return optax.warmup_cosine_decay_schedule(0.0, 0.1, WARMUP, n, 0.0)


def array_rows(n: int = 10**7, reps: int = 7, settle: float = 1.0) -> tuple[list[str], dict[str, float]]:
    """lrspec on a range, a sorted array, a strided array and a shuffled array of steps, float64 and float32,
    against optax's jitted schedule on the same steps; also sort-then-scatter for the shuffled array."""
    import jax
    import jax.numpy as jnp

    import lrspec

    spec = lrspec.load(warm_cosine(n))
    schedule = jax.jit(_optax(n))
    rng = np.random.default_rng(0)
    inputs = {"range(N)": range(n), "np.arange(N)": np.arange(n), "np.arange(0, 10 N, 10)": np.arange(0, 10 * n, 10),
              "shuffled np.arange(N)": rng.permutation(n)}
    lines = [f"lrspec `evaluate` on N = {n:.0e} steps of a warm-up + cosine; optax: `warmup_cosine_decay_schedule` "
             "under `jax.jit` on the same steps (int32, float32 as JAX computes by default).", "",
             "| steps | optax jit | lrspec float64 | ratio | lrspec float32 | ratio |", "|---|---|---|---|---|---|"]
    ratios: dict[str, float] = {}
    for label, steps in inputs.items():
        as_array = np.asarray(steps)
        device = jnp.asarray(np.minimum(as_array, 2**31 - 1).astype(np.int32))
        peer = _best(lambda device=device: schedule(device).block_until_ready(), reps, settle)
        expected = np.asarray(schedule(device), dtype=np.float64)
        if as_array.max() < n:  # optax and lrspec agree where optax's schedule is defined by the same formula
            got = spec.evaluate(steps, dtype=np.float32).astype(np.float64)
            assert np.abs(got - expected).max() <= 2e-7, label
        cells = [label, f"{peer * 1e3:.1f} ms ({n / peer / 1e6:,.0f} M/s)"]
        for dtype in (np.float64, np.float32):
            ours = _best(lambda steps=steps, dtype=dtype: spec.evaluate(steps, dtype=dtype), reps, settle)
            ratios[f"{label} {np.dtype(dtype).name}"] = peer / ours
            cells += [f"{ours * 1e3:.1f} ms ({n / ours / 1e6:,.0f} M/s)", f"{peer / ours:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    shuffled = inputs["shuffled np.arange(N)"]

    def sort_then_scatter() -> Any:
        order = np.argsort(shuffled, kind="stable")
        out = np.empty(n)
        out[order] = spec.evaluate(shuffled[order])
        return out

    scatter = _best(sort_then_scatter, max(3, reps // 2), settle)
    each = _best(lambda: spec.evaluate(shuffled), reps, settle)
    lines += ["", f"Shuffled steps, float64: step by step {each * 1e3:.1f} ms; sort, evaluate the sorted steps by "
              f"segments, scatter back {scatter * 1e3:.1f} ms ({scatter / each:.1f}× slower): unsorted blocks go "
              "step by step.", ""]
    ratios["shuffled sort/each"] = scatter / each
    return lines, ratios


def _wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _document(path: Path, peak: float) -> str:
    path.write_text(f"lrspec: 1\nschedule:\n  type: cosine\n  initial_lr: {peak!r}\n  final_lr: 0.0\n"
                    "  warmup: {steps: 1000, initial_lr: 0.0}\n"
                    "  restarts: {period: 100000, period_mul: 2.0, decay: 0.5}\n", encoding="utf-8")
    return str(path)


def cli_rows(steps: int = 10**6, reps: int = 5) -> tuple[list[str], dict[str, float]]:
    """Wall seconds of ``lrspec eval --steps`` (CSV to a pipe): with an empty kernel cache, cached, and on a
    document with new numbers in a cached structure; and of ``plot``, ``explain`` and ``diff``, cached."""
    import statistics

    cmd = [sys.executable, "-m", "lrspec"]
    with tempfile.TemporaryDirectory(prefix="lrspec-latency-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "LRSPEC_CACHE_DIR": str(folder / "cache")}
        doc = _document(folder / "a.yaml", 0.1)
        other = _document(folder / "b.yaml", 0.2)
        run = [*cmd, "eval", doc, "--steps", str(steps)]
        cold = _wall(run, env)
        cached = statistics.median(_wall(run, env) for _ in range(reps))
        fresh = statistics.median(_wall([*cmd, "eval", _document(folder / f"n{k}.yaml", 0.1 + 0.01 * (k + 1)),
                                         "--steps", str(steps)], env) for k in range(reps))
        json_out = statistics.median(_wall([*run, "--format", "json"], env) for _ in range(reps))
        small = statistics.median(_wall([*cmd, "eval", doc, "--steps", "100"], env) for _ in range(reps))
        plot = explain = diff = float("nan")
        plot = statistics.median(_wall([*cmd, "plot", doc, "-o", str(folder / "a.png")], env) for _ in range(3))
        explain = statistics.median(_wall([*cmd, "explain", doc], env) for _ in range(3))
        start = time.perf_counter()
        subprocess.run([*cmd, "diff", doc, other], env=env, stdout=subprocess.DEVNULL)  # exit 1: they differ
        diff = time.perf_counter() - start
    lines = ["| command | seconds |", "|---|---|",
             f"| `lrspec eval --steps {steps}`, empty kernel cache (cold start) | {cold:.2f} |",
             f"| the same, cached | {cached:.2f} |",
             f"| the same on a document with new numbers, structure cached | {fresh:.2f} ({fresh / cached:.2f}× "
             "cached) |",
             f"| `lrspec eval --steps {steps} --format json`, cached | {json_out:.2f} |",
             f"| `lrspec eval --steps 100`, cached (start-up) | {small:.2f} |",
             f"| `lrspec plot` (default window), cached | {plot:.2f} |",
             f"| `lrspec explain`, cached | {explain:.2f} |",
             "| `lrspec diff` of two documents over the default window (5.1e8 steps), cached | "
             f"{diff:.2f} |", ""]
    return lines, {"cold": cold, "cached": cached, "fresh": fresh, "ratio": fresh / cached}


def audit_rows(n: int = 10**8, reps: int = 5, settle: float = 1.0,
               names: tuple[str, ...] = ("restarts", "four_phase")) -> tuple[list[str], dict[str, float]]:
    """``audit(0, N)`` against ``evaluate(range(N))`` on the same schedules (benchmarks/specs.py)."""
    sys.path.insert(0, str(HERE))
    from specs import SPECS

    import lrspec

    lines = [f"| schedule | evaluate(range(N)), N = {n:.0e} | audit(0, N) | audit / evaluate |", "|---|---|---|---|"]
    ratios = {}
    for name in names:
        spec = lrspec.load(SPECS[name])
        evaluate = _best(lambda spec=spec: spec.evaluate(range(n)), reps, settle)
        audit = _best(lambda spec=spec: spec.audit(0, n), reps, settle)
        ratios[name] = audit / evaluate
        lines.append(f"| {name} | {evaluate:.3f} s | {audit:.3f} s | {audit / evaluate:.2f}× |")
    return lines + [""], ratios


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=lambda s: int(float(s)), default=10**7)
    p.add_argument("--audit-steps", type=lambda s: int(float(s)), default=10**8)
    args = p.parse_args(argv)
    for lines, ratios in (array_rows(args.steps), audit_rows(args.audit_steps), cli_rows()):
        print("\n".join(lines))
        print(ratios)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
