"""The public handle on a validated schedule: load it, evaluate it, audit it."""

from __future__ import annotations

import functools
import hashlib
import json
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, LrspecError
from .loading import Loaded, load_path, load_text
from .model import T_MAX, Document
from .validation import validate

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Spec", "Audit", "load"]


@dataclass(frozen=True)
class Audit:
    """Streaming summary of lr(t) over ``start <= t < stop``; min/max/mean ignore non-finite values."""

    start: int
    stop: int
    count: int
    min: float
    max: float
    mean: float
    first: float
    last: float
    nonfinite: int
    checksum: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Spec:
    """A validated lrspec document with its evaluator (compiled on first use, cached on disk)."""

    def __init__(self, document: Document, source: str = "<string>"):
        self.document = document
        self.source = source

    @property
    def name(self) -> str:
        if self.document.name:
            return self.document.name
        stem = Path(self.source).name.split(".")[0]
        return stem if stem and not self.source.startswith("<") else "schedule"

    def canonical_json(self) -> str:
        """The document with defaults filled in, keys sorted: what the hash and generated code trace to."""
        return json.dumps(self.document.model_dump(mode="json", exclude_none=True), sort_keys=True,
                          separators=(",", ":"))

    def digest(self) -> str:
        """sha256 of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @functools.cached_property
    def momentum(self) -> Spec | None:
        """The document's momentum schedule as a spec of its own (evaluate it like any spec), or None.

        It is the document's ``momentum``, or the one a top-level torch alias with ``cycle_momentum`` fills in.
        """
        from .expand import expand

        core = expand(self.document).momentum
        if core is None:
            return None
        name = f"{self.name[:119]}-momentum"
        document = self.document.model_copy(update={"name": name, "schedule": core, "momentum": None})
        return Spec(document, self.source)

    def evaluate(self, steps: Any, dtype: Any = None) -> Any:
        """lr(t) for a step (a float back), or a range, list or array of steps (an array of their shape back).

        Steps are integers 0 <= t <= 2**53 (spec/targets.md#inputs). ``dtype=np.float32`` stores float32.
        """
        from .eval import evaluate

        return evaluate(self, steps, dtype)

    def audit(self, start: Any, stop: int | None = None, progress: Callable[[int], None] | None = None) -> Audit:
        """min, max, mean, first, last, non-finite count and checksum of lr(t) for start <= t < stop,
        in constant memory (10**9 steps are fine). ``progress(done)`` is called as blocks of steps finish.

        ``spec.audit(steps)`` audits a range or an array of steps instead, in their order: ``first`` and ``last``
        are lr at the first and last of them, ``start`` and ``stop`` bound them (smallest, largest + 1), and a
        step given twice counts twice. Steps are checked as :meth:`evaluate` checks them.
        """
        from .eval import audit

        if stop is None:
            return audit(self, start, None, progress)
        return audit(self, *_check_range(start, stop), progress)

    def __repr__(self) -> str:
        return f"Spec(name={self.name!r}, type={self.document.schedule.type!r})"


def _check_range(start: Any, stop: Any) -> tuple[int, int]:
    bounds = []
    for label, value in (("start", start), ("stop", stop)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise LrspecError(Diagnostic(f"{label} must be an integer, got {shown(value)}"))
        bounds.append(int(value))
    start, stop = bounds
    if not 0 <= start < stop <= T_MAX + 1:
        raise LrspecError(Diagnostic(f"need 0 <= start < stop <= 2**53 + 1, got start={shown(start)}, "
                                     f"stop={shown(stop)}"))
    return start, stop


def shown(value: Any) -> str:
    """A number, or the text of one, cut for a message to about 20 characters: ``600``, ``1e+300``,
    ``1000000000...0000 (401 digits)``, ``'1111111111...11.5' (302 characters)``."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, numbers.Integral):
        n = int(value)
        if n.bit_length() > 10000:  # beyond what converting an int to text allows
            return f"{'a negative' if n < 0 else 'an'} integer of {n.bit_length()} bits"
        digits = str(abs(n))
        sign = "-" if n < 0 else ""
        return str(n) if len(digits) <= 20 else f"{sign}{digits[:10]}...{digits[-4:]} ({len(digits)} digits)"
    if isinstance(value, numbers.Real):
        try:
            return repr(float(value))
        except OverflowError:
            return f"a {type(value).__name__} beyond the binary64 range"
    if isinstance(value, str):
        return repr(value) if len(value) <= 20 else f"{value[:10] + '...' + value[-4:]!r} ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= 20 else f"a value of type {type(value).__name__}"


def _looks_like_text(value: str) -> bool:
    return "\n" in value or value.lstrip().startswith("{")


def load(source: str | Path | dict[str, Any]) -> Spec:
    """Load and validate a document from a path, YAML/JSON text, or an already-parsed mapping.

    A ``str`` is text when it contains a newline or starts with ``{``, otherwise a path.
    Raises :class:`LrspecError` with positioned diagnostics when it is invalid.
    """
    if isinstance(source, dict):
        loaded = Loaded(source, {}, "<dict>", "")
    elif isinstance(source, Path) or (isinstance(source, str) and not _looks_like_text(source)):
        loaded = load_path(source)
    elif isinstance(source, str):
        loaded = load_text(source)
    else:
        raise LrspecError(Diagnostic(f"load() takes a path, text or dict, got {type(source).__name__}"))
    return Spec(validate(loaded), loaded.name)
