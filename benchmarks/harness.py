"""Timing: median of repetitions after a warm-up call, the warm-up's extra time reported as compile time.

Also the machine description and the whole-program timings (``lrspec validate``, ``lrspec eval``,
a torch scheduler's ``step()``) that the targets in issue 5 name.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Timing", "time_call", "machine", "load_average", "cli_timings", "torch_step_costs"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Timing:
    seconds: float
    """Median wall time of one evaluation."""
    compile_seconds: float
    """First call minus the median: compilation, tracing, kernel loading."""
    reps: int


def time_call(run: Callable[[], Any], reps: int) -> Timing:
    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return Timing(median, max(0.0, first - median), reps)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions() -> str:
    from importlib import metadata

    found = []
    for names in (("lrspec",), ("numpy",), ("numba",), ("jax",), ("optax",), ("tensorflow", "tensorflow-cpu"),
                  ("keras",), ("torch",), ("timm",)):
        versions = []
        for name in names:
            try:
                versions.append(metadata.version(name))
            except metadata.PackageNotFoundError:
                pass
        found.append(f"{names[0]} {versions[0]}" if versions else f"{names[0]} (absent)")
    return ", ".join(found)


def machine() -> list[str]:
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = " ".join(f for f in ("avx2", "avx512f", "fma") if f" {f} " in text)
    except OSError:
        pass
    return [f"CPU: {_cpu_model()} ({os.cpu_count()} logical cores; {flags or 'no AVX2'})",
            f"OS: {platform.platform()}; Python {platform.python_version()}",
            f"Libraries: {_versions()}"]


def _wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def cli_timings(docs: int = 100, steps: int = 1_000_000, reps: int = 5) -> dict[str, float]:
    """Wall seconds of ``lrspec validate`` on ``docs`` files, and ``lrspec eval --steps`` cold and cached."""
    lrspec = [sys.executable, "-m", "lrspec"]
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    with tempfile.TemporaryDirectory(prefix="lrspec-bench-") as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(docs):
            shutil.copy(examples[i % len(examples)], folder / f"doc{i:03d}.yaml")
        env = {**os.environ, "LRSPEC_CACHE_DIR": str(Path(tmp) / "cache")}
        validate = statistics.median(_wall([*lrspec, "validate", *map(str, sorted(folder.iterdir()))], env)
                                     for _ in range(reps))
        doc = str(examples[0])
        cold = _wall([*lrspec, "eval", doc, "--steps", str(steps)], env)
        cached = statistics.median(_wall([*lrspec, "eval", doc, "--steps", str(steps)], env) for _ in range(reps))
    return {"validate": validate, "eval_cold": cold, "eval_cached": cached, "docs": docs, "steps": steps,
            "eval_doc": examples[0].name}


def torch_step_costs(name: str, steps: int = 20_000, reps: int = 5) -> dict[str, float] | None:
    """Microseconds per ``step()``: the generated torch scheduler of spec ``name`` and ``CosineAnnealingLR``."""
    try:
        import torch
    except ImportError:
        return None
    import warnings

    from peers import _class, _generated

    def per_step(build: Callable[[Any], Any]) -> float:
        def run() -> None:
            opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched = build(opt)
                for _ in range(steps):
                    sched.step()
        return time_call(run, reps).seconds / steps * 1e6

    generated = _class(_generated(name, "torch"))
    return {"generated": per_step(lambda o: generated(o)),
            "CosineAnnealingLR": per_step(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 100_000))}
