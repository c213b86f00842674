"""Durations with units: ``"5ep"``, ``"1000st"``, ``"10%"`` resolved to whole counter steps at validation.

A plain integer counts in the document's ``unit``. A string names its unit: ``ep`` (epochs), ``st``
(steps) or ``%`` (of the document's ``total_steps``), converted with the document's
``steps_per_epoch``. The result must be a whole number of counter steps, computed exactly with
rationals; anything that cannot be resolved is a validation error, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Clock", "DURATION_PATTERN", "resolve", "resolve_exact"]

#: What a duration string looks like (also used by the JSON Schema).
DURATION_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*(ep|st|%)\s*$"
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ep|st|%)\s*$")


@dataclass(frozen=True)
class Clock:
    """What the document's counter counts, and the numbers that convert between units."""

    unit: str = "step"
    steps_per_epoch: int | None = None
    total_steps: int | None = None
    samples_per_step: int | None = None


def is_duration(value: object) -> bool:
    return isinstance(value, str) and _DURATION.match(value) is not None


def resolve(text: str, clock: Clock) -> int:
    """The duration ``text`` in counter steps of ``clock.unit``; ValueError with the reason otherwise."""
    value = resolve_exact(text, clock)
    if value.denominator != 1:
        raise ValueError(f"{text!r} is {float(value):g} {clock.unit}s, not a whole number")
    return int(value)


def resolve_exact(text: str, clock: Clock) -> Fraction:
    """The duration ``text`` in counter steps of ``clock.unit``, as an exact rational."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as '5ep', '1000st' or '10%'")
    amount, unit = Fraction(match.group(1)), match.group(2)
    spe = clock.steps_per_epoch
    if unit == "%":
        if clock.total_steps is None:
            raise ValueError(f"{text!r} is a share of total_steps; give total_steps at the top of the document")
        steps = amount / 100 * clock.total_steps
        unit, amount = "st", steps
    if unit == clock.unit[:2]:
        value = amount
    else:
        if spe is None:
            raise ValueError(f"{text!r} needs steps_per_epoch at the top of the document to convert "
                             f"to {clock.unit}s")
        value = amount * spe if unit == "ep" else amount / spe
    return value
