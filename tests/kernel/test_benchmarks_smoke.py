"""The benchmark suite (benchmarks/run.py) runs end to end on tiny sizes, and its numpy forms are the specs.

No timing is asserted: only that every row is produced and that the closed forms the peers are
compared with compute the same schedules as the kernel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
from specs import NUMPY, SPECS  # noqa: E402


@pytest.mark.parametrize("name", sorted(SPECS))
def test_numpy_closed_forms_are_the_benchmarked_specs(name: str) -> None:
    n = 900_000  # every phase of four_phase, the warmup and first cycles of restarts
    want = lrspec.load(SPECS[name]).evaluate(range(n))
    got = NUMPY[name](n, np.empty(n))
    # four_phase's noise: scipy's normal quantile and AS241 agree to a few units in the last place of z
    assert np.abs(got - want).max() <= 4e-14 * np.abs(want).max()


def test_suite_runs_on_tiny_sizes(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--specs", "restarts", "--sizes", "1000", "3000",
                    "--audit-sizes", "5000", "--reps", "1", "--budget", "5", "--no-cli", "--generated-steps", "0",
                    "--array-steps", "40000", "--settle", "0", "--dask-steps", "1e6", "--dask-workers", "1",
                    "--out", str(out)],
                   check=True, env=env, capture_output=True, text=True, timeout=300)
    text = out.read_text(encoding="utf-8")
    for row in ("| lrspec kernel | float64 |", "| lrspec kernel | float32 |", "| numpy closed form |",
                "| fill a preallocated array", "| np.cos over float64", "| lrspec streaming audit, N = 5e+03"):
        assert row in text, row
    for peer in ("generated JAX", "optax nearest", "generated Keras", "Keras nearest", "generated torch",
                 "torch nearest", "timm nearest"):
        assert f"| {peer}" in text or f"- {peer}" in text, peer  # a row, or a note saying why it did not run
    assert "## Targets" in text and "load average" in text
    for row in ("| np.arange(N) |", "| shuffled np.arange(N) |", "| restarts | ", "| Dask, 1 single-threaded worker |",
                "`evaluate(np.arange(4e+04))`, float64 ≥ 1.0× optax jit", "Dask audit of 1e+06 steps, 1"):
        assert row in text, row


def test_generated_rows_run_and_tell_same_rates_from_other_rates():
    """benchmarks/generated.py on a small N (the kernel's rows; the TF and JAX sides are the same code paths as
    the conformance tests against Keras and optax): each side runs, and the check of same rates has teeth."""
    from generated import NOISY, QUIET, _agree, _side

    n = 20_000
    noisy, quiet = _side("kernel", NOISY, n, 1, settle=0.0), _side("kernel", QUIET, n, 1, settle=0.0)
    assert _agree(quiet, _side("kernel", QUIET, n, 1, settle=0.0))
    assert not _agree(noisy, quiet)
    assert noisy["seconds"] > 0 and quiet["seconds"] > 0
