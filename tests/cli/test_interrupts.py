"""Ctrl-C while the command line is still loading (pydantic, numpy: a few tenths of a second) exits 130 with one
line, as it does later in a command (tests/kernel/test_cache_reliability.py covers a compile).

The interpreter's own start-up, before the first line of lrspec runs, is Python's: the test interrupts only
after the time that start-up takes here.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "clr-triangular2.yaml"


def _interrupt_after(delay: float) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-m", "lrspec", "explain", str(EXAMPLE)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _startup() -> float:
    """Seconds until the entry module has loaded (the longest of three tries, under the machine's load now)."""
    times = []
    for _ in range(3):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", "import lrspec.command"], check=True)
        times.append(time.monotonic() - start)
    return max(times)


def test_ctrl_c_while_loading_exits_130_without_a_traceback():
    rng = random.Random(7)
    first = _startup()
    delays = [2 * first + rng.uniform(0.0, 0.5) for _ in range(12)]  # two run at once: each starts slower
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_interrupt_after, delays))
    for delay, (code, err) in zip(delays, outcomes, strict=True):
        assert (code, err) in ((130, "lrspec: interrupted\n"), (0, "")), (delay, code, err)
    assert [code for code, _ in outcomes].count(130) >= 6
