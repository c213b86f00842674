"""The torch target: a plan's functions on Python ints and floats, its numbers as module constants."""

from __future__ import annotations

from typing import Any

from ..expr.dialects import PythonDialect
from ..expr.render import number
from ..expr.tree import IntParam, Param
from ..lower import Plan
from .emit import emit_function, helpers_needed

__all__ = ["context"]

#: Helpers that call other helpers.
_NEEDS = {"_fdiv": ("_floor", "_div"), "_fmod": ("_floor", "_div"), "_log": ("_log_of",), "_log2": ("_log_of",),
          "_log10": ("_log_of",), "_sin": ("_periodic",), "_cos": ("_periodic",), "_tan": ("_periodic",),
          "_uniform": ("_mix32",)}


def _closure(names: set[str]) -> list[str]:
    return helpers_needed(names, _NEEDS)


def constants(plan: Plan) -> list[str]:
    """``NAME = value`` for every number the functions use, in order of first use (the literals of expressions
    stay where they are written)."""
    lines = []
    for c in plan.constants:
        if isinstance(c, Param):
            if not c.literal:
                lines.append(f"{c.name} = {number(c.value)}")
        elif isinstance(c, IntParam):
            lines.append(f"{c.name} = {c.value}")
        else:
            values = ", ".join(str(v) if c.integer else number(v) for v in c.values)
            lines.append(f"{c.name} = ({values}{',' if len(c.values) == 1 else ''})")
    return lines


def context(plan: Plan) -> dict[str, Any]:
    dialect = PythonDialect()
    functions = [emit_function(f, dialect) for f in plan.functions]
    helpers = _closure(dialect.helpers)
    text = "\n".join(functions)
    return {
        "constants": constants(plan),
        "functions": functions,
        "helpers": helpers,
        "uses_bisect": "bisect." in text,
        "uses_math": "math." in text or bool(helpers),
        "entry": plan.root.entry,
        "momentum_entry": plan.momentum.entry if plan.momentum is not None else None,
    }
