"""The strict base model and the checked number types every field is built from.

Numbers are validated by hand rather than by pydantic's coercion so that booleans and strings are
never numbers, integral floats such as ``1e6`` are accepted as step counts, and every message says
what was given and what is allowed.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction as Rational
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from .durations import DURATION_PATTERN, Clock, is_duration, resolve, resolve_exact

__all__ = ["Strict", "T_MAX", "Steps", "Length", "Boundary", "Multiplier", "rational", "Step", "Rate", "Real", "Positive", "Fraction", "Factor", "Seed", "Target", "Offset",
           "fail", "Loc"]

#: The largest counter value: every integer up to 2**53 is exact in binary64.
T_MAX = 2**53


class Strict(BaseModel):
    """Frozen, closed to unknown fields, finite numbers only; attribute docstrings become schema descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              use_attribute_docstrings=True, validate_default=False, defer_build=True)


Loc = tuple[str | int, ...]


def fail(message: str, loc: Loc = (), *, key: bool = False) -> PydanticCustomError:
    """A validation error with our own message; ``loc`` extends the error's path below the model,
    and ``key`` points the diagnostic at the mapping key rather than its value."""
    ctx: dict[str, Any] = {"loc": ".".join(str(p) for p in loc)} if loc else {}
    if key:
        ctx["key"] = True
    return PydanticCustomError("lrspec", message, ctx)


