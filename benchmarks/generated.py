"""Generated code against the library schedule it stands in for, and noise against no noise, in one run.

    python benchmarks/generated.py                 # 10**7 steps; writes benchmarks/GENERATED.md
    python benchmarks/generated.py --steps 100000 --out /tmp/g.md   # a smoke run

benchmarks/run.py includes the same rows in RESULTS.md.

Each measurement runs in a fresh process. After a warm-up call (a trace or compile), the memory is the growth
of the process's peak resident size during ``--reps`` calls; then, after two more seconds of calls (the first
second or so of a busy process runs slower on a virtual machine), the time is the best of ``--reps`` calls. Every row
first checks that both sides compute the same rates (float32 rule of spec/targets.md), so a ratio never
compares different schedules.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

__all__ = ["rows"]

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RESTARTS = {"lrspec": 1, "name": "keras-restarts", "schedule": {
    "type": "keras.CosineDecayRestarts", "initial_learning_rate": 0.1, "first_decay_steps": 1000, "t_mul": 2.0,
    "m_mul": 0.9, "alpha": 0.01}}
WARMUP_COSINE = {"lrspec": 1, "name": "optax-warmup-cosine", "schedule": {
    "type": "optax.warmup_cosine_decay_schedule", "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10_000,
    "decay_steps": 9_000_000, "end_value": 1e-5}}
NOISY = {"lrspec": 1, "name": "noisy", "schedule": {
    "type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": 9_000_000,
    "noise": {"seed": 7, "std": 0.05, "pct": 0.1}}}
QUIET = {"lrspec": 1, "name": "quiet", "schedule": {k: v for k, v in NOISY["schedule"].items() if k != "noise"}}

#: One side of a row: builds ``run(steps)`` and ``rates(steps)`` (numpy float64) in a fresh process.
SIDE = textwrap.dedent('''
    import gc, json, resource, sys, time, types
    import numpy as np
    kind, document, n, reps = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    settle = float(sys.argv[5])

    def generated(target):
        import lrspec
        from lrspec.codegen import generate
        module = types.ModuleType("generated")
        exec(compile(generate(lrspec.load(document), target), "generated.py", "exec"), module.__dict__)
        return module

    if kind == "tf-generated" or kind == "keras":
        import tensorflow as tf
        steps = tf.range(n, dtype=tf.int64)
        if kind == "keras":
            import keras
            s = document["schedule"]
            schedule = keras.optimizers.schedules.CosineDecayRestarts(
                s["initial_learning_rate"], s["first_decay_steps"], t_mul=s["t_mul"], m_mul=s["m_mul"],
                alpha=s["alpha"])
        else:
            module = generated("tf")
            schedule = next(v for v in vars(module).values() if isinstance(v, type) and hasattr(v, "get_config")
                            and v.__module__ == "generated")()
        run = lambda: schedule(steps).numpy()
    elif kind in ("jax-generated", "optax"):
        import jax, jax.numpy as jnp
        steps = jnp.arange(n, dtype=jnp.int32)
        if kind == "optax":
            import optax
            s = document["schedule"]
            fn = optax.warmup_cosine_decay_schedule(s["init_value"], s["peak_value"], s["warmup_steps"],
                                                     s["decay_steps"], s["end_value"])
        else:
            fn = generated("jax").schedule
        jitted = jax.jit(fn)
        run = lambda: np.asarray(jitted(steps).block_until_ready())
    elif kind == "kernel":
        import lrspec
        spec = lrspec.load(document)
        run = lambda: spec.evaluate(range(n))
    else:
        raise SystemExit(f"unknown side {kind}")

    values = run()  # warm-up: trace, compile
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(reps):
        out = run()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    busy = time.perf_counter() + settle  # the first second or so of a busy process runs slower here: untimed
    while time.perf_counter() < busy:
        out = run()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    sample = np.asarray(values, dtype=np.float64)[:: max(1, n // 4096)]
    print(json.dumps({"seconds": min(times), "rss_kib": grown, "sample": sample.tolist()}))
''')


def _side(kind: str, document: dict, n: int, reps: int, settle: float = 2.0) -> dict:
    proc = subprocess.run([sys.executable, "-c", SIDE, kind, json.dumps(document), str(n), str(reps), str(settle)],
                          capture_output=True, text=True, timeout=1800, env=None)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _agree(a: dict, b: dict) -> bool:
    import numpy as np

    x, y = np.array(a["sample"]), np.array(b["sample"])
    return x.shape == y.shape and bool(np.all(np.abs(x - y) <= 2e-7 * np.abs(y).max() + 1e-6 * np.abs(y)))


def _ratio(label: str, mine: dict, peer: dict, limit: str, compare: bool = True) -> str:
    same = ("yes" if _agree(mine, peer) else "NO") if compare else "other rates by design"
    time_ratio = mine["seconds"] / peer["seconds"]
    mem = (f"{mine['rss_kib'] / 1024:.0f} / {peer['rss_kib'] / 1024:.0f} MiB" if peer["rss_kib"] > 0
           else f"{mine['rss_kib'] / 1024:.0f} / 0 MiB")
    return (f"| {label} | {mine['seconds']:.3f} s / {peer['seconds']:.3f} s = {time_ratio:.2f}× | {mem} | {limit} "
            f"| {same} |")


def rows(n: int = 10**7, reps: int = 3) -> list[str]:
    """The table of issue 13's rows: time and peak-memory growth of each side, and whether they agree."""
    out = ["| row | time (lrspec / peer) | peak memory growth (lrspec / peer) | target | same rates |",
           "|---|---|---|---|---|"]
    out.append(_ratio("generated TF vs keras CosineDecayRestarts(0.1, 1000, t_mul=2, m_mul=0.9, alpha=0.01)",
                      _side("tf-generated", RESTARTS, n, reps), _side("keras", RESTARTS, n, reps),
                      "time and memory ≤ 2×"))
    out.append(_ratio("generated JAX vs optax.warmup_cosine_decay_schedule, under jit",
                      _side("jax-generated", WARMUP_COSINE, n, reps), _side("optax", WARMUP_COSINE, n, reps),
                      "time ≤ 1/0.9 = 1.11×"))
    for kind, label in (("tf-generated", "TF"), ("jax-generated", "JAX"), ("kernel", "kernel (all steps noisy)")):
        noisy, quiet = _side(kind, NOISY, n, reps), _side(kind, QUIET, n, reps)
        limit = "time ≤ 3×" if kind == "kernel" else "time ≤ 3×, memory ≤ 2×"
        out.append(_ratio(f"noise vs none, {label}", noisy, quiet, limit, compare=False))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=float, default=1e7)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", type=Path, default=HERE / "GENERATED.md")
    args = p.parse_args(argv)
    from harness import load_average, machine

    started, before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average()
    table = rows(int(args.steps), args.reps)
    text = ["# Generated code against the libraries", "",
            "Produced by `python benchmarks/generated.py" + "".join(f" {a}" for a in sys.argv[1:]) +
            "`; do not edit by hand.", "",
            f"- Run: {started}; N = {int(args.steps):.0e} steps; load average before {before}, after {load_average()}",
            *[f"- {line}" for line in machine()],
            f"- Each side in a fresh process: memory is the growth of the peak resident size during {args.reps} calls "
            f"after a warm-up call; time the best of {args.reps} calls after two more seconds of calls.", "",
            *table, ""]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
