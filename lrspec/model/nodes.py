"""What every node model shares: the modifiers, the horizon rule, and the checks of expression fields.

The models of the core types live in their own modules, :mod:`lrspec.types`.<type>.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, ValidationInfo, model_validator

from ..expr import RESERVED, ExpressionError, parse
from ._base import Real, Steps, Strict, fail
from .modifiers import Clamp, Noise, Restarts, Warmup

__all__ = ["NodeBase", "check_params", "check_expression", "Params", "ScaleExpression", "RateExpression",
           "MAX_PHASES", "MAX_POINTS"]

MAX_PHASES = 64
MAX_POINTS = 1024
_IDENT = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


class NodeBase(Strict):
    """Fields every node has: modifiers, and ``steps`` when it is a phase of a sequence."""

    steps: Steps | None = None
    """Length of this phase (only on a phase of a sequence, and not on the last one)."""
    warmup: Warmup | None = None
    """Warmup applied to this node."""
    restarts: Restarts | None = None
    """Repeat this node in cycles; its horizon may then be omitted and is the cycle length."""
    noise: Noise | None = None
    """Deterministic noise on this node's rate."""
    clamp: Clamp | None = None
    """Bounds on this node's rate."""
    unit: Literal["epoch", "sample"] | None = None
    """This node counts in its own unit (spec/composition.md#node-counters): epoch, t // steps_per_epoch (an
    epoch-stepped decay in a document counted in steps); sample, t * samples_per_step. Default: the parent's counter."""

    #: Name of the field that sets the horizon, for types that have one.
    horizon_field: ClassVar[str | None] = None

    @model_validator(mode="after")
    def _horizon_given(self) -> NodeBase:
        field = type(self).horizon_field
        if field is not None and getattr(self, field) is None and self.restarts is None:
            raise fail(f"missing required field {field!r} (it may be omitted only on a node with restarts, "
                       "where the horizon is the cycle length)", (field,))
        return self


    @model_validator(mode="after")
    def _cycles_at_real_positions(self) -> NodeBase:
        """Cycles of fractional length run the formula on a real position (spec/modifiers.md#restarts)."""
        if self.restarts is None or not self.restarts.fractional:
            return self
        from ..formula import Names, NotAtRealPosition, Scope, at_real_position
        from ..types import TYPES

        kind = TYPES.get(getattr(self, "type", ""))
        if kind is None:
            return self
        children = kind.children(self) if kind.children is not None else []
        scope = Scope("", Names(), tuple(f"_child{k}" for k in range(len(children))))
        try:
            at_real_position(scope.body, kind.formula(self, scope))
        except NotAtRealPosition as exc:
            raise fail(f"restarts with cycles of fractional length need a formula of the real position in the "
                       f"cycle, and {kind.name} cannot run on one: {exc}; use a whole period and a whole "
                       "period_mul", ("restarts",)) from None
        return self


def check_params(params: dict[str, float]) -> dict[str, float]:
    import re

    for name in params:
        if not isinstance(name, str) or not re.match(_IDENT, name):
            raise fail(f"parameter name {name!r} must be an identifier (letters, digits, _)", (name,), key=True)
        if name in RESERVED:
            raise fail(f"parameter name {name!r} is reserved; choose another name", (name,), key=True)
    if len(params) > 32:
        raise fail("at most 32 parameters are allowed")
    return params


def check_expression(src: str, variable: str, info: ValidationInfo) -> str:
    if "params" not in info.data:
        return src  # params itself is invalid and reported; names cannot be checked against it
    params = info.data["params"]
    try:
        parse(src, variable, params, info.field_name or "expression")
    except ExpressionError as exc:
        raise fail(exc.message, (f"@{exc.column}",)) from None
    return src


def _expression_of(variable: str):  # noqa: ANN202
    def check(src: str, info: ValidationInfo) -> str:
        return check_expression(src, variable, info)
    return check


#: Named numbers an expression may use: identifiers that are not reserved words.
Params = Annotated[dict[str, Real], AfterValidator(check_params)]
#: An expression in ``x`` (a cyclical scale), checked against the model's ``params`` declared before it.
ScaleExpression = Annotated[str, AfterValidator(_expression_of("x"))]
#: An expression in ``t`` (a rate), checked against the model's ``params`` declared before it.
RateExpression = Annotated[str, AfterValidator(_expression_of("t"))]
