"""What the importers share: refusing clearly, recovering exact parameters, wrapping a schedule as a spec."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, LrspecError

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["refuse", "document", "to_spec", "recover", "plain", "whole"]


def refuse(library: str, what: str, why: str, instead: str) -> LrspecError:
    """The error for an object that has no lrspec equivalent: what it is, why, and what to write instead."""
    return LrspecError(Diagnostic(f"cannot import {library} {what}: {why}", file=f"<{library}>", help=instead))


def document(schedule: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """A complete lrspec document around one schedule node."""
    doc: dict[str, Any] = {"lrspec": 1}
    if name:
        doc["name"] = name
    doc["schedule"] = schedule
    return doc


def to_spec(doc: dict[str, Any], source: str) -> Spec:
    """Validate an imported document; an alias's own refusal surfaces as an LrspecError naming ``source``."""
    from ..loading import Loaded
    from ..spec import Spec
    from ..validation import validate

    return Spec(validate(Loaded(doc, {}, source, "")), source)


def plain(value: Any) -> Any:
    """Numbers and containers as plain Python (numpy scalars, tuples and Counters become float/int/list)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy / tensor scalars
        return plain(value.item())
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def whole(value: float, library: str, field: str) -> int:
    """A step count that a library stores as a float, as an exact integer (fractions are refused)."""
    if not math.isfinite(value) or value != math.floor(value):
        raise refuse(library, f"{field} = {value!r}", "lrspec counts whole steps",
                     f"build the scheduler with a whole number of steps for {field}")
    return int(value)


def recover(derived: float, reproduces: Callable[[float], bool]) -> float | None:
    """A parameter that a library only stores through a derived value (div_factor via max_lr / div_factor):
    the simplest float near ``derived`` for which ``reproduces`` holds, or None."""
    candidates = [float(f"{derived:.{digits}g}") for digits in (6, 9, 12, 15)] + [derived]
    nearby = derived
    for _ in range(4):
        nearby = math.nextafter(nearby, math.inf)
        candidates.append(nearby)
    nearby = derived
    for _ in range(4):
        nearby = math.nextafter(nearby, -math.inf)
        candidates.append(nearby)
    for value in candidates:
        if math.isfinite(value) and reproduces(value):
            return value
    return None


def one_group(values: list[float], library: str, what: str, group: int) -> float:
    """The value of param group ``group`` (an importer describes one group's rate)."""
    if not 0 <= group < len(values):
        raise LrspecError(Diagnostic(f"{library} {what} has {len(values)} param group(s); group={group} does not exist",
                                     file=f"<{library}>", help=f"pass group=0 .. {len(values) - 1}"))
    return float(values[group])
