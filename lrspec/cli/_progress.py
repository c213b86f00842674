"""A progress bar on standard error for long evaluations: only on an interactive terminal and never
under CI, so piped output and logs stay clean. No dependency: one line redrawn with a carriage return."""

from __future__ import annotations

import os
import sys
import time
from typing import IO

from ._common import isatty

__all__ = ["Progress", "wanted"]

#: Seconds before the bar appears (short runs never show it) and between two redraws.
DELAY, INTERVAL = 0.5, 0.1
WIDTH = 30


def wanted(stream: IO[str] | None = None) -> bool:
    """True on an interactive terminal outside CI (the ``CI`` variable is set by every CI service)."""
    return isatty(sys.stderr if stream is None else stream) and not os.environ.get("CI")


class Progress:
    """``update(done)`` as work proceeds, ``close()`` at the end (erases the bar); inert when disabled."""

    def __init__(self, total: int, label: str, enabled: bool | None = None, stream: IO[str] | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self.total, self.label = max(total, 1), label
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < DELAY or (now - self.last < INTERVAL and done < self.total):
            return
        self.last = now
        frac = min(done / self.total, 1.0)
        bar = "#" * int(frac * WIDTH)
        rate = done / max(now - self.start, 1e-9)
        self.stream.write(f"\r{self.label} [{bar:<{WIDTH}}] {frac:6.1%}  {done:.3g}/{self.total:.3g} steps "
                          f"({rate:.3g}/s)")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
