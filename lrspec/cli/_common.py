"""What every command shares: exit codes, argument types, step ranges, loading, output plumbing."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable

from ..spec import shown

if TYPE_CHECKING:
    from ..spec import Spec

T_MAX = 2**53
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141
RAW = argparse.RawDescriptionHelpFormatter


class Usage(Exception):
    """A usage error found after parsing; reported by the sub-command's parser (exit 2)."""


def integer(text: str) -> int:
    """An integer argument: 1000, 1_000, 1e6, 2**53 or 2**53+1 (exact; 2.5 and 1e-3 are refused)."""
    value = text.strip()
    try:
        return int(value)
    except ValueError:
        pass
    match = re.fullmatch(r"([0-9]+)\s*\*\*\s*([0-9]{1,3})\s*(?:([+-])\s*([0-9]+))?", value)
    if match:
        base, power, sign, offset = match.groups()
        return int(base) ** int(power) + (0 if sign is None else int(sign + offset))
    if re.fullmatch(r"[+-]?[0-9]+(\.[0-9]*)?[eE]\+?[0-9]{1,3}", value):
        try:
            exact = Decimal(value)
        except InvalidOperation:
            exact = None
        if exact is not None and exact == exact.to_integral_value():
            return int(exact)
    raise argparse.ArgumentTypeError(f"must be an integer, got {shown(text)}")


def add_range(p: argparse.ArgumentParser, *, stride: bool) -> None:
    group = p.add_argument_group("steps", "--steps N, or --start A --stop B" + (" [--stride S]" if stride else ""))
    group.add_argument("--steps", type=integer, metavar="N", help="the first N steps, t = 0 .. N-1")
    group.add_argument("--start", type=integer, metavar="A", help="first step (default 0)")
    group.add_argument("--stop", type=integer, metavar="B", help="end of the range, excluded (at most 2**53 + 1)")
    if stride:
        group.add_argument("--stride", type=integer, metavar="S", default=1, help="distance between steps "
                           "(default 1)")


def step_range(args: argparse.Namespace) -> range:
    """The steps the arguments ask for, checked: every t in 0 <= t <= 2**53."""
    stride = getattr(args, "stride", 1)
    if args.steps is not None:
        if args.start is not None or args.stop is not None:
            raise Usage("give --steps N, or --start A --stop B, not both")
        if not 1 <= args.steps <= T_MAX + 1:
            raise Usage(f"--steps must be >= 1 and <= 2**53 + 1 (steps t = 0 .. N-1 with t <= 2**53), "
                         f"got {shown(args.steps)}")
        start, stop = 0, args.steps
    else:
        if args.stop is None:
            raise Usage("give --steps N, or --start A --stop B")
        start, stop = (0 if args.start is None else args.start), args.stop
        if start < 0:
            raise Usage(f"--start must be >= 0 (steps are 0 <= t <= 2**53), got {shown(start)}")
        if stop > T_MAX + 1:
            raise Usage(f"--stop must be <= 2**53 + 1 = {T_MAX + 1} (the last step is 2**53), got {shown(stop)}")
        if not start < stop:
            raise Usage(f"--stop must be greater than --start, got start={shown(start)}, stop={shown(stop)}")
    if stride < 1:
        raise Usage(f"--stride must be >= 1, got {shown(stride)}")
    return range(start, stop, stride)



def _read_stdin() -> Any:
    from ..loading import MAX_BYTES, load_bytes

    return load_bytes(sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>")


def load(file: str) -> Spec:
    """Parse and validate one document; raises :class:`LrspecError` with positioned diagnostics."""
    from ..loading import load_path
    from ..spec import Spec
    from ..validation import validate

    loaded = _read_stdin() if file == "-" else load_path(file)
    return Spec(validate(loaded), loaded.name)


def number(value: float) -> Any:
    """A float for JSON: itself when finite, else the string JavaScript and float() both read."""
    if math.isfinite(value):
        return value
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def write_file(path: str, mode: str, write: Callable[[Any], None]) -> int:
    """Write through ``write``; on any failure remove what was written if the file is new and regular."""
    existed = os.path.exists(path)
    try:
        stream = open(path, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "")
    except OSError as exc:
        return os_error(path, exc, "write")
    try:
        with stream:
            write(stream)
    except BaseException as exc:
        if not existed and os.path.isfile(path):
            try:
                os.unlink(path)
            except OSError:
                pass
        if isinstance(exc, OSError):
            return os_error(path, exc, "write")
        raise
    return EXIT_OK


def out(text: str) -> None:
    sys.stdout.write(text)


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def os_error(path: str, exc: OSError, verb: str) -> int:
    reason = exc.strerror or str(exc)
    print(f"lrspec: cannot {verb} {path}: {reason}", file=sys.stderr)
    return EXIT_FAIL


def silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