def _shown(value: Any) -> str:
    """A value as the document spells it (true, null, .inf, [1, 2]), cut to about 40 characters."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and not math.isfinite(value):
        text = ".nan" if value != value else ("-.inf" if value < 0 else ".inf")
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, default=str)
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _quoted(value: Any, what: str) -> None:
    """Refuse a number written as a string, with a hint to remove the quotes."""
    if isinstance(value, str) and _looks_numeric(value):
        raise fail(f"{what}, got the string {_shown(value)}; remove the quotes")


def _number(value: Any) -> float | int:
    _quoted(value, "must be a number")
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        raise fail(f"must be a number, got a list {_shown(value)}; one value per parameter group is not one "
                   "schedule: write a document per group, or write the schedule as factors and use the generated "
                   "torch scheduler's mode=\"multiplier\"")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"must be a number, got {_shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        beyond = "" if value != value else " (or a number beyond the binary64 range, about 1.8e308)"
        raise fail(f"must be a finite number, got {_shown(value)}{beyond}")
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _real(value: Any) -> float:
    value = _number(value)
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise fail(f"must be a finite number, got an integer of {len(str(abs(value)))} digits")
    return out


def _integer(low: int) -> Any:
    def check(value: Any, info: ValidationInfo) -> int:
        what = f"must be an integer >= {'-2**53' if low == -T_MAX else low} and <= 2**53"
        if low >= 0 and is_duration(value):
            context = info.context or {}
            try:
                value = resolve(value, context.get("clock") or Clock())
            except ValueError as exc:
                raise fail(str(exc)) from None
        _quoted(value, what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(f"{what}, got {_shown(value)}")
        if isinstance(value, float):
            if not math.isfinite(value) or value != math.floor(value):
                raise fail(f"{what}, got {_shown(value)}")
            value = int(value)
        if not low <= value <= T_MAX:
            raise fail(f"{what}, got {value if len(str(value)) <= 30 else 'an integer of %d digits' % len(str(value))}")
        return value
    return check


#: The finest fraction of a step a length may have: at most 6 decimal places.
MAX_DENOMINATOR = 10**6


def rational(value: int | float) -> Rational:
    """A length as the exact rational its decimal spells: 2.4 is 12/5 (``repr`` gives the shortest decimal that
    reads back as the same binary64, which is the decimal a document wrote)."""
    return Rational(value) if isinstance(value, int) else Rational(repr(value))


def _length(low: int) -> Any:
    """A length or step that may be fractional (spec/numerics.md#lengths): a whole number stays an int, any other
    a float whose decimal is taken as an exact rational with at most 6 decimal places."""
    def check(value: Any, info: ValidationInfo) -> int | float:
        what = f"must be a number {'>= 0' if low == 0 else '> 0'} and <= 2**53"
        exact: Rational | None = None
        if is_duration(value):
            context = info.context or {}
            try:
                exact = resolve_exact(value, context.get("clock") or Clock())
            except ValueError as exc:
                raise fail(str(exc)) from None
            if MAX_DENOMINATOR % exact.denominator:
                raise fail(f"{value!r} is {exact} steps, not a decimal of at most 6 places")
            value = int(exact) if exact.denominator == 1 else float(exact)
        _quoted(value, what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(f"{what}, got {_shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"{what}, got {_shown(value)}")
        exact = rational(value)
        if not (exact > 0 if low else exact >= 0) or exact > T_MAX:
            raise fail(f"{what}, got {_shown(value)}")
        if exact.denominator == 1:
            return int(exact)
        if MAX_DENOMINATOR % exact.denominator:
            raise fail(f"{what} with at most 6 decimal places, got {_shown(value)}")
        if exact * exact.denominator ** 2 > 2**62:
            raise fail(f"{_shown(value)} is too long for its {len(repr(value).split('.')[-1])} decimal places: "
                       "counters of its cycles would pass int64; round it to fewer places")
        return value
    return check


def _bounded(low: float | None, high: float | None = None, *, open_low: bool = False) -> Any:
    def check(value: Any) -> float:
        out = _real(value)
        if low is not None and (out <= low if open_low else out < low):
            raise fail(f"must be {'>' if open_low else '>='} {low:g}, got {_shown(value)}")
        if high is not None and out > high:
            raise fail(f"must be <= {high:g}, got {_shown(value)}")
        return out
    return check


def _multiplier(value: Any) -> float:
    out = _bounded(1.0)(value)
    if MAX_DENOMINATOR % rational(out).denominator:
        raise fail(f"must be a decimal of at most 6 places (lengths grow by it exactly), got {_shown(value)}")
    return out


def _seed(value: Any) -> int:
    _quoted(value, "must be an integer from 0 to 4294967295")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        raise fail(f"must be an integer from 0 to 4294967295, got {_shown(value)}")
    return value


def _target(value: Any) -> float | str:
    if isinstance(value, str) and value in ("start", "end", "current"):
        return value
    if isinstance(value, str) and not _looks_numeric(value):
        raise fail(f"must be a rate >= 0, 'start', 'end' or 'current', got {_shown(value)}")
    return _bounded(0.0)(value)


# Field comes before BeforeValidator so that the bounds reach the JSON schema as minimum/maximum; the
# validator runs first either way and gives the message.

def _steps_schema(low: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "integer", "minimum": low, "maximum": T_MAX},
                                     {"type": "string", "pattern": DURATION_PATTERN}]})


#: A step count or length: an integer in [1, 2**53], or a duration such as "5ep", "1000st", "10%".
Steps = Annotated[int, Field(ge=1, le=T_MAX), BeforeValidator(_integer(1)), _steps_schema(1)]
#: A step index: an integer in [0, 2**53], or a duration.
Step = Annotated[int, Field(ge=0, le=T_MAX), BeforeValidator(_integer(0)), _steps_schema(0)]
#: A length that may be fractional (2.4 steps: 12/5 exactly), or a duration: > 0, at most 6 decimal places.
Length = Annotated[Union[int, float], Field(gt=0, le=T_MAX), BeforeValidator(_length(1)),
                   WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": T_MAX},
                                             {"type": "string", "pattern": DURATION_PATTERN}]})]
#: A step where something changes, which may be fractional (it then takes effect at the next whole step).
Boundary = Annotated[Union[int, float], Field(ge=0, le=T_MAX), BeforeValidator(_length(0)),
                     WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": T_MAX},
                                               {"type": "string", "pattern": DURATION_PATTERN}]})]
#: A signed step offset: an integer in [-2**53, 2**53].
Offset = Annotated[int, Field(ge=-T_MAX, le=T_MAX), BeforeValidator(_integer(-T_MAX))]
#: A learning rate: finite and >= 0.
Rate = Annotated[float, Field(ge=0), BeforeValidator(_bounded(0.0))]
#: Any finite real.
Real = Annotated[float, BeforeValidator(_real)]
#: A finite real > 0.
Positive = Annotated[float, Field(gt=0), BeforeValidator(_bounded(0.0, open_low=True))]
#: A finite real in [0, 1].
Fraction = Annotated[float, Field(ge=0, le=1), BeforeValidator(_bounded(0.0, 1.0))]
#: A finite real >= 1.
Factor = Annotated[float, Field(ge=1), BeforeValidator(_bounded(1.0))]
#: A multiplier of lengths (restart cycles): a finite real >= 1, an exact decimal of at most 6 places.
Multiplier = Annotated[float, Field(ge=1), BeforeValidator(_multiplier)]
#: A warmup target: a rate >= 0, or 'start' / 'end' / 'current'.
Target = Annotated[Union[Annotated[float, Field(ge=0)], Literal["start", "end", "current"]],
                   BeforeValidator(_target)]
#: A noise seed: an integer in [0, 2**32).
Seed = Annotated[int, Field(ge=0, lt=2**32), BeforeValidator(_seed)]
