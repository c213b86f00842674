"""cyclical (spec/types/cyclical.md): the triangular cyclical learning rate of Smith (2017), as
tensorflow-addons' CyclicalLearningRate and torch's CyclicLR, with a scale written in the expression language."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..expr import parse
from ..formula import Scope, lt, real, t, where
from ..model._base import Length, Positive, Rate, fail, rational
from ..model.nodes import NodeBase, Params, ScaleExpression
from .base import NodeType, Shape, g, steps

#: The scale of mode triangular2 (cycle mode): the tfa formula, as an expression.
TRIANGULAR2 = "1 / 2 ** (x - 1)"
#: The scale of mode exp_range (iterations mode).
EXP_RANGE = "gamma ** x"


class Cyclical(NodeBase):
    """tensorflow-addons CyclicalLearningRate (torch CyclicLR with step_size_down)."""

    type: Literal["cyclical"]
    initial_lr: Rate
    """Rate at the start of each cycle."""
    maximal_lr: Rate
    """Rate at the peak (before scaling)."""
    step_size: Length
    """Steps from the start of a cycle to its peak; may be fractional (tfa, torch CyclicLR)."""
    step_size_down: Length | None = None
    """Steps from the peak to the end of the cycle; default step_size."""
    mode: Literal["triangular", "triangular2", "exp_range"] | None = None
    """A built-in scale: triangular (1), triangular2 (1/2**(cycle-1)), exp_range (gamma**t). Exclusive with scale_fn."""
    gamma: Positive | None = None
    """Base of exp_range."""
    params: Params = Field(default_factory=dict)
    """Named numbers that scale_fn may use."""
    scale_fn: ScaleExpression | None = None
    """Scale as an expression of x (the cycle number from 1, or the step t with scale_mode iterations)."""
    scale_mode: Literal["cycle", "iterations"] | None = None
    """What x is in scale_fn: the cycle number (default) or the step."""

    @model_validator(mode="after")
    def _consistent(self) -> Cyclical:
        if self.mode is not None and self.scale_fn is not None:
            raise fail("give mode or scale_fn, not both", ("scale_fn",))
        if self.mode == "exp_range" and self.gamma is None:
            raise fail("mode exp_range needs gamma, the base of gamma ** t", ("mode",))
        if self.gamma is not None and self.mode != "exp_range":
            raise fail("gamma is used only with mode exp_range (in scale_fn, declare it in params)", ("gamma",))
        fixed = {"triangular2": "cycle", "exp_range": "iterations"}.get(self.mode or "")
        if self.scale_mode is not None:
            if self.mode == "triangular":
                raise fail("mode triangular has no scale, so scale_mode does not apply", ("scale_mode",))
            if fixed is not None and self.scale_mode != fixed:
                raise fail(f"mode {self.mode} scales by {fixed}; scale_mode {self.scale_mode} contradicts it",
                           ("scale_mode",))
        if self.params and self.scale_fn is None:
            raise fail("params are used only by scale_fn", ("params",))
        up, down, d = self.scaled()
        if (up + down) * d > 2**62:
            raise fail(f"the cycle of {float(rational(self.step_size) + rational(self.step_size_down or self.step_size)):g} "
                       f"steps in units of 1/{d} step passes int64; use fewer decimal places", ("step_size",))
        return self

    def scaled(self) -> tuple[int, int, int]:
        """The half cycles in units of 1/d step, d the least common denominator (1 for whole step sizes)."""
        up = rational(self.step_size)
        down = rational(self.step_size_down) if self.step_size_down is not None else up
        d = math.lcm(up.denominator, down.denominator)
        return int(up * d), int(down * d), d

    def scale(self) -> tuple[str, dict[str, float], bool] | None:
        """The scale as (expression, params, by cycle), or None for no scale (triangular)."""
        if self.scale_fn is not None:
            return self.scale_fn, self.params, self.scale_mode != "iterations"
        if self.mode == "triangular2":
            return TRIANGULAR2, {}, True
        if self.mode == "exp_range":
            return EXP_RANGE, {"gamma": self.gamma or 1.0}, False
        return None


def formula(n: Cyclical, s: Scope):
    u, v, d = n.scaled()
    up = s.int("step_size", u)
    down = s.int("step_size_down", v)
    length = s.int("cycle_length", u + v)
    if d == 1:  # a structural choice: whole step sizes need no scaled counter
        q = s.let("q", t % length)
        cycle = s.let("cycle", 1 + t // length)
    else:  # spec/types/cyclical.md: in units of 1/d step, q = (t d) mod (u + v), without forming t d
        scale = s.int("step_denominator", d)
        rest = s.let("rest", (t % length) * scale)
        q = s.let("q", rest % length)
        cycle = s.let("cycle", 1 + (t // length) * scale + rest // length)
    hh = s.let("hh", where(lt(q, up), real(q) / real(up), real(length - q) / real(down)))
    initial = s.num("initial_lr", n.initial_lr)
    amplitude = s.num("maximal_lr", n.maximal_lr) - initial
    scale = n.scale()
    if scale is None:
        return initial + amplitude * hh
    text, params, by_cycle = scale
    x = real(cycle) if by_cycle else real(t)
    factor = s.let("scale", s.expression(parse(text, "x", params, "scale_fn"), x, params))
    return initial + amplitude * hh * factor


def describe(p, unit: str) -> str:
    n = p.node
    down = n.step_size_down or n.step_size
    scale = ""
    if n.scale_fn is not None:
        x = "the cycle number (from 1)" if n.scale_mode != "iterations" else "the step"
        scale = f"; amplitude scaled by {n.scale_fn} with x {x}"
    elif n.mode in ("triangular2", "exp_range"):
        scale = "; amplitude halved every cycle" if n.mode == "triangular2" else \
            f"; amplitude scaled by {g(n.gamma or 1.0)} ** t"
    return (f"cyclical between {g(n.initial_lr)} and {g(n.maximal_lr)}: {steps(n.step_size, unit)} up, "
            f"{steps(down, unit)} down (cycles of {steps(_g(rational(n.step_size) + rational(down)), unit)}){scale}")


def _g(x) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _period(n: Cyclical, s: Scope):
    u, v, d = n.scaled()
    return s.int("cycle_length", u + v) if d == 1 else None


def _shape(p, shape_of) -> Shape:
    u, v, d = p.node.scaled()
    return Shape(period=(u + v) // math.gcd(u + v, d))  # the rate repeats every (u + v) / gcd steps


TYPE = NodeType(model=Cyclical, formula=formula, describe=describe, period=_period, shape=_shape)
