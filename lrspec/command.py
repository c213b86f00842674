"""The ``lrspec`` console script: Ctrl-C at any moment, from its first instruction on, exits 130 with one line.

Loading the command line takes a few tenths of a second (pydantic, numpy); an interrupt then would otherwise end
in an import traceback. Only this module and :mod:`lrspec.diagnostics` load before the handler is in place.
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["main"]

_INTERRUPTED = 130


def _stop_while_loading(signum: int, frame: object) -> None:
    os.write(2, b"lrspec: interrupted\n")
    os._exit(_INTERRUPTED)


def main(argv: list[str] | None = None) -> int:
    """Run ``lrspec`` with ``argv`` (default: the process's arguments); returns the exit status."""
    previous = signal.signal(signal.SIGINT, _stop_while_loading)
    try:
        from .cli import main as run
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        return run(argv)
    except KeyboardInterrupt:  # between loading and the command's own handling (parsing the arguments)
        print("lrspec: interrupted", file=sys.stderr)
        return _INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
